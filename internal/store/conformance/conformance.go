// Package conformance is the behaviour every store.Store implementation must
// show, as one test suite that each backend runs with Run.
package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// Run runs the suite; open returns a fresh, migrated, empty store.
func Run(t *testing.T, open func(t testing.TB) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Registry", testRegistry},
		{"Registrations", testRegistrations},
		{"OTPs", testOTPs},
		{"OTPAttemptsRace", testOTPAttemptsRace},
		{"Accounts", testAccounts},
		{"Sessions", testSessions},
		{"Outbox", testOutbox},
		{"OutboxConcurrentClaims", testOutboxConcurrentClaims},
		{"Transactions", testTransactions},
		{"Counters", testCounters},
		{"AuditAndSecrets", testAuditAndSecrets},
		{"AuditChain", testAuditChain},
		{"Purge", testPurge},
		{"EIDState", testEIDState},
		{"Applications", testApplications},
		{"Inbox", testInbox},
		{"PortraitsAndTrust", testPortraitsAndTrust},
		{"Officers", testOfficers},
		{"OutboxReplay", testOutboxReplay},
		{"Units", testUnits},
		{"FingerprintTemplates", testFingerprintTemplates},
		{"SSOClients", testSSOClients},
		{"SSORequests", testSSORequests},
		{"SSORequestDeleteRace", testSSORequestDeleteRace},
		{"SSOTokens", testSSOTokens},
		{"SSORevoke", testSSORevoke},
		{"SSOSessions", testSSOSessions},
		{"SSOConsents", testSSOConsents},
		{"SSOSigningKeys", testSSOSigningKeys},
		{"SSOUsage", testSSOUsage},
		{"SSOPurge", testSSOPurge},
		{"SourceDocuments", testSourceDocuments},
		{"IntegrationRequests", testIntegrationRequests},
		{"WalletDocuments", testWalletDocuments},
		{"Presentations", testPresentations},
		{"Locks", testLocks},
		{"CitizenChanges", testCitizenChanges},
		{"LockRequests", testLockRequests},
		{"DeviceChanges", testDeviceChanges},
		{"LiveSessions", testLiveSessions},
		{"SearchUsage", testSearchUsage},
		{"MigrateTwice", func(t *testing.T, s store.Store) {
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// base is a fixed instant with microseconds, to check time precision.
var base = time.Date(2026, 3, 15, 8, 30, 0, 123456000, time.UTC)

func date(s string) identity.Date {
	d, err := identity.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func sampleCitizen(id string) registry.Citizen {
	return registry.Citizen{
		ID: id, FullName: "Nguyễn Thị Ánh Đào", DateOfBirth: date("1990-02-28"), Gender: identity.Female,
		Nationality: "Việt Nam", Ethnicity: "Kinh", Religion: "Không", PlaceOfOrigin: "Xã Tân Phú, Huyện Đông Anh, Thành phố Hà Nội",
		PermanentAddress: registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Hamlet: "Tổ dân phố 3",
			Commune: "Phường Hàng Đào", District: "Quận Hoàn Kiếm", Province: "Thành phố Hà Nội"},
		LifeStatus: registry.Alive, OldIDNumber: "012345678", UpdatedAt: base,
		Cards: []registry.IDCard{
			{Number: id, Chip: true, IssueDate: date("2021-06-10"), ExpiryDate: date("2030-02-28"), Status: registry.CardValid},
			{Number: id, Chip: false, IssueDate: date("2016-01-05"), ExpiryDate: date("2031-01-05"), Status: registry.CardReplaced},
		},
	}
}

func testRegistry(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, b := sampleCitizen("001190012345"), sampleCitizen("079095000001")
	b.FullName, b.Gender, b.Cards = "Trần Văn Bình", identity.Male, nil
	b.TemporaryAddress = registry.Address{Hamlet: "Ấp 3", Commune: "Xã An Phú", Province: "Tỉnh An Giang"}
	if err := s.UpsertCitizens(ctx, []registry.Citizen{a, b}); err != nil {
		t.Fatalf("UpsertCitizens: %v", err)
	}
	got, err := s.Citizen(ctx, a.ID)
	if err != nil {
		t.Fatalf("Citizen: %v", err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Errorf("Citizen round trip:\n got %+v\nwant %+v", got, a)
	}
	gotB, err := s.Citizen(ctx, b.ID)
	if err != nil || !reflect.DeepEqual(gotB, b) {
		t.Errorf("Citizen b: %v\n got %+v\nwant %+v", err, gotB, b)
	}
	if _, err := s.Citizen(ctx, "001190099999"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("unknown citizen: err = %v, want registry.ErrNotFound", err)
	}
	// Idempotent re-run, then a change and a new card.
	if err := s.UpsertCitizens(ctx, []registry.Citizen{a}); err != nil {
		t.Fatal(err)
	}
	a2 := a
	a2.FullName = "Nguyễn Thị Ánh Hồng"
	a2.Cards = []registry.IDCard{{Number: a.ID, Chip: true, IssueDate: date("2024-07-01"), Status: registry.CardValid}}
	if err := s.UpsertCitizens(ctx, []registry.Citizen{a2}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Citizen(ctx, a.ID)
	if got.FullName != a2.FullName || len(got.Cards) != 3 || got.Cards[0].IssueDate != date("2024-07-01") || !got.Cards[0].ExpiryDate.IsZero() {
		t.Errorf("after update: %+v", got)
	}
	if n, err := s.CountCitizens(ctx); err != nil || n != 2 {
		t.Errorf("CountCitizens = %d, %v; want 2", n, err)
	}
	page, err := s.ListCitizens(ctx, "", 1)
	if err != nil || len(page) != 1 || page[0].ID != a.ID || len(page[0].Cards) != 3 {
		t.Fatalf("ListCitizens first page = %+v, %v", page, err)
	}
	page, err = s.ListCitizens(ctx, page[0].ID, 10)
	if err != nil || len(page) != 1 || page[0].ID != b.ID {
		t.Fatalf("ListCitizens second page = %+v, %v", page, err)
	}
	// A batch with one bad row lands nothing.
	bad := sampleCitizen("001190054321")
	bad.Cards = append(bad.Cards, registry.IDCard{Number: "x", IssueDate: date("2021-06-10")}) // duplicate card key
	err = s.UpsertCitizens(ctx, []registry.Citizen{sampleCitizen("001190011111"), bad})
	if err == nil {
		// Some databases accept a repeated key as an update; then both must be there.
		if _, err := s.Citizen(ctx, "001190011111"); err != nil {
			t.Errorf("batch accepted but first citizen missing: %v", err)
		}
	} else if _, err := s.Citizen(ctx, "001190011111"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("failed batch left a row behind: %v", err)
	}
}

func testRegistrations(t *testing.T, s store.Store) {
	ctx := context.Background()
	r := store.Registration{ID: "reg-1", IDNumber: "001190012345", Phone: "+84912345678", DeviceID: "dev-1",
		DevicePublicKey: []byte{1, 2, 3}, DeviceName: "Pixel", DevicePlatform: "android", State: store.RegStarted,
		CreatedAt: base, UpdatedAt: base, ExpiresAt: base.Add(30 * time.Minute)}
	if err := s.CreateRegistration(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRegistration(ctx, r); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate registration: %v, want ErrConflict", err)
	}
	got, err := s.Registration(ctx, r.ID)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("Registration = %+v, %v; want %+v", got, err, r)
	}
	if err := s.AdvanceRegistration(ctx, r.ID, store.RegStarted, store.RegQRChecked, base.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceRegistration(ctx, r.ID, store.RegStarted, store.RegOTPSent, base); !errors.Is(err, store.ErrConflict) {
		t.Errorf("advance from stale state: %v, want ErrConflict", err)
	}
	got, _ = s.Registration(ctx, r.ID)
	if got.State != store.RegQRChecked || !got.UpdatedAt.Equal(base.Add(time.Second)) {
		t.Errorf("after advance: %+v", got)
	}
	if _, err := s.Registration(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing registration: %v", err)
	}
}

func testOTPs(t *testing.T, s store.Store) {
	ctx := context.Background()
	o1 := store.OTP{ID: "otp-1", Purpose: "registration", Subject: "reg-1", Phone: "+84912345678", CodeHash: []byte("h1"),
		CreatedAt: base, ExpiresAt: base.Add(5 * time.Minute), MaxAttempts: 3}
	o2 := o1
	o2.ID, o2.CodeHash, o2.CreatedAt = "otp-2", []byte("h2"), base.Add(time.Minute)
	for _, o := range []store.OTP{o1, o2} {
		if err := s.CreateOTP(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	latest, err := s.LatestOTP(ctx, "registration", "reg-1")
	if err != nil || latest.ID != "otp-2" || !bytes.Equal(latest.CodeHash, []byte("h2")) || !latest.ConsumedAt.IsZero() {
		t.Fatalf("LatestOTP = %+v, %v", latest, err)
	}
	if n, err := s.CountOTPs(ctx, o1.Phone, base.Add(30*time.Second)); err != nil || n != 1 {
		t.Errorf("CountOTPs since = %d, %v; want 1", n, err)
	}
	for i := 1; i <= 3; i++ {
		o, err := s.SpendOTPAttempt(ctx, "otp-2")
		if err != nil || o.Attempts != i {
			t.Fatalf("attempt %d: %+v, %v", i, o, err)
		}
	}
	if _, err := s.SpendOTPAttempt(ctx, "otp-2"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("attempt past max: %v, want ErrConflict", err)
	}
	if err := s.ConsumeOTP(ctx, "otp-1", base); err != nil {
		t.Fatal(err)
	}
	if err := s.ConsumeOTP(ctx, "otp-1", base); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second consume: %v, want ErrConflict", err)
	}
	if _, err := s.SpendOTPAttempt(ctx, "otp-1"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("attempt on consumed OTP: %v, want ErrConflict", err)
	}
	if _, err := s.LatestOTP(ctx, "registration", "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestOTP missing: %v", err)
	}
}

func testOTPAttemptsRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := store.OTP{ID: "otp-race", Purpose: "registration", Subject: "r", Phone: "+84912345678", CodeHash: []byte("h"),
		CreatedAt: base, ExpiresAt: base.Add(time.Hour), MaxAttempts: 5}
	if err := s.CreateOTP(ctx, o); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.SpendOTPAttempt(ctx, o.ID); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if !errors.Is(err, store.ErrConflict) {
				t.Errorf("SpendOTPAttempt: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok != 5 {
		t.Errorf("concurrent attempts granted = %d, want exactly 5", ok)
	}
}

func testAccounts(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := store.Account{ID: "acc-1", IDNumber: "001190012345", Phone: "+84912345678", PasswordHash: "$argon2id$x",
		State: store.AccountActive, Level: 0, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	dup := a
	dup.ID = "acc-2"
	if err := s.CreateAccount(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second account for one ID number: %v, want ErrConflict", err)
	}
	got, err := s.Account(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("Account = %+v, %v; want %+v", got, err, a)
	}
	got, err = s.AccountByIDNumber(ctx, a.IDNumber)
	if err != nil || got.ID != a.ID {
		t.Fatalf("AccountByIDNumber = %+v, %v", got, err)
	}
	if _, err := s.AccountByIDNumber(ctx, "000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing account: %v", err)
	}
	if err := s.RecordLogin(ctx, a.ID, base.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePasswordHash(ctx, a.ID, "$argon2id$y", base.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Account(ctx, a.ID)
	if !got.LastLoginAt.Equal(base.Add(time.Hour)) || got.PasswordHash != "$argon2id$y" {
		t.Errorf("after login and rehash: %+v", got)
	}
	if err := s.SetAccountEmail(ctx, a.ID, "an.nguyen@example.vn", base.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.Account(ctx, a.ID); got.Email != "an.nguyen@example.vn" {
		t.Errorf("email = %q", got.Email)
	}
	if err := s.SetAccountEmail(ctx, "acc-none", "x@example.vn", base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("email of a missing account: %v", err)
	}
	d := store.Device{AccountID: a.ID, DeviceID: "dev-1", PublicKey: []byte{9, 9}, Name: "iPhone", Platform: "ios", BoundAt: base}
	if err := s.BindDevice(ctx, d); err != nil {
		t.Fatal(err)
	}
	d2 := d
	d2.DeviceID, d2.PublicKey = "dev-2", []byte{7}
	if err := s.BindDevice(ctx, d2); err != nil {
		t.Fatal(err)
	}
	gotD, err := s.AccountDevice(ctx, a.ID)
	if err != nil || !reflect.DeepEqual(gotD, d2) {
		t.Errorf("AccountDevice = %+v, %v; want the rebound %+v", gotD, err, d2)
	}
	if _, err := s.AccountDevice(ctx, "acc-x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing device: %v", err)
	}
}

func testSessions(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := store.Account{ID: "acc-s", IDNumber: "001190012399", Phone: "+84912345678", PasswordHash: "h",
		State: store.AccountActive, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	se := store.Session{ID: "ses-1", TokenHash: []byte("hash-1"), AccountID: a.ID, DeviceID: "dev-1",
		CreatedAt: base, ExpiresAt: base.Add(time.Hour), LastSeenAt: base}
	if err := s.CreateSession(ctx, se); err != nil {
		t.Fatal(err)
	}
	got, err := s.SessionByTokenHash(ctx, []byte("hash-1"))
	if err != nil || !reflect.DeepEqual(got, se) {
		t.Fatalf("SessionByTokenHash = %+v, %v; want %+v", got, err, se)
	}
	if err := s.TouchSession(ctx, se.ID, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSession(ctx, se.ID, base.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSession(ctx, se.ID, base.Add(3*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second revoke: %v, want ErrNotFound", err)
	}
	got, _ = s.SessionByTokenHash(ctx, []byte("hash-1"))
	if !got.RevokedAt.Equal(base.Add(2*time.Minute)) || !got.LastSeenAt.Equal(base.Add(time.Minute)) {
		t.Errorf("after touch and revoke: %+v", got)
	}
	if _, err := s.SessionByTokenHash(ctx, []byte("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing session: %v", err)
	}
}

func testOutbox(t *testing.T, s store.Store) {
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 3; i++ {
		id, err := s.EnqueueOutbox(ctx, store.OutboxMessage{Channel: "sms", Recipient: fmt.Sprintf("+8491234567%d", i),
			Template: "otp", Body: "Mã OTP của bạn là 123456", CreatedAt: base.Add(time.Duration(i) * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	now := base.Add(time.Minute)
	got, err := s.ClaimOutbox(ctx, "w1", now, 30*time.Second, 2)
	if err != nil || len(got) != 2 || got[0].ID != ids[0] || got[1].ID != ids[1] || got[0].LeaseOwner != "w1" {
		t.Fatalf("ClaimOutbox w1 = %+v, %v", got, err)
	}
	rest, err := s.ClaimOutbox(ctx, "w2", now, 30*time.Second, 10)
	if err != nil || len(rest) != 1 || rest[0].ID != ids[2] {
		t.Fatalf("ClaimOutbox w2 = %+v, %v (leased messages must not be claimed twice)", rest, err)
	}
	if err := s.CompleteOutbox(ctx, ids[0], "w2", now, "redacted"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("complete by a non-owner: %v, want ErrConflict", err)
	}
	if err := s.CompleteOutbox(ctx, ids[0], "w1", now, "Mã OTP của bạn là ******"); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryOutbox(ctx, ids[1], "w1", "gateway 503", now.Add(time.Minute), false); err != nil {
		t.Fatal(err)
	}
	// The lease of ids[2] expires, so another worker takes it over.
	later := now.Add(45 * time.Second)
	got, err = s.ClaimOutbox(ctx, "w3", later, 30*time.Second, 10)
	if err != nil || len(got) != 1 || got[0].ID != ids[2] {
		t.Fatalf("claim after lease expiry = %+v, %v", got, err)
	}
	if err := s.RetryOutbox(ctx, ids[2], "w2", "late", later, false); !errors.Is(err, store.ErrConflict) {
		t.Errorf("retry by a worker whose lease expired: %v, want ErrConflict", err)
	}
	if err := s.RetryOutbox(ctx, ids[2], "w3", "bad number", later, true); err != nil {
		t.Fatal(err)
	}
	// ids[1] is due again a minute later.
	got, err = s.ClaimOutbox(ctx, "w1", now.Add(2*time.Minute), 30*time.Second, 10)
	if err != nil || len(got) != 1 || got[0].ID != ids[1] || got[0].Attempts != 1 || got[0].LastError != "gateway 503" {
		t.Fatalf("claim after retry = %+v, %v", got, err)
	}
	list, err := s.ListOutbox(ctx, store.OutboxFilter{})
	if err != nil || len(list) != 3 || list[0].ID != ids[2] {
		t.Fatalf("ListOutbox = %+v, %v", list, err)
	}
	list, _ = s.ListOutbox(ctx, store.OutboxFilter{Recipient: "+84912345670"})
	if len(list) != 1 || list[0].Status != store.OutboxDelivered || list[0].Body != "Mã OTP của bạn là ******" || !list[0].DeliveredAt.Equal(now) {
		t.Errorf("delivered message = %+v", list)
	}
	list, _ = s.ListOutbox(ctx, store.OutboxFilter{Status: store.OutboxDead})
	if len(list) != 1 || list[0].ID != ids[2] {
		t.Errorf("dead messages = %+v", list)
	}
	depth, err := s.OutboxDepth(ctx)
	if err != nil || depth[store.OutboxPending] != 1 || depth[store.OutboxDelivered] != 1 || depth[store.OutboxDead] != 1 {
		t.Errorf("OutboxDepth = %v, %v", depth, err)
	}
}

func testOutboxConcurrentClaims(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 60
	for i := 0; i < n; i++ {
		if _, err := s.EnqueueOutbox(ctx, store.OutboxMessage{Channel: "sms", Recipient: "+84912345678", Template: "t",
			Body: "b", CreatedAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		owner := fmt.Sprintf("w%d", w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				var got []store.OutboxMessage
				err := s.InTx(ctx, func(q store.Queries) error {
					var err error
					got, err = q.ClaimOutbox(ctx, owner, base.Add(time.Minute), time.Hour, 7)
					return err
				})
				if err != nil {
					t.Errorf("claim: %v", err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					if prev, dup := seen[m.ID]; dup {
						t.Errorf("message %d claimed by %s and %s", m.ID, prev, owner)
					}
					seen[m.ID] = owner
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("claimed %d messages, want %d", len(seen), n)
	}
}

func testTransactions(t *testing.T, s store.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.InTx(ctx, func(q store.Queries) error {
		if _, err := q.EnqueueOutbox(ctx, store.OutboxMessage{Channel: "sms", Recipient: "rollback", Template: "t", Body: "b", CreatedAt: base}); err != nil {
			return err
		}
		if err := q.CreateAccount(ctx, store.Account{ID: "acc-tx", IDNumber: "001190000001", Phone: "+84912345678",
			PasswordHash: "h", State: store.AccountActive, CreatedAt: base, UpdatedAt: base, PasswordChangedAt: base}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx error = %v, want boom", err)
	}
	if list, _ := s.ListOutbox(ctx, store.OutboxFilter{Recipient: "rollback"}); len(list) != 0 {
		t.Errorf("rolled-back outbox message is visible: %+v", list)
	}
	if _, err := s.Account(ctx, "acc-tx"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rolled-back account is visible: %v", err)
	}
	err = s.InTx(ctx, func(q store.Queries) error {
		_, err := q.EnqueueOutbox(ctx, store.OutboxMessage{Channel: "sms", Recipient: "commit", Template: "t", Body: "b", CreatedAt: base})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := s.ListOutbox(ctx, store.OutboxFilter{Recipient: "commit"}); len(list) != 1 {
		t.Errorf("committed outbox message missing: %+v", list)
	}
}

func testCounters(t *testing.T, s store.Store) {
	ctx := context.Background()
	w := base.Truncate(time.Minute)
	var wg sync.WaitGroup
	for i := 0; i < 25; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Hit(ctx, "login:ip:127.0.0.1", w, w.Add(2*time.Minute)); err != nil {
				t.Errorf("Hit: %v", err)
			}
		}()
	}
	wg.Wait()
	n, err := s.Hit(ctx, "login:ip:127.0.0.1", w, w.Add(2*time.Minute))
	if err != nil || n != 26 {
		t.Errorf("count after 26 hits = %d, %v", n, err)
	}
	if n, _ := s.Hit(ctx, "login:ip:127.0.0.1", w.Add(time.Minute), w.Add(3*time.Minute)); n != 1 {
		t.Errorf("new window count = %d, want 1", n)
	}
	if n, err := s.CountHits(ctx, "login:ip:127.0.0.1", w); err != nil || n != 26 {
		t.Errorf("CountHits = %d, %v; want 26", n, err)
	}
	if n, err := s.CountHits(ctx, "login:ip:127.0.0.1", w); err != nil || n != 26 {
		t.Errorf("CountHits again = %d, %v; reading must not count", n, err)
	}
	if n, err := s.CountHits(ctx, "nobody", w); err != nil || n != 0 {
		t.Errorf("CountHits of no counter = %d, %v", n, err)
	}
}

func testAuditAndSecrets(t *testing.T, s store.Store) {
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := s.AppendAudit(ctx, store.AuditEvent{At: base.Add(time.Duration(i) * time.Second), Actor: "account:a",
			Action: "registry.citizen.read", Subject: "001190012345", Purpose: "registration", RequestID: "r1", Detail: `{"n":1}`}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := s.AuditBySubject(ctx, "001190012345", 2)
	if err != nil || len(evs) != 2 || !evs[0].At.Equal(base.Add(2*time.Second)) || evs[0].Action != "registry.citizen.read" {
		t.Errorf("AuditBySubject = %+v, %v", evs, err)
	}
	v1, err := s.Secret(ctx, "otp-key", []byte("first"))
	if err != nil || string(v1) != "first" {
		t.Fatalf("Secret = %q, %v", v1, err)
	}
	v2, err := s.Secret(ctx, "otp-key", []byte("second"))
	if err != nil || string(v2) != "first" {
		t.Errorf("Secret must keep the first value: %q, %v", v2, err)
	}
}

func testPurge(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateRegistration(ctx, store.Registration{ID: "old", IDNumber: "1", Phone: "p", DeviceID: "d", DevicePublicKey: []byte{1},
		State: store.RegStarted, CreatedAt: base, UpdatedAt: base, ExpiresAt: base.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRegistration(ctx, store.Registration{ID: "live", IDNumber: "1", Phone: "p", DeviceID: "d", DevicePublicKey: []byte{1},
		State: store.RegStarted, CreatedAt: base, UpdatedAt: base, ExpiresAt: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hit(ctx, "k", base, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeExpired(ctx, base.Add(10*time.Minute), 24*time.Hour)
	if err != nil || n != 2 {
		t.Errorf("PurgeExpired = %d, %v; want 2", n, err)
	}
	if _, err := s.Registration(ctx, "live"); err != nil {
		t.Errorf("live registration purged: %v", err)
	}
}
