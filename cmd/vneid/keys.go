package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/keyring"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
)

const keysUsage = `usage: vneid keys status                        the master key in use, the seal keys and what they seal
       vneid keys rotate [-batch N]             make a new seal key current and re-seal every sealed value with it
       vneid keys rotate -master-key-new FILE   re-wrap every secret under a new master key
       vneid keys reseal [-batch N]             re-seal values not sealed with the current key (resumes a rotation)
       vneid keys retire N [-min-age D]         delete seal key N once no value uses it
Master key flags (every keys command, and serve): -master-key-file FILE, -master-key-old FILE (repeatable);
environment: VNEID_MASTER_KEY (base64 or hex), VNEID_MASTER_KEY_FILE, VNEID_MASTER_KEY_OLD (comma-separated values).
Without them the data directory's master.key is used (see docs/operations.md "Keys and the master key").`

// masterKeyFile is the master key's file in the data directory, made on
// the first start of a server without a master key on SQLite.
const masterKeyFile = "master.key"

// sealKeyRefresh is how often a server reloads the seal keys, and
// retireMinAge how long a superseded seal key must wait before it is
// retired, so that every instance has stopped sealing with it.
const (
	sealKeyRefresh = time.Minute
	retireMinAge   = 10 * time.Minute
)

// masterFlags say where the master keys come from.
type masterFlags struct {
	file     string   // the current key's file
	old      []string // previous keys' files, for values not re-wrapped yet
	insecure bool     // run PostgreSQL without a master key
}

// register adds the master-key flags to fs; serve adds the insecure one.
func (m *masterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.file, "master-key-file", m.file, "master key file (32 bytes, mode 0600; also VNEID_MASTER_KEY_FILE, or VNEID_MASTER_KEY=base64|hex); default DATA_DIR/master.key")
	fs.Func("master-key-old", "a previous master key file, still read (repeatable)", func(s string) error {
		m.old = append(m.old, s)
		return nil
	})
}

func (m *masterFlags) registerServe(fs *flag.FlagSet) {
	m.register(fs)
	fs.BoolVar(&m.insecure, "insecure-no-master-key", m.insecure, "PostgreSQL only: run without a master key, secrets stored unwrapped (not for production)")
}

// ring returns the configured master keys, nil when none is given and the
// data directory has no master.key. With create (serve), a SQLite
// deployment without one gets a new DATA_DIR/master.key, and a PostgreSQL
// one is refused unless insecure is set. st is read to refuse making a key
// when secrets are already wrapped under another.
func (m *masterFlags) ring(ctx context.Context, cfg config.Config, st *sqlstore.DB, create bool, log *slog.Logger) (*keyring.Ring, error) {
	var current keyring.Master
	var err error
	switch {
	case m.file != "":
		current, err = keyring.LoadFile(m.file)
	case os.Getenv("VNEID_MASTER_KEY") != "":
		current, err = keyring.LoadEnv("VNEID_MASTER_KEY", os.Getenv("VNEID_MASTER_KEY"))
	case os.Getenv("VNEID_MASTER_KEY_FILE") != "":
		current, err = keyring.LoadFile(os.Getenv("VNEID_MASTER_KEY_FILE"))
	default:
		path := filepath.Join(cfg.DataDir, masterKeyFile)
		if _, statErr := os.Stat(path); statErr == nil {
			current, err = keyring.LoadFile(path)
			break
		}
		if !create {
			return nil, nil
		}
		if cfg.IsPostgres() && !m.insecure {
			return nil, errors.New("no master key: PostgreSQL deployments must give one (-master-key-file FILE, VNEID_MASTER_KEY_FILE or VNEID_MASTER_KEY; see docs/operations.md \"Keys and the master key\"), or -insecure-no-master-key to keep secrets unwrapped")
		}
		if cfg.IsPostgres() {
			log.Warn("no master key: secrets are stored unwrapped (-insecure-no-master-key); not for production")
			return nil, nil
		}
		stat, err := st.SecretsStatus(ctx)
		if err != nil {
			return nil, err
		}
		for id := range stat.ByMaster {
			return nil, fmt.Errorf("no master key, and the database's secrets are wrapped under master key %s: give that key (-master-key-file)", id)
		}
		made, err := keyring.CreateFile(path)
		if err != nil {
			return nil, err
		}
		log.Warn("master key file created; production deployments should provide a master key kept outside the data directory (-master-key-file or VNEID_MASTER_KEY)",
			"file", path, "master_key_id", made.ID())
		current = made
	}
	if err != nil {
		return nil, err
	}
	var previous []keyring.Master
	for _, f := range m.old {
		k, err := keyring.LoadFile(f)
		if err != nil {
			return nil, err
		}
		previous = append(previous, k)
	}
	if env := os.Getenv("VNEID_MASTER_KEY_OLD"); env != "" {
		for _, v := range strings.Split(env, ",") {
			k, err := keyring.LoadEnv("VNEID_MASTER_KEY_OLD", v)
			if err != nil {
				return nil, err
			}
			previous = append(previous, k)
		}
	}
	return keyring.NewRing(current, previous...)
}

