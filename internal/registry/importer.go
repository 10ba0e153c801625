package registry

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/identity"
)

// Format is a file format the importer reads and the writers write.
type Format string

// The formats.
const (
	// FormatCSV is comma-separated values with a header row naming the
	// CSVHeader columns in any order; one row is one citizen with at most
	// one card.
	FormatCSV Format = "csv"
	// FormatJSONL is JSON Lines: one Citizen object per line, with the
	// JSON names of its struct tags.
	FormatJSONL Format = "jsonl"
)

// ParseFormat accepts a format name: "csv", "jsonl" or "ndjson".
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "csv":
		return FormatCSV, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("format %q: want csv or jsonl", s)
}

// FormatFromPath returns the format a file name's extension says: .csv,
// .jsonl or .ndjson, each possibly followed by .gz (Import decompresses gzip
// whatever the name).
func FormatFromPath(path string) (Format, error) {
	name := strings.ToLower(filepath.Base(path))
	name = strings.TrimSuffix(name, ".gz")
	switch filepath.Ext(name) {
	case ".csv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson":
		return FormatJSONL, nil
	}
	return "", fmt.Errorf("format of %q: want a .csv, .jsonl or .ndjson file, optionally .gz", path)
}

// ErrBadHeader is wrapped by the error Import returns when a CSV file has no
// usable header row.
var ErrBadHeader = errors.New("registry import: bad CSV header")

// Defaults of Importer.
const (
	DefaultBatchSize = 1000
	DefaultMaxErrors = 100
	// MaxLineBytes is the longest JSON line accepted; longer lines are
	// reported and skipped.
	MaxLineBytes = 1 << 20
)

// Importer loads citizens from a CSV or JSON Lines stream into a Sink, for
// `vneid registry import FILE`. It streams: memory use depends on
// BatchSize, not on the size of the input.
//
// Each record is parsed and checked with Normalize. A bad record is reported
// with its line and field and skipped; the others are sent to the sink in
// batches. When the sink rejects a batch, the batch is retried one record at
// a time so that only the records the sink rejects are reported. Importing
// the same input again upserts the same records, so an import can be
// repeated after a failure. Only an error reading the input or the end of
// ctx stops an import early.
type Importer struct {
	// Sink receives the citizens. Required.
	Sink Sink
	// BatchSize is the number of citizens per UpsertCitizens call;
	// DefaultBatchSize when not positive.
	BatchSize int
	// Today is passed to Normalize; zero means the current date in
	// Vietnam.
	Today identity.Date
	// Progress, when set, is called after each batch and at the end.
	Progress func(Progress)
	// MaxErrors caps Report.Errors; DefaultMaxErrors when zero, no cap
	// when negative. Failed counts every failure regardless.
	MaxErrors int
}

// Progress tells how far an import has come.
type Progress struct {
	// Lines is the number of records read (CSV data rows, non-blank JSON
	// lines).
	Lines int64
	// Imported and Failed count the records stored and rejected so far.
	Imported, Failed int64
	// BytesRead is the number of bytes read from the input, before
	// decompression: comparable to the size of the file.
	BytesRead int64
}

