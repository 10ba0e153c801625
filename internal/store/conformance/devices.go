package conformance

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store"
)

func testDeviceChanges(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateAccount(ctx, store.Account{ID: "acc", IDNumber: "001190000001", Phone: "+84912345678",
		PasswordHash: "h", State: store.AccountActive, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}); err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	if _, err := s.PendingDeviceChange(ctx, "acc", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PendingDeviceChange with none: %v, want ErrNotFound", err)
	}
	mk := func(id string, at time.Time) store.DeviceChange {
		t.Helper()
		c := store.DeviceChange{ID: id, AccountID: "acc", OldDeviceID: "old", DeviceID: "new-" + id, DevicePublicKey: []byte{1, 2, 3},
			DeviceName: "Điện thoại mới", DevicePlatform: "android", Method: store.DeviceChangeByCode, CodeHash: []byte{9, 9},
			MaxAttempts: 2, CreatedAt: at, ExpiresAt: at.Add(5 * time.Minute)}
		if err := s.CreateDeviceChange(ctx, c); err != nil {
			t.Fatalf("CreateDeviceChange %s: %v", id, err)
		}
		return c
	}
	c1 := mk("c1", base)
	if err := s.CreateDeviceChange(ctx, c1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate CreateDeviceChange: %v, want ErrConflict", err)
	}
	got, err := s.DeviceChange(ctx, "c1")
	if err != nil || got.DeviceName != "Điện thoại mới" || got.OldDeviceID != "old" || !bytes.Equal(got.DevicePublicKey, []byte{1, 2, 3}) ||
		!bytes.Equal(got.CodeHash, []byte{9, 9}) || !got.CreatedAt.Equal(base) || !got.CompletedAt.IsZero() || got.MaxAttempts != 2 {
		t.Fatalf("DeviceChange = %+v, %v", got, err)
	}
	if _, err := s.DeviceChange(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing DeviceChange: %v, want ErrNotFound", err)
	}
	mk("c2", base.Add(time.Minute))
	if p, err := s.PendingDeviceChange(ctx, "acc", base.Add(2*time.Minute)); err != nil || p.ID != "c2" {
		t.Errorf("PendingDeviceChange = %+v, %v, want the newest (c2)", p, err)
	}
	if _, err := s.PendingDeviceChange(ctx, "acc", base.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PendingDeviceChange after expiry: %v, want ErrNotFound", err)
	}
	for want := 1; want <= 2; want++ {
		if c, err := s.SpendDeviceChangeAttempt(ctx, "c1"); err != nil || c.Attempts != want {
			t.Fatalf("SpendDeviceChangeAttempt %d = %+v, %v", want, c, err)
		}
	}
	if _, err := s.SpendDeviceChangeAttempt(ctx, "c1"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("attempt past the limit: %v, want ErrConflict", err)
	}
	if err := s.CompleteDeviceChange(ctx, "c2", base.Add(2*time.Minute)); err != nil {
		t.Fatalf("CompleteDeviceChange: %v", err)
	}
	if err := s.CompleteDeviceChange(ctx, "c2", base.Add(3*time.Minute)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("completing twice: %v, want ErrConflict", err)
	}
	if _, err := s.SpendDeviceChangeAttempt(ctx, "c2"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("attempt on a completed change: %v, want ErrConflict", err)
	}
	if c, _ := s.DeviceChange(ctx, "c2"); !c.CompletedAt.Equal(base.Add(2 * time.Minute)) {
		t.Errorf("CompletedAt = %v", c.CompletedAt)
	}
	if p, err := s.PendingDeviceChange(ctx, "acc", base.Add(2*time.Minute)); err != nil || p.ID != "c1" {
		t.Errorf("PendingDeviceChange after completing c2 = %+v, %v, want c1", p, err)
	}

	// Unbinding removes only the named device.
	if err := s.BindDevice(ctx, store.Device{AccountID: "acc", DeviceID: "d1", PublicKey: []byte{1}, BoundAt: base}); err != nil {
		t.Fatalf("BindDevice: %v", err)
	}
	if err := s.UnbindDevice(ctx, "acc", "d2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unbinding another device: %v, want ErrNotFound", err)
	}
	if err := s.UnbindDevice(ctx, "acc", "d1"); err != nil {
		t.Fatalf("UnbindDevice: %v", err)
	}
	if _, err := s.AccountDevice(ctx, "acc"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AccountDevice after unbinding: %v, want ErrNotFound", err)
	}
	if err := s.UnbindDevice(ctx, "acc", "d1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unbinding twice: %v, want ErrNotFound", err)
	}
}
