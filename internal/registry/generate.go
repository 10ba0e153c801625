package registry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

// Generator makes a realistic synthetic population for tests, demonstrations
// and load tests: Vietnamese names with diacritics, an age pyramid, birth
// provinces weighted by population, personal ID numbers that follow the 2021
// rule and are unique within one run, structured addresses, ethnicity,
// religion, old CMND numbers and ID-card histories that obey the expiry rule
// of CardExpiry.
//
// The same Seed, Today and n always give the same citizens in the same order,
// and the first k citizens of a run of n > k are those of a run of k.
type Generator struct {
	// Seed selects the population.
	Seed uint64
	// Today is the day the population is generated for: ages, card
	// validity and expiry are computed on it. The zero Date means the
	// current date in Vietnam, which makes the output depend on the day.
	Today identity.Date
}

// The ID-card epochs the generator uses. They are functions so that the
// package holds no mutable state.

// chipCardsFrom is when chip cards (CCCD gắn chip) began to be issued.
func chipCardsFrom() identity.Date { return identity.Date{Year: 2021, Month: time.January, Day: 1} }

// chipCampaignEnd ends the window in which first chip cards are drawn.
func chipCampaignEnd() identity.Date { return identity.Date{Year: 2025, Month: time.December, Day: 31} }

// barcodeCardsFrom and barcodeCardsTo bound the 12-digit CCCD cards without a
// chip (with a barcode).
func barcodeCardsFrom() identity.Date { return identity.Date{Year: 2016, Month: time.January, Day: 1} }

func barcodeCardsTo() identity.Date { return identity.Date{Year: 2020, Month: time.December, Day: 31} }

// childCardsFrom is when the Law on Identification 2023 took effect and
// cards began to be issued to children under 14.
func childCardsFrom() identity.Date { return identity.Date{Year: 2024, Month: time.July, Day: 1} }

// todayOr returns d, or the current date in Vietnam (UTC+7, no daylight
// saving time) when d is zero.
func todayOr(d identity.Date) identity.Date {
	if d.IsZero() {
		return identity.DateOf(time.Now().In(time.FixedZone("ICT", 7*60*60)))
	}
	return d
}

// CardExpiry returns the day a citizen identity card issued on issued to a
// person born on dob stops being valid: the birthday on which the holder
// turns 14, 25, 40 or 60, whichever comes first after issued — except that a
// card issued within the two years before one of those birthdays stays valid
// until the next one (Law on Identification 2023, Art. 21(2)). A card issued
// at 58 or later never expires, which CardExpiry reports as the zero Date.
// Someone born on 29 February has their birthday on 1 March in common years.
func CardExpiry(dob, issued identity.Date) identity.Date {
	// The renewal ages of Art. 21(1); 14 applies to cards issued to children.
	for _, age := range [...]int{14, 25, 40, 60} {
		due := dob.AddYears(age)
		if !due.After(issued) {
			continue
		}
		if issued.Before(dob.AddYears(age - 2)) {
			return due
		}
	}
	return identity.Date{}
}

// cmndValidity is how long an old 9-digit identity card (CMND) was valid.
const cmndValidity = 15

// Generate makes n citizens and passes each to emit, in order. It stops at
// the first error from emit, which it returns wrapped, and when ctx is done.
// Every citizen passes Normalize and its personal ID number is unique in the
// run and consistent with its date of birth, gender and birth province.
func (g Generator) Generate(ctx context.Context, n int, emit func(Citizen) error) error {
	if n < 0 {
		return fmt.Errorf("generate: negative count %d", n)
	}
	if emit == nil {
		return errors.New("generate: nil emit function")
	}
	m, err := newPopulationModel()
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	s := &genState{
		r:        rand.New(rand.NewPCG(g.Seed, 0x76_6e_65_69_64_2d_67_65)), // "vneid-ge"
		seed:     g.Seed,
		today:    todayOr(g.Today),
		m:        m,
		counters: make(map[serialBucket]uint32),
	}
	for i := range n {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("generate: stopped after %d citizens: %w", i, err)
			}
		}
		c, err := s.citizen()
		if err != nil {
			return fmt.Errorf("generate citizen %d: %w", i+1, err)
		}
		if err := emit(c); err != nil {
			return fmt.Errorf("generate: emit citizen %d: %w", i+1, err)
		}
	}
	return nil
}

