package sources

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/registry"
)

// Import defaults and limits.
const (
	// DefaultBatchSize is the number of documents per UpsertDocuments call
	// when ImportOptions.BatchSize is not positive.
	DefaultBatchSize = 1000
	// MaxLineBytes is the longest JSON line accepted.
	MaxLineBytes = 1 << 20
	// MaxReportedErrors caps ImportStats.Errors.
	MaxReportedErrors = 100
)

// ImportOptions tune Import.
type ImportOptions struct {
	// BatchSize is the number of documents per UpsertDocuments call;
	// DefaultBatchSize when not positive.
	BatchSize int
	// SkipInvalid skips invalid records, counting and reporting them,
	// instead of stopping at the first.
	SkipInvalid bool
}

// ImportStats is the outcome of an import.
type ImportStats struct {
	// Read counts the records read: CSV data rows and non-blank JSON lines.
	Read int64
	// Written counts the documents the sink accepted.
	Written int64
	// Skipped counts the invalid records skipped with SkipInvalid.
	Skipped int64
	// Errors holds the first MaxReportedErrors skipped records' problems.
	Errors []*LineError
}

// LineError is a problem with one record of an import, or with the CSV
// header. It wraps ErrInvalid.
type LineError struct {
	// Line is the 1-based line where the record starts.
	Line int64
	// Field names the CSV column or the JSON field at fault (a Validate
	// path such as "health_insurance.clinic.code" for JSON), or is empty
	// when the whole record is.
	Field string
	// Err says what is wrong.
	Err error
}

// Error returns "line N: field: reason".
func (e *LineError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("line %d: %s: %v", e.Line, e.Field, e.Err)
}

// Unwrap returns ErrInvalid and the reason.
func (e *LineError) Unwrap() []error { return []error{ErrInvalid, e.Err} }

// Import reads documents in format from r, which may be gzip-compressed
// (detected by its magic number; a leading UTF-8 byte-order mark is
// skipped), and upserts them into sink in batches.
//
// CSV has a header row naming the columns of CSVColumns in any order (kind,
// number and holder_id are required; an unknown or repeated column is
// refused); JSON Lines has one Document object per line, and a field
// Document does not have is refused. Each record is put in canonical form
// with Normalize, an empty status is taken as valid, and the record is
// checked with Validate. Documents of the same kind and number later in the
// input replace earlier ones.
//
// At the first invalid record Import stores the documents read before it
// and returns an error wrapping a *LineError (and ErrInvalid); with
// opts.SkipInvalid it skips the record instead, counting it in the stats.
// Import also stops at a bad CSV header, an error reading r, an error from
// the sink and the end of ctx. The stats always tell what was done; since
// upserts are idempotent an import can simply be repeated.
func Import(ctx context.Context, r io.Reader, format registry.Format, sink Sink, opts ImportOptions) (ImportStats, error) {
	if sink == nil {
		return ImportStats{}, errors.New("sources import: no sink")
	}
	if format != registry.FormatCSV && format != registry.FormatJSONL {
		return ImportStats{}, fmt.Errorf("sources import: unknown format %q", string(format))
	}
	run := &importRun{ctx: ctx, sink: sink, opts: opts}
	if run.opts.BatchSize <= 0 {
		run.opts.BatchSize = DefaultBatchSize
	}
	src, err := registry.OpenInput(r)
	if err == nil {
		if format == registry.FormatCSV {
			err = run.readCSV(src)
		} else {
			err = run.readJSONL(src)
		}
	}
	if ctx.Err() == nil && !run.sinkFailed {
		// Store what was read, also before a bad record or a read error.
		if ferr := run.flush(); ferr != nil {
			err = errors.Join(err, ferr)
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return run.stats, fmt.Errorf("sources import: %w", err)
	}
	return run.stats, nil
}

// importRun is the state of one Import call.
type importRun struct {
	ctx   context.Context
	sink  Sink
	opts  ImportOptions
	stats ImportStats
	batch []Document
	lines []int64
	// sinkFailed is set when the sink refused a batch.
	sinkFailed bool
}

// check puts a document read at line in canonical form and validates it;
// column maps Validate's field paths to the input's names.
func check(line int64, d Document, column func(string) string) (Document, *LineError) {
	d.Normalize()
	if d.Status == "" {
		d.Status = StatusValid
	}
	if err := d.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return d, &LineError{Line: line, Field: column(fe.Field), Err: fe.Err}
		}
		return d, &LineError{Line: line, Err: err}
	}
	return d, nil
}

// record handles one record read at line, checked already: lerr is its
// problem, if any. It returns an error when the import must stop.
func (run *importRun) record(line int64, d Document, lerr *LineError) error {
	run.stats.Read++
	if lerr != nil {
		if !run.opts.SkipInvalid {
			return lerr
		}
		run.stats.Skipped++
		if len(run.stats.Errors) < MaxReportedErrors {
			run.stats.Errors = append(run.stats.Errors, lerr)
		}
		return nil
	}
	run.batch = append(run.batch, d)
	run.lines = append(run.lines, line)
	if len(run.batch) >= run.opts.BatchSize {
		return run.flush()
	}
	return nil
}

// flush sends the queued documents to the sink.
func (run *importRun) flush() error {
	if len(run.batch) == 0 {
		return nil
	}
	if err := run.ctx.Err(); err != nil {
		return err
	}
	first, last := run.lines[0], run.lines[len(run.lines)-1]
	if err := run.sink.UpsertDocuments(run.ctx, run.batch); err != nil {
		run.sinkFailed = true
		return fmt.Errorf("store the documents of lines %d to %d: %w", first, last, err)
	}
	run.stats.Written += int64(len(run.batch))
	clear(run.batch)
	run.batch, run.lines = run.batch[:0], run.lines[:0]
	return nil
}

