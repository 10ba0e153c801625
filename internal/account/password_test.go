package account

import (
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid/vneid/internal/failure"
)

// tinyArgon2 keeps hashing in tests cheap; the code path is the same as with
// the production parameters.
var tinyArgon2 = Argon2Params{MemoryKiB: 8, Time: 1, Threads: 1}

func TestCheckPasswordPolicy(t *testing.T) {
	const id = "001099012345"
	tests := []struct {
		name     string
		password string
		idNumber string
		ok       bool
	}{
		{"vietnamese letters", "Mậtkhẩu@1", id, true},
		{"vietnamese upper case", "ĐặngVăn#9", id, true},
		{"vietnamese lower only has no upper", "mậtkhẩu@1", id, false},
		{"vietnamese upper only has no lower", "MẬTKHẨU@1", id, false},
		{"vietnamese NFD", norm.NFD.String("Mậtkhẩu@1"), id, true},
		// Combining diacritics are part of a letter, not special characters.
		{"vietnamese NFD without special", norm.NFD.String("Mậtkhẩu1"), id, false},
		{"vietnamese NFC without special", "Mậtkhẩu1", id, false},
		{"exactly 8", "Abcdef1!", id, true},
		{"7 runes", "Abcde1!", id, false},
		{"exactly 20", "Aa1!" + strings.Repeat("x", 16), id, true},
		{"21 runes", "Aa1!" + strings.Repeat("x", 17), id, false},
		{"20 runes of many bytes", "Ậ" + strings.Repeat("ẩ", 17) + "1@", id, true},
		{"21 runes of many bytes", "Ậ" + strings.Repeat("ẩ", 18) + "1@", id, false},
		{"8 runes of many bytes", "Ậẩẩẩẩẩ1@", id, true},
		{"empty", "", id, false},
		{"no upper", "abcdef1!", id, false},
		{"no lower", "ABCDEF1!", id, false},
		{"no digit", "Abcdefg!", id, false},
		{"no special", "Abcdefg1", id, false},
		{"space is not special", "Abcdef 1", id, false},
		{"space allowed", "Abc def1!", id, true},
		{"NUL", "Abcdef1!\x00", id, false},
		{"tab", "Abcdef1!\t", id, false},
		{"newline", "Abcdef1!\n", id, false},
		{"DEL", "Abcdef1!\x7f", id, false},
		{"C1 control", "Abcdef1!\u0085", id, false},
		{"invalid UTF-8", "Abcdef1!\xff", id, false},
		{"contains ID number", "Xx@" + id, id, false},
		{"ID number in the middle", "A@" + id + "b", id, false},
		{"part of ID number is fine", "Xx@0010990", id, true},
		{"no ID number given", "Xx@" + id, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPasswordPolicy(tc.password, tc.idNumber)
			if tc.ok {
				if err != nil {
					t.Fatalf("CheckPasswordPolicy(%q) = %v, want nil", tc.password, err)
				}
				return
			}
			if !errors.Is(err, ErrPasswordWeak) {
				t.Fatalf("CheckPasswordPolicy(%q) = %v, want ErrPasswordWeak", tc.password, err)
			}
			if f := failure.As(err); f == nil || len(f.Fields) != 1 || f.Fields[0] != "password" {
				t.Errorf("failure fields = %+v, want [password]", f)
			}
		})
	}
}

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashVerifyPassword(t *testing.T) {
	passwords := []string{"Mậtkhẩu@1", "Abcdef1!", "", "with space and ☃ snowman", strings.Repeat("x", 200)}
	for _, pw := range passwords {
		t.Run(fmt.Sprintf("%.20q", pw), func(t *testing.T) {
			hash, err := HashPassword(pw, tinyArgon2)
			if err != nil {
				t.Fatal(err)
			}
			m := phcPattern.FindStringSubmatch(hash)
			if m == nil || m[1] != "8" || m[2] != "1" || m[3] != "1" {
				t.Fatalf("hash %q is not the PHC string for m=8,t=1,p=1", hash)
			}
			again, err := HashPassword(pw, tinyArgon2)
			if err != nil {
				t.Fatal(err)
			}
			if again == hash {
				t.Errorf("two hashes of the same password are equal (salt not random)")
			}

			tests := []struct {
				name      string
				password  string
				want      Argon2Params
				ok, stale bool
			}{
				{"right", pw, tinyArgon2, true, false},
				{"wrong", pw + "x", tinyArgon2, false, false},
				{"empty", "", tinyArgon2, pw == "", false},
				{"right, more memory wanted", pw, Argon2Params{MemoryKiB: 16, Time: 1, Threads: 1}, true, true},
				{"right, more passes wanted", pw, Argon2Params{MemoryKiB: 8, Time: 2, Threads: 1}, true, true},
				{"right, more threads wanted", pw, Argon2Params{MemoryKiB: 8, Time: 1, Threads: 2}, true, true},
				{"wrong, stale", pw + "x", DefaultArgon2(), false, true},
			}
			for _, tc := range tests {
				ok, stale, err := VerifyPassword(hash, tc.password, tc.want)
				if err != nil || ok != tc.ok || stale != tc.stale {
					t.Errorf("%s: VerifyPassword = %t, %t, %v; want %t, %t, nil", tc.name, ok, stale, err, tc.ok, tc.stale)
				}
			}
		})
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good, err := HashPassword("Abcdef1!", tinyArgon2)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(alg, version, params, salt, key string) string {
		return strings.Join([]string{"", alg, version, params, salt, key}, "$")
	}
	tests := []struct {
		name string
		hash string
	}{
		{"empty", ""},
		{"plain text", "Abcdef1!"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", with("argon2i", "v=19", "m=8,t=1,p=1", salt, key)},
		{"argon2d", with("argon2d", "v=19", "m=8,t=1,p=1", salt, key)},
		{"old version", with("argon2id", "v=16", "m=8,t=1,p=1", salt, key)},
		{"no version", with("argon2id", "", "m=8,t=1,p=1", salt, key)},
		{"too few parts", strings.Join(parts[:5], "$")},
		{"too many parts", good + "$extra"},
		{"no leading dollar", strings.TrimPrefix(good, "$")},
		{"no params", with("argon2id", "v=19", "", salt, key)},
		{"params reordered", with("argon2id", "v=19", "t=1,m=8,p=1", salt, key)},
		{"m=0", with("argon2id", "v=19", "m=0,t=1,p=1", salt, key)},
		{"t=0", with("argon2id", "v=19", "m=8,t=0,p=1", salt, key)},
		{"p=0", with("argon2id", "v=19", "m=8,t=1,p=0", salt, key)},
		{"negative m", with("argon2id", "v=19", "m=-8,t=1,p=1", salt, key)},
		{"p overflows uint8", with("argon2id", "v=19", "m=8,t=1,p=256", salt, key)},
		{"m overflows uint32", with("argon2id", "v=19", "m=4294967296,t=1,p=1", salt, key)},
		{"m just above cap", with("argon2id", "v=19", fmt.Sprintf("m=%d,t=1,p=1", 4<<20+1), salt, key)},
		{"m max uint32", with("argon2id", "v=19", "m=4294967295,t=1,p=1", salt, key)},
		{"t above cap", with("argon2id", "v=19", "m=8,t=101,p=1", salt, key)},
		{"t max uint32", with("argon2id", "v=19", "m=8,t=4294967295,p=1", salt, key)},
		{"salt not base64", with("argon2id", "v=19", "m=8,t=1,p=1", "!!!!", key)},
		{"salt padded", with("argon2id", "v=19", "m=8,t=1,p=1", salt+"==", key)},
		{"key not base64", with("argon2id", "v=19", "m=8,t=1,p=1", salt, "****")},
		{"key empty", with("argon2id", "v=19", "m=8,t=1,p=1", salt, "")},
		{"key one char", with("argon2id", "v=19", "m=8,t=1,p=1", salt, "A")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, stale, err := VerifyPassword(tc.hash, "Abcdef1!", tinyArgon2)
			if err == nil || ok || stale {
				t.Fatalf("VerifyPassword(%q) = %t, %t, %v; want false, false, error", tc.hash, ok, stale, err)
			}
		})
	}
}

// A corrupted hash with enormous parameters must be refused before any
// argon2 memory is allocated.
func TestVerifyPasswordHugeParamsDoNotAllocate(t *testing.T) {
	salt := "c2FsdHNhbHRzYWx0c2FsdA"
	key := "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U"
	hashes := []string{
		fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=1$%s$%s", 4<<20+1, salt, key),
		fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=4$%s$%s", uint32(1<<32-1), salt, key),
		fmt.Sprintf("$argon2id$v=19$m=%d,t=100,p=255$%s$%s", uint64(1)<<40, salt, key),
		fmt.Sprintf("$argon2id$v=19$m=1024,t=%d,p=1$%s$%s", uint32(1<<32-1), salt, key),
	}
	for _, h := range hashes {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		ok, _, err := VerifyPassword(h, "Abcdef1!", tinyArgon2)
		runtime.ReadMemStats(&after)
		if err == nil || ok {
			t.Errorf("VerifyPassword(%q) = %t, %v; want an error", h, ok, err)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("VerifyPassword(%q) allocated %d bytes before refusing", h, n)
		}
	}
}

func FuzzVerifyPassword(f *testing.F) {
	good, err := HashPassword("Abcdef1!", tinyArgon2)
	if err != nil {
		f.Fatal(err)
	}
	parts := strings.Split(good, "$")
	f.Add(good)
	f.Add("")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$$")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$" + parts[4] + "$A")
	f.Add("$argon2id$v=19$m=8,t=1,p=2$" + parts[4] + "$" + parts[5])
	f.Add("$argon2id$v=19$m=16,t=2,p=1$" + parts[4] + "$" + parts[5] + parts[5])
	f.Add("$argon2id$v=19$m=4194305,t=1,p=1$" + parts[4] + "$" + parts[5])
	f.Add("$argon2id$v=19$m=8,t=1,p=255$" + parts[4] + "$" + parts[5])
	f.Add("$argon2id$v=19$m=8,t=1,p=1$" + parts[4] + "=$" + parts[5])
	f.Add("$argon2i$v=19$m=8,t=1,p=1$" + parts[4] + "$" + parts[5])
	f.Fuzz(func(t *testing.T, hash string) {
		if costly(hash) {
			// Parameters VerifyPassword accepts but that cost more than a
			// fuzz iteration should (the cap itself is 4 GiB x 100 passes).
			t.Skip()
		}
		ok, stale, err := VerifyPassword(hash, "Abcdef1!", tinyArgon2)
		if err != nil && (ok || stale) {
			t.Fatalf("VerifyPassword(%q) = %t, %t with error %v", hash, ok, stale, err)
		}
		if ok {
			if again, _, _ := VerifyPassword(hash, "Abcdef1?", tinyArgon2); again {
				t.Fatalf("VerifyPassword(%q) accepts two different passwords", hash)
			}
		}
	})
}

// costly reports whether hash names argon2 parameters within VerifyPassword's
// limits but too dear to compute in a fuzz iteration.
func costly(hash string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return false
	}
	var m, tm, p uint64
	if n, _ := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &tm, &p); n < 2 {
		return false
	}
	return m <= 4<<20 && tm <= 100 && (m > 1<<14 || m*tm > 1<<16 || p > 64)
}
