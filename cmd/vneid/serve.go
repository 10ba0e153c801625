package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/account"
	"github.com/vneid/vneid/internal/activation"
	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/audit"
	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/console"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/locking"
	"github.com/vneid/vneid/internal/notify"
	"github.com/vneid/vneid/internal/ratelimit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/sso"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/telemetry"
	"github.com/vneid/vneid/internal/verifyweb"
	"github.com/vneid/vneid/internal/wallet"
)

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	var master masterFlags
	cfg, _, err := loadConfig("serve", args, stderr, master.registerServe)
	if err != nil {
		return err
	}
	log := telemetry.NewLogger(os.Stderr, cfg.LogLevel)
	// The OpenID Connect library logs through slog's default logger: make
	// its lines structured like ours.
	slog.SetDefault(log)
	acfg, err := cfg.AccountConfig()
	if err != nil {
		return err
	}
	proxies, err := api.ParseCIDRs(cfg.TrustedProxies)
	if err != nil {
		return err
	}
	db, err := openKeyedStore(ctx, cfg, master, true, log)
	if err != nil {
		return err
	}
	defer db.Close()
	// Rate-limit counters in Redis when configured, rules by name (ratelimit.go).
	st, closeLimits, err := withRateLimits(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	defer closeLimits()
	log.Info("store ready", "backend", st.Backend(), "demo", cfg.DemoMode())
	if cfg.DemoMode() {
		if err := seedDemo(ctx, st, cfg.DemoCitizens, cfg.DemoSeed, log); err != nil {
			return err
		}
	}
	metrics := telemetry.New(st)
	wake := make(chan struct{}, 1)
	svc, err := account.New(ctx, acfg, account.Options{Store: st, Logger: log, OutboxWritten: func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}})
	if err != nil {
		return err
	}
	wakeFn := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	svcs, err := buildServices(ctx, cfg, st, log, wakeFn, true, svc)
	if err != nil {
		return err
	}
	defer svcs.Close()
	if cfg.DemoMode() {
		if err := seedDemoEID(ctx, cfg, st, svcs, log); err != nil {
			return err
		}
	}
	sender, err := notify.NewFileSender(cfg.SMSLogPath())
	if err != nil {
		return err
	}
	var smsSender, emailSender notify.Sender = sender, sender
	if cfg.SMPP.Addr != "" {
		s, err := notify.NewSMSSender(notify.SMPPConfig{Addr: cfg.SMPP.Addr, SystemID: cfg.SMPP.SystemID,
			Password: cfg.SMPP.Password, SystemType: cfg.SMPP.SystemType, Logger: log,
			Source: notify.SMPPAddress{TON: 5, NPI: 0, Addr: cfg.SMPP.Source}})
		if err != nil {
			return fmt.Errorf("smpp: %w", err)
		}
		defer s.Close()
		smsSender = s
		log.Info("SMS through SMPP", "smsc", cfg.SMPP.Addr)
	}
	if cfg.SMTP.Host != "" {
		e, err := notify.NewEmailSender(notify.SMTPConfig{Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username,
			Password: cfg.SMTP.Password, From: cfg.SMTP.From, FromName: "VNeID", TLSMode: notify.SMTPTLSMode(cfg.SMTP.TLS),
			Subject: notify.EmailSubject})
		if err != nil {
			return fmt.Errorf("smtp: %w", err)
		}
		emailSender = e
		log.Info("email through SMTP", "host", cfg.SMTP.Host)
	}
	host, _ := os.Hostname()
	var nonce [4]byte
	_, _ = rand.Read(nonce[:])
	worker := &notify.Worker{Store: st, Owner: host + "-" + hex.EncodeToString(nonce[:]), KeepBodies: cfg.DemoMode(),
		Senders: map[string]notify.Sender{notify.SMS: smsSender, notify.Email: emailSender, notify.Push: sender,
			notify.BackChannel: notify.BackChannelSender{}},
		Logger: log, Metrics: metrics, Wake: wake}

	ssoSvc, err := buildSSO(ctx, cfg, st, svcs, svc, log, wakeFn)
	if err != nil {
		return err
	}
	walletSvc, err := buildWallet(ctx, cfg, st, svc, ssoSvc, log, wakeFn)
	if err != nil {
		return err
	}
	lockSvc, err := locking.New(locking.Options{Store: st, Codes: svc, Logger: log, OutboxWritten: wakeFn})
	if err != nil {
		return err
	}
	apiServer := api.New(api.Options{Accounts: svc, EID: svcs.eid, Officers: svcs.officers, Trust: svcs.trust, Store: st,
		SSO: ssoSvc, Wallet: walletSvc, Locking: lockSvc, OutboxWritten: wakeFn, Ready: st, Logger: log, Metrics: metrics, TrustedProxies: proxies, Version: version})
	csrfKey, err := st.Secret(ctx, "console-csrf", randomKey())
	if err != nil {
		return err
	}
	consoleHandler, err := console.New(console.Options{Officers: svcs.officers, EID: svcs.eid, Locking: lockSvc, Logger: log,
		Secure: cfg.ConsoleSecureCookies, ClientIP: apiServer.ClientIP, CSRFKey: csrfKey,
		AllowLogin: func(ctx context.Context, ip string) error {
			return ratelimit.Limiter{Counters: st, Now: time.Now}.Allow(ctx, ratelimit.Rule{Name: "console-login-ip", Limit: 20, Window: 15 * time.Minute}, ip)
		}})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(console.Prefix, consoleHandler)
	act := activation.New(activation.Options{Accounts: svc, EID: svcs.eid, Logger: log, ClientIP: apiServer.ClientIP,
		Secure: cfg.ConsoleSecureCookies, CSRFKey: csrfKey})
	mux.Handle(activation.Path, act)
	mux.Handle(activation.Path+"/", act)
	tokenKey, err := st.Secret(ctx, "sso-token-key", randomKey())
	if err != nil {
		return err
	}
	ssoHandler, err := ssoweb.New(ssoweb.Options{SSO: ssoSvc, Logger: log, ClientIP: apiServer.ClientIP,
		Secure: cfg.ConsoleSecureCookies, TokenKey: [32]byte(tokenKey), Metrics: metrics})
	if err != nil {
		return err
	}
	mux.Handle(ssoweb.Prefix+"/", ssoHandler)
	mountPortal(ctx, mux, portalDeps{accounts: svc, eid: svcs.eid, sso: ssoSvc, provider: ssoHandler, wallet: walletSvc,
		locks: lockSvc, clientIP: apiServer.ClientIP, secure: cfg.ConsoleSecureCookies, csrfKey: csrfKey, secret: st.Secret, log: log})
	decodeLimit := ratelimit.Rule{Name: "verify-decode-ip", Limit: 60, Window: time.Minute}
	verifyHandler, err := verifyweb.New(verifyweb.Options{Issuer: ssoSvc.Issuer(), JWKSURL: ssoSvc.Issuer() + "/keys",
		Labels: wallet.ClaimLabels(), Logger: log, Allow: func(r *http.Request) error {
			return ratelimit.Limiter{Counters: st, Now: time.Now}.Allow(r.Context(), decodeLimit, apiServer.ClientIP(r))
		}})
	if err != nil {
		return err
	}
	mux.Handle(verifyweb.Path, verifyHandler)
	mux.Handle(verifyweb.Path+"/", verifyHandler)
	mux.Handle(verifyHandler.MetadataPath(), verifyHandler)
	mux.Handle("/", apiServer)
	srv := &http.Server{
		Addr:              cfg.Listen,
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 32 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Audit events are sealed into the hash chain every few seconds, and
	// checkpoints signed (package audit; several instances take turns).
	auditKey, err := audit.LoadKey(ctx, st)
	if err != nil {
		return err
	}
	sealer := &audit.Sealer{Store: st, Signer: auditKey}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); _ = worker.Run(bg) }()
	go func() { defer wg.Done(); walletWorker(bg, walletSvc, 15*time.Second, log) }()
	wg.Add(1)
	go func() { defer wg.Done(); populationWorker(bg, lockSvc, 15*time.Second, log) }()
	go func() { defer wg.Done(); janitor(bg, st, svcs.eid, ssoSvc, log) }()
	wg.Add(1)
	go func() { defer wg.Done(); sealer.Run(bg, 5*time.Second, log) }()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("vneid serving", "addr", ln.Addr().String(), "version", version)
	select {
	case err = <-errc:
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		err = srv.Shutdown(sctx)
		cancel()
	}
	stopBG()
	wg.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	log.Info("stopped")
	return err
}

