package sources

import (
	"fmt"
	"strconv"

	"github.com/vneid/vneid/internal/identity"
)

// HealthInsuranceCard is what is particular to a health insurance card
// (thẻ BHYT).
//
// The card's code, Document.Number, has 15 characters, as laid down by
// Decision 1351/QĐ-BHXH (2015) of Vietnam Social Security and still used in
// claims and hospital systems: two letters for the beneficiary group (mã
// đối tượng, such as DN), one digit for the benefit level (mức hưởng, 1 to
// 5), two digits for the province that issued the card (its administrative
// code, such as 01 for Hà Nội and 79 for Hồ Chí Minh City) and the holder's
// 10-digit social insurance number (mã số BHXH): "DN4010123456789". The
// card template in use since 2021 (Decision 1666/QĐ-BHXH) prints only the
// 10-digit number; the rest remains in the card's data.
//
// The card is valid from ValidFrom to Document.ValidUntil (zero when the
// card carries no end date, as for pensioners).
type HealthInsuranceCard struct {
	// BeneficiaryGroup is the 2-letter group code (mã đối tượng).
	BeneficiaryGroup string `json:"beneficiary_group"`
	// BenefitLevel is 1 to 5; BenefitPercent gives the share of costs the
	// insurance pays. Decision 1351/QĐ-BHXH ties it to the group.
	BenefitLevel int `json:"benefit_level"`
	// ProvinceCode is the 2-digit code of the province that issued the
	// card (97 and 98 for the social insurance of the Ministry of Defence
	// and of the People's Public Security).
	ProvinceCode string `json:"province_code"`
	// BHXHCode is the holder's 10-digit social insurance number (mã số
	// BHXH), the same for life.
	BHXHCode string `json:"bhxh_code"`
	// Clinic is the initial registered primary care facility (nơi đăng ký
	// khám bệnh, chữa bệnh ban đầu).
	Clinic Clinic `json:"clinic"`
	// ValidFrom is the first day of the card's validity (giá trị sử dụng
	// từ ngày).
	ValidFrom identity.Date `json:"valid_from"`
	// FiveYearsFrom is the day the holder completes five consecutive years
	// of insurance (thời điểm đủ 5 năm liên tục), after which co-payments
	// above six months of base salary in a year are refunded; zero if not
	// printed.
	FiveYearsFrom identity.Date `json:"five_years_from,omitzero"`
	// Area is the residence area code (mã nơi đối tượng sinh sống) K1, K2
	// or K3 printed for people living in disadvantaged areas, or empty.
	Area string `json:"area,omitempty"`
}

// Clinic is a health care facility as coded by the social insurance.
type Clinic struct {
	// Code is the 5-digit facility code: the 2-digit province code and a
	// 3-digit number, such as "01001".
	Code string `json:"code"`
	// Name is the facility's name in Vietnamese.
	Name string `json:"name"`
}

// HealthInsuranceNumber is the 15-character code of a health insurance card
// taken apart.
type HealthInsuranceNumber struct {
	Group    string // beneficiary group, 2 letters
	Level    int    // benefit level, 1–5
	Province string // issuing province, 2 digits
	BHXH     string // social insurance number, 10 digits
}

// String returns the 15-character code.
func (n HealthInsuranceNumber) String() string {
	return n.Group + strconv.Itoa(n.Level) + n.Province + n.BHXH
}

// ParseHealthInsuranceNumber takes apart a 15-character health insurance
// card code in canonical form (upper case, no spaces) and checks that the
// group is known, the benefit level is the one of the group, the province
// code is known and the social insurance number has 10 digits.
func ParseHealthInsuranceNumber(s string) (HealthInsuranceNumber, error) {
	if len(s) != 15 {
		return HealthInsuranceNumber{}, fmt.Errorf("health insurance card code %q: %d characters, want 15", s, len(s))
	}
	n := HealthInsuranceNumber{Group: s[:2], Province: s[3:5], BHXH: s[5:]}
	want, ok := BenefitLevelOf(n.Group)
	if !ok {
		return HealthInsuranceNumber{}, fmt.Errorf("health insurance card code %q: unknown beneficiary group %q", s, n.Group)
	}
	if s[2] < '1' || s[2] > '5' {
		return HealthInsuranceNumber{}, fmt.Errorf("health insurance card code %q: benefit level %q, want 1 to 5", s, s[2:3])
	}
	n.Level = int(s[2] - '0')
	if n.Level != want {
		return HealthInsuranceNumber{}, fmt.Errorf("health insurance card code %q: benefit level %d, group %s has %d", s, n.Level, n.Group, want)
	}
	if !knownInsuranceProvince(n.Province) {
		return HealthInsuranceNumber{}, fmt.Errorf("health insurance card code %q: unknown province code %q", s, n.Province)
	}
	if !isDigits(n.BHXH, 10) {
		return HealthInsuranceNumber{}, fmt.Errorf("health insurance card code %q: social insurance number %q is not 10 digits", s, n.BHXH)
	}
	return n, nil
}