// LineError is one problem found by an import.
type LineError struct {
	// Line is the 1-based line where the record starts.
	Line int64
	// Field names the field or column at fault, or is empty when the
	// whole record is: CSV column names for CSV input, Normalize's
	// field paths for JSON.
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error returns "line N: field: reason".
func (e LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("line %d: %s: %s", e.Line, e.Field, e.Reason)
}

// Report is the outcome of an import.
type Report struct {
	// Lines is the number of records read (CSV data rows, non-blank JSON
	// lines). When the import completes, Lines == Imported + Failed; an
	// import stopped by ctx leaves the records read but not yet stored
	// out of both.
	Lines int64
	// Imported is the number of records the sink accepted.
	Imported int64
	// Failed is the number of records rejected, by the parser, by
	// Normalize or by the sink.
	Failed int64
	// Errors holds the first MaxErrors problems: rejected records, and
	// unknown CSV columns or JSON fields, each reported once and ignored.
	Errors []LineError
}

// Import reads citizens in format f from r, which may be gzip-compressed; a
// leading UTF-8 byte-order mark is skipped. It returns the report and a
// non-nil error only when reading r fails, when a CSV file has no usable
// header (ErrBadHeader: empty, unreadable, a repeated column, or no
// id_number column), or when ctx ends; the report then covers what was done.
//
// In CSV, a row's card columns describe at most one card; rows of the same
// citizen each upsert the citizen with their card, and since the store keys
// cards by citizen and issue date and keeps the cards it has, the citizen
// ends up with all of them (a later row's citizen fields win).
func (im Importer) Import(ctx context.Context, r io.Reader, f Format) (Report, error) {
	if im.Sink == nil {
		return Report{}, errors.New("registry import: no sink")
	}
	if f != FormatCSV && f != FormatJSONL {
		return Report{}, fmt.Errorf("registry import: unknown format %q", string(f))
	}
	run := &importRun{
		im:        im,
		ctx:       ctx,
		count:     &countingReader{r: r},
		batchSize: im.BatchSize,
		maxErrors: im.MaxErrors,
		today:     todayOr(im.Today),
	}
	if run.batchSize <= 0 {
		run.batchSize = DefaultBatchSize
	}
	if run.maxErrors == 0 {
		run.maxErrors = DefaultMaxErrors
	}
	src, err := OpenInput(run.count)
	if err != nil {
		return Report{}, fmt.Errorf("registry import: %w", err)
	}
	if f == FormatCSV {
		err = run.readCSV(src)
	} else {
		err = run.readJSONL(src)
	}
	if ctx.Err() == nil {
		// Store what was read, also when the input failed part-way.
		if ferr := run.flush(); ferr != nil && err == nil {
			err = ferr
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	run.progress()
	if err != nil {
		return run.rep, fmt.Errorf("registry import: %w", err)
	}
	return run.rep, nil
}

// importRun is the state of one Import call.
type importRun struct {
	im        Importer
	ctx       context.Context
	count     *countingReader
	batchSize int
	maxErrors int
	today     identity.Date
	rep       Report
	batch     []Citizen
	lines     []int64 // line of each citizen in batch
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// OpenInput returns r decompressed if it starts with the gzip magic number,
// and without a leading UTF-8 byte-order mark: how every importer of outside
// files (citizens, documents) reads its input.
func OpenInput(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("open gzip input: %w", err)
		}
		br = bufio.NewReaderSize(gz, 64<<10)
	}
	bom, err := br.Peek(3)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if bytes.Equal(bom, []byte("\uFEFF")) {
		_, _ = br.Discard(3)
	}
	return br, nil
}

// note records a problem in the report, up to the cap.
func (run *importRun) note(e LineError) {
	if run.maxErrors < 0 || len(run.rep.Errors) < run.maxErrors {
		run.rep.Errors = append(run.rep.Errors, e)
	}
}

// fail records a rejected record.
func (run *importRun) fail(line int64, field, reason string) {
	run.rep.Failed++
	run.note(LineError{Line: line, Field: field, Reason: reason})
}

// accept normalises c and queues it for the sink, or records why not;
// fieldName maps Normalize's field names to the input's.
func (run *importRun) accept(line int64, c Citizen, fieldName func(string) string) error {
	if err := Normalize(&c, run.today); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			run.fail(line, fieldName(fe.Field), fe.Reason)
		} else {
			run.fail(line, "", err.Error())
		}
		return nil
	}
	run.batch = append(run.batch, c)
	run.lines = append(run.lines, line)
	if len(run.batch) >= run.batchSize {
		return run.flush()
	}
	return nil
}

// flush sends the queued citizens to the sink, retrying one by one when the
// batch is rejected. It fails only when ctx ends.
func (run *importRun) flush() error {
	if len(run.batch) == 0 {
		return nil
	}
	defer func() {
		clear(run.batch)
		run.batch, run.lines = run.batch[:0], run.lines[:0]
		run.progress()
	}()
	err := run.im.Sink.UpsertCitizens(run.ctx, run.batch)
	if err == nil {
		run.rep.Imported += int64(len(run.batch))
		return nil
	}
	if cerr := run.ctx.Err(); cerr != nil {
		return cerr
	}
	for i := range run.batch {
		err := run.im.Sink.UpsertCitizens(run.ctx, run.batch[i:i+1])
		if err == nil {
			run.rep.Imported++
			continue
		}
		if cerr := run.ctx.Err(); cerr != nil {
			return cerr
		}
		var fe *FieldError
		if errors.As(err, &fe) {
			run.fail(run.lines[i], fe.Field, "rejected by the store: "+fe.Reason)
		} else {
			run.fail(run.lines[i], "", "rejected by the store: "+err.Error())
		}
	}
	return nil
}

// progress reports progress if the caller asked for it.
func (run *importRun) progress() {
	if run.im.Progress != nil {
		run.im.Progress(Progress{
			Lines:     run.rep.Lines,
			Imported:  run.rep.Imported,
			Failed:    run.rep.Failed,
			BytesRead: run.count.n,
		})
	}
}

