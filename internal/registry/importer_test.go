package registry

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/vneid/vneid/internal/identity"
)

// recordingSink is an in-memory Sink that behaves like the store: citizens
// are replaced, cards are upserted by issue date and the others kept. A
// batch holding a poisoned ID fails whole.
type recordingSink struct {
	citizens map[string]Citizen
	poison   map[string]bool
	calls    int
	// check, when set, is called with every citizen received.
	check func(Citizen)
}

func newRecordingSink() *recordingSink {
	return &recordingSink{citizens: make(map[string]Citizen), poison: make(map[string]bool)}
}

func (s *recordingSink) UpsertCitizens(ctx context.Context, cs []Citizen) error {
	s.calls++
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, c := range cs {
		if s.poison[c.ID] {
			return fmt.Errorf("upsert citizen %s: constraint violated", c.ID)
		}
	}
	for _, c := range cs {
		if s.check != nil {
			s.check(c)
		}
		cards := slices.Clone(s.citizens[c.ID].Cards)
		for _, card := range c.Cards {
			i := slices.IndexFunc(cards, func(k IDCard) bool { return k.IssueDate == card.IssueDate })
			if i >= 0 {
				cards[i] = card
			} else {
				cards = append(cards, card)
			}
		}
		slices.SortFunc(cards, func(a, b IDCard) int { return cmp.Compare(dayNumber(a.IssueDate), dayNumber(b.IssueDate)) })
		c.Cards = cards
		s.citizens[c.ID] = c
	}
	return nil
}

