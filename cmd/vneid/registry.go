package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"time"

	"github.com/vneid/vneid/internal/cccd"
	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

func cmdRegistry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: vneid registry generate|import|export|show|sample|changes|import-docs|export-docs|docs|doc-changes [flags]\n"+
			"  generate, import, export, show, sample, changes: the population database (cơ sở dữ liệu quốc gia về dân cư)\n"+
			"  import-docs, export-docs, docs, doc-changes: the document registry (cơ sở dữ liệu giấy tờ: BHYT, GPLX, đăng ký xe, MST)")
		return flag.ErrHelp
	}
	switch args[0] {
	case "generate":
		return registryGenerate(ctx, args[1:], stdout, stderr)
	case "import":
		return registryImport(ctx, args[1:], stdout, stderr)
	case "export":
		return registryExport(ctx, args[1:], stdout, stderr)
	case "show":
		return registryShow(ctx, args[1:], stdout, stderr)
	case "sample":
		return registrySample(ctx, args[1:], stdout, stderr)
	case "import-docs":
		return registryImportDocs(ctx, args[1:], stdout, stderr)
	case "export-docs":
		return registryExportDocs(ctx, args[1:], stdout, stderr)
	case "docs":
		return registryDocs(ctx, args[1:], stdout, stderr)
	case "changes":
		return registryChanges(ctx, args[1:], stdout, stderr)
	case "doc-changes":
		return registryDocChanges(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown registry command %q", args[0])
}

// progressBar draws "label [#####.....] 45% 4500/10000 1234/s" on w.
type progressBar struct {
	w     io.Writer
	label string
	total int64
	start time.Time
	last  time.Time
}

func (p *progressBar) update(done, total int64, final bool) {
	now := time.Now()
	if !final && now.Sub(p.last) < 200*time.Millisecond {
		return
	}
	p.last = now
	rate := float64(done) / now.Sub(p.start).Seconds()
	if total > 0 {
		const width = 30
		filled := int(float64(width) * float64(done) / float64(total))
		if filled > width {
			filled = width
		}
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = '.'
			if i < filled {
				bar[i] = '#'
			}
		}
		fmt.Fprintf(p.w, "\r%s [%s] %3.0f%% %d/%d %.0f/s", p.label, bar, 100*float64(done)/float64(total), done, total, rate)
	} else {
		fmt.Fprintf(p.w, "\r%s %d %.0f/s", p.label, done, rate)
	}
	if final {
		fmt.Fprintln(p.w)
	}
}

func registryGenerate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var n int
	var seed uint64
	var docs bool
	cfg, _, err := loadConfig("registry generate", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "citizens", 1000, "number of citizens to generate")
		fs.Uint64Var(&seed, "seed", uint64(time.Now().UnixNano()), "random seed (same seed, same population)")
		fs.BoolVar(&docs, "documents", true, "also write each citizen's documents to the document registry")
	})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	bar := &progressBar{w: stderr, label: "generate", start: time.Now()}
	if err := generatePopulation(ctx, st, n, seed, docs, func(done int) { bar.update(int64(done), int64(n), false) }); err != nil {
		return err
	}
	bar.update(int64(n), int64(n), true)
	fmt.Fprintf(stdout, "generated %d citizens in %.1fs (seed %d)\n", n, time.Since(bar.start).Seconds(), seed)
	if !docs {
		return nil
	}
	return printDocumentCounts(ctx, st, stdout)
}

func registryImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format, errorsPath string
	var batch int
	cfg, fs, err := loadConfig("registry import", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "csv or jsonl (default: from the file name)")
		fs.StringVar(&errorsPath, "errors", "", "write the per-line error report to this file (default: stderr)")
		fs.IntVar(&batch, "batch", 1000, "records per transaction")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: vneid registry import [flags] FILE (.csv, .jsonl, .ndjson, optionally .gz)")
	}
	path := fs.Arg(0)
	f, err := chooseFormat(format, path)
	if err != nil {
		return err
	}
	in, err := os.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	var size int64
	if fi, err := in.Stat(); err == nil {
		size = fi.Size()
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	bar := &progressBar{w: stderr, label: "import", start: time.Now()}
	im := registry.Importer{Sink: st, BatchSize: batch, MaxErrors: -1,
		Progress: func(p registry.Progress) { bar.update(p.BytesRead, size, false) }}
	rep, err := im.Import(ctx, in, f)
	bar.update(size, size, true)
	errOut := stderr
	if errorsPath != "" {
		ef, ferr := os.Create(errorsPath)
		if ferr != nil {
			return ferr
		}
		defer ef.Close()
		errOut = ef
	}
	for _, e := range rep.Errors {
		fmt.Fprintln(errOut, e.Error())
	}
	fmt.Fprintf(stdout, "read %d records: %d imported, %d rejected (%.0f records/s)\n", rep.Lines, rep.Imported, rep.Failed,
		float64(rep.Lines)/time.Since(bar.start).Seconds())
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d records rejected; see the report above", rep.Failed)
	}
	return nil
}

func registryExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format string
	cfg, fs, err := loadConfig("registry export", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "csv or jsonl (default: from the file name)")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: vneid registry export [flags] FILE")
	}
	f, err := chooseFormat(format, fs.Arg(0))
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	out, err := os.Create(fs.Arg(0))
	if err != nil {
		return err
	}
	defer out.Close()
	w, err := registry.NewWriter(out, f)
	if err != nil {
		return err
	}
	n := 0
	after := ""
	for {
		page, err := st.ListCitizens(ctx, after, 1000)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			if err := w.Write(c); err != nil {
				return err
			}
		}
		n += len(page)
		after = page[len(page)-1].ID
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := auditCLI(ctx, st, "registry.export", "", map[string]any{"citizens": n}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "exported %d citizens\n", n)
	return out.Close()
}

// auditCLI records a personal-data read made from the command line.
func auditCLI(ctx context.Context, st store.Store, action, subject string, detail map[string]any) error {
	who := "unknown"
	if u, err := user.Current(); err == nil {
		who = u.Username
	}
	b, _ := json.Marshal(detail)
	return st.AppendAudit(ctx, store.AuditEvent{At: time.Now(), Actor: "cli:" + who, Action: action, Subject: subject,
		Purpose: "operator_cli", Detail: string(b)})
}

func registryShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, fs, err := loadConfig("registry show", args, stderr, nil)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: vneid registry show ID_NUMBER")
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.Citizen(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if err := auditCLI(ctx, st, "registry.citizen.read", c.ID, nil); err != nil {
		return err
	}
	out := map[string]any{"citizen": c}
	if card, ok := c.LatestCard(); ok {
		out["card_qr"] = cccd.FromCard(c, card).String()
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// registrySample lists citizens who can register an app account now, with
// the QR code of their card, so a tester has someone to be.
func registrySample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var n int
	cfg, _, err := loadConfig("registry sample", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "n", 5, "how many citizens to list")
	})
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	today := identity.DateOf(time.Now())
	after, found := "", 0
	for found < n {
		page, err := st.ListCitizens(ctx, after, 500)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			card, ok := c.CurrentCard(today)
			if !ok || !card.Chip || c.LifeStatus != registry.Alive || c.DateOfBirth.AgeOn(today) < 14 || found >= n {
				continue
			}
			if _, err := st.AccountByIDNumber(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
				continue
			}
			found++
			if err := auditCLI(ctx, st, "registry.citizen.read", c.ID, map[string]any{"purpose": "demo_sample"}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s  %s  %s  %s\n  QR: %s\n", c.ID, c.FullName, c.DateOfBirth.DMY(), c.Gender.VI(),
				cccd.FromCard(c, card).String())
		}
		after = page[len(page)-1].ID
	}
	if found == 0 {
		return errors.New("no citizen without an account can register; run `vneid registry generate`")
	}
	return nil
}

// chooseFormat takes the -format flag if given, else the file's extension.
func chooseFormat(flagValue, path string) (registry.Format, error) {
	if flagValue != "" {
		return registry.ParseFormat(flagValue)
	}
	return registry.FormatFromPath(path)
}
