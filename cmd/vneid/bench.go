package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/vneid/vneid/internal/bench"
	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/testkit"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: vneid bench lookup|login|level1|argon2|fingerprint|sso [flags]   (see docs/benchmarks.md)")
		return flag.ErrHelp
	}
	switch args[0] {
	case "lookup":
		return benchLookup(ctx, args[1:], stdout, stderr)
	case "login":
		return benchLogin(ctx, args[1:], stdout, stderr)
	case "argon2":
		return benchArgon2(ctx, args[1:], stdout, stderr)
	case "level1":
		return benchLevel1(ctx, args[1:], stdout, stderr)
	case "fingerprint":
		return benchFingerprint(ctx, args[1:], stdout)
	case "sso":
		return benchSSO(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown bench command %q", args[0])
}

// benchLookup fills the registry to N citizens (measuring the write rate)
// and then measures lookups by personal ID number.
func benchLookup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var n, lookups, conc int
	var seed uint64
	cfg, _, err := loadConfig("bench lookup", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "citizens", 1_000_000, "registry size to fill to")
		fs.IntVar(&lookups, "lookups", 100_000, "lookups to time")
		fs.IntVar(&conc, "concurrency", runtime.GOMAXPROCS(0), "concurrent lookups")
		fs.Uint64Var(&seed, "seed", 1, "population seed")
	})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	bar := &progressBar{w: stderr, label: "populate", start: time.Now()}
	ids, rate, err := bench.Populate(ctx, st, n, seed, bench.DefaultBatch, func(done int) { bar.update(int64(done), int64(n), false) })
	if err != nil {
		return err
	}
	bar.update(int64(n), int64(n), true)
	if rate > 0 {
		fmt.Fprintf(stdout, "%s populate: %d citizens at %.0f citizens/s (generate + upsert, batches of %d)\n", st.Backend(), n, rate, bench.DefaultBatch)
	}
	res, err := bench.Lookup(ctx, st, ids, lookups, conc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s lookup at %d citizens, concurrency %d: %s\n", st.Backend(), len(ids), conc, res)
	return nil
}

// benchLogin measures complete app logins over HTTP against a running
// server that shares this database.
func benchLogin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var server string
	var accounts, conc int
	var dur time.Duration
	cfg, _, err := loadConfig("bench login", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&server, "server", "http://127.0.0.1:8080", "server URL (loopback only)")
		fs.IntVar(&accounts, "accounts", 200, "accounts to create and log in with")
		fs.IntVar(&conc, "concurrency", 8, "concurrent clients")
		fs.DurationVar(&dur, "duration", 20*time.Second, "how long to run")
	})
	if err != nil {
		return err
	}
	acfg, err := cfg.AccountConfig()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ids, err := bench.SampleIDs(ctx, st, accounts*3, nil)
	if err != nil {
		return err
	}
	creds, err := bench.CreateAccounts(ctx, st, ids, accounts, bench.DefaultPassword, acfg.Argon2)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "accounts ready: %d (argon2id m=%d KiB, t=%d, p=%d)\n", len(creds), acfg.Argon2.MemoryKiB, acfg.Argon2.Time, acfg.Argon2.Threads)
	res, err := bench.Login(ctx, server, creds, dur, conc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "login over HTTP, concurrency %d: %s\n", conc, res)
	bound := bench.Argon2Bound(acfg.Argon2, 3*time.Second)
	fmt.Fprintf(stdout, "argon2id bound on this machine (all cores): %.1f hashes/s; logins reached %.0f%% of it\n", bound, 100*res.PerSecond/bound)
	return nil
}

func benchArgon2(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var secs time.Duration
	cfg, _, err := loadConfig("bench argon2", args, stderr, func(fs *flag.FlagSet) {
		fs.DurationVar(&secs, "duration", 3*time.Second, "how long to hash for each measurement")
	})
	if err != nil {
		return err
	}
	acfg, err := cfg.AccountConfig()
	if err != nil {
		return err
	}
	one := bench.Argon2Rate(acfg.Argon2, secs, 1)
	all := bench.Argon2Bound(acfg.Argon2, secs)
	fmt.Fprintf(stdout, "argon2id m=%d KiB t=%d p=%d: %.1f hashes/s on one core, %.1f on %d cores\n",
		acfg.Argon2.MemoryKiB, acfg.Argon2.Time, acfg.Argon2.Threads, one, all, runtime.GOMAXPROCS(0))
	return nil
}

// benchLevel1 makes accounts and software chips for citizens of the
// registry and sends their level-1 dossiers to a running server.
func benchLevel1(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var server, pkiDir, selfiePath string
	var n, conc int
	cfg, _, err := loadConfig("bench level1", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&server, "server", "http://127.0.0.1:8080", "server URL (loopback only)")
		fs.IntVar(&n, "dossiers", 100, "dossiers to send (one per citizen)")
		fs.IntVar(&conc, "concurrency", 4, "concurrent clients")
		fs.StringVar(&pkiDir, "pki", "", "PKI the server trusts (default DATA_DIR/demo-pki)")
		fs.StringVar(&selfiePath, "selfie", "", "JPEG or PNG sent as every selfie (default: a synthetic drawing per citizen)")
	})
	if err != nil {
		return err
	}
	if pkiDir == "" {
		pkiDir = filepath.Join(cfg.DataDir, "demo-pki")
	}
	pki, err := testkit.LoadPKI(pkiDir)
	if err != nil {
		return err
	}
	acfg, err := cfg.AccountConfig()
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ids, err := bench.SampleIDs(ctx, st, n*3, nil)
	if err != nil {
		return err
	}
	creds, err := bench.CreateAccounts(ctx, st, ids, n, bench.DefaultPassword, acfg.Argon2)
	if err != nil {
		return err
	}
	var selfie []byte
	if selfiePath != "" {
		if selfie, err = os.ReadFile(selfiePath); err != nil {
			return err
		}
	}
	if err := auditCLI(ctx, st, "registry.bulk_read", "", map[string]any{"purpose": "bench_level1", "citizens": len(creds)}); err != nil {
		return err
	}
	today := identity.DateOf(time.Now().In(ict()))
	var dossiers []bench.Dossier
	for _, c := range creds {
		cit, err := st.Citizen(ctx, c.IDNumber)
		if err != nil {
			return err
		}
		card, ok := cit.CurrentCard(today)
		if !ok || !card.Chip {
			continue
		}
		chip, err := pki.IssueChip(cit, card, testkit.ChipOptions{})
		if err != nil {
			return err
		}
		s := selfie
		if s == nil {
			if s, err = testkit.SyntheticPortrait("selfie:" + c.IDNumber); err != nil {
				return err
			}
		}
		dossiers = append(dossiers, bench.Dossier{Cred: c, Chip: chip, QR: cccd.FromCard(cit, card).String(), Selfie: s})
	}
	fmt.Fprintf(stdout, "dossiers ready: %d (PKI %s)\n", len(dossiers), pki.Profile)
	res, err := bench.Level1(ctx, server, dossiers, conc)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "level-1 dossiers over HTTP, concurrency %d: %s; %d approved, %d to review\n",
		conc, res.Dossiers, res.Approved, res.Pending)
	return nil
}
