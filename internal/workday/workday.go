// Package workday counts working days in Viet Nam: weekends, public holidays
// and the Government's swapped days off, read from an editable holiday table,
// so that legal deadlines ("within 3 working days") can be computed.
package workday

import (
	_ "embed"
	"fmt"
	"slices"
	"time"
)

//go:embed holidays.csv
var defaultTable []byte

// ict is Indochina Time, UTC+07:00. Viet Nam has no daylight saving time, so
// a fixed zone is exact and needs no tzdata. It is never modified.
var ict = time.FixedZone("ICT", 7*3600)

// Zone returns the fixed UTC+07:00 zone in which the calendar interprets
// dates. Viet Nam has observed it without daylight saving time since 1975.
func Zone() *time.Location { return ict }

// Holiday is one entry of the holiday table: a calendar date in Viet Nam with
// its Vietnamese and English names.
type Holiday struct {
	// Date is midnight at the start of the day, in the UTC+07:00 zone.
	Date time.Time
	// NameVI is the Vietnamese name, for example "Tết Nguyên đán".
	NameVI string
	// NameEN is the English name, for example "Lunar New Year (Tết)".
	NameEN string
}

// Calendar knows which days are working days. It is immutable once built by
// Load or Default and safe for concurrent use.
type Calendar struct {
	holidays map[day]Holiday // days off that would otherwise be working days, and statutory dates
	makeUp   map[day]Holiday // weekend days worked in exchange for a swapped day off
	years    []int           // sorted years that have at least one entry
}

// Default returns the calendar built into the binary (2024-2028, see
// holidays.csv). Each call returns a new Calendar.
func Default() (*Calendar, error) {
	c, err := parse(defaultTable)
	if err != nil {
		return nil, fmt.Errorf("workday: built-in holiday table: %w", err)
	}
	return c, nil
}

// IsWorkingDay reports whether the calendar day containing d, in Viet Nam,
// is a working day: Monday to Friday and not a holiday, or a weekend day
// listed as a make-up working day.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	return c.isWorking(dayOf(d))
}

// AddWorkingDays returns the deadline for something that must be done
// within n working days of from: the last instant (23:59:59.999999999 ICT)
// of the n-th working day after the day of from.
//
// If from falls on a weekend or holiday it is treated as received on the
// next working day, so the count starts from there; n = 0 gives the end of
// the day of from if it is a working day, else the end of the next working
// day. A negative n is treated as 0. Only calendar days count: something
// completed on Friday at 22:00 is still a Friday receipt.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	d := dayOf(from)
	for !c.isWorking(d) {
		d++
	}
	for ; n > 0; n-- {
		d++
		for !c.isWorking(d) {
			d++
		}
	}
	return d.end()
}

// WorkingDaysBetween counts the working days after the day of a up to and
// including the day of b (days in Viet Nam). It is negative when b is before
// a. For a deadline due and a time now, WorkingDaysBetween(due, now) is the
// number of working days by which the deadline has been missed (0 or less
// when it has not).
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	da, db := dayOf(a), dayOf(b)
	sign := 1
	if db < da {
		da, db, sign = db, da, -1
	}
	n := 0
	for d := da + 1; d <= db; d++ {
		if c.isWorking(d) {
			n++
		}
	}
	return sign * n
}

// Holidays returns the holidays of a calendar year in date order: statutory
// holidays (also those on a weekend), compensatory and swapped days off. The
// slice is a copy that the caller may modify.
func (c *Calendar) Holidays(year int) []Holiday {
	return inYear(c.holidays, year)
}

// MakeUpDays returns, in date order, the weekend days of a year that are
// working days because a weekday was swapped for them ("ngày làm bù"). The
// names say which weekday was swapped. The slice is a copy.
func (c *Calendar) MakeUpDays(year int) []Holiday {
	return inYear(c.makeUp, year)
}

// Years returns the years, in order, for which the table has entries.
// Deadlines beyond the last year count only weekends, so operators should be
// warned when the current year approaches the end of the table.
func (c *Calendar) Years() []int {
	return slices.Clone(c.years)
}

func (c *Calendar) isWorking(d day) bool {
	if _, ok := c.makeUp[d]; ok {
		return true
	}
	if _, ok := c.holidays[d]; ok {
		return false
	}
	wd := d.weekday()
	return wd != time.Saturday && wd != time.Sunday
}

func inYear(m map[day]Holiday, year int) []Holiday {
	var out []Holiday
	for _, h := range m {
		if h.Date.Year() == year {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// day numbers calendar days in Viet Nam: 0 is 1970-01-01.
type day int64

const secondsPerDay = 86400

func dayOf(t time.Time) day {
	y, m, d := t.In(ict).Date()
	return civilDay(y, m, d)
}

func civilDay(y int, m time.Month, d int) day {
	// Midnight UTC is an exact multiple of a day, so the division is exact
	// also before 1970.
	return day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

// end returns the last nanosecond of the day in ICT.
func (d day) end() time.Time {
	y, m, dd := time.Unix(int64(d)*secondsPerDay, 0).UTC().Date()
	return time.Date(y, m, dd, 23, 59, 59, 999999999, ict)
}

// weekday returns the day of the week; 1970-01-01 was a Thursday.
func (d day) weekday() time.Weekday {
	w := (int64(d) + int64(time.Thursday)) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}
