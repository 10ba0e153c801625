package workday

import (
	"math"
	"strings"
	"testing"
	"time"
)

// This file checks the lunar dates of the holiday table (Tết and Hùng Kings'
// day) against an independent astronomical computation, using the rules of
// the Vietnamese lunar calendar: a month begins on the day (at UTC+07:00) of
// the new moon; month 11 contains the December solstice; in a year with 13
// months, the first month after month 11 that contains no principal solar
// term (a multiple of 30° of solar longitude) is the leap month.
//
// New moons use the algorithm of J. Meeus, Astronomical Algorithms (2nd ed.),
// ch. 49, accurate to well under a minute for these years; solar longitude
// uses ch. 25 (low accuracy, about 0.01°).

const deg = math.Pi / 180

// deltaT is TT - UT in days for the 2020s (about 69 s).
const deltaT = 69.2 / 86400

// newMoonJDE returns the Julian Ephemeris Day of new moon number k, where
// k = 0 is the new moon of 6 January 2000.
func newMoonJDE(k float64) float64 {
	T := k / 1236.85
	T2, T3, T4 := T*T, T*T*T, T*T*T*T
	jde := 2451550.09766 + 29.530588861*k + 0.00015437*T2 - 0.000000150*T3 + 0.00000000073*T4
	E := 1 - 0.002516*T - 0.0000074*T2
	M := (2.5534 + 29.10535670*k - 0.0000014*T2 - 0.00000011*T3) * deg
	Mp := (201.5643 + 385.81693528*k + 0.0107582*T2 + 0.00001238*T3 - 0.000000058*T4) * deg
	F := (160.7108 + 390.67050284*k - 0.0016118*T2 - 0.00000227*T3 + 0.000000011*T4) * deg
	Om := (124.7746 - 1.56375588*k + 0.0020672*T2 + 0.00000215*T3) * deg
	sin := math.Sin
	jde += -0.40720*sin(Mp) + 0.17241*E*sin(M) + 0.01608*sin(2*Mp) + 0.01039*sin(2*F) +
		0.00739*E*sin(Mp-M) - 0.00514*E*sin(Mp+M) + 0.00208*E*E*sin(2*M) - 0.00111*sin(Mp-2*F) -
		0.00057*sin(Mp+2*F) + 0.00056*E*sin(2*Mp+M) - 0.00042*sin(3*Mp) + 0.00042*E*sin(M+2*F) +
		0.00038*E*sin(M-2*F) - 0.00024*E*sin(2*Mp-M) - 0.00017*sin(Om) - 0.00007*sin(Mp+2*M) +
		0.00004*sin(2*Mp-2*F) + 0.00004*sin(3*M) + 0.00003*sin(Mp+M-2*F) + 0.00003*sin(2*Mp+2*F) -
		0.00003*sin(Mp+M+2*F) + 0.00003*sin(Mp-M+2*F) - 0.00002*sin(Mp-M-2*F) - 0.00002*sin(3*Mp+M) +
		0.00002*sin(4*Mp)
	// Planetary arguments.
	for _, a := range [...]struct{ coef, a0, a1 float64 }{
		{0.000325, 299.77, 0.107408}, {0.000165, 251.88, 0.016321}, {0.000164, 251.83, 26.651886},
		{0.000126, 349.42, 36.412478}, {0.000110, 84.66, 18.206239}, {0.000062, 141.74, 53.303771},
		{0.000060, 207.14, 2.453732}, {0.000056, 154.84, 7.306860}, {0.000047, 34.52, 27.261239},
		{0.000042, 207.19, 0.121824}, {0.000040, 291.34, 1.844379}, {0.000037, 161.72, 24.198154},
		{0.000035, 239.56, 25.513099}, {0.000023, 331.55, 3.592518},
	} {
		arg := a.a0 + a.a1*k
		if a.a0 == 299.77 {
			arg -= 0.009173 * T2
		}
		jde += a.coef * sin(arg*deg)
	}
	return jde
}

func jdToTime(jd float64) time.Time {
	return time.Unix(int64(math.Round((jd-2440587.5)*86400)), 0)
}

// newMoonDay returns the day (in Viet Nam) of new moon number k.
func newMoonDay(k int) day { return dayOf(jdToTime(newMoonJDE(float64(k)) - deltaT)) }

