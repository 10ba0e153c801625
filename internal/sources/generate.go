package sources

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
)

// Generator makes realistic synthetic documents for the citizens of a
// synthetic population (registry.Generator), for tests, demonstrations and
// load tests.
//
// The documents of a citizen depend only on Seed, Today and the citizen's
// record, drawn from a random stream keyed by Seed and the personal ID
// number: the same citizen always gets the same documents, whatever other
// citizens are generated and in whatever order. Numbers are drawn at
// random, so two citizens may draw the same number with a small chance
// (the 10-digit social insurance, licence and tax codes have 10⁸ to 10¹⁰
// values, plates about 10⁷ per province); a sink then keeps the later.
//
// The shares, among citizens alive on Today:
//   - a health insurance card for about 92 %: children under six in group
//     TE, pupils HS, students SV, employees DN, civil servants HC,
//     households GD, pensioners HT, poor and near-poor households HN and
//     CN, ethnic minorities DT, the armed forces QN and CA, and a few others;
//   - a driving licence for about 45 % of adults (18 and over): mostly
//     motorbike class A1; a car class (B2 before 2025, B since) for about
//     one licence in five, a few professional classes C;
//   - a vehicle for about 55 % of adults: mostly motorbikes, some cars,
//     sometimes two vehicles;
//   - a tax code for about 60 % of adults: the personal ID number for
//     registrations since 1 July 2025, a 10-digit code before;
//   - about 2 % of documents are not valid (expired, suspended or revoked).
//
// The documents of a deceased citizen are revoked. Holder names and dates
// of birth are the citizen's. Issuing provinces, plate codes and offices
// follow the province of the permanent address (matched on the 63
// pre-2025 provinces, of which each post-2025 province bears the name of
// one, or the birth registration province of the ID number when the
// address has none), with the codes of Decision 124/2004/QĐ-TTg and the
// plate codes of Circular 24/2023/TT-BCA. Every document passes Validate.
type Generator struct {
	// Seed selects the documents.
	Seed uint64
	// Today is the day the documents are generated for; zero means the
	// current date in Vietnam, which makes the output depend on the day.
	Today identity.Date
}

// Streams of the random source, one per kind, so that the documents of one
// kind do not change when another kind's rules change.
const (
	streamHealth uint64 = iota + 1
	streamLicence
	streamVehicle
	streamTax
)

// Dates where rules or issuers changed.
func lawOf2024() identity.Date { // Road Traffic Order and Safety Law 2024
	return identity.Date{Year: 2025, Month: time.January, Day: 1}
}

func reform2025() identity.Date { // traffic police and Cục Thuế take over
	return identity.Date{Year: 2025, Month: time.March, Day: 1}
}

func idAsTaxCode() identity.Date { // personal ID numbers serve as tax codes
	return identity.Date{Year: 2025, Month: time.July, Day: 1}
}

func communePolice() identity.Date { // Circular 24/2023/TT-BCA: motorbikes registered by commune police
	return identity.Date{Year: 2023, Month: time.August, Day: 15}
}

// genState holds what the kinds' generators share for one citizen.
type genState struct {
	g     Generator
	c     registry.Citizen
	today identity.Date
	age   int
	home  province
	addr  registry.Address
}

// ForCitizen returns the documents the registries hold for c: at most one
// health insurance card, one driving licence and one tax code, and up to two
// vehicles, in that order. It returns nil for a citizen born after Today.
func (g Generator) ForCitizen(c registry.Citizen) []Document {
	today := g.Today
	if today.IsZero() {
		today = identity.DateOf(time.Now().In(time.FixedZone("ICT", 7*60*60)))
	}
	if c.DateOfBirth.IsZero() || c.DateOfBirth.After(today) {
		return nil
	}
	s := genState{g: g, c: c, today: today, age: c.DateOfBirth.AgeOn(today), addr: c.PermanentAddress}
	var ok bool
	if s.home, ok = provinceByName(s.addr.Province); !ok {
		if len(c.ID) >= 3 {
			s.home, ok = provinceByCode(c.ID[1:3])
		}
		if !ok {
			s.home, _ = provinceByCode("01")
		}
		s.addr = registry.Address{Province: s.home.name}
	}

	var docs []Document
	if d, ok := s.healthInsurance(); ok {
		docs = append(docs, d)
	}
	if d, ok := s.licence(); ok {
		docs = append(docs, d)
	}
	docs = append(docs, s.vehicles()...)
	if d, ok := s.tax(); ok {
		docs = append(docs, d)
	}
	for i := range docs {
		if c.LifeStatus == registry.Deceased && (docs[i].Status == StatusValid || docs[i].Status == StatusSuspended) {
			docs[i].Status = StatusRevoked
		}
		docs[i].Normalize()
	}
	return docs
}

