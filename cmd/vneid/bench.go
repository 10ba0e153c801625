package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/vneid/vneid/internal/bench"
)

func cmdBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: vneid bench lookup|login|argon2 [flags]   (see docs/benchmarks.md)")
		return flag.ErrHelp
	}
	switch args[0] {
	case "lookup":
		return benchLookup(ctx, args[1:], stdout, stderr)
	case "login":
		return benchLogin(ctx, args[1:], stdout, stderr)
	case "argon2":
		return benchArgon2(ctx, args[1:], stdout, stderr)
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
