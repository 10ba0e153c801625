package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/testkit"
)

func (e *env) lastSMSTemplate(phone string) string {
	e.t.Helper()
	msgs, err := e.store.ListOutbox(context.Background(), store.OutboxFilter{Recipient: phone, Limit: 1})
	if err != nil || len(msgs) == 0 {
		e.t.Fatalf("no SMS to %s: %v", phone, err)
	}
	return msgs[0].Template
}

// TestDeviceChangeByCode: a new phone asks, the old one shows the code,
// the new one confirms; the old sessions end and the new phone logs in.
func TestDeviceChangeByCode(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEnv(t, open, testConfig())
		old := e.register(adultID, "0912345678")
		if _, err := old.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		devs, err := old.Devices(ctx)
		if err != nil || len(devs) != 1 || devs[0].ID != old.Device.ID || devs[0].Platform != "android" || devs[0].BoundAt.IsZero() {
			t.Fatalf("devices = %+v, %v", devs, err)
		}
		if _, err := old.PendingDeviceChange(ctx); err == nil {
			t.Fatal("a pending change with none asked")
		} else {
			wantProblem(t, err, "device_change_not_found", http.StatusNotFound)
		}

		nw := e.client()
		nw.Device.Name = "Điện thoại mới"
		if _, err := nw.Login(ctx, adultID, password); err == nil {
			t.Fatal("an unknown device logged in")
		} else {
			wantProblem(t, err, "device_not_bound", http.StatusForbidden)
		}
		if _, err := nw.StartDeviceChange(ctx, adultID, "Sai@mat1khau"); err == nil {
			t.Fatal("change with a wrong password")
		} else {
			wantProblem(t, err, "invalid_credentials", http.StatusUnauthorized)
		}
		if _, err := old.StartDeviceChange(ctx, adultID, password); err == nil {
			t.Fatal("change to the bound device")
		} else {
			wantProblem(t, err, "device_already_bound", http.StatusConflict)
		}
		bad := map[string]any{"id_number": adultID, "password": password, "device": map[string]string{"id": "x", "public_key": "bm90IGEga2V5"}}
		if err := nw.Raw(ctx, http.MethodPost, "/api/v1/app/devices/change", bad, nil); err == nil {
			t.Fatal("change with a bad key")
		} else {
			wantProblem(t, err, "invalid_device", http.StatusBadRequest)
		}
		ch, err := nw.StartDeviceChange(ctx, adultID, password)
		if err != nil || ch.ID == "" || ch.CodeTo != "old_device" {
			t.Fatalf("start change = %+v, %v", ch, err)
		}
		pend, err := old.PendingDeviceChange(ctx)
		if err != nil || pend.ID != ch.ID || len(pend.Code) != 6 || pend.DeviceName != "Điện thoại mới" {
			t.Fatalf("pending = %+v, %v", pend, err)
		}
		acc, err := e.store.AccountByIDNumber(ctx, adultID)
		if err != nil {
			t.Fatal(err)
		}
		if notes, err := e.store.ListInbox(ctx, acc.ID, 5); err != nil || len(notes) != 1 || notes[0].Kind != "device_change_requested" {
			t.Fatalf("inbox = %+v, %v", notes, err)
		}

		// Refusals of the confirmation.
		if _, err := nw.ConfirmDeviceChange(ctx, "nope", pend.Code); err == nil {
			t.Fatal("confirmed a missing change")
		} else {
			wantProblem(t, err, "device_change_not_found", http.StatusNotFound)
		}
		thief := &appclient.Client{BaseURL: e.url, Device: old.Device} // signs with another key
		if _, err := thief.ConfirmDeviceChange(ctx, ch.ID, pend.Code); err == nil {
			t.Fatal("confirmed with another device's signature")
		} else {
			wantProblem(t, err, "device_proof_invalid", http.StatusUnauthorized)
		}
		wrong := "000000"
		if pend.Code == wrong {
			wrong = "111111"
		}
		if _, err := nw.ConfirmDeviceChange(ctx, ch.ID, wrong); err == nil {
			t.Fatal("confirmed with a wrong code")
		} else {
			wantProblem(t, err, "device_change_code_invalid", http.StatusBadRequest, "code")
		}

		d, err := nw.ConfirmDeviceChange(ctx, ch.ID, pend.Code)
		if err != nil || d.ID != nw.Device.ID {
			t.Fatalf("confirm = %+v, %v", d, err)
		}
		if got := e.lastSMSTemplate("+84912345678"); got != account.TemplateDeviceChanged {
			t.Errorf("last SMS = %s, want %s", got, account.TemplateDeviceChanged)
		}
		if _, err := nw.ConfirmDeviceChange(ctx, ch.ID, pend.Code); err == nil {
			t.Fatal("confirmed twice")
		} else {
			wantProblem(t, err, "device_change_not_found", http.StatusNotFound)
		}
		if _, _, err := old.Me(ctx); err == nil {
			t.Fatal("the old device's session lives on")
		} else {
			wantProblem(t, err, "unauthenticated", http.StatusUnauthorized)
		}
		if _, err := old.Login(ctx, adultID, password); err == nil {
			t.Fatal("the old device still logs in")
		} else {
			wantProblem(t, err, "device_not_bound", http.StatusForbidden)
		}
		if _, err := nw.Login(ctx, adultID, password); err != nil {
			t.Fatalf("login on the new device: %v", err)
		}
		if devs, err := nw.Devices(ctx); err != nil || len(devs) != 1 || devs[0].ID != nw.Device.ID || devs[0].Name != "Điện thoại mới" {
			t.Errorf("devices after the change = %+v, %v", devs, err)
		}
	})
}