// genState is one run of the generator.
type genState struct {
	r     *rand.Rand
	seed  uint64
	today identity.Date
	m     *populationModel
	// counters holds how many serials each bucket has used.
	counters map[serialBucket]uint32
}

// serialBucket is a set of personal ID numbers that share their first six
// digits: province code, century and sex, year.
type serialBucket struct {
	province int // index into populationModel.provinces
	year     int
	female   bool
}

// serialSpace is the number of distinct 6-digit serials.
const serialSpace = 1_000_000

// chance reports true with probability perMille/1000.
func (s *genState) chance(perMille int) bool { return s.r.IntN(1000) < perMille }

// oneOf returns a uniformly chosen element of list.
func oneOf[T any](r *rand.Rand, list []T) T { return list[r.IntN(len(list))] }

func (s *genState) citizen() (Citizen, error) {
	m := s.m
	birth := m.birth.pick(s.r)
	prov := &m.provinces[birth]

	gender := identity.Male
	if s.r.IntN(1000) < 503 { // slightly more women than men overall
		gender = identity.Female
	}
	age := m.ages.pick(s.r)
	dob := s.dateOfBirth(age)
	ethnicity := s.ethnicity(prov)

	id, birth, err := s.personalID(birth, dob, gender)
	if err != nil {
		return Citizen{}, err
	}
	prov = &m.provinces[birth]

	c := Citizen{
		ID:            id,
		FullName:      identity.NormalizeName(s.fullName(prov, ethnicity, gender, dob.Year)),
		DateOfBirth:   dob,
		Gender:        gender,
		Nationality:   "Việt Nam",
		Ethnicity:     ethnicity,
		Religion:      s.religion(prov, ethnicity),
		PlaceOfOrigin: s.placeOfOrigin(prov),
		LifeStatus:    Alive,
	}

	home := prov
	if !s.chance(800) {
		home = &m.provinces[m.migration.pick(s.r)]
	}
	c.PermanentAddress = s.address(home, s.chance(home.urban*10))
	realAge := dob.AgeOn(s.today)
	tempShare := 50
	if realAge >= 18 && realAge < 60 {
		tempShare = 200
	}
	if s.chance(tempShare) {
		dest := &m.provinces[m.migration.pick(s.r)]
		c.TemporaryAddress = s.address(dest, s.chance(800))
	}

	if dob.Year < 2000 && realAge >= 14 && s.chance(850) {
		c.OldIDNumber = s.digits(9)
	}
	if s.chance(deathPerMille(realAge)) {
		c.LifeStatus = Deceased
	}
	c.Cards = s.cards(dob, c.OldIDNumber, id, c.LifeStatus == Deceased)
	return c, nil
}

// deathPerMille is the share, in thousandths, of people of an age who are
// recorded as deceased in the generated population.
func deathPerMille(age int) int {
	switch {
	case age < 60:
		return 2
	case age < 80:
		return 15
	default:
		return 60
	}
}

// personalID returns a fresh personal ID number for someone registered at
// birth in the province with index prov. Serials are drawn from a seeded
// permutation of 0..999999 per bucket, so no number repeats within a run; a
// full bucket moves the birth registration to the next province, whose index
// is returned.
func (s *genState) personalID(prov int, dob identity.Date, g identity.Gender) (string, int, error) {
	n := len(s.m.provinces)
	for try := range n {
		p := (prov + try) % n
		b := serialBucket{province: p, year: dob.Year, female: g == identity.Female}
		used := s.counters[b]
		if used >= serialSpace {
			continue
		}
		s.counters[b] = used + 1
		serial := permuteSerial(s.bucketKey(b), used)
		id, err := identity.MakePersonalID(s.m.provinces[p].code, dob, g, int(serial))
		if err != nil {
			return "", 0, fmt.Errorf("personal ID: %w", err)
		}
		return id, p, nil
	}
	return "", 0, fmt.Errorf("personal ID: every serial for %d %s is taken", dob.Year, g)
}

