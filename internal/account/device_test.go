package account

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// deviceKey is a device key pair as the app holds it.
type deviceKey struct {
	der  []byte
	sign func(msg []byte) []byte
}

func newP256Key(t testing.TB) deviceKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return deviceKey{der: der, sign: func(msg []byte) []byte {
		sum := sha256.Sum256(msg)
		sig, err := ecdsa.SignASN1(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}}
}

func newEd25519Key(t testing.TB) deviceKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return deviceKey{der: der, sign: func(msg []byte) []byte { return ed25519.Sign(priv, msg) }}
}

func pkix(t testing.TB, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var encodings = []struct {
	name string
	enc  *base64.Encoding
}{
	{"std", base64.StdEncoding},
	{"raw std", base64.RawStdEncoding},
	{"url", base64.URLEncoding},
	{"raw url", base64.RawURLEncoding},
}

func TestParseDevicePublicKeyAccepts(t *testing.T) {
	keys := map[string][]byte{"P-256": newP256Key(t).der, "Ed25519": newEd25519Key(t).der}
	for kname, der := range keys {
		for _, e := range encodings {
			t.Run(kname+"/"+e.name, func(t *testing.T) {
				got, err := ParseDevicePublicKey(e.enc.EncodeToString(der))
				if err != nil {
					t.Fatalf("ParseDevicePublicKey: %v", err)
				}
				if !bytes.Equal(got, der) {
					t.Fatalf("ParseDevicePublicKey returned %x, want the DER %x", got, der)
				}
			})
		}
	}
}

func TestParseDevicePublicKeyRejects(t *testing.T) {
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rawPoint, err := p256.PublicKey.Bytes() // uncompressed point, not PKIX
	if err != nil {
		t.Fatal(err)
	}
	ed := newEd25519Key(t).der
	std := base64.StdEncoding.EncodeToString
	tests := []struct {
		name, in string
	}{
		{"P-384", std(pkix(t, &p384.PublicKey))},
		{"P-521", std(pkix(t, &p521.PublicKey))},
		{"RSA", std(pkix(t, &rsaKey.PublicKey))},
		{"P-256 raw point", std(rawPoint)},
		{"raw Ed25519 key", std(ed[len(ed)-32:])},
		{"PKIX with trailing byte", std(append(bytes.Clone(ed), 0))},
		{"truncated PKIX", std(ed[:len(ed)-1])},
		{"empty", ""},
		{"whitespace", "   "},
		{"not base64", "this is not base64!"},
		{"base64 garbage", std([]byte("garbage garbage garbage"))},
		{"PEM", "-----BEGIN PUBLIC KEY-----\n" + std(ed) + "\n-----END PUBLIC KEY-----\n"},
		{"1025 bytes", std(bytes.Repeat([]byte{0x30}, 1025))},
		{"huge", std(make([]byte, 1<<20))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if der, err := ParseDevicePublicKey(tc.in); err == nil {
				t.Fatalf("ParseDevicePublicKey accepted %.40q as %x", tc.in, der)
			}
		})
	}
	// The size cap is checked before parsing: a long DER says so.
	if _, err := parsePublicKey(make([]byte, 1025)); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("parsePublicKey(1025 bytes) = %v, want too long", err)
	}
}

func TestVerifyDeviceSignature(t *testing.T) {
	msg := RegistrationProof("3f6c0a1b2c3d4e5f60718293a4b5c6d7")
	for _, kt := range []struct {
		name string
		gen  func(testing.TB) deviceKey
	}{{"P-256", newP256Key}, {"Ed25519", newEd25519Key}} {
		t.Run(kt.name, func(t *testing.T) {
			k, other := kt.gen(t), kt.gen(t)
			otherType := newEd25519Key(t)
			if kt.name == "Ed25519" {
				otherType = newP256Key(t)
			}
			sig := k.sign(msg)
			flipped := bytes.Clone(sig)
			flipped[len(flipped)/2] ^= 0x01
			tests := []struct {
				name string
				der  []byte
				msg  []byte
				sig  string
				ok   bool
			}{
				{"valid std", k.der, msg, base64.StdEncoding.EncodeToString(sig), true},
				{"valid raw url", k.der, msg, base64.RawURLEncoding.EncodeToString(sig), true},
				{"wrong message", k.der, RegistrationProof("another registration"), base64.StdEncoding.EncodeToString(sig), false},
				{"empty message", k.der, nil, base64.StdEncoding.EncodeToString(sig), false},
				{"wrong key", other.der, msg, base64.StdEncoding.EncodeToString(sig), false},
				{"other key type", otherType.der, msg, base64.StdEncoding.EncodeToString(sig), false},
				{"other key type's signature", k.der, msg, base64.StdEncoding.EncodeToString(otherType.sign(msg)), false},
				{"flipped bit", k.der, msg, base64.StdEncoding.EncodeToString(flipped), false},
				{"truncated", k.der, msg, base64.StdEncoding.EncodeToString(sig[:len(sig)-1]), false},
				{"extended", k.der, msg, base64.StdEncoding.EncodeToString(append(bytes.Clone(sig), 0)), false},
				{"empty signature", k.der, msg, "", false},
				{"not base64", k.der, msg, "***", false},
				{"zeros", k.der, msg, base64.StdEncoding.EncodeToString(make([]byte, 64)), false},
				{"garbage key", []byte("not a key"), msg, base64.StdEncoding.EncodeToString(sig), false},
				{"nil key", nil, msg, base64.StdEncoding.EncodeToString(sig), false},
			}
			for _, tc := range tests {
				err := VerifyDeviceSignature(tc.der, tc.msg, tc.sig)
				if tc.ok && err != nil {
					t.Errorf("%s: VerifyDeviceSignature = %v, want nil", tc.name, err)
				}
				if !tc.ok && err == nil {
					t.Errorf("%s: VerifyDeviceSignature = nil, want an error", tc.name)
				}
			}
		})
	}
}