// TestDeviceChangeRefusals: expiry and the limit on wrong codes.
func TestDeviceChangeRefusals(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEnv(t, open, testConfig())
		old := e.register(adultID, "0912345678")
		if _, err := old.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		nw := e.client()
		ch, err := nw.StartDeviceChange(ctx, adultID, password)
		if err != nil {
			t.Fatal(err)
		}
		pend, err := old.PendingDeviceChange(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wrong := "000000"
		if pend.Code == wrong {
			wrong = "111111"
		}
		for i := 0; i < 4; i++ {
			if _, err := nw.ConfirmDeviceChange(ctx, ch.ID, wrong); err == nil {
				t.Fatal("wrong code accepted")
			} else {
				wantProblem(t, err, "device_change_code_invalid", http.StatusBadRequest)
			}
		}
		if _, err := nw.ConfirmDeviceChange(ctx, ch.ID, wrong); err == nil {
			t.Fatal("wrong code accepted")
		} else {
			wantProblem(t, err, "device_change_attempts_exceeded", http.StatusForbidden)
		}
		if _, err := nw.ConfirmDeviceChange(ctx, ch.ID, pend.Code); err == nil {
			t.Fatal("right code accepted after too many tries")
		} else {
			wantProblem(t, err, "device_change_attempts_exceeded", http.StatusForbidden)
		}

		ch2, err := nw.StartDeviceChange(ctx, adultID, password)
		if err != nil {
			t.Fatal(err)
		}
		pend2, err := old.PendingDeviceChange(ctx)
		if err != nil || pend2.ID != ch2.ID {
			t.Fatalf("pending = %+v, %v", pend2, err)
		}
		e.clock.Advance(6 * time.Minute)
		if _, err := nw.ConfirmDeviceChange(ctx, ch2.ID, pend2.Code); err == nil {
			t.Fatal("expired change confirmed")
		} else {
			wantProblem(t, err, "device_change_expired", http.StatusGone)
		}
	})
}

// TestUnlinkDevice: unlinking ends every session; the next login binds a
// device through a change whose code goes by SMS.
func TestUnlinkDevice(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEnv(t, open, testConfig())
		c := e.register(adultID, "0912345678")
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		if err := c.UnlinkDevice(ctx, "other-device", password); err == nil {
			t.Fatal("unlinked a device that is not bound")
		} else {
			wantProblem(t, err, "device_not_found", http.StatusNotFound)
		}
		if err := c.UnlinkDevice(ctx, c.Device.ID, "Sai@mat1khau"); err == nil {
			t.Fatal("unlinked with a wrong password")
		} else {
			wantProblem(t, err, "invalid_credentials", http.StatusUnauthorized, "password")
		}
		if err := c.UnlinkDevice(ctx, c.Device.ID, password); err != nil {
			t.Fatalf("unlink: %v", err)
		}
		if got := e.lastSMSTemplate("+84912345678"); got != account.TemplateDeviceUnlinked {
			t.Errorf("last SMS = %s, want %s", got, account.TemplateDeviceUnlinked)
		}
		if _, err := c.Devices(ctx); err == nil {
			t.Fatal("session survived the unlink")
		} else {
			wantProblem(t, err, "unauthenticated", http.StatusUnauthorized)
		}
		if _, err := c.Login(ctx, adultID, password); err == nil {
			t.Fatal("unlinked device logged in")
		} else {
			wantProblem(t, err, "device_not_bound", http.StatusForbidden)
		}
		ch, err := c.StartDeviceChange(ctx, adultID, password)
		if err != nil || ch.CodeTo != "sms" || ch.PhoneMasked == "" {
			t.Fatalf("start change with no device = %+v, %v", ch, err)
		}
		if _, err := c.ConfirmDeviceChange(ctx, ch.ID, e.otp("0912345678")); err != nil {
			t.Fatalf("confirm with the SMS code: %v", err)
		}
		if _, err := c.Login(ctx, adultID, password); err != nil {
			t.Fatalf("login after rebinding: %v", err)
		}
	})
}