// openKeyedStore opens and migrates the database with the master keys m
// gives. With wrap (serve and the keys commands), plaintext secrets are
// wrapped under the current master and every wrapped one is checked to
// unwrap: a value under a master key not given stops the command with
// the key's ID.
func openKeyedStore(ctx context.Context, cfg config.Config, m masterFlags, wrap bool, log *slog.Logger) (*sqlstore.DB, error) {
	st, err := sqlstore.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ring, err := m.ring(ctx, cfg, st, wrap, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	keyed := st.WithKeyring(ring)
	if ring != nil && wrap {
		n, err := keyed.WrapSecrets(ctx, false)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("secrets: %w", err)
		}
		if n > 0 {
			log.Info("secrets wrapped under the master key", "secrets", n, "master_key_id", ring.CurrentID())
		}
	}
	return keyed, nil
}

// storeSealKeys is the seal box's key source: the store's seal-key-N
// secrets.
type storeSealKeys struct {
	st interface {
		SealKeys(ctx context.Context, fresh []byte) (int, []sqlstore.SealKey, error)
	}
}

// SealKeys implements seal.KeySource.
func (s storeSealKeys) SealKeys(ctx context.Context) (byte, []seal.Key, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return 0, nil, err
	}
	current, stored, err := s.st.SealKeys(ctx, fresh)
	if err != nil {
		return 0, nil, err
	}
	keys := make([]seal.Key, len(stored))
	for i, k := range stored {
		keys[i] = seal.Key{ID: byte(k.ID), Bytes: k.Key}
	}
	return byte(current), keys, nil
}

// cmdKeys runs the key-management commands.
func cmdKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, keysUsage)
		return flag.ErrHelp
	}
	var (
		m         masterFlags
		batch     int
		newMaster string
		minAge    time.Duration
	)
	sub := args[0]
	rest := args[1:]
	var retire int
	if sub == "retire" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			fmt.Fprintln(stderr, keysUsage)
			return errors.New("keys retire: which key? (vneid keys status lists them)")
		}
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 1 || n > 255 {
			return fmt.Errorf("keys retire: %q is not a seal key ID (1-255)", rest[0])
		}
		retire, rest = n, rest[1:]
	}
	switch sub {
	case "status", "rotate", "reseal", "retire":
	default:
		fmt.Fprintln(stderr, keysUsage)
		return fmt.Errorf("keys: unknown command %q", sub)
	}
	cfg, _, err := loadConfig("keys "+sub, rest, stderr, func(fs *flag.FlagSet) {
		m.register(fs)
		switch sub {
		case "rotate", "reseal":
			fs.IntVar(&batch, "batch", 500, "values re-sealed per transaction")
			if sub == "rotate" {
				fs.StringVar(&newMaster, "master-key-new", "", "re-wrap every secret under this master key file instead of rotating the seal key")
			}
		case "retire":
			fs.DurationVar(&minAge, "min-age", retireMinAge, "how long after the next key was made a key may be retired")
		}
	})
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := openKeyedStore(ctx, cfg, m, true, log)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "status":
		return keysStatus(ctx, st, stdout)
	case "rotate":
		if newMaster != "" {
			return keysRotateMaster(ctx, st, newMaster, stdout)
		}
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return err
		}
		if _, _, err := st.SealKeys(ctx, fresh); err != nil { // key 1 first, on a new database
			return err
		}
		if _, err := rand.Read(fresh); err != nil {
			return err
		}
		id, err := st.AddSealKey(ctx, fresh)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seal key %d made current; running servers take it up within %s\n", id, sealKeyRefresh)
		return keysReseal(ctx, st, batch, stdout)
	case "reseal":
		return keysReseal(ctx, st, batch, stdout)
	case "retire":
		if err := st.RetireSealKey(ctx, retire, minAge); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seal key %d retired\n", retire)
	}
	return nil
}

