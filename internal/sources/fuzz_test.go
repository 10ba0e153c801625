package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/registry"
)

// fuzzImport checks that Import never panics, that its stats add up, and
// that what it accepts is valid and survives an export and a second import
// unchanged.
func fuzzImport(t *testing.T, format registry.Format, data []byte) {
	ctx := context.Background()
	sink := &collectSink{}
	stats, err := Import(ctx, bytes.NewReader(data), format, sink, ImportOptions{SkipInvalid: true, BatchSize: 3})
	if stats.Written != int64(len(sink.docs)) {
		t.Fatalf("stats %+v, %d stored", stats, len(sink.docs))
	}
	if err == nil && stats.Read != stats.Written+stats.Skipped {
		t.Fatalf("stats %+v do not add up", stats)
	}
	if len(sink.docs) == 0 {
		return
	}
	for _, d := range sink.docs {
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted an invalid document: %v\n%+v", err, d)
		}
		if _, err := json.Marshal(d.Claims()); err != nil {
			t.Fatalf("claims: %v", err)
		}
	}
	for _, f := range []registry.Format{registry.FormatCSV, registry.FormatJSONL} {
		var buf bytes.Buffer
		if _, err := Export(ctx, &buf, f, Seq(sink.docs)); err != nil {
			t.Fatalf("export %s: %v", f, err)
		}
		again := &collectSink{}
		if _, err := Import(ctx, &buf, f, again, ImportOptions{}); err != nil {
			t.Fatalf("re-import %s: %v\n%s", f, err, buf.String())
		}
		if !reflect.DeepEqual(again.docs, sink.docs) {
			t.Fatalf("%s round trip differs:\n%+v\n%+v", f, again.docs, sink.docs)
		}
	}
}

func FuzzImportCSV(f *testing.F) {
	var buf bytes.Buffer
	if _, err := Export(context.Background(), &buf, registry.FormatCSV, Seq(samples())); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("kind,number,holder_id\ntax_code,8012345677,001085012345\n"))
	f.Add([]byte("number,kind,holder_id,holder_name,date_of_birth,issued_on,issuer,tax_office,registered_on\n" +
		"8012345677,tax_code,001085012345,Nguyễn Văn An,12/03/1985,2010-04-05,Tổng cục Thuế,Cục Thuế,2010-04-05\n"))
	f.Add([]byte("kind,number,holder_id,classes\ndriving_licence,010123456789,001085012345,\"A1:2005-06-01:;B:2025-01-01:2035-01-01\"\n"))
	f.Add([]byte("\"unterminated\n"))
	f.Add([]byte{0x1f, 0x8b, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, registry.FormatCSV, data) })
}

func FuzzImportJSONL(f *testing.F) {
	var buf bytes.Buffer
	if _, err := Export(context.Background(), &buf, registry.FormatJSONL, Seq(samples())); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	for _, line := range strings.Split(buf.String(), "\n") {
		f.Add([]byte(line))
	}
	f.Add([]byte(`{"kind":"tax_code","number":"8012345677","unknown":1}`))
	f.Add([]byte(`{"kind":"tax_code","date_of_birth":"12/03/1985"}` + "\n\n" + `null`))
	f.Add([]byte("\xef\xbb\xbf{}\r\n[1,2]"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, registry.FormatJSONL, data) })
}

