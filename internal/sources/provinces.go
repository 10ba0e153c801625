package sources

import (
	"strings"

	"github.com/vneid/vneid/internal/identity"
)

// province is one of the 63 provinces and centrally governed cities as they
// were before the 2025 merger, with the codes documents carry.
type province struct {
	// code3 is the 3-digit code of personal ID numbers (Circular
	// 07/2016/TT-BCA), such as "001".
	code3 string
	// code is the 2-digit administrative code (the code list of Decision
	// 124/2004/QĐ-TTg): code3 without its leading zero. BHYT card numbers
	// and clinic codes, and GPLX numbers open with it.
	code string
	// name is the official name, such as "Thành phố Hà Nội"; short drops
	// the "Tỉnh"/"Thành phố" prefix.
	name, short string
	// plates are the 2-digit plate codes of the province (annex of Circular
	// 24/2023/TT-BCA), the first being the most used.
	plates []string
}

// provinceTable indexes the provinces. It is built once when the package is
// initialised and only read afterwards.
type provinceTable struct {
	list   []province
	byCode map[string]int // 2-digit administrative code → index
	byName map[string]int // nameKey → index
	plates map[string]bool
}

// provinces is read-only after initialisation.
var provinces = buildProvinceTable()

// platesOf returns the plate codes of the province with the 3-digit ID
// code, from the annex of Circular 24/2023/TT-BCA (unchanged by the 2025
// merger: a merged province keeps the codes of its parts).
func platesOf(code3 string) []string {
	switch code3 {
	case "001":
		return []string{"29", "30", "31", "32", "33", "40"}
	case "002":
		return []string{"23"}
	case "004":
		return []string{"11"}
	case "006":
		return []string{"97"}
	case "008":
		return []string{"22"}
	case "010":
		return []string{"24"}
	case "011":
		return []string{"27"}
	case "012":
		return []string{"25"}
	case "014":
		return []string{"26"}
	case "015":
		return []string{"21"}
	case "017":
		return []string{"28"}
	case "019":
		return []string{"20"}
	case "020":
		return []string{"12"}
	case "022":
		return []string{"14"}
	case "024":
		return []string{"98"}
	case "025":
		return []string{"19"}
	case "026":
		return []string{"88"}
	case "027":
		return []string{"99"}
	case "030":
		return []string{"34"}
	case "031":
		return []string{"15", "16"}
	case "033":
		return []string{"89"}
	case "034":
		return []string{"17"}
	case "035":
		return []string{"90"}
	case "036":
		return []string{"18"}
	case "037":
		return []string{"35"}
	case "038":
		return []string{"36"}
	case "040":
		return []string{"37"}
	case "042":
		return []string{"38"}
	case "044":
		return []string{"73"}
	case "045":
		return []string{"74"}
	case "046":
		return []string{"75"}
	case "048":
		return []string{"43"}
	case "049":
		return []string{"92"}
	case "051":
		return []string{"76"}
	case "052":
		return []string{"77"}
	case "054":
		return []string{"78"}
	case "056":
		return []string{"79"}
	case "058":
		return []string{"85"}
	case "060":
		return []string{"86"}
	case "062":
		return []string{"82"}
	case "064":
		return []string{"81"}
	case "066":
		return []string{"47"}
	case "067":
		return []string{"48"}
	case "068":
		return []string{"49"}
	case "070":
		return []string{"93"}
	case "072":
		return []string{"70"}
	case "074":
		return []string{"61"}
	case "075":
		return []string{"60", "39"}
	case "077":
		return []string{"72"}
	case "079":
		return []string{"51", "59", "50", "41", "52", "53", "54", "55", "56", "57", "58"}
	case "080":
		return []string{"62"}
	case "082":
		return []string{"63"}
	case "083":
		return []string{"71"}
	case "084":
		return []string{"84"}
	case "086":
		return []string{"64"}
	case "087":
		return []string{"66"}
	case "089":
		return []string{"67"}
	case "091":
		return []string{"68"}
	case "092":
		return []string{"65"}
	case "093":
		return []string{"95"}
	case "094":
		return []string{"83"}
	case "095":
		return []string{"94"}
	case "096":
		return []string{"69"}
	}
	return nil
}

// centralPlateCode is the plate code of vehicles of central agencies
// registered by the Traffic Police Department (Cục Cảnh sát giao thông).
const centralPlateCode = "80"

// The 2-digit codes that BHYT cards issued by the social insurance of the
// Ministry of Defence and of the People's Public Security carry in place of
// a province code, as read from the health insurance card code list (QĐ
// 1351/QĐ-BHXH); not the code of any province.
const (
	defenceInsuranceCode  = "97"
	securityInsuranceCode = "98"
)

func buildProvinceTable() provinceTable {
	t := provinceTable{
		byCode: make(map[string]int),
		byName: make(map[string]int),
		plates: map[string]bool{centralPlateCode: true},
	}
	for _, p := range identity.Provinces() {
		pr := province{
			code3:  p.Code,
			code:   p.Code[1:],
			name:   p.Name,
			short:  shortProvinceName(p.Name),
			plates: platesOf(p.Code),
		}
		t.byCode[pr.code] = len(t.list)
		t.byName[nameKey(pr.short)] = len(t.list)
		for _, pc := range pr.plates {
			t.plates[pc] = true
		}
		t.list = append(t.list, pr)
	}
	// Names in use since the merger of 1 July 2025 into 34 provinces. All
	// but one are the name of one of the merged provinces, which resolve to
	// that province; Thừa Thiên Huế became Thành phố Huế.
	if i, ok := t.byCode["46"]; ok {
		t.byName[nameKey("Huế")] = i
	}
	if i, ok := t.byCode["79"]; ok {
		t.byName["hcm"] = i
		t.byName["tphcm"] = i
	}
	return t
}

// shortProvinceName drops the "Tỉnh" or "Thành phố" prefix of a province
// name.
func shortProvinceName(name string) string {
	for _, p := range []string{"Tỉnh ", "Thành phố ", "TP. ", "TP "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return rest
		}
	}
	return name
}

// nameKey is the key province names are matched on: MatchKey without the
// "tỉnh"/"thành phố"/"tp" prefix.
func nameKey(name string) string {
	k := identity.MatchKey(name)
	for _, p := range []string{"tỉnh ", "thành phố ", "tp "} {
		if rest, ok := strings.CutPrefix(k, p); ok {
			return rest
		}
	}
	return k
}

// provinceByName finds a province by its name as written in an address,
// with or without its prefix.
func provinceByName(name string) (province, bool) {
	i, ok := provinces.byName[nameKey(name)]
	if !ok {
		return province{}, false
	}
	return provinces.list[i], true
}

// provinceByCode finds a province by its 2-digit administrative code.
func provinceByCode(code string) (province, bool) {
	i, ok := provinces.byCode[code]
	if !ok {
		return province{}, false
	}
	return provinces.list[i], true
}

// knownPlateCode reports whether code is a plate code in use.
func knownPlateCode(code string) bool { return provinces.plates[code] }

// lowerPrefixed writes a province name the way it follows a body's name:
// "tỉnh Nam Định", "thành phố Hà Nội".
func (p province) lowerPrefixed() string {
	if rest, ok := strings.CutPrefix(p.name, "Thành phố "); ok {
		return "thành phố " + rest
	}
	if rest, ok := strings.CutPrefix(p.name, "Tỉnh "); ok {
		return "tỉnh " + rest
	}
	return p.name
}
