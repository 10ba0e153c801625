package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/store"
)

// A device change by the chip is for a holder whose old phone is lost: on
// the new device, not logged in, the ID number and password, a code sent
// by SMS to the account's phone, and the ID card's chip read by NFC, which
// answers a challenge of the change with its active-authentication key.
// This package keeps the change (password, code, device proof, binding);
// the chip itself is checked by a ChipChecker (the e-ID service's), since
// this package knows nothing of chips or trust lists.

// ChipChallengeSize is the length of the challenge a chip signs (the
// RND.IFD of ICAO Doc 9303 active authentication).
const ChipChallengeSize = 8

func deviceChangeChipStartPerIP() ratelimit.Rule {
	return ratelimit.Rule{Name: "device-change-chip-ip", Limit: 20, Window: time.Hour}
}

// ErrDeviceChangeNoChipCard: the holder has no valid chip card to change
// the device with.
var ErrDeviceChangeNoChipCard = failure.New("device_change_no_chip_card", failure.Forbidden,
	"Công dân không có thẻ Căn cước gắn chip còn giá trị sử dụng nên không thể đổi thiết bị bằng chip. Vui lòng đổi thiết bị bằng mã xác nhận hoặc liên hệ cơ quan Công an.",
	"The holder has no valid chip ID card, so the device cannot be changed with the chip. Change it with a code, or contact the police.")

// ChipDeviceChangeStarted is a pending device change by the chip.
type ChipDeviceChangeStarted struct {
	ID        string
	ExpiresAt time.Time
	// ChipChallenge is what the chip must sign (INTERNAL AUTHENTICATE).
	ChipChallenge []byte
	// MaskedPhone is where the code went by SMS.
	MaskedPhone string
}

// StartDeviceChangeByChip asks to bind dev to the account of idNumber in
// place of its device, to be confirmed by the card's chip. The password is
// checked as at login; the holder must have a valid chip card in the
// population database. A code (valid 5 minutes, 5 tries, shared by every
// completion attempt) goes by SMS to the account's phone, never to the old
// device, and the change gets its own chip challenge. The per-ID limit is
// the one of every device change (5 an hour); the per-address one is
// device-change-chip-ip (20 an hour) on top of the login limits.
func (s *Service) StartDeviceChangeByChip(ctx context.Context, c Caller, idNumber, password string, dev DeviceInfo) (ChipDeviceChangeStarted, error) {
	if err := s.allow(ctx, deviceChangeChipStartPerIP(), c.IP); err != nil {
		return ChipDeviceChangeStarted{}, err
	}
	idNumber = strings.TrimSpace(idNumber)
	dev.Name, dev.Platform = strings.TrimSpace(dev.Name), strings.TrimSpace(dev.Platform)
	if dev.ID == "" || len(dev.ID) > 128 || len(dev.Name) > 128 || len(dev.Platform) > 32 {
		return ChipDeviceChangeStarted{}, ErrInvalidDevice.WithFields("device")
	}
	pub, err := ParseDevicePublicKey(dev.PublicKey)
	if err != nil {
		return ChipDeviceChangeStarted{}, ErrInvalidDevice.WithFields("device.public_key").WithCause(err)
	}
	a, _, err := s.checkPassword(ctx, c, idNumber, password, "app")
	if err != nil {
		return ChipDeviceChangeStarted{}, err
	}
	if err := s.allow(ctx, deviceChangePerID(), a.IDNumber); err != nil {
		return ChipDeviceChangeStarted{}, err
	}
	cit, err := s.citizen(ctx, a.IDNumber)
	if errors.Is(err, ErrCitizenNotFound) {
		return ChipDeviceChangeStarted{}, ErrDeviceChangeNoChipCard
	}
	if err != nil {
		return ChipDeviceChangeStarted{}, failure.Unexpected(err)
	}
	if card, ok := cit.CurrentCard(s.today()); !ok || !card.Chip {
		return ChipDeviceChangeStarted{}, ErrDeviceChangeNoChipCard
	}
	old, err := s.store.AccountDevice(ctx, a.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		old = store.Device{}
	case err != nil:
		return ChipDeviceChangeStarted{}, failure.Unexpected(err)
	case old.DeviceID == dev.ID:
		return ChipDeviceChangeStarted{}, ErrDeviceAlreadyBound
	}
	now := s.now()
	ch := store.DeviceChange{ID: newID(), AccountID: a.ID, OldDeviceID: old.DeviceID, DeviceID: dev.ID, DevicePublicKey: pub,
		DeviceName: dev.Name, DevicePlatform: dev.Platform, Method: store.DeviceChangeByChip,
		MaxAttempts: deviceChangeMaxAttempts, CreatedAt: now, ExpiresAt: now.Add(deviceChangeTTL)}
	// A random code, not one derived from the change: no device may be
	// shown it again, only the SMS carries it.
	code := s.newCode()
	ch.CodeHash = s.otpHash(ch.ID, code)
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateDeviceChange(ctx, ch); err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, notify.OTPMessage(a.Phone, code, deviceChangeTTL, now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.device_change_started", a.IDNumber, "device_change",
			map[string]any{"change": ch.ID, "device": dev.ID, "method": store.DeviceChangeByChip, "code_to": "sms"})
	})
	if err != nil {
		return ChipDeviceChangeStarted{}, failure.Unexpected(err)
	}
	s.notify()
	return ChipDeviceChangeStarted{ID: ch.ID, ExpiresAt: ch.ExpiresAt, ChipChallenge: s.deviceChangeChipChallenge(ch.ID),
		MaskedPhone: identity.MaskPhone(a.Phone)}, nil
}

