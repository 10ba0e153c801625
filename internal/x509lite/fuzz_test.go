package x509lite

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/ec"
)

// sentinels are the errors every failure must wrap (one of them).
var sentinels = []error{ErrMalformed, ErrUnsupportedAlgorithm, ErrUnsupportedKey, ErrUnknownCurve,
	ErrKeyMismatch, ErrWeakKey, ErrBadSignature, ErrNotIssuer, ErrInvalidTemplate}

func wrapsSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func certificateSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		readFixture(f, "csca-bp512-explicit.pem"), readFixture(f, "ds-bp512-explicit.pem"),
		readFixture(f, "csca-rsa-pss.pem"), readFixture(f, "ds-rsa-pss.pem"),
	}
	p := newPKI(f, chainOptions{csca: "P-256", ds: "brainpoolP256r1", explicit: true, dsAlg: mustAlg(ECDSAPlain(crypto.SHA256))})
	seeds = append(seeds, p.cscaDER, p.dsDER)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"a.example"}, CRLDistributionPoints: []string{"http://a.example/c.crl"}, IsCA: true, BasicConstraintsValid: true}
	pub, priv := newKey(f, "ecdsa-P-256")
	if der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, priv); err == nil {
		seeds = append(seeds, der)
	}
	return seeds
}

func FuzzParseCertificate(f *testing.F) {
	for _, s := range certificateSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCertificate(data)
		if err != nil {
			if c != nil || !wrapsSentinel(err) {
				t.Fatalf("error %v (certificate %v) wraps no sentinel", err, c != nil)
			}
			return
		}
		if !bytes.Equal(c.Raw, data) || !bytes.Contains(data, c.RawTBSCertificate) || !bytes.Contains(data, c.RawSubjectPublicKeyInfo) {
			t.Fatal("raw fields do not come from the input")
		}
		_ = c.Subject.String() + c.Issuer.String() + c.SignatureAlgorithm.String()
		// Exercise the signature path on the fuzzed algorithm and signature,
		// with the certificate's own key when that is cheap (RSA, NIST) and
		// a fixed P-256 key otherwise: math/big brainpool verification would
		// make each execution (and the fuzzer's minimisation) too slow.
		key := c.PublicKey
		if k, ok := key.(*ec.PublicKey); ok && k.Curve.Name[0] == 'b' {
			key = fuzzKey
		}
		if err := VerifySignature(key, c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil && !wrapsSentinel(err) {
			t.Fatalf("VerifySignature error wraps no sentinel: %v", err)
		}
	})
}

// fuzzKey is a fixed P-256 public key (the base point) for the fuzz
// targets' signature checks.
var fuzzKey = &ec.PublicKey{Curve: ec.P256(), X: ec.P256().Gx, Y: ec.P256().Gy}

func FuzzParseCRL(f *testing.F) {
	f.Add(readFixture(f, "crl-bp512.pem"))
	p := newPKI(f, chainOptions{csca: "P-256", ds: "P-256"})
	now := time.Now()
	if der, err := CreateCRL(p.csca, p.cscaPriv, []RevokedEntry{{Serial: big.NewInt(5), At: now}}, now, now.Add(time.Hour), big.NewInt(9)); err == nil {
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseCRL(data)
		if err != nil {
			if l != nil || !wrapsSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		if !bytes.Equal(l.Raw, data) || !bytes.Contains(data, l.RawTBS) {
			t.Fatal("raw fields do not come from the input")
		}
		_ = l.IsRevoked(big.NewInt(5))
		_ = l.Issuer.String() + l.SignatureAlgorithm.String()
		if err := VerifySignature(fuzzKey, l.SignatureAlgorithm, l.RawTBS, l.Signature); err != nil && !wrapsSentinel(err) {
			t.Fatalf("CheckSignatureFrom error wraps no sentinel: %v", err)
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	for _, der := range certificateSeeds(f) {
		if c, err := ParseCertificate(der); err == nil {
			f.Add(c.RawSubjectPublicKeyInfo)
		}
	}
	for _, c := range ec.Known() {
		k, _ := ec.GenerateKey(c, nil)
		for _, explicit := range []bool{false, true} {
			if der, err := MarshalPublicKey(&k.PublicKey, explicit); err == nil {
				f.Add(der)
			}
		}
		f.Add(explicitSPKI(c, c.MarshalCompressed(k.X, k.Y), func(d *explicitDomain) {
			d.base = derOctetString(c.MarshalCompressed(c.Gx, c.Gy))
			d.cofactor = nil
		}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePublicKey(data)
		if err != nil {
			if !wrapsSentinel(err) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		explicit := bytes.Contains(data, mustOID(oidPrimeField()))
		again, err := MarshalPublicKey(k, explicit)
		if err != nil {
			t.Fatalf("parsed key does not encode: %v", err)
		}
		k2, err := ParsePublicKey(again)
		if err != nil || !samePublicKey(k, k2) {
			t.Fatalf("re-encoded key differs: %v", err)
		}
	})
}

func BenchmarkVerifySignature(b *testing.B) {
	msg := bytes.Repeat([]byte("LDS security object "), 10)
	for _, kind := range []struct{ name, key string }{
		{"P-256", "P-256"}, {"RSA-2048", "RSA"}, {"brainpoolP512r1", "brainpoolP512r1"},
	} {
		b.Run(kind.name, func(b *testing.B) {
			pub, priv := newKey(b, kind.key)
			alg, _ := DefaultSignatureAlgorithm(priv)
			sig, err := Sign(priv, alg, msg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := VerifySignature(pub, alg, msg, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseCertificate(b *testing.B) {
	der := readFixture(b, "ds-bp512-explicit.pem")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCertificate(der); err != nil {
			b.Fatal(err)
		}
	}
}
