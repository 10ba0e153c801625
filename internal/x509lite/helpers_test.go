package x509lite

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/ec"
)

// rsaTestKey is generated once per test binary: RSA key generation is the
// slowest step of these tests.
var rsaTestKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })
var rsaTestKey2 = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// newKey returns a fresh key pair: "RSA" (shared 2048-bit), "RSA2" (a
// second shared one), "ecdsa-P-256" (crypto/ecdsa types) or an ec curve
// name.
func newKey(t testing.TB, kind string) (pub, priv any) {
	t.Helper()
	switch kind {
	case "RSA", "RSA2":
		f := rsaTestKey
		if kind == "RSA2" {
			f = rsaTestKey2
		}
		k, err := f()
		if err != nil {
			t.Fatal(err)
		}
		return &k.PublicKey, k
	case "ecdsa-P-256":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return &k.PublicKey, k
	}
	c := ec.ByName(kind)
	if c == nil {
		t.Fatalf("unknown key kind %q", kind)
	}
	k, err := ec.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &k.PublicKey, k
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := pem.Decode(b)
	if p == nil {
		t.Fatalf("%s: no PEM block", name)
	}
	return p.Bytes
}

func mustParse(t testing.TB, der []byte) *Certificate {
	t.Helper()
	c, err := ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pki is a synthetic CSCA → document signer chain.
type pki struct {
	cscaDER, dsDER   []byte
	csca, ds         *Certificate
	cscaPriv, dsPriv any
	dsPub            any
}

// chainOptions selects keys and encodings of newPKI.
type chainOptions struct {
	csca, ds       string // key kinds for newKey
	explicit       bool
	cscaAlg, dsAlg AlgorithmIdentifier
}

// newPKI builds a CSCA and a document signer certificate with the builder,
// in the shape ICAO 9303-12 prescribes.
func newPKI(t testing.TB, o chainOptions) *pki {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	cscaPub, cscaPriv := newKey(t, o.csca)
	dsPub, dsPriv := newKey(t, o.ds)
	csca := &Template{
		SerialNumber:       big.NewInt(0x1001),
		Subject:            DistinguishedName{Country: "VN", Organization: "Test Government", OrganizationalUnit: "Test Ministry", CommonName: "CSCA Test Việt Nam"},
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           now.AddDate(10, 0, 0),
		IsCA:               true,
		MaxPathLen:         0,
		KeyUsage:           x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExplicitParameters: o.explicit,
		SignatureAlgorithm: o.cscaAlg,
	}
	cscaDER, err := CreateCertificate(csca, cscaPub, nil, cscaPriv)
	if err != nil {
		t.Fatal(err)
	}
	cscaCert := mustParse(t, cscaDER)
	dtl, err := DocumentTypeListExtension("ID", "P")
	if err != nil {
		t.Fatal(err)
	}
	ds := &Template{
		SerialNumber:             big.NewInt(0x2002),
		Subject:                  DistinguishedName{Country: "VN", Organization: "Test Government", CommonName: "Document Signer 1", SerialNumber: "DS-001"},
		NotBefore:                now.Add(-time.Hour),
		NotAfter:                 now.AddDate(1, 0, 0),
		KeyUsage:                 x509.KeyUsageDigitalSignature,
		PrivateKeyUsageNotBefore: now.Add(-time.Hour),
		PrivateKeyUsageNotAfter:  now.AddDate(0, 3, 0),
		ExplicitParameters:       o.explicit,
		SignatureAlgorithm:       o.dsAlg,
		ExtraExtensions:          []Extension{dtl},
	}
	dsDER, err := CreateCertificate(ds, dsPub, cscaCert, cscaPriv)
	if err != nil {
		t.Fatal(err)
	}
	return &pki{cscaDER: cscaDER, dsDER: dsDER, csca: cscaCert, ds: mustParse(t, dsDER), cscaPriv: cscaPriv, dsPriv: dsPriv, dsPub: dsPub}
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
