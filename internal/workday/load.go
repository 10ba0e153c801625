package workday

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxTableSize is the largest holiday table Load accepts, in bytes.
const MaxTableSize = 1 << 20

// ParseError reports a problem on one line of a holiday table.
type ParseError struct {
	Line int   // 1-based line number; 0 when the problem is not tied to a line
	Err  error // what is wrong
}

// Error implements error.
func (e *ParseError) Error() string {
	if e.Line == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Load reads a holiday table in CSV form and returns its calendar.
//
// Each record is date,name_vi,name_en with an optional fourth column kind:
// date is YYYY-MM-DD (a day in Viet Nam); kind is "holiday" (the default) or
// "workday" for a Saturday or Sunday worked in exchange for a swapped weekday
// off. Lines beginning with # are comments, blank lines are ignored, an
// optional first record "date,name_vi,name_en[,kind]" is a header, and a
// UTF-8 byte order mark is skipped. Fields may be quoted as in RFC 4180.
//
// Load is strict: a malformed date, an empty name, an unknown kind, a
// workday that is not on a weekend, a date listed twice, invalid UTF-8 or a
// table with no holidays is an error; a *ParseError in the chain gives the
// line. The input may be at most MaxTableSize bytes.
func Load(r io.Reader) (*Calendar, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxTableSize+1))
	if err != nil {
		return nil, fmt.Errorf("workday: read holiday table: %w", err)
	}
	if len(data) > MaxTableSize {
		return nil, fmt.Errorf("workday: holiday table larger than %d bytes", MaxTableSize)
	}
	c, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("workday: holiday table: %w", err)
	}
	return c, nil
}

var errNoHolidays = errors.New("no holidays listed")

func parse(data []byte) (*Calendar, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	c := &Calendar{holidays: make(map[day]Holiday), makeUp: make(map[day]Holiday)}
	firstLine := make(map[day]int)
	years := make(map[int]bool)
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &ParseError{Line: pe.Line, Err: pe.Err}
			}
			return nil, &ParseError{Err: err}
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if isHeader(rec) {
				continue
			}
		}
		h, workday, err := parseRecord(rec)
		if err != nil {
			return nil, &ParseError{Line: line, Err: err}
		}
		d := dayOf(h.Date)
		if prev, dup := firstLine[d]; dup {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("duplicate date %s (first listed on line %d)", h.Date.Format(time.DateOnly), prev)}
		}
		firstLine[d] = line
		if workday {
			c.makeUp[d] = h
		} else {
			c.holidays[d] = h
		}
		years[h.Date.Year()] = true
	}
	if len(c.holidays) == 0 {
		return nil, &ParseError{Err: errNoHolidays}
	}
	for y := range years {
		c.years = append(c.years, y)
	}
	slices.Sort(c.years)
	return c, nil
}

func isHeader(rec []string) bool {
	want := []string{"date", "name_vi", "name_en", "kind"}
	if len(rec) != 3 && len(rec) != 4 {
		return false
	}
	for i, f := range rec {
		if !strings.EqualFold(strings.TrimSpace(f), want[i]) {
			return false
		}
	}
	return true
}

// parseRecord parses one data record; workday reports kind "workday".
func parseRecord(rec []string) (h Holiday, workday bool, err error) {
	if len(rec) != 3 && len(rec) != 4 {
		return Holiday{}, false, fmt.Errorf("want 3 or 4 fields (date,name_vi,name_en[,kind]), got %d", len(rec))
	}
	ds := strings.TrimSpace(rec[0])
	if len(ds) != len(time.DateOnly) {
		return Holiday{}, false, fmt.Errorf("invalid date %q: want YYYY-MM-DD", ds)
	}
	date, err := time.ParseInLocation(time.DateOnly, ds, ict)
	if err != nil {
		return Holiday{}, false, fmt.Errorf("invalid date %q: %w", ds, err)
	}
	h = Holiday{Date: date}
	if h.NameVI, err = name("name_vi", rec[1]); err != nil {
		return Holiday{}, false, err
	}
	if h.NameEN, err = name("name_en", rec[2]); err != nil {
		return Holiday{}, false, err
	}
	if len(rec) == 4 {
		switch k := strings.TrimSpace(rec[3]); strings.ToLower(k) {
		case "", "holiday":
		case "workday":
			workday = true
			if wd := date.Weekday(); wd != time.Saturday && wd != time.Sunday {
				return Holiday{}, false, fmt.Errorf("make-up workday %s is a %s, not a weekend day", ds, wd)
			}
		default:
			return Holiday{}, false, fmt.Errorf("unknown kind %q: want holiday or workday", k)
		}
	}
	return h, workday, nil
}

func name(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fmt.Errorf("empty %s", field)
	case !utf8.ValidString(s):
		return "", fmt.Errorf("%s is not valid UTF-8", field)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", fmt.Errorf("%s contains a control character", field)
	}
	return s, nil
}