// sorted returns the stored citizens in ID order.
func (s *recordingSink) sorted() []Citizen {
	out := make([]Citizen, 0, len(s.citizens))
	for _, c := range s.citizens {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Citizen) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func importString(t *testing.T, im Importer, data string, f Format) (Report, *recordingSink) {
	t.Helper()
	sink := newRecordingSink()
	im.Sink = sink
	if im.Today.IsZero() {
		im.Today = testToday
	}
	rep, err := im.Import(context.Background(), strings.NewReader(data), f)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return rep, sink
}

func TestImportCSV(t *testing.T) {
	// Columns in another order, a subset, dd/MM/yyyy dates, Vietnamese
	// gender, decomposed text, a citizen on two rows with two cards.
	data := "gender,id_number,date_of_birth,full_name,perm_province,card_number,card_chip,card_issue_date,card_expiry_date,card_status\n" +
		"Nam,001088012345,15/03/1988,Nguye\u0302\u0303n Văn An,Thành phố Hà Nội,001088012345,1,10/06/2021,15/03/2028,\n" +
		"Nữ,001188012346,1988-04-01,Trần Thị Bình,Tỉnh Nam Định,,,,,\n" +
		"nam,001088012345,15/03/1988,Nguyễn Văn An,Thành phố Hà Nội,012345678,false,2010-01-02,2025-01-02,replaced\r\n"
	rep, sink := importString(t, Importer{}, data, FormatCSV)
	want := Report{Lines: 3, Imported: 3}
	if !reflect.DeepEqual(rep, want) {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	an := sink.citizens["001088012345"]
	if an.FullName != "Nguyễn Văn An" || an.Gender != identity.Male || an.LifeStatus != Alive ||
		an.DateOfBirth != (identity.Date{Year: 1988, Month: 3, Day: 15}) || an.PermanentAddress.Province != "Thành phố Hà Nội" {
		t.Errorf("citizen %+v", an)
	}
	if len(an.Cards) != 2 || an.Cards[1].Number != "001088012345" || !an.Cards[1].Chip ||
		an.Cards[1].Status != CardValid || an.Cards[0].Number != "012345678" || an.Cards[0].Status != CardReplaced {
		t.Errorf("cards %+v", an.Cards)
	}
	if b := sink.citizens["001188012346"]; b.Gender != identity.Female || len(b.Cards) != 0 {
		t.Errorf("citizen without a card: %+v", b)
	}
}

func TestImportJSONL(t *testing.T) {
	data := `{"id_number":"001088012345","full_name":"Nguyễn Văn An","date_of_birth":"1988-03-15","gender":"male",` +
		`"permanent_address":{"province":"Thành phố Hà Nội"},"life_status":"alive",` +
		`"cards":[{"number":"001088012345","chip":true,"issue_date":"2021-06-10","expiry_date":"2028-03-15","status":"valid"}]}` + "\n" +
		"\n   \r\n" +
		`{"id_number":"001188012346","full_name":"Trần Thị Bình","date_of_birth":"01/04/1988","gender":"Nữ"}` // no final newline
	rep, sink := importString(t, Importer{}, data, FormatJSONL)
	if want := (Report{Lines: 2, Imported: 2}); !reflect.DeepEqual(rep, want) {
		t.Fatalf("report %+v, want %+v", rep, want)
	}
	if an := sink.citizens["001088012345"]; len(an.Cards) != 1 || !an.Cards[0].ValidOn(testToday) {
		t.Errorf("citizen %+v", an)
	}
	if b := sink.citizens["001188012346"]; b.Gender != identity.Female || b.LifeStatus != Alive {
		t.Errorf("citizen %+v", b)
	}
}

func TestImportCSVBadRows(t *testing.T) {
	data := "id_number,full_name,date_of_birth,gender,card_number,card_issue_date,card_chip\n" +
		"001088012345,Nguyễn Văn An,1988-03-15,Nam,001088012345,10/06/2021,true\n" + // 2 ok
		"001188012346,Trần Thị Bình,1988-13-15,Nữ,,,\n" + // 3
		"001088012347,,1988-03-15,Nam,,,\n" + // 4
		"001088012348,Lê Văn Cường,1988-03-15,Nam\n" + // 5
		"001088012349,Lê Văn Dũng,1988-03-15,Nam,001088012349,10/06/2021,maybe\n" + // 6
		"\"001088012350\",\"Phạm\n Văn Em\",1988-03-15,Nam,,,\n" + // 7-8 ok
		"001088012351,Hồ Văn Phúc,1988-03-15,Nam,1234,10/06/2021,true\n" + // 9
		"001088012352,Ngô Văn Giang,1988-03-15,Nam,001088012352,,true\n" + // 10
		"001088012353,Đỗ \"Văn\" Hải,1988-03-15,Nam,,,\n" + // 11
		"001088012354,Bùi Văn Ích,1988-03-15,Nam,,,\n" // 12 ok
	rep, sink := importString(t, Importer{BatchSize: 2}, data, FormatCSV)
	if rep.Lines != 10 || rep.Imported != 3 || rep.Failed != 7 {
		t.Errorf("report %+v, want 10 lines, 3 imported, 7 failed", rep)
	}
	want := []struct {
		line  int64
		field string
	}{
		{3, "date_of_birth"}, {4, "full_name"}, {5, ""}, {6, "card_chip"},
		{9, "card_number"}, {10, "card_issue_date"}, {11, ""},
	}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors %v", rep.Errors)
	}
	for i, w := range want {
		if e := rep.Errors[i]; e.Line != w.line || e.Field != w.field || e.Reason == "" {
			t.Errorf("error %d: %v, want line %d field %q", i, e, w.line, w.field)
		}
	}
	if c, ok := sink.citizens["001088012350"]; !ok || c.FullName != "Phạm Văn Em" {
		t.Errorf("multi-line row: %+v", c)
	}
	for _, id := range []string{"001088012345", "001088012350", "001088012354"} {
		if _, ok := sink.citizens[id]; !ok {
			t.Errorf("good row %s did not land", id)
		}
	}
}

func TestImportJSONLBadRows(t *testing.T) {
	good := func(id, extra string) string {
		return `{"id_number":"` + id + `","full_name":"Nguyễn Văn An","date_of_birth":"1988-03-15","gender":"male"` + extra + "}\n"
	}
	data := good("001088012345", "") + // 1
		"\n" + // 2 blank
		good("00108801234x", "") + // 3
		"not json\n" + // 4
		strings.Replace(good("001088012346", ""), "1988-03-15", "1990-02-30", 1) + // 5
		good("001088012347", `,"nickname":"An"`) + // 6 unknown field: reported, imported
		good("001088012348", `,"nickname":"Em"`) + // 7 not reported again
		`{"id_number":123}` + "\n" + // 8
		good("001088012349", "") + good("001088012350", "")[:20] + "\n" + // 9, 10
		`{"id_number":"001088012351"} {}` + "\n" + // 11
		good("001088012352", `,"cards":[{"number":"001088012352","issue_date":"2021-01-01","status":"gone"}]`) // 12
	rep, sink := importString(t, Importer{}, data, FormatJSONL)
	if rep.Lines != 11 || rep.Imported != 4 || rep.Failed != 7 {
		t.Errorf("report %+v, want 11 lines, 4 imported, 7 failed", rep)
	}
	want := []struct {
		line  int64
		field string
	}{
		{3, "id_number"}, {4, ""}, {5, ""}, {6, "nickname"}, {8, "id_number"}, {10, ""}, {11, ""},
		{12, "cards[0].status"},
	}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors %v", rep.Errors)
	}
	for i, w := range want {
		if e := rep.Errors[i]; e.Line != w.line || e.Field != w.field || e.Reason == "" {
			t.Errorf("error %d: %v, want line %d field %q", i, e, w.line, w.field)
		}
	}
	if len(sink.citizens) != 4 {
		t.Errorf("%d citizens landed, want 4", len(sink.citizens))
	}
}

