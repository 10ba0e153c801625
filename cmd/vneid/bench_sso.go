package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/bench"
)

// benchSSO measures "log in with VNeID" over HTTP against a running
// server that shares this database: complete logins (-mode flow) or the
// token endpoint's refresh grants (-mode token). See docs/benchmarks.md.
func benchSSO(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var server, mode, clientID, alg string
	var accounts, conc, grants, serverPID int
	var dur time.Duration
	cfg, _, err := loadConfig("bench sso", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&server, "server", "http://127.0.0.1:8080", "server URL (loopback only); the provider is SERVER/oidc")
		fs.StringVar(&mode, "mode", "flow", "flow: complete logins (authorize → password → SMS code → consent → code → token → userinfo); token: refresh_token grants at the token endpoint")
		fs.IntVar(&accounts, "accounts", 200, "level-2 accounts to create and log in with")
		fs.IntVar(&conc, "concurrency", 8, "concurrent clients (each with accounts of its own)")
		fs.DurationVar(&dur, "duration", 20*time.Second, "how long to measure")
		fs.IntVar(&grants, "grants", 0, "token mode: refresh tokens to obtain first, one login each (default -accounts)")
		fs.StringVar(&clientID, "client", "vneid-bench", "client ID of the relying party to register (or update, with a new secret)")
		fs.StringVar(&alg, "alg", "RS256", "ID token signing algorithm of the relying party: RS256, ES256 or EdDSA")
		fs.IntVar(&serverPID, "server-pid", 0, "process ID of the server: report its CPU time per operation (Linux, from /proc)")
	})
	if err != nil {
		return err
	}
	if mode != "flow" && mode != "token" {
		return fmt.Errorf("-mode %q: want flow or token", mode)
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

	// The relying party, registered as `vneid admin rp create` does.
	s, closeSSO, err := openSSO(ctx, cfg, st)
	if err != nil {
		return err
	}
	defer closeSSO()
	client, err := bench.RegisterSSOClient(ctx, s, cliActor(), clientID, alg)
	if err != nil {
		return err
	}

	ids, err := bench.SampleIDs(ctx, st, accounts*10, nil)
	if err != nil {
		return err
	}
	if len(ids) < accounts {
		return fmt.Errorf("the registry holds %d citizens, fewer than -accounts %d: start the server in demo mode once (it generates -demo-citizens) or run vneid registry generate", len(ids), accounts)
	}
	creds, err := bench.CreateSSOAccounts(ctx, st, ids, accounts, bench.DefaultPassword, acfg.Argon2)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "accounts ready: %d at e-ID level 2 (argon2id m=%d KiB, t=%d, p=%d); relying party %s (client_secret_basic, %s ID tokens, opaque access tokens)\n",
		len(creds), acfg.Argon2.MemoryKiB, acfg.Argon2.Time, acfg.Argon2.Threads, client.ID, alg)

	o := bench.SSOOptions{Server: server, Client: client, Accounts: creds, Store: st, Duration: dur, Concurrency: conc, Grants: grants,
		Progress: func(phase string) { fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), phase) }}
	if serverPID > 0 {
		if _, err := procCPU(strconv.Itoa(serverPID)); err != nil {
			return fmt.Errorf("-server-pid: %w", err)
		}
		o.CPU = func() (time.Duration, time.Duration) {
			srv, _ := procCPU(strconv.Itoa(serverPID))
			self, _ := procCPU("self")
			return srv, self
		}
	}
	var res bench.SSOResult
	if mode == "flow" {
		res, err = bench.SSOFlow(ctx, o)
	} else {
		res, err = bench.SSORefresh(ctx, o)
	}
	if res.Prepare != nil {
		res.Prepare.Write(stdout)
		fmt.Fprintln(stdout)
	}
	if res.Mode != "" {
		res.Write(stdout)
	}
	if err != nil {
		return err
	}

	// The bounds of this machine, measured after the load.
	cores := runtime.GOMAXPROCS(0)
	sign, err := bench.SigningRate(alg, 3*time.Second, cores)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	if mode == "flow" {
		bound := bench.Argon2Bound(acfg.Argon2, 3*time.Second)
		fmt.Fprintf(stdout, "argon2id bound on this machine (%d cores): %.1f hashes/s; logins (one password check each) reached %.0f%% of it\n",
			cores, bound, 100*res.PerSecond/bound)
		fmt.Fprintf(stdout, "%s signing bound (%d cores): %.0f ID tokens/s; logins (one ID token each) used %.1f%% of it\n",
			alg, cores, sign, 100*res.PerSecond/sign)
		return nil
	}
	fmt.Fprintf(stdout, "%s signing bound on this machine (%d cores): %.0f ID tokens/s; refresh grants (one ID token each) reached %.0f%% of it\n",
		alg, cores, sign, 100*res.PerSecond/sign)
	return nil
}

// procCPU returns the user and system CPU time a process has used, from
// /proc/PID/stat (Linux; the kernel's clock ticks are 100 a second on
// every Linux architecture Go supports).
func procCPU(pid string) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after the last ')'. utime and stime are fields 14 and 15.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if i < 0 || len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	return time.Duration(utime+stime) * (time.Second / 100), nil
}
