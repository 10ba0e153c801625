package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store"
)

// The document registry commands: the built-in source of health insurance
// cards, driving licences, vehicle registrations and tax codes the wallet
// checks documents against (store.DocumentQueries).

// generatePopulation writes n synthetic citizens and, when docs is set,
// the documents the document registry holds for each of them.
func generatePopulation(ctx context.Context, st store.Store, n int, seed uint64, docs bool, progress func(int)) error {
	if docs {
		return generate(ctx, st, n, seed, progress)
	}
	return registry.Generator{Seed: seed}.Fill(ctx, st, n, registry.DefaultBatchSize, func(done int, _ []registry.Citizen) {
		if progress != nil {
			progress(done)
		}
	})
}

// printDocumentCounts prints how many documents of each kind the registry
// holds.
func printDocumentCounts(ctx context.Context, st store.Store, w io.Writer) error {
	counts, err := st.CountDocuments(ctx)
	if err != nil {
		return err
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	fmt.Fprintf(w, "Cơ sở dữ liệu giấy tờ / document registry: %d\n", total)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range sources.Kinds() {
		vi, en := k.Label()
		fmt.Fprintf(tw, "  %s\t%s / %s\t%d\n", k, vi, en, counts[k])
	}
	return tw.Flush()
}

// docFormat takes the -format flag if given, else the file's extension;
// standard output ("-") defaults to JSON Lines.
func docFormat(flagValue, path string) (registry.Format, error) {
	if flagValue == "" && path == "-" {
		return registry.FormatJSONL, nil
	}
	return chooseFormat(flagValue, path)
}

// kindFlag checks a -kind flag: empty (every kind) or one of the kinds.
func kindFlag(v string) (sources.Kind, error) {
	k := sources.Kind(v)
	if v != "" && !k.Valid() {
		return "", fmt.Errorf("-kind %q: want health_insurance, driving_licence, vehicle_registration or tax_code", v)
	}
	return k, nil
}

func registryImportDocs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format string
	var skip bool
	cfg, fs, err := loadConfig("registry import-docs", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "csv or jsonl (default: from the file name)")
		fs.BoolVar(&skip, "skip-invalid", false, "skip and report invalid records instead of stopping at the first")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: vneid registry import-docs [-format csv|jsonl] [-skip-invalid] FILE (.csv, .jsonl, .ndjson, optionally .gz)")
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
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	stats, err := sources.Import(ctx, in, f, st, sources.ImportOptions{SkipInvalid: skip})
	for _, e := range stats.Errors {
		fmt.Fprintln(stderr, e.Error())
	}
	if n := stats.Skipped - int64(len(stats.Errors)); n > 0 {
		fmt.Fprintf(stderr, "… and %d more invalid records\n", n)
	}
	fmt.Fprintf(stdout, "read %d records: %d written, %d skipped (%.1fs)\n", stats.Read, stats.Written, stats.Skipped,
		time.Since(start).Seconds())
	if err != nil {
		return err
	}
	return printDocumentCounts(ctx, st, stdout)
}

// registryDocuments streams every document of the registry (of kind, when
// set) in change-feed order.
func registryDocuments(ctx context.Context, src sources.Source, kind sources.Kind) iter.Seq2[sources.Document, error] {
	return func(yield func(sources.Document, error) bool) {
		var after int64
		for {
			page, err := src.Changes(ctx, after, 1000)
			if err != nil {
				yield(sources.Document{}, err)
				return
			}
			if len(page) == 0 {
				return
			}
			for _, c := range page {
				if kind != "" && c.Document.Kind != kind {
					continue
				}
				if !yield(c.Document, nil) {
					return
				}
			}
			after = page[len(page)-1].Seq
		}
	}
}

func registryExportDocs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var format, kindName string
	cfg, fs, err := loadConfig("registry export-docs", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "", "csv or jsonl (default: from the file name; jsonl on standard output)")
		fs.StringVar(&kindName, "kind", "", "only this kind: health_insurance, driving_licence, vehicle_registration or tax_code")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: vneid registry export-docs [-format csv|jsonl] [-kind K] FILE|- (a .gz name is compressed)")
	}
	path := fs.Arg(0)
	f, err := docFormat(format, path)
	if err != nil {
		return err
	}
	kind, err := kindFlag(kindName)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var out io.Writer = stdout
	report := stdout
	var file *os.File
	if path != "-" {
		if file, err = os.Create(path); err != nil {
			return err
		}
		defer file.Close()
		out = file
	} else {
		report = stderr // standard output carries the documents
	}
	var zw *gzip.Writer
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		zw = gzip.NewWriter(out)
		out = zw
	}
	n, err := sources.Export(ctx, out, f, registryDocuments(ctx, st, kind))
	if err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return err
		}
	}
	if err := auditCLI(ctx, st, "registry.documents.export", "", map[string]any{"documents": n, "kind": kind}); err != nil {
		return err
	}
	fmt.Fprintf(report, "exported %d documents\n", n)
	return nil
}