// solarTerm returns floor(apparent solar longitude / 30°) at the start of d
// in Viet Nam: 0 from the March equinox, 9 from the December solstice.
func solarTerm(d day) int {
	jd := 2440587.5 + float64(d) - 7.0/24
	T := (jd - 2451545) / 36525
	L0 := 280.46646 + 36000.76983*T + 0.0003032*T*T
	M := (357.52911 + 35999.05029*T - 0.0001537*T*T) * deg
	C := (1.914602-0.004817*T-0.000014*T*T)*math.Sin(M) + (0.019993-0.000101*T)*math.Sin(2*M) + 0.000289*math.Sin(3*M)
	om := (125.04 - 1934.136*T) * deg
	l := math.Mod(L0+C-0.00569-0.00478*math.Sin(om), 360)
	if l < 0 {
		l += 360
	}
	return int(l / 30)
}

// month11 returns the number k of the new moon that starts lunar month 11
// of the given year: the month containing the December solstice.
func month11(year int) int {
	dec31 := civilDay(year, time.December, 31)
	k := int(float64(dec31-civilDay(2000, time.January, 6)) / 29.530588853)
	for newMoonDay(k+1) <= dec31 {
		k++
	}
	for newMoonDay(k) > dec31 {
		k--
	}
	if solarTerm(newMoonDay(k)) >= 9 { // the solstice came before this month
		k--
	}
	return k
}

// lunarToSolar returns the day of lunar month m (1-12, not a leap month),
// day dd, of the lunar year that begins in the given Gregorian year.
func lunarToSolar(year, m, dd int) day {
	a, b := month11(year-1), month11(year)
	off := m - 11 + 12 // months after month 11 of the previous year
	if b-a > 12 {      // 13 months: find the leap month
		leap := 1
		for ; leap < 14; leap++ {
			if solarTerm(newMoonDay(a+leap)) == solarTerm(newMoonDay(a+leap+1)) {
				break
			}
		}
		if leap <= off {
			off++
		}
	}
	return newMoonDay(a+off) + day(dd-1)
}

func TestLunarComputationMatchesOfficialDates(t *testing.T) {
	for _, tt := range []struct {
		year     int
		tet, hvg string
	}{
		{2024, "2024-02-10", "2024-04-18"},
		{2025, "2025-01-29", "2025-04-07"},
		{2026, "2026-02-17", "2026-04-26"},
		{2023, "2023-01-22", "2023-04-29"},
		{2020, "2020-01-25", "2020-04-02"}, // a leap 4th month follows
	} {
		tet := lunarToSolar(tt.year, 1, 1).end().Format(time.DateOnly)
		hvg := lunarToSolar(tt.year, 3, 10).end().Format(time.DateOnly)
		if tet != tt.tet || hvg != tt.hvg {
			t.Errorf("%d: computed Tết %s, Hùng Kings %s; official %s, %s", tt.year, tet, hvg, tt.tet, tt.hvg)
		}
	}
}

func TestTableLunarDates(t *testing.T) {
	c := mustDefault(t)
	for _, y := range c.Years() {
		tet := lunarToSolar(y, 1, 1)
		eve := tet - 1
		for _, d := range []day{eve, tet, tet + 1, tet + 2} {
			if c.isWorking(d) {
				t.Errorf("%d: %s (Tết, lunar new year %s) is a working day", y, d.end().Format(time.DateOnly), tet.end().Format(time.DateOnly))
			}
		}
		hvg := lunarToSolar(y, 3, 10)
		h, ok := c.holidays[hvg]
		if !ok || !strings.HasPrefix(h.NameEN, "Hùng Kings") {
			t.Errorf("%d: computed Hùng Kings' day %s is not listed (got %+v)", y, hvg.end().Format(time.DateOnly), h)
		}
		for _, h := range c.Holidays(y) {
			if h.NameEN == "Hùng Kings' Commemoration Day" && dayOf(h.Date) != hvg {
				t.Errorf("%d: table lists Hùng Kings' day on %s, computed %s", y, h.Date.Format(time.DateOnly), hvg.end().Format(time.DateOnly))
			}
		}
	}
}
