package sources

import "github.com/vneid/vneid/internal/identity"

// Claim is one attribute of a document as the wallet presents it.
type Claim struct {
	// Name is a stable snake_case name, such as "holder_name".
	Name string `json:"name"`
	// Value is the attribute's value: a string (dates as "YYYY-MM-DD"),
	// an int, or for a few claims a small slice or map of strings. It is
	// always JSON-marshallable.
	Value any `json:"value"`
	// LabelVI and LabelEN name the attribute for people.
	LabelVI string `json:"label_vi"`
	LabelEN string `json:"label_en"`
}

// Claims returns the attributes of d as an ordered list, small enough for
// a QR code. Every document has, in this order: number, holder_name,
// holder_id, date_of_birth; then the claims of its kind; then issued_on,
// valid_until (when d expires), issuer and status (the status code, such
// as "valid").
//
// The claims of each kind, in order, each present only when known:
//
//	health_insurance:     beneficiary_group, benefit_level, benefit_percent,
//	                      bhxh_code, clinic ({"code","name"}), valid_from,
//	                      five_years_from, area
//	driving_licence:      classes ([{"class","issued_on","valid_until"}],
//	                      valid_until omitted for classes without expiry),
//	                      points
//	vehicle_registration: vehicle_type (in Vietnamese), brand, model,
//	                      colour, vin, engine_number, seats,
//	                      engine_capacity_cc, manufacture_year, registered_on
//	tax_code:             tax_office, registered_on
func (d Document) Claims() []Claim {
	numVI, numEN := "Số", "Number"
	switch d.Kind {
	case HealthInsurance:
		numVI, numEN = "Mã thẻ BHYT", "Health insurance card code"
	case DrivingLicence:
		numVI, numEN = "Số giấy phép lái xe", "Driving licence number"
	case VehicleRegistration:
		numVI, numEN = "Biển số xe", "Plate number"
	case TaxCode:
		numVI, numEN = "Mã số thuế", "Tax code"
	}
	out := make([]Claim, 0, 20)
	add := func(name string, value any, vi, en string) {
		out = append(out, Claim{Name: name, Value: value, LabelVI: vi, LabelEN: en})
	}
	addDate := func(name string, day identity.Date, vi, en string) {
		if !day.IsZero() {
			add(name, day.String(), vi, en)
		}
	}
	addText := func(name, value, vi, en string) {
		if value != "" {
			add(name, value, vi, en)
		}
	}
	addInt := func(name string, value int, vi, en string) {
		if value != 0 {
			add(name, value, vi, en)
		}
	}

	add("number", d.Number, numVI, numEN)
	add("holder_name", d.HolderName, "Họ và tên", "Full name")
	add("holder_id", d.HolderID, "Số định danh cá nhân", "Personal ID number")
	addDate("date_of_birth", d.DateOfBirth, "Ngày sinh", "Date of birth")

	switch {
	case d.Kind == HealthInsurance && d.HealthInsurance != nil:
		h := d.HealthInsurance
		addText("beneficiary_group", h.BeneficiaryGroup, "Mã đối tượng", "Beneficiary group")
		addInt("benefit_level", h.BenefitLevel, "Mức hưởng", "Benefit level")
		addInt("benefit_percent", BenefitPercent(h.BenefitLevel), "Tỷ lệ hưởng (%)", "Benefit (%)")
		addText("bhxh_code", h.BHXHCode, "Mã số BHXH", "Social insurance number")
		if h.Clinic != (Clinic{}) {
			add("clinic", map[string]string{"code": h.Clinic.Code, "name": h.Clinic.Name},
				"Nơi đăng ký KCB ban đầu", "Registered primary care facility")
		}
		addDate("valid_from", h.ValidFrom, "Giá trị sử dụng từ ngày", "Valid from")
		addDate("five_years_from", h.FiveYearsFrom, "Thời điểm đủ 5 năm liên tục", "Five consecutive years from")
		addText("area", h.Area, "Mã nơi sinh sống", "Residence area code")
	case d.Kind == DrivingLicence && d.DrivingLicence != nil:
		l := d.DrivingLicence
		classes := make([]map[string]string, 0, len(l.Classes))
		for _, c := range l.Classes {
			m := map[string]string{"class": c.Class, "issued_on": c.IssuedOn.String()}
			if !c.ValidUntil.IsZero() {
				m["valid_until"] = c.ValidUntil.String()
			}
			classes = append(classes, m)
		}
		add("classes", classes, "Hạng", "Classes")
		if l.Points != nil {
			add("points", *l.Points, "Điểm", "Points")
		}
	case d.Kind == VehicleRegistration && d.Vehicle != nil:
		v := d.Vehicle
		typeVI, _ := v.Type.Label()
		if typeVI == "" {
			typeVI = string(v.Type)
		}
		addText("vehicle_type", typeVI, "Loại xe", "Vehicle type")
		addText("brand", v.Brand, "Nhãn hiệu", "Brand")
		addText("model", v.Model, "Số loại", "Model")
		addText("colour", v.Colour, "Màu sơn", "Colour")
		addText("vin", v.VIN, "Số khung", "Chassis number (VIN)")
		addText("engine_number", v.EngineNumber, "Số máy", "Engine number")
		addInt("seats", v.Seats, "Số chỗ ngồi", "Seats")
		addInt("engine_capacity_cc", v.EngineCapacityCC, "Dung tích xi lanh (cm³)", "Engine capacity (cm³)")
		addInt("manufacture_year", v.ManufactureYear, "Năm sản xuất", "Year of manufacture")
		addDate("registered_on", v.RegisteredOn, "Đăng ký lần đầu ngày", "First registered on")
	case d.Kind == TaxCode && d.Tax != nil:
		addText("tax_office", d.Tax.Office, "Cơ quan thuế quản lý", "Managing tax office")
		addDate("registered_on", d.Tax.RegisteredOn, "Ngày đăng ký thuế", "Tax registration date")
	}

	addDate("issued_on", d.IssuedOn, "Ngày cấp", "Issued on")
	addDate("valid_until", d.ValidUntil, "Có giá trị đến", "Valid until")
	addText("issuer", d.Issuer, "Nơi cấp", "Issued by")
	add("status", string(d.Status), "Tình trạng", "Status")
	return out
}
