package identity

import (
	"fmt"
	"testing"
	"time"
)

// Date itself is tested by its owners; these tests cover the parsing that
// CCCD QR payloads rely on.

func TestParseDateDMY(t *testing.T) {
	tests := []struct {
		in   string
		want Date
		ok   bool
	}{
		{"15031988", Date{1988, time.March, 15}, true},
		{"15/03/1988", Date{1988, time.March, 15}, true},
		{"15-03-1988", Date{1988, time.March, 15}, true},
		{"29022000", Date{2000, time.February, 29}, true},
		{"29/02/2024", Date{2024, time.February, 29}, true},
		{"29021900", Date{}, false}, // 1900 was not a leap year
		{"29022023", Date{}, false},
		{"31042021", Date{}, false},
		{"00012000", Date{}, false},
		{"01132000", Date{}, false},
		{"01010000", Date{}, false},
		{"15/03-1988", Date{}, false},
		{"1988-03-15", Date{}, false},
		{"1503198", Date{}, false},
		{"", Date{}, false},
		{"１５０３１９８８", Date{}, false}, // full-width digits
		{"+5031988", Date{}, false},
	}
	for _, tt := range tests {
		got, err := ParseDateDMY(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseDateDMY(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func FuzzParseDateDMY(f *testing.F) {
	for _, s := range []string{"15031988", "15/03/1988", "15-03-1988", "29022000", "29021900", "31129999", "01010001", "", "1/1/2000", "\xff\xff\xff\xff\xff\xff\xff\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDateDMY(s)
		if err != nil {
			if !d.IsZero() {
				t.Fatalf("ParseDateDMY(%q) = %v with error %v", s, d, err)
			}
			return
		}
		if d.IsZero() {
			t.Fatalf("ParseDateDMY(%q) = zero date without an error", s)
		}
		if again, err := ParseDateDMY(d.DMY()); err != nil || again != d {
			t.Fatalf("ParseDateDMY(%q) = %v; DMY %q parses to %v, %v", s, d, d.DMY(), again, err)
		}
		compact := fmt.Sprintf("%02d%02d%04d", d.Day, int(d.Month), d.Year)
		if again, err := ParseDateDMY(compact); err != nil || again != d {
			t.Fatalf("ParseDateDMY(%q) = %v; %q parses to %v, %v", s, d, compact, again, err)
		}
		if again, err := ParseDate(d.String()); err != nil || again != d {
			t.Fatalf("ParseDateDMY(%q) = %v; ISO %q parses to %v, %v", s, d, d.String(), again, err)
		}
	})
}