// bucketKey derives the permutation key of a bucket from the seed.
func (s *genState) bucketKey(b serialBucket) uint64 {
	k := uint64(b.province)<<32 | uint64(uint32(b.year))<<1
	if b.female {
		k |= 1
	}
	return splitmix64(s.seed ^ splitmix64(k))
}

// splitmix64 is the SplitMix64 finaliser, a fast bijective mixer.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// permuteSerial maps i in 0..999999 to a serial in the same range; for a
// fixed key it is a bijection. It is a four-round Feistel network on 20 bits
// with cycle walking back into range.
func permuteSerial(key uint64, i uint32) uint32 {
	x := i
	for {
		l, r := x>>10, x&0x3ff
		for round := range uint64(4) {
			f := uint32(splitmix64(key^(round<<32)^uint64(r))) & 0x3ff
			l, r = r, l^f
		}
		x = l<<10 | r
		if x < serialSpace {
			return x
		}
	}
}

// dateOfBirth returns a uniformly chosen birthday of someone who is age on
// today.
func (s *genState) dateOfBirth(age int) identity.Date {
	hi := s.today.AddYears(-age)
	lo := addDays(s.today.AddYears(-age-1), 1)
	return s.dateBetween(lo, hi)
}

// digits returns n random decimal digits.
func (s *genState) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + s.r.IntN(10))
	}
	return string(b)
}

// dayNumber counts days since 1970-01-01.
func dayNumber(d identity.Date) int64 {
	return d.Time(time.UTC).Unix() / 86400
}

// addDays moves d by n days.
func addDays(d identity.Date, n int) identity.Date {
	return identity.DateOf(d.Time(time.UTC).AddDate(0, 0, n))
}

// laterOf and earlierOf pick among two dates.
func laterOf(a, b identity.Date) identity.Date {
	if a.After(b) {
		return a
	}
	return b
}

func earlierOf(a, b identity.Date) identity.Date {
	if a.Before(b) {
		return a
	}
	return b
}

// dateBetween returns a uniformly chosen day in [lo, hi]; lo must not be
// after hi.
func (s *genState) dateBetween(lo, hi identity.Date) identity.Date {
	span := dayNumber(hi) - dayNumber(lo)
	if span <= 0 {
		return lo
	}
	return addDays(lo, int(s.r.Int64N(span+1)))
}

