package jurisdiction

import (
	"context"
	"fmt"
	"strings"

	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// DemoUnits returns a hierarchy for demo and test data: the 63 provinces of
// the 2016 list (statistics codes) and, under each, the districts the
// registry generator writes into addresses. District codes are numbered
// here in province order; they are NOT the statistics office's codes, so
// a real deployment imports the official list instead.
func DemoUnits() ([]adminunit.Unit, error) {
	districts, err := registry.DemoDistricts()
	if err != nil {
		return nil, fmt.Errorf("jurisdiction: demo units: %w", err)
	}
	provinces, err := ProvinceUnits()
	if err != nil {
		return nil, err
	}
	var units []adminunit.Unit
	n := 0
	for _, p := range provinces {
		units = append(units, p)
		for _, name := range districts["0"+p.Code] {
			n++
			units = append(units, adminunit.Unit{Code: fmt.Sprintf("%03d", n), Name: name, Level: adminunit.District, Parent: p.Code})
		}
	}
	if n > 999 {
		return nil, fmt.Errorf("jurisdiction: demo units: %d districts do not fit 3-digit codes", n)
	}
	return units, nil
}

// PoliceUnitID returns the conventional ID of the police unit serving an
// administrative unit: "CA-<province>" and "CA-<province>-<district>".
func PoliceUnitID(h *adminunit.Hierarchy, area string) string {
	anc := h.Ancestors(area)
	parts := []string{"CA"}
	for i := len(anc) - 1; i >= 0; i-- {
		parts = append(parts, anc[i].Code)
	}
	return strings.Join(parts, "-")
}

// PoliceUnitName returns the conventional name of the police of an
// administrative unit ("Công an Quận Ba Đình", "Công an Thành phố Hà Nội").
func PoliceUnitName(u adminunit.Unit) string { return "Công an " + u.Name }

// SeedDemo seeds DemoUnits (see Seed).
func (d *Directory) SeedDemo(ctx context.Context) (bool, error) {
	units, err := DemoUnits()
	if err != nil {
		return false, err
	}
	return d.Seed(ctx, units)
}

// ProvinceUnits returns the 63 provinces of the 2016 list with their
// statistics codes, by code (adminunit.Provinces2016): the real starting
// point of a deployment, which then imports districts and communes (and
// the 2025 reform).
func ProvinceUnits() ([]adminunit.Unit, error) {
	h, err := adminunit.Provinces2016()
	if err != nil {
		return nil, fmt.Errorf("jurisdiction: provinces: %w", err)
	}
	return h.Units(), nil
}

// Seed loads units and one police unit per unit (named by PoliceUnitID
// and PoliceUnitName, under the ministry's C06) when the store has no
// administrative units yet. It reports whether it did anything.
func (d *Directory) Seed(ctx context.Context, units []adminunit.Unit) (bool, error) {
	if d.Hierarchy().Len() > 0 {
		return false, nil
	}
	if _, err := d.PutUnits(ctx, "system", units); err != nil {
		return false, err
	}
	h := d.Hierarchy()
	var pus []store.PoliceUnit
	for _, u := range h.Units() {
		pu := store.PoliceUnit{ID: PoliceUnitID(h, u.Code), Name: PoliceUnitName(u), Level: store.PoliceUnitLevel(u.Level),
			Area: u.Code, Parent: "C06"}
		if u.Parent != "" {
			pu.Parent = PoliceUnitID(h, u.Parent)
		}
		pus = append(pus, pu)
	}
	if err := d.PutPoliceUnits(ctx, "system", pus); err != nil {
		return false, fmt.Errorf("jurisdiction: seed police units: %w", err)
	}
	return true, nil
}
