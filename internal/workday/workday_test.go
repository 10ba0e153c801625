package workday

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustDefault(t testing.TB) *Calendar {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatalf("Default: %v", err)
	}
	return c
}

// at parses "2006-01-02 15:04" in ICT.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, ict)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// endOf returns the last instant of a date in ICT.
func endOf(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(time.DateOnly, s, ict)
	if err != nil {
		t.Fatal(err)
	}
	return v.Add(24*time.Hour - 1)
}

func TestAddWorkingDays(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		name string
		from string // ICT
		n    int
		want string // due date (end of day, ICT)
	}{
		// Ordinary weeks.
		{"Tuesday n=0", "2026-03-10 10:00", 0, "2026-03-10"},
		{"Tuesday n=1", "2026-03-10 10:00", 1, "2026-03-11"},
		{"Tuesday n=3", "2026-03-10 10:00", 3, "2026-03-13"},
		{"Tuesday n=7", "2026-03-10 10:00", 7, "2026-03-19"},
		{"Friday afternoon n=1", "2026-03-13 15:00", 1, "2026-03-16"},
		{"Friday evening n=1", "2026-03-13 22:30", 1, "2026-03-16"},
		{"Friday last minute n=1", "2026-03-13 23:59", 1, "2026-03-16"},
		{"Friday n=0", "2026-03-13 15:00", 0, "2026-03-13"},
		{"Friday n=3", "2026-03-13 15:00", 3, "2026-03-18"},
		{"Saturday n=0 counts from Monday", "2026-03-14 09:00", 0, "2026-03-16"},
		{"Saturday n=1", "2026-03-14 09:00", 1, "2026-03-17"},
		{"Sunday midnight n=1", "2026-03-15 00:00", 1, "2026-03-17"},
		{"negative n acts as 0", "2026-03-10 10:00", -5, "2026-03-10"},

		// Tết 2026: break Sat 14 - Sun 22 Feb, weekdays 16-20 Feb off.
		{"before Tết n=1", "2026-02-12 16:00", 1, "2026-02-13"},
		{"before Tết n=3", "2026-02-12 16:00", 3, "2026-02-24"},
		{"last day before Tết n=1", "2026-02-13 15:00", 1, "2026-02-23"},
		{"last day before Tết n=3", "2026-02-13 15:00", 3, "2026-02-25"},
		{"last day before Tết n=7", "2026-02-13 15:00", 7, "2026-03-03"},
		{"during Tết n=0", "2026-02-18 10:00", 0, "2026-02-23"},
		{"during Tết n=1", "2026-02-18 10:00", 1, "2026-02-24"},
		{"weekend inside Tết break n=1", "2026-02-21 10:00", 1, "2026-02-24"},

		// Hùng Kings (Sun 26 Apr, compensated Mon 27 Apr), 30/4 Thu, 1/5 Fri 2026.
		{"before Hùng Kings n=1", "2026-04-24 15:00", 1, "2026-04-28"},
		{"before Hùng Kings n=3", "2026-04-24 15:00", 3, "2026-05-04"},
		{"before Hùng Kings n=7", "2026-04-24 15:00", 7, "2026-05-08"},
		{"on compensatory day n=0", "2026-04-27 08:00", 0, "2026-04-28"},
		{"before 30/4 n=1", "2026-04-29 15:00", 1, "2026-05-04"},
		{"on 30/4 n=1", "2026-04-30 11:00", 1, "2026-05-05"},

		// National Day: 2024 (2-3 Sep), 2025 (1-2 Sep), 2026 (31 Aug swapped, 1-2 Sep).
		{"2/9 2024 with 3/9", "2024-08-30 15:00", 1, "2024-09-04"},
		{"2/9 2025 with 1/9", "2025-08-29 15:00", 1, "2025-09-03"},
		{"2/9 2026 with 1/9 and swap", "2026-08-28 15:00", 1, "2026-09-03"},
		{"2/9 2026 n=3", "2026-08-28 15:00", 3, "2026-09-07"},

		// Swapped days and make-up Saturdays.
		{"New Year 2026 n=0", "2026-01-01 09:00", 0, "2026-01-05"},
		{"make-up Saturday counts", "2026-01-09 15:00", 1, "2026-01-10"},
		{"received on make-up Saturday n=0", "2026-01-10 09:00", 0, "2026-01-10"},
		{"make-up Saturday before 2/9 2026", "2026-08-21 15:00", 1, "2026-08-22"},
		{"30/4 2024 swap", "2024-04-26 15:00", 1, "2024-05-02"},
		{"30/4 2025 swap", "2025-04-29 15:00", 1, "2025-05-05"},

		// Holidays on a weekend are compensated on the next working day.
		{"1/1 2028 on Saturday", "2027-12-31 15:00", 1, "2028-01-04"},
		{"30/4 2028 on Sunday, 1/5 Monday", "2028-04-28 15:00", 1, "2028-05-03"},
		{"1/5 2027 on Saturday", "2027-04-29 15:00", 1, "2027-05-04"},
		{"2/9 2028 on Saturday", "2028-08-31 15:00", 1, "2028-09-05"},

		// Beyond the table only weekends count.
		{"after the table", "2029-01-05 10:00", 1, "2029-01-08"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(at(t, tt.from), tt.n)
			want := endOf(t, tt.want)
			if !got.Equal(want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s (%s), want %s", tt.from, tt.n, got, got.Weekday(), want)
			}
			if got.Location() != ict {
				t.Errorf("result zone = %v, want ICT", got.Location())
			}
		})
	}
}

