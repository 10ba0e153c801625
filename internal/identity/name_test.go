package identity

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Every Vietnamese letter with a diacritic, lower and upper case, with the
// ASCII letter it becomes. Written out rather than generated, so the table
// does not depend on the normalisation code under test.
var vietnameseLetters = []struct{ letters, ascii string }{
	{"àáảãạăằắẳẵặâầấẩẫậ", "A"},
	{"ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", "A"},
	{"èéẻẽẹêềếểễệ", "E"},
	{"ÈÉẺẼẸÊỀẾỂỄỆ", "E"},
	{"ìíỉĩị", "I"},
	{"ÌÍỈĨỊ", "I"},
	{"òóỏõọôồốổỗộơờớởỡợ", "O"},
	{"ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", "O"},
	{"ùúủũụưừứửữự", "U"},
	{"ÙÚỦŨỤƯỪỨỬỮỰ", "U"},
	{"ỳýỷỹỵ", "Y"},
	{"ỲÝỶỸỴ", "Y"},
	{"đĐ", "D"},
}

func TestASCIINameEveryVietnameseLetter(t *testing.T) {
	total := 0
	for _, row := range vietnameseLetters {
		for _, r := range row.letters {
			total++
			for form, s := range map[string]string{"NFC": string(r), "NFD": norm.NFD.String(string(r))} {
				if got := ASCIIName(s); got != row.ascii {
					t.Errorf("ASCIIName(%s %q) = %q, want %q", form, s, got, row.ascii)
				}
			}
		}
	}
	// 12 vowels × 5 tones + the 6 vowels with a vowel mark and no tone = 66
	// per case, and Đ/đ.
	if total != 2*66+2 {
		t.Errorf("table has %d letters, want %d", total, 2*66+2)
	}
	// The same letters built from base letter + vowel mark + tone mark.
	bases := []struct{ base, ascii string }{
		{"a", "A"}, {"a\u0306", "A"}, {"a\u0302", "A"}, {"e", "E"}, {"e\u0302", "E"}, {"i", "I"},
		{"o", "O"}, {"o\u0302", "O"}, {"o\u031B", "O"}, {"u", "U"}, {"u\u031B", "U"}, {"y", "Y"},
	}
	tones := []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
	for _, b := range bases {
		for _, tone := range tones {
			for _, s := range []string{b.base + tone, strings.ToUpper(b.base) + tone} {
				for _, in := range []string{s, norm.NFC.String(s), norm.NFD.String(s)} {
					if got := ASCIIName(in); got != b.ascii {
						t.Errorf("ASCIIName(%+q) = %q, want %q", in, got, b.ascii)
					}
				}
			}
		}
	}
}

func TestASCIIName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguyễn Thị Ánh Đào", "NGUYEN THI ANH DAO"},
		{norm.NFD.String("Nguyễn Thị Ánh Đào"), "NGUYEN THI ANH DAO"},
		{"  Trần   Văn\tƠn \n", "TRAN VAN ON"},
		{"LÊ THỊ HƯƠNG", "LE THI HUONG"},
		{"Phạm Ngọc Tưởng", "PHAM NGOC TUONG"},
		{"Đặng Quốc Việt", "DANG QUOC VIET"},
		{"Hồ\u00A0Xuân\u3000Hương", "HO XUAN HUONG"}, // no-break and ideographic spaces
		{"Ksor H'Bia", "KSOR H'BIA"},
		{"Ksor H’Bia", "KSOR H'BIA"},
		{"Jean-Pierre Nguyễn", "JEAN-PIERRE NGUYEN"},
		{"François Müller", "FRANCOIS MULLER"},
		{"Søren Łukasz", "SREN UKASZ"}, // no decomposition: dropped
		{"Nguyễn Văn An 2", "NGUYEN VAN AN 2"},
		{"Lý (Lee) Minh", "LY LEE MINH"},
		{"王 小明", ""},
		{"Anh 王 Minh", "ANH MINH"},
		{"\u0301\u0323", ""},
		{"", ""},
		{"   ", ""},
		{"ａｂｃ", ""}, // full-width letters are not ASCII
		{"bad\xffutf8", "BADUTF8"},
	}
	for _, tt := range tests {
		if got := ASCIIName(tt.in); got != tt.want {
			t.Errorf("ASCIIName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nguyễn Thị Ánh Đào", "Nguyễn Thị Ánh Đào"},
		{norm.NFD.String("Nguyễn Thị Ánh Đào"), "Nguyễn Thị Ánh Đào"},
		{"  Trần \t\n Văn\u00A0\u2003Ơn  ", "Trần Văn Ơn"},
		{"", ""},
		{" \t\r\n", ""},
		{"An", "An"},
	}
	for _, tt := range tests {
		got := NormalizeName(tt.in)
		if got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := NormalizeName(got); again != got {
			t.Errorf("NormalizeName not idempotent on %q: %q", got, again)
		}
	}
}

func TestMatchKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Số 12, Phố Hàng Bạc, Phường Hàng Đào, Quận Hoàn Kiếm, Hà Nội", "số 12 phố hàng bạc phường hàng đào quận hoàn kiếm hà nội"},
		{norm.NFD.String("NGUYỄN  Văn An."), "nguyễn văn an"},
		{"12/3A Lê-Lợi; P.Bến Thành: Q.1", "12 3a lê lợi p bến thành q 1"},
		{"Ngõ 5 #7 (ngách 2)", "ngõ 5 7 ngách 2"},
		{"Nguyễn Văn An", "nguyễn văn an"},
		{"", ""},
		{" ,.;:-/ ", ""},
	}
	for _, tt := range tests {
		got := MatchKey(tt.in)
		if got != tt.want {
			t.Errorf("MatchKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := MatchKey(got); again != got {
			t.Errorf("MatchKey not idempotent on %q: %q", got, again)
		}
	}
	// Names that differ only by a tone stay different.
	if MatchKey("Nguyễn Văn Án") == MatchKey("Nguyễn Văn An") {
		t.Error("MatchKey dropped a tone mark")
	}
	if MatchKey("Lê Văn Ba") != MatchKey(norm.NFD.String("LÊ VĂN BA")) {
		t.Error("MatchKey differs between NFC upper and NFD lower")
	}
}

func FuzzASCIIName(f *testing.F) {
	for _, s := range []string{
		"Nguyễn Thị Ánh Đào", norm.NFD.String("Nguyễn Thị Ánh Đào"), "Ksor H’Bia", "François", "王",
		"", " \t", "\u0301", "\xff", "ǅ", "İ", "ß", "ﬁ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ASCIIName(s)
		for i := 0; i < len(got); i++ {
			c := got[i]
			if c >= utf8.RuneSelf || unicode.IsLower(rune(c)) || unicode.IsControl(rune(c)) {
				t.Fatalf("ASCIIName(%q) = %q: byte %q is not ASCII upper case", s, got, c)
			}
		}
		if strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("ASCIIName(%q) = %q: spaces not collapsed", s, got)
		}
		if again := ASCIIName(got); again != got {
			t.Fatalf("ASCIIName not idempotent: %q -> %q -> %q", s, got, again)
		}
		if utf8.ValidString(s) {
			if nfc, nfd := ASCIIName(norm.NFC.String(s)), ASCIIName(norm.NFD.String(s)); nfc != got || nfd != got {
				t.Fatalf("ASCIIName(%q) = %q, of NFC %q, of NFD %q", s, got, nfc, nfd)
			}
		}
	})
}

func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Ánh Đào", norm.NFD.String("Trần  Văn\tƠn"), "", "\u2000a\u0301", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := NormalizeName(s)
		if again := NormalizeName(got); again != got {
			t.Fatalf("NormalizeName not idempotent: %q -> %q -> %q", s, got, again)
		}
		if utf8.ValidString(s) && !norm.NFC.IsNormalString(got) {
			t.Fatalf("NormalizeName(%q) = %q is not NFC", s, got)
		}
		if key := MatchKey(got); MatchKey(key) != key {
			t.Fatalf("MatchKey not idempotent on %q", got)
		}
	})
}
