package sources

import (
	"fmt"
	"strings"

	"github.com/vneid/vneid/internal/identity"
)

// Vehicle is what is particular to a vehicle registration certificate
// (giấy chứng nhận đăng ký xe). The vehicle is registered to the document's
// holder, its owner; Document.Number is the plate number in the canonical
// form of Plate.String.
type Vehicle struct {
	// Type is the kind of vehicle (loại xe).
	Type VehicleType `json:"type"`
	// Brand is the make (nhãn hiệu), such as "Honda".
	Brand string `json:"brand"`
	// Model is the model (số loại), such as "Wave Alpha".
	Model string `json:"model"`
	// Colour is the paint colour (màu sơn) in Vietnamese, such as "Đỏ".
	Colour string `json:"colour"`
	// VIN is the chassis number (số khung): a 17-character vehicle
	// identification number (ISO 3779).
	VIN string `json:"vin"`
	// EngineNumber is the engine (or electric motor) number (số máy).
	EngineNumber string `json:"engine_number"`
	// Seats is the number of seats including the driver's (số chỗ ngồi):
	// 2 to 9 for cars, 10 or more for buses, 1 to 9 for pick-ups and
	// trucks, 0 (not stated) to 2 for two-wheelers.
	Seats int `json:"seats,omitempty"`
	// EngineCapacityCC is the cylinder capacity in cm³ (dung tích xi
	// lanh); 0 when not stated or electric. A moped (xe gắn máy) has at
	// most 50 cm³.
	EngineCapacityCC int `json:"engine_capacity_cc,omitempty"`
	// ManufactureYear is the year of manufacture; 0 when not stated.
	ManufactureYear int `json:"manufacture_year,omitempty"`
	// RegisteredOn is the day of first registration (đăng ký lần đầu
	// ngày), which may be before the holder owned the vehicle.
	RegisteredOn identity.Date `json:"registered_on"`
}

// VehicleType is the kind of a registered vehicle.
type VehicleType string

// The vehicle types.
const (
	Car        VehicleType = "car"        // ô tô con: up to 9 seats
	Pickup     VehicleType = "pickup"     // ô tô tải pick-up
	Truck      VehicleType = "truck"      // ô tô tải
	Bus        VehicleType = "bus"        // ô tô khách: 10 seats or more
	Motorcycle VehicleType = "motorcycle" // xe mô tô: over 50 cm³ or an electric motorcycle
	Moped      VehicleType = "moped"      // xe gắn máy: up to 50 cm³ or an electric moped
)

// Valid reports whether t is one of the vehicle types.
func (t VehicleType) Valid() bool {
	switch t {
	case Car, Pickup, Truck, Bus, Motorcycle, Moped:
		return true
	}
	return false
}

// TwoWheeler reports whether t is a motorcycle or a moped, which carry
// motorbike plates.
func (t VehicleType) TwoWheeler() bool { return t == Motorcycle || t == Moped }

// Label returns the type's name in Vietnamese and English, or two empty
// strings for an unknown type.
func (t VehicleType) Label() (vi, en string) {
	switch t {
	case Car:
		return "Ô tô con", "Car"
	case Pickup:
		return "Ô tô tải pick-up", "Pick-up truck"
	case Truck:
		return "Ô tô tải", "Truck"
	case Bus:
		return "Ô tô khách", "Bus"
	case Motorcycle:
		return "Xe mô tô", "Motorcycle"
	case Moped:
		return "Xe gắn máy", "Moped"
	}
	return "", ""
}

// Plate is a Vietnamese plate number taken apart (Circular 24/2023/TT-BCA).
//
// A car plate is written "30A-123.45": the 2-digit plate code of the
// province, a series of one or two letters, a dash and a serial of five
// digits (four on plates issued before 2012: "30A-1234"). A motorbike plate
// is written "29-B1 123.45": plate code, dash, a series of a letter followed
// by a digit 1–9 or a letter, a space and the serial.
type Plate struct {
	// Code is the 2-digit plate code of the province ("29"–"33" and "40"
	// for Hà Nội, "41" and "50"–"59" for Hồ Chí Minh City, "80" for
	// central agencies...).
	Code string
	// Series is the series (sê-ri), such as "A" or "B1".
	Series string
	// Serial is the 4 or 5 digits, without the dot.
	Serial string
	// Motorbike tells the motorbike form from the car form.
	Motorbike bool
}

// String writes the plate in canonical form: "30A-123.45", "29-B1 123.45".
func (p Plate) String() string {
	serial := p.Serial
	if len(serial) == 5 {
		serial = serial[:3] + "." + serial[3:]
	}
	if p.Motorbike {
		return p.Code + "-" + p.Series + " " + serial
	}
	return p.Code + p.Series + "-" + serial
}