// deviceChangeChipChallenge derives a change's chip challenge from its ID
// with the server's OTP key: unpredictable, different for every change,
// and checkable on any instance without storing it. It lives and dies with
// the change, which completes once.
func (s *Service) deviceChangeChipChallenge(changeID string) []byte {
	m := hmac.New(sha256.New, s.otpKey)
	m.Write([]byte("vneid-device-change-chip\n" + changeID))
	return m.Sum(nil)[:ChipChallengeSize]
}

// ChipDeviceChangeConfirm is the new device's completion of a change by
// the chip, besides the chip itself.
type ChipDeviceChangeConfirm struct {
	ChangeID string
	// Code is the code sent by SMS.
	Code string
	// Challenge is a login challenge for the new device (LoginChallenge);
	// Signature the new device key's signature over
	// DeviceChangeProof(Challenge, ChangeID).
	Challenge string
	Signature string
}

// DeviceChipCheck is what a ChipChecker must establish about the chip read
// for a change.
type DeviceChipCheck struct {
	ChangeID  string
	AccountID string
	// IDNumber is the account's personal ID number: the chip must be the
	// holder's current valid card.
	IDNumber string
	// Challenge is the change's chip challenge, which the chip must sign.
	Challenge []byte
}

// ChipChecker checks the chip read for a device change; a refusal is a
// *failure.Error the caller is shown as it is.
type ChipChecker func(ctx context.Context, want DeviceChipCheck) error

// CompleteDeviceChangeByChip completes a change started by
// StartDeviceChangeByChip: the change must be pending, unexpired and by the
// chip; the new device proves its key as in ConfirmDeviceChange; one of the
// change's tries is spent and the SMS code checked; then check verifies the
// chip against the change's challenge and the holder's card. On success
// the new device replaces the old one, every session ends, the holder is
// told by SMS, and the change is audited, as in ConfirmDeviceChange. A
// refused chip is audited too and uses up the try.
func (s *Service) CompleteDeviceChangeByChip(ctx context.Context, c Caller, req ChipDeviceChangeConfirm, check ChipChecker) (BoundDevice, error) {
	if check == nil {
		return BoundDevice{}, failure.Unexpected(errors.New("device change by chip: no chip checker"))
	}
	if err := s.allow(ctx, deviceChangeConfirmPerIP(), c.IP); err != nil {
		return BoundDevice{}, err
	}
	if req.ChangeID == "" || len(req.ChangeID) > 64 {
		return BoundDevice{}, ErrDeviceChangeNotFound
	}
	ch, err := s.store.DeviceChange(ctx, req.ChangeID)
	if errors.Is(err, store.ErrNotFound) || err == nil && (!ch.CompletedAt.IsZero() || ch.Method != store.DeviceChangeByChip) {
		return BoundDevice{}, ErrDeviceChangeNotFound
	}
	if err != nil {
		return BoundDevice{}, failure.Unexpected(err)
	}
	if !s.now().Before(ch.ExpiresAt) {
		return BoundDevice{}, ErrDeviceChangeExpired
	}
	if err := s.challenges.check(req.Challenge, ch.DeviceID, s.now()); err != nil {
		return BoundDevice{}, ErrDeviceProof.WithFields("challenge").WithCause(err)
	}
	if err := VerifyDeviceSignature(ch.DevicePublicKey, DeviceChangeProof(req.Challenge, ch.ID), req.Signature); err != nil {
		return BoundDevice{}, ErrDeviceProof.WithFields("device_signature").WithCause(err)
	}
	ch, err = s.store.SpendDeviceChangeAttempt(ctx, ch.ID)
	if errors.Is(err, store.ErrConflict) {
		return BoundDevice{}, ErrDeviceChangeAttempts
	}
	if err != nil {
		return BoundDevice{}, failure.Unexpected(err)
	}
	left := ch.MaxAttempts - ch.Attempts
	if !hmac.Equal(ch.CodeHash, s.otpHash(ch.ID, strings.TrimSpace(req.Code))) {
		if left <= 0 {
			return BoundDevice{}, ErrDeviceChangeAttempts
		}
		return BoundDevice{}, ErrDeviceChangeCode.WithFields("code").WithDetail(fmt.Sprintf("Còn %d lần thử.", left), fmt.Sprintf("%d tries left.", left))
	}
	// A login challenge confirms once.
	exp, _ := s.challenges.expiry(req.Challenge)
	sum := sha256.Sum256([]byte(req.Challenge))
	if n, err := s.store.Hit(ctx, "login-challenge:"+hex.EncodeToString(sum[:16]), exp, exp); err != nil {
		return BoundDevice{}, failure.Unexpected(err)
	} else if n > 1 {
		return BoundDevice{}, ErrDeviceProof.WithFields("challenge").WithDetail("(Mã thử thách đã được sử dụng.)", "(The challenge was already used.)")
	}
	a, err := s.store.Account(ctx, ch.AccountID)
	if err != nil {
		return BoundDevice{}, failure.Unexpected(err)
	}
	if a.State != store.AccountActive {
		return BoundDevice{}, ErrAccountLocked
	}
	if err := check(ctx, DeviceChipCheck{ChangeID: ch.ID, AccountID: a.ID, IDNumber: a.IDNumber,
		Challenge: s.deviceChangeChipChallenge(ch.ID)}); err != nil {
		fe := failure.As(err)
		if fe == nil {
			return BoundDevice{}, failure.Unexpected(err)
		}
		detail := map[string]any{"change": ch.ID, "code": fe.Code, "tries_left": left}
		if fe.Reason != "" {
			detail["reason"] = fe.Reason
		}
		_ = s.audit(ctx, s.store, c, "account:"+a.ID, "account.device_change_chip_refused", a.IDNumber, "device_change", detail)
		return BoundDevice{}, err
	}
	return s.bindChangedDevice(ctx, c, a, ch)
}
