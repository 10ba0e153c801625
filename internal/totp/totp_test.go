package totp

import (
	"bytes"
	"crypto"
	"encoding/base32"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// Seeds of RFC 6238 Appendix B: the ASCII string "1234567890" repeated to
// the hash's block-independent key length of 20, 32 and 64 bytes.
var (
	seedSHA1   = []byte("12345678901234567890")
	seedSHA256 = []byte("12345678901234567890123456789012")
	seedSHA512 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

func TestRFC6238Vectors(t *testing.T) {
	tests := []struct {
		unix               int64
		step               int64
		sha1, sha256, s512 string
	}{
		{59, 0x1, "94287082", "46119246", "90693936"},
		{1111111109, 0x23523EC, "07081804", "68084774", "25091201"},
		{1111111111, 0x23523ED, "14050471", "67062674", "99943326"},
		{1234567890, 0x273EF07, "89005924", "91819424", "93441116"},
		{2000000000, 0x3F940AA, "69279037", "90698825", "38618901"},
		{20000000000, 0x27BC86AA, "65353130", "77737706", "47863826"},
	}
	for _, tt := range tests {
		tm := time.Unix(tt.unix, 0)
		if got := Step(tm, 30*time.Second); got != tt.step {
			t.Errorf("Step(%d) = %#x, want %#x", tt.unix, got, tt.step)
		}
		for _, c := range []struct {
			alg    crypto.Hash
			secret []byte
			want   string
		}{
			{crypto.SHA1, seedSHA1, tt.sha1},
			{crypto.SHA256, seedSHA256, tt.sha256},
			{crypto.SHA512, seedSHA512, tt.s512},
		} {
			opts := Options{Digits: 8, Algorithm: c.alg}
			if got := Code(c.secret, tm, opts); got != c.want {
				t.Errorf("Code(%v, %d) = %q, want %q", c.alg, tt.unix, got, c.want)
			}
			step, ok := Verify(c.secret, c.want, tm, opts, 0)
			if !ok || step != tt.step {
				t.Errorf("Verify(%v, %d, %q) = %d, %v; want %d, true", c.alg, tt.unix, c.want, step, ok, tt.step)
			}
		}
	}
}

func TestRFC4226Vectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, w := range want {
		if got := HOTP(seedSHA1, uint64(counter), Options{}); got != w {
			t.Errorf("HOTP(%d) = %q, want %q", counter, got, w)
		}
		// TOTP is HOTP of the step number.
		tm := time.Unix(int64(counter)*30+29, 0)
		if got := Code(seedSHA1, tm, Options{}); got != w {
			t.Errorf("Code at step %d = %q, want %q", counter, got, w)
		}
	}
}

func TestVerifySkew(t *testing.T) {
	secret := seedSHA1
	now := time.Unix(1_700_000_015, 0) // 15 s into a step
	cur := Step(now, DefaultPeriod)
	codeAt := func(step int64) string { return HOTP(secret, uint64(step), Options{}) }

	tests := []struct {
		name   string
		offset int64
		skew   int
		ok     bool
	}{
		{"current step", 0, 1, true},
		{"previous step", -1, 1, true},
		{"next step", 1, 1, true},
		{"two steps old, skew 1", -2, 1, false},
		{"two steps ahead, skew 1", 2, 1, false},
		{"two steps old, skew 2", -2, 2, true},
		{"previous step, skew 0", -1, 0, false},
		{"current step, skew 0", 0, 0, true},
		{"negative skew means 1", -1, -1, true},
		{"negative skew means 1, not 2", -2, -1, false},
		{"skew capped at MaxSkew", -MaxSkew - 1, 1000, false},
		{"MaxSkew itself", -MaxSkew, 1000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := codeAt(cur + tt.offset)
			step, ok := Verify(secret, code, now, Options{}, tt.skew)
			if ok != tt.ok {
				t.Fatalf("Verify(offset %d, skew %d) ok = %v, want %v", tt.offset, tt.skew, ok, tt.ok)
			}
			if ok && step != cur+tt.offset {
				t.Errorf("step = %d, want %d", step, cur+tt.offset)
			}
			if !ok && step != 0 {
				t.Errorf("step = %d on failure, want 0", step)
			}
		})
	}
}