func TestAddWorkingDaysUsesVietnamDate(t *testing.T) {
	c := mustDefault(t)
	// 16:59:59 UTC on Friday is 23:59:59 ICT on Friday.
	fri := time.Date(2026, 3, 13, 16, 59, 59, 0, time.UTC)
	if got, want := c.AddWorkingDays(fri, 1), endOf(t, "2026-03-16"); !got.Equal(want) {
		t.Errorf("Friday 23:59:59 ICT given in UTC: got %s, want %s", got, want)
	}
	// 17:00 UTC on Friday is already Saturday in Viet Nam.
	sat := time.Date(2026, 3, 13, 17, 0, 0, 0, time.UTC)
	if got, want := c.AddWorkingDays(sat, 1), endOf(t, "2026-03-17"); !got.Equal(want) {
		t.Errorf("Saturday 00:00 ICT given in UTC: got %s, want %s", got, want)
	}
	due := c.AddWorkingDays(fri, 1)
	if h, m, s := due.Clock(); h != 23 || m != 59 || s != 59 || due.Nanosecond() != 999999999 {
		t.Errorf("due %s is not the last nanosecond of the day", due.Format(time.RFC3339Nano))
	}
	if !c.AddWorkingDays(fri, 1).Add(1).Equal(time.Date(2026, 3, 17, 0, 0, 0, 0, ict)) {
		t.Error("due + 1ns is not the start of the next day")
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		date string
		want bool
	}{
		{"2026-03-11", true},  // Wednesday
		{"2026-03-14", false}, // Saturday
		{"2026-03-15", false}, // Sunday
		{"2026-01-01", false}, // New Year
		{"2026-01-02", false}, // swapped for Sat 10 Jan
		{"2026-01-10", true},  // make-up Saturday
		{"2026-02-13", true},  // Friday before Tết
		{"2026-02-14", false}, // Saturday, start of the break
		{"2026-02-16", false},
		{"2026-02-17", false}, // lunar new year
		{"2026-02-18", false},
		{"2026-02-19", false},
		{"2026-02-20", false},
		{"2026-02-23", true}, // back to work
		{"2026-04-26", false},
		{"2026-04-27", false}, // compensatory day for Hùng Kings
		{"2026-04-28", true},
		{"2026-04-30", false},
		{"2026-05-01", false},
		{"2026-08-22", true}, // make-up Saturday
		{"2026-08-31", false},
		{"2026-09-01", false},
		{"2026-09-02", false},
		{"2026-09-03", true},
		{"2024-02-08", false},
		{"2024-02-14", false},
		{"2024-02-15", true},
		{"2024-05-04", true},  // make-up Saturday
		{"2025-02-15", false}, // an ordinary Saturday: Tết 2025 had no swap
		{"2025-01-27", false},
		{"2025-04-26", true},
		{"2027-02-05", false},
		{"2027-02-11", false},
		{"2027-02-12", true},
		{"2028-01-31", false},
		{"2028-05-02", false},
		{"2028-09-04", false},
	}
	for _, tt := range tests {
		d := at(t, tt.date+" 12:00")
		if got := c.IsWorkingDay(d); got != tt.want {
			t.Errorf("IsWorkingDay(%s %s) = %v, want %v", tt.date, d.Weekday(), got, tt.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := mustDefault(t)
	tests := []struct {
		a, b string
		want int
	}{
		{"2026-03-10 10:00", "2026-03-10 18:00", 0},
		{"2026-03-10 10:00", "2026-03-11 08:00", 1},
		{"2026-03-13 15:00", "2026-03-16 08:00", 1}, // over a weekend
		{"2026-03-16 08:00", "2026-03-13 15:00", -1},
		{"2026-02-13 15:00", "2026-02-23 09:00", 1}, // over Tết
		{"2026-02-13 15:00", "2026-03-03 09:00", 7},
		{"2026-03-14 10:00", "2026-03-15 10:00", 0},   // weekend only
		{"2026-01-01 00:00", "2026-12-31 23:59", 250}, // 261 weekdays - 13 days off + 2 make-up Saturdays
	}
	for _, tt := range tests {
		if got := c.WorkingDaysBetween(at(t, tt.a), at(t, tt.b)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestBetweenInvertsAdd checks that the overdue count agrees with the
// deadline: a deadline n working days after a working day is n working days
// after it, and one more after a non-working day (the day it counts from).
func TestBetweenInvertsAdd(t *testing.T) {
	c := mustDefault(t)
	start := at(t, "2023-12-20 10:00")
	for d := start; d.Year() < 2029; d = d.AddDate(0, 0, 1) {
		for _, n := range []int{0, 1, 3, 7} {
			due := c.AddWorkingDays(d, n)
			if !c.IsWorkingDay(due) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, not a working day", d, n, due)
			}
			want := n
			if !c.IsWorkingDay(d) {
				want++
			}
			if got := c.WorkingDaysBetween(d, due); got != want {
				t.Fatalf("WorkingDaysBetween(%s, AddWorkingDays(.., %d)=%s) = %d, want %d", d, n, due, got, want)
			}
		}
	}
}

func TestHolidays(t *testing.T) {
	c := mustDefault(t)
	var tet []string
	for _, h := range c.Holidays(2026) {
		if h.NameEN == "Lunar New Year (Tết)" {
			tet = append(tet, h.Date.Format(time.DateOnly)+" "+h.Date.Weekday().String()[:3])
		}
	}
	want := "2026-02-16 Mon,2026-02-17 Tue,2026-02-18 Wed,2026-02-19 Thu,2026-02-20 Fri"
	if got := strings.Join(tet, ","); got != want {
		t.Errorf("Tết 2026 = %s, want %s", got, want)
	}

	hs := c.Holidays(2026)
	for i := 1; i < len(hs); i++ {
		if !hs[i-1].Date.Before(hs[i].Date) {
			t.Errorf("Holidays not sorted at %d: %s, %s", i, hs[i-1].Date, hs[i].Date)
		}
	}
	for _, h := range hs {
		if h.Date.Year() != 2026 || h.Date.Location() != ict || h.Date.Hour() != 0 {
			t.Errorf("holiday date %s: want midnight ICT in 2026", h.Date)
		}
		if h.NameVI == "" || h.NameEN == "" {
			t.Errorf("holiday %s has an empty name", h.Date)
		}
	}
	hs[0].NameEN = "changed"
	if c.Holidays(2026)[0].NameEN == "changed" {
		t.Error("Holidays returned shared storage")
	}
	if got := c.Holidays(1999); len(got) != 0 {
		t.Errorf("Holidays(1999) = %v, want none", got)
	}

	var mu []string
	for _, h := range c.MakeUpDays(2026) {
		mu = append(mu, h.Date.Format(time.DateOnly))
	}
	if got, want := strings.Join(mu, ","), "2026-01-10,2026-08-22"; got != want {
		t.Errorf("MakeUpDays(2026) = %s, want %s", got, want)
	}

	years := c.Years()
	if len(years) != 5 || years[0] != 2024 || years[4] != 2028 {
		t.Errorf("Years() = %v, want 2024..2028", years)
	}
	years[0] = 0
	if c.Years()[0] != 2024 {
		t.Error("Years returned shared storage")
	}
}

// TestDefaultTableInvariants checks the built-in table against the Labour
// Code: 11 paid holidays a year (1 Jan, 5 days of Tết, Hùng Kings, 30 Apr,
// 1 May, 2 Sep and its adjacent day), so the number of weekdays off minus
// make-up Saturdays is exactly 11 in every year. Update the number when the
// law adds a holiday (Vietnam Culture Day, 24 Nov, is planned).
func TestDefaultTableInvariants(t *testing.T) {
	c := mustDefault(t)
	fixed := map[string]string{
		"01-01": "New Year's Day",
		"04-30": "Reunification Day",
		"05-01": "International Labour Day",
		"09-02": "National Day",
	}
	for _, y := range c.Years() {
		net := 0
		seen := map[string]bool{}
		for _, h := range c.Holidays(y) {
			if wd := h.Date.Weekday(); wd != time.Saturday && wd != time.Sunday {
				net++
			}
			if name, ok := fixed[h.Date.Format("01-02")]; ok {
				if h.NameEN != name {
					t.Errorf("%s is named %q, want %q", h.Date.Format(time.DateOnly), h.NameEN, name)
				}
				seen[name] = true
			}
		}
		net -= len(c.MakeUpDays(y))
		if net != 11 {
			t.Errorf("%d: %d net weekdays off, want 11", y, net)
		}
		if len(seen) != len(fixed) {
			t.Errorf("%d: fixed-date holidays present: %v", y, seen)
		}
	}
}

func TestLoad(t *testing.T) {
	good := "\uFEFF# comment\n\ndate,name_vi,name_en\n2026-02-16,Tết Nguyên đán,Lunar New Year\n" +
		"\"2026-04-27\",\"Nghỉ bù, Giỗ Tổ\",\"Hùng Kings, compensatory\",holiday\r\n" +
		"2026-01-10,Làm bù,Make-up day,workday\n"
	c, err := Load(strings.NewReader(good))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.IsWorkingDay(at(t, "2026-02-16 10:00")) || c.IsWorkingDay(at(t, "2026-04-27 10:00")) {
		t.Error("listed holidays are working days")
	}
	if !c.IsWorkingDay(at(t, "2026-01-10 10:00")) {
		t.Error("make-up Saturday is not a working day")
	}
	if !c.IsWorkingDay(at(t, "2026-02-17 10:00")) {
		t.Error("a day not in the override file is a holiday")
	}
	if got := c.Holidays(2026)[1].NameVI; got != "Nghỉ bù, Giỗ Tổ" {
		t.Errorf("quoted name = %q", got)
	}

	tests := []struct {
		name, in string
		line     int
		msg      string
	}{
		{"empty", "", 0, "no holidays"},
		{"only comments", "# nothing\n#\n", 0, "no holidays"},
		{"only make-up days", "2026-01-10,a,b,workday\n", 0, "no holidays"},
		{"bad date", "# c\n2026-02-16,a,b\n2026-02-30,a,b\n", 3, "invalid date"},
		{"not a date", "tomorrow,a,b\n", 1, "invalid date"},
		{"short date", "2026-2-16,a,b\n", 1, "invalid date"},
		{"timestamp", "2026-02-16T00:00:00,a,b\n", 1, "invalid date"},
		{"duplicate", "2026-02-16,a,b\n2026-02-17,a,b\n2026-02-16,c,d\n", 3, "duplicate date 2026-02-16 (first listed on line 1)"},
		{"duplicate across kinds", "2026-01-10,a,b\n2026-01-10,a,b,workday\n", 2, "duplicate"},
		{"too few fields", "2026-02-16,a\n", 1, "want 3 or 4 fields"},
		{"too many fields", "2026-02-16,a,b,holiday,x\n", 1, "want 3 or 4 fields"},
		{"empty name_vi", "2026-02-16, ,b\n", 1, "empty name_vi"},
		{"empty name_en", "2026-02-16,a,\n", 1, "empty name_en"},
		{"unknown kind", "2026-02-16,a,b,vacation\n", 1, "unknown kind"},
		{"weekday make-up day", "2026-02-16,a,b\n2026-02-18,a,b,workday\n", 2, "not a weekend day"},
		{"bad quotes", "2026-02-16,\"a,b\n", 1, ""},
		{"invalid UTF-8", "2026-02-16,a\xff,b\n", 1, "not valid UTF-8"},
		{"newline in name", "2026-02-16,\"a\nb\",c\n", 1, "control character"},
		{"header not first", "2026-02-16,a,b\ndate,name_vi,name_en\n", 2, "invalid date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("Load succeeded, want error")
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", pe.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "workday: ") {
				t.Errorf("error %q: want prefix %q and %q", err, "workday: ", tt.msg)
			}
		})
	}
}

func TestLoadTooLarge(t *testing.T) {
	big := strings.Repeat("# padding line\n", MaxTableSize/15+1)
	if _, err := Load(strings.NewReader(big)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load(oversized) error = %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLoadReadError(t *testing.T) {
	_, err := Load(failingReader{})
	if err == nil || !strings.Contains(err.Error(), "read holiday table: disk on fire") {
		t.Errorf("Load(failing reader) error = %v", err)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add("# 2026\ndate,name_vi,name_en,kind\n2026-01-01,Tết Dương lịch,New Year's Day,holiday\n" +
		"2026-01-02,Nghỉ hoán đổi,Swapped day off,holiday\n2026-01-10,Làm bù,Make-up working day,workday\n" +
		"2026-04-26,Giỗ Tổ Hùng Vương,Hùng Kings' Commemoration Day\n")
	f.Add("2026-02-16,Tết Nguyên đán,Lunar New Year\n")
	f.Add("date,name_vi,name_en,kind\n2026-01-10,a,b,workday\n2026-01-02,a,b\n")
	f.Add("\"2026-02-16\",\"a\"\"b\",c\n# x\n")
	f.Add("0000-01-01,a,b\n9999-12-31,a,b\n")
	f.Fuzz(func(t *testing.T, in string) {
		c, err := Load(strings.NewReader(in))
		if err != nil {
			if c != nil {
				t.Fatal("calendar returned with an error")
			}
			return
		}
		for _, y := range c.Years() {
			for _, h := range c.Holidays(y) {
				if c.IsWorkingDay(h.Date) {
					t.Fatalf("holiday %s is a working day", h.Date)
				}
				due := c.AddWorkingDays(h.Date, 1)
				if !c.IsWorkingDay(due) || !due.After(h.Date) {
					t.Fatalf("AddWorkingDays(%s, 1) = %s", h.Date, due)
				}
			}
			for _, h := range c.MakeUpDays(y) {
				if !c.IsWorkingDay(h.Date) {
					t.Fatalf("make-up day %s is not a working day", h.Date)
				}
			}
		}
	})
}

func BenchmarkAddWorkingDays(b *testing.B) {
	c := mustDefault(b)
	from := time.Date(2026, 2, 13, 15, 0, 0, 0, ict)
	for b.Loop() {
		c.AddWorkingDays(from, 7)
	}
}

func BenchmarkIsWorkingDay(b *testing.B) {
	c := mustDefault(b)
	d := time.Date(2026, 2, 17, 10, 0, 0, 0, time.UTC)
	for b.Loop() {
		c.IsWorkingDay(d)
	}
}
