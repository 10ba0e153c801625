package bench

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/appclient"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// DefaultPassword is the password of the accounts the load tools make. It
// meets the VNeID password policy.
const DefaultPassword = "Bench@2024vn"

// Credential is what logging in to one account takes: the personal ID
// number, the password and the device the account is bound to (with its
// private key).
type Credential struct {
	IDNumber string
	Password string
	Device   *appclient.Device
}

// ErrRateLimited is wrapped by the errors of RegisterAccounts and Login when
// the server answered 429: it was started with the default per-IP limits,
// which a load test from one address passes at once.
var ErrRateLimited = errors.New("bench: the server rate-limited the load; start it with relaxed limits")

// DefaultRegisterPerIP is the server's default number of registrations
// started per IP address per hour (the "register-ip" rule).
var DefaultRegisterPerIP = account.DefaultConfig().RegisterPerIP.Limit

// RegisterOptions tune RegisterAccounts.
type RegisterOptions struct {
	// N is how many accounts to make. Required.
	N int
	// Password is the password of every account (DefaultPassword if empty).
	Password string
	// Concurrency is how many registrations run at once (1 if less).
	Concurrency int
	// RelaxedLimits says the server was started with the per-IP
	// registration limits raised (or off): "register-ip" (30 an hour by
	// default) and "otp-verify-ip" (60 an hour) must allow N more. Without
	// it RegisterAccounts refuses an N above DefaultRegisterPerIP.
	RelaxedLimits bool
	// Progress, if not nil, is called after each account is made with the
	// number made so far.
	Progress func(done int)
}