// cards returns the ID-card history of a citizen, oldest first. No two
// cards share an issue date.
func (s *genState) cards(dob identity.Date, cmnd, id string, deceased bool) []IDCard {
	today := s.today
	age := dob.AgeOn(today)
	var cards []IDCard
	if age < 14 {
		// Children may have a card since the 2023 law took effect (rarely
		// from 6, when biometrics are taken).
		lo := laterOf(childCardsFrom(), dob.AddYears(6))
		if s.chance(40) && !lo.After(today) {
			cards = s.chipCards(dob, id, s.dateBetween(lo, today), true)
		}
		return revokeIfDeceased(cards, deceased)
	}

	fourteen := dob.AddYears(14)
	// The earliest day the next card may be issued.
	next := fourteen

	// Cards from before the chip campaign, replaced since.
	if cmnd != "" && s.chance(350) {
		lo := laterOf(fourteen, identity.Date{Year: 2001, Month: time.January, Day: 1})
		hi := identity.Date{Year: 2015, Month: time.December, Day: 31}
		if !lo.After(hi) && !lo.After(today) {
			issued := s.dateBetween(lo, earlierOf(hi, today))
			cards = append(cards, IDCard{
				Number:     cmnd,
				IssueDate:  issued,
				ExpiryDate: issued.AddYears(cmndValidity),
				Status:     CardReplaced,
			})
			next = addDays(issued, 1)
		}
	}
	barcodeLo := laterOf(next, barcodeCardsFrom())
	barcodeHi := earlierOf(barcodeCardsTo(), today)
	barcodeOK := !barcodeLo.After(barcodeHi)
	chipLo := laterOf(next, chipCardsFrom())
	chipOK := !chipLo.After(today)

	scenario := s.r.IntN(1000)
	switch {
	case scenario < 30: // no card at all
		return revokeIfDeceased(cards, deceased)
	case scenario < 70: // the only card is lost or revoked
		status := CardLost
		if s.chance(250) {
			status = CardRevoked
		}
		var c []IDCard
		switch {
		case chipOK:
			c = s.chipCards(dob, id, s.firstChipIssue(chipLo), false)
		case barcodeOK:
			c = []IDCard{s.barcodeCard(dob, id, barcodeLo, barcodeHi)}
		}
		if len(c) > 0 {
			c[len(c)-1].Status = status
		}
		return revokeIfDeceased(append(markReplaced(cards), c...), deceased)
	case scenario < 100 && barcodeOK: // only a card without a chip
		c := s.barcodeCard(dob, id, barcodeLo, barcodeHi)
		return revokeIfDeceased(append(markReplaced(cards), c), deceased)
	}
	// A quarter of those whose chip card has reached a renewal age have not
	// renewed it.
	if issued, ok := s.expiredChipIssue(dob, chipLo); ok && s.chance(250) {
		c := s.chipCards(dob, id, issued, false)
		return revokeIfDeceased(append(markReplaced(cards), c...), deceased)
	}
	// The common case: a current chip card, sometimes after a barcode card.
	if barcodeOK && s.chance(100) {
		c := s.barcodeCard(dob, id, barcodeLo, barcodeHi)
		cards = append(markReplaced(cards), c)
		chipLo = laterOf(chipLo, addDays(c.IssueDate, 1))
	}
	if !chipLo.After(today) {
		cards = append(markReplaced(cards), s.chipCards(dob, id, s.firstChipIssue(chipLo), true)...)
	} else if barcodeOK && len(cards) == 0 {
		cards = append(cards, s.barcodeCard(dob, id, barcodeLo, barcodeHi))
	}
	return revokeIfDeceased(cards, deceased)
}

// markReplaced sets every card in cards to replaced, for when a newer card
// follows them.
func markReplaced(cards []IDCard) []IDCard {
	for i := range cards {
		cards[i].Status = CardReplaced
	}
	return cards
}

// revokeIfDeceased revokes the valid cards of a deceased citizen.
func revokeIfDeceased(cards []IDCard, deceased bool) []IDCard {
	if deceased {
		for i := range cards {
			if cards[i].Status == CardValid {
				cards[i].Status = CardRevoked
			}
		}
	}
	return cards
}

// firstChipIssue picks the issue date of someone's first chip card no
// earlier than lo: within the 2021–2025 campaign when possible, half of
// them in its first year.
func (s *genState) firstChipIssue(lo identity.Date) identity.Date {
	hi := s.today
	if !lo.After(chipCampaignEnd()) {
		hi = earlierOf(hi, chipCampaignEnd())
		end2021 := identity.Date{Year: 2021, Month: time.December, Day: 31}
		if s.chance(500) && !lo.After(end2021) {
			hi = earlierOf(hi, end2021)
		}
	}
	return s.dateBetween(lo, hi)
}

// expiredChipIssue returns an issue date no earlier than lo for a chip card
// that has expired by today, if there can be one.
func (s *genState) expiredChipIssue(dob, lo identity.Date) (identity.Date, bool) {
	for _, age := range [...]int{25, 40, 60} {
		// Issued more than two years before the birthday on which the
		// holder turns age, the card expires on it or earlier.
		due, last := dob.AddYears(age), addDays(dob.AddYears(age-2), -1)
		if due.Before(s.today) && !lo.After(last) {
			return s.dateBetween(lo, last), true
		}
	}
	return identity.Date{}, false
}

// barcodeCard returns a 12-digit card without a chip issued in [lo, hi].
func (s *genState) barcodeCard(dob identity.Date, id string, lo, hi identity.Date) IDCard {
	issued := s.dateBetween(lo, hi)
	return IDCard{
		Number:     id,
		Chip:       false,
		IssueDate:  issued,
		ExpiryDate: CardExpiry(dob, issued),
		Status:     CardValid,
	}
}