// ParsePlate reads a plate number in upper or lower case. A dash right
// after the 2-digit code marks a motorbike plate ("29-B1 123.45",
// "29-B1 12345", "29-B1-1234"); otherwise it is a car plate ("30A-123.45",
// "30A12345", "51LD 123.45"). The code must be one in use.
func ParsePlate(s string) (Plate, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	bad := func(why string) (Plate, error) {
		return Plate{}, fmt.Errorf("plate %q: %s", s, why)
	}
	if len(u) < 3 || !isDigits(u[:2], 2) {
		return bad("want a 2-digit province code first")
	}
	p := Plate{Code: u[:2]}
	rest := u[2:]
	if rest[0] == '-' {
		p.Motorbike = true
		rest = rest[1:]
		if len(rest) < 2 || !isUpper(rest[0]) || !(rest[1] >= '1' && rest[1] <= '9' || isUpper(rest[1])) {
			return bad("want a motorbike series such as B1 after the dash")
		}
		p.Series, rest = rest[:2], rest[2:]
	} else {
		n := 0
		for n < len(rest) && n < 3 && isUpper(rest[n]) {
			n++
		}
		if n == 0 || n > 2 {
			return bad("want a series of one or two letters after the province code")
		}
		p.Series, rest = rest[:n], rest[n:]
	}
	if len(rest) > 0 && (rest[0] == '-' || rest[0] == ' ') {
		rest = rest[1:]
	}
	switch {
	case isDigits(rest, 4), isDigits(rest, 5):
		p.Serial = rest
	case len(rest) == 6 && rest[3] == '.' && isDigits(rest[:3], 3) && isDigits(rest[4:], 2):
		p.Serial = rest[:3] + rest[4:]
	default:
		return bad("want a serial of 4 digits or 5 digits written 123.45")
	}
	if !knownPlateCode(p.Code) {
		return bad(fmt.Sprintf("unknown plate code %q", p.Code))
	}
	return p, nil
}

// ValidateVIN checks a vehicle identification number: 17 characters, digits
// and upper-case letters other than I, O and Q (ISO 3779). The check digit
// in position 9 is required only in North America and is not checked.
func ValidateVIN(vin string) error {
	if len(vin) != 17 {
		return fmt.Errorf("VIN %q: %d characters, want 17", vin, len(vin))
	}
	for i := 0; i < len(vin); i++ {
		c := vin[i]
		if !(c >= '0' && c <= '9' || isUpper(c)) || c == 'I' || c == 'O' || c == 'Q' {
			return fmt.Errorf("VIN %q: character %d is not a digit or a letter other than I, O, Q", vin, i+1)
		}
	}
	return nil
}

// validEngineNumber reports whether s looks like an engine number: 5 to 20
// digits, upper-case letters and dashes, starting with a digit or letter.
func validEngineNumber(s string) bool {
	if len(s) < 5 || len(s) > 20 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || isUpper(c) || c == '-') {
			return false
		}
	}
	return true
}

// validate checks the vehicle against the document it belongs to.
func (v *Vehicle) validate(d *Document) error {
	p, err := ParsePlate(d.Number)
	if err != nil {
		return &FieldError{Field: "number", Err: err}
	}
	if p.String() != d.Number {
		return fieldErr("number", fmt.Sprintf("plate %q: write it %q", d.Number, p.String()))
	}
	if !v.Type.Valid() {
		return fieldErr("vehicle.type", fmt.Sprintf("%q: want car, pickup, truck, bus, motorcycle or moped", string(v.Type)))
	}
	if v.Type.TwoWheeler() != p.Motorbike {
		if p.Motorbike {
			return fieldErr("vehicle.type", fmt.Sprintf("%s with a motorbike plate", v.Type))
		}
		return fieldErr("vehicle.type", fmt.Sprintf("%s with a car plate", v.Type))
	}
	for _, t := range []struct{ field, value string }{
		{"vehicle.brand", v.Brand}, {"vehicle.model", v.Model}, {"vehicle.colour", v.Colour},
	} {
		if err := checkText(t.field, t.value, true); err != nil {
			return err
		}
	}
	if err := ValidateVIN(v.VIN); err != nil {
		return &FieldError{Field: "vehicle.vin", Err: err}
	}
	if !validEngineNumber(v.EngineNumber) {
		return fieldErr("vehicle.engine_number", fmt.Sprintf("%q: want 5 to 20 digits, upper-case letters and dashes", v.EngineNumber))
	}
	lo, hi := 0, 2
	switch v.Type {
	case Car:
		lo, hi = 2, 9
	case Bus:
		lo, hi = 10, 100
	case Pickup, Truck:
		lo, hi = 1, 9
	}
	if v.Seats < lo || v.Seats > hi {
		return fieldErr("vehicle.seats", fmt.Sprintf("%d: a %s has %d to %d", v.Seats, v.Type, lo, hi))
	}
	switch {
	case v.EngineCapacityCC < 0 || v.EngineCapacityCC > 20000:
		return fieldErr("vehicle.engine_capacity_cc", fmt.Sprintf("%d: want 0 to 20000", v.EngineCapacityCC))
	case v.Type == Moped && v.EngineCapacityCC > 50:
		return fieldErr("vehicle.engine_capacity_cc", fmt.Sprintf("%d cm³: a moped has at most 50", v.EngineCapacityCC))
	case v.Type == Motorcycle && v.EngineCapacityCC != 0 && v.EngineCapacityCC <= 50:
		return fieldErr("vehicle.engine_capacity_cc", fmt.Sprintf("%d cm³: a motorcycle has more than 50", v.EngineCapacityCC))
	}
	if err := checkDate("vehicle.registered_on", v.RegisteredOn, true); err != nil {
		return err
	}
	if v.RegisteredOn.After(d.IssuedOn) {
		return fieldErr("vehicle.registered_on", fmt.Sprintf("%s is after the certificate was issued on %s", v.RegisteredOn, d.IssuedOn))
	}
	if v.ManufactureYear != 0 && (v.ManufactureYear < 1900 || v.ManufactureYear > v.RegisteredOn.Year) {
		return fieldErr("vehicle.manufacture_year", fmt.Sprintf("%d: want 1900 to the year of first registration", v.ManufactureYear))
	}
	return nil
}

// isUpper reports whether c is an ASCII upper-case letter.
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
