package identity

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestProvinces(t *testing.T) {
	ps := Provinces()
	if len(ps) != 63 {
		t.Fatalf("Provinces: %d entries, want 63", len(ps))
	}
	if !slices.IsSortedFunc(ps, func(a, b Province) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("Provinces: not sorted by code")
	}
	for _, p := range ps {
		if !isDigits(p.Code, 3) || p.Name == "" || !norm.NFC.IsNormalString(p.Name) {
			t.Errorf("Provinces: bad entry %+v", p)
		}
		got, ok := ProvinceByCode(p.Code)
		if !ok || got != p {
			t.Errorf("ProvinceByCode(%q) = %+v, %v; want %+v", p.Code, got, ok, p)
		}
	}
	if ps[0].Code != "001" || ps[len(ps)-1].Code != "096" {
		t.Errorf("Provinces: first %s, last %s; want 001 and 096", ps[0].Code, ps[len(ps)-1].Code)
	}
	// The result is a copy.
	ps[0].Name = "changed"
	if Provinces()[0].Name == "changed" {
		t.Error("Provinces: returned the internal slice")
	}
}

func TestProvinceByCode(t *testing.T) {
	tests := []struct {
		code string
		name string
		ok   bool
	}{
		{"001", "Thành phố Hà Nội", true},
		{"079", "Thành phố Hồ Chí Minh", true},
		{"096", "Tỉnh Cà Mau", true},
		{"003", "", false}, // codes are not contiguous
		{"000", "", false},
		{"1", "", false},
		{"", "", false},
		{"0001", "", false},
		{"０01", "", false},
	}
	for _, tt := range tests {
		p, ok := ProvinceByCode(tt.code)
		if ok != tt.ok || p.Name != tt.name {
			t.Errorf("ProvinceByCode(%q) = %+v, %v; want name %q, %v", tt.code, p, ok, tt.name, tt.ok)
		}
	}
}

func TestLoadProvincesErrors(t *testing.T) {
	tests := map[string]string{
		"empty":      "",
		"bad header": "id,label\n001,X\n",
		"no rows":    "code,name\n",
		"short code": "code,name\n01,X\n",
		"empty name": "code,name\n001, \n",
		"duplicate":  "code,name\n001,X\n001,Y\n",
		"3 columns":  "code,name\n001,X,Z\n",
	}
	for name, data := range tests {
		if _, err := loadProvinces(data); err == nil {
			t.Errorf("%s: loadProvinces succeeded, want an error", name)
		}
	}
}