// chipCards returns a chip card issued on issued and, when renew is set,
// the cards that renewed it at each renewal age up to today (the citizen
// renews in the three months before the card expires).
func (s *genState) chipCards(dob identity.Date, id string, issued identity.Date, renew bool) []IDCard {
	var cards []IDCard
	for {
		expiry := CardExpiry(dob, issued)
		cards = append(cards, IDCard{
			Number:     id,
			Chip:       true,
			IssueDate:  issued,
			ExpiryDate: expiry,
			Status:     CardValid,
		})
		if !renew || expiry.IsZero() || !expiry.Before(s.today) {
			return cards
		}
		cards[len(cards)-1].Status = CardReplaced
		issued = laterOf(addDays(expiry, -s.r.IntN(90)), addDays(issued, 1))
	}
}

// fullName returns surname, middle name(s) and given name fitting the
// gender, the ethnic group and the generation.
func (s *genState) fullName(p *provinceInfo, ethnicity string, g identity.Gender, year int) string {
	m := s.m
	var surname string
	if list, ok := m.minoritySurnames[ethnicity]; ok && s.chance(700) {
		surname = oneOf(s.r, list)
	} else {
		surname = m.surnames.pick(s.r)
		switch surname {
		case "Hoàng":
			if s.chance(p.region.southernShare()) {
				surname = "Huỳnh"
			}
		case "Vũ":
			if s.chance(p.region.southernShare()) {
				surname = "Võ"
			}
		}
	}

	middles, givens, common := m.maleMiddle, m.maleGiven, "Văn"
	commonShare := 150 // share of the common middle name, by generation
	if g == identity.Female {
		middles, givens, common = m.femaleMiddle, m.femaleGiven, "Thị"
		commonShare = 250
		if year < 1980 {
			commonShare = 700
		} else if year < 2000 {
			commonShare = 500
		}
	} else if year < 1980 {
		commonShare = 550
	} else if year < 2000 {
		commonShare = 350
	}
	given := oneOf(s.r, givens)
	middle := common
	if !s.chance(commonShare) {
		middle = s.otherName(middles, given)
	}
	name := surname + " " + middle
	if s.chance(120) {
		name += " " + s.otherName(middles, given, middle)
	}
	return name + " " + given
}

// otherName returns an element of list different from every name in avoid.
func (s *genState) otherName(list []string, avoid ...string) string {
	for {
		v := oneOf(s.r, list)
		ok := true
		for _, a := range avoid {
			if v == a {
				ok = false
			}
		}
		if ok {
			return v
		}
	}
}

// ethnicity returns the ethnic group of someone born in p.
func (s *genState) ethnicity(p *provinceInfo) string {
	if p.ethnic.empty() || !s.chance(p.minority*10) {
		return "Kinh"
	}
	return p.ethnic.pick(s.r)
}

// religion returns a religion (or "Không", none) for someone of ethnicity
// born in p.
func (s *genState) religion(p *provinceInfo, ethnicity string) string {
	switch ethnicity {
	case "Khmer":
		if s.chance(900) {
			return "Phật giáo"
		}
	case "Chăm":
		if s.chance(400) {
			return "Hồi giáo"
		}
		if s.chance(600) {
			return "Bà-la-môn"
		}
	case "Gia Rai", "Ê Đê", "Ba Na", "Xơ Đăng", "Mnông", "Cơ Ho", "H'Mông":
		if s.chance(250) {
			return "Tin lành"
		}
		if s.chance(200) {
			return "Công giáo"
		}
	}
	switch p.code {
	case "036", "037", "075": // Nam Định, Ninh Bình, Đồng Nai
		if s.chance(250) {
			return "Công giáo"
		}
	case "072": // Tây Ninh
		if s.chance(200) {
			return "Cao Đài"
		}
	case "089": // An Giang
		if s.chance(250) {
			return "Phật giáo Hòa Hảo"
		}
	}
	return s.m.religions.pick(s.r)
}

// placeOfOrigin returns a home village (quê quán): "Xã X, Huyện Y, Tỉnh Z",
// in the province of birth two times in three.
func (s *genState) placeOfOrigin(birth *provinceInfo) string {
	p := birth
	if !s.chance(650) {
		p = &s.m.provinces[s.m.birth.pick(s.r)]
	}
	a := Address{
		Commune:  s.commune(p, false, ""),
		District: oneOf(s.r, p.ruralDistricts),
		Province: p.name,
	}
	return a.String()
}

