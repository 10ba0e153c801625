package sources

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

// csvColumn is one column of the CSV format: its name, the kinds it applies
// to (all when nil), the Validate field path it fills, and how to read and
// write it.
type csvColumn struct {
	name  string
	kinds []Kind
	path  string
	get   func(d *Document) string
	set   func(d *Document, v string) error
}

// applies reports whether the column applies to documents of kind k.
func (c *csvColumn) applies(k Kind) bool {
	if c.kinds == nil {
		return true
	}
	for _, kk := range c.kinds {
		if kk == k {
			return true
		}
	}
	return false
}

// CSVColumns returns the names of the CSV columns in the order Export writes
// them. Import reads them in any order; only kind, number and holder_id are
// required in the header.
//
//	common:               kind, number, holder_id, holder_name, date_of_birth, status,
//	                      issued_on, valid_until, issuer, updated_at (RFC 3339)
//	health_insurance:     bhyt_group, benefit_level, bhyt_province, bhxh_code,
//	                      clinic_code, clinic_name, valid_from, five_years_from, bhyt_area
//	driving_licence:      classes ("B:2025-01-02:2035-01-02;A1:2015-03-04:",
//	                      class:issued_on:valid_until, empty for no expiry), points
//	vehicle_registration: vehicle_type, brand, model, colour, vin, engine_number, seats,
//	                      engine_capacity_cc, manufacture_year, registered_on
//	tax_code:             tax_office, registered_on
//
// Dates are written YYYY-MM-DD; dd/MM/yyyy is read too. A column that does
// not apply to a row's kind must be empty in that row.
func CSVColumns() []string {
	cols := csvColumns()
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.name
	}
	return names
}

// csvColumns returns the column definitions.
func csvColumns() []csvColumn {
	hi := func(d *Document) *HealthInsuranceCard { return d.HealthInsurance }
	dl := func(d *Document) *Licence { return d.DrivingLicence }
	ve := func(d *Document) *Vehicle { return d.Vehicle }
	tx := func(d *Document) *TaxRegistration { return d.Tax }
	bhyt := []Kind{HealthInsurance}
	gplx := []Kind{DrivingLicence}
	veh := []Kind{VehicleRegistration}
	return []csvColumn{
		textCol("kind", nil, "kind", func(d *Document) *string { return (*string)(&d.Kind) }),
		textCol("number", nil, "number", func(d *Document) *string { return &d.Number }),
		textCol("holder_id", nil, "holder_id", func(d *Document) *string { return &d.HolderID }),
		textCol("holder_name", nil, "holder_name", func(d *Document) *string { return &d.HolderName }),
		dateCol("date_of_birth", nil, "date_of_birth", func(d *Document) *identity.Date { return &d.DateOfBirth }),
		textCol("status", nil, "status", func(d *Document) *string { return (*string)(&d.Status) }),
		dateCol("issued_on", nil, "issued_on", func(d *Document) *identity.Date { return &d.IssuedOn }),
		dateCol("valid_until", nil, "valid_until", func(d *Document) *identity.Date { return &d.ValidUntil }),
		textCol("issuer", nil, "issuer", func(d *Document) *string { return &d.Issuer }),

		textCol("bhyt_group", bhyt, "health_insurance.beneficiary_group", func(d *Document) *string { return &hi(d).BeneficiaryGroup }),
		intCol("benefit_level", bhyt, "health_insurance.benefit_level", func(d *Document) *int { return &hi(d).BenefitLevel }),
		textCol("bhyt_province", bhyt, "health_insurance.province_code", func(d *Document) *string { return &hi(d).ProvinceCode }),
		textCol("bhxh_code", bhyt, "health_insurance.bhxh_code", func(d *Document) *string { return &hi(d).BHXHCode }),
		textCol("clinic_code", bhyt, "health_insurance.clinic.code", func(d *Document) *string { return &hi(d).Clinic.Code }),
		textCol("clinic_name", bhyt, "health_insurance.clinic.name", func(d *Document) *string { return &hi(d).Clinic.Name }),
		dateCol("valid_from", bhyt, "health_insurance.valid_from", func(d *Document) *identity.Date { return &hi(d).ValidFrom }),
		dateCol("five_years_from", bhyt, "health_insurance.five_years_from", func(d *Document) *identity.Date { return &hi(d).FiveYearsFrom }),
		textCol("bhyt_area", bhyt, "health_insurance.area", func(d *Document) *string { return &hi(d).Area }),

		{
			name: "classes", kinds: gplx, path: "driving_licence.classes",
			get: func(d *Document) string { return formatClasses(dl(d).Classes) },
			set: func(d *Document, v string) error {
				cs, err := parseClasses(v)
				dl(d).Classes = cs
				return err
			},
		},
		{
			name: "points", kinds: gplx, path: "driving_licence.points",
			get: func(d *Document) string {
				if p := dl(d).Points; p != nil {
					return strconv.Itoa(*p)
				}
				return ""
			},
			set: func(d *Document, v string) error {
				if v = strings.TrimSpace(v); v == "" {
					return nil
				}
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("%q is not a whole number", v)
				}
				dl(d).Points = &n
				return nil
			},
		},

		textCol("vehicle_type", veh, "vehicle.type", func(d *Document) *string { return (*string)(&ve(d).Type) }),
		textCol("brand", veh, "vehicle.brand", func(d *Document) *string { return &ve(d).Brand }),
		textCol("model", veh, "vehicle.model", func(d *Document) *string { return &ve(d).Model }),
		textCol("colour", veh, "vehicle.colour", func(d *Document) *string { return &ve(d).Colour }),
		textCol("vin", veh, "vehicle.vin", func(d *Document) *string { return &ve(d).VIN }),
		textCol("engine_number", veh, "vehicle.engine_number", func(d *Document) *string { return &ve(d).EngineNumber }),
		intCol("seats", veh, "vehicle.seats", func(d *Document) *int { return &ve(d).Seats }),
		intCol("engine_capacity_cc", veh, "vehicle.engine_capacity_cc", func(d *Document) *int { return &ve(d).EngineCapacityCC }),
		intCol("manufacture_year", veh, "vehicle.manufacture_year", func(d *Document) *int { return &ve(d).ManufactureYear }),
		{
			name: "registered_on", kinds: []Kind{VehicleRegistration, TaxCode}, path: "registered_on",
			get: func(d *Document) string {
				switch {
				case d.Vehicle != nil:
					return d.Vehicle.RegisteredOn.String()
				case d.Tax != nil:
					return d.Tax.RegisteredOn.String()
				}
				return ""
			},
			set: func(d *Document, v string) error {
				day, err := parseCSVDate(v)
				switch {
				case d.Vehicle != nil:
					d.Vehicle.RegisteredOn = day
				case d.Tax != nil:
					d.Tax.RegisteredOn = day
				}
				return err
			},
		},
		textCol("tax_office", []Kind{TaxCode}, "tax.tax_office", func(d *Document) *string { return &tx(d).Office }),
		{
			name: "updated_at", path: "updated_at",
			get: func(d *Document) string {
				if d.UpdatedAt.IsZero() {
					return ""
				}
				return d.UpdatedAt.UTC().Format(time.RFC3339Nano)
			},
			set: func(d *Document, v string) error {
				if v = strings.TrimSpace(v); v == "" {
					return nil
				}
				t, err := time.Parse(time.RFC3339Nano, v)
				if err != nil {
					return fmt.Errorf("%q: want an RFC 3339 time such as 2025-07-01T08:00:00Z", v)
				}
				d.UpdatedAt = t.UTC()
				return nil
			},
		},
	}
}