// TestVerifyReplay shows the intended use of the returned step: a code
// accepted once is refused afterwards even inside the skew window.
func TestVerifyReplay(t *testing.T) {
	secret := seedSHA1
	now := time.Unix(1_800_000_000, 0)
	code := Code(secret, now, Options{})
	last := int64(-1)
	accept := func(at time.Time) bool {
		step, ok := Verify(secret, code, at, Options{}, 1)
		if !ok || step <= last {
			return false
		}
		last = step
		return true
	}
	if !accept(now) {
		t.Fatal("first use refused")
	}
	if accept(now.Add(10 * time.Second)) {
		t.Fatal("replay accepted")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	now := time.Unix(59, 0)
	good8 := "94287082"
	good6 := Code(seedSHA1, now, Options{})
	tests := []struct {
		name   string
		secret []byte
		code   string
		opts   Options
	}{
		{"empty", seedSHA1, "", Options{}},
		{"too short", seedSHA1, good6[:5], Options{}},
		{"too long", seedSHA1, good6 + "0", Options{}},
		{"8 digits when 6 expected", seedSHA1, good8, Options{}},
		{"6 digits when 8 expected", seedSHA1, good6, Options{Digits: 8}},
		{"space", seedSHA1, " " + good6[1:], Options{}},
		{"letter", seedSHA1, "12345a", Options{}},
		{"sign", seedSHA1, "+28708", Options{}},
		{"full-width digits", seedSHA1, "１２３", Options{}},
		{"empty secret", nil, good6, Options{}},
		{"7 digits", seedSHA1, "1234567", Options{Digits: 7}},
		{"sub-second period", seedSHA1, good6, Options{Period: 500 * time.Millisecond}},
		{"fractional period", seedSHA1, good6, Options{Period: 1500 * time.Millisecond}},
		{"negative period", seedSHA1, good6, Options{Period: -30 * time.Second}},
		{"MD5", seedSHA1, good6, Options{Algorithm: crypto.MD5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if step, ok := Verify(tt.secret, tt.code, now, tt.opts, 1); ok || step != 0 {
				t.Errorf("Verify(%q) = %d, %v; want 0, false", tt.code, step, ok)
			}
		})
	}
	// Sanity: the well-formed codes do verify.
	if _, ok := Verify(seedSHA1, good6, now, Options{}, 1); !ok {
		t.Error("good 6-digit code refused")
	}
	if _, ok := Verify(seedSHA1, good8, now, Options{Digits: 8}, 1); !ok {
		t.Error("good 8-digit code refused")
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{
		{}, {Digits: 6}, {Digits: 8}, {Period: 60 * time.Second}, {Period: time.Second},
		{Algorithm: crypto.SHA256}, {Algorithm: crypto.SHA512},
	} {
		if err := o.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", o, err)
		}
	}
	for _, o := range []Options{
		{Digits: 7}, {Digits: -6}, {Digits: 10}, {Period: time.Millisecond}, {Period: -time.Second},
		{Period: 1500 * time.Millisecond}, {Algorithm: crypto.MD5}, {Algorithm: crypto.SHA3_256},
	} {
		err := o.Validate()
		if !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidOptions", o, err)
		}
		if Code(seedSHA1, time.Unix(59, 0), o) != "" || URI(seedSHA1, "a", "b", o) != "" || HOTP(seedSHA1, 1, o) != "" {
			t.Errorf("invalid options %+v produced output", o)
		}
	}
	if Code(nil, time.Unix(59, 0), Options{}) != "" {
		t.Error("Code with empty secret produced a code")
	}
	if Code(seedSHA1, time.Unix(-1, 0), Options{}) != "" {
		t.Error("Code before the epoch produced a code")
	}
}

func TestStep(t *testing.T) {
	tests := []struct {
		unix   int64
		period time.Duration
		want   int64
	}{
		{0, 30 * time.Second, 0},
		{29, 30 * time.Second, 0},
		{30, 30 * time.Second, 1},
		{59, 0, 1},                 // default period
		{59, -5 * time.Second, 1},  // invalid period: default
		{59, time.Millisecond, 1},  // below a second: default
		{59, 60 * time.Second, 0},  //
		{-1, 30 * time.Second, -1}, // floored before the epoch
		{-30, 30 * time.Second, -1},
		{-31, 30 * time.Second, -2},
	}
	for _, tt := range tests {
		if got := Step(time.Unix(tt.unix, 0), tt.period); got != tt.want {
			t.Errorf("Step(%d, %v) = %d, want %d", tt.unix, tt.period, got, tt.want)
		}
	}
	// Step does not depend on the time zone.
	utc := time.Unix(1_700_000_000, 0).UTC()
	if Step(utc, 0) != Step(utc.In(time.FixedZone("ICT", 7*3600)), 0) {
		t.Error("Step depends on the zone")
	}
}

func TestGenerateSecret(t *testing.T) {
	s, err := GenerateSecret(bytes.NewReader(bytes.Repeat([]byte{7}, 64)))
	if err != nil || len(s) != SecretSize || s[0] != 7 {
		t.Fatalf("GenerateSecret = %x, %v", s, err)
	}
	a, err := GenerateSecret(nil)
	if err != nil || len(a) != SecretSize {
		t.Fatalf("GenerateSecret(nil) = %x, %v", a, err)
	}
	b, _ := GenerateSecret(nil)
	if bytes.Equal(a, b) {
		t.Error("two secrets from crypto/rand are equal")
	}
	_, err = GenerateSecret(bytes.NewReader(make([]byte, SecretSize-1)))
	if err == nil || !strings.HasPrefix(err.Error(), "totp: generate secret: ") {
		t.Errorf("short reader: err = %v", err)
	}
	boom := errors.New("entropy gone")
	if _, err := GenerateSecret(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Errorf("failing reader: err = %v, want wrapping %v", err, boom)
	}
}