func TestImportRetriesFailedBatchRowByRow(t *testing.T) {
	citizens := generate(t, 5, 25)
	var buf bytes.Buffer
	if err := WriteAll(NewJSONLWriter(&buf), slices.Values(citizens)); err != nil {
		t.Fatal(err)
	}
	sink := newRecordingSink()
	sink.poison[citizens[6].ID] = true
	rep, err := Importer{Sink: sink, BatchSize: 10, Today: testToday}.Import(context.Background(), &buf, FormatJSONL)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Lines != 25 || rep.Imported != 24 || rep.Failed != 1 || len(rep.Errors) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if e := rep.Errors[0]; e.Line != 7 || !strings.Contains(e.Reason, "constraint violated") {
		t.Errorf("error %v, want line 7 rejected by the store", e)
	}
	if len(sink.citizens) != 24 {
		t.Errorf("%d citizens landed, want 24", len(sink.citizens))
	}
	if sink.calls != 1+10+2 {
		t.Errorf("%d sink calls, want 13 (a failed batch, 10 single rows, 2 batches)", sink.calls)
	}
}

func TestImportBOM(t *testing.T) {
	csvData := "\uFEFFid_number,full_name,date_of_birth,gender\n001088012345,Nguyễn Văn An,1988-03-15,Nam\n"
	if rep, _ := importString(t, Importer{}, csvData, FormatCSV); rep.Imported != 1 || len(rep.Errors) != 0 {
		t.Errorf("CSV with BOM: %+v", rep)
	}
	jsonData := "\uFEFF" + `{"id_number":"001088012345","full_name":"Nguyễn Văn An","date_of_birth":"1988-03-15","gender":"male"}`
	if rep, _ := importString(t, Importer{}, jsonData, FormatJSONL); rep.Imported != 1 || len(rep.Errors) != 0 {
		t.Errorf("JSONL with BOM: %+v", rep)
	}
}

