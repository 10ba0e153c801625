package api_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/store"
)

const resetPath = "/api/v1/app/password/reset"

// TestPasswordReset: a forgotten password is reset with an SMS code valid 3
// minutes; a weak password, a wrong code and an expired code are refused;
// the reset ends every session; the requests are rate limited.
func TestPasswordReset(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e := newEnv(t, open, testConfig())
		ctx := context.Background()
		c := e.register(adultID, "0912345678")
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		anon := &appclient.Client{BaseURL: e.url}
		start := func(id string) (map[string]any, error) {
			var out map[string]any
			err := anon.Raw(ctx, http.MethodPost, resetPath, map[string]string{"id_number": id}, &out)
			return out, err
		}
		confirm := func(code, pw string) error {
			return anon.Raw(ctx, http.MethodPost, resetPath+"/confirm",
				map[string]string{"id_number": adultID, "code": code, "new_password": pw}, nil)
		}
		const newPassword = "Matkhau@2025"

		sent, err := start(adultID)
		if err != nil {
			t.Fatalf("start: %v", err)
		}
		if sent["phone_masked"] != "091****678" || sent["expires_at"] == "" {
			t.Errorf("start = %v", sent)
		}
		if exp, err := time.Parse(time.RFC3339Nano, sent["expires_at"].(string)); err != nil || exp.Sub(e.clock.Now()) > 3*time.Minute {
			t.Errorf("expires_at = %v (%v), want at most 3 minutes ahead", sent["expires_at"], err)
		}
		code := e.otp("0912345678")
		wantProblem(t, confirm(code, "weakpass"), "password_weak", http.StatusBadRequest, "password")
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		wantProblem(t, confirm(wrong, newPassword), "otp_invalid", http.StatusBadRequest)

		// The code dies after 3 minutes, not the 5 of other codes.
		e.clock.Advance(3*time.Minute + time.Second)
		wantProblem(t, confirm(code, newPassword), "otp_expired", http.StatusGone)

		if _, err := start(adultID); err != nil {
			t.Fatalf("second start: %v", err)
		}
		code = e.otp("0912345678")
		if err := confirm(code, newPassword); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		wantProblem(t, confirm(code, newPassword), "otp_attempts_exceeded", http.StatusForbidden)
		if !strings.Contains(e.lastSMS("+84912345678"), "đặt lại") {
			t.Errorf("no reset notice by SMS: %q", e.lastSMS("+84912345678"))
		}

		// The old session is over; the old password no longer works.
		if _, _, err := c.Me(ctx); err == nil {
			t.Fatal("the session outlived the password reset")
		} else {
			wantProblem(t, err, "unauthenticated", http.StatusUnauthorized)
		}
		if _, err := c.Login(ctx, adultID, password); err == nil {
			t.Fatal("the old password still logs in")
		} else {
			wantProblem(t, err, "invalid_credentials", http.StatusUnauthorized)
		}
		if _, err := c.Login(ctx, adultID, newPassword); err != nil {
			t.Fatalf("login with the new password: %v", err)
		}

		// No account enumeration: an ID number without an account gets
		// the answer a known one gets (bruteforce_test.go checks more).
		if out, err := start(unknownID); err != nil || out["phone_masked"] == "" || out["expires_at"] == "" {
			t.Errorf("start for an unknown ID number = %v, %v; want the answer a known one gets", out, err)
		}
		_, err = start("12345")
		wantProblem(t, err, "invalid_id_number", http.StatusBadRequest, "id_number")

		// Per ID number: 5 requests an hour, counted even when the code is
		// not resent. A window may end during the loop, hence the margin.
		limited := false
		for range 2*testConfig().ResetPerID.Limit + 1 {
			_, err := start(adultID)
			var p *appclient.Problem
			if errors.As(err, &p) && p.Code == "rate_limited" {
				wantProblem(t, err, "rate_limited", http.StatusTooManyRequests)
				limited = true
				break
			}
		}
		if !limited {
			t.Error("password reset requests for one ID number are not rate limited")
		}
	})
}

// TestWalletPasscodeReset: a forgotten wallet passcode is replaced with an
// SMS code valid 3 minutes.
func TestWalletPasscodeReset(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		e, _ := walletEnv(t, open)
		ctx := context.Background()
		c := e.register(adultID, "0912345678")
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		if err := c.SetPasscode(ctx, password, "246810"); err != nil {
			t.Fatal(err)
		}
		const path = "/api/v1/app/wallet/passcode/reset"
		confirm := func(code, passcode string) error {
			return c.Raw(ctx, http.MethodPost, path+"/confirm", map[string]string{"code": code, "passcode": passcode}, nil)
		}
		if err := (&appclient.Client{BaseURL: e.url}).Raw(ctx, http.MethodPost, path, nil, nil); err == nil {
			t.Fatal("a passcode reset without a login")
		} else {
			wantProblem(t, err, "unauthenticated", http.StatusUnauthorized)
		}
		var sent map[string]any
		if err := c.Raw(ctx, http.MethodPost, path, nil, &sent); err != nil {
			t.Fatalf("start: %v", err)
		}
		if sent["phone_masked"] != "091****678" {
			t.Errorf("start = %v", sent)
		}
		code := e.otp("0912345678")
		wantProblem(t, confirm(code, "123456"), "passcode_invalid_format", http.StatusBadRequest)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		wantProblem(t, confirm(wrong, "135790"), "otp_invalid", http.StatusBadRequest)
		e.clock.Advance(3*time.Minute + time.Second)
		wantProblem(t, confirm(code, "135790"), "otp_expired", http.StatusGone)

		if err := c.Raw(ctx, http.MethodPost, path, nil, &sent); err != nil {
			t.Fatalf("second start: %v", err)
		}
		if err := confirm(e.otp("0912345678"), "135790"); err != nil {
			t.Fatalf("confirm: %v", err)
		}
		// The account has no e-ID, so the wallet refuses to open either
		// way; the passcode is checked first.
		a, _ := e.store.AccountByIDNumber(ctx, adultID)
		if err := e.store.UpdateEID(ctx, a.ID, store.EIDUpdate{From: store.EIDNone, To: store.EIDActive, Level: 2, At: e.clock.Now()}); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, c.Unlock(ctx, "246810"), "passcode_wrong", http.StatusUnauthorized)
		if err := c.Unlock(ctx, "135790"); err != nil {
			t.Fatalf("unlock with the new passcode: %v", err)
		}
	})
}