func TestURI(t *testing.T) {
	secret := seedSHA1 // base32: GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
	tests := []struct {
		name            string
		issuer, account string
		opts            Options
		want            string
	}{
		{
			"defaults", "VNeID", "001099012345", Options{},
			"otpauth://totp/VNeID:001099012345?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=VNeID&algorithm=SHA1&digits=6&period=30",
		},
		{
			"Vietnamese issuer and account", "Bộ Công an", "Nguyễn Văn An", Options{Digits: 8, Period: 60 * time.Second, Algorithm: crypto.SHA256},
			"otpauth://totp/B%E1%BB%99%20C%C3%B4ng%20an:Nguy%E1%BB%85n%20V%C4%83n%20An?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" +
				"&issuer=B%E1%BB%99%20C%C3%B4ng%20an&algorithm=SHA256&digits=8&period=60",
		},
		{
			"reserved characters", "A&B", "x@y.vn/1?:#+", Options{Algorithm: crypto.SHA512},
			"otpauth://totp/A%26B:x%40y.vn%2F1%3F%3A%23%2B?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=A%26B&algorithm=SHA512&digits=6&period=30",
		},
		{
			"no issuer", "", "officer-7", Options{},
			"otpauth://totp/officer-7?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := URI(secret, tt.issuer, tt.account, tt.opts)
			if got != tt.want {
				t.Fatalf("URI =\n %s\nwant\n %s", got, tt.want)
			}
			// A standard parser gets the parts back.
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("url.Parse: %v", err)
			}
			if u.Scheme != "otpauth" || u.Host != "totp" {
				t.Errorf("scheme/host = %s/%s", u.Scheme, u.Host)
			}
			label := tt.account
			if tt.issuer != "" {
				label = tt.issuer + ":" + tt.account
			}
			if u.Path != "/"+label {
				t.Errorf("path = %q, want %q", u.Path, "/"+label)
			}
			q := u.Query()
			if q.Get("issuer") != tt.issuer {
				t.Errorf("issuer = %q, want %q", q.Get("issuer"), tt.issuer)
			}
			dec, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(q.Get("secret"))
			if err != nil || !bytes.Equal(dec, secret) {
				t.Errorf("secret round trip = %x, %v", dec, err)
			}
			if strings.Contains(got, "=") && strings.Contains(q.Get("secret"), "=") {
				t.Error("secret has padding")
			}
		})
	}
	if URI(nil, "a", "b", Options{}) != "" {
		t.Error("URI with empty secret")
	}
}

func ExampleVerify() {
	secret := []byte("12345678901234567890")
	now := time.Unix(1_111_111_111, 0)
	code := Code(secret, now, Options{})

	// Thirty seconds later the code is still accepted (skew 1)...
	step, ok := Verify(secret, code, now.Add(30*time.Second), Options{}, DefaultSkew)
	fmt.Println(code, step, ok)
	// ...but the store keeps the step and refuses to accept it again.
	lastUsed := step
	step, ok = Verify(secret, code, now.Add(40*time.Second), Options{}, DefaultSkew)
	fmt.Println(ok && step > lastUsed)
	// Output:
	// 050471 37037037 true
	// false
}

func ExampleURI() {
	fmt.Println(URI([]byte("12345678901234567890"), "VNeID", "Trần Thị Hà", Options{}))
	// Output: otpauth://totp/VNeID:Tr%E1%BA%A7n%20Th%E1%BB%8B%20H%C3%A0?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=VNeID&algorithm=SHA1&digits=6&period=30
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte("12345678901234567890"), "287082", int64(59), 6, int64(30), uint8(0), 1)
	f.Add([]byte("k"), "94287082", int64(-100), 8, int64(0), uint8(1), -3)
	f.Add([]byte{}, "", int64(1<<62), 7, int64(-1), uint8(2), 1<<30)
	f.Fuzz(func(t *testing.T, secret []byte, code string, unix int64, digits int, period int64, alg uint8, skew int) {
		algs := []crypto.Hash{0, crypto.SHA1, crypto.SHA256, crypto.SHA512, crypto.MD5}
		opts := Options{Digits: digits, Period: time.Duration(period) * time.Second, Algorithm: algs[int(alg)%len(algs)]}
		tm := time.Unix(unix, 0)
		step, ok := Verify(secret, code, tm, opts, skew)
		if !ok {
			if step != 0 {
				t.Fatalf("step %d on failure", step)
			}
			return
		}
		if got := HOTP(secret, uint64(step), opts); got != code {
			t.Fatalf("Verify accepted %q at step %d, HOTP there is %q", code, step, got)
		}
		own := Code(secret, tm, opts)
		if s, ok := Verify(secret, own, tm, opts, 0); own != "" && (!ok || s != Step(tm, opts.Period)) {
			t.Fatalf("own code %q not verified at its step: %d, %v", own, s, ok)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	now := time.Unix(1_800_000_000, 0)
	code := Code(seedSHA1, now.Add(-30*time.Second), Options{})
	for b.Loop() {
		if _, ok := Verify(seedSHA1, code, now, Options{}, 1); !ok {
			b.Fatal("refused")
		}
	}
}