// rng returns the random stream of the citizen for one kind.
func (s *genState) rng(stream uint64) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s.c.ID))
	return rand.New(rand.NewPCG(splitmix64(s.g.Seed^splitmix64(stream)), h.Sum64()))
}

// base returns a document of kind with the holder's fields.
func (s *genState) base(kind Kind) Document {
	return Document{
		Kind:        kind,
		HolderID:    s.c.ID,
		HolderName:  identity.NormalizeName(s.c.FullName),
		DateOfBirth: s.c.DateOfBirth,
		Status:      StatusValid,
	}
}

// splitmix64 is the SplitMix64 finaliser, a fast bijective mixer.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// chance reports true with probability perMille/1000.
func chance(r *rand.Rand, perMille int) bool { return r.IntN(1000) < perMille }

// pick returns a uniformly chosen element of list.
func pick[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

// digits returns n random decimal digits.
func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// dayNumber counts days since 1970-01-01.
func dayNumber(d identity.Date) int64 { return d.Time(time.UTC).Unix() / 86400 }

// dateBetween returns a uniformly chosen day in [lo, hi], or lo when hi is
// before lo.
func dateBetween(r *rand.Rand, lo, hi identity.Date) identity.Date {
	span := dayNumber(hi) - dayNumber(lo)
	if span <= 0 {
		return lo
	}
	return addDays(lo, int(r.Int64N(span+1)))
}

// later and earlier pick among two dates.
func later(a, b identity.Date) identity.Date {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b identity.Date) identity.Date {
	if a.Before(b) {
		return a
	}
	return b
}

// ymd is a short constructor for dates in code.
func ymd(y int, m time.Month, d int) identity.Date { return identity.Date{Year: y, Month: m, Day: d} }

// lowerUnit writes an administrative unit's name the way it follows
// another word: "Quận Ba Đình" becomes "quận Ba Đình".
func lowerUnit(name string) string {
	for _, p := range []string{"Thành phố ", "Thị xã ", "Thị trấn ", "Quận ", "Huyện ", "Phường ", "Xã ", "Tỉnh ", "Đặc khu "} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return strings.ToLower(p) + rest
		}
	}
	return name
}

// ---- Health insurance ----

// healthInsurance draws the citizen's health insurance card.
func (s *genState) healthInsurance() (Document, bool) {
	r := s.rng(streamHealth)
	if !chance(r, 920) {
		return Document{}, false
	}
	dob, today := s.c.DateOfBirth, s.today
	minority := s.c.Ethnicity != "" && s.c.Ethnicity != "Kinh"
	group := "GD"
	k := r.IntN(1000)
	switch {
	case s.age < 6:
		group = "TE"
	case s.age < 18:
		switch {
		case minority && k < 500:
			group = "DT"
		case k < 560:
			group = "HN"
		case k < 620:
			group = "CN"
		default:
			group = "HS"
		}
	case s.age < 23 && k < 450:
		group = "SV"
	case s.age < 60:
		switch {
		case minority && k < 300:
			group = "DT"
		case k < 420:
			group = "DN"
		case k < 520:
			group = "HC"
		case k < 540:
			group = "QN"
		case k < 555:
			group = "CA"
		case k < 590:
			group = "HN"
		case k < 630:
			group = "CN"
		case k < 650:
			group = "HX"
		case k < 665:
			group = "TN"
		default:
			group = "GD"
		}
	default:
		switch {
		case s.age >= 80 && k < 350:
			group = "BT"
		case s.age >= 70 && k < 420:
			group = "CC"
		case s.age >= 70 && k < 480:
			group = "CB"
		case k < 650:
			group = "HT"
		case minority && k < 750:
			group = "DT"
		default:
			group = "GD"
		}
	}
	level, _ := BenefitLevelOf(group)
	card := HealthInsuranceCard{
		BeneficiaryGroup: group,
		BenefitLevel:     level,
		ProvinceCode:     s.home.code,
		BHXHCode:         s.home.code + digits(r, 8),
	}
	issuer := "Bảo hiểm xã hội " + s.home.lowerPrefixed()
	switch group {
	case "QN":
		card.ProvinceCode, issuer = defenceInsuranceCode, "Bảo hiểm xã hội Bộ Quốc phòng"
	case "CA":
		card.ProvinceCode, issuer = securityInsuranceCode, "Bảo hiểm xã hội Công an nhân dân"
	}
	card.Clinic = s.clinic(r)

	d := s.base(HealthInsurance)
	d.Issuer = issuer
	switch group {
	case "TE":
		card.ValidFrom = dateBetween(r, dob, earlier(addDays(dob, 30), today))
		d.ValidUntil = addDays(dob.AddYears(6), -1)
	case "HT", "BT", "CC", "CB", "QN", "CA":
		// Long-running cards without an end date.
		card.ValidFrom = dateBetween(r, later(dob, today.AddYears(-5)), today)
	default:
		// Yearly cards renewed on the same day each year.
		start := later(dateBetween(r, addDays(today.AddYears(-1), 1), today), dob)
		if chance(r, 25) && start.AddYears(-1).After(dob) {
			start = start.AddYears(-1) // last year's card, not renewed
			d.Status = StatusExpired
		}
		card.ValidFrom = start
		d.ValidUntil = addDays(start.AddYears(1), -1)
	}
	d.IssuedOn = later(addDays(card.ValidFrom, -r.IntN(20)), dob)
	if group != "TE" && chance(r, 600) {
		lo := later(dob.AddYears(5), card.ValidFrom.AddYears(-10))
		hi := card.ValidFrom.AddYears(4)
		if !lo.After(hi) {
			card.FiveYearsFrom = dateBetween(r, lo, hi)
		}
	}
	if (group == "DT" || group == "HN") && chance(r, 300) {
		card.Area = pick(r, []string{"K1", "K2", "K3"})
	}
	d.HealthInsurance = &card
	d.Number = card.Number()
	return d, true
}

