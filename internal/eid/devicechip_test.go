package eid_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/testkit"
)

const chipTestPassword = "Matkhau@2024"

// phoneKey is a phone's device key.
type phoneKey struct {
	id  string
	key *ecdsa.PrivateKey
}

func newPhone(t *testing.T, id string) phoneKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return phoneKey{id: id, key: k}
}

func (p phoneKey) info(t *testing.T) account.DeviceInfo {
	der, err := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return account.DeviceInfo{ID: p.id, PublicKey: base64.StdEncoding.EncodeToString(der), Name: "Phone " + p.id, Platform: "android"}
}

func (p phoneKey) sign(msg []byte) string {
	sum := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, p.key, sum[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// chipEnv is the e-ID fixture with the account service on the same store,
// the holder's password set and an old phone bound and logged in.
type chipEnv struct {
	*fixture
	accounts *account.Service
	old      phoneKey
	oldToken string
}

var chipCaller = account.Caller{IP: "192.0.2.10", RequestID: "test"}

func newChipEnv(t *testing.T, st store.Store) *chipEnv {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, st, nil, eid.DefaultConfig())
	cfg := account.DefaultConfig()
	cfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
	acc, err := account.New(ctx, cfg, account.Options{Store: st, Now: f.clock.now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword(chipTestPassword, cfg.Argon2)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdatePasswordHash(ctx, f.acc.ID, hash, f.clock.t); err != nil {
		t.Fatal(err)
	}
	old := newPhone(t, "old-phone")
	der, _ := x509.MarshalPKIXPublicKey(&old.key.PublicKey)
	if err := st.BindDevice(ctx, store.Device{AccountID: f.acc.ID, DeviceID: old.id, PublicKey: der, Name: "Old", Platform: "ios",
		BoundAt: f.clock.t}); err != nil {
		t.Fatal(err)
	}
	e := &chipEnv{fixture: f, accounts: acc, old: old}
	se, err := e.login(old)
	if err != nil {
		t.Fatalf("login on the old phone: %v", err)
	}
	e.oldToken = se.Token
	return e
}

func (e *chipEnv) login(p phoneKey) (account.Session, error) {
	ch, err := e.accounts.LoginChallenge(p.id)
	if err != nil {
		return account.Session{}, err
	}
	return e.accounts.Login(context.Background(), chipCaller, account.LoginRequest{IDNumber: e.acc.IDNumber, Password: chipTestPassword,
		DeviceID: p.id, Challenge: ch.Challenge, Signature: p.sign(account.LoginProof(ch.Challenge, e.acc.IDNumber))})
}

func (e *chipEnv) start(t *testing.T, p phoneKey) account.ChipDeviceChangeStarted {
	t.Helper()
	st, err := e.accounts.StartDeviceChangeByChip(context.Background(), chipCaller, e.acc.IDNumber, chipTestPassword, p.info(t))
	if err != nil {
		t.Fatalf("StartDeviceChangeByChip: %v", err)
	}
	if len(st.ChipChallenge) != 8 || st.MaskedPhone == "" {
		t.Fatalf("started = %+v", st)
	}
	return st
}

var smsDigits = regexp.MustCompile(`\b\d{6}\b`)

// smsCode reads the newest code sent to the holder's phone.
func (e *chipEnv) smsCode(t *testing.T) string {
	t.Helper()
	msgs, err := e.st.ListOutbox(context.Background(), store.OutboxFilter{Recipient: e.acc.Phone, Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Template == notify.TemplateOTP {
			return smsDigits.FindString(m.Body)
		}
	}
	t.Fatal("no code was sent by SMS")
	return ""
}

// read is the holder's chip of card, read for a change: its files without
// the portrait and its answer to challenge.
func (e *chipEnv) read(t *testing.T, cit registry.Citizen, card registry.IDCard, challenge []byte) eid.DeviceChip {
	t.Helper()
	chip, err := e.pki.IssueChip(cit, card, testkit.ChipOptions{})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := chip.AnswerChallenge(challenge)
	if err != nil {
		t.Fatal(err)
	}
	files := chip.Files()
	delete(files, "dg2")
	return eid.DeviceChip{Files: files, AASignature: answer}
}

func (e *chipEnv) complete(t *testing.T, p phoneKey, changeID, code string, chip eid.DeviceChip) (account.BoundDevice, error) {
	t.Helper()
	ch, err := e.accounts.LoginChallenge(p.id)
	if err != nil {
		t.Fatal(err)
	}
	return e.accounts.CompleteDeviceChangeByChip(context.Background(), chipCaller, account.ChipDeviceChangeConfirm{ChangeID: changeID,
		Code: code, Challenge: ch.Challenge, Signature: p.sign(account.DeviceChangeProof(ch.Challenge, changeID))},
		e.svc.DeviceChipChecker(eid.Caller{IP: chipCaller.IP, RequestID: chipCaller.RequestID}, chip))
}

func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Fatalf("err = %q (%v), want %q", got, err, want)
	}
}

// TestDeviceChangeByChip: the old phone is lost; the new one, with the
// password, the SMS code and the card's chip, takes its place. The old
// phone's session ends and it can no longer log in; the holder is told by
// SMS; the change is audited; it completes once.
func TestDeviceChangeByChip(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := newChipEnv(t, st)
		nw := newPhone(t, "new-phone")
		if _, err := e.login(nw); !errors.Is(err, account.ErrDeviceNotBound) {
			t.Fatalf("login on the new phone before the change: %v", err)
		}
		started := e.start(t, nw)
		otp := e.smsCode(t)
		// The old phone is not shown a chip change's code.
		p, err := e.accounts.Authenticate(ctx, e.oldToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.accounts.PendingDeviceChange(ctx, chipCaller, p); !errors.Is(err, account.ErrDeviceChangeNotFound) {
			t.Errorf("the old phone sees the chip change: %v", err)
		}
		chip := e.read(t, e.citizen, e.card, started.ChipChallenge)
		d, err := e.complete(t, nw, started.ID, otp, chip)
		if err != nil {
			t.Fatalf("CompleteDeviceChangeByChip: %v", err)
		}
		if d.ID != nw.id || d.Name != "Phone new-phone" {
			t.Errorf("bound = %+v", d)
		}
		if _, err := e.accounts.Authenticate(ctx, e.oldToken); !errors.Is(err, account.ErrUnauthenticated) {
			t.Errorf("the old phone's session lives on: %v", err)
		}
		if _, err := e.login(e.old); !errors.Is(err, account.ErrDeviceNotBound) {
			t.Errorf("the old phone still logs in: %v", err)
		}
		if _, err := e.login(nw); err != nil {
			t.Errorf("login on the new phone: %v", err)
		}
		msgs, err := st.ListOutbox(ctx, store.OutboxFilter{Recipient: e.acc.Phone, Limit: 1})
		if err != nil || len(msgs) != 1 || msgs[0].Template != account.TemplateDeviceChanged {
			t.Errorf("last SMS = %+v, %v", msgs, err)
		}
		events, err := st.AuditBySubject(ctx, e.acc.IDNumber, 50)
		if err != nil {
			t.Fatal(err)
		}
		var changed, read bool
		for _, ev := range events {
			switch {
			case ev.Action == "account.device_changed":
				changed = strings.Contains(ev.Detail, `"method":"chip"`) && strings.Contains(ev.Detail, `"old_device":"old-phone"`) &&
					strings.Contains(ev.Detail, `"sessions_ended":1`)
			case ev.Action == "registry.citizen.read" && ev.Purpose == "device_change":
				read = true
			}
		}
		if !changed || !read {
			t.Errorf("audit: device_changed %v, registry read %v: %+v", changed, read, events)
		}
		// The same answer again: the change is done.
		if _, err := e.complete(t, nw, started.ID, otp, chip); !errors.Is(err, account.ErrDeviceChangeNotFound) {
			t.Errorf("completed twice: %v", err)
		}
	})
}

// TestDeviceChangeByChipRefusals: wrong password and code, another
// citizen's card, a tampered data group, an answer to another change's
// challenge, a card no longer current, expiry, used-up tries and the rate
// limit per ID number.
func TestDeviceChangeByChipRefusals(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := newChipEnv(t, st)
		nw := newPhone(t, "new-phone")

		_, err := e.accounts.StartDeviceChangeByChip(ctx, chipCaller, e.acc.IDNumber, "Sai@matkhau1", nw.info(t))
		wantCode(t, err, "invalid_credentials")
		_, err = e.accounts.StartDeviceChangeByChip(ctx, chipCaller, e.acc.IDNumber, chipTestPassword, e.old.info(t))
		wantCode(t, err, "device_already_bound") // start 1

		ch1 := e.start(t, nw) // start 2
		code1 := e.smsCode(t)
		chip1 := e.read(t, e.citizen, e.card, ch1.ChipChallenge)
		wrong := "000000"
		if code1 == wrong {
			wrong = "111111"
		}
		_, err = e.complete(t, nw, ch1.ID, wrong, chip1)
		wantCode(t, err, "device_change_code_invalid")

		// Not a change by chip: the code flow's confirmation does not
		// take it.
		lc, _ := e.accounts.LoginChallenge(nw.id)
		_, err = e.accounts.ConfirmDeviceChange(ctx, chipCaller, ch1.ID, code1, lc.Challenge, nw.sign(account.DeviceChangeProof(lc.Challenge, ch1.ID)))
		wantCode(t, err, "device_change_not_found")

		// Another citizen's authentic card.
		other := e.citizen
		dob, _ := identity.NewDate(1990, 1, 2)
		other.ID, _ = identity.MakePersonalID("079", dob, identity.Male, 54321)
		other.DateOfBirth, other.FullName = dob, "Trần Văn Bình"
		otherCard := e.card
		otherCard.Number = other.ID
		other.Cards = []registry.IDCard{otherCard}
		if err := st.UpsertCitizens(ctx, []registry.Citizen{other}); err != nil {
			t.Fatal(err)
		}
		_, err = e.complete(t, nw, ch1.ID, code1, e.read(t, other, otherCard, ch1.ChipChallenge))
		wantCode(t, err, "chip_not_yours")

		// A tampered data group fails passive authentication.
		tampered := eid.DeviceChip{Files: map[string][]byte{}, AASignature: chip1.AASignature}
		for k, v := range chip1.Files {
			tampered.Files[k] = v
		}
		dg13 := append([]byte{}, chip1.Files["dg13"]...)
		dg13[len(dg13)-3] ^= 0x01
		tampered.Files["dg13"] = dg13
		_, err = e.complete(t, nw, ch1.ID, code1, tampered)
		wantCode(t, err, "chip_refused/dg_hash_mismatch")

		// A card that is not authentic at all: no trusted CSCA.
		foreign, err := testkit.NewPKI(testkit.P256, "VN", e.clock.t)
		if err != nil {
			t.Fatal(err)
		}
		fchip, _ := foreign.IssueChip(e.citizen, e.card, testkit.ChipOptions{})
		fans, _ := fchip.AnswerChallenge(ch1.ChipChallenge)
		_, err = e.complete(t, nw, ch1.ID, code1, eid.DeviceChip{Files: fchip.Files(), AASignature: fans})
		wantCode(t, err, "chip_refused/ds_untrusted")

		// Malformed files are refused before a try is spent.
		if err := e.svc.CheckDeviceChipFiles(eid.DeviceChip{Files: map[string][]byte{"dg1": {1}}, AASignature: []byte{1}}); code(err) != "chip_files_invalid" {
			t.Errorf("files without an SOD: %v", err)
		}
		if fe := failure.As(e.svc.CheckDeviceChipFiles(eid.DeviceChip{Files: map[string][]byte{"dg3": {1}}})); fe == nil || len(fe.Fields) == 0 || fe.Fields[0] != "files.dg3" {
			t.Errorf("unknown file: %+v", fe)
		}

		// The 5th try of ch1: used up afterwards.
		_, err = e.complete(t, nw, ch1.ID, wrong, chip1)
		wantCode(t, err, "device_change_attempts_exceeded")
		_, err = e.complete(t, nw, ch1.ID, code1, chip1)
		wantCode(t, err, "device_change_attempts_exceeded")

		// An answer to an earlier change's challenge (a recorded read).
		ch2 := e.start(t, nw) // start 3
		code2 := e.smsCode(t)
		_, err = e.complete(t, nw, ch2.ID, code2, chip1)
		wantCode(t, err, "chip_refused/aa_signature_invalid")

		// The card was replaced by a new one: the old card's chip is
		// authentic but no longer current.
		newCard := e.card
		newCard.IssueDate, _ = identity.NewDate(2025, 8, 1)
		newCard.ExpiryDate, _ = identity.NewDate(2028, 3, 15)
		oldCard := e.card
		oldCard.Status = registry.CardReplaced
		cit := e.citizen
		cit.Cards = []registry.IDCard{oldCard, newCard}
		if err := st.UpsertCitizens(ctx, []registry.Citizen{cit}); err != nil {
			t.Fatal(err)
		}
		_, err = e.complete(t, nw, ch2.ID, code2, e.read(t, e.citizen, e.card, ch2.ChipChallenge))
		wantCode(t, err, "card_not_valid")
		refused := false
		events, _ := st.AuditBySubject(ctx, e.acc.IDNumber, 100)
		for _, ev := range events {
			if ev.Action == "account.device_change_chip_refused" && strings.Contains(ev.Detail, `"code":"card_not_valid"`) {
				refused = true
			}
		}
		if !refused {
			t.Error("the refused chip is not in the audit log")
		}

		// Expiry with the change.
		ch3 := e.start(t, nw) // start 4
		code3 := e.smsCode(t)
		chip3 := e.read(t, cit, newCard, ch3.ChipChallenge)
		e.clock.t = e.clock.t.Add(6 * time.Minute)
		_, err = e.complete(t, nw, ch3.ID, code3, chip3)
		wantCode(t, err, "device_change_expired")

		// The rate limit per ID number (5 an hour), shared with changes by
		// code; the start to the bound device counted too.
		if _, err := e.accounts.StartDeviceChange(ctx, chipCaller, e.acc.IDNumber, chipTestPassword, nw.info(t)); err != nil { // start 5
			t.Fatal(err)
		}
		_, err = e.accounts.StartDeviceChangeByChip(ctx, chipCaller, e.acc.IDNumber, chipTestPassword, nw.info(t))
		if !errors.Is(err, ratelimit.ErrRateLimited) {
			t.Fatalf("6th change in an hour: %v", err)
		}

		// An hour on, the new card's chip completes a change.
		e.clock.t = e.clock.t.Add(time.Hour)
		ch6 := e.start(t, nw)
		if _, err := e.complete(t, nw, ch6.ID, e.smsCode(t), e.read(t, cit, newCard, ch6.ChipChallenge)); err != nil {
			t.Fatalf("with the current card: %v", err)
		}
	})
}

// TestDeviceChangeByChipNoCard: a holder whose only card has no chip, or
// is no longer valid, cannot start a change by chip.
func TestDeviceChangeByChipNoCard(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		e := newChipEnv(t, st)
		cit := e.citizen
		cit.Cards[0].Status = registry.CardLost
		if err := st.UpsertCitizens(ctx, []registry.Citizen{cit}); err != nil {
			t.Fatal(err)
		}
		_, err := e.accounts.StartDeviceChangeByChip(ctx, chipCaller, e.acc.IDNumber, chipTestPassword, newPhone(t, "new-phone").info(t))
		wantCode(t, err, "device_change_no_chip_card")
	})
}
