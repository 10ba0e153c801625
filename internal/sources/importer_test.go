package sources

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/registry"
)

// collectSink records what it receives, batch by batch.
type collectSink struct {
	docs    []Document
	batches int
	fail    error
}

func (s *collectSink) UpsertDocuments(_ context.Context, docs []Document) error {
	if s.fail != nil {
		return s.fail
	}
	s.batches++
	for _, d := range docs {
		s.docs = append(s.docs, d.clone())
	}
	return nil
}

// generated returns the documents of n synthetic citizens.
func generated(t testing.TB, n int) []Document {
	t.Helper()
	g := Generator{Seed: 9, Today: testToday}
	var docs []Document
	for _, c := range population(t, 4, n) {
		docs = append(docs, g.ForCitizen(c)...)
	}
	return docs
}

func exportString(t testing.TB, format registry.Format, docs []Document) string {
	t.Helper()
	var buf bytes.Buffer
	n, err := Export(context.Background(), &buf, format, Seq(docs))
	if err != nil || n != int64(len(docs)) {
		t.Fatalf("export %s: %d %v", format, n, err)
	}
	return buf.String()
}

func TestRoundTrip(t *testing.T) {
	docs := generated(t, 400)
	docs = append(docs, samples()...)
	docs[0].UpdatedAt = time.Date(2025, 7, 1, 1, 2, 3, 456789000, time.UTC)
	for _, format := range []registry.Format{registry.FormatCSV, registry.FormatJSONL} {
		t.Run(string(format), func(t *testing.T) {
			text := exportString(t, format, docs)
			sink := &collectSink{}
			stats, err := Import(context.Background(), strings.NewReader(text), format, sink, ImportOptions{BatchSize: 100})
			if err != nil {
				t.Fatal(err)
			}
			if stats.Read != int64(len(docs)) || stats.Written != int64(len(docs)) || stats.Skipped != 0 {
				t.Errorf("stats %+v for %d documents", stats, len(docs))
			}
			if want := (len(docs) + 99) / 100; sink.batches != want {
				t.Errorf("%d batches, want %d", sink.batches, want)
			}
			if !reflect.DeepEqual(sink.docs, docs) {
				for i := range docs {
					if !reflect.DeepEqual(sink.docs[i], docs[i]) {
						t.Fatalf("document %d differs:\n%+v\n%+v", i, sink.docs[i], docs[i])
					}
				}
			}
			// Gzip and a byte-order mark are read too.
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			_, _ = zw.Write([]byte("\uFEFF" + text))
			_ = zw.Close()
			sink2 := &collectSink{}
			if _, err := Import(context.Background(), &gz, format, sink2, ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(sink2.docs, docs) || sink2.batches != 1 {
				t.Errorf("gzip import differs (%d batches)", sink2.batches)
			}
		})
	}
}

func TestImportCSVHeaderAnyOrder(t *testing.T) {
	in := "holder_name,number,kind,holder_id,date_of_birth,issued_on,issuer,tax_office,registered_on,status\n" +
		"Nguyễn Văn An,8012345677,tax_code,001085012345,12/03/1985,2010-04-05,Tổng cục Thuế,Thuế cơ sở 1 thành phố Hà Nội,2010-04-05,\n" +
		"\"  Nguyễn  Văn An \",80 1234 5677,TAX_CODE,001085012345,1985-03-12,2010-04-05,Tổng cục Thuế,Thuế cơ sở 1 thành phố Hà Nội,2010-04-05,valid\n"
	sink := &collectSink{}
	stats, err := Import(context.Background(), strings.NewReader(in), registry.FormatCSV, sink, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Written != 2 || len(sink.docs) != 2 {
		t.Fatalf("stats %+v", stats)
	}
	for _, d := range sink.docs {
		if !reflect.DeepEqual(d, sampleTax()) {
			t.Errorf("got %+v, want %+v", d, sampleTax())
		}
	}
}

func TestImportRefusals(t *testing.T) {
	header := strings.Join(CSVColumns(), ",") + "\n"
	good := exportString(t, registry.FormatCSV, []Document{sampleTax()})
	goodRow := strings.SplitN(good, "\n", 2)[1]
	goodJSON := exportString(t, registry.FormatJSONL, []Document{sampleTax()})
	goodBHYT := exportString(t, registry.FormatCSV, []Document{sampleHealthInsurance()})
	goodLicence := exportString(t, registry.FormatCSV, []Document{sampleLicence()})
	tests := []struct {
		name   string
		format registry.Format
		in     string
		line   int64
		field  string
	}{
		{"empty", registry.FormatCSV, "", 1, ""},
		{"unknown column", registry.FormatCSV, "kind,number,holder_id,shoe_size\n", 1, "shoe_size"},
		{"repeated column", registry.FormatCSV, "kind,number,holder_id,number\n", 1, "number"},
		{"missing column", registry.FormatCSV, "kind,number\n", 1, "holder_id"},
		{"bad kind", registry.FormatCSV, header + goodRow + strings.Replace(goodRow, "tax_code", "passport", 1), 3, "kind"},
		{"bad date", registry.FormatCSV, header + strings.Replace(goodRow, "1985-03-12", "1985-13-12", 1), 2, "date_of_birth"},
		{"bad check digit", registry.FormatCSV, header + goodRow + goodRow + strings.Replace(goodRow, "8012345677", "8012345670", 1), 4, "number"},
		{"column of another kind", registry.FormatCSV, "kind,number,holder_id,brand\ntax_code,8012345677,001085012345,Honda\n", 2, "brand"},
		{"field count", registry.FormatCSV, header + "tax_code,1\n", 2, ""},
		{"bad int", registry.FormatCSV, "kind,number,holder_id,seats\nvehicle_registration,29-B1 123.45,001085012345,two\n", 2, "seats"},
		{"bad classes", registry.FormatCSV, "kind,number,holder_id,classes\ndriving_licence,010123456789,001085012345,A1-2020\n", 2, "classes"},
		{"validation maps to column", registry.FormatCSV, strings.Replace(goodBHYT, ",DN,4,", ",HC,4,", 1), 2, "bhyt_group"},
		{"validation maps to classes", registry.FormatCSV, strings.Replace(goodLicence, "A1:2005-06-01:", "A1:2005-06-01:2030-01-01", 1), 2, "classes"},
		{"unknown JSON field", registry.FormatJSONL, goodJSON + "\n" + strings.Replace(goodJSON, `"kind"`, `"colour":"Đỏ","kind"`, 1), 3, "colour"},
		{"JSON type", registry.FormatJSONL, strings.Replace(goodJSON, `"holder_id":"001085012345"`, `"holder_id":1`, 1), 1, "holder_id"},
		{"JSON syntax", registry.FormatJSONL, goodJSON + "{\"kind\":\n", 2, ""},
		{"JSON trailing", registry.FormatJSONL, strings.TrimSpace(goodJSON) + " {}\n", 1, ""},
		{"JSON invalid document", registry.FormatJSONL, strings.Replace(goodJSON, `"tax_office":"Thuế cơ sở 1 thành phố Hà Nội"`, `"tax_office":""`, 1), 1, "tax.tax_office"},
		{"JSON per-kind mismatch", registry.FormatJSONL, strings.Replace(goodJSON, `"tax":`, `"vehicle":{"type":"car"},"tax":`, 1), 1, "vehicle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &collectSink{}
			stats, err := Import(context.Background(), strings.NewReader(tt.in), tt.format, sink, ImportOptions{})
			if err == nil {
				t.Fatalf("accepted; stats %+v", stats)
			}
			var le *LineError
			if !errors.As(err, &le) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v: want a *LineError wrapping ErrInvalid", err)
			}
			if le.Line != tt.line || le.Field != tt.field {
				t.Errorf("error %q: line %d field %q, want line %d field %q", err, le.Line, le.Field, tt.line, tt.field)
			}
			if !strings.Contains(err.Error(), "line ") {
				t.Errorf("error %q does not name the line", err)
			}
			// Documents before the bad record are stored.
			if stats.Written != int64(len(sink.docs)) || stats.Written != stats.Read-1 && stats.Read > 0 {
				t.Errorf("stats %+v, %d stored", stats, len(sink.docs))
			}
		})
	}
}