// knownInsuranceProvince reports whether code may open a BHYT card's
// province part or a facility code.
func knownInsuranceProvince(code string) bool {
	if code == defenceInsuranceCode || code == securityInsuranceCode {
		return true
	}
	_, ok := provinceByCode(code)
	return ok
}

// BenefitLevelOf returns the benefit level of a beneficiary group code, as
// Decision 1351/QĐ-BHXH assigns it, and whether the group is known:
//
//	1 (100 %, no cap): CC, TE
//	2 (100 %, within the cap on high-tech services): CK, CB, KC, HN, DT, DK, XD, BT, TS
//	3 (95 %): HT, TC, CN
//	4 (80 %): DN, HX, CH, NN, TK, HC, XK, TB, NO, CT, XB, TN, CS, XN, MS, HD,
//	   TQ, TV, TA, TY, HG, LS, PV, HS, SV, GB, GD
//	5 (100 %, also outside the insurance list): QN, CA, CY
func BenefitLevelOf(group string) (int, bool) {
	switch group {
	case "CC", "TE":
		return 1, true
	case "CK", "CB", "KC", "HN", "DT", "DK", "XD", "BT", "TS":
		return 2, true
	case "HT", "TC", "CN":
		return 3, true
	case "DN", "HX", "CH", "NN", "TK", "HC", "XK", "TB", "NO", "CT", "XB", "TN", "CS", "XN", "MS", "HD",
		"TQ", "TV", "TA", "TY", "HG", "LS", "PV", "HS", "SV", "GB", "GD":
		return 4, true
	case "QN", "CA", "CY":
		return 5, true
	}
	return 0, false
}

// BenefitPercent returns the share of covered costs the insurance pays at a
// benefit level: 100 for levels 1, 2 and 5, 95 for 3, 80 for 4, and 0 for an
// unknown level.
func BenefitPercent(level int) int {
	switch level {
	case 1, 2, 5:
		return 100
	case 3:
		return 95
	case 4:
		return 80
	}
	return 0
}

// BeneficiaryGroupName describes a beneficiary group code in Vietnamese, or
// returns "" for an unknown code.
func BeneficiaryGroupName(group string) string {
	switch group {
	case "DN":
		return "Người lao động làm việc trong doanh nghiệp"
	case "HX":
		return "Người lao động làm việc trong hợp tác xã"
	case "CH":
		return "Người lao động làm việc trong cơ quan nhà nước, đơn vị sự nghiệp"
	case "NN":
		return "Người lao động làm việc cho cơ quan, tổ chức nước ngoài"
	case "TK":
		return "Người lao động làm việc trong tổ chức khác"
	case "HC":
		return "Cán bộ, công chức, viên chức"
	case "XK":
		return "Người hoạt động không chuyên trách ở cấp xã"
	case "HT":
		return "Người hưởng lương hưu, trợ cấp mất sức lao động"
	case "TB":
		return "Người hưởng trợ cấp tai nạn lao động, bệnh nghề nghiệp"
	case "NO":
		return "Người lao động nghỉ ốm dài ngày"
	case "CT":
		return "Người từ đủ 80 tuổi hưởng trợ cấp tuất hằng tháng"
	case "XB":
		return "Cán bộ xã nghỉ việc hưởng trợ cấp bảo hiểm xã hội"
	case "TN":
		return "Người hưởng trợ cấp thất nghiệp"
	case "CS":
		return "Công nhân cao su nghỉ việc hưởng trợ cấp hằng tháng"
	case "QN":
		return "Quân nhân"
	case "CA":
		return "Công an nhân dân"
	case "CY":
		return "Người làm công tác cơ yếu"
	case "XN":
		return "Cán bộ xã nghỉ việc hưởng trợ cấp từ ngân sách nhà nước"
	case "MS":
		return "Người thôi hưởng trợ cấp mất sức lao động"
	case "CC":
		return "Người có công với cách mạng"
	case "CK":
		return "Người có công với cách mạng khác"
	case "CB":
		return "Cựu chiến binh"
	case "KC":
		return "Người tham gia kháng chiến"
	case "HD":
		return "Đại biểu Quốc hội, đại biểu Hội đồng nhân dân"
	case "TE":
		return "Trẻ em dưới 6 tuổi"
	case "BT":
		return "Người hưởng trợ cấp bảo trợ xã hội hằng tháng"
	case "HN":
		return "Người thuộc hộ gia đình nghèo"
	case "DT":
		return "Người dân tộc thiểu số sống ở vùng khó khăn"
	case "DK":
		return "Người sống ở vùng đặc biệt khó khăn"
	case "XD":
		return "Người sống ở xã đảo, huyện đảo"
	case "TS":
		return "Thân nhân của liệt sĩ"
	case "TC":
		return "Thân nhân của người có công với cách mạng"
	case "TQ":
		return "Thân nhân của quân nhân"
	case "TV":
		return "Thân nhân của công nhân, viên chức quốc phòng"
	case "TA":
		return "Thân nhân của công an nhân dân"
	case "TY":
		return "Thân nhân của người làm công tác cơ yếu"
	case "HG":
		return "Người đã hiến bộ phận cơ thể"
	case "LS":
		return "Lưu học sinh nước ngoài"
	case "PV":
		return "Người phục vụ người có công với cách mạng"
	case "CN":
		return "Người thuộc hộ gia đình cận nghèo"
	case "HS":
		return "Học sinh"
	case "SV":
		return "Sinh viên"
	case "GB":
		return "Người thuộc hộ gia đình nông, lâm, ngư, diêm nghiệp có mức sống trung bình"
	case "GD":
		return "Người tham gia theo hộ gia đình"
	}
	return ""
}

