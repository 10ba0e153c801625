package officer_test

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/jurisdiction"
	"github.com/vneid/vneid/internal/officer"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/totp"
)

func code(err error) string {
	if f := failure.As(err); f != nil {
		return f.Code
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestOfficers(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			box, _ := seal.New(seal.Key{ID: 1, Bytes: key})
			clk := &clock{t: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)}
			weak := account.Argon2Params{MemoryKiB: 64, Time: 1, Threads: 1}
			dir, err := jurisdiction.New(ctx, st, clk.now)
			if err != nil {
				t.Fatal(err)
			}
			svc, err := officer.New(officer.Options{Store: st, Box: box, Argon2: weak, Now: clk.now, Units: dir,
				Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			for name, n := range map[string]officer.NewOfficer{
				"short password": {Username: "a.b", FullName: "X", Password: "short", Roles: []string{"reviewer"}},
				"bad username":   {Username: "Có dấu", FullName: "X", Password: "mat-khau-rat-dai", Roles: []string{"reviewer"}},
				"no role":        {Username: "a.b", FullName: "X", Password: "mat-khau-rat-dai"},
				"unknown role":   {Username: "a.b", FullName: "X", Password: "mat-khau-rat-dai", Roles: []string{"god"}},
				"bad unit":       {Username: "a.b", FullName: "X", Password: "mat-khau-rat-dai", Roles: []string{"reviewer"}, Unit: "NOPE"},
			} {
				if _, err := svc.Create(ctx, "test", n); code(err) != "officer_invalid" {
					t.Errorf("%s: %v", name, err)
				}
			}
			enr, err := svc.Create(ctx, "test", officer.NewOfficer{Username: "Le.Hung", FullName: "Lê Văn Hùng",
				Password: "mat-khau-rat-dai", Roles: []string{"reviewer"}, Unit: "C06"})
			if err != nil {
				t.Fatal(err)
			}
			if enr.Officer.Username != "le.hung" || !strings.HasPrefix(enr.TOTPURI, "otpauth://totp/") {
				t.Errorf("enrolment = %+v", enr.Officer)
			}
			if _, err := svc.Create(ctx, "test", officer.NewOfficer{Username: "le.hung", FullName: "Y", Password: "mat-khau-rat-dai",
				Roles: []string{"reviewer"}, Unit: "C06"}); code(err) != "officer_exists" {
				t.Errorf("duplicate: %v", err)
			}
			raw, _ := st.Officer(ctx, enr.Officer.ID)
			if strings.Contains(string(raw.TOTPSecret), string(enr.TOTPSecret)) {
				t.Error("TOTP secret stored in clear")
			}
			now := func() string { return totp.Code(enr.TOTPSecret, clk.t, totp.Options{}) }
			for name, tc := range map[string][2]string{"wrong password": {"sai-mat-khau-dai", now()}, "wrong code": {"mat-khau-rat-dai", "000000"},
				"unknown": {"mat-khau-rat-dai", now()}} {
				user := "le.hung"
				if name == "unknown" {
					user = "nobody"
				}
				if _, err := svc.Login(ctx, user, tc[0], tc[1]); code(err) != "officer_bad_credentials" {
					t.Errorf("%s: %v", name, err)
				}
			}
			sess, err := svc.Login(ctx, "le.hung", "mat-khau-rat-dai", now())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Login(ctx, "le.hung", "mat-khau-rat-dai", now()); code(err) != "officer_bad_credentials" {
				t.Errorf("code reused: %v", err)
			}
			p, err := svc.Authenticate(ctx, sess.Token)
			if err != nil || !p.Has("reviewer") || !p.Scope.Nationwide || p.Scope.UnitID != "C06" {
				t.Fatalf("Authenticate = %+v, %v", p, err)
			}
			// Idle for longer than the timeout: the session ends.
			clk.t = clk.t.Add(officer.IdleTimeout + time.Minute)
			if _, err := svc.Authenticate(ctx, sess.Token); code(err) != "officer_unauthenticated" {
				t.Errorf("idle session: %v", err)
			}
			// New hashing parameters apply at the next sign-in.
			stronger := account.Argon2Params{MemoryKiB: 128, Time: 1, Threads: 1}
			svc2, _ := officer.New(officer.Options{Store: st, Box: box, Argon2: stronger, Now: clk.now, Units: dir, Logger: slog.New(slog.DiscardHandler)})
			clk.t = clk.t.Add(time.Minute)
			if _, err := svc2.Login(ctx, "le.hung", "mat-khau-rat-dai", now()); err != nil {
				t.Fatal(err)
			}
			o, _ := st.Officer(ctx, enr.Officer.ID)
			if !strings.Contains(o.PasswordHash, "m=128,") {
				t.Errorf("not rehashed: %s", o.PasswordHash)
			}
			// Ten tries per username per window, from any address.
			var last error
			for range 12 {
				_, last = svc.Login(ctx, "le.hung", "sai-mat-khau-dai", now())
			}
			if code(last) != "rate_limited" {
				t.Errorf("12th try: %v", last)
			}
			// A disabled officer cannot sign in.
			clk.t = clk.t.Add(time.Hour)
			if err := svc.SetState(ctx, "test", "le.hung", store.OfficerDisabled); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Login(ctx, "le.hung", "mat-khau-rat-dai", now()); code(err) != "officer_bad_credentials" {
				t.Errorf("disabled: %v", err)
			}
		})
	}
}