// clinic draws a primary care facility in the citizen's province.
func (s *genState) clinic(r *rand.Rand) Clinic {
	c := Clinic{Code: s.home.code + fmt.Sprintf("%03d", 1+r.IntN(199))}
	k := r.IntN(100)
	switch {
	case k < 40 && s.addr.Commune != "":
		c.Name = "Trạm Y tế " + lowerUnit(s.addr.Commune)
	case k < 75 && s.addr.District != "":
		c.Name = "Trung tâm Y tế " + lowerUnit(s.addr.District)
	case k < 90:
		c.Name = "Bệnh viện Đa khoa " + s.home.lowerPrefixed()
	default:
		c.Name = "Phòng khám Đa khoa " + pick(r, []string{"An Bình", "Hòa Hảo", "Thiện Tâm", "Minh Đức", "Phúc An", "Hồng Phúc"})
	}
	return c
}

// ---- Driving licence ----

// licence draws the citizen's driving licence.
func (s *genState) licence() (Document, bool) {
	r := s.rng(streamLicence)
	if s.age < minimumDrivingAge || !chance(r, 450) {
		return Document{}, false
	}
	dob, today := s.c.DateOfBirth, s.today
	adult := dob.AddYears(minimumDrivingAge)
	var classes []LicenceClass

	car := chance(r, 200)
	if !car || chance(r, 750) {
		issued := dateBetween(r, later(adult, ymd(1995, time.January, 1)), today)
		class := "A1"
		if chance(r, 50) {
			class = "A2"
			if !issued.Before(lawOf2024()) {
				class = "A"
			}
		}
		classes = append(classes, LicenceClass{Class: class, IssuedOn: issued})
	}
	if car {
		issued := dateBetween(r, later(adult, ymd(2000, time.January, 1)), today)
		class := "B2"
		if chance(r, 30) {
			class = "B1" // automatic cars only, under the 2017 rules
		}
		classes = append(classes, s.renewing(r, class, issued))
		if chance(r, 150) {
			lo := later(dob.AddYears(21), addDays(issued, 365))
			if !lo.After(today) {
				classes = append(classes, s.renewing(r, "C", dateBetween(r, lo, today)))
			}
		}
	}
	l := Licence{Classes: classes}
	d := s.base(DrivingLicence)
	for _, c := range classes {
		d.IssuedOn = later(d.IssuedOn, c.IssuedOn)
	}
	d.ValidUntil = l.latestExpiry()
	d.Number = s.home.code + digits(r, 10)
	if !today.Before(lawOf2024()) {
		p := MaxLicencePoints
		if chance(r, 150) {
			p -= 1 + r.IntN(6)
		}
		l.Points = &p
	}
	switch {
	case !d.ValidUntil.IsZero() && d.ValidUntil.Before(today):
		d.Status = StatusExpired
	case chance(r, 15):
		d.Status = StatusSuspended
	case chance(r, 8):
		d.Status = StatusRevoked
	}
	if d.IssuedOn.Before(reform2025()) {
		d.Issuer = "Sở Giao thông vận tải " + s.home.lowerPrefixed()
	} else {
		d.Issuer = "Phòng Cảnh sát giao thông Công an " + s.home.lowerPrefixed()
	}
	d.DrivingLicence = &l
	return d, true
}