// registryDocs lists the documents the registry holds for one citizen.
func registryDocs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var id, kindName string
	cfg, _, err := loadConfig("registry docs", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&id, "id", "", "the holder's personal ID number (số định danh cá nhân)")
		fs.StringVar(&kindName, "kind", "", "only this kind: health_insurance, driving_licence, vehicle_registration or tax_code")
	})
	if err != nil {
		return err
	}
	if err := identity.ValidatePersonalID(id); err != nil {
		return fmt.Errorf("usage: vneid registry docs -id ID_NUMBER [-kind K]: %w", err)
	}
	kind, err := kindFlag(kindName)
	if err != nil {
		return err
	}
	kinds := sources.Kinds()
	if kind != "" {
		kinds = []sources.Kind{kind}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	var docs []sources.Document
	for _, k := range kinds {
		d, err := st.Documents(ctx, k, id)
		if err != nil {
			return err
		}
		docs = append(docs, d...)
	}
	if err := auditCLI(ctx, st, "registry.documents.read", id, map[string]any{"kind": kind, "documents": len(docs)}); err != nil {
		return err
	}
	name := ""
	if c, err := st.Citizen(ctx, id); err == nil {
		name = " — " + c.FullName
	} else if !errors.Is(err, registry.ErrNotFound) && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	fmt.Fprintf(stdout, "Giấy tờ của / Documents of %s%s\n", id, name)
	if len(docs) == 0 {
		fmt.Fprintln(stdout, "Không có giấy tờ nào / No documents")
		return nil
	}
	today := identity.DateOf(time.Now().In(vietnamTime()))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "LOẠI / KIND\tSỐ / NUMBER\tTÌNH TRẠNG / STATUS\tNGÀY CẤP / ISSUED\tGIÁ TRỊ ĐẾN / VALID UNTIL\tDÙNG ĐƯỢC / USABLE")
	for _, d := range docs {
		until := "không thời hạn / none"
		if !d.ValidUntil.IsZero() {
			until = d.ValidUntil.DMY()
		}
		vi, _ := d.Status.Label()
		usable := "không / no"
		if d.ValidOn(today) {
			usable = "có / yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s (%s)\t%s\t%s\t%s\n", d.Kind, d.Number, d.Status, vi, d.IssuedOn.DMY(), until, usable)
	}
	return tw.Flush()
}

// registryDocChanges prints the change feed of the built-in registry or of a
// remote one.
func registryDocChanges(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var after int64
	var limit int
	var sourceURL string
	cfg, fs, err := loadConfig("registry doc-changes", args, stderr, func(fs *flag.FlagSet) {
		fs.Int64Var(&after, "after", 0, "start after this cursor (seq)")
		fs.IntVar(&limit, "limit", 100, "print at most this many changes")
		fs.StringVar(&sourceURL, "source", "", "a remote document registry's URL (token in VNEID_SOURCE_TOKEN); default: the built-in one")
	})
	if err != nil {
		return err
	}
	if fs.NArg() != 0 || after < 0 || limit < 1 {
		return errors.New("usage: vneid registry doc-changes [-after N] [-limit N] [-source URL]")
	}
	var src sources.Source
	var st store.Store
	if sourceURL != "" {
		h, err := sources.NewHTTP(sourceURL, &http.Client{Timeout: 15 * time.Second}, os.Getenv("VNEID_SOURCE_TOKEN"))
		if err != nil {
			return err
		}
		src = h
	} else {
		db, err := openStore(ctx, cfg)
		if err != nil {
			return err
		}
		defer db.Close()
		src, st = db, db
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tKIND\tNUMBER\tHOLDER\tSTATUS\tUPDATED")
	printed, cursor := 0, after
	for printed < limit {
		page, err := src.Changes(ctx, cursor, min(limit-printed, sources.MaxChangesLimit))
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			d := c.Document
			updated := "-"
			if !d.UpdatedAt.IsZero() {
				updated = d.UpdatedAt.In(vietnamTime()).Format(vnTimeLayout)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.Seq, d.Kind, d.Number, d.HolderID, d.Status, updated)
			cursor = c.Seq
		}
		printed += len(page)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if st != nil {
		if err := auditCLI(ctx, st, "registry.documents.changes", "", map[string]any{"after": after, "changes": printed}); err != nil {
			return err
		}
	}
	if printed == 0 {
		fmt.Fprintf(stdout, "no changes after %d\n", after)
	} else {
		fmt.Fprintf(stdout, "%d changes; continue with -after %d\n", printed, cursor)
	}
	return nil
}
