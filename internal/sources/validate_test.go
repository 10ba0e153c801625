package sources

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

func date(y int, m time.Month, d int) identity.Date { return identity.Date{Year: y, Month: m, Day: d} }

func intPtr(n int) *int { return &n }

// Fixtures: one valid document of each kind.

func sampleHealthInsurance() Document {
	return Document{
		Kind: HealthInsurance, Number: "DN4010123456789",
		HolderID: "001085012345", HolderName: "Nguyễn Văn An", DateOfBirth: date(1985, time.March, 12),
		Status: StatusValid, IssuedOn: date(2025, time.December, 20), ValidUntil: date(2026, time.December, 31),
		Issuer: "Bảo hiểm xã hội thành phố Hà Nội",
		HealthInsurance: &HealthInsuranceCard{
			BeneficiaryGroup: "DN", BenefitLevel: 4, ProvinceCode: "01", BHXHCode: "0123456789",
			Clinic:    Clinic{Code: "01001", Name: "Bệnh viện Bạch Mai"},
			ValidFrom: date(2026, time.January, 1), FiveYearsFrom: date(2015, time.January, 1),
		},
	}
}

func sampleLicence() Document {
	return Document{
		Kind: DrivingLicence, Number: "010123456789",
		HolderID: "001085012345", HolderName: "Nguyễn Văn An", DateOfBirth: date(1985, time.March, 12),
		Status: StatusValid, IssuedOn: date(2025, time.March, 10),
		Issuer: "Phòng Cảnh sát giao thông Công an thành phố Hà Nội",
		DrivingLicence: &Licence{
			Classes: []LicenceClass{
				{Class: "A1", IssuedOn: date(2005, time.June, 1)},
				{Class: "B", IssuedOn: date(2025, time.March, 10), ValidUntil: date(2035, time.March, 10)},
			},
			Points: intPtr(12),
		},
	}
}

func sampleVehicle() Document {
	return Document{
		Kind: VehicleRegistration, Number: "29-B1 123.45",
		HolderID: "001085012345", HolderName: "Nguyễn Văn An", DateOfBirth: date(1985, time.March, 12),
		Status: StatusValid, IssuedOn: date(2023, time.May, 2),
		Issuer: "Công an phường Dịch Vọng",
		Vehicle: &Vehicle{
			Type: Motorcycle, Brand: "Honda", Model: "Vision", Colour: "Đỏ - Đen",
			VIN: "RLHJK0300PY123456", EngineNumber: "JK03E-1234567", Seats: 2,
			EngineCapacityCC: 110, ManufactureYear: 2023, RegisteredOn: date(2023, time.May, 2),
		},
	}
}

func sampleCar() Document {
	d := sampleVehicle()
	d.Number = "30A-123.45"
	d.Issuer = "Phòng Cảnh sát giao thông Công an thành phố Hà Nội"
	d.Vehicle = &Vehicle{
		Type: Car, Brand: "Toyota", Model: "Vios", Colour: "Trắng",
		VIN: "RL4B11F30P1234567", EngineNumber: "2NR1234567", Seats: 5,
		EngineCapacityCC: 1496, ManufactureYear: 2022, RegisteredOn: date(2023, time.May, 2),
	}
	return d
}

func sampleTax() Document {
	return Document{
		Kind: TaxCode, Number: "8012345677",
		HolderID: "001085012345", HolderName: "Nguyễn Văn An", DateOfBirth: date(1985, time.March, 12),
		Status: StatusValid, IssuedOn: date(2010, time.April, 5), Issuer: "Tổng cục Thuế",
		Tax: &TaxRegistration{Office: "Thuế cơ sở 1 thành phố Hà Nội", RegisteredOn: date(2010, time.April, 5)},
	}
}

func samples() []Document {
	return []Document{sampleHealthInsurance(), sampleLicence(), sampleVehicle(), sampleCar(), sampleTax()}
}

func TestSamplesValid(t *testing.T) {
	for _, d := range samples() {
		if err := d.Validate(); err != nil {
			t.Errorf("%s %s: %v", d.Kind, d.Number, err)
		}
	}
}