// renewing returns a class first granted on issued, renewed at each expiry
// up to today three times in four (classes renewed since 2025 take the
// name of the 2024 law: B2 and the old B1 become B); the last renewal may
// have lapsed.
func (s *genState) renewing(r *rand.Rand, class string, issued identity.Date) LicenceClass {
	for {
		c := LicenceClass{Class: class, IssuedOn: issued, ValidUntil: s.classExpiry(class, issued)}
		if c.ValidUntil.IsZero() || !c.ValidUntil.Before(s.today) || !chance(r, 750) {
			return c
		}
		issued = later(addDays(c.ValidUntil, -r.IntN(60)), addDays(issued, 1))
		if !issued.Before(lawOf2024()) && (class == "B2" || class == "B1") {
			class = "B"
		}
	}
}

// classExpiry is the expiry the generator gives a class issued on issued:
// none for A1, A2, A3 and A; for the old B1, the 55th (women) or 60th (men)
// birthday, or 10 years for women over 45 and men over 50; 10 years for B2,
// B and C1; 5 years for the others.
func (s *genState) classExpiry(class string, issued identity.Date) identity.Date {
	switch licenceClassRule(class) {
	case classLifetime:
		return identity.Date{}
	case classB1:
		retire, late := 60, 50
		if s.c.Gender == identity.Female {
			retire, late = 55, 45
		}
		if issued.After(s.c.DateOfBirth.AddYears(late)) {
			return issued.AddYears(10)
		}
		return s.c.DateOfBirth.AddYears(retire)
	case class10Years:
		return issued.AddYears(10)
	default:
		return issued.AddYears(5)
	}
}

// ---- Vehicles ----

// vehicleModel is a model the generator registers.
type vehicleModel struct {
	brand, model string
	typ          VehicleType
	cc, seats    int
	wmi, engine  string // VIN prefix and engine number prefix
	since        int    // first year on sale in Vietnam, roughly
}

// motorbikeModels and carModels are popular models in Vietnam. The VIN
// prefixes are plausible manufacturer identifiers, not a checked list.
func motorbikeModels() []vehicleModel {
	return []vehicleModel{
		{"Honda", "Wave Alpha", Motorcycle, 110, 2, "RLH", "JA39E", 2002},
		{"Honda", "Wave Alpha", Motorcycle, 110, 2, "RLH", "JA39E", 2002},
		{"Honda", "Vision", Motorcycle, 110, 2, "RLH", "JK03E", 2011},
		{"Honda", "Vision", Motorcycle, 110, 2, "RLH", "JK03E", 2011},
		{"Honda", "Air Blade", Motorcycle, 125, 2, "RLH", "JF63E", 2007},
		{"Honda", "Lead", Motorcycle, 125, 2, "RLH", "JF45E", 2008},
		{"Honda", "SH Mode", Motorcycle, 125, 2, "RLH", "JF86E", 2013},
		{"Honda", "Future", Motorcycle, 125, 2, "RLH", "JC73E", 2000},
		{"Honda", "Winner X", Motorcycle, 150, 2, "RLH", "KC26E", 2019},
		{"Yamaha", "Sirius", Motorcycle, 110, 2, "RLC", "5C64E", 2002},
		{"Yamaha", "Exciter", Motorcycle, 155, 2, "RLC", "G3D4E", 2006},
		{"Yamaha", "Janus", Motorcycle, 125, 2, "RLC", "E3R3E", 2016},
		{"Yamaha", "Grande", Motorcycle, 125, 2, "RLC", "E31TE", 2013},
		{"Suzuki", "Raider R150", Motorcycle, 150, 2, "RLS", "CGA1E", 2016},
		{"SYM", "Attila", Motorcycle, 125, 2, "RLG", "VUB1E", 2003},
		{"Piaggio", "Vespa Sprint", Motorcycle, 125, 2, "RP8", "M81BE", 2014},
		{"Honda", "Cub 50", Moped, 49, 2, "RLH", "AA09E", 1995},
		{"VinFast", "Evo200", Moped, 0, 2, "RLL", "VFM20", 2022},
		{"VinFast", "Feliz S", Moped, 0, 2, "RLL", "VFM18", 2022},
	}
}

