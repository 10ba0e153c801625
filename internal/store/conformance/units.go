package conformance

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/adminunit"
	"github.com/vneid/vneid/internal/store"
)

func testUnits(t *testing.T, s store.Store) {
	ctx := context.Background()
	units := []adminunit.Unit{
		{Code: "01", Name: "Thành phố Hà Nội", Level: adminunit.Province},
		{Code: "001", Name: "Quận Ba Đình", Level: adminunit.District, Parent: "01", ValidTo: date("2025-06-30")},
		{Code: "00001", Name: "Phường Phúc Xá", Level: adminunit.Commune, Parent: "001", ValidFrom: date("2008-08-01")},
	}
	if err := s.PutAdminUnits(ctx, units); err != nil {
		t.Fatal(err)
	}
	units[0].Name = "Thủ đô Hà Nội"
	if err := s.PutAdminUnits(ctx, units[:1]); err != nil {
		t.Fatal(err)
	}
	got, err := s.ListAdminUnits(ctx)
	if err != nil || !reflect.DeepEqual(got, units) {
		t.Fatalf("ListAdminUnits = %+v, %v\nwant %+v", got, err, units)
	}

	// The migration creates the ministry's unit.
	c06, err := s.PoliceUnit(ctx, "C06")
	if err != nil || c06.Level != store.PoliceMinistry || c06.Area != "" {
		t.Fatalf("C06 = %+v, %v", c06, err)
	}
	u := store.PoliceUnit{ID: "CA-01-001", Name: "Công an quận Ba Đình", Level: store.PoliceDistrict, Area: "001",
		Parent: "CA-01", State: "active", CreatedAt: base, UpdatedAt: base}
	if err := s.PutPoliceUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.Name, u.State, u.UpdatedAt = "Công an quận Ba Đình, Hà Nội", "closed", base.Add(time.Hour)
	if err := s.PutPoliceUnit(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got, err := s.PoliceUnit(ctx, u.ID); err != nil || !reflect.DeepEqual(got, u) {
		t.Errorf("PoliceUnit = %+v, %v\nwant %+v", got, err, u)
	}
	if _, err := s.PoliceUnit(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing police unit: %v", err)
	}
	if l, err := s.ListPoliceUnits(ctx); err != nil || len(l) != 2 || l[0].ID != "C06" || l[1].ID != u.ID {
		t.Errorf("ListPoliceUnits = %+v, %v", l, err)
	}
}

func testFingerprintTemplates(t *testing.T, s store.Store) {
	ctx := context.Background()
	if l, err := s.FingerprintTemplates(ctx, "001190012399"); err != nil || len(l) != 0 {
		t.Fatalf("none yet = %v, %v", l, err)
	}
	for _, pos := range []int{7, 2} {
		if err := s.PutFingerprintTemplate(ctx, store.FingerprintTemplate{IDNumber: "001190012399", Position: pos,
			Format: "iso19794-2:2005", Data: []byte{byte(pos)}, UpdatedAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutFingerprintTemplate(ctx, store.FingerprintTemplate{IDNumber: "001190012399", Position: 2,
		Format: "iso19794-2:2011", Data: []byte{9, 9}, UpdatedAt: base.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	l, err := s.FingerprintTemplates(ctx, "001190012399")
	if err != nil || len(l) != 2 || l[0].Position != 2 || l[1].Position != 7 {
		t.Fatalf("FingerprintTemplates = %+v, %v", l, err)
	}
	if l[0].Format != "iso19794-2:2011" || !bytes.Equal(l[0].Data, []byte{9, 9}) || !l[0].UpdatedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("replaced template = %+v", l[0])
	}
	if l, _ := s.FingerprintTemplates(ctx, "001190012300"); len(l) != 0 {
		t.Errorf("other citizen's templates = %v", l)
	}
}
