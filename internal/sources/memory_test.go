package sources

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"
)

func TestMemoryUpsertIdempotent(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	mem := &Memory{Now: func() time.Time { return clock }}
	docs := samples()
	if err := mem.UpsertDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	first, _ := mem.Changes(ctx, 0, 100)
	clock = clock.Add(time.Hour)
	if err := mem.UpsertDocuments(ctx, docs); err != nil {
		t.Fatal(err)
	}
	second, _ := mem.Changes(ctx, 0, 100)
	if !reflect.DeepEqual(first, second) || len(second) != len(docs) {
		t.Errorf("upserting twice changed the registry:\n%+v\n%+v", first, second)
	}
	for _, c := range second {
		if !c.Document.UpdatedAt.Equal(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("UpdatedAt %v", c.Document.UpdatedAt)
		}
	}
	// A real change gets a new cursor and time.
	d := sampleTax()
	d.Status = StatusRevoked
	if err := mem.UpsertDocuments(ctx, []Document{d}); err != nil {
		t.Fatal(err)
	}
	changes, _ := mem.Changes(ctx, second[len(second)-1].Seq, 100)
	if len(changes) != 1 || changes[0].Document.Status != StatusRevoked || !changes[0].Document.UpdatedAt.Equal(clock) {
		t.Errorf("changes %+v", changes)
	}
	if mem.Len() != len(docs) {
		t.Errorf("Len %d", mem.Len())
	}
}

func TestMemoryRefusesInvalidBatch(t *testing.T) {
	mem := &Memory{}
	bad := sampleTax()
	bad.HolderID = "1"
	err := mem.UpsertDocuments(context.Background(), []Document{sampleVehicle(), bad})
	var fe *FieldError
	if !errors.Is(err, ErrInvalid) || !errors.As(err, &fe) || fe.Field != "holder_id" || mem.Len() != 0 {
		t.Errorf("err %v, %d stored", err, mem.Len())
	}
}

func TestMemoryCopies(t *testing.T) {
	ctx := context.Background()
	mem := &Memory{}
	d := sampleLicence()
	if err := mem.UpsertDocuments(ctx, []Document{d}); err != nil {
		t.Fatal(err)
	}
	d.DrivingLicence.Classes[0].Class = "A2" // the caller's copy
	got, err := mem.Document(ctx, DrivingLicence, "010123456789")
	if err != nil || got.DrivingLicence.Classes[0].Class != "A1" {
		t.Fatalf("%+v %v", got, err)
	}
	*got.DrivingLicence.Points = 1
	again, _ := mem.Document(ctx, DrivingLicence, "010123456789")
	if *again.DrivingLicence.Points != 12 {
		t.Error("a returned document shares memory with the registry")
	}
}

func TestMemoryLookups(t *testing.T) {
	ctx := context.Background()
	mem := &Memory{}
	older := sampleCar()
	older.Number, older.IssuedOn = "30A-999.99", sampleCar().IssuedOn.AddYears(-3)
	older.Vehicle.RegisteredOn = older.IssuedOn
	older.Vehicle.ManufactureYear = older.IssuedOn.Year
	otherHolder := sampleVehicle()
	otherHolder.HolderID, otherHolder.Number = "001085099999", "29-B1 999.99"
	if err := mem.UpsertDocuments(ctx, []Document{older, sampleVehicle(), sampleCar(), otherHolder, sampleTax()}); err != nil {
		t.Fatal(err)
	}
	docs, err := mem.Documents(ctx, VehicleRegistration, "001085012345")
	if err != nil || len(docs) != 3 || docs[0].Number != "29-B1 123.45" || docs[1].Number != "30A-123.45" || docs[2].Number != "30A-999.99" {
		t.Errorf("documents %v %v", docs, err)
	}
	if _, err := mem.Document(ctx, TaxCode, "8300456214"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
	if _, err := mem.Documents(ctx, "x", "001085012345"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad kind: %v", err)
	}
	if _, err := mem.Changes(ctx, 0, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero limit: %v", err)
	}
	page, _ := mem.Changes(ctx, 2, 2)
	if len(page) != 2 || page[0].Seq != 3 || page[1].Seq != 4 {
		t.Errorf("page %+v", page)
	}
}