// textCol is a column holding a string.
func textCol(name string, kinds []Kind, path string, field func(*Document) *string) csvColumn {
	return csvColumn{
		name: name, kinds: kinds, path: path,
		get: func(d *Document) string { return *field(d) },
		set: func(d *Document, v string) error { *field(d) = v; return nil },
	}
}

// intCol is a column holding a whole number; empty means 0.
func intCol(name string, kinds []Kind, path string, field func(*Document) *int) csvColumn {
	return csvColumn{
		name: name, kinds: kinds, path: path,
		get: func(d *Document) string {
			if n := *field(d); n != 0 {
				return strconv.Itoa(n)
			}
			return ""
		},
		set: func(d *Document, v string) error {
			if v = strings.TrimSpace(v); v == "" {
				*field(d) = 0
				return nil
			}
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%q is not a whole number", v)
			}
			*field(d) = n
			return nil
		},
	}
}

// dateCol is a column holding a date; empty means the zero date.
func dateCol(name string, kinds []Kind, path string, field func(*Document) *identity.Date) csvColumn {
	return csvColumn{
		name: name, kinds: kinds, path: path,
		get: func(d *Document) string { return field(d).String() },
		set: func(d *Document, v string) error {
			day, err := parseCSVDate(v)
			*field(d) = day
			return err
		},
	}
}

// parseCSVDate reads "YYYY-MM-DD" or "dd/MM/yyyy"; empty is the zero date.
func parseCSVDate(v string) (identity.Date, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return identity.Date{}, nil
	case len(v) == 10 && v[4] == '-':
		return identity.ParseDate(v)
	default:
		return identity.ParseDateDMY(v)
	}
}

// formatClasses writes licence classes as "B:2025-01-02:2035-01-02;A1:2015-03-04:".
func formatClasses(cs []LicenceClass) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Class + ":" + c.IssuedOn.String() + ":" + c.ValidUntil.String()
	}
	return strings.Join(parts, ";")
}

// parseClasses reads what formatClasses writes; empty items are skipped.
func parseClasses(v string) ([]LicenceClass, error) {
	var out []LicenceClass
	for i, item := range strings.Split(v, ";") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		f := strings.Split(item, ":")
		if len(f) != 3 {
			return nil, fmt.Errorf("item %d %q: want class:issued_on:valid_until", i+1, item)
		}
		c := LicenceClass{Class: code(f[0])}
		var err error
		if c.IssuedOn, err = parseCSVDate(f[1]); err != nil {
			return nil, fmt.Errorf("item %d: issued_on: %w", i+1, err)
		}
		if c.ValidUntil, err = parseCSVDate(f[2]); err != nil {
			return nil, fmt.Errorf("item %d: valid_until: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// csvColumnFor maps a Validate field path to the CSV column that holds it.
func csvColumnFor(cols []csvColumn, field string) string {
	for _, c := range cols {
		if field == c.path || strings.HasPrefix(field, c.path+"[") || strings.HasPrefix(field, c.path+".") {
			return c.name
		}
	}
	// Paths of per-kind fields read from a shared column.
	if strings.HasSuffix(field, ".registered_on") {
		return "registered_on"
	}
	return field
}