func TestImportSkipInvalid(t *testing.T) {
	good := exportString(t, registry.FormatJSONL, []Document{sampleTax(), sampleVehicle()})
	lines := strings.Split(strings.TrimSpace(good), "\n")
	in := lines[0] + "\n\n" + "not json\n" + lines[1] + "\n" + strings.Repeat("x", MaxLineBytes+10) + "\n" + `{"kind":"tax_code"}` + "\n"
	sink := &collectSink{}
	stats, err := Import(context.Background(), strings.NewReader(in), registry.FormatJSONL, sink, ImportOptions{SkipInvalid: true, BatchSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Read != 5 || stats.Written != 2 || stats.Skipped != 3 || len(stats.Errors) != 3 || sink.batches != 2 {
		t.Fatalf("stats %+v, %d batches", stats, sink.batches)
	}
	for i, want := range []int64{3, 5, 6} {
		if stats.Errors[i].Line != want {
			t.Errorf("error %d: %v, want line %d", i, stats.Errors[i], want)
		}
	}
}

func TestImportSinkError(t *testing.T) {
	text := exportString(t, registry.FormatCSV, samples())
	boom := errors.New("disk full")
	stats, err := Import(context.Background(), strings.NewReader(text), registry.FormatCSV, &collectSink{fail: boom}, ImportOptions{})
	if !errors.Is(err, boom) || stats.Written != 0 {
		t.Errorf("err %v, stats %+v", err, stats)
	}
}

func TestImportCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	text := exportString(t, registry.FormatCSV, samples())
	sink := &collectSink{}
	if _, err := Import(ctx, strings.NewReader(text), registry.FormatCSV, sink, ImportOptions{}); !errors.Is(err, context.Canceled) || len(sink.docs) != 0 {
		t.Errorf("err %v, %d stored", err, len(sink.docs))
	}
}

func TestImportArguments(t *testing.T) {
	if _, err := Import(context.Background(), strings.NewReader(""), "xml", &collectSink{}, ImportOptions{}); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := Import(context.Background(), strings.NewReader(""), registry.FormatCSV, nil, ImportOptions{}); err == nil {
		t.Error("nil sink accepted")
	}
	if _, err := Export(context.Background(), &bytes.Buffer{}, "xml", Seq(nil)); err == nil {
		t.Error("unknown export format accepted")
	}
}

func TestExportRefusesInvalid(t *testing.T) {
	bad := sampleTax()
	bad.Number = "1"
	var buf bytes.Buffer
	n, err := Export(context.Background(), &buf, registry.FormatJSONL, Seq([]Document{sampleTax(), bad}))
	if n != 1 || !errors.Is(err, ErrInvalid) {
		t.Errorf("n %d err %v", n, err)
	}
	iterErr := errors.New("cursor closed")
	seq := func(yield func(Document, error) bool) {
		if yield(sampleTax(), nil) {
			yield(Document{}, iterErr)
		}
	}
	if n, err := Export(context.Background(), &buf, registry.FormatCSV, seq); n != 1 || !errors.Is(err, iterErr) {
		t.Errorf("n %d err %v", n, err)
	}
}

func BenchmarkImportCSV(b *testing.B) {
	text := exportString(b, registry.FormatCSV, generated(b, 500))
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, err := Import(context.Background(), strings.NewReader(text), registry.FormatCSV, &collectSink{}, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
