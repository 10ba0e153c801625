// Package adminunit is Vietnam's administrative hierarchy as data:
// provinces, districts and communes with their codes, parents and the dates
// they exist between. The 2025 reform (34 provinces, no districts, communes
// directly under provinces) is a data change: load the new units with their
// start date and close the old ones. Police units, officers' jurisdictions
// and the enrolment desk's place rule read it.
package adminunit

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/vneid/vneid/internal/identity"
)

// ErrInvalid wraps every refusal of a hierarchy.
var ErrInvalid = errors.New("adminunit: invalid hierarchy")

// Level is a tier of the hierarchy.
type Level string

// Levels, from the top.
const (
	Province Level = "province" // tỉnh, thành phố trực thuộc trung ương
	District Level = "district" // quận, huyện, thị xã, thành phố thuộc tỉnh (until 2025)
	Commune  Level = "commune"  // xã, phường, thị trấn, đặc khu
)

func (l Level) rank() int {
	switch l {
	case Province:
		return 1
	case District:
		return 2
	case Commune:
		return 3
	}
	return 0
}

// Unit is one administrative unit.
type Unit struct {
	// Code is the statistics office code (2 digits for provinces, 3 for
	// districts, 5 for communes), unique across time: a new unit gets a new
	// code or the old one reused only after the old unit ended.
	Code string
	// Name is the official name with its type, NFC ("Phường Hàng Đào").
	Name   string
	Level  Level
	Parent string // "" for provinces
	// ValidFrom and ValidTo bound the days the unit exists (zero: open).
	ValidFrom, ValidTo identity.Date
}

// ActiveOn reports whether the unit exists on day.
func (u Unit) ActiveOn(day identity.Date) bool {
	return (u.ValidFrom.IsZero() || !day.Before(u.ValidFrom)) && (u.ValidTo.IsZero() || !day.After(u.ValidTo))
}

// Hierarchy is an immutable set of units.
type Hierarchy struct {
	byCode   map[string]Unit
	children map[string][]string
	// byName lists the codes of the units of each name's match key, so
	// that Find does not compare every unit's name.
	byName map[string][]string
}

// New checks units and builds the hierarchy: codes are unique digit
// strings of their level's length, every parent exists and is of a higher
// level (a commune may sit directly under a province, as after 2025), a
// unit lives within its parent's dates, and names are non-empty NFC text.
func New(units []Unit) (*Hierarchy, error) {
	h := &Hierarchy{byCode: map[string]Unit{}, children: map[string][]string{}, byName: map[string][]string{}}
	fail := func(u Unit, format string, a ...any) (*Hierarchy, error) {
		return nil, fmt.Errorf("%w: unit %q: %s", ErrInvalid, u.Code, fmt.Sprintf(format, a...))
	}
	for _, u := range units {
		u.Name = identity.NormalizeName(u.Name)
		want := map[Level]int{Province: 2, District: 3, Commune: 5}[u.Level]
		switch {
		case want == 0:
			return fail(u, "unknown level %q", u.Level)
		case len(u.Code) != want || strings.Trim(u.Code, "0123456789") != "":
			return fail(u, "a %s code has %d digits", u.Level, want)
		case u.Name == "" || !utf8.ValidString(u.Name) || len(u.Name) > 200:
			return fail(u, "no valid name")
		case u.Level == Province && u.Parent != "":
			return fail(u, "a province has no parent")
		case u.Level != Province && u.Parent == "":
			return fail(u, "a %s needs a parent", u.Level)
		case !u.ValidFrom.IsZero() && !u.ValidTo.IsZero() && u.ValidTo.Before(u.ValidFrom):
			return fail(u, "ends before it starts")
		}
		if _, dup := h.byCode[u.Code]; dup {
			return fail(u, "listed twice")
		}
		h.byCode[u.Code] = u
		key := identity.MatchKey(u.Name)
		h.byName[key] = append(h.byName[key], u.Code)
	}
	for _, u := range h.byCode {
		if u.Parent == "" {
			continue
		}
		p, ok := h.byCode[u.Parent]
		switch {
		case !ok:
			return fail(u, "parent %q is not listed", u.Parent)
		case p.Level.rank() >= u.Level.rank():
			return fail(u, "parent %q is a %s, not above a %s", p.Code, p.Level, u.Level)
		case !p.ValidFrom.IsZero() && (u.ValidFrom.IsZero() || u.ValidFrom.Before(p.ValidFrom)):
			return fail(u, "starts before its parent %q", p.Code)
		case !p.ValidTo.IsZero() && (u.ValidTo.IsZero() || u.ValidTo.After(p.ValidTo)):
			return fail(u, "outlives its parent %q", p.Code)
		}
		h.children[u.Parent] = append(h.children[u.Parent], u.Code)
	}
	for _, c := range h.children {
		sort.Strings(c)
	}
	return h, nil
}