// TestDeviceChangeByChip: the old phone is lost; the new one asks with the
// password, gets the SMS code and the chip's challenge, reads the card and
// completes; the old phone's session ends and the new one logs in.
func TestDeviceChangeByChip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, open func(testing.TB) store.Store) {
		ctx := context.Background()
		e := newEIDEnv(t, open, nil)
		old := e.register(adultID, "0912345678")
		if _, err := old.Login(ctx, adultID, password); err != nil {
			t.Fatal(err)
		}
		nw := e.client()
		nw.Device.Name = "Điện thoại mới"
		if _, err := nw.StartDeviceChangeByChip(ctx, adultID, "Sai@mat1khau"); err == nil {
			t.Fatal("change with a wrong password")
		} else {
			wantProblem(t, err, "invalid_credentials", http.StatusUnauthorized)
		}
		ch, err := nw.StartDeviceChangeByChip(ctx, adultID, password)
		if err != nil || ch.ID == "" || len(ch.ChipChallenge) != 8 || ch.PhoneMasked == "" || len(ch.Notes["vi"]) == 0 {
			t.Fatalf("start = %+v, %v", ch, err)
		}
		code := e.otp("0912345678")
		if _, err := old.PendingDeviceChange(ctx); err == nil {
			t.Fatal("the old phone is shown the chip change")
		} else {
			wantProblem(t, err, "device_change_not_found", http.StatusNotFound)
		}

		cit, err := e.store.Citizen(ctx, adultID)
		if err != nil {
			t.Fatal(err)
		}
		chip, err := e.pki.IssueChip(cit, cit.Cards[0], testkit.ChipOptions{})
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := chip.AnswerChallenge(ch.ChipChallenge)
		files := chip.Files()
		delete(files, "dg2")

		bad := map[string]any{"code": code, "challenge": "x", "device_signature": "eA==", "files": map[string]string{"dg1": "%%"}, "aa_signature": "eA=="}
		if err := nw.Raw(ctx, http.MethodPost, "/api/v1/app/devices/change/chip/"+ch.ID+"/complete", bad, nil); err == nil {
			t.Fatal("files that are not base64")
		} else {
			wantProblem(t, err, "chip_files_invalid", http.StatusBadRequest, "files.dg1")
		}
		tampered := map[string][]byte{}
		for k, v := range files {
			tampered[k] = v
		}
		tampered["dg1"] = append([]byte{}, files["dg1"]...)
		tampered["dg1"][10] ^= 0x01
		if _, err := nw.CompleteDeviceChangeByChip(ctx, ch.ID, code, tampered, answer); err == nil {
			t.Fatal("a tampered DG1 accepted")
		} else if p := wantProblem(t, err, "chip_refused", http.StatusBadRequest); p.Reason != "dg_hash_mismatch" {
			t.Errorf("reason = %q", p.Reason)
		}
		cit2, _ := e.store.Citizen(ctx, adult2ID)
		chip2, _ := e.pki.IssueChip(cit2, cit2.Cards[0], testkit.ChipOptions{})
		answer2, _ := chip2.AnswerChallenge(ch.ChipChallenge)
		if _, err := nw.CompleteDeviceChangeByChip(ctx, ch.ID, code, chip2.Files(), answer2); err == nil {
			t.Fatal("another citizen's card accepted")
		} else {
			wantProblem(t, err, "chip_not_yours", http.StatusForbidden)
		}

		d, err := nw.CompleteDeviceChangeByChip(ctx, ch.ID, code, files, answer)
		if err != nil || d.ID != nw.Device.ID || d.Name != "Điện thoại mới" {
			t.Fatalf("complete = %+v, %v", d, err)
		}
		if got := e.lastSMSTemplate("+84912345678"); got != account.TemplateDeviceChanged {
			t.Errorf("last SMS = %s, want %s", got, account.TemplateDeviceChanged)
		}
		if _, err := nw.CompleteDeviceChangeByChip(ctx, ch.ID, code, files, answer); err == nil {
			t.Fatal("completed twice")
		} else {
			wantProblem(t, err, "device_change_not_found", http.StatusNotFound)
		}
		if _, _, err := old.Me(ctx); err == nil {
			t.Fatal("the old device's session lives on")
		} else {
			wantProblem(t, err, "unauthenticated", http.StatusUnauthorized)
		}
		if _, err := old.Login(ctx, adultID, password); err == nil {
			t.Fatal("the old device still logs in")
		} else {
			wantProblem(t, err, "device_not_bound", http.StatusForbidden)
		}
		if _, err := nw.Login(ctx, adultID, password); err != nil {
			t.Fatalf("login on the new device: %v", err)
		}
	})
}

// TestDeviceChangeByChipNeedsEID: without the e-ID service the routes are
// not served.
func TestDeviceChangeByChipNeedsEID(t *testing.T) {
	e := newEnv(t, func(t testing.TB) store.Store { return storetest.OpenSQLite(t) }, testConfig())
	c := e.client()
	if _, err := c.StartDeviceChangeByChip(context.Background(), adultID, password); err == nil {
		t.Fatal("served without the e-ID service")
	} else {
		wantProblem(t, err, "not_found", http.StatusNotFound)
	}
}
