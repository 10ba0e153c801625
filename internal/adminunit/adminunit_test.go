package adminunit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/identity"
)

func day(s string) identity.Date {
	d, err := identity.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// reform is a piece of Hà Nội before and after the 2025 two-tier reform:
// the district Hoàn Kiếm and its ward Hàng Đào end on 30 June 2025; the new
// ward Hoàn Kiếm sits directly under the city from 1 July 2025.
const reform = `code,name,level,parent,valid_from,valid_to
# Hà Nội
01,Thành phố Hà Nội,province,,,
002,Quận Hoàn Kiếm,district,01,,2025-06-30
00037,Phường Hàng Đào,commune,002,,2025-06-30
00070,Phường Hoàn Kiếm,commune,01,2025-07-01,
79,Thành phố Hồ Chí Minh,province,,,
760,Quận 1,district,79,,2025-06-30
26734,Phường Bến Nghé,commune,760,,2025-06-30
`

func TestReformIsData(t *testing.T) {
	h, err := adminunit.Load(strings.NewReader(reform))
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 7 {
		t.Fatalf("%d units", h.Len())
	}
	if !h.Contains("01", "00037") || !h.Contains("002", "00037") || h.Contains("79", "00037") || !h.Contains("00037", "00037") {
		t.Error("Contains")
	}
	if p, ok := h.ProvinceOf("00070"); !ok || p.Code != "01" {
		t.Errorf("ProvinceOf(new ward) = %+v, %v", p, ok)
	}
	before, after := day("2025-06-30"), day("2025-07-01")
	if c := h.Children("01", before); len(c) != 1 || c[0].Code != "002" {
		t.Errorf("Hà Nội's children before the reform = %+v", c)
	}
	if c := h.Children("01", after); len(c) != 1 || c[0].Code != "00070" {
		t.Errorf("Hà Nội's children after the reform = %+v", c)
	}
	if u, ok := h.Find("phường hàng  đào", adminunit.Commune, "01", before); !ok || u.Code != "00037" {
		t.Errorf("Find before = %+v, %v", u, ok)
	}
	if _, ok := h.Find("Phường Hàng Đào", adminunit.Commune, "01", after); ok {
		t.Error("a ward found after it ended")
	}
	if a := h.Ancestors("26734"); len(a) != 3 || a[2].Code != "79" {
		t.Errorf("Ancestors = %+v", a)
	}
}

func TestRefusals(t *testing.T) {
	head := "code,name,level,parent,valid_from,valid_to\n"
	for name, body := range map[string]string{
		"bad header":         "code,name\n01,X\n",
		"wrong field count":  head + "01,Hà Nội,province,\n",
		"unknown level":      head + "01,Hà Nội,state,,,\n",
		"short code":         head + "1,Hà Nội,province,,,\n",
		"letters in code":    head + "0A,Hà Nội,province,,,\n",
		"province parent":    head + "01,Hà Nội,province,79,,\n",
		"orphan":             head + "002,Quận Hoàn Kiếm,district,01,,\n",
		"no parent":          head + "002,Quận Hoàn Kiếm,district,,,\n",
		"parent below":       head + "01,Hà Nội,province,,,\n00037,Phường,commune,01,,\n002,Quận,district,00037,,\n",
		"duplicate":          head + "01,Hà Nội,province,,,\n01,Hà Nội,province,,,\n",
		"ends before starts": head + "01,Hà Nội,province,,2025-07-01,2025-06-30\n",
		"bad date":           head + "01,Hà Nội,province,,30/06/2025,\n",
		"outlives parent":    head + "01,Hà Nội,province,,,2025-06-30\n002,Quận,district,01,,\n",
		"empty name":         head + "01,,province,,,\n",
	} {
		if _, err := adminunit.Load(strings.NewReader(body)); !errors.Is(err, adminunit.ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestProvinces2016(t *testing.T) {
	h, err := adminunit.Provinces2016()
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 63 {
		t.Errorf("%d provinces", h.Len())
	}
	if u, ok := h.Unit("79"); !ok || !strings.Contains(u.Name, "Hồ Chí Minh") {
		t.Errorf("79 = %+v", u)
	}
	if u, ok := h.Find("THÀNH PHỐ HÀ NỘI", adminunit.Province, "", identity.Date{}); !ok || u.Code != "01" {
		t.Errorf("Find Hà Nội = %+v, %v", u, ok)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(reform)
	f.Add("code,name,level,parent,valid_from,valid_to\n01,X,province,,,\n")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := adminunit.Load(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, u := range h.Children("01", identity.Date{}) {
			_ = h.Ancestors(u.Code)
		}
	})
}
