package identity

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	valid := []struct{ in, want string }{
		{"0912345678", "+84912345678"},
		{"84912345678", "+84912345678"},
		{"+84912345678", "+84912345678"},
		{"+84 91 234 5678", "+84912345678"},
		{"0912.345.678", "+84912345678"},
		{"0912-345-678", "+84912345678"},
		{" (091) 234 5678 ", "+84912345678"},
		{"0912\u00A0345\u00A0678", "+84912345678"},
		{"0312345678", "+84312345678"},
		{"0512345678", "+84512345678"},
		{"0712345678", "+84712345678"},
		{"0812345678", "+84812345678"},
		{"0849123456", "+84849123456"}, // 10 digits with 0: local, not 84...
		{"+84849123456", "+84849123456"},
	}
	for _, tt := range valid {
		got, err := NormalizePhone(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	invalid := []struct{ in, wantErr string }{
		{"", "empty"},
		{"   ", "empty"},
		{"0212345678", "not a mobile prefix"}, // landline
		{"0412345678", "not a mobile prefix"},
		{"0612345678", "not a mobile prefix"},
		{"0112345678", "not a mobile prefix"}, // pre-2018 11-digit prefix, now unassigned
		{"+84212345678", "not a mobile prefix"},
		{"091234567", "9 digits"},
		{"09123456789", "11 digits"},
		{"912345678", "9 digits"},
		{"+8491234567", "8 digits after"},
		{"+849123456789", "10 digits after"},
		{"+1 415 555 0100", "not +84"},
		{"+", "not +84"},
		{"0912 345 67a", `'a'`},
		{"０９１２３４５６７８", "unexpected character"}, // full-width digits
		{"++84912345678", `'+'`},
		{"0912345678\xff", "invalid UTF-8"},
		{"84 0912345678", "12 digits"},
		{strings.Repeat("9", 40), "too many digits"},
	}
	for _, tt := range invalid {
		got, err := NormalizePhone(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+84912345678", "091****678"},
		{"+84387654321", "038****321"},
		{"0912345678", "091****678"},
		{"", ""},
		{"+84212345678", ""},
		{"garbage", ""},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"0912345678", "84912345678", "+84 91 234 5678", "0912.345.678", "0912-345-678", "0212345678", "", "+", "\xff", "０９１２３４５６７８"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			if got != "" || MaskPhone(s) != "" {
				t.Fatalf("NormalizePhone(%q) = %q, %v: output with an error", s, got, err)
			}
			return
		}
		if len(got) != 12 || got[:3] != "+84" || !isDigits(got[3:], 9) || !strings.ContainsRune("35789", rune(got[3])) {
			t.Fatalf("NormalizePhone(%q) = %q: not a +84 mobile number", s, got)
		}
		if again, err := NormalizePhone(got); again != got || err != nil {
			t.Fatalf("NormalizePhone not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
		if m := MaskPhone(s); m != MaskPhone(got) || len(m) != 10 || m[3:7] != "****" {
			t.Fatalf("MaskPhone(%q) = %q", s, m)
		}
	})
}
