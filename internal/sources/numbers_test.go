package sources

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestParseHealthInsuranceNumber(t *testing.T) {
	good := []struct {
		in   string
		want HealthInsuranceNumber
	}{
		{"DN4010123456789", HealthInsuranceNumber{"DN", 4, "01", "0123456789"}},
		{"HS4010120878811", HealthInsuranceNumber{"HS", 4, "01", "0120878811"}},
		{"TE1797900001234", HealthInsuranceNumber{"TE", 1, "79", "7900001234"}},
		{"HT3365678901234", HealthInsuranceNumber{"HT", 3, "36", "5678901234"}},
		{"HN2170000000001", HealthInsuranceNumber{"HN", 2, "17", "0000000001"}},
		{"CA5981234567890", HealthInsuranceNumber{"CA", 5, "98", "1234567890"}},
	}
	for _, tt := range good {
		got, err := ParseHealthInsuranceNumber(tt.in)
		if err != nil || got != tt.want || got.String() != tt.in {
			t.Errorf("%s: %+v %v", tt.in, got, err)
		}
	}
	for _, in := range []string{
		"", "DN401012345678", "DN40101234567890", "dn4010123456789", "XX4010123456789",
		"DN0010123456789", "DN5010123456789", "DNA010123456789", "DN4AA0123456789",
		"DN4990123456789", "DN4010123456X89", "TE4010123456789", "QN4970123456789",
	} {
		if _, err := ParseHealthInsuranceNumber(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestBenefitLevels(t *testing.T) {
	for group, want := range map[string]int{"TE": 1, "CC": 1, "HN": 2, "BT": 2, "HT": 3, "CN": 3, "DN": 4, "HS": 4, "GD": 4, "QN": 5, "CA": 5} {
		level, ok := BenefitLevelOf(group)
		if !ok || level != want {
			t.Errorf("%s: level %d %v, want %d", group, level, ok, want)
		}
		if BeneficiaryGroupName(group) == "" {
			t.Errorf("%s: no name", group)
		}
	}
	for level, want := range map[int]int{1: 100, 2: 100, 3: 95, 4: 80, 5: 100, 0: 0, 6: 0} {
		if got := BenefitPercent(level); got != want {
			t.Errorf("BenefitPercent(%d) = %d, want %d", level, got, want)
		}
	}
	if _, ok := BenefitLevelOf("ZZ"); ok {
		t.Error("ZZ known")
	}
}

func TestTaxCode(t *testing.T) {
	// Published codes of organisations, and check digits worked by hand.
	for _, code := range []string{"0100233488", "0314409058", "0100109106", "8012345677", "8300456214"} {
		if err := ValidateTaxCode(code); err != nil {
			t.Errorf("%s: %v", code, err)
		}
	}
	for _, code := range []string{"0100233480", "0100233489", "010023348", "01002334888", "010023348A", "0100000000", "8000000000"} {
		if err := ValidateTaxCode(code); err == nil {
			t.Errorf("%s accepted", code)
		}
	}
	if c, ok := TaxCheckDigit("010023348"); !ok || c != '8' {
		t.Errorf("TaxCheckDigit(010023348) = %c %v", c, ok)
	}
	// A prefix whose weighted sum is a multiple of 11 has no check digit.
	found := false
	for i := range 1000 {
		p := fmt.Sprintf("80000%04d", i)
		if _, ok := TaxCheckDigit(p); !ok {
			found = true
			for d := '0'; d <= '9'; d++ {
				if ValidateTaxCode(p+string(d)) == nil {
					t.Errorf("%s%c accepted without a check digit", p, d)
				}
			}
		}
	}
	if !found {
		t.Error("no prefix without a check digit found")
	}
	if _, ok := TaxCheckDigit("12345678"); ok {
		t.Error("8 digits have a check digit")
	}
}

func TestParsePlate(t *testing.T) {
	good := []struct {
		in, canon string
		bike      bool
	}{
		{"30A-123.45", "30A-123.45", false},
		{"30a12345", "30A-123.45", false},
		{"30A 12345", "30A-123.45", false},
		{"51LD-123.45", "51LD-123.45", false},
		{"30A-1234", "30A-1234", false},
		{"80B-123.45", "80B-123.45", false},
		{"29-B1 123.45", "29-B1 123.45", true},
		{"29-B1 12345", "29-B1 123.45", true},
		{"29-B1-1234", "29-B1 1234", true},
		{"29-b112345", "29-B1 123.45", true},
		{"59-AA 123.45", "59-AA 123.45", true},
	}
	for _, tt := range good {
		p, err := ParsePlate(tt.in)
		if err != nil || p.String() != tt.canon || p.Motorbike != tt.bike {
			t.Errorf("%q: %+v %q %v", tt.in, p, p.String(), err)
		}
		if NormalizeNumber(VehicleRegistration, tt.in) != tt.canon {
			t.Errorf("NormalizeNumber(%q) = %q", tt.in, NormalizeNumber(VehicleRegistration, tt.in))
		}
	}
	for _, in := range []string{
		"", "30", "3A-123.45", "30-123.45", "30ABC-123.45", "30A-123", "30A-123456", "30A-12.345",
		"13A-123.45", "00A-123.45", "29-B0 123.45", "29-1B 123.45", "29-B1 123.4", "29-B1  123.45", "30A-123.45x",
	} {
		if p, err := ParsePlate(in); err == nil {
			t.Errorf("%q accepted as %+v", in, p)
		}
	}
}

func TestValidateVIN(t *testing.T) {
	for _, v := range []string{"RLHJK0300PY123456", "1HGCM82633A004352", "WVWZZZ1JZXW000001"} {
		if err := ValidateVIN(v); err != nil {
			t.Errorf("%s: %v", v, err)
		}
	}
	for _, v := range []string{"", "RLHJK0300PY12345", "RLHJK0300PY1234567", "RLHJK0300PI123456", "RLHJK0300PQ123456", "rlhjk0300py123456", "RLHJK0300PY12345-"} {
		if ValidateVIN(v) == nil {
			t.Errorf("%q accepted", v)
		}
	}
}

func TestValidateNumber(t *testing.T) {
	for _, d := range samples() {
		if err := ValidateNumber(d.Kind, d.Number); err != nil {
			t.Errorf("%s %s: %v", d.Kind, d.Number, err)
		}
	}
	for _, tt := range []struct {
		kind   Kind
		number string
	}{
		{HealthInsurance, "dn4010123456789"}, {HealthInsurance, "../changes"}, {DrivingLicence, "0101234567"},
		{VehicleRegistration, ".."}, {TaxCode, "8012345670"}, {TaxCode, "00108501234X"}, {"x", "1"},
	} {
		if ValidateNumber(tt.kind, tt.number) == nil {
			t.Errorf("%s %q accepted", tt.kind, tt.number)
		}
	}
}

func TestIsLicenceClass(t *testing.T) {
	for _, c := range strings.Fields("A1 A2 A3 A4 B1 B2 C D E FB2 FC FD FE A B C1 D1 D2 BE C1E CE D1E D2E DE") {
		if !IsLicenceClass(c) {
			t.Errorf("%s not a class", c)
		}
	}
	for _, c := range []string{"", "F", "B3", "a1", "FB"} {
		if IsLicenceClass(c) {
			t.Errorf("%q a class", c)
		}
	}
}

func TestClaims(t *testing.T) {
	for _, d := range samples() {
		claims := d.Claims()
		names := make([]string, len(claims))
		for i, c := range claims {
			names[i] = c.Name
			if c.LabelVI == "" || c.LabelEN == "" {
				t.Errorf("%s: claim %s without labels", d.Kind, c.Name)
			}
		}
		if names[0] != "number" || names[1] != "holder_name" || names[len(names)-1] != "status" {
			t.Errorf("%s: order %v", d.Kind, names)
		}
		b, err := json.Marshal(claims)
		if err != nil {
			t.Fatalf("%s: %v", d.Kind, err)
		}
		if len(b) > 2000 {
			t.Errorf("%s: %d bytes of claims", d.Kind, len(b))
		}
		t.Logf("%s: %v", d.Kind, names)
	}
	byName := func(d Document) map[string]any {
		m := map[string]any{}
		for _, c := range d.Claims() {
			m[c.Name] = c.Value
		}
		return m
	}
	h := byName(sampleHealthInsurance())
	if h["benefit_level"] != 4 || h["benefit_percent"] != 80 || h["valid_from"] != "2026-01-01" || h["valid_until"] != "2026-12-31" {
		t.Errorf("health insurance claims %v", h)
	}
	if c, ok := h["clinic"].(map[string]string); !ok || c["code"] != "01001" {
		t.Errorf("clinic claim %v", h["clinic"])
	}
	l := byName(sampleLicence())
	classes, ok := l["classes"].([]map[string]string)
	if !ok || len(classes) != 2 || classes[0]["class"] != "A1" || classes[0]["valid_until"] != "" ||
		classes[1]["valid_until"] != "2035-03-10" || l["points"] != 12 {
		t.Errorf("licence claims %v", l)
	}
	if _, has := l["valid_until"]; has {
		t.Error("licence without expiry has a valid_until claim")
	}
	v := byName(sampleVehicle())
	if v["vehicle_type"] != "Xe mô tô" || v["vin"] != "RLHJK0300PY123456" || v["seats"] != 2 {
		t.Errorf("vehicle claims %v", v)
	}
	x := byName(sampleTax())
	if x["tax_office"] != "Thuế cơ sở 1 thành phố Hà Nội" || x["registered_on"] != "2010-04-05" || x["status"] != "valid" {
		t.Errorf("tax claims %v", x)
	}
}
