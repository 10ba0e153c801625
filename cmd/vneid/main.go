// Command vneid is the national e-ID server and its tools: serve, migrate,
// registry, outbox, app (the reference app client), verify (a verifier's
// check of a presentation), trust, admin, audit (the tamper-evident log),
// testkit, bench and version.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/store/sqlstore"
)

// version is the release this source tree is.
const version = "0.1.0-dev"

const usage = `vneid — hệ thống định danh và xác thực điện tử / electronic identification and authentication

Usage:
  vneid serve     [flags]              run the server (SQLite in ./vneid-data with demo data by default)
  vneid migrate   [flags]              apply database migrations
  vneid registry  generate|import|export|show|sample [flags]   the population database
  vneid registry  import-docs|export-docs|docs|changes [flags]  the document registry (health insurance, licences, vehicles, tax)
  vneid verify    [flags] [PRESENTATION|@FILE|-]  check a citizen's presentation (QR code), offline or online
  vneid outbox    list [flags]         notifications sent (demo mode only)
  vneid app       register|login|level1|activate|inbox|approve|usage [flags]  the reference app client
  vneid testkit   chip|pki|fingers [flags]  synthetic chip cards, PKIs and fingerprints for tests and demos
  vneid trust     list|add|add-crl|import-masterlist|remove  the CSCA trust list
  vneid admin     officer …, units …, unit …, eid reopen, outbox dead|replay, rp create|list|show|secret|disable|enable
  vneid audit     verify|seal|show|key [flags]  the tamper-evident audit log (hash chain, signed checkpoints)
  vneid keys      status|rotate|reseal|retire  the master key and the seal keys (docs/operations.md)
  vneid bench     lookup|login|level1|argon2|fingerprint|sso [flags]  load tools (see docs/benchmarks.md)
  vneid version

Common flags: -config FILE, -db URL|PATH, -data-dir DIR, -listen ADDR, -public-url URL, -log-level LEVEL, -demo BOOL.
Run "vneid COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "vneid:", err)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, stderr)
	case "migrate":
		return cmdMigrate(ctx, rest, stdout, stderr)
	case "registry":
		return cmdRegistry(ctx, rest, stdout, stderr)
	case "outbox":
		return cmdOutbox(ctx, rest, stdout, stderr)
	case "app":
		return cmdApp(ctx, rest, stdin, stdout, stderr)
	case "verify":
		return cmdVerify(ctx, rest, stdin, stdout, stderr)
	case "bench":
		return cmdBench(ctx, rest, stdout, stderr)
	case "testkit":
		return cmdTestkit(ctx, rest, stdout, stderr)
	case "trust":
		return cmdTrust(ctx, rest, stdout, stderr)
	case "admin":
		return cmdAdmin(ctx, rest, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, rest, stdout, stderr)
	case "keys":
		return cmdKeys(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionString())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func versionString() string {
	v := "vneid " + version
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " (" + bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += ", " + s.Value[:12]
			}
		}
		v += ")"
	}
	return v
}

// loadConfig parses a command's flags over the file and environment.
func loadConfig(name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (config.Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet("vneid "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := os.Getenv("VNEID_CONFIG")
	for i, a := range args {
		if (a == "-config" || a == "--config") && i+1 < len(args) {
			path = args[i+1]
		} else if v, ok := cutFlag(a, "config"); ok {
			path = v
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return cfg, fs, err
	}
	fs.String("config", path, "YAML configuration file (also VNEID_CONFIG)")
	cfg.Flags(fs)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, fs, err
	}
	return cfg, fs, nil
}

func cutFlag(arg, name string) (string, bool) {
	for _, p := range []string{"-" + name + "=", "--" + name + "="} {
		if len(arg) > len(p) && arg[:len(p)] == p {
			return arg[len(p):], true
		}
	}
	return "", false
}

// openStore opens and migrates the configured database, with the master
// key from the environment or DATA_DIR/master.key when there is one
// (keys.go).
func openStore(ctx context.Context, cfg config.Config) (*sqlstore.DB, error) {
	return openKeyedStore(ctx, cfg, masterFlags{}, false, nil)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, _, err := loadConfig("migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(stdout, "migrated %s database\n", st.Backend())
	return nil
}