func carModels() []vehicleModel {
	return []vehicleModel{
		{"Toyota", "Vios", Car, 1496, 5, "RL4", "2NR", 2003},
		{"Toyota", "Corolla Cross", Car, 1798, 5, "RL4", "2ZR", 2020},
		{"Toyota", "Innova", Car, 1998, 8, "RL4", "1TR", 2006},
		{"Toyota", "Fortuner", Car, 2393, 7, "MR0", "2GD", 2009},
		{"Hyundai", "Accent", Car, 1497, 5, "RLU", "G4LC", 2011},
		{"Hyundai", "Grand i10", Car, 1197, 5, "RLU", "G4LA", 2014},
		{"Hyundai", "Creta", Car, 1497, 5, "RLU", "G4FL", 2022},
		{"Hyundai", "Santa Fe", Car, 2497, 7, "RLU", "G4KN", 2006},
		{"Kia", "Morning", Car, 1248, 5, "RNY", "G4LA", 2008},
		{"Kia", "Seltos", Car, 1497, 5, "RNY", "G4FL", 2020},
		{"Kia", "Carnival", Car, 2151, 7, "RNY", "D4HB", 2021},
		{"Mazda", "CX-5", Car, 1998, 5, "RP9", "PEY", 2013},
		{"Mazda", "Mazda3", Car, 1496, 5, "RP9", "P5Y", 2011},
		{"Ford", "Ranger", Pickup, 1996, 5, "RL0", "YN2S", 2001},
		{"Ford", "Everest", Car, 1996, 7, "RL0", "YN2S", 2005},
		{"Honda", "City", Car, 1498, 5, "MRH", "L15Z", 2014},
		{"Honda", "CR-V", Car, 1498, 7, "MRH", "L15B", 2008},
		{"Mitsubishi", "Xpander", Car, 1499, 7, "MK2", "4A91", 2018},
		{"VinFast", "VF 5", Car, 0, 5, "RLL", "VFE5", 2023},
		{"VinFast", "VF 8", Car, 0, 5, "RLL", "VFE8", 2022},
		{"VinFast", "Fadil", Car, 1399, 5, "RLL", "LE2", 2019},
	}
}

// vinAlphabet are the characters a VIN may hold.
const vinAlphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"

// vehicles draws the citizen's vehicles.
func (s *genState) vehicles() []Document {
	r := s.rng(streamVehicle)
	if s.age < 18 || !chance(r, 550) {
		return nil
	}
	n := 1
	if chance(r, 150) {
		n = 2
	}
	var out []Document
	for i := range n {
		carShare := 120
		if i > 0 {
			carShare = 400
		}
		m := pick(r, motorbikeModels())
		if chance(r, carShare) {
			m = pick(r, carModels())
		}
		d := s.vehicle(r, m)
		if i > 0 && d.Number == out[0].Number {
			continue
		}
		out = append(out, d)
	}
	return out
}

// vehicle draws one registration of a vehicle of model m.
func (s *genState) vehicle(r *rand.Rand, m vehicleModel) Document {
	dob, today := s.c.DateOfBirth, s.today
	d := s.base(VehicleRegistration)
	d.IssuedOn = dateBetween(r, later(dob.AddYears(18), ymd(2005, time.January, 1)), today)
	registered := d.IssuedOn
	if chance(r, 150) { // bought second-hand
		registered = dateBetween(r, later(d.IssuedOn.AddYears(-10), ymd(1995, time.January, 1)), d.IssuedOn)
	}
	if onSale := ymd(m.since, time.January, 1); registered.Before(onSale) {
		registered = dateBetween(r, onSale, later(onSale, d.IssuedOn))
		d.IssuedOn = later(d.IssuedOn, registered)
	}
	v := Vehicle{
		Type:             m.typ,
		Brand:            m.brand,
		Model:            m.model,
		VIN:              m.wmi + s.vinTail(r),
		Seats:            m.seats,
		EngineCapacityCC: m.cc,
		ManufactureYear:  max(registered.Year-r.IntN(2), m.since),
		RegisteredOn:     registered,
	}
	if m.typ.TwoWheeler() {
		v.Colour = pick(r, []string{"Đỏ - Đen", "Trắng", "Đen", "Xanh", "Đỏ", "Xám", "Bạc", "Vàng", "Trắng - Đen"})
		v.EngineNumber = m.engine + "-" + digits(r, 7)
	} else {
		v.Colour = pick(r, []string{"Trắng", "Đen", "Đỏ", "Bạc", "Xám", "Xanh", "Nâu"})
		v.EngineNumber = m.engine + digits(r, 7)
	}
	d.Number = s.plate(r, m.typ, d.IssuedOn).String()
	switch {
	case !m.typ.TwoWheeler():
		d.Issuer = "Phòng Cảnh sát giao thông Công an " + s.home.lowerPrefixed()
	case !d.IssuedOn.Before(communePolice()) && s.addr.Commune != "":
		d.Issuer = "Công an " + lowerUnit(s.addr.Commune)
	case s.addr.District != "":
		d.Issuer = "Công an " + lowerUnit(s.addr.District)
	default:
		d.Issuer = "Phòng Cảnh sát giao thông Công an " + s.home.lowerPrefixed()
	}
	if chance(r, 25) {
		d.Status = StatusRevoked // sold or scrapped, registration withdrawn
	}
	d.Vehicle = &v
	return d
}