func TestLoginChallenge(t *testing.T) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	c := challenger{key: key}
	other := challenger{key: append(bytes.Clone(key[:31]), key[31]^1)}
	now := time.Date(2026, 3, 15, 8, 30, 0, 0, time.UTC)
	exp := now.Add(2 * time.Minute)
	const device = "device-A"
	ch, err := c.issue(device, exp)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.issue(device, exp); again == ch {
		t.Errorf("two challenges are equal (nonce not random)")
	}

	tests := []struct {
		name      string
		c         challenger
		challenge string
		device    string
		at        time.Time
		ok        bool
	}{
		{"fresh", c, ch, device, now, true},
		{"at expiry", c, ch, device, exp, true},
		{"before issue", c, ch, device, now.Add(-time.Hour), true},
		{"one second after expiry", c, ch, device, exp.Add(time.Second), false},
		{"a day later", c, ch, device, exp.Add(24 * time.Hour), false},
		{"other device", c, ch, "device-B", now, false},
		{"device ID prefix", c, ch, "device-", now, false},
		{"empty device", c, ch, "", now, false},
		{"other key", other, ch, device, now, false},
		{"empty", c, "", device, now, false},
		{"truncated", c, ch[:len(ch)-2], device, now, false},
		{"extended", c, ch + "AAAA", device, now, false},
		{"padded", c, ch + "=", device, now, false},
	}
	for _, tc := range tests {
		err := tc.c.check(tc.challenge, tc.device, tc.at)
		if tc.ok != (err == nil) {
			t.Errorf("%s: check = %v, want ok=%t", tc.name, err, tc.ok)
		}
	}

	// Every byte of the challenge is bound: expiry, nonce and MAC.
	raw, err := base64.RawURLEncoding.DecodeString(ch)
	if err != nil || len(raw) != challengeRaw {
		t.Fatalf("challenge %q decodes to %d bytes (%v), want %d", ch, len(raw), err, challengeRaw)
	}
	for i := range raw {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(raw)
			b[i] ^= bit
			if err := c.check(base64.RawURLEncoding.EncodeToString(b), device, now); err == nil {
				t.Errorf("challenge with byte %d ^ %#x still verifies", i, bit)
			}
		}
	}

	// An attacker cannot move the expiry later, even with a valid MAC for
	// another device.
	chB, err := c.issue("device-B", exp)
	if err != nil {
		t.Fatal(err)
	}
	rawB, _ := base64.RawURLEncoding.DecodeString(chB)
	mixed := append(bytes.Clone(raw[:24]), rawB[24:]...)
	if err := c.check(base64.RawURLEncoding.EncodeToString(mixed), device, now); err == nil {
		t.Errorf("challenge with another device's MAC verifies")
	}
}

// The app sends the public key at registration: any string must be handled.
func FuzzParseDevicePublicKey(f *testing.F) {
	f.Add(base64.StdEncoding.EncodeToString(newP256Key(f).der))
	f.Add(base64.RawURLEncoding.EncodeToString(newEd25519Key(f).der))
	f.Add("")
	f.Add("MA==")
	f.Add("MCowBQYDK2VwAyEA")
	f.Add(strings.Repeat("A", 1400))
	f.Fuzz(func(t *testing.T, in string) {
		der, err := ParseDevicePublicKey(in)
		if err != nil {
			if der != nil {
				t.Fatalf("ParseDevicePublicKey(%q) returned %x with error %v", in, der, err)
			}
			return
		}
		if len(der) > 1024 {
			t.Fatalf("ParseDevicePublicKey(%q) accepted %d bytes", in, len(der))
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			t.Fatalf("accepted key does not parse: %v", err)
		}
		switch k := pub.(type) {
		case *ecdsa.PublicKey:
			if k.Curve != elliptic.P256() {
				t.Fatalf("accepted ECDSA key on %s", k.Curve.Params().Name)
			}
		case ed25519.PublicKey:
		default:
			t.Fatalf("accepted %T", pub)
		}
		// An accepted key must be usable for verification without panicking.
		if VerifyDeviceSignature(der, []byte("message"), "AAAA") == nil {
			t.Fatalf("a garbage signature verifies under %x", der)
		}
	})
}

// The app sends the signature at registration and login; the key comes from
// the store.
func FuzzVerifyDeviceSignature(f *testing.F) {
	p, e := newP256Key(f), newEd25519Key(f)
	msg := LoginProof("challenge", "001099012345")
	f.Add(p.der, msg, base64.StdEncoding.EncodeToString(p.sign(msg)))
	f.Add(e.der, msg, base64.RawURLEncoding.EncodeToString(e.sign(msg)))
	f.Add(p.der, msg, base64.StdEncoding.EncodeToString(e.sign(msg)))
	f.Add(e.der, []byte{}, "")
	f.Add([]byte{}, msg, "MEUCIQ")
	f.Add([]byte{0x30, 0x59}, msg, "MAYCAQECAQE=")
	f.Fuzz(func(t *testing.T, der, msg []byte, sig string) {
		_ = VerifyDeviceSignature(der, msg, sig)
	})
}
