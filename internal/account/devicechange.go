package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
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

// Device-change rules. A change code lives as long as an OTP and allows as
// many tries; these limits sit on top of the login limits the password
// check applies.
const (
	deviceChangeTTL         = 5 * time.Minute
	deviceChangeMaxAttempts = 5
)

// TemplateDeviceChanged is the SMS telling a holder a new device was bound;
// TemplateDeviceUnlinked the one telling them the device was unlinked.
const (
	TemplateDeviceChanged  = "device_changed"
	TemplateDeviceUnlinked = "device_unlinked"
)

func deviceChangePerID() ratelimit.Rule {
	return ratelimit.Rule{Name: "device-change-id", Limit: 5, Window: time.Hour}
}

func deviceChangeConfirmPerIP() ratelimit.Rule {
	return ratelimit.Rule{Name: "device-change-confirm-ip", Limit: 60, Window: time.Hour}
}

// Failures of the device flows. Their codes are part of the API.
var (
	ErrDeviceNotFound = failure.New("device_not_found", failure.NotFound,
		"Không tìm thấy thiết bị này trong tài khoản.", "The account has no such device.")
	ErrDeviceAlreadyBound = failure.New("device_already_bound", failure.Conflict,
		"Thiết bị này đã được liên kết với tài khoản. Vui lòng đăng nhập.", "This device is already bound to the account. Please log in.")
	ErrDeviceChangeNotFound = failure.New("device_change_not_found", failure.NotFound,
		"Không có yêu cầu đổi thiết bị đang chờ xác nhận.", "There is no device change awaiting confirmation.")
	ErrDeviceChangeExpired = failure.New("device_change_expired", failure.Gone,
		"Yêu cầu đổi thiết bị đã hết hạn. Vui lòng thực hiện lại.", "The device change has expired. Please start again.")
	ErrDeviceChangeCode = failure.New("device_change_code_invalid", failure.Invalid,
		"Mã xác nhận đổi thiết bị không đúng.", "The device change code is wrong.")
	ErrDeviceChangeAttempts = failure.New("device_change_attempts_exceeded", failure.Forbidden,
		"Đã nhập sai mã xác nhận quá số lần cho phép. Vui lòng thực hiện lại yêu cầu đổi thiết bị.",
		"Too many wrong codes. Please start the device change again.")
	ErrDeviceChangeStale = failure.New("device_change_stale", failure.Conflict,
		"Thiết bị của tài khoản đã thay đổi sau khi yêu cầu được tạo. Vui lòng thực hiện lại.",
		"The account's device changed after this request was made. Please start again.")
)

// DeviceInfo is a device as the app describes it.
type DeviceInfo struct {
	ID        string
	PublicKey string // base64 PKIX DER
	Name      string
	Platform  string
}

// BoundDevice is the device bound to an account.
type BoundDevice struct {
	ID       string
	Name     string
	Platform string
	BoundAt  time.Time
}

// Device returns the device bound to the logged-in account.
func (s *Service) Device(ctx context.Context, p Principal) (BoundDevice, error) {
	d, err := s.store.AccountDevice(ctx, p.Account.ID)
	if errors.Is(err, store.ErrNotFound) {
		return BoundDevice{}, ErrDeviceNotFound
	}
	if err != nil {
		return BoundDevice{}, failure.Unexpected(err)
	}
	return BoundDevice{ID: d.DeviceID, Name: d.Name, Platform: d.Platform, BoundAt: d.BoundAt}, nil
}

// UnlinkDevice unbinds deviceID from the logged-in account after checking
// the password again. Every session ends; the next login binds a device
// through a device change. The holder is told by SMS.
func (s *Service) UnlinkDevice(ctx context.Context, c Caller, p Principal, deviceID, password string) error {
	if err := s.allow(ctx, s.cfg.LoginPerID, p.Account.IDNumber); err != nil {
		return err
	}
	a, err := s.store.Account(ctx, p.Account.ID)
	if err != nil {
		return failure.Unexpected(err)
	}
	ok, _, err := VerifyPassword(a.PasswordHash, password, s.cfg.Argon2)
	if err != nil {
		return failure.Unexpected(err)
	}
	if !ok {
		_ = s.audit(ctx, s.store, c, "account:"+a.ID, "account.device_unlink_failed", a.IDNumber, "device_management",
			map[string]any{"reason": "password"})
		return ErrInvalidCredentials.WithFields("password")
	}
	now := s.now()
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.UnbindDevice(ctx, a.ID, deviceID); err != nil {
			return err
		}
		n, err := q.RevokeAccountSessions(ctx, a.ID, now)
		if err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, deviceUnlinkedMessage(a.Phone, now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.device_unlinked", a.IDNumber, "device_management",
			map[string]any{"device": deviceID, "sessions_ended": n})
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrDeviceNotFound
	}
	if err != nil {
		return failure.Unexpected(err)
	}
	s.notify()
	return nil
}