func TestImportGzip(t *testing.T) {
	citizens := generate(t, 9, 200)
	for _, f := range []Format{FormatCSV, FormatJSONL} {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		w, err := NewWriter(zw, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteAll(w, slices.Values(citizens)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		size := int64(buf.Len())
		var last Progress
		sink := newRecordingSink()
		im := Importer{Sink: sink, Today: testToday, BatchSize: 50, Progress: func(p Progress) { last = p }}
		rep, err := im.Import(context.Background(), &buf, f)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Failed != 0 || len(sink.citizens) != len(citizens) {
			t.Errorf("%s: report %+v, %d citizens", f, rep, len(sink.citizens))
		}
		if last.BytesRead != size || last.Imported != rep.Imported || last.Lines != rep.Lines {
			t.Errorf("%s: last progress %+v, want %d bytes read and the report's counts", f, last, size)
		}
	}
	// A truncated gzip stream is a read error.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = io.WriteString(zw, "id_number,full_name,date_of_birth,gender\n")
	_ = zw.Close()
	_, err := Importer{Sink: newRecordingSink()}.Import(context.Background(), bytes.NewReader(buf.Bytes()[:buf.Len()-4]), FormatCSV)
	if err == nil {
		t.Error("truncated gzip: no error")
	}
}

func TestImportHeader(t *testing.T) {
	for name, data := range map[string]string{
		"empty":             "",
		"only blank lines":  "\n\n",
		"repeated column":   "id_number,full_name,ID_NUMBER\n",
		"no id_number":      "full_name,gender\nNguyễn Văn An,Nam\n",
		"unreadable header": "id_number,\"full_name\n",
	} {
		_, err := Importer{Sink: newRecordingSink()}.Import(context.Background(), strings.NewReader(data), FormatCSV)
		if !errors.Is(err, ErrBadHeader) {
			t.Errorf("%s: got %v, want ErrBadHeader", name, err)
		}
	}
	data := "id_number,full_name,nick,date_of_birth,gender,extra\n" +
		"001088012345,Nguyễn Văn An,An,1988-03-15,Nam,x\n001088012346,Nguyễn Văn Bình,Bình,1988-03-15,Nam,y\n"
	rep, _ := importString(t, Importer{}, data, FormatCSV)
	if rep.Imported != 2 || rep.Failed != 0 || len(rep.Errors) != 2 ||
		rep.Errors[0] != (LineError{1, "nick", "unknown column, ignored"}) || rep.Errors[1].Field != "extra" {
		t.Errorf("unknown columns: %+v", rep)
	}
}

func TestImportMaxErrors(t *testing.T) {
	data := "id_number,full_name,date_of_birth,gender\n" + strings.Repeat("1,x,1988-03-15,Nam\n", 10)
	for _, tt := range []struct{ max, want int }{{3, 3}, {-1, 10}, {0, 10}} {
		rep, _ := importString(t, Importer{MaxErrors: tt.max}, data, FormatCSV)
		if rep.Failed != 10 || len(rep.Errors) != tt.want {
			t.Errorf("MaxErrors %d: %d failed, %d errors; want 10, %d", tt.max, rep.Failed, len(rep.Errors), tt.want)
		}
	}
}

func TestImportCancel(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAll(NewCSVWriter(&buf), slices.Values(generate(t, 3, 2000))); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()

	ctx, cancel := context.WithCancel(context.Background())
	sink := newRecordingSink()
	im := Importer{Sink: sink, Today: testToday, BatchSize: 100, Progress: func(p Progress) {
		if p.Imported >= 300 {
			cancel()
		}
	}}
	rep, err := im.Import(ctx, bytes.NewReader(data), FormatCSV)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if rep.Imported < 300 || rep.Imported >= 1000 || rep.Imported != int64(countRows(sink)) {
		t.Errorf("report %+v after cancel, sink holds %d rows", rep, countRows(sink))
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	rep, err = Importer{Sink: newRecordingSink()}.Import(ctx, bytes.NewReader(data), FormatJSONL)
	if !errors.Is(err, context.Canceled) || rep.Imported != 0 {
		t.Errorf("cancelled before start: %+v, %v", rep, err)
	}
}

// countRows counts the CSV rows a sink has received: one per card, or one
// for a citizen without a card.
func countRows(s *recordingSink) int {
	n := 0
	for _, c := range s.citizens {
		n += max(1, len(c.Cards))
	}
	return n
}

func TestImportReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	data := "id_number,full_name,date_of_birth,gender\n001088012345,Nguyễn Văn An,1988-03-15,Nam\n"
	sink := newRecordingSink()
	rep, err := Importer{Sink: sink, Today: testToday}.Import(context.Background(),
		io.MultiReader(strings.NewReader(data), iotest.ErrReader(boom)), FormatCSV)
	if !errors.Is(err, boom) {
		t.Errorf("got %v, want the read error", err)
	}
	if rep.Imported != 1 || len(sink.citizens) != 1 {
		t.Errorf("rows read before the error should land: %+v", rep)
	}
}

func TestFormatFromPath(t *testing.T) {
	for path, want := range map[string]Format{
		"citizens.csv": FormatCSV, "/data/A.CSV.gz": FormatCSV, "x.jsonl": FormatJSONL,
		"x.ndjson.gz": FormatJSONL, "dir.csv/x.jsonl": FormatJSONL,
		"x.json": "", "x.gz": "", "csv": "", "x.csv.zip": "",
	} {
		got, err := FormatFromPath(path)
		if got != want || (err != nil) != (want == "") {
			t.Errorf("FormatFromPath(%q) = %q, %v; want %q", path, got, err, want)
		}
	}
}

// TestRoundTrip checks that generated citizens written in either format and
// imported come back identical, and that importing twice changes nothing.
func TestRoundTrip(t *testing.T) {
	citizens := generate(t, 11, 3000)
	for _, f := range []Format{FormatCSV, FormatJSONL} {
		var buf bytes.Buffer
		w, err := NewWriter(&buf, f)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteAll(w, slices.Values(citizens)); err != nil {
			t.Fatal(err)
		}
		data := buf.String()
		rep, sink := importString(t, Importer{BatchSize: 128}, data, f)
		if rep.Failed != 0 || len(rep.Errors) != 0 {
			t.Fatalf("%s: %+v", f, rep)
		}
		want := slices.Clone(citizens)
		slices.SortFunc(want, func(a, b Citizen) int { return strings.Compare(a.ID, b.ID) })
		got := sink.sorted()
		if !reflect.DeepEqual(got, want) {
			for i := range min(len(got), len(want)) {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("%s: citizen %d differs:\ngot  %+v\nwant %+v", f, i, got[i], want[i])
				}
			}
			t.Fatalf("%s: %d citizens, want %d", f, len(got), len(want))
		}
		again, err := Importer{Sink: sink, Today: testToday}.Import(context.Background(), strings.NewReader(data), f)
		if err != nil || !reflect.DeepEqual(again, rep) || !reflect.DeepEqual(sink.sorted(), want) {
			t.Errorf("%s: importing again changed something: %+v, %v", f, again, err)
		}
	}
}

func TestCSVWriterEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteAll(NewCSVWriter(&buf), slices.Values([]Citizen(nil))); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), strings.Join(CSVHeader(), ",")+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// fuzzSink checks that everything the importer lets through is already in
// Normalize's canonical form.
func fuzzSink(t *testing.T) *recordingSink {
	s := newRecordingSink()
	s.check = func(c Citizen) {
		n := c
		n.Cards = slices.Clone(c.Cards)
		if err := Normalize(&n, testToday); err != nil || !reflect.DeepEqual(n, c) {
			t.Fatalf("sink received a citizen that is not canonical (%v): %+v", err, c)
		}
	}
	return s
}