// FuzzHTTPDecode feeds arbitrary bodies to the adapter's response decoding:
// it must not panic, and what it accepts must be valid and decode the same
// once encoded again.
func FuzzHTTPDecode(f *testing.F) {
	for _, d := range samples() {
		one, _ := json.Marshal(d)
		f.Add(one)
		f.Add([]byte(`{"documents":[` + string(one) + `]}`))
		f.Add([]byte(`{"changes":[{"seq":1,"document":` + string(one) + `},{"seq":9,"document":` + string(one) + `}]}`))
	}
	f.Add([]byte(`{"documents":null}`))
	f.Add([]byte(`{"changes":[]} x`))
	f.Fuzz(func(t *testing.T, body []byte) {
		// Take the expected kind, number and holder from the body itself so
		// that matching bodies get past those checks.
		var probe struct {
			Document
			Documents []Document `json:"documents"`
		}
		_ = json.Unmarshal(body, &probe)
		kind, number, holder := probe.Kind, NormalizeNumber(probe.Kind, probe.Number), probe.HolderID
		if len(probe.Documents) > 0 {
			kind, holder = probe.Documents[0].Kind, probe.Documents[0].HolderID
		}

		if d, err := decodeDocumentResponse(body, kind, number); err == nil {
			if d.Validate() != nil || d.Kind != kind || d.Number != number {
				t.Fatalf("accepted %+v", d)
			}
			again, _ := json.Marshal(d)
			d2, err := decodeDocumentResponse(again, kind, number)
			if err != nil || !reflect.DeepEqual(d, d2) {
				t.Fatalf("re-decode: %v\n%+v\n%+v", err, d, d2)
			}
		}
		if docs, err := decodeDocumentsResponse(body, kind, holder); err == nil {
			for _, d := range docs {
				if d.Validate() != nil || d.Kind != kind || d.HolderID != holder {
					t.Fatalf("accepted %+v", d)
				}
			}
			again, _ := json.Marshal(map[string]any{"documents": docs})
			docs2, err := decodeDocumentsResponse(again, kind, holder)
			if err != nil || !reflect.DeepEqual(docs, docs2) {
				t.Fatalf("re-decode: %v", err)
			}
		}
		for _, after := range []int64{0, 5} {
			changes, err := decodeChangesResponse(body, after, 10)
			if err != nil {
				continue
			}
			last := after
			for _, c := range changes {
				if c.Seq <= last || c.Document.Validate() != nil {
					t.Fatalf("accepted %+v", changes)
				}
				last = c.Seq
			}
			again, _ := json.Marshal(map[string]any{"changes": changes})
			changes2, err := decodeChangesResponse(again, after, 10)
			if err != nil || !reflect.DeepEqual(changes, changes2) {
				t.Fatalf("re-decode: %v", err)
			}
		}
	})
}

// FuzzValidate checks that normalising and validating any document never
// panics, that a valid document stays valid and equal through JSON and CSV,
// that Normalize is idempotent, and that its claims marshal.
func FuzzValidate(f *testing.F) {
	for _, d := range samples() {
		b, _ := json.Marshal(d)
		f.Add(b)
	}
	f.Add([]byte(`{"kind":"vehicle_registration","number":"29-b1 12345"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Document
		if json.Unmarshal(data, &d) != nil {
			return
		}
		d.Normalize()
		once := d.clone()
		d.Normalize()
		if !reflect.DeepEqual(once, d) {
			t.Fatalf("Normalize is not idempotent:\n%+v\n%+v", once, d)
		}
		_ = d.ValidOn(testToday)
		_ = ValidateNumber(d.Kind, d.Number)
		if d.Validate() != nil {
			return
		}
		if _, err := json.Marshal(d.Claims()); err != nil {
			t.Fatalf("claims: %v", err)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var d2 Document
		if err := json.Unmarshal(b, &d2); err != nil || d2.Validate() != nil || !reflect.DeepEqual(d, d2) {
			t.Fatalf("JSON round trip: %v\n%+v\n%+v", err, d, d2)
		}
		var buf bytes.Buffer
		if _, err := Export(context.Background(), &buf, registry.FormatCSV, Seq([]Document{d})); err != nil {
			t.Fatal(err)
		}
		sink := &collectSink{}
		if _, err := Import(context.Background(), &buf, registry.FormatCSV, sink, ImportOptions{}); err != nil || !reflect.DeepEqual(sink.docs, []Document{d}) {
			t.Fatalf("CSV round trip: %v", err)
		}
	})
}

// FuzzParsePlate checks that a parsed plate writes a canonical form that
// parses to the same plate, and that NormalizeNumber is idempotent.
func FuzzParsePlate(f *testing.F) {
	for _, s := range []string{"30A-123.45", "29-B1 123.45", "51LD 12345", "29-aa-1234", "80B-1234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := NormalizeNumber(VehicleRegistration, s)
		if NormalizeNumber(VehicleRegistration, n) != n {
			t.Fatalf("NormalizeNumber(%q) = %q is not canonical", s, n)
		}
		p, err := ParsePlate(s)
		if err != nil {
			return
		}
		p2, err := ParsePlate(p.String())
		if err != nil || p2 != p || p.String() != n {
			t.Fatalf("%q: %+v %q %v, normalised %q", s, p, p.String(), err, n)
		}
	})
}