// DeviceChangeStarted is a pending device change.
type DeviceChangeStarted struct {
	ID        string
	ExpiresAt time.Time
	// CodeTo says where the code is shown: "old_device", or "sms" (to
	// MaskedPhone) when the account has no device bound.
	CodeTo      string
	MaskedPhone string
}

// StartDeviceChange asks to bind dev to the account of idNumber in place of
// its device. The password is checked as at login. A 6-digit code, valid 5
// minutes, is shown in the app on the old device (with an inbox message);
// when no device is bound (it was unlinked) the code goes by SMS to the
// account's phone instead.
func (s *Service) StartDeviceChange(ctx context.Context, c Caller, idNumber, password string, dev DeviceInfo) (DeviceChangeStarted, error) {
	idNumber = strings.TrimSpace(idNumber)
	dev.Name, dev.Platform = strings.TrimSpace(dev.Name), strings.TrimSpace(dev.Platform)
	if dev.ID == "" || len(dev.ID) > 128 || len(dev.Name) > 128 || len(dev.Platform) > 32 {
		return DeviceChangeStarted{}, ErrInvalidDevice.WithFields("device")
	}
	pub, err := ParseDevicePublicKey(dev.PublicKey)
	if err != nil {
		return DeviceChangeStarted{}, ErrInvalidDevice.WithFields("device.public_key").WithCause(err)
	}
	a, _, err := s.checkPassword(ctx, c, idNumber, password, "app")
	if err != nil {
		return DeviceChangeStarted{}, err
	}
	if err := s.allow(ctx, deviceChangePerID(), a.IDNumber); err != nil {
		return DeviceChangeStarted{}, err
	}
	old, err := s.store.AccountDevice(ctx, a.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		old = store.Device{}
	case err != nil:
		return DeviceChangeStarted{}, failure.Unexpected(err)
	case old.DeviceID == dev.ID:
		return DeviceChangeStarted{}, ErrDeviceAlreadyBound
	}
	now := s.now()
	ch := store.DeviceChange{ID: newID(), AccountID: a.ID, OldDeviceID: old.DeviceID, DeviceID: dev.ID, DevicePublicKey: pub,
		DeviceName: dev.Name, DevicePlatform: dev.Platform, Method: store.DeviceChangeByCode,
		MaxAttempts: deviceChangeMaxAttempts, CreatedAt: now, ExpiresAt: now.Add(deviceChangeTTL)}
	code := s.deviceChangeCode(ch.ID)
	ch.CodeHash = s.otpHash(ch.ID, code)
	out := DeviceChangeStarted{ID: ch.ID, ExpiresAt: ch.ExpiresAt, CodeTo: "old_device"}
	err = s.store.InTx(ctx, func(q store.Queries) error {
		if err := q.CreateDeviceChange(ctx, ch); err != nil {
			return err
		}
		if old.DeviceID == "" {
			if _, err := q.EnqueueOutbox(ctx, notify.OTPMessage(a.Phone, code, deviceChangeTTL, now)); err != nil {
				return err
			}
		} else if _, err := q.AddInbox(ctx, store.InboxMessage{AccountID: a.ID, Kind: "device_change_requested", CreatedAt: now,
			TitleVI: "Yêu cầu đổi thiết bị", TitleEN: "Device change requested",
			BodyVI: "Thiết bị \"" + dev.Name + "\" yêu cầu đăng nhập tài khoản của bạn. Mở mục Thiết bị để xem mã xác nhận. Nếu không phải bạn, không cung cấp mã cho bất kỳ ai và hãy đổi mật khẩu.",
			BodyEN: "The device \"" + dev.Name + "\" asks to log in to your account. Open Devices to see the code. If this was not you, give the code to no one and change your password."}); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.device_change_started", a.IDNumber, "device_change",
			map[string]any{"change": ch.ID, "device": dev.ID, "code_to": map[bool]string{true: "sms", false: "old_device"}[old.DeviceID == ""]})
	})
	if err != nil {
		return DeviceChangeStarted{}, failure.Unexpected(err)
	}
	if old.DeviceID == "" {
		out.CodeTo, out.MaskedPhone = "sms", identity.MaskPhone(a.Phone)
		s.notify()
	}
	return out, nil
}