func FuzzImportCSV(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteAll(NewCSVWriter(&buf), slices.Values(generate(f, 1, 3))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("\uFEFFid_number,full_name,date_of_birth,gender,card_number,card_issue_date\n" +
		"001088012345,Nguyễn Văn An,15/03/1988,Nam,001088012345,2021-06-10\n1,\"x\n"))
	f.Add([]byte("id_number,x\n1,2,3\n\"a\"b,c\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := fuzzSink(t)
		rep, err := Importer{Sink: sink, Today: testToday, BatchSize: 3}.Import(context.Background(), bytes.NewReader(data), FormatCSV)
		gz := len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
		if err != nil {
			if !errors.Is(err, ErrBadHeader) && !gz {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if rep.Imported+rep.Failed != rep.Lines {
			t.Fatalf("imported %d + failed %d != lines %d", rep.Imported, rep.Failed, rep.Lines)
		}
		if gz {
			return
		}
		// Count the records independently: every Read after the header
		// that is not the end is one record.
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
		if _, err := r.Read(); err != nil {
			t.Fatalf("the importer accepted a header csv cannot read: %v", err)
		}
		var lines int64
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			}
			lines++
		}
		if lines != rep.Lines {
			t.Fatalf("report says %d lines, csv reads %d records", rep.Lines, lines)
		}
	})
}