// vinTail returns the 14 characters that follow a VIN's manufacturer
// identifier.
func (s *genState) vinTail(r *rand.Rand) string {
	b := make([]byte, 14)
	for i := range b {
		b[i] = vinAlphabet[r.IntN(len(vinAlphabet))]
	}
	return string(b)
}

// plate draws a plate of the citizen's province for a vehicle of type t
// registered on issued: five-digit serials since 2012, four before.
func (s *genState) plate(r *rand.Rand, t VehicleType, issued identity.Date) Plate {
	codes := s.home.plates
	p := Plate{Code: codes[0], Motorbike: t.TwoWheeler()}
	if len(codes) > 1 && !chance(r, 500) {
		p.Code = pick(r, codes)
	}
	switch t {
	case Motorcycle:
		p.Series = string("BCDEFGHKLMNPSTUVXYZ"[r.IntN(19)]) + strconv.Itoa(1+r.IntN(9))
	case Moped:
		p.Series = "A" + string("ABCDEFHK"[r.IntN(8)])
	case Pickup, Truck:
		p.Series = "C"
	case Bus:
		p.Series = "B"
	default:
		p.Series = pick(r, []string{"A", "A", "A", "E", "F", "G", "H", "K"})
	}
	if issued.Year >= 2012 {
		p.Serial = digits(r, 5)
	} else {
		p.Serial = digits(r, 4)
	}
	return p
}

// ---- Tax ----

// tax draws the citizen's tax registration.
func (s *genState) tax() (Document, bool) {
	r := s.rng(streamTax)
	if s.age < 18 || !chance(r, 600) {
		return Document{}, false
	}
	lo := later(s.c.DateOfBirth.AddYears(18), ymd(2009, time.January, 1))
	if lo.After(s.today) {
		return Document{}, false
	}
	d := s.base(TaxCode)
	registered := dateBetween(r, lo, s.today)
	d.IssuedOn = registered
	if !registered.Before(idAsTaxCode()) {
		d.Number = s.c.ID
	} else {
		d.Number = tenDigitTaxCode(r)
	}
	t := TaxRegistration{RegisteredOn: registered}
	switch {
	case !s.today.Before(reform2025()):
		t.Office = "Thuế cơ sở " + strconv.Itoa(1+r.IntN(8)) + " " + s.home.lowerPrefixed()
	case s.addr.District != "":
		t.Office = "Chi cục Thuế " + lowerUnit(s.addr.District)
	default:
		t.Office = "Cục Thuế " + s.home.lowerPrefixed()
	}
	if registered.Before(reform2025()) {
		d.Issuer = "Tổng cục Thuế"
	} else {
		d.Issuer = "Cục Thuế"
	}
	if chance(r, 20) {
		d.Status = StatusRevoked // tax code terminated (chấm dứt hiệu lực)
	}
	d.Tax = &t
	return d, true
}

// tenDigitTaxCode draws a valid 10-digit individual's tax code beginning
// with 8.
func tenDigitTaxCode(r *rand.Rand) string {
	for {
		first9 := "8" + digits(r, 8)
		if first9[2:] == "0000000" {
			continue
		}
		if c, ok := TaxCheckDigit(first9); ok {
			return first9 + string(c)
		}
	}
}