// janitor purges expired rows and closes passed activation windows every
// few minutes.
func janitor(ctx context.Context, st store.Store, e *eid.Service, keys *sso.Service, log *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		if n, err := keys.RotateKeys(ctx); err != nil && ctx.Err() == nil {
			log.Warn("signing key rotation failed", "err", err)
		} else if n > 0 {
			log.Info("signing keys created", "keys", n)
		}
		if n, err := e.ExpireActivations(ctx); err != nil && ctx.Err() == nil {
			log.Warn("activation expiry failed", "err", err)
		} else if n > 0 {
			log.Info("activation windows closed", "accounts", n)
		}
		n, err := st.PurgeExpired(ctx, time.Now(), 7*24*time.Hour)
		if err != nil && ctx.Err() == nil {
			log.Warn("purge failed", "err", err)
		} else if n > 0 {
			log.Info("purged expired rows", "rows", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// seedDemo fills an empty registry with a synthetic population.
func seedDemo(ctx context.Context, st store.Store, n int, seed uint64, log *slog.Logger) error {
	have, err := st.CountCitizens(ctx)
	if err != nil {
		return err
	}
	if have > 0 || n <= 0 {
		return nil
	}
	start := time.Now()
	if err := generate(ctx, st, n, seed, nil); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	log.Info("demo population generated", "citizens", n, "seconds", time.Since(start).Seconds())
	return nil
}

// generate writes n synthetic citizens in batches, with the documents the
// document registry holds for them (health insurance, driving licences,
// vehicles, tax codes).
func generate(ctx context.Context, st store.Store, n int, seed uint64, progress func(int)) error {
	g := registry.Generator{Seed: seed} // today in Vietnam
	docs := sources.Generator{Seed: seed}
	var docErr error
	err := g.Fill(ctx, st, n, registry.DefaultBatchSize, func(done int, written []registry.Citizen) {
		var batch []sources.Document
		for _, c := range written {
			batch = append(batch, docs.ForCitizen(c)...)
		}
		if err := st.UpsertDocuments(ctx, batch); err != nil && docErr == nil {
			docErr = fmt.Errorf("documents: %w", err)
		}
		if progress != nil {
			progress(done)
		}
	})
	return cmp.Or(err, docErr)
}

func randomKey() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// buildSSO wires the OpenID Connect provider and makes sure its signing
// keys exist before the first request.
func buildSSO(ctx context.Context, cfg config.Config, st store.Store, svcs *services, acc *account.Service,
	log *slog.Logger, wake func()) (*sso.Service, error) {
	subKey, err := st.Secret(ctx, "sso-subject-key", randomKey())
	if err != nil {
		return nil, err
	}
	s, err := sso.New(sso.Config{}, sso.Options{Issuer: cfg.Issuer(), Store: st, Accounts: acc, Population: st,
		Box: svcs.box, SubjectKey: subKey, OutboxWritten: wake, Logger: log})
	if err != nil {
		return nil, err
	}
	if n, err := s.RotateKeys(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	} else if n > 0 {
		log.Info("signing keys created", "keys", n)
	}
	log.Info("OpenID Connect provider ready", "issuer", cfg.Issuer())
	return s, nil
}

// buildWallet wires the document wallet to its document source: the
// built-in registry, or a remote one when wallet.source_url is set.
func buildWallet(ctx context.Context, cfg config.Config, st store.Store, acc *account.Service, ssoSvc *sso.Service,
	log *slog.Logger, wake func()) (*wallet.Service, error) {
	wcfg, err := cfg.WalletConfig()
	if err != nil {
		return nil, err
	}
	var src sources.Source = st
	if cfg.Wallet.SourceURL != "" {
		h, err := sources.NewHTTP(cfg.Wallet.SourceURL, &http.Client{Timeout: 10 * time.Second}, cfg.Wallet.SourceToken)
		if err != nil {
			return nil, fmt.Errorf("wallet.source_url: %w", err)
		}
		src = h
		log.Info("documents checked at a remote registry", "url", cfg.Wallet.SourceURL)
	}
	return wallet.New(ctx, wcfg, wallet.Options{Store: st, Source: src, Passwords: acc, Issuer: ssoSvc, Logger: log,
		OutboxWritten: wake})
}

// walletWorker checks pending integration requests (desk requests and
// retries) and applies the document source's changes to wallets, every
// interval.
func walletWorker(ctx context.Context, w *wallet.Service, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := w.ProcessDue(ctx); err != nil && ctx.Err() == nil {
			log.Warn("integration requests failed", "err", err)
		} else if n > 0 {
			log.Info("integration requests decided", "requests", n)
		}
		if n, err := w.Sync(ctx); err != nil && ctx.Err() == nil {
			log.Warn("wallet sync failed", "err", err)
		} else if n > 0 {
			log.Info("wallet documents updated from their source", "documents", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// populationWorker applies the population database's change feed to
// accounts (locks on a revoked card or a death, lifted when they end),
// every interval.
func populationWorker(ctx context.Context, l *locking.Service, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := l.SyncPopulation(ctx); err != nil && ctx.Err() == nil {
			log.Warn("population sync failed", "err", err)
		} else if n > 0 {
			log.Info("accounts updated from the population database", "accounts", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