// readCSV imports CSV records from src.
func (run *importRun) readCSV(src io.Reader) error {
	cr := csv.NewReader(src)
	cr.ReuseRecord = true
	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: the input is empty", ErrBadHeader)
	case errors.As(err, &pe):
		return fmt.Errorf("%w: %v", ErrBadHeader, err)
	case err != nil:
		return fmt.Errorf("read CSV: %w", err)
	}
	headerLine, _ := cr.FieldPos(0)
	cols := csvColumns()
	known := make(map[string]int, len(cols))
	for i, col := range cols {
		known[col.name] = i
	}
	// byField[i] is the column the i-th field sets, or nil.
	byField := make([]*csvColumn, len(header))
	seen := make(map[string]bool, len(header))
	hasCard := false
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		if seen[name] {
			return fmt.Errorf("%w: line %d: column %q appears twice", ErrBadHeader, headerLine, name)
		}
		seen[name] = true
		k, ok := known[name]
		if !ok {
			run.note(LineError{Line: int64(headerLine), Field: name, Reason: "unknown column, ignored"})
			continue
		}
		byField[i] = &cols[k]
		hasCard = hasCard || cols[k].card
	}
	if !seen["id_number"] {
		return fmt.Errorf("%w: line %d: no id_number column", ErrBadHeader, headerLine)
	}

	for {
		if err := run.ctx.Err(); err != nil {
			return err
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if errors.As(err, &pe) {
			run.rep.Lines++
			reason := pe.Err.Error()
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				reason = fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))
			}
			run.fail(int64(pe.StartLine), "", reason)
			continue
		}
		if err != nil {
			return fmt.Errorf("read CSV: %w", err)
		}
		run.rep.Lines++
		line, _ := cr.FieldPos(0)
		var c Citizen
		var card IDCard
		cardGiven := false
		bad := false
		for i, v := range rec {
			col := byField[i]
			if col == nil {
				continue
			}
			if col.card && strings.TrimSpace(v) != "" {
				cardGiven = true
			}
			if err := col.set(&c, &card, v); err != nil {
				run.fail(int64(line), col.name, err.Error())
				bad = true
				break
			}
		}
		if bad {
			continue
		}
		if hasCard && cardGiven {
			c.Cards = []IDCard{card}
		}
		if err := run.accept(int64(line), c, csvFieldName); err != nil {
			return err
		}
	}
}

// readJSONL imports JSON Lines from src.
func (run *importRun) readJSONL(src *bufio.Reader) error {
	var (
		buf     []byte
		lineNo  int64
		unknown = make(map[string]bool)
	)
	for {
		if err := run.ctx.Err(); err != nil {
			return err
		}
		line, tooLong, err := ReadLine(src, buf[:0], MaxLineBytes)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read JSON lines: %w", err)
		}
		buf = line
		lineNo++
		if !tooLong && len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		run.rep.Lines++
		if tooLong {
			run.fail(lineNo, "", fmt.Sprintf("line longer than %d bytes", MaxLineBytes))
			continue
		}
		c, field, ferr := decodeJSONLine(line)
		if field != "" && !unknown[field] {
			unknown[field] = true
			run.note(LineError{Line: lineNo, Field: field, Reason: "unknown field, ignored"})
		}
		if ferr != nil {
			run.fail(lineNo, ferr.Field, ferr.Reason)
			continue
		}
		if err := run.accept(lineNo, c, func(f string) string { return f }); err != nil {
			return err
		}
	}
}

// ReadLine reads one line into buf without its line ending. A line longer
// than max is consumed whole and reported as tooLong. At the end of the
// input it returns io.EOF.
func ReadLine(br *bufio.Reader, buf []byte, max int) (line []byte, tooLong bool, err error) {
	read := false
	for {
		chunk, err := br.ReadSlice('\n')
		read = read || len(chunk) > 0
		if len(buf)+len(chunk) > max+2 { // +2: the line ending
			tooLong = true
		} else if !tooLong {
			buf = append(buf, chunk...)
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			continue
		case io.EOF:
			if !read {
				return nil, false, io.EOF
			}
		default:
			return nil, false, err
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		return buf, tooLong || len(buf) > max, nil
	}
}

// decodeJSONLine decodes one JSON line. unknown names a field of the line
// that Citizen does not have, which is ignored.
func decodeJSONLine(line []byte) (c Citizen, unknown string, ferr *FieldError) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	err := dec.Decode(&c)
	if err == nil {
		if rest := bytes.TrimSpace(line[dec.InputOffset():]); len(rest) > 0 {
			return Citizen{}, "", &FieldError{"", "invalid JSON: data after the object"}
		}
		return c, "", nil
	}
	if name, ok := unknownField(err); ok {
		unknown = name
		c = Citizen{}
		err = json.Unmarshal(line, &c)
		if err == nil {
			return c, unknown, nil
		}
	}
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		reason := fmt.Sprintf("JSON %s where %s is expected", typeErr.Value, typeErr.Type)
		return Citizen{}, unknown, &FieldError{typeErr.Field, reason}
	case errors.As(err, &syntaxErr):
		return Citizen{}, unknown, &FieldError{"", fmt.Sprintf("invalid JSON at byte %d: %v", syntaxErr.Offset, err)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Citizen{}, unknown, &FieldError{"", "invalid JSON: unexpected end of line"}
	}
	return Citizen{}, unknown, &FieldError{"", err.Error()}
}

// unknownField extracts the field name from encoding/json's error for a
// field the target does not have.
func unknownField(err error) (string, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(rest)
	if err != nil {
		return "", false
	}
	return name, true
}