func TestValidateRefusals(t *testing.T) {
	tests := []struct {
		name   string
		base   func() Document
		change func(d *Document)
		field  string
	}{
		// Common fields.
		{"unknown kind", sampleTax, func(d *Document) { d.Kind = "passport" }, "kind"},
		{"no number", sampleTax, func(d *Document) { d.Number = "" }, "number"},
		{"number not canonical", sampleHealthInsurance, func(d *Document) { d.Number = "dn4010123456789" }, "number"},
		{"holder ID short", sampleTax, func(d *Document) { d.HolderID = "00108501234" }, "holder_id"},
		{"no holder name", sampleTax, func(d *Document) { d.HolderName = "" }, "holder_name"},
		{"name with digit", sampleTax, func(d *Document) { d.HolderName = "Nguyễn Văn 2" }, "holder_name"},
		{"name not NFC", sampleTax, func(d *Document) { d.HolderName = "Nguye\u0303n Văn An" }, "holder_name"},
		{"name with double space", sampleTax, func(d *Document) { d.HolderName = "Nguyễn  Văn An" }, "holder_name"},
		{"name with control", sampleTax, func(d *Document) { d.HolderName = "Nguyễn\x00Văn" }, "holder_name"},
		{"name too long", sampleTax, func(d *Document) { d.HolderName = strings.Repeat("A", 201) }, "holder_name"},
		{"no date of birth", sampleTax, func(d *Document) { d.DateOfBirth = identity.Date{} }, "date_of_birth"},
		{"born 1899", sampleTax, func(d *Document) { d.DateOfBirth = date(1899, time.December, 31) }, "date_of_birth"},
		{"impossible date", sampleTax, func(d *Document) { d.DateOfBirth = date(1985, time.February, 30) }, "date_of_birth"},
		{"unknown status", sampleTax, func(d *Document) { d.Status = "lost" }, "status"},
		{"no status", sampleTax, func(d *Document) { d.Status = "" }, "status"},
		{"no issue date", sampleTax, func(d *Document) { d.IssuedOn = identity.Date{} }, "issued_on"},
		{"issued before birth", sampleTax, func(d *Document) { d.IssuedOn = date(1980, time.January, 1) }, "issued_on"},
		{"expires before issue", sampleHealthInsurance, func(d *Document) { d.ValidUntil = date(2025, time.January, 1) }, "valid_until"},
		{"no issuer", sampleTax, func(d *Document) { d.Issuer = "" }, "issuer"},
		{"missing per-kind field", sampleTax, func(d *Document) { d.Tax = nil }, "tax"},
		{"other kind's field", sampleTax, func(d *Document) { d.Vehicle = sampleVehicle().Vehicle }, "vehicle"},

		// Health insurance.
		{"BHYT unknown group", sampleHealthInsurance, func(d *Document) { d.Number = "ZZ4010123456789" }, "number"},
		{"BHYT level not the group's", sampleHealthInsurance, func(d *Document) { d.Number = "DN3010123456789" }, "number"},
		{"BHYT level 6", sampleHealthInsurance, func(d *Document) { d.Number = "DN6010123456789" }, "number"},
		{"BHYT unknown province", sampleHealthInsurance, func(d *Document) { d.Number = "DN4030123456789" }, "number"},
		{"BHYT short", sampleHealthInsurance, func(d *Document) { d.Number = "DN401012345678" }, "number"},
		{"BHYT letters in BHXH", sampleHealthInsurance, func(d *Document) { d.Number = "DN40101234567AB" }, "number"},
		{"BHYT group differs", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.BeneficiaryGroup = "HC" }, "health_insurance.beneficiary_group"},
		{"BHYT level differs", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.BenefitLevel = 3 }, "health_insurance.benefit_level"},
		{"BHYT province differs", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.ProvinceCode = "79" }, "health_insurance.province_code"},
		{"BHYT BHXH differs", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.BHXHCode = "0123456780" }, "health_insurance.bhxh_code"},
		{"clinic code short", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.Clinic.Code = "0100" }, "health_insurance.clinic.code"},
		{"clinic code unknown province", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.Clinic.Code = "03001" }, "health_insurance.clinic.code"},
		{"clinic without name", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.Clinic.Name = "" }, "health_insurance.clinic.name"},
		{"no valid_from", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.ValidFrom = identity.Date{} }, "health_insurance.valid_from"},
		{"valid_from before birth", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.ValidFrom = date(1980, time.January, 1) }, "health_insurance.valid_from"},
		{"valid_until before valid_from", sampleHealthInsurance, func(d *Document) { d.ValidUntil = date(2025, time.December, 30) }, "valid_until"},
		{"five years too early", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.FiveYearsFrom = date(1989, time.January, 1) }, "health_insurance.five_years_from"},
		{"bad area", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.Area = "K4" }, "health_insurance.area"},
		{"TE for an adult", sampleHealthInsurance, func(d *Document) {
			d.Number = "TE1010123456789"
			d.HealthInsurance.BeneficiaryGroup, d.HealthInsurance.BenefitLevel = "TE", 1
		}, "health_insurance.beneficiary_group"},
		{"TE past six", sampleHealthInsurance, func(d *Document) {
			d.DateOfBirth = date(2022, time.May, 1)
			d.Number = "TE1010123456789"
			d.HealthInsurance.BeneficiaryGroup, d.HealthInsurance.BenefitLevel = "TE", 1
			d.HealthInsurance.FiveYearsFrom = identity.Date{}
			d.ValidUntil = date(2028, time.May, 2)
		}, "valid_until"},

		// Driving licence.
		{"licence 11 digits", sampleLicence, func(d *Document) { d.Number = "01012345678" }, "number"},
		{"licence unknown province", sampleLicence, func(d *Document) { d.Number = "030123456789" }, "number"},
		{"no classes", sampleLicence, func(d *Document) { d.DrivingLicence.Classes = nil }, "driving_licence.classes"},
		{"unknown class", sampleLicence, func(d *Document) { d.DrivingLicence.Classes[0].Class = "Z" }, "driving_licence.classes[0].class"},
		{"class twice", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes[1].Class = "A1"
			d.DrivingLicence.Classes[1].ValidUntil = identity.Date{}
		}, "driving_licence.classes[1].class"},
		{"class at 17", sampleLicence, func(d *Document) { d.DrivingLicence.Classes[0].IssuedOn = date(2002, time.June, 1) }, "driving_licence.classes[0].issued_on"},
		{"class after licence", sampleLicence, func(d *Document) { d.DrivingLicence.Classes[0].IssuedOn = date(2025, time.April, 1) }, "driving_licence.classes[0].issued_on"},
		{"A1 with expiry", sampleLicence, func(d *Document) { d.DrivingLicence.Classes[0].ValidUntil = date(2030, time.January, 1) }, "driving_licence.classes[0].valid_until"},
		{"B without expiry", sampleLicence, func(d *Document) { d.DrivingLicence.Classes[1].ValidUntil = identity.Date{} }, "driving_licence.classes[1].valid_until"},
		{"B for 11 years", sampleLicence, func(d *Document) { d.DrivingLicence.Classes[1].ValidUntil = date(2036, time.March, 11) }, "driving_licence.classes[1].valid_until"},
		{"C for 6 years", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes[1] = LicenceClass{Class: "C", IssuedOn: date(2020, time.January, 1), ValidUntil: date(2026, time.January, 2)}
		}, "driving_licence.classes[1].valid_until"},
		{"expiry before issue", sampleLicence, func(d *Document) { d.DrivingLicence.Classes[1].ValidUntil = date(2025, time.March, 9) }, "driving_licence.classes[1].valid_until"},
		{"old B1 past 60", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes[1] = LicenceClass{Class: "B1", IssuedOn: date(2010, time.January, 1), ValidUntil: date(2046, time.January, 1)}
		}, "driving_licence.classes[1].valid_until"},
		{"valid_until not the latest expiry", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes = d.DrivingLicence.Classes[1:]
		}, "valid_until"},
		{"valid_until with a lifetime class", sampleLicence, func(d *Document) { d.ValidUntil = date(2035, time.March, 10) }, "valid_until"},
		{"13 points", sampleLicence, func(d *Document) { d.DrivingLicence.Points = intPtr(13) }, "driving_licence.points"},
		{"negative points", sampleLicence, func(d *Document) { d.DrivingLicence.Points = intPtr(-1) }, "driving_licence.points"},

		// Vehicle.
		{"plate unparsable", sampleVehicle, func(d *Document) { d.Number = "ABC" }, "number"},
		{"plate unknown code", sampleVehicle, func(d *Document) { d.Number = "13-B1 123.45" }, "number"},
		{"plate not canonical", sampleVehicle, func(d *Document) { d.Number = "29-B1 12345" }, "number"},
		{"car plate on motorbike", sampleVehicle, func(d *Document) { d.Number = "29A-123.45" }, "vehicle.type"},
		{"motorbike plate on car", sampleCar, func(d *Document) { d.Number = "30-A1 123.45" }, "vehicle.type"},
		{"unknown type", sampleVehicle, func(d *Document) { d.Vehicle.Type = "tank" }, "vehicle.type"},
		{"no brand", sampleVehicle, func(d *Document) { d.Vehicle.Brand = "" }, "vehicle.brand"},
		{"no model", sampleVehicle, func(d *Document) { d.Vehicle.Model = "" }, "vehicle.model"},
		{"no colour", sampleVehicle, func(d *Document) { d.Vehicle.Colour = "" }, "vehicle.colour"},
		{"VIN with O", sampleVehicle, func(d *Document) { d.Vehicle.VIN = "RLHJK0300PYO23456" }, "vehicle.vin"},
		{"VIN 16", sampleVehicle, func(d *Document) { d.Vehicle.VIN = "RLHJK0300PY12345" }, "vehicle.vin"},
		{"bad engine number", sampleVehicle, func(d *Document) { d.Vehicle.EngineNumber = "JK 03" }, "vehicle.engine_number"},
		{"car with 1 seat", sampleCar, func(d *Document) { d.Vehicle.Seats = 1 }, "vehicle.seats"},
		{"motorbike with 3 seats", sampleVehicle, func(d *Document) { d.Vehicle.Seats = 3 }, "vehicle.seats"},
		{"moped 110 cc", sampleVehicle, func(d *Document) { d.Vehicle.Type = Moped }, "vehicle.engine_capacity_cc"},
		{"motorcycle 49 cc", sampleVehicle, func(d *Document) { d.Vehicle.EngineCapacityCC = 49 }, "vehicle.engine_capacity_cc"},
		{"no registration date", sampleVehicle, func(d *Document) { d.Vehicle.RegisteredOn = identity.Date{} }, "vehicle.registered_on"},
		{"registered after issue", sampleVehicle, func(d *Document) { d.Vehicle.RegisteredOn = date(2023, time.May, 3) }, "vehicle.registered_on"},
		{"made after registration", sampleVehicle, func(d *Document) { d.Vehicle.ManufactureYear = 2024 }, "vehicle.manufacture_year"},

		// Tax.
		{"tax check digit", sampleTax, func(d *Document) { d.Number = "8012345670" }, "number"},
		{"tax 9 digits", sampleTax, func(d *Document) { d.Number = "801234567" }, "number"},
		{"tax branch code", sampleTax, func(d *Document) { d.Number = "0100109106-001" }, "number"},
		{"tax zero serial", sampleTax, func(d *Document) { d.Number = "8000000000" }, "number"},
		{"tax ID of another", sampleTax, func(d *Document) { d.Number = "001085012346" }, "number"},
		{"no tax office", sampleTax, func(d *Document) { d.Tax.Office = "" }, "tax.tax_office"},
		{"tax registered before birth", sampleTax, func(d *Document) { d.Tax.RegisteredOn = date(1980, time.January, 1) }, "tax.registered_on"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.base()
			tt.change(&d)
			err := d.Validate()
			if err == nil {
				t.Fatalf("accepted: %+v", d)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Errorf("error %q: want field %q", err, tt.field)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		base   func() Document
		change func(d *Document)
	}{
		{"BHYT without end date", sampleHealthInsurance, func(d *Document) { d.ValidUntil = identity.Date{} }},
		{"BHYT military", sampleHealthInsurance, func(d *Document) {
			d.Number = "QN5970123456789"
			h := d.HealthInsurance
			h.BeneficiaryGroup, h.BenefitLevel, h.ProvinceCode = "QN", 5, "97"
		}},
		{"BHYT TE until six", sampleHealthInsurance, func(d *Document) {
			d.DateOfBirth = date(2022, time.May, 1)
			d.Number = "TE1010123456789"
			h := d.HealthInsurance
			h.BeneficiaryGroup, h.BenefitLevel, h.FiveYearsFrom = "TE", 1, identity.Date{}
			h.ValidFrom = date(2022, time.May, 1)
			d.IssuedOn = date(2022, time.May, 20)
			d.ValidUntil = date(2028, time.April, 30)
		}},
		{"BHYT area", sampleHealthInsurance, func(d *Document) { d.HealthInsurance.Area = "K2" }},
		{"old licence classes", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes = []LicenceClass{
				{Class: "A1", IssuedOn: date(2005, time.June, 1)},
				{Class: "B2", IssuedOn: date(2015, time.March, 10), ValidUntil: date(2025, time.March, 10)},
				{Class: "FC", IssuedOn: date(2024, time.March, 10), ValidUntil: date(2029, time.March, 10)},
			}
		}},
		{"old B1 until 60", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes = []LicenceClass{{Class: "B1", IssuedOn: date(2010, time.January, 1), ValidUntil: date(2045, time.March, 12)}}
			d.ValidUntil = date(2045, time.March, 12)
		}},
		{"new B1 without expiry", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes = []LicenceClass{{Class: "B1", IssuedOn: date(2025, time.January, 5)}}
		}},
		{"car-only licence", sampleLicence, func(d *Document) {
			d.DrivingLicence.Classes = d.DrivingLicence.Classes[1:]
			d.ValidUntil = date(2035, time.March, 10)
		}},
		{"no points reported", sampleLicence, func(d *Document) { d.DrivingLicence.Points = nil }},
		{"zero points", sampleLicence, func(d *Document) { d.DrivingLicence.Points = intPtr(0) }},
		{"old 4-digit plate", sampleVehicle, func(d *Document) { d.Number = "29-B1 1234" }},
		{"moped plate", sampleVehicle, func(d *Document) {
			d.Number = "29-AA 123.45"
			d.Vehicle.Type, d.Vehicle.EngineCapacityCC = Moped, 49
		}},
		{"two-letter car series", sampleCar, func(d *Document) { d.Number = "51LD-123.45" }},
		{"used car registered earlier", sampleCar, func(d *Document) {
			d.Vehicle.RegisteredOn = date(1975, time.January, 1)
			d.Vehicle.ManufactureYear = 1974
		}},
		{"electric without capacity", sampleVehicle, func(d *Document) { d.Vehicle.EngineCapacityCC = 0 }},
		{"tax code = personal ID", sampleTax, func(d *Document) { d.Number = d.HolderID }},
		{"revoked", sampleTax, func(d *Document) { d.Status = StatusRevoked }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.base()
			tt.change(&d)
			if err := d.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	d := sampleVehicle()
	d.Kind = " Vehicle_Registration "
	d.Number = " 29-b1  12345 "
	d.HolderName = "  nguyê\u0303n   Văn An "
	d.Status = "VALID"
	d.Issuer = "Công an  phường Dịch Vọng"
	d.Vehicle.VIN = "rlhjk0300py123456 "
	d.Vehicle.Type = "Motorcycle"
	d.UpdatedAt = time.Date(2025, 7, 1, 15, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	d.Normalize()
	if d.Number != "29-B1 123.45" || d.HolderName != "nguyễn Văn An" || d.Vehicle.VIN != "RLHJK0300PY123456" ||
		d.Kind != VehicleRegistration || d.Status != StatusValid || d.UpdatedAt.Location() != time.UTC {
		t.Errorf("normalised: %+v %+v", d, d.Vehicle)
	}

	h := sampleHealthInsurance()
	h.Number = "dn 4 01 0123456789"
	h.HealthInsurance = &HealthInsuranceCard{Clinic: h.HealthInsurance.Clinic, ValidFrom: h.HealthInsurance.ValidFrom}
	h.Normalize()
	if err := h.Validate(); err != nil {
		t.Errorf("card parts not derived from the number: %v", err)
	}
}

func TestValidOn(t *testing.T) {
	d := sampleHealthInsurance()
	for _, tt := range []struct {
		day  identity.Date
		want bool
	}{
		{date(2025, time.December, 31), false}, // issued, validity not begun
		{date(2026, time.January, 1), true},
		{date(2026, time.December, 31), true},
		{date(2027, time.January, 1), false},
	} {
		if got := d.ValidOn(tt.day); got != tt.want {
			t.Errorf("ValidOn(%s) = %v", tt.day, got)
		}
	}
	d.Status = StatusSuspended
	if d.ValidOn(date(2026, time.June, 1)) {
		t.Error("suspended card valid")
	}
	l := sampleLicence()
	if !l.ValidOn(date(2060, time.January, 1)) {
		t.Error("licence with a lifetime class not valid in 2060")
	}
	if l.ValidOn(date(2025, time.March, 9)) {
		t.Error("licence valid before issue")
	}
}

func TestKindsAndLabels(t *testing.T) {
	want := []Kind{HealthInsurance, DrivingLicence, VehicleRegistration, TaxCode}
	got := Kinds()
	if len(got) != len(want) {
		t.Fatalf("Kinds() = %v", got)
	}
	for i, k := range got {
		vi, en := k.Label()
		if k != want[i] || !k.Valid() || vi == "" || en == "" {
			t.Errorf("kind %d: %q %q %q", i, k, vi, en)
		}
	}
	if Kind("x").Valid() {
		t.Error("unknown kind valid")
	}
	if vi, en := HealthInsurance.Label(); vi != "Thẻ bảo hiểm y tế" || en != "Health insurance card" {
		t.Errorf("label %q %q", vi, en)
	}
	for _, s := range []Status{StatusValid, StatusExpired, StatusSuspended, StatusRevoked, StatusReplaced} {
		if vi, en := s.Label(); !s.Valid() || vi == "" || en == "" {
			t.Errorf("status %q", s)
		}
	}
	if Status("lost").Valid() {
		t.Error("unknown status valid")
	}
}