// RegisterAccounts makes o.N app accounts through the server's real
// registration flow at baseURL, as the app does: start with the ID number, a
// phone number and a fresh device key; submit the card's QR code (printed
// from the registry record in st, as cccd.FromCard does); confirm; verify the
// SMS code, read from st's outbox as `vneid outbox list` shows it; set the
// password with the device's signature.
//
// Citizens of ids who cannot register are skipped: deceased, under 14, with
// no valid card, or already holding an account. Each account gets its own
// random mobile number, so the per-phone limits (10 registrations an hour,
// 5 codes a day) are not reached. The per-IP limits are: see
// RegisterOptions.RelaxedLimits. The server must keep the codes readable in
// the outbox: no delivery worker that redacts them (or one that keeps the
// bodies) while RegisterAccounts runs.
//
// baseURL must be on the loopback interface. RegisterAccounts returns the
// credentials made so far with an error (wrapping ErrRateLimited if the
// server answered 429) when a registration fails for another reason, and
// with an error when ids run out before o.N accounts are made.
func RegisterAccounts(ctx context.Context, baseURL string, st store.Store, ids []string, o RegisterOptions) ([]Credential, error) {
	if err := checkLoopback(baseURL); err != nil {
		return nil, err
	}
	if o.N <= 0 {
		return nil, fmt.Errorf("bench: register: count must be positive, got %d", o.N)
	}
	if !o.RelaxedLimits && o.N > DefaultRegisterPerIP {
		return nil, fmt.Errorf("bench: register: %d accounts from one address exceed the server's default limit of %d registrations an hour per IP (register-ip); start the server with relaxed limits (register-ip, otp-verify-ip) and say so, or create the accounts directly in the store",
			o.N, DefaultRegisterPerIP)
	}
	if o.Password == "" {
		o.Password = DefaultPassword
	}
	if o.Progress == nil {
		o.Progress = func(int) {}
	}
	phoneBase, err := rand.Int(rand.Reader, big.NewInt(phoneSpace))
	if err != nil {
		return nil, fmt.Errorf("bench: register: %w", err)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu       sync.Mutex
		creds    []Credential
		next     int // index into ids
		inFlight int // registrations started and not yet finished
		phones   int64
		failed   error
		wg       sync.WaitGroup
	)
	// claim hands out the next ID while more accounts are still wanted.
	claim := func() (string, int64, bool) {
		mu.Lock()
		defer mu.Unlock()
		if failed != nil || next >= len(ids) || len(creds)+inFlight >= o.N || ctx.Err() != nil {
			return "", 0, false
		}
		id := ids[next]
		next++
		inFlight++
		phones++
		return id, phones, true
	}
	for range max(o.Concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				id, k, ok := claim()
				if !ok {
					return
				}
				phone := fmt.Sprintf("09%08d", (phoneBase.Int64()+k)%phoneSpace)
				c, err := registerOne(ctx, hc, baseURL, st, id, phone, o.Password)
				mu.Lock()
				inFlight--
				switch {
				case err == nil:
					creds = append(creds, c)
					o.Progress(len(creds))
				case errors.Is(err, errSkip):
				default:
					if failed == nil {
						failed = err
						cancel()
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != nil {
		return creds, failed
	}
	if len(creds) < o.N {
		if err := ctx.Err(); err != nil {
			return creds, fmt.Errorf("bench: register: %w", err)
		}
		return creds, fmt.Errorf("bench: register: made %d of %d accounts: %d ID numbers given, the rest cannot register", len(creds), o.N, len(ids))
	}
	return creds, nil
}

// phoneSpace is the number of 10-digit mobile numbers starting with 09.
const phoneSpace = 100_000_000

// errSkip marks a citizen who cannot register.
var errSkip = errors.New("skip")

// otpDigits finds the code in an OTP message, as notify.Redact does.
var otpDigits = regexp.MustCompile(`\d{4,}`)

// today is the calendar date in Vietnam.
func today() identity.Date {
	return identity.DateOf(time.Now().In(time.FixedZone("ICT", 7*3600)))
}

// eligible applies the server's rules for registering on one's own.
func eligible(c registry.Citizen, day identity.Date) (registry.IDCard, bool) {
	if c.LifeStatus == registry.Deceased || c.DateOfBirth.AgeOn(day) < account.DefaultConfig().MinAge {
		return registry.IDCard{}, false
	}
	return c.CurrentCard(day)
}

// registerOne registers id. It returns errSkip for a citizen who cannot.
func registerOne(ctx context.Context, hc *http.Client, baseURL string, st store.Store, id, phone, password string) (Credential, error) {
	cit, err := st.Citizen(ctx, id)
	if errors.Is(err, registry.ErrNotFound) {
		return Credential{}, errSkip
	}
	if err != nil {
		return Credential{}, fmt.Errorf("bench: register %s: %w", id, err)
	}
	card, ok := eligible(cit, today())
	if !ok {
		return Credential{}, errSkip
	}
	if _, err := st.AccountByIDNumber(ctx, id); err == nil {
		return Credential{}, errSkip
	} else if !errors.Is(err, store.ErrNotFound) {
		return Credential{}, fmt.Errorf("bench: register %s: %w", id, err)
	}
	dev, err := appclient.NewDevice("vneid bench", "bench")
	if err != nil {
		return Credential{}, fmt.Errorf("bench: register %s: %w", id, err)
	}
	c := &appclient.Client{BaseURL: baseURL, HTTP: hc, Device: dev}
	step := func(name string, err error) error {
		var p *appclient.Problem
		switch {
		case err == nil:
			return nil
		case errors.As(err, &p) && p.Status == http.StatusTooManyRequests:
			return fmt.Errorf("%w: register %s: %s: %v", ErrRateLimited, id, name, err)
		case errors.As(err, &p) && skippable(p.Code):
			return errSkip
		}
		return fmt.Errorf("bench: register %s: %s: %w", id, name, err)
	}
	reg, err := c.Start(ctx, id, phone)
	if err := step("start", err); err != nil {
		return Credential{}, err
	}
	_, err = c.SubmitQR(ctx, reg, cccd.FromCard(cit, card).String())
	if err := step("qr", err); err != nil {
		return Credential{}, err
	}
	_, err = c.Confirm(ctx, reg)
	if err := step("confirm", err); err != nil {
		return Credential{}, err
	}
	code, err := outboxOTP(ctx, st, phone)
	if err != nil {
		return Credential{}, fmt.Errorf("bench: register %s: %w", id, err)
	}
	if err := step("verify otp", c.VerifyOTP(ctx, reg, code)); err != nil {
		return Credential{}, err
	}
	_, err = c.SetPassword(ctx, reg, password)
	if err := step("password", err); err != nil {
		return Credential{}, err
	}
	return Credential{IDNumber: id, Password: password, Device: dev}, nil
}

// skippable lists the refusals that mean the citizen cannot register, not
// that the tool or the server is wrong.
func skippable(code string) bool {
	switch code {
	case "citizen_not_found", "citizen_deceased", "citizen_under_age", "card_not_valid", "account_exists":
		return true
	}
	return false
}

// outboxOTP reads the newest code sent to phone from the outbox.
func outboxOTP(ctx context.Context, st store.Store, phone string) (string, error) {
	norm, err := identity.NormalizePhone(phone)
	if err != nil {
		return "", err
	}
	msgs, err := st.ListOutbox(ctx, store.OutboxFilter{Recipient: norm, Limit: 10})
	if err != nil {
		return "", fmt.Errorf("read outbox: %w", err)
	}
	for _, m := range msgs {
		if m.Template != notify.TemplateOTP {
			continue
		}
		if code := otpDigits.FindString(m.Body); code != "" {
			return code, nil
		}
		return "", fmt.Errorf("the OTP sent to %s was delivered and redacted before it could be read; run the server without an outbox worker, or with one that keeps message bodies", norm)
	}
	return "", fmt.Errorf("no OTP for %s in the outbox", norm)
}

// CreateAccounts writes n active accounts straight into st, bypassing the
// HTTP registration flow and its rate limits: for each ID number of ids
// without an account it stores the account (with a random 09 mobile number)
// and binds a fresh device to it, in one transaction, with an audit event
// "bench.account_created". Every account gets the same argon2id hash of
// password (DefaultPassword if empty) made once with params, which must be
// the server's parameters or its first login rehashes. Eligibility is not
// checked (logging in does not check it). It returns an error if ids run out
// before n accounts are made, with the credentials made so far.
func CreateAccounts(ctx context.Context, st store.Store, ids []string, n int, password string, params account.Argon2Params) ([]Credential, error) {
	if n <= 0 {
		return nil, fmt.Errorf("bench: create accounts: count must be positive, got %d", n)
	}
	if password == "" {
		password = DefaultPassword
	}
	hash, err := account.HashPassword(password, params)
	if err != nil {
		return nil, fmt.Errorf("bench: create accounts: %w", err)
	}
	phoneBase, err := rand.Int(rand.Reader, big.NewInt(phoneSpace))
	if err != nil {
		return nil, fmt.Errorf("bench: create accounts: %w", err)
	}
	creds := make([]Credential, 0, n)
	for i, id := range ids {
		if len(creds) == n {
			break
		}
		if _, err := st.AccountByIDNumber(ctx, id); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return creds, fmt.Errorf("bench: create accounts: %w", err)
		}
		dev, err := appclient.NewDevice("vneid bench", "bench")
		if err != nil {
			return creds, fmt.Errorf("bench: create accounts: %w", err)
		}
		der, err := x509.MarshalPKIXPublicKey(&dev.Key.PublicKey)
		if err != nil {
			return creds, fmt.Errorf("bench: create accounts: %w", err)
		}
		phone, err := identity.NormalizePhone(fmt.Sprintf("09%08d", (phoneBase.Int64()+int64(i))%phoneSpace))
		if err != nil {
			return creds, fmt.Errorf("bench: create accounts: %w", err)
		}
		now := time.Now()
		a := store.Account{ID: newID(), IDNumber: id, Phone: phone, PasswordHash: hash, State: store.AccountActive,
			CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
		err = st.InTx(ctx, func(q store.Queries) error {
			if err := q.CreateAccount(ctx, a); err != nil {
				return err
			}
			if err := q.BindDevice(ctx, store.Device{AccountID: a.ID, DeviceID: dev.ID, PublicKey: der,
				Name: dev.Name, Platform: dev.Platform, BoundAt: now}); err != nil {
				return err
			}
			return q.AppendAudit(ctx, store.AuditEvent{At: now, Actor: "system", Action: "bench.account_created",
				Subject: id, Purpose: "load_test"})
		})
		if errors.Is(err, store.ErrConflict) {
			continue // made meanwhile by someone else
		}
		if err != nil {
			return creds, fmt.Errorf("bench: create account for %s: %w", id, err)
		}
		creds = append(creds, Credential{IDNumber: id, Password: password, Device: dev})
	}
	if len(creds) < n {
		return creds, fmt.Errorf("bench: create accounts: made %d of %d: the other ID numbers given already have accounts", len(creds), n)
	}
	return creds, nil
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
