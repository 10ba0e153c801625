package main

import (
	"compress/gzip"
	"context"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/store/sqlstore"
)

// storeOf opens the SQLite store of a data directory for a look inside.
func storeOf(t *testing.T, dir string) *sqlstore.DB {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), filepath.Join(dir, "vneid.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func documentCounts(t *testing.T, dir string) map[sources.Kind]int64 {
	t.Helper()
	n, err := storeOf(t, dir).CountDocuments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRegistryDocsRoundTrip: generate writes citizens with their
// documents; export-docs and import-docs carry them to a fresh registry,
// in CSV and in gzip-compressed JSON Lines, with the same counts.
func TestRegistryDocsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	out, err := vneid(t, nil, "registry", "generate", "-citizens", "80", "-seed", "7", "-data-dir", dir)
	if err != nil || !strings.Contains(out, "generated 80 citizens") || !strings.Contains(out, "document registry:") ||
		!strings.Contains(out, "Giấy phép lái xe / Driving licence") {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	want := documentCounts(t, dir)
	var total int64
	for _, k := range sources.Kinds() {
		if want[k] == 0 {
			t.Errorf("no %s generated for 80 citizens: %v", k, want)
		}
		if !regexp.MustCompile(`(?m)^  ` + string(k) + ` +.* ` + strconv.FormatInt(want[k], 10) + `$`).MatchString(out) {
			t.Errorf("generate output lacks the count of %s (%d):\n%s", k, want[k], out)
		}
		total += want[k]
	}

	csv := filepath.Join(t.TempDir(), "docs.csv")
	gz := filepath.Join(t.TempDir(), "docs.jsonl.gz")
	for _, path := range []string{csv, gz} {
		out, err := vneid(t, nil, "registry", "export-docs", "-data-dir", dir, path)
		if err != nil || !strings.Contains(out, "exported "+strconv.FormatInt(total, 10)+" documents") {
			t.Fatalf("export-docs %s: %v\n%s", path, err, out)
		}
	}
	if f, err := os.Open(gz); err != nil {
		t.Fatal(err)
	} else if _, err := gzip.NewReader(f); err != nil {
		t.Errorf("%s is not gzip: %v", gz, err)
		f.Close()
	} else {
		f.Close()
	}
	for _, path := range []string{csv, gz} {
		fresh := t.TempDir()
		for i := range 2 { // idempotent
			out, err := vneid(t, nil, "registry", "import-docs", "-data-dir", fresh, path)
			if err != nil || !strings.Contains(out, "written, 0 skipped") {
				t.Fatalf("import-docs %s (%d): %v\n%s", path, i, err, out)
			}
		}
		if got := documentCounts(t, fresh); !maps.Equal(got, want) {
			t.Errorf("after import of %s: %v, want %v", filepath.Base(path), got, want)
		}
	}

	// One kind on standard output, JSON Lines by default.
	out, err = vneid(t, nil, "registry", "export-docs", "-data-dir", dir, "-kind", "driving_licence", "-")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || int64(len(lines)) != want[sources.DrivingLicence] || !strings.Contains(lines[0], `"kind":"driving_licence"`) {
		t.Errorf("export-docs -kind driving_licence -: %v, %d lines, want %d\n%.300s", err, len(lines), want[sources.DrivingLicence], out)
	}
	if _, err := vneid(t, nil, "registry", "export-docs", "-data-dir", dir, "-kind", "passport", "-"); err == nil {
		t.Error("an unknown kind was accepted")
	}

	// Without documents.
	bare := t.TempDir()
	out, err = vneid(t, nil, "registry", "generate", "-citizens", "20", "-seed", "7", "-documents=false", "-data-dir", bare)
	if err != nil || strings.Contains(out, "document registry") || len(documentCounts(t, bare)) != 0 {
		t.Errorf("generate -documents=false: %v %v\n%s", err, documentCounts(t, bare), out)
	}
}

// TestRegistryDocsImportInvalid: a bad record stops the import at its
// line, or is skipped and reported with -skip-invalid.
func TestRegistryDocsImportInvalid(t *testing.T) {
	dir := t.TempDir()
	if _, err := vneid(t, nil, "registry", "generate", "-citizens", "30", "-seed", "3", "-data-dir", dir); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(t.TempDir(), "docs.jsonl")
	if _, err := vneid(t, nil, "registry", "export-docs", "-data-dir", dir, good); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(good)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	lines[1] = strings.Replace(lines[1], `"holder_id":"`, `"holder_id":"x`, 1)
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := vneid(t, nil, "registry", "import-docs", "-data-dir", t.TempDir(), bad); err == nil ||
		!strings.Contains(err.Error(), "line 2") {
		t.Errorf("import of a bad record: %v", err)
	}
	fresh := t.TempDir()
	out, err := vneid(t, nil, "registry", "import-docs", "-skip-invalid", "-data-dir", fresh, bad)
	wantLine := "read " + strconv.Itoa(len(lines)) + " records: " + strconv.Itoa(len(lines)-1) + " written, 1 skipped"
	if err != nil || !strings.Contains(out, wantLine) {
		t.Errorf("import -skip-invalid: %v, want %q\n%s", err, wantLine, out)
	}
	if _, err := vneid(t, nil, "registry", "import-docs", "-data-dir", fresh); err == nil {
		t.Error("import-docs without a file accepted")
	}
}

// TestRegistryDocsList: `registry docs` lists a holder's documents, and
// `registry doc-changes` pages through the feed in order, from the built-in
// registry and from the same registry served over HTTP.
func TestRegistryDocsList(t *testing.T) {
	dir := t.TempDir()
	if _, err := vneid(t, nil, "registry", "generate", "-citizens", "40", "-seed", "11", "-data-dir", dir); err != nil {
		t.Fatal(err)
	}
	st := storeOf(t, dir)
	feed, err := st.Changes(context.Background(), 0, 1000)
	if err != nil || len(feed) < 10 {
		t.Fatalf("feed: %d, %v", len(feed), err)
	}
	holder := feed[0].Document.HolderID
	var numbers []string
	for _, c := range feed {
		if c.Document.HolderID == holder {
			numbers = append(numbers, c.Document.Number)
		}
	}
	out, err := vneid(t, nil, "registry", "docs", "-id", holder, "-data-dir", dir)
	if err != nil || !strings.Contains(out, "Documents of "+holder+" — ") || !strings.Contains(out, "SỐ / NUMBER") {
		t.Fatalf("docs: %v\n%s", err, out)
	}
	for _, n := range numbers {
		if !strings.Contains(out, n) {
			t.Errorf("docs lacks %s:\n%s", n, out)
		}
	}
	kind := feed[0].Document.Kind
	out, err = vneid(t, nil, "registry", "docs", "-id", holder, "-kind", string(kind), "-data-dir", dir)
	if err != nil || !strings.Contains(out, feed[0].Document.Number) {
		t.Errorf("docs -kind %s: %v\n%s", kind, err, out)
	}
	for _, other := range sources.Kinds() {
		if other != kind && strings.Contains(out, "\n"+string(other)+" ") {
			t.Errorf("docs -kind %s lists %s:\n%s", kind, other, out)
		}
	}
	if out, err := vneid(t, nil, "registry", "docs", "-id", "001099000001", "-data-dir", dir); err != nil ||
		!strings.Contains(out, "No documents") {
		t.Errorf("docs of someone without documents: %v\n%s", err, out)
	}
	if _, err := vneid(t, nil, "registry", "docs", "-id", "12345", "-data-dir", dir); err == nil {
		t.Error("docs with a bad ID number accepted")
	}

	// The feed in pages, in cursor order.
	seqRow := regexp.MustCompile(`(?m)^(\d+) +(health_insurance|driving_licence|vehicle_registration|tax_code) `)
	rows := func(out string) []string {
		var seqs []string
		for _, m := range seqRow.FindAllStringSubmatch(out, -1) {
			seqs = append(seqs, m[1])
		}
		return seqs
	}
	out, err = vneid(t, nil, "registry", "doc-changes", "-limit", "5", "-data-dir", dir)
	first := rows(out)
	if err != nil || len(first) != 5 || !strings.Contains(out, "continue with -after "+first[4]) {
		t.Fatalf("changes -limit 5: %v %v\n%s", err, first, out)
	}
	for i, s := range first {
		if s != strconv.FormatInt(feed[i].Seq, 10) || !strings.Contains(out, feed[i].Document.Number) {
			t.Errorf("row %d: seq %s, want %d (%s)", i, s, feed[i].Seq, feed[i].Document.Number)
		}
	}
	out, err = vneid(t, nil, "registry", "doc-changes", "-after", first[4], "-limit", "3", "-data-dir", dir)
	if next := rows(out); err != nil || len(next) != 3 || next[0] != strconv.FormatInt(feed[5].Seq, 10) {
		t.Errorf("changes -after %s: %v %v\n%s", first[4], err, next, out)
	}
	last := strconv.FormatInt(feed[len(feed)-1].Seq, 10)
	if out, err := vneid(t, nil, "registry", "doc-changes", "-after", last, "-data-dir", dir); err != nil || !strings.Contains(out, "no changes after "+last) {
		t.Errorf("changes at the end: %v\n%s", err, out)
	}

	// The same feed from a remote registry (the registry protocol's
	// handler in front of this store), with its bearer token.
	remote := httptest.NewServer(sources.Handler(st, "s3cret"))
	defer remote.Close()
	t.Setenv("VNEID_SOURCE_TOKEN", "s3cret")
	out, err = vneid(t, nil, "registry", "doc-changes", "-limit", "5", "-source", remote.URL, "-data-dir", t.TempDir())
	if got := rows(out); err != nil || strings.Join(got, ",") != strings.Join(first, ",") {
		t.Errorf("changes -source: %v %v, want %v\n%s", err, got, first, out)
	}
	t.Setenv("VNEID_SOURCE_TOKEN", "wrong")
	if _, err := vneid(t, nil, "registry", "doc-changes", "-source", remote.URL, "-data-dir", t.TempDir()); err == nil ||
		!strings.Contains(err.Error(), "401") {
		t.Errorf("changes -source with a wrong token: %v", err)
	}
}