// Number returns the card's 15-character code made of its parts.
func (h HealthInsuranceCard) Number() string {
	return HealthInsuranceNumber{h.BeneficiaryGroup, h.BenefitLevel, h.ProvinceCode, h.BHXHCode}.String()
}

// validate checks the card against the document it belongs to.
func (h *HealthInsuranceCard) validate(d *Document) error {
	n, err := ParseHealthInsuranceNumber(d.Number)
	if err != nil {
		return &FieldError{Field: "number", Err: err}
	}
	switch {
	case h.BeneficiaryGroup != n.Group:
		return fieldErr("health_insurance.beneficiary_group",
			fmt.Sprintf("%q, the card code has %q", h.BeneficiaryGroup, n.Group))
	case h.BenefitLevel != n.Level:
		return fieldErr("health_insurance.benefit_level",
			fmt.Sprintf("%d, the card code has %d", h.BenefitLevel, n.Level))
	case h.ProvinceCode != n.Province:
		return fieldErr("health_insurance.province_code",
			fmt.Sprintf("%q, the card code has %q", h.ProvinceCode, n.Province))
	case h.BHXHCode != n.BHXH:
		return fieldErr("health_insurance.bhxh_code",
			fmt.Sprintf("%q, the card code has %q", h.BHXHCode, n.BHXH))
	}
	if !isDigits(h.Clinic.Code, 5) {
		return fieldErr("health_insurance.clinic.code", fmt.Sprintf("%q: want 5 digits", h.Clinic.Code))
	}
	if !knownInsuranceProvince(h.Clinic.Code[:2]) {
		return fieldErr("health_insurance.clinic.code", fmt.Sprintf("%q: unknown province code %q", h.Clinic.Code, h.Clinic.Code[:2]))
	}
	if err := checkText("health_insurance.clinic.name", h.Clinic.Name, true); err != nil {
		return err
	}
	if err := checkDate("health_insurance.valid_from", h.ValidFrom, true); err != nil {
		return err
	}
	if h.ValidFrom.Before(d.DateOfBirth) {
		return fieldErr("health_insurance.valid_from", fmt.Sprintf("%s is before the date of birth", h.ValidFrom))
	}
	if !d.ValidUntil.IsZero() && d.ValidUntil.Before(h.ValidFrom) {
		return fieldErr("valid_until", fmt.Sprintf("%s is before the card's valid_from %s", d.ValidUntil, h.ValidFrom))
	}
	if h.BeneficiaryGroup == "TE" {
		// Children's cards run until the child turns six (72 months).
		six := d.DateOfBirth.AddYears(6)
		if !h.ValidFrom.Before(six) {
			return fieldErr("health_insurance.beneficiary_group", "TE is for children under six")
		}
		if d.ValidUntil.After(six) {
			return fieldErr("valid_until", fmt.Sprintf("%s is after the child turns six", d.ValidUntil))
		}
	}
	if err := checkDate("health_insurance.five_years_from", h.FiveYearsFrom, false); err != nil {
		return err
	}
	if !h.FiveYearsFrom.IsZero() && h.FiveYearsFrom.Before(d.DateOfBirth.AddYears(5)) {
		return fieldErr("health_insurance.five_years_from",
			fmt.Sprintf("%s is less than five years after birth", h.FiveYearsFrom))
	}
	switch h.Area {
	case "", "K1", "K2", "K3":
	default:
		return fieldErr("health_insurance.area", fmt.Sprintf("%q: want K1, K2, K3 or empty", h.Area))
	}
	return nil
}