// address returns a structured address in p, in a town or city ward when
// urban.
func (s *genState) address(p *provinceInfo, urban bool) Address {
	m := s.m
	a := Address{Province: p.name}
	south := p.region == regSoutheast || p.region == regMekong
	if urban {
		a.District = oneOf(s.r, p.urbanDistricts)
		a.Commune = s.commune(p, true, a.District)
		a.HouseNumber = s.houseNumber(p, south)
		switch {
		case p.code == "001" && s.chance(400):
			a.Street = "Phố " + oneOf(s.r, m.hanoiStreets)
		default:
			a.Street = "Đường " + oneOf(s.r, m.streets)
		}
		if s.chance(300) {
			if south {
				a.Hamlet = "Khu phố " + strconv.Itoa(1+s.r.IntN(12))
			} else {
				a.Hamlet = "Tổ dân phố " + strconv.Itoa(1+s.r.IntN(25))
			}
		}
		return a
	}
	a.District = oneOf(s.r, p.ruralDistricts)
	a.Commune = s.commune(p, false, a.District)
	a.Hamlet = s.hamlet(p)
	if s.chance(150) {
		a.HouseNumber = "Số " + strconv.Itoa(1+s.r.IntN(300))
		if s.chance(500) {
			a.Street = oneOf(s.r, m.roads)
		}
	}
	return a
}

// commune returns a ward (urban) or commune or township (rural) name with
// its prefix.
func (s *genState) commune(p *provinceInfo, urban bool, district string) string {
	m := s.m
	if urban {
		if p.code == "079" && len(district) > len("Quận ") && district[len("Quận ")] >= '0' &&
			district[len("Quận ")] <= '9' && s.chance(700) {
			return "Phường " + strconv.Itoa(1+s.r.IntN(15))
		}
		return "Phường " + oneOf(s.r, m.wards)
	}
	if s.chance(80) {
		return "Thị trấn " + oneOf(s.r, m.communes)
	}
	return "Xã " + oneOf(s.r, m.communes)
}

// hamlet returns a village name in the style of p's region.
func (s *genState) hamlet(p *provinceInfo) string {
	m := s.m
	n := strconv.Itoa(1 + s.r.IntN(15))
	switch p.region {
	case regMountain:
		if s.chance(600) {
			return "Bản " + oneOf(s.r, m.mountainVillages)
		}
		return "Thôn " + n
	case regHighlands:
		switch s.r.IntN(3) {
		case 0:
			return "Buôn " + oneOf(s.r, m.highlandVillages)
		case 1:
			return "Làng " + oneOf(s.r, m.highlandVillages)
		}
		return "Thôn " + n
	case regSoutheast, regMekong:
		if s.chance(500) {
			return "Ấp " + n
		}
		return "Ấp " + oneOf(s.r, m.southernHamlets)
	case regNorthCentral:
		if s.chance(400) {
			return "Xóm " + n
		}
	}
	if s.chance(500) {
		return "Thôn " + oneOf(s.r, m.northernHamlets)
	}
	return "Thôn " + n
}

// houseNumber returns a house number in a town: "Số 12", "12/3", "45A"...
func (s *genState) houseNumber(p *provinceInfo, south bool) string {
	n := strconv.Itoa(1 + s.r.IntN(400))
	k := s.r.IntN(100)
	switch {
	case k < 35:
		return "Số " + n
	case k < 55:
		return n
	case k < 75 && south:
		return n + "/" + strconv.Itoa(1+s.r.IntN(60))
	case k < 75:
		return "Số " + n + " ngõ " + strconv.Itoa(1+s.r.IntN(200))
	case k < 85:
		return n + string(rune('A'+s.r.IntN(4)))
	case k < 92 && p.code == "079":
		return n + "/" + strconv.Itoa(1+s.r.IntN(60)) + "/" + strconv.Itoa(1+s.r.IntN(30))
	}
	return "Số " + n
}