// PendingDeviceChange is what the old device shows: the code to type on the
// new device and which device asks.
type PendingDeviceChange struct {
	ID             string
	Code           string
	DeviceName     string
	DevicePlatform string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// PendingDeviceChange returns the newest pending change of the logged-in
// account with its code, for the bound device to show. Reading it is
// audited.
func (s *Service) PendingDeviceChange(ctx context.Context, c Caller, p Principal) (PendingDeviceChange, error) {
	ch, err := s.store.PendingDeviceChange(ctx, p.Account.ID, s.now())
	// A change by the chip has its code sent by SMS only: the old device
	// may be in a thief's hands.
	if errors.Is(err, store.ErrNotFound) || err == nil && (ch.OldDeviceID != p.DeviceID || ch.Attempts >= ch.MaxAttempts ||
		ch.Method != store.DeviceChangeByCode) {
		return PendingDeviceChange{}, ErrDeviceChangeNotFound
	}
	if err != nil {
		return PendingDeviceChange{}, failure.Unexpected(err)
	}
	if err := s.audit(ctx, s.store, c, "account:"+p.Account.ID, "account.device_change_code_shown", p.Account.IDNumber, "device_change",
		map[string]any{"change": ch.ID}); err != nil {
		return PendingDeviceChange{}, failure.Unexpected(err)
	}
	return PendingDeviceChange{ID: ch.ID, Code: s.deviceChangeCode(ch.ID), DeviceName: ch.DeviceName, DevicePlatform: ch.DevicePlatform,
		CreatedAt: ch.CreatedAt, ExpiresAt: ch.ExpiresAt}, nil
}

// DeviceChangeProof is the message the new device signs to confirm a change.
func DeviceChangeProof(challenge, changeID string) []byte {
	return []byte("vneid-device-change\n" + challenge + "\n" + changeID)
}

// ConfirmDeviceChange checks the code and the new device's signature over
// DeviceChangeProof(challenge, changeID) (the challenge from LoginChallenge
// for the new device), then binds the new device in place of the old one,
// ends every session and tells the holder by SMS. The new device logs in
// next as usual.
func (s *Service) ConfirmDeviceChange(ctx context.Context, c Caller, changeID, code, challenge, signature string) (BoundDevice, error) {
	if err := s.allow(ctx, deviceChangeConfirmPerIP(), c.IP); err != nil {
		return BoundDevice{}, err
	}
	if changeID == "" || len(changeID) > 64 {
		return BoundDevice{}, ErrDeviceChangeNotFound
	}
	ch, err := s.store.DeviceChange(ctx, changeID)
	// A change by the chip is completed only with the chip
	// (CompleteDeviceChangeByChip).
	if errors.Is(err, store.ErrNotFound) || err == nil && (!ch.CompletedAt.IsZero() || ch.Method != store.DeviceChangeByCode) {
		return BoundDevice{}, ErrDeviceChangeNotFound
	}
	if err != nil {
		return BoundDevice{}, failure.Unexpected(err)
	}
	if !s.now().Before(ch.ExpiresAt) {
		return BoundDevice{}, ErrDeviceChangeExpired
	}
	if err := s.challenges.check(challenge, ch.DeviceID, s.now()); err != nil {
		return BoundDevice{}, ErrDeviceProof.WithFields("challenge").WithCause(err)
	}
	if err := VerifyDeviceSignature(ch.DevicePublicKey, DeviceChangeProof(challenge, ch.ID), signature); err != nil {
		return BoundDevice{}, ErrDeviceProof.WithFields("device_signature").WithCause(err)
	}
	ch, err = s.store.SpendDeviceChangeAttempt(ctx, ch.ID)
	if errors.Is(err, store.ErrConflict) {
		return BoundDevice{}, ErrDeviceChangeAttempts
	}
	if err != nil {
		return BoundDevice{}, failure.Unexpected(err)
	}
	if !hmac.Equal(ch.CodeHash, s.otpHash(ch.ID, strings.TrimSpace(code))) {
		left := ch.MaxAttempts - ch.Attempts
		if left <= 0 {
			return BoundDevice{}, ErrDeviceChangeAttempts
		}
		return BoundDevice{}, ErrDeviceChangeCode.WithFields("code").WithDetail(fmt.Sprintf("Còn %d lần thử.", left), fmt.Sprintf("%d tries left.", left))
	}
	// A challenge confirms once, like a login.
	exp, _ := s.challenges.expiry(challenge)
	sum := sha256.Sum256([]byte(challenge))
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
	return s.bindChangedDevice(ctx, c, a, ch)
}

// bindChangedDevice completes ch: the new device replaces the old one (if
// the old one is still the bound one), sessions end, the holder is told.
func (s *Service) bindChangedDevice(ctx context.Context, c Caller, a store.Account, ch store.DeviceChange) (BoundDevice, error) {
	now := s.now()
	d := store.Device{AccountID: a.ID, DeviceID: ch.DeviceID, PublicKey: ch.DevicePublicKey, Name: ch.DeviceName,
		Platform: ch.DevicePlatform, BoundAt: now}
	errStale := errors.New("device changed since the request")
	err := s.store.InTx(ctx, func(q store.Queries) error {
		cur, err := q.AccountDevice(ctx, a.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if cur.DeviceID != ch.OldDeviceID {
			return errStale
		}
		if err := q.CompleteDeviceChange(ctx, ch.ID, now); err != nil {
			return err
		}
		if err := q.BindDevice(ctx, d); err != nil {
			return err
		}
		n, err := q.RevokeAccountSessions(ctx, a.ID, now)
		if err != nil {
			return err
		}
		if _, err := q.EnqueueOutbox(ctx, deviceChangedMessage(a.Phone, now)); err != nil {
			return err
		}
		return s.audit(ctx, q, c, "account:"+a.ID, "account.device_changed", a.IDNumber, "device_change",
			map[string]any{"change": ch.ID, "method": ch.Method, "old_device": ch.OldDeviceID, "device": ch.DeviceID, "sessions_ended": n})
	})
	switch {
	case errors.Is(err, errStale):
		return BoundDevice{}, ErrDeviceChangeStale
	case errors.Is(err, store.ErrConflict):
		return BoundDevice{}, ErrDeviceChangeNotFound
	case err != nil:
		return BoundDevice{}, failure.Unexpected(err)
	}
	s.notify()
	return BoundDevice{ID: d.DeviceID, Name: d.Name, Platform: d.Platform, BoundAt: now}, nil
}

// deviceChangeCode derives a change's 6-digit code from its ID with the
// server's OTP key, so the old device can be shown it again while the store
// keeps only its keyed hash.
func (s *Service) deviceChangeCode(changeID string) string {
	m := hmac.New(sha256.New, s.otpKey)
	m.Write([]byte("vneid-device-change-code\n" + changeID))
	n := binary.BigEndian.Uint64(m.Sum(nil)[:8]) % 1_000_000
	return fmt.Sprintf("%06d", n)
}

func deviceChangedMessage(phone string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{Channel: notify.SMS, Recipient: phone, Template: TemplateDeviceChanged, CreatedAt: now,
		Body: "VNeID thông báo: Tài khoản định danh điện tử của bạn đã được chuyển sang thiết bị mới; các phiên đăng nhập cũ đã kết thúc. Nếu không phải bạn thực hiện, vui lòng khóa tài khoản hoặc liên hệ tổng đài 1900 0368."}
}

func deviceUnlinkedMessage(phone string, now time.Time) store.OutboxMessage {
	return store.OutboxMessage{Channel: notify.SMS, Recipient: phone, Template: TemplateDeviceUnlinked, CreatedAt: now,
		Body: "VNeID thông báo: Thiết bị đã được hủy liên kết khỏi tài khoản định danh điện tử của bạn; các phiên đăng nhập đã kết thúc." +
			" Nếu không phải bạn thực hiện, vui lòng khóa tài khoản hoặc liên hệ tổng đài 1900 0368."}
}
