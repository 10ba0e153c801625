package wallet_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/failure"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
	"github.com/vneid/vneid/internal/wallet"
)

const (
	holderID   = "001190000123"
	strangerID = "079085000456"
	level1ID   = "001095000789"
	password   = "Ví@giấy-tờ1"
	licenceNo  = "010123456789"
)

// env is a wallet on a real store, with the real account and provider
// services, and a clock the test moves.
type env struct {
	t      testing.TB
	st     store.Store
	w      *wallet.Service
	sso    *sso.Service
	now    atomic.Pointer[time.Time]
	holder account.Principal
	level1 account.Principal
}

func d(s string) identity.Date {
	v, err := identity.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func (e *env) clock() time.Time { return *e.now.Load() }

func (e *env) advance(dt time.Duration) {
	t := e.clock().Add(dt)
	e.now.Store(&t)
}

func licence(number, holder, name string, status sources.Status, until identity.Date) sources.Document {
	return sources.Document{Kind: sources.DrivingLicence, Number: number, HolderID: holder, HolderName: name,
		DateOfBirth: d("1990-05-17"), Status: status, IssuedOn: d("2019-04-02"), ValidUntil: until,
		Issuer:         "Sở Giao thông vận tải Hà Nội",
		DrivingLicence: &sources.Licence{Classes: []sources.LicenceClass{{Class: "B2", IssuedOn: d("2019-04-02"), ValidUntil: until}}}}
}

func newEnv(t testing.TB, b storetest.Backend, src sources.Source) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{t: t, st: b.Open(t)}
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	e.now.Store(&start)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	acfg := account.DefaultConfig()
	acfg.Argon2 = account.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}
	acc, err := account.New(ctx, acfg, account.Options{Store: e.st, Logger: log, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := seal.New(seal.Key{ID: 1, Bytes: key})
	if err != nil {
		t.Fatal(err)
	}
	e.sso, err = sso.New(sso.Config{}, sso.Options{Issuer: "https://id.example.vn/oidc", Store: e.st, Accounts: acc,
		Population: e.st, Box: box, SubjectKey: key, Logger: log, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sso.RotateKeys(ctx); err != nil {
		t.Fatal(err)
	}
	if src == nil {
		src = e.st
	}
	wcfg := wallet.DefaultConfig()
	wcfg.Argon2 = acfg.Argon2
	e.w, err = wallet.New(ctx, wcfg, wallet.Options{Store: e.st, Source: src, Passwords: acc, Issuer: e.sso, Logger: log, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	addr := registry.Address{HouseNumber: "Số 12", Street: "Phố Hàng Bạc", Commune: "Phường Hàng Đào", Province: "Thành phố Hà Nội"}
	var pop []registry.Citizen
	for id, name := range map[string]string{holderID: "Nguyễn Thị Thanh Hương", strangerID: "Trần Văn Bình", level1ID: "Lê Văn Cường"} {
		pop = append(pop, registry.Citizen{ID: id, FullName: name, DateOfBirth: d("1990-05-17"), Gender: identity.Female,
			Nationality: "Việt Nam", PlaceOfOrigin: "Xã Đại Đồng, Huyện Thuận Thành, Tỉnh Bắc Ninh", PermanentAddress: addr,
			LifeStatus: registry.Alive, Cards: []registry.IDCard{{Number: id, Chip: true, IssueDate: d("2021-06-10"),
				ExpiryDate: d("2030-05-17"), Status: registry.CardValid}}})
	}
	if err := e.st.UpsertCitizens(ctx, pop); err != nil {
		t.Fatal(err)
	}
	hash, err := account.HashPassword(password, acfg.Argon2)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		id, acc string
		level   int
		p       *account.Principal
	}{{holderID, "acc-holder", 2, &e.holder}, {level1ID, "acc-l1", 1, &e.level1}} {
		if err := e.st.CreateAccount(ctx, store.Account{ID: a.acc, IDNumber: a.id, Phone: "+84912000001", PasswordHash: hash,
			State: store.AccountActive, Level: a.level, CreatedAt: start, UpdatedAt: start, PasswordChangedAt: start}); err != nil {
			t.Fatal(err)
		}
		*a.p = account.Principal{Account: account.Account{ID: a.acc, IDNumber: a.id, Level: a.level, State: store.AccountActive},
			SessionID: "session-" + a.acc}
	}
	return e
}

// seedSource puts the standard documents in the built-in registry.
func (e *env) seedSource() {
	e.t.Helper()
	docs := []sources.Document{
		licence(licenceNo, holderID, "Nguyễn Thị Thanh Hương", sources.StatusValid, d("2029-04-02")),
		licence("010123456780", strangerID, "Trần Văn Bình", sources.StatusValid, d("2029-04-02")),
		licence("010123456781", holderID, "Nguyễn Thị Hương", sources.StatusValid, d("2029-04-02")), // another name
		licence("010123456782", holderID, "Nguyễn Thị Thanh Hương", sources.StatusValid, d("2026-01-01")),
		{Kind: sources.HealthInsurance, Number: "GD4010123456789", HolderID: holderID, HolderName: "Nguyễn Thị Thanh Hương",
			DateOfBirth: d("1990-05-17"), Status: sources.StatusValid, IssuedOn: d("2026-01-01"), ValidUntil: d("2026-12-31"),
			Issuer: "Bảo hiểm xã hội Thành phố Hà Nội", HealthInsurance: &sources.HealthInsuranceCard{BeneficiaryGroup: "GD",
				BenefitLevel: 4, ProvinceCode: "01", BHXHCode: "0123456789", Clinic: sources.Clinic{Code: "01001", Name: "Bệnh viện Bạch Mai"},
				ValidFrom: d("2026-01-01")}},
	}
	if err := e.st.UpsertDocuments(context.Background(), docs); err != nil {
		e.t.Fatal(err)
	}
}

func code(err error) string {
	if f := failure.As(err); f != nil {
		return f.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func (e *env) unlock(p account.Principal) string {
	e.t.Helper()
	ctx := context.Background()
	if acc, _ := e.st.Account(ctx, p.Account.ID); acc.PasscodeHash == "" {
		if err := e.w.SetPasscode(ctx, account.Caller{}, p, password, "246810"); err != nil {
			e.t.Fatalf("SetPasscode: %v", err)
		}
	}
	u, err := e.w.Unlock(ctx, account.Caller{}, p, "246810")
	if err != nil {
		e.t.Fatalf("Unlock: %v", err)
	}
	return u.Token
}

func TestCheckPasscode(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"246810", true}, {"135790", true}, {"000000", false}, {"999999", false}, {"123456", false}, {"654321", false},
		{"890123", false}, {"12345", false}, {"1234567", false}, {"12a456", false}, {"２４６８１０", false}, {"", false},
	} {
		if err := wallet.CheckPasscode(tc.code); (err == nil) != tc.ok {
			t.Errorf("CheckPasscode(%q) = %v, want ok %v", tc.code, err, tc.ok)
		}
	}
}

func TestPasscodeAndUnlock(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b, nil)
			ctx := context.Background()
			if _, err := e.w.Unlock(ctx, account.Caller{}, e.holder, "246810"); code(err) != "passcode_not_set" {
				t.Fatalf("unlock before a passcode is set: %v", err)
			}
			if err := e.w.SetPasscode(ctx, account.Caller{}, e.holder, "wrong password", "246810"); code(err) != "invalid_credentials" {
				t.Fatalf("SetPasscode with a wrong password: %v", err)
			}
			if err := e.w.SetPasscode(ctx, account.Caller{}, e.holder, password, "111111"); code(err) != "passcode_invalid_format" {
				t.Fatalf("SetPasscode 111111: %v", err)
			}
			if err := e.w.SetPasscode(ctx, account.Caller{}, e.holder, password, "246810"); err != nil {
				t.Fatal(err)
			}
			if acc, _ := e.st.Account(ctx, e.holder.Account.ID); !strings.HasPrefix(acc.PasscodeHash, "$argon2id$") {
				t.Fatalf("passcode stored as %q, want an argon2id hash", acc.PasscodeHash)
			}
			// The right passcode, many times: never locked out.
			for range 8 {
				if _, err := e.w.Unlock(ctx, account.Caller{}, e.holder, "246810"); err != nil {
					t.Fatalf("unlock: %v", err)
				}
			}
			u, _ := e.w.Unlock(ctx, account.Caller{}, e.holder, "246810")
			if _, err := e.w.Wallet(ctx, account.Caller{}, e.holder, ""); code(err) != "wallet_locked" {
				t.Errorf("wallet without a token: %v", err)
			}
			if _, err := e.w.Wallet(ctx, account.Caller{}, e.holder, u.Token); err != nil {
				t.Errorf("wallet with the token: %v", err)
			}
			other := e.holder
			other.SessionID = "another session"
			if _, err := e.w.Wallet(ctx, account.Caller{}, other, u.Token); code(err) != "wallet_locked" {
				t.Errorf("token of another session: %v", err)
			}
			tampered := []byte(u.Token)
			tampered[3] ^= 1
			if _, err := e.w.Wallet(ctx, account.Caller{}, e.holder, string(tampered)); code(err) != "wallet_locked" {
				t.Errorf("tampered token: %v", err)
			}
			e.advance(5*time.Minute + time.Second)
			if _, err := e.w.Wallet(ctx, account.Caller{}, e.holder, u.Token); code(err) != "wallet_locked" {
				t.Errorf("token after 5 minutes: %v", err)
			}
			// Five wrong passcodes shut the wallet for the window, even to
			// the right one.
			for i := range 5 {
				if _, err := e.w.Unlock(ctx, account.Caller{}, e.holder, "135790"); code(err) != "passcode_wrong" {
					t.Fatalf("wrong passcode %d: %v", i+1, err)
				}
			}
			if _, err := e.w.Unlock(ctx, account.Caller{}, e.holder, "246810"); code(err) != "rate_limited" {
				t.Fatalf("right passcode after 5 wrong: %v, want rate_limited", err)
			}
			e.advance(15 * time.Minute)
			if _, err := e.w.Unlock(ctx, account.Caller{}, e.holder, "246810"); err != nil {
				t.Errorf("unlock after the window: %v", err)
			}
		})
	}
}