func FuzzImportJSONL(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteAll(NewJSONLWriter(&buf), slices.Values(generate(f, 1, 3))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("\uFEFF\n  \r\n{\"id_number\":\"001088012345\",\"full_name\":\"An\",\"date_of_birth\":\"15/03/1988\",\"gender\":\"Nam\",\"x\":1}\n{"))
	f.Add([]byte(`{"cards":[{"issue_date":"2021-02-30"}]}` + "\n" + `null` + "\n[]\n\"s\"\n{} {}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sink := fuzzSink(t)
		rep, err := Importer{Sink: sink, Today: testToday, BatchSize: 3}.Import(context.Background(), bytes.NewReader(data), FormatJSONL)
		gz := len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
		if err != nil {
			if !gz {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if rep.Imported+rep.Failed != rep.Lines {
			t.Fatalf("imported %d + failed %d != lines %d", rep.Imported, rep.Failed, rep.Lines)
		}
		if gz {
			return
		}
		var lines int64
		for line := range bytes.SplitSeq(bytes.TrimPrefix(data, []byte("\uFEFF")), []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 {
				lines++
			}
		}
		if lines != rep.Lines {
			t.Fatalf("report says %d lines, the input has %d non-blank lines", rep.Lines, lines)
		}
	})
}

func BenchmarkImportCSV(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteAll(NewCSVWriter(&buf), slices.Values(generate(b, 1, 10_000))); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		im := Importer{Sink: discardSink{}, Today: testToday}
		if _, err := im.Import(context.Background(), bytes.NewReader(data), FormatCSV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkImportJSONL(b *testing.B) {
	var buf bytes.Buffer
	if err := WriteAll(NewJSONLWriter(&buf), slices.Values(generate(b, 1, 10_000))); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		im := Importer{Sink: discardSink{}, Today: testToday}
		if _, err := im.Import(context.Background(), bytes.NewReader(data), FormatJSONL); err != nil {
			b.Fatal(err)
		}
	}
}

type discardSink struct{}

func (discardSink) UpsertCitizens(context.Context, []Citizen) error { return nil }

func TestImportJSONLLongLine(t *testing.T) {
	good := `{"id_number":"001088012345","full_name":"Nguyễn Văn An","date_of_birth":"1988-03-15","gender":"male"}`
	data := `{"full_name":"` + strings.Repeat("x", MaxLineBytes) + "\"}\n" + good + "\n"
	rep, sink := importString(t, Importer{}, data, FormatJSONL)
	if rep.Lines != 2 || rep.Imported != 1 || rep.Failed != 1 || rep.Errors[0].Line != 1 || len(sink.citizens) != 1 {
		t.Errorf("report %+v", rep)
	}
}
