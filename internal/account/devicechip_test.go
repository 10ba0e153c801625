package account_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// TestDeviceChangeByChipChecker: the chip checker is asked about the
// change's own challenge and the holder's ID number; its refusal is passed
// on, uses up a try and is audited; the change's code goes by SMS only and
// the change cannot be confirmed as a change by code.
func TestDeviceChangeByChipChecker(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			now := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
			clock := func() time.Time { return now }
			cfg := account.DefaultConfig()
			cfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
			svc, err := account.New(ctx, cfg, account.Options{Store: st, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			dob, _ := identity.NewDate(1988, 3, 15)
			id, _ := identity.MakePersonalID("001", dob, identity.Male, 777)
			issued, _ := identity.NewDate(2021, 6, 10)
			if err := st.UpsertCitizens(ctx, []registry.Citizen{{ID: id, FullName: "Nguyễn Văn An", DateOfBirth: dob, Gender: identity.Male,
				LifeStatus: registry.Alive, Cards: []registry.IDCard{{Number: id, Chip: true, IssueDate: issued, Status: registry.CardValid}},
				UpdatedAt: now}}); err != nil {
				t.Fatal(err)
			}
			hash, _ := account.HashPassword("Matkhau@2024", cfg.Argon2)
			acc := store.Account{ID: "acc-1", IDNumber: id, Phone: "+84912345678", PasswordHash: hash, State: store.AccountActive,
				CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
			if err := st.CreateAccount(ctx, acc); err != nil {
				t.Fatal(err)
			}
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
			sign := func(msg []byte) string {
				sum := sha256.Sum256(msg)
				sig, _ := ecdsa.SignASN1(rand.Reader, k, sum[:])
				return base64.StdEncoding.EncodeToString(sig)
			}
			c := account.Caller{IP: "192.0.2.1"}
			started, err := svc.StartDeviceChangeByChip(ctx, c, id, "Matkhau@2024",
				account.DeviceInfo{ID: "new", PublicKey: base64.StdEncoding.EncodeToString(der), Name: "Mới", Platform: "android"})
			if err != nil {
				t.Fatal(err)
			}
			msgs, _ := st.ListOutbox(ctx, store.OutboxFilter{Recipient: acc.Phone, Limit: 1})
			if len(msgs) != 1 || msgs[0].Template != notify.TemplateOTP {
				t.Fatalf("no code by SMS: %+v", msgs)
			}
			code := regexp.MustCompile(`\b\d{6}\b`).FindString(msgs[0].Body)
			confirm := func() account.ChipDeviceChangeConfirm {
				ch, err := svc.LoginChallenge("new")
				if err != nil {
					t.Fatal(err)
				}
				return account.ChipDeviceChangeConfirm{ChangeID: started.ID, Code: code, Challenge: ch.Challenge,
					Signature: sign(account.DeviceChangeProof(ch.Challenge, started.ID))}
			}
			r := confirm()
			if _, err := svc.ConfirmDeviceChange(ctx, c, started.ID, code, r.Challenge, r.Signature); !errors.Is(err, account.ErrDeviceChangeNotFound) {
				t.Errorf("a chip change confirmed by code: %v", err)
			}

			errNotYours := failure.New("chip_not_yours", failure.Forbidden, "Thẻ không phải của chủ tài khoản.", "Not the holder's card.")
			var asked account.DeviceChipCheck
			_, err = svc.CompleteDeviceChangeByChip(ctx, c, confirm(), func(_ context.Context, want account.DeviceChipCheck) error {
				asked = want
				return errNotYours
			})
			if !errors.Is(err, errNotYours) {
				t.Fatalf("refusal = %v", err)
			}
			if !bytes.Equal(asked.Challenge, started.ChipChallenge) || asked.IDNumber != id || asked.AccountID != acc.ID || asked.ChangeID != started.ID {
				t.Errorf("asked %+v, started %+v", asked, started)
			}
			// Not a failure: internal, and nothing is said of it.
			_, err = svc.CompleteDeviceChangeByChip(ctx, c, confirm(), func(context.Context, account.DeviceChipCheck) error {
				return errors.New("trust list unreadable")
			})
			if fe := failure.As(err); fe == nil || fe.Code != "internal" {
				t.Errorf("plain error = %v", err)
			}
			d, err := svc.CompleteDeviceChangeByChip(ctx, c, confirm(), func(context.Context, account.DeviceChipCheck) error { return nil })
			if err != nil || d.ID != "new" {
				t.Fatalf("complete = %+v, %v", d, err)
			}
			ch, err := st.DeviceChange(ctx, started.ID)
			if err != nil || ch.Attempts != 3 || ch.Method != store.DeviceChangeByChip || ch.CompletedAt.IsZero() {
				t.Errorf("change = %+v, %v", ch, err)
			}
			events, _ := st.AuditBySubject(ctx, id, 20)
			found := false
			for _, e := range events {
				found = found || e.Action == "account.device_change_chip_refused"
			}
			if !found {
				t.Error("the refusal is not audited")
			}
		})
	}
}