// Unit returns the unit with a code.
func (h *Hierarchy) Unit(code string) (Unit, bool) {
	u, ok := h.byCode[code]
	return u, ok
}

// Units returns every unit, higher tiers (shorter codes) first, then by
// code.
func (h *Hierarchy) Units() []Unit {
	out := make([]Unit, 0, len(h.byCode))
	for _, u := range h.byCode {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i].Code) != len(out[j].Code) {
			return len(out[i].Code) < len(out[j].Code)
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// Len is the number of units.
func (h *Hierarchy) Len() int { return len(h.byCode) }

// Ancestors returns code's unit and its parents, nearest first.
func (h *Hierarchy) Ancestors(code string) []Unit {
	var out []Unit
	for u, ok := h.byCode[code]; ok; u, ok = h.byCode[u.Parent] {
		out = append(out, u)
		if u.Parent == "" {
			break
		}
	}
	return out
}

// Contains reports whether code is ancestor or lies within it.
func (h *Hierarchy) Contains(ancestor, code string) bool {
	for _, u := range h.Ancestors(code) {
		if u.Code == ancestor {
			return true
		}
	}
	return false
}

// ProvinceOf returns the province a unit lies in.
func (h *Hierarchy) ProvinceOf(code string) (Unit, bool) {
	a := h.Ancestors(code)
	if len(a) == 0 || a[len(a)-1].Level != Province {
		return Unit{}, false
	}
	return a[len(a)-1], true
}

// Children returns the units directly under code that exist on day (all
// of them when day is zero), by code.
func (h *Hierarchy) Children(code string, day identity.Date) []Unit {
	var out []Unit
	for _, c := range h.children[code] {
		if u := h.byCode[c]; day.IsZero() || u.ActiveOn(day) {
			out = append(out, u)
		}
	}
	return out
}

// Find returns the unit called name (compared without case, diacritics
// variants or spacing differences) of a level, under parent ("" for any),
// that exists on day.
func (h *Hierarchy) Find(name string, level Level, parent string, day identity.Date) (Unit, bool) {
	var found []Unit
	for _, code := range h.byName[identity.MatchKey(name)] {
		u := h.byCode[code]
		if u.Level == level && (parent == "" || h.Contains(parent, u.Code)) && u.ActiveOn(day) {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		return Unit{}, false
	}
	return found[0], true
}

// Load reads a hierarchy from CSV with the header
// code,name,level,parent,valid_from,valid_to (dates YYYY-MM-DD or empty).
// Lines starting with # are comments.
func Load(r io.Reader) (*Hierarchy, error) {
	units, err := Parse(r)
	if err != nil {
		return nil, err
	}
	return New(units)
}

// Parse reads units from CSV as Load does, checking each line's syntax but
// not the hierarchy they make (for a file that completes a stored one).
func Parse(r io.Reader) ([]Unit, error) {
	cr := csv.NewReader(io.LimitReader(r, 64<<20))
	cr.Comment = '#'
	cr.FieldsPerRecord = 6
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrInvalid, err)
	}
	if strings.Join(head, ",") != "code,name,level,parent,valid_from,valid_to" {
		return nil, fmt.Errorf("%w: header %q, want code,name,level,parent,valid_from,valid_to", ErrInvalid, strings.Join(head, ","))
	}
	var units []Unit
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		line, _ := cr.FieldPos(0)
		u := Unit{Code: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[1]), Level: Level(strings.TrimSpace(rec[2])),
			Parent: strings.TrimSpace(rec[3])}
		for i, p := range []*identity.Date{&u.ValidFrom, &u.ValidTo} {
			if s := strings.TrimSpace(rec[4+i]); s != "" {
				if *p, err = identity.ParseDate(s); err != nil {
					return nil, fmt.Errorf("%w: line %d: %v", ErrInvalid, line, err)
				}
			}
		}
		units = append(units, u)
	}
	return units, nil
}

// Provinces2016 returns the 63 provinces of the 2016 ID-number list as a
// hierarchy (statistics codes: the ID code without its leading zero), the
// starting point an operator completes with districts and communes and
// with the 2025 reform.
func Provinces2016() (*Hierarchy, error) {
	var units []Unit
	for _, p := range identity.Provinces() {
		units = append(units, Unit{Code: strings.TrimPrefix(p.Code, "0"), Name: p.Name, Level: Province})
	}
	return New(units)
}