// readCSV imports CSV records from src.
func (run *importRun) readCSV(src io.Reader) error {
	cr := csv.NewReader(src)
	cr.ReuseRecord = true
	header, err := cr.Read()
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return &LineError{Line: 1, Err: errors.New("empty input: want a header row")}
	case errors.As(err, &pe):
		return &LineError{Line: int64(pe.StartLine), Err: fmt.Errorf("header: %v", pe.Err)}
	case err != nil:
		return fmt.Errorf("read CSV: %w", err)
	}
	headerLine, _ := cr.FieldPos(0)
	cols := csvColumns()
	byName := make(map[string]int, len(cols))
	for i, c := range cols {
		byName[c.name] = i
	}
	// byField[i] is the column of the i-th field.
	byField := make([]*csvColumn, len(header))
	seen := make(map[string]bool, len(header))
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(name))
		k, ok := byName[name]
		switch {
		case !ok:
			return &LineError{Line: int64(headerLine), Field: name, Err: errors.New("unknown column")}
		case seen[name]:
			return &LineError{Line: int64(headerLine), Field: name, Err: errors.New("column appears twice")}
		}
		seen[name] = true
		byField[i] = &cols[k]
	}
	for _, need := range []string{"kind", "number", "holder_id"} {
		if !seen[need] {
			return &LineError{Line: int64(headerLine), Field: need, Err: errors.New("required column missing")}
		}
	}
	kindAt := 0
	for i, c := range byField {
		if c.name == "kind" {
			kindAt = i
		}
	}

	for n := 0; ; n++ {
		if n%256 == 0 {
			if err := run.ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if errors.As(err, &pe) {
			reason := pe.Err
			if errors.Is(pe.Err, csv.ErrFieldCount) {
				reason = fmt.Errorf("%d fields, the header has %d", len(rec), len(header))
			}
			if err := run.record(int64(pe.StartLine), Document{}, &LineError{Line: int64(pe.StartLine), Err: reason}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		d, lerr := csvRecord(rec, byField, kindAt)
		if lerr != nil {
			lerr.Line = int64(line)
		}
		if lerr == nil {
			// Problems are reported with the CSV column's name.
			d, lerr = check(int64(line), d, func(f string) string { return csvColumnFor(cols, f) })
		}
		if err := run.record(int64(line), d, lerr); err != nil {
			return err
		}
	}
}

// csvRecord builds a document from one CSV record.
func csvRecord(rec []string, byField []*csvColumn, kindAt int) (Document, *LineError) {
	d := Document{Kind: Kind(strings.ToLower(strings.TrimSpace(rec[kindAt])))}
	kind := d.Kind
	switch kind {
	case HealthInsurance:
		d.HealthInsurance = &HealthInsuranceCard{}
	case DrivingLicence:
		d.DrivingLicence = &Licence{}
	case VehicleRegistration:
		d.Vehicle = &Vehicle{}
	case TaxCode:
		d.Tax = &TaxRegistration{}
	default:
		return Document{}, &LineError{Field: "kind", Err: fmt.Errorf("%q: want health_insurance, driving_licence, vehicle_registration or tax_code", rec[kindAt])}
	}
	for i, v := range rec {
		c := byField[i]
		if i == kindAt {
			continue
		}
		if !c.applies(kind) {
			if strings.TrimSpace(v) != "" {
				return Document{}, &LineError{Field: c.name, Err: fmt.Errorf("does not apply to kind %s: leave it empty", kind)}
			}
			continue
		}
		if err := c.set(&d, v); err != nil {
			return Document{}, &LineError{Field: c.name, Err: err}
		}
	}
	return d, nil
}

// readJSONL imports JSON Lines from src.
func (run *importRun) readJSONL(src *bufio.Reader) error {
	var buf []byte
	var lineNo int64
	for {
		if lineNo%256 == 0 {
			if err := run.ctx.Err(); err != nil {
				return err
			}
		}
		line, tooLong, err := registry.ReadLine(src, buf[:0], MaxLineBytes)
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
		var d Document
		var lerr *LineError
		if tooLong {
			lerr = &LineError{Line: lineNo, Err: fmt.Errorf("line longer than %d bytes", MaxLineBytes)}
		} else if d, err = decodeDocumentLine(line); err != nil {
			lerr = &LineError{Line: lineNo, Err: err}
			var fe *FieldError
			if errors.As(err, &fe) {
				lerr.Field, lerr.Err = fe.Field, fe.Err
			}
		} else {
			d, lerr = check(lineNo, d, func(f string) string { return f })
		}
		if err := run.record(lineNo, d, lerr); err != nil {
			return err
		}
	}
}

// decodeDocumentLine decodes one JSON object strictly: a field Document
// does not have is an error (a *FieldError naming it), as is anything after
// the object.
func decodeDocumentLine(line []byte) (Document, error) {
	var d Document
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Document{}, jsonError(err)
	}
	if rest := bytes.TrimSpace(line[dec.InputOffset():]); len(rest) > 0 {
		return Document{}, errors.New("invalid JSON: data after the object")
	}
	return d, nil
}

// jsonError turns an encoding/json error into a *FieldError when it names a
// field, and a plain error otherwise.
func jsonError(err error) error {
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
	)
	if rest, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if name, uerr := strconv.Unquote(rest); uerr == nil {
			return fieldErr(name, "unknown field")
		}
	}
	switch {
	case errors.As(err, &typeErr):
		return fieldErr(typeErr.Field, fmt.Sprintf("JSON %s where %s is expected", typeErr.Value, typeErr.Type))
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("invalid JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: unexpected end of line")
	}
	return fmt.Errorf("invalid JSON: %v", err)
}