func keysStatus(ctx context.Context, st *sqlstore.DB, stdout io.Writer) error {
	ring := st.Keyring()
	if ring == nil {
		fmt.Fprintln(stdout, "master key: none (secrets stored unwrapped)")
	} else {
		fmt.Fprintf(stdout, "master key: %s (loaded: %s)\n", ring.CurrentID(), strings.Join(ring.IDs(), ", "))
	}
	ss, err := st.SecretsStatus(ctx)
	if err != nil {
		return err
	}
	var by []string
	for id, n := range ss.ByMaster {
		by = append(by, fmt.Sprintf("%d under %s", n, id))
	}
	slices.Sort(by)
	all := "all wrapped"
	if ss.Plain > 0 {
		all = fmt.Sprintf("%d NOT wrapped", ss.Plain)
	}
	fmt.Fprintf(stdout, "secrets: %d, %s", ss.Total, all)
	if len(by) > 0 {
		fmt.Fprintf(stdout, " (%s)", strings.Join(by, ", "))
	}
	fmt.Fprintln(stdout)
	current, keys, err := st.SealKeys(ctx, nil)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(stdout, "seal keys: none yet (the first server start makes key 1)")
		return nil
	}
	if err != nil {
		return err
	}
	counts, err := st.CountSealed(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEAL KEY\tCREATED\tVALUES\tBY COLUMN")
	for _, k := range keys {
		var total int64
		var cols []string
		for _, c := range counts {
			if n := c.ByKey[k.ID]; n > 0 {
				total += n
				cols = append(cols, fmt.Sprintf("%s %d", c.Column, n))
			}
		}
		name := strconv.Itoa(k.ID)
		if k.ID == current {
			name += " (current)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", name, k.CreatedAt.Format(time.RFC3339), total, strings.Join(cols, ", "))
	}
	held := map[int]bool{}
	for _, k := range keys {
		held[k.ID] = true
	}
	for _, c := range counts {
		for id, n := range c.ByKey {
			if !held[id] {
				fmt.Fprintf(tw, "%d (missing)\t\t%d\t%s %d\n", id, n, c.Column, n)
			}
		}
	}
	return tw.Flush()
}

// keysReseal re-seals every sealed value not under the current seal key,
// a batch per transaction.
func keysReseal(ctx context.Context, st *sqlstore.DB, batch int, stdout io.Writer) error {
	if batch < 1 {
		return errors.New("keys: -batch must be at least 1")
	}
	box, err := seal.Load(ctx, storeSealKeys{st})
	if err != nil {
		return err
	}
	current := int(box.Current())
	reseal := func(sealed, ad []byte) ([]byte, error) {
		pt, err := box.Open(sealed, ad)
		if err != nil {
			return nil, err
		}
		return box.Seal(pt, ad)
	}
	var failedAll int
	for _, col := range sqlstore.SealedColumns() {
		var after []string
		var done, failed int
		for {
			next, d, f, err := st.ResealBatch(ctx, col, current, after, batch, reseal)
			if err != nil {
				return fmt.Errorf("%w (%d re-sealed so far; run `vneid keys reseal` to go on)", err, done)
			}
			done, failed = done+d, failed+f
			if next == nil {
				break
			}
			after = next
		}
		failedAll += failed
		if done > 0 || failed > 0 {
			fmt.Fprintf(stdout, "%s: %d re-sealed with key %d, %d could not be opened\n", col.Name, done, current, failed)
		}
	}
	if failedAll > 0 {
		return fmt.Errorf("%d values could not be opened and keep their old key", failedAll)
	}
	fmt.Fprintf(stdout, "every sealed value is under seal key %d\n", current)
	return nil
}

// keysRotateMaster re-wraps every secret under the master key in file.
func keysRotateMaster(ctx context.Context, st *sqlstore.DB, file string, stdout io.Writer) error {
	next, err := keyring.LoadFile(file)
	if err != nil {
		return err
	}
	old := st.Keyring()
	ring, err := keyring.NewRing(next, old.Masters()...)
	if err != nil {
		return err
	}
	n, err := st.WithKeyring(ring).WrapSecrets(ctx, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d secrets re-wrapped under master key %s\n", n, next.ID())
	if old != nil {
		fmt.Fprintf(stdout, "give every instance -master-key-file %s; master key %s is no longer needed once they run with it\n", file, old.CurrentID())
	}
	return nil
}
