package identity

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
)

// provincesCSV is the list of the 63 provinces and centrally governed cities
// with the 3-digit codes used in personal ID numbers (Circular 07/2016/TT-BCA).
//
//go:embed provinces-2016.csv
var provincesCSV string

// Province is a province or centrally governed city as coded in personal ID
// numbers.
type Province struct {
	// Code is the 3-digit code, such as "001".
	Code string
	// Name is the official Vietnamese name, such as "Thành phố Hà Nội".
	Name string
}

// provinceTable is the immutable province list, built once from the embedded
// file when the package is initialised.
type provinceTable struct {
	list   []Province // sorted by code
	byCode map[string]Province
}

var provinces = mustLoadProvinces(provincesCSV)

func mustLoadProvinces(data string) provinceTable {
	t, err := loadProvinces(data)
	if err != nil {
		// The file is embedded at build time; a bad file is a build defect
		// that the package tests catch.
		panic(fmt.Sprintf("identity: embedded provinces-2016.csv: %v", err))
	}
	return t
}

func loadProvinces(data string) (provinceTable, error) {
	r := csv.NewReader(strings.NewReader(data))
	r.FieldsPerRecord = 2
	header, err := r.Read()
	if err != nil {
		return provinceTable{}, fmt.Errorf("read header: %w", err)
	}
	if header[0] != "code" || header[1] != "name" {
		return provinceTable{}, fmt.Errorf("header %q: want code,name", header)
	}
	t := provinceTable{byCode: make(map[string]Province)}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return provinceTable{}, fmt.Errorf("read: %w", err)
		}
		p := Province{Code: rec[0], Name: NormalizeName(rec[1])}
		if !isDigits(p.Code, 3) {
			return provinceTable{}, fmt.Errorf("code %q: want 3 digits", p.Code)
		}
		if p.Name == "" {
			return provinceTable{}, fmt.Errorf("code %s: empty name", p.Code)
		}
		if _, dup := t.byCode[p.Code]; dup {
			return provinceTable{}, fmt.Errorf("code %s: duplicate", p.Code)
		}
		t.byCode[p.Code] = p
		t.list = append(t.list, p)
	}
	if len(t.list) == 0 {
		return provinceTable{}, fmt.Errorf("no provinces")
	}
	slices.SortFunc(t.list, func(a, b Province) int { return strings.Compare(a.Code, b.Code) })
	return t, nil
}

// Provinces returns the 63 provinces sorted by code. The caller owns the
// returned slice.
func Provinces() []Province {
	return slices.Clone(provinces.list)
}

// ProvinceByCode returns the province with the 3-digit code, and whether
// there is one.
func ProvinceByCode(code string) (Province, bool) {
	p, ok := provinces.byCode[code]
	return p, ok
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
