package account_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

const benchPassword = "Bench@2024vn"

func BenchmarkHashPassword(b *testing.B) {
	p := account.DefaultArgon2()
	for b.Loop() {
		if _, err := account.HashPassword(benchPassword, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPassword measures one password check, the work of a login:
// serially, and with every core checking (the most logins per second the
// machine can answer).
func BenchmarkVerifyPassword(b *testing.B) {
	p := account.DefaultArgon2()
	hash, err := account.HashPassword(benchPassword, p)
	if err != nil {
		b.Fatal(err)
	}
	verify := func() error {
		if ok, stale, err := account.VerifyPassword(hash, benchPassword, p); err != nil || !ok || stale {
			return fmt.Errorf("verify = %t, %t, %v", ok, stale, err)
		}
		return nil
	}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if err := verify(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := verify(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// benchDevice is an account's phone: its ID and key.
type benchDevice struct {
	idNumber string
	deviceID string
	key      *ecdsa.PrivateKey
}

func (d benchDevice) sign(msg []byte) string {
	sum := sha256.Sum256(msg)
	sig, err := ecdsa.SignASN1(rand.Reader, d.key, sum[:])
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// loginEnv is a Service on a SQLite store with accounts bound to devices,
// written straight through the store interface.
type loginEnv struct {
	svc      *account.Service
	accounts []benchDevice
}

// newLoginEnv makes n accounts. The Service has the default rules, including
// the argon2id cost, except that the login limits are raised out of reach:
// they are still counted in the store on every login, as in production, but
// never refuse one.
func newLoginEnv(b *testing.B, n int) *loginEnv {
	b.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(b)
	cfg := account.DefaultConfig()
	cfg.LoginPerIP.Limit, cfg.LoginPerID.Limit = 1<<30, 1<<30
	svc, err := account.New(ctx, cfg, account.Options{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	hash, err := account.HashPassword(benchPassword, cfg.Argon2)
	if err != nil {
		b.Fatal(err)
	}
	e := &loginEnv{svc: svc}
	now := time.Now()
	for i := range n {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
		if err != nil {
			b.Fatal(err)
		}
		d := benchDevice{idNumber: fmt.Sprintf("0011900%05d", i), deviceID: fmt.Sprintf("bench-device-%d", i), key: key}
		a := store.Account{ID: fmt.Sprintf("bench-account-%d", i), IDNumber: d.idNumber, Phone: fmt.Sprintf("+8491%07d", i),
			PasswordHash: hash, State: store.AccountActive, CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		if err := st.CreateAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		if err := st.BindDevice(ctx, store.Device{AccountID: a.ID, DeviceID: d.deviceID, PublicKey: der,
			Name: "bench", Platform: "android", BoundAt: now}); err != nil {
			b.Fatal(err)
		}
		e.accounts = append(e.accounts, d)
	}
	return e
}

// login runs the whole app login of account i: challenge, the device's
// signature, password check and session write.
func (e *loginEnv) login(i int) (account.Session, error) {
	d := e.accounts[i%len(e.accounts)]
	ch, err := e.svc.LoginChallenge(d.deviceID)
	if err != nil {
		return account.Session{}, err
	}
	return e.svc.Login(context.Background(), account.Caller{IP: "127.0.0.1", RequestID: "bench"}, account.LoginRequest{
		IDNumber: d.idNumber, Password: benchPassword, DeviceID: d.deviceID, Challenge: ch.Challenge,
		Signature: d.sign(account.LoginProof(ch.Challenge, d.idNumber)),
	})
}

// BenchmarkLogin measures Service.Login end to end on SQLite at the default
// argon2id cost, including the client's challenge request and signature and
// the rate-limit counters.
func BenchmarkLogin(b *testing.B) {
	e := newLoginEnv(b, 64)
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := e.login(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.login(int(next.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkAuthenticate measures resolving a bearer token to its session and
// account, which every authenticated request does.
func BenchmarkAuthenticate(b *testing.B) {
	e := newLoginEnv(b, 8)
	tokens := make([]string, len(e.accounts))
	for i := range tokens {
		se, err := e.login(i)
		if err != nil {
			b.Fatal(err)
		}
		tokens[i] = se.Token
	}
	ctx := context.Background()
	auth := func(i int) error {
		_, err := e.svc.Authenticate(ctx, tokens[i%len(tokens)])
		return err
	}
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if err := auth(i); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := auth(int(next.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
