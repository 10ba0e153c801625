package identity

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a civil calendar date with no time of day or zone, such as a date
// of birth or a card's issue date. The zero Date means "unknown".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the Date for year, month and day after checking that it
// exists in the Gregorian calendar.
func NewDate(year int, month time.Month, day int) (Date, error) {
	if year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 {
		return Date{}, fmt.Errorf("date %04d-%02d-%02d: out of range", year, int(month), day)
	}
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	if t.Year() != year || t.Month() != month || t.Day() != day {
		return Date{}, fmt.Errorf("date %04d-%02d-%02d: no such day", year, int(month), day)
	}
	return Date{Year: year, Month: month, Day: day}, nil
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{Year: y, Month: m, Day: d}
}

// ParseDate parses an ISO 8601 calendar date, "2006-01-02".
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return parseParts(s, s[0:4], s[5:7], s[8:10])
}

// ParseDateDMY parses a Vietnamese day-first date as printed on ID cards and
// in their QR codes: "ddMMyyyy" or "dd/MM/yyyy" (also "dd-MM-yyyy").
func ParseDateDMY(s string) (Date, error) {
	switch {
	case len(s) == 8:
		return parseParts(s, s[4:8], s[2:4], s[0:2])
	case len(s) == 10 && (s[2] == '/' && s[5] == '/' || s[2] == '-' && s[5] == '-'):
		return parseParts(s, s[6:10], s[3:5], s[0:2])
	default:
		return Date{}, fmt.Errorf("date %q: want ddMMyyyy or dd/MM/yyyy", s)
	}
}

func parseParts(orig, ys, ms, ds string) (Date, error) {
	for _, part := range []string{ys, ms, ds} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return Date{}, fmt.Errorf("date %q: not all digits", orig)
			}
		}
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	date, err := NewDate(y, time.Month(m), d)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: %w", orig, err)
	}
	return date, nil
}

// IsZero reports whether d is the zero (unknown) date.
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as "2006-01-02", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// DMY formats d the Vietnamese way, "dd/MM/yyyy".
func (d Date) DMY() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// Time returns midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.compare(o) < 0 }

// After reports whether d is a later day than o.
func (d Date) After(o Date) bool { return d.compare(o) > 0 }

func (d Date) compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return d.Year - o.Year
	case d.Month != o.Month:
		return int(d.Month) - int(o.Month)
	default:
		return d.Day - o.Day
	}
}

// AgeOn returns the age in completed years of someone born on d, on the day
// today. Someone born on 29 February turns a year older on 1 March in common
// years.
func (d Date) AgeOn(today Date) int {
	age := today.Year - d.Year
	if today.Month < d.Month || today.Month == d.Month && today.Day < d.Day {
		age--
	}
	return age
}

// AddYears returns d moved by n years; 29 February becomes 1 March when the
// target year has no such day.
func (d Date) AddYears(n int) Date {
	return DateOf(time.Date(d.Year+n, d.Month, d.Day, 0, 0, 0, 0, time.UTC))
}

// MarshalJSON encodes d as "YYYY-MM-DD", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON decodes "YYYY-MM-DD", "dd/MM/yyyy", or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("date: %w", err)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		*d = Date{}
		return nil
	}
	var err error
	if len(s) == 10 && s[4] == '-' {
		*d, err = ParseDate(s)
	} else {
		*d, err = ParseDateDMY(s)
	}
	return err
}
