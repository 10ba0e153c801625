package registry

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/vneid/vneid/internal/identity"
)

// This file holds the statistics the generator draws from. They are
// approximations of the 2019 census and of common naming, good enough for
// synthetic data; they are built afresh for each run so that the package has
// no mutable state.

// picker draws items with fixed integer weights.
type picker[T any] struct {
	items []T
	cum   []int // cumulative weights
}

// add appends item with weight w (ignored when not positive).
func (p *picker[T]) add(item T, w int) {
	if w <= 0 {
		return
	}
	total := 0
	if len(p.cum) > 0 {
		total = p.cum[len(p.cum)-1]
	}
	p.items = append(p.items, item)
	p.cum = append(p.cum, total+w)
}

// empty reports whether p has nothing to draw.
func (p picker[T]) empty() bool { return len(p.items) == 0 }

// pick draws one item; p must not be empty.
func (p picker[T]) pick(r *rand.Rand) T {
	x := r.IntN(p.cum[len(p.cum)-1])
	lo, hi := 0, len(p.cum)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if p.cum[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return p.items[lo]
}

// region is a part of Vietnam with its own minorities and naming habits.
type region uint8

// The regions.
const (
	regDelta        region = 1 << iota // Red River delta
	regMountain                        // northern midlands and mountains
	regNorthCentral                    // Thanh Hóa to Thừa Thiên Huế
	regSouthCentral                    // Đà Nẵng to Bình Thuận
	regHighlands                       // Central Highlands
	regSoutheast                       // Southeast, with Hồ Chí Minh City
	regMekong                          // Mekong delta
)

// southernShare is the share, in thousandths, of Hoàng and Vũ pronounced and
// registered as Huỳnh and Võ in the region.
func (g region) southernShare() int {
	switch g {
	case regDelta, regMountain:
		return 30
	case regNorthCentral:
		return 400
	}
	return 850
}

// provinceSpec is the static description of a province.
type provinceSpec struct {
	code     string
	weight   int // population, tens of thousands (2019)
	region   region
	minority int    // percent of the population not Kinh
	urban    int    // percent living in wards
	capital  string // provincial city; "" for a centrally governed city
}

func provinceSpecs() []provinceSpec {
	return []provinceSpec{
		{"001", 805, regDelta, 2, 49, ""},
		{"002", 85, regMountain, 87, 16, "Hà Giang"},
		{"004", 53, regMountain, 95, 24, "Cao Bằng"},
		{"006", 31, regMountain, 88, 20, "Bắc Kạn"},
		{"008", 78, regMountain, 53, 14, "Tuyên Quang"},
		{"010", 73, regMountain, 65, 23, "Lào Cai"},
		{"011", 60, regMountain, 82, 15, "Điện Biên Phủ"},
		{"012", 46, regMountain, 85, 18, "Lai Châu"},
		{"014", 125, regMountain, 83, 14, "Sơn La"},
		{"015", 82, regMountain, 55, 21, "Yên Bái"},
		{"017", 85, regMountain, 73, 16, "Hòa Bình"},
		{"019", 129, regMountain, 25, 36, "Thái Nguyên"},
		{"020", 78, regMountain, 83, 22, "Lạng Sơn"},
		{"022", 132, regDelta, 12, 64, "Hạ Long"},
		{"024", 180, regDelta, 13, 12, "Bắc Giang"},
		{"025", 146, regMountain, 15, 19, "Việt Trì"},
		{"026", 115, regDelta, 4, 24, "Vĩnh Yên"},
		{"027", 137, regDelta, 1, 28, "Bắc Ninh"},
		{"030", 189, regDelta, 1, 25, "Hải Dương"},
		{"031", 203, regDelta, 1, 46, ""},
		{"033", 125, regDelta, 1, 14, "Hưng Yên"},
		{"034", 186, regDelta, 1, 10, "Thái Bình"},
		{"035", 85, regDelta, 1, 17, "Phủ Lý"},
		{"036", 178, regDelta, 1, 18, "Nam Định"},
		{"037", 98, regDelta, 2, 22, "Ninh Bình"},
		{"038", 364, regNorthCentral, 16, 18, "Thanh Hóa"},
		{"040", 333, regNorthCentral, 15, 15, "Vinh"},
		{"042", 129, regNorthCentral, 1, 19, "Hà Tĩnh"},
		{"044", 90, regNorthCentral, 2, 21, "Đồng Hới"},
		{"045", 63, regNorthCentral, 10, 31, "Đông Hà"},
		{"046", 113, regNorthCentral, 4, 49, "Huế"},
		{"048", 113, regSouthCentral, 1, 87, ""},
		{"049", 149, regSouthCentral, 8, 26, "Tam Kỳ"},
		{"051", 123, regSouthCentral, 12, 16, "Quảng Ngãi"},
		{"052", 149, regSouthCentral, 3, 31, "Quy Nhơn"},
		{"054", 96, regSouthCentral, 5, 29, "Tuy Hòa"},
		{"056", 123, regSouthCentral, 6, 45, "Nha Trang"},
		{"058", 59, regSouthCentral, 23, 36, "Phan Rang - Tháp Chàm"},
		{"060", 123, regSouthCentral, 6, 38, "Phan Thiết"},
		{"062", 54, regHighlands, 54, 32, "Kon Tum"},
		{"064", 151, regHighlands, 46, 29, "Pleiku"},
		{"066", 187, regHighlands, 33, 25, "Buôn Ma Thuột"},
		{"067", 62, regHighlands, 32, 16, "Gia Nghĩa"},
		{"068", 130, regHighlands, 24, 39, "Đà Lạt"},
		{"070", 99, regSoutheast, 17, 24, "Đồng Xoài"},
		{"072", 117, regSoutheast, 2, 24, "Tây Ninh"},
		{"074", 243, regSoutheast, 3, 80, "Thủ Dầu Một"},
		{"075", 310, regSoutheast, 7, 44, "Biên Hòa"},
		{"077", 115, regSoutheast, 3, 58, "Vũng Tàu"},
		{"079", 899, regSoutheast, 6, 79, ""},
		{"080", 169, regMekong, 1, 16, "Tân An"},
		{"082", 176, regMekong, 1, 15, "Mỹ Tho"},
		{"083", 129, regMekong, 1, 10, "Bến Tre"},
		{"084", 101, regMekong, 32, 17, "Trà Vinh"},
		{"086", 102, regMekong, 2, 17, "Vĩnh Long"},
		{"087", 160, regMekong, 1, 18, "Cao Lãnh"},
		{"089", 191, regMekong, 6, 31, "Long Xuyên"},
		{"091", 172, regMekong, 14, 28, "Rạch Giá"},
		{"092", 124, regMekong, 3, 70, ""},
		{"093", 73, regMekong, 4, 26, "Vị Thanh"},
		{"094", 120, regMekong, 35, 32, "Sóc Trăng"},
		{"095", 91, regMekong, 10, 27, "Bạc Liêu"},
		{"096", 119, regMekong, 3, 23, "Cà Mau"},
	}
}

// cityDistricts returns the urban and rural districts of a centrally
// governed city.
func cityDistricts(code string) (urban, rural []string) {
	switch code {
	case "001":
		return []string{"Quận Ba Đình", "Quận Hoàn Kiếm", "Quận Đống Đa", "Quận Hai Bà Trưng",
				"Quận Cầu Giấy", "Quận Thanh Xuân", "Quận Hoàng Mai", "Quận Long Biên", "Quận Tây Hồ",
				"Quận Nam Từ Liêm", "Quận Bắc Từ Liêm", "Quận Hà Đông"},
			[]string{"Huyện Đông Anh", "Huyện Gia Lâm", "Huyện Sóc Sơn", "Huyện Thanh Trì",
				"Huyện Ba Vì", "Huyện Thạch Thất", "Huyện Quốc Oai", "Huyện Chương Mỹ",
				"Huyện Thường Tín", "Huyện Mê Linh", "Huyện Phú Xuyên", "Huyện Ứng Hòa"}
	case "031":
		return []string{"Quận Hồng Bàng", "Quận Lê Chân", "Quận Ngô Quyền", "Quận Kiến An",
				"Quận Hải An", "Quận Dương Kinh", "Quận Đồ Sơn"},
			[]string{"Huyện An Dương", "Huyện Thủy Nguyên", "Huyện An Lão", "Huyện Kiến Thụy",
				"Huyện Tiên Lãng", "Huyện Vĩnh Bảo", "Huyện Cát Hải"}
	case "048":
		return []string{"Quận Hải Châu", "Quận Thanh Khê", "Quận Sơn Trà", "Quận Ngũ Hành Sơn",
				"Quận Liên Chiểu", "Quận Cẩm Lệ"},
			[]string{"Huyện Hòa Vang"}
	case "079":
		return []string{"Quận 1", "Quận 3", "Quận 4", "Quận 5", "Quận 6", "Quận 7", "Quận 8",
				"Quận 10", "Quận 11", "Quận 12", "Quận Bình Thạnh", "Quận Gò Vấp", "Quận Phú Nhuận",
				"Quận Tân Bình", "Quận Tân Phú", "Quận Bình Tân", "Thành phố Thủ Đức"},
			[]string{"Huyện Bình Chánh", "Huyện Củ Chi", "Huyện Hóc Môn", "Huyện Nhà Bè", "Huyện Cần Giờ"}
	case "092":
		return []string{"Quận Ninh Kiều", "Quận Bình Thủy", "Quận Cái Răng", "Quận Ô Môn", "Quận Thốt Nốt"},
			[]string{"Huyện Phong Điền", "Huyện Cờ Đỏ", "Huyện Thới Lai", "Huyện Vĩnh Thạnh"}
	}
	return nil, nil
}

// districtPool returns rural district names typical of a region.
func districtPool(g region) []string {
	switch g {
	case regMountain:
		return []string{"Quản Bạ", "Đồng Văn", "Mèo Vạc", "Hòa An", "Trùng Khánh", "Chợ Đồn", "Na Rì",
			"Chiêm Hóa", "Na Hang", "Sơn Dương", "Văn Chấn", "Lục Yên", "Mai Châu", "Lạc Sơn", "Tân Lạc",
			"Mộc Châu", "Thuận Châu", "Mai Sơn", "Tuần Giáo", "Mường Chà", "Phong Thổ", "Sìn Hồ", "Đại Từ",
			"Phú Lương", "Định Hóa", "Cao Lộc", "Văn Lãng", "Lộc Bình", "Mường Khương", "Bát Xát",
			"Bảo Yên", "Thanh Ba", "Lâm Thao", "Cẩm Khê", "Yên Lập", "Hạ Hòa"}
	case regNorthCentral:
		return []string{"Hoằng Hóa", "Hậu Lộc", "Nga Sơn", "Quảng Xương", "Thọ Xuân", "Triệu Sơn",
			"Diễn Châu", "Quỳnh Lưu", "Yên Thành", "Nghi Lộc", "Đô Lương", "Thanh Chương", "Thạch Hà",
			"Can Lộc", "Đức Thọ", "Hương Sơn", "Bố Trạch", "Lệ Thủy", "Quảng Trạch", "Hải Lăng",
			"Triệu Phong", "Gio Linh", "Phong Điền", "Quảng Điền", "Phú Vang", "Hương Khê"}
	case regSouthCentral:
		return []string{"Duy Xuyên", "Điện Bàn", "Thăng Bình", "Núi Thành", "Đại Lộc", "Tư Nghĩa",
			"Mộ Đức", "Bình Sơn", "Đức Phổ", "Phù Cát", "Hoài Nhơn", "Tuy Phước", "Phù Mỹ", "Tuy An",
			"Đồng Xuân", "Cam Lâm", "Diên Khánh", "Ninh Hải", "Ninh Phước", "Hàm Thuận Bắc",
			"Đức Linh", "Tuy Phong"}
	case regHighlands:
		return []string{"Ngọc Hồi", "Đắk Hà", "Đắk Tô", "Chư Sê", "Chư Prông", "Ia Grai", "Krông Pắc",
			"Cư M'gar", "Ea Kar", "Krông Búk", "Đắk Mil", "Cư Jút", "Di Linh", "Bảo Lâm", "Đức Trọng",
			"Lâm Hà", "Mang Yang", "Krông Năng"}
	case regSoutheast:
		return []string{"Bù Đăng", "Chơn Thành", "Lộc Ninh", "Gò Dầu", "Trảng Bàng", "Dương Minh Châu",
			"Dầu Tiếng", "Bàu Bàng", "Phú Giáo", "Trảng Bom", "Long Thành", "Thống Nhất", "Xuân Lộc",
			"Nhơn Trạch", "Định Quán", "Đất Đỏ", "Châu Đức", "Long Điền", "Xuyên Mộc"}
	case regMekong:
		return []string{"Bến Lức", "Đức Hòa", "Cần Giuộc", "Châu Thành", "Chợ Gạo", "Cai Lậy",
			"Mỏ Cày Nam", "Giồng Trôm", "Ba Tri", "Cầu Kè", "Tiểu Cần", "Trà Ôn", "Tam Bình", "Lấp Vò",
			"Tháp Mười", "Chợ Mới", "Tri Tôn", "Thoại Sơn", "Giồng Riềng", "Tân Hiệp", "Phụng Hiệp",
			"Mỹ Tú", "Kế Sách", "Hồng Dân", "Phước Long", "Thới Bình", "Trần Văn Thời", "Cái Nước",
			"Đầm Dơi", "Long Mỹ", "Vĩnh Lợi"}
	}
	return []string{"Yên Lạc", "Tam Dương", "Gia Bình", "Thuận Thành", "Tiên Du", "Kim Sơn",
		"Gia Viễn", "Yên Mô", "Hải Hậu", "Giao Thủy", "Xuân Trường", "Nghĩa Hưng", "Ý Yên",
		"Quỳnh Phụ", "Kiến Xương", "Tiền Hải", "Đông Hưng", "Vũ Thư", "Thanh Miện", "Ninh Giang",
		"Cẩm Giàng", "Kim Thành", "Khoái Châu", "Văn Giang", "Kim Động", "Lý Nhân", "Thanh Liêm",
		"Hiệp Hòa", "Lục Nam", "Yên Thế", "Đông Triều", "Tiên Yên", "Bình Xuyên", "Lập Thạch"}
}

// ethnicGroup is one of the 53 ethnic minorities with the regions where it
// mostly lives.
type ethnicGroup struct {
	name    string
	weight  int // population, thousands (2019)
	regions region
}

func ethnicGroups() []ethnicGroup {
	const (
		d, mt, nc, sc, h, se, mk = regDelta, regMountain, regNorthCentral, regSouthCentral,
			regHighlands, regSoutheast, regMekong
	)
	return []ethnicGroup{
		{"Tày", 1846, mt | d | h}, {"Thái", 1820, mt | nc | h}, {"Mường", 1452, mt | nc | d},
		{"H'Mông", 1393, mt | nc | h}, {"Khmer", 1320, mk | se}, {"Nùng", 1083, mt | d | h},
		{"Dao", 891, mt | d | h}, {"Hoa", 750, se | mk | d}, {"Gia Rai", 513, h}, {"Ê Đê", 398, h},
		{"Ba Na", 286, h | sc}, {"Xơ Đăng", 212, h | sc}, {"Sán Chay", 201, mt}, {"Cơ Ho", 200, h | se | sc},
		{"Chăm", 179, sc | mk | se}, {"Sán Dìu", 183, mt | d}, {"Hrê", 149, sc}, {"Ra Glai", 146, sc},
		{"Mnông", 127, h | se}, {"Thổ", 91, nc}, {"Xtiêng", 100, se}, {"Khơ Mú", 90, mt | nc},
		{"Bru Vân Kiều", 94, nc}, {"Cơ Tu", 75, sc | nc}, {"Giáy", 67, mt}, {"Tà Ôi", 52, nc},
		{"Mạ", 50, h | se}, {"Giẻ Triêng", 63, h | sc}, {"Co", 40, sc}, {"Chơ Ro", 29, se},
		{"Xinh Mun", 29, mt}, {"Hà Nhì", 25, mt}, {"Chu Ru", 23, h | sc}, {"Lào", 17, mt},
		{"La Chí", 15, mt}, {"Kháng", 16, mt}, {"Phù Lá", 12, mt}, {"La Hủ", 12, mt}, {"La Ha", 10, mt},
		{"Pà Thẻn", 8, mt}, {"Chứt", 7, nc}, {"Lự", 6, mt}, {"Lô Lô", 5, mt}, {"Mảng", 4, mt},
		{"Cờ Lao", 4, mt}, {"Bố Y", 3, mt}, {"Cống", 2, mt}, {"Ngái", 1, d | se}, {"Si La", 1, mt},
		{"Pu Péo", 1, mt}, {"Rơ Măm", 1, h}, {"Brâu", 1, h}, {"Ơ Đu", 1, nc},
	}
}

// provinceInfo is a province as the generator uses it.
type provinceInfo struct {
	provinceSpec
	name           string // official name, e.g. "Tỉnh Nam Định"
	urbanDistricts []string
	ruralDistricts []string
	ethnic         picker[string] // minorities living there
}

// populationModel is everything the generator draws from.
type populationModel struct {
	provinces []provinceInfo
	birth     picker[int] // province index by population
	migration picker[int] // destination province index for movers
	ages      picker[int]

	surnames                 picker[string]
	minoritySurnames         map[string][]string
	maleMiddle, femaleMiddle []string
	maleGiven, femaleGiven   []string
	religions                picker[string]
	streets, hanoiStreets    []string
	roads                    []string
	wards, communes          []string
	northernHamlets          []string
	southernHamlets          []string
	mountainVillages         []string
	highlandVillages         []string
}

func newPopulationModel() (*populationModel, error) {
	m := &populationModel{}
	groups := ethnicGroups()
	for _, spec := range provinceSpecs() {
		p, ok := identity.ProvinceByCode(spec.code)
		if !ok {
			return nil, fmt.Errorf("population model: unknown province code %s", spec.code)
		}
		info := provinceInfo{provinceSpec: spec, name: p.Name}
		if spec.capital == "" {
			info.urbanDistricts, info.ruralDistricts = cityDistricts(spec.code)
		} else {
			info.urbanDistricts = []string{"Thành phố " + spec.capital}
			pool := districtPool(spec.region)
			code, _ := strconv.Atoi(spec.code)
			for k := range 6 {
				info.ruralDistricts = append(info.ruralDistricts, "Huyện "+pool[(code*7+k*5)%len(pool)])
			}
		}
		for _, g := range groups {
			if g.regions&spec.region != 0 {
				info.ethnic.add(g.name, g.weight)
			}
		}
		m.birth.add(len(m.provinces), spec.weight)
		m.provinces = append(m.provinces, info)
	}
	if len(m.provinces) != len(identity.Provinces()) {
		return nil, fmt.Errorf("population model: %d provinces, identity knows %d",
			len(m.provinces), len(identity.Provinces()))
	}
	index := make(map[string]int, len(m.provinces))
	for i, p := range m.provinces {
		index[p.code] = i
	}
	// Where people who leave their province of birth live.
	for _, dest := range []struct {
		code string
		w    int
	}{
		{"079", 30}, {"001", 20}, {"074", 15}, {"075", 10}, {"027", 5}, {"048", 5},
		{"031", 4}, {"077", 3}, {"092", 3}, {"080", 3}, {"056", 2}, {"066", 2},
	} {
		m.migration.add(index[dest.code], dest.w)
	}
	for i := range m.provinces { // and a few anywhere
		m.migration.add(i, 1)
	}

	// Ages in five-year bands (per thousand), the last band 90..95.
	for band, w := range []int{80, 85, 78, 70, 70, 80, 85, 80, 75, 68, 62, 55, 45, 33, 22, 14, 10, 6, 3} {
		width := 5
		if band == 18 {
			width = 6
		}
		for a := range width {
			m.ages.add(band*5+a, w*6/width)
		}
	}

	for _, s := range []struct {
		name string
		w    int // per ten thousand among the Kinh
	}{
		{"Nguyễn", 4200}, {"Trần", 1200}, {"Lê", 950}, {"Phạm", 700}, {"Hoàng", 510}, {"Phan", 450},
		{"Vũ", 390}, {"Đặng", 210}, {"Bùi", 200}, {"Đỗ", 140}, {"Hồ", 130}, {"Ngô", 130},
		{"Dương", 100}, {"Lý", 50}, {"Đinh", 80}, {"Trương", 80}, {"Đào", 80}, {"Mai", 60},
		{"Đoàn", 60}, {"Hà", 60}, {"Lâm", 50}, {"Lương", 50}, {"Trịnh", 50}, {"Cao", 50},
		{"Phùng", 30}, {"Tô", 30}, {"Tạ", 30}, {"Lưu", 30}, {"Châu", 30}, {"Văn", 20}, {"Chu", 20},
		{"Quách", 20}, {"La", 20}, {"Thái", 20}, {"Kiều", 20}, {"Triệu", 20}, {"Tống", 20},
		{"Đàm", 20}, {"Vương", 20}, {"Tăng", 10}, {"Khúc", 10}, {"Nghiêm", 10}, {"Mạc", 10},
		{"Doãn", 10}, {"Hứa", 10}, {"Âu", 10}, {"Giang", 10}, {"Từ", 10}, {"Thân", 10}, {"Lã", 10},
		{"Ông", 10}, {"Diệp", 10}, {"Kim", 10},
	} {
		m.surnames.add(s.name, s.w)
	}
	m.minoritySurnames = map[string][]string{
		"Tày":     {"Hoàng", "Nông", "Lục", "Hà", "Lương", "Ma", "Triệu", "Hứa", "Bế"},
		"Nùng":    {"Hoàng", "Nông", "Lương", "Lý", "Vi", "Triệu", "Hà", "Chu"},
		"Thái":    {"Lò", "Cầm", "Lường", "Quàng", "Vi", "Hà", "Lộc", "Tòng"},
		"Mường":   {"Đinh", "Bùi", "Quách", "Hà", "Xa"},
		"H'Mông":  {"Giàng", "Sùng", "Vàng", "Thào", "Lầu", "Mùa", "Lý", "Hờ"},
		"Dao":     {"Triệu", "Bàn", "Lý", "Đặng", "Phùng", "Chảo"},
		"Khmer":   {"Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu"},
		"Hoa":     {"Lâm", "Lý", "Trương", "Quách", "Lưu", "Mã", "Châu", "Dương", "Hứa"},
		"Sán Dìu": {"Lý", "Trương", "Diệp", "Lưu"},
		"Chăm":    {"Thành", "Đàng", "Lộ", "Quảng"},
		"Gia Rai": {"Ksor", "Siu", "Rơ Mah", "Kpă", "Rơ Châm"},
		"Ê Đê":    {"Niê", "Mlô", "Êban", "Byă"},
	}
	m.maleMiddle = []string{"Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành", "Xuân", "Hoàng",
		"Gia", "Duy", "Tuấn", "Quốc", "Trọng", "Đình", "Bá", "Mạnh", "Anh", "Nhật", "Thế", "Ngọc",
		"Hải", "Tiến", "Việt", "Đăng", "Trung", "Khắc", "Chí", "Phúc", "Thanh"}
	m.femaleMiddle = []string{"Thị", "Ngọc", "Thu", "Thanh", "Minh", "Thùy", "Phương", "Kim", "Mai",
		"Hồng", "Bảo", "Khánh", "Diệu", "Quỳnh", "Hà", "Tuyết", "Bích", "Lan", "Mỹ", "Hoài", "Như",
		"Thảo", "Hải", "Cẩm", "Yến", "Gia", "Ánh", "Vân"}
	m.maleGiven = []string{"An", "Anh", "Bảo", "Bình", "Cường", "Công", "Chiến", "Chung", "Dũng",
		"Duy", "Dương", "Đạt", "Đức", "Định", "Đông", "Giang", "Hải", "Hào", "Hiếu", "Hiển", "Hòa",
		"Hoàng", "Huy", "Hùng", "Hưng", "Khang", "Khánh", "Khoa", "Khôi", "Kiên", "Lâm", "Lực",
		"Long", "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa", "Nhân", "Phát", "Phong", "Phú", "Phúc",
		"Quang", "Quân", "Quốc", "Quý", "Sang", "Sơn", "Tài", "Tâm", "Tân", "Thái", "Thắng",
		"Thành", "Thịnh", "Thông", "Tiến", "Toàn", "Trí", "Trọng", "Trung", "Tú", "Tuấn", "Tùng",
		"Vinh", "Việt", "Vũ", "Khải", "Lợi", "Hậu", "Hiệp", "Kiệt", "Nguyên", "Đăng", "Thiện",
		"Hoàn", "Luân", "Thuận", "Tuyên"}
	m.femaleGiven = []string{"An", "Anh", "Bích", "Châu", "Chi", "Diệp", "Dung", "Duyên", "Giang",
		"Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng", "Huệ", "Huyền", "Hương", "Hường", "Lan",
		"Liên", "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Nhi", "Như",
		"Nhàn", "Oanh", "Phương", "Quyên", "Quỳnh", "Sương", "Tâm", "Thảo", "Thanh", "Thắm",
		"Thơ", "Thủy", "Thư", "Thúy", "Tiên", "Trang", "Trâm", "Trinh", "Tuyết", "Uyên", "Vân",
		"Vy", "Xuân", "Yến", "Lệ", "Hậu", "Lý", "Nhiên", "Khuê", "Ánh", "Đào", "Hân", "Mơ",
		"Thoa", "Dịu", "Gấm"}
	for _, rel := range []struct {
		name string
		w    int // per ten thousand
	}{
		{"Không", 8600}, {"Công giáo", 610}, {"Phật giáo", 480}, {"Tin lành", 100},
		{"Phật giáo Hòa Hảo", 100}, {"Cao Đài", 60}, {"Tịnh độ cư sĩ Phật hội Việt Nam", 5},
		{"Bửu Sơn Kỳ Hương", 2}, {"Hồi giáo", 4},
	} {
		m.religions.add(rel.name, rel.w)
	}
	m.streets = []string{"Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt",
		"Quang Trung", "Nguyễn Huệ", "Lê Duẩn", "Điện Biên Phủ", "Phan Chu Trinh", "Phan Bội Châu",
		"Nguyễn Du", "Hùng Vương", "Trần Phú", "Võ Thị Sáu", "Cách Mạng Tháng Tám",
		"Nguyễn Thị Minh Khai", "Lê Lai", "Bà Triệu", "Hoàng Diệu", "Ngô Quyền", "Lý Tự Trọng",
		"Nguyễn Văn Cừ", "Tôn Đức Thắng", "Nguyễn Đình Chiểu", "Lê Thánh Tôn", "Phạm Ngũ Lão",
		"Nguyễn Văn Linh", "Võ Văn Kiệt", "Trường Chinh", "Lạc Long Quân", "Âu Cơ",
		"Nguyễn Thái Học", "Hoàng Văn Thụ", "Chu Văn An", "Lê Hồng Phong", "Trần Quốc Toản",
		"Phạm Văn Đồng", "Nguyễn Chí Thanh", "Lê Quý Đôn"}
	m.hanoiStreets = []string{"Hàng Bạc", "Hàng Đào", "Hàng Gai", "Hàng Bông", "Hàng Buồm",
		"Hàng Mã", "Huế", "Bà Triệu", "Tràng Tiền", "Kim Mã", "Chùa Bộc", "Thái Hà", "Tôn Đức Thắng",
		"Khâm Thiên", "Bạch Mai", "Xuân Thủy", "Đội Cấn", "Văn Cao"}
	m.roads = []string{"Quốc lộ 1A", "Quốc lộ 5", "Quốc lộ 10", "Quốc lộ 14", "Quốc lộ 21",
		"Tỉnh lộ 8", "Tỉnh lộ 39", "Đường Hùng Vương"}
	m.wards = []string{"Bến Nghé", "Bến Thành", "Tân Định", "Đa Kao", "Hàng Bạc", "Hàng Đào",
		"Kim Mã", "Dịch Vọng", "Trung Hòa", "Láng Hạ", "Quang Trung", "Trần Phú", "Lê Lợi",
		"Minh Khai", "Tân Phong", "An Phú", "Thảo Điền", "Hòa Cường Bắc", "Phước Mỹ", "Tân Lập",
		"Đông Hòa", "Hiệp Phú", "Phú Hội", "Vĩnh Ninh", "Lộc Thọ", "Xuân Hòa", "Hưng Bình",
		"Cái Khế", "An Hòa", "Thống Nhất", "Quyết Thắng", "Hồng Hải", "Tân An", "Mỹ Bình"}
	m.communes = []string{"An Bình", "An Hòa", "An Khánh", "An Phú", "Bình An", "Bình Minh",
		"Cẩm Phú", "Đại Đồng", "Đông Hòa", "Đông Phong", "Đồng Tâm", "Hòa Bình", "Hòa Lợi",
		"Hồng Phong", "Hưng Đạo", "Kim Liên", "Long Hòa", "Long Phước", "Minh Đức", "Minh Tân",
		"Mỹ Hòa", "Mỹ Lộc", "Nam Thanh", "Nghĩa Hòa", "Phú Lợi", "Phú Mỹ", "Phú Thạnh", "Phước Hòa",
		"Quang Trung", "Quảng Phú", "Tân An", "Tân Hòa", "Tân Lập", "Tân Phong", "Tân Thành",
		"Thanh Bình", "Thạnh Lợi", "Thạnh Phú", "Thuận Hòa", "Tiên Phong", "Trung Hòa",
		"Trường Xuân", "Vĩnh Hòa", "Vĩnh Thạnh", "Xuân Phú", "Xuân Sơn", "Yên Bình", "Yên Hòa",
		"Hải Anh", "Hải Đông", "Nghĩa Lạc", "Kim Đông", "Đức Thắng", "Chiến Thắng", "Quyết Tiến",
		"Hợp Thành", "Liên Hòa", "Phong Phú", "Hòa Thuận", "Tam Hiệp", "Thạch Bình", "Vạn Phúc"}
	m.northernHamlets = []string{"Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Đoài",
		"Chùa", "Đình", "Giữa", "Lạc Thổ", "Phú Mỹ", "An Lạc", "Yên Vĩnh", "Cựu", "Tân Thôn"}
	m.southernHamlets = []string{"Bình Thạnh", "Tân Lập", "Long Hưng", "Mỹ Phú", "Phú Hòa",
		"Thới Hòa", "Vĩnh Lợi", "An Thạnh", "Hòa Lộc", "Phước Thạnh", "Tân Quới", "Mỹ An"}
	m.mountainVillages = []string{"Na Hang", "Pác Bó", "Nà Phặc", "Hua Pàu", "Lũng Cú", "Sà Phìn",
		"Nậm Cang", "Phiêng Luông", "Huổi Só", "Nà Hẩu", "Mường Hum", "Tả Van", "Lao Chải",
		"Nà Tấu", "Pá Khoang"}
	m.highlandVillages = []string{"Ko Tam", "Tơng Jũ", "Plei Ơi", "Kon Klor", "Akŏ Dhông",
		"Kon Rơ Bàng", "Plei Phun", "Đắk Rơ Wa", "Ea Kmar", "Jun", "Kon Jơ Ri", "Ea Nao"}
	return m, nil
}

// DemoDistricts returns, by 3-digit province code, the district-level
// names (urban first, then rural, without repeats) that generated
// addresses use. A demo administrative hierarchy built from them resolves
// every generated address to its district.
func DemoDistricts() (map[string][]string, error) {
	m, err := newPopulationModel()
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(m.provinces))
	for _, p := range m.provinces {
		var names []string
		for _, n := range append(append([]string{}, p.urbanDistricts...), p.ruralDistricts...) {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
		out[p.code] = names
	}
	return out, nil
}
