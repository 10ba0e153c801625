package x509lite

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/ec"
)

// TestOpenSSLFixtures parses the chains OpenSSL made (testdata/
// make-fixtures.sh): a brainpoolP512r1 CSCA and document signer with
// explicit curve parameters, its CRL, and an RSASSA-PSS chain.
func TestOpenSSLFixtures(t *testing.T) {
	csca := mustParse(t, readFixture(t, "csca-bp512-explicit.pem"))
	ds := mustParse(t, readFixture(t, "ds-bp512-explicit.pem"))
	if err := csca.CheckSignatureFrom(csca); err != nil {
		t.Fatalf("CSCA self-signature: %v", err)
	}
	if err := ds.CheckSignatureFrom(csca); err != nil {
		t.Fatalf("DS signature: %v", err)
	}
	if !bytes.Contains(csca.RawSubjectPublicKeyInfo, mustOID(oidPrimeField())) {
		t.Fatal("the CSCA fixture does not have explicit parameters")
	}
	for _, c := range []*Certificate{csca, ds} {
		k, ok := c.PublicKey.(*ec.PublicKey)
		if !ok || k.Curve != ec.BrainpoolP512r1() {
			t.Fatalf("%s: key %T not on brainpoolP512r1", c.Subject, c.PublicKey)
		}
		if c.Version != 3 || c.SignatureAlgorithm.String() != "ecdsa-with-SHA512" || len(c.UnhandledCritical) != 0 {
			t.Fatalf("%s: version %d, algorithm %s, unhandled %v", c.Subject, c.Version, c.SignatureAlgorithm, c.UnhandledCritical)
		}
	}
	if !csca.IsCA || !csca.BasicConstraintsValid || csca.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign || !csca.IsSelfIssued() {
		t.Fatalf("CSCA: IsCA %v, key usage %v", csca.IsCA, csca.KeyUsage)
	}
	if csca.SerialNumber.Cmp(big.NewInt(0x0123456789abcdef)) != 0 || csca.Subject.CommonName != "CSCA Test Vietnam" ||
		csca.Subject.Country != "VN" || csca.Subject.OrganizationalUnit != "Test Ministry" {
		t.Fatalf("CSCA: serial %v, subject %s", csca.SerialNumber, csca.Subject)
	}
	if got := csca.Subject.String(); got != "C=VN, O=Test Government, OU=Test Ministry, CN=CSCA Test Vietnam" {
		t.Fatalf("Name.String() = %q", got)
	}
	if ds.IsCA || ds.KeyUsage != x509.KeyUsageDigitalSignature || !ds.Issuer.Equal(csca.Subject) ||
		!bytes.Equal(ds.AuthorityKeyID, csca.SubjectKeyID) || ds.IsSelfIssued() || ds.MaxPathLen != -1 {
		t.Fatalf("DS: IsCA %v KeyUsage %v AKI %x issuer %s MaxPathLen %d", ds.IsCA, ds.KeyUsage, ds.AuthorityKeyID, ds.Issuer, ds.MaxPathLen)
	}
	if !slices.Equal(ds.DocumentTypes, []string{"P", "I"}) {
		t.Fatalf("DS document types %q", ds.DocumentTypes)
	}
	want := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !ds.PrivateKeyUsageNotBefore.Equal(want) || !ds.PrivateKeyUsageNotAfter.Equal(want.AddDate(0, 3, 0)) {
		t.Fatalf("privateKeyUsagePeriod %v – %v", ds.PrivateKeyUsageNotBefore, ds.PrivateKeyUsageNotAfter)
	}
	if ds.NotAfter.Sub(ds.NotBefore) != 365*24*time.Hour {
		t.Fatalf("validity %v – %v", ds.NotBefore, ds.NotAfter)
	}

	crl, err := ParseCRL(readFixture(t, "crl-bp512.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(csca); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if !crl.IsRevoked(ds.SerialNumber) || crl.IsRevoked(csca.SerialNumber) || crl.Number.Int64() != 7 ||
		!bytes.Equal(crl.AuthorityKeyID, csca.SubjectKeyID) || crl.Version != 2 || !crl.Issuer.Equal(csca.Subject) ||
		crl.NextUpdate.Sub(crl.ThisUpdate) != 90*24*time.Hour {
		t.Fatalf("CRL: revoked %v number %v AKI %x version %d issuer %s updates %v %v", crl.Revoked, crl.Number, crl.AuthorityKeyID, crl.Version, crl.Issuer, crl.ThisUpdate, crl.NextUpdate)
	}

	rcsca := mustParse(t, readFixture(t, "csca-rsa-pss.pem"))
	rds := mustParse(t, readFixture(t, "ds-rsa-pss.pem"))
	if err := rcsca.CheckSignatureFrom(rcsca); err != nil {
		t.Fatalf("RSA CSCA self-signature: %v", err)
	}
	if err := rds.CheckSignatureFrom(rcsca); err != nil {
		t.Fatalf("RSA DS signature: %v", err)
	}
	if got := rds.SignatureAlgorithm.String(); got != "RSASSA-PSS(SHA-256, salt 32)" {
		t.Fatalf("algorithm name %q", got)
	}
	if h, err := HashFor(rds.SignatureAlgorithm); err != nil || h != crypto.SHA256 {
		t.Fatalf("HashFor = %v, %v", h, err)
	}
	if k := rcsca.PublicKey.(*rsa.PublicKey); k.N.BitLen() != 3072 || k.E != 65537 {
		t.Fatalf("RSA key %d bits, e=%d", k.N.BitLen(), k.E)
	}
	// Across chains: wrong key type, wrong key.
	if err := ds.CheckSignatureFrom(rcsca); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("EC cert against RSA CA: %v", err)
	}
	other := newPKI(t, chainOptions{csca: "brainpoolP512r1", ds: "brainpoolP512r1", explicit: true})
	if err := ds.CheckSignatureFrom(other.csca); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("DS against another CSCA: %v", err)
	}
	// Not a CA: the DS cannot issue.
	if err := csca.CheckSignatureFrom(ds); !errors.Is(err, ErrNotIssuer) {
		t.Fatalf("DS as issuer: %v", err)
	}
}

func mustOID(oid asn1.ObjectIdentifier) []byte {
	b, _ := derOID(oid)
	return b
}

// TestBuilderChains builds CSCA → DS chains and CRLs with every key type,
// parses them back and verifies them.
func TestBuilderChains(t *testing.T) {
	plain256, _ := ECDSAPlain(crypto.SHA256)
	plain512, _ := ECDSAPlain(crypto.SHA512)
	pss384, _ := RSAPSS(crypto.SHA384, 48)
	sha1RSA, _ := RSAPKCS1v15(crypto.SHA1)
	for _, tc := range []struct {
		name string
		o    chainOptions
		alg  string // expected DS signature algorithm name
	}{
		{"brainpoolP512r1 explicit", chainOptions{csca: "brainpoolP512r1", ds: "brainpoolP512r1", explicit: true}, "ecdsa-with-SHA512"},
		{"brainpoolP512r1 named", chainOptions{csca: "brainpoolP512r1", ds: "brainpoolP256r1"}, "ecdsa-with-SHA512"},
		{"brainpoolP384r1 plain", chainOptions{csca: "brainpoolP384r1", ds: "brainpoolP224r1", explicit: true, dsAlg: plain512}, "ecdsa-plain-SHA512"},
		{"brainpoolP320r1", chainOptions{csca: "brainpoolP320r1", ds: "brainpoolP320r1", explicit: true}, "ecdsa-with-SHA384"},
		{"P-256 explicit", chainOptions{csca: "P-256", ds: "ecdsa-P-256", explicit: true}, "ecdsa-with-SHA256"},
		{"P-384 plain", chainOptions{csca: "P-384", ds: "P-521", dsAlg: plain256}, "ecdsa-plain-SHA256"},
		{"RSA PSS", chainOptions{csca: "RSA", ds: "brainpoolP256r1", cscaAlg: RSAPSSWithSHA256(), dsAlg: pss384}, "RSASSA-PSS(SHA-384, salt 48)"},
		{"RSA PKCS1", chainOptions{csca: "RSA", ds: "RSA2", cscaAlg: SHA512WithRSA(), dsAlg: sha1RSA}, "sha1WithRSAEncryption"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPKI(t, tc.o)
			if err := p.csca.CheckSignatureFrom(p.csca); err != nil {
				t.Fatal(err)
			}
			if err := p.ds.CheckSignatureFrom(p.csca); err != nil {
				t.Fatal(err)
			}
			if got := p.ds.SignatureAlgorithm.String(); got != tc.alg {
				t.Fatalf("DS algorithm %s, want %s", got, tc.alg)
			}
			explicit := bytes.Contains(p.ds.RawSubjectPublicKeyInfo, mustOID(oidPrimeField()))
			if _, isEC := p.ds.PublicKey.(*ec.PublicKey); explicit != (tc.o.explicit && isEC) {
				t.Fatalf("explicit parameters = %v", explicit)
			}
			if !samePublicKey(p.ds.PublicKey, mustKey(t, p.dsPub)) {
				t.Fatal("DS public key changed on the way")
			}
			c, d := p.csca, p.ds
			if !c.IsCA || c.MaxPathLen != 0 || c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign ||
				len(c.SubjectKeyID) != 20 || !bytes.Equal(c.AuthorityKeyID, c.SubjectKeyID) ||
				c.Subject.CommonName != "CSCA Test Việt Nam" {
				t.Fatalf("CSCA fields: IsCA %v MaxPathLen %d KeyUsage %v SKI %x AKI %x CN %q", c.IsCA, c.MaxPathLen, c.KeyUsage, c.SubjectKeyID, c.AuthorityKeyID, c.Subject.CommonName)
			}
			if d.IsCA || d.BasicConstraintsValid || d.KeyUsage != x509.KeyUsageDigitalSignature ||
				!bytes.Equal(d.AuthorityKeyID, c.SubjectKeyID) || !d.Issuer.Equal(c.Subject) ||
				!bytes.Equal(d.Issuer.Raw, c.Subject.Raw) || d.Subject.SerialNumber != "DS-001" ||
				!slices.Equal(d.DocumentTypes, []string{"P", "ID"}) || d.SerialNumber.Int64() != 0x2002 {
				t.Fatalf("DS fields: IsCA %v KeyUsage %v AKI %x issuer %s subject %s types %q serial %v", d.IsCA, d.KeyUsage, d.AuthorityKeyID, d.Issuer, d.Subject, d.DocumentTypes, d.SerialNumber)
			}
			if d.PrivateKeyUsageNotAfter.Sub(d.PrivateKeyUsageNotBefore) < 80*24*time.Hour {
				t.Fatalf("privateKeyUsagePeriod %v – %v", d.PrivateKeyUsageNotBefore, d.PrivateKeyUsageNotAfter)
			}
			// A signature by the DS key (as in an EF.SOD) checks out.
			msg := []byte("signed attributes")
			alg, _ := DefaultSignatureAlgorithm(p.dsPriv)
			sig, err := Sign(p.dsPriv, alg, msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := d.CheckSignature(alg, msg, sig); err != nil {
				t.Fatal(err)
			}
			if err := d.CheckSignature(alg, append(msg, '!'), sig); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("altered message: %v", err)
			}

			// CRL revoking the DS.
			now := time.Now()
			der, err := CreateCRL(c, p.cscaPriv, []RevokedEntry{{Serial: big.NewInt(99), At: now.Add(-time.Hour)}, {Serial: d.SerialNumber, At: now}},
				now, now.AddDate(0, 1, 0), big.NewInt(3))
			if err != nil {
				t.Fatal(err)
			}
			l, err := ParseCRL(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.CheckSignatureFrom(c); err != nil {
				t.Fatal(err)
			}
			if !l.IsRevoked(d.SerialNumber) || !l.IsRevoked(big.NewInt(99)) || l.IsRevoked(c.SerialNumber) || l.IsRevoked(nil) ||
				l.Number.Int64() != 3 || !bytes.Equal(l.AuthorityKeyID, c.SubjectKeyID) || !l.Issuer.Equal(c.Subject) ||
				l.ThisUpdate.Unix() != now.Unix() || len(l.Revoked) != 2 || l.Revoked[1].At.Unix() != now.Unix() {
				t.Fatalf("CRL: revoked %v number %v AKI %x issuer %s", l.Revoked, l.Number, l.AuthorityKeyID, l.Issuer)
			}
			if err := l.CheckSignatureFrom(d); !errors.Is(err, ErrNotIssuer) {
				t.Fatalf("CRL against the DS (no cRLSign): %v", err)
			}
		})
	}
}

func mustKey(t testing.TB, k any) any {
	t.Helper()
	n, err := publicKeyOf(k)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// tbsParts are the pieces of a hand-made certificate, for error tests.
type tbsParts struct {
	version, serial, innerAlg, issuer, validity, subject, spki, uniqueID, extensions []byte
	outerAlg                                                                         []byte
	noSign                                                                           bool
}

// handMade builds a certificate from parts signed by a P-256 key; the
// defaults make a valid v3 certificate.
func handMade(t testing.TB, mod func(*tbsParts)) []byte {
	t.Helper()
	pub, priv := newKey(t, "P-256")
	spki, err := MarshalPublicKey(pub, false)
	if err != nil {
		t.Fatal(err)
	}
	alg, _ := ECDSAWithSHA256().Marshal()
	name, _ := DistinguishedName{Country: "VN", CommonName: "Hand Made"}.Marshal()
	nb, _ := derTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	na, _ := derTime(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC))
	p := &tbsParts{
		version:  tlv(classContext, 0, true, derSmallInt(2)),
		serial:   derSmallInt(7),
		innerAlg: alg, outerAlg: alg,
		issuer: name, subject: name,
		validity: derSequence(nb, na),
		spki:     spki,
	}
	if mod != nil {
		mod(p)
	}
	tbs := derSequence(p.version, p.serial, p.innerAlg, p.issuer, p.validity, p.subject, p.spki, p.uniqueID, p.extensions)
	sig := []byte{1, 2, 3}
	if !p.noSign {
		if sig, err = Sign(priv, ECDSAWithSHA256(), tbs); err != nil {
			t.Fatal(err)
		}
	}
	return derSequence(tbs, p.outerAlg, derBitString(sig))
}

func extensions(exts ...[]byte) []byte { return tlv(classContext, 3, true, derSequence(exts...)) }

func TestParseCertificateErrors(t *testing.T) {
	// The hand-made certificate expired in 2021 and still parses: checking
	// validity is the caller's job.
	good := handMade(t, nil)
	if c, err := ParseCertificate(good); err != nil || c.Version != 3 || c.NotAfter.Year() != 2021 {
		t.Fatalf("hand-made certificate: %v", err)
	}
	k1 := someECPoint(t)
	unknownCurveSPKI := derSequence(derSequence(mustOID(oidECPublicKey()), mustOID(asn1.ObjectIdentifier{1, 3, 132, 0, 10})), derBitString(k1))
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edSPKI, _ := x509.MarshalPKIXPublicKey(edPub)
	nb, _ := derTime(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	ku := extensionDER(oidExt(15), true, keyUsageDER(x509.KeyUsageDigitalSignature))
	utc := func(s string) []byte { return tlv(classUniversal, tagUTCTime, false, []byte(s)) }
	gen := func(s string) []byte { return tlv(classUniversal, tagGeneralizedTime, false, []byte(s)) }
	for _, tc := range []struct {
		name string
		der  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"truncated", good[:len(good)-1], ErrMalformed},
		{"truncated header", good[:3], ErrMalformed},
		{"trailing data", append(bytes.Clone(good), 0), ErrMalformed},
		{"two certificates", append(bytes.Clone(good), good...), ErrMalformed},
		{"wrong outer tag", append([]byte{0x31}, good[1:]...), ErrMalformed},
		{"indefinite length", append(append([]byte{0x30, 0x80}, good[4:]...), 0, 0), ErrMalformed},
		{"extra element", derSequence(append(innerOf(t, good), derNull()...)), ErrMalformed},
		{"inner/outer algorithm differ", handMade(t, func(p *tbsParts) { p.outerAlg, _ = ECDSAWithSHA384().Marshal() }), ErrMalformed},
		{"version 4", handMade(t, func(p *tbsParts) { p.version = tlv(classContext, 0, true, derSmallInt(3)) }), ErrMalformed},
		{"version not explicit", handMade(t, func(p *tbsParts) { p.version = tlv(classContext, 0, false, []byte{2}) }), ErrMalformed},
		{"serial not minimal", handMade(t, func(p *tbsParts) { p.serial = []byte{2, 2, 0, 7} }), ErrMalformed},
		{"serial wrong tag", handMade(t, func(p *tbsParts) { p.serial = []byte{4, 1, 7} }), ErrMalformed},
		{"issuer not a sequence", handMade(t, func(p *tbsParts) { p.issuer = derSet() }), ErrMalformed},
		{"empty RDN", handMade(t, func(p *tbsParts) { p.issuer = derSequence(derSet()) }), ErrMalformed},
		{"bad UTF8String", handMade(t, func(p *tbsParts) {
			p.subject = derSequence(derSet(derSequence(mustOID(oidAttr(3)), tlv(classUniversal, tagUTF8String, false, []byte{0xff}))))
		}), ErrMalformed},
		{"UTCTime without seconds", handMade(t, func(p *tbsParts) { p.validity = derSequence(utc("2001011200Z"), nb) }), ErrMalformed},
		{"UTCTime with offset", handMade(t, func(p *tbsParts) { p.validity = derSequence(utc("200101120000+0700"), nb) }), ErrMalformed},
		{"GeneralizedTime with fraction", handMade(t, func(p *tbsParts) { p.validity = derSequence(nb, gen("20500101120000.5Z")) }), ErrMalformed},
		{"month 13", handMade(t, func(p *tbsParts) { p.validity = derSequence(utc("201301000000Z"), nb) }), ErrMalformed},
		{"30 February", handMade(t, func(p *tbsParts) { p.validity = derSequence(gen("20240230000000Z"), nb) }), ErrMalformed},
		{"time as a string", handMade(t, func(p *tbsParts) {
			p.validity = derSequence(tlv(classUniversal, tagPrintableString, false, []byte("200101000000Z")), nb)
		}), ErrMalformed},
		{"unknown named curve", handMade(t, func(p *tbsParts) { p.spki = unknownCurveSPKI }), ErrUnknownCurve},
		{"Ed25519 key", handMade(t, func(p *tbsParts) { p.spki = edSPKI }), ErrUnsupportedKey},
		{"extensions in v1", handMade(t, func(p *tbsParts) { p.version = nil; p.extensions = extensions(ku) }), ErrMalformed},
		{"unique ID in v1", handMade(t, func(p *tbsParts) { p.version = nil; p.uniqueID = tlv(classContext, 1, false, []byte{0}) }), ErrMalformed},
		{"duplicate extension", handMade(t, func(p *tbsParts) { p.extensions = extensions(ku, ku) }), ErrMalformed},
		{"bad keyUsage", handMade(t, func(p *tbsParts) { p.extensions = extensions(extensionDER(oidExt(15), true, derOctetString(nil))) }), ErrMalformed},
		{"keyUsage padding bits set", handMade(t, func(p *tbsParts) {
			p.extensions = extensions(extensionDER(oidExt(15), true, []byte{3, 2, 7, 0x81}))
		}), ErrMalformed},
		{"negative pathLen", handMade(t, func(p *tbsParts) {
			p.extensions = extensions(extensionDER(oidExt(19), true, derSequence(derBoolean(true), derSmallInt(-1))))
		}), ErrMalformed},
		{"bad BOOLEAN", handMade(t, func(p *tbsParts) {
			p.extensions = extensions(derSequence(mustOID(oidExt(19)), []byte{1, 1, 1}, derOctetString(derSequence())))
		}), ErrMalformed},
		{"trailing data in extension", handMade(t, func(p *tbsParts) {
			p.extensions = extensions(extensionDER(oidExt(14), false, append(derOctetString([]byte{1}), 0)))
		}), ErrMalformed},
		{"bad documentTypeList version", handMade(t, func(p *tbsParts) {
			p.extensions = extensions(extensionDER(oidDocumentTypeList(), false, derSequence(derSmallInt(1), derSet())))
		}), ErrMalformed},
		{"garbage signature still parses", handMade(t, func(p *tbsParts) { p.noSign = true }), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCertificate(tc.der)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if c != nil {
				t.Fatal("certificate returned with an error")
			}
		})
	}
}

// innerOf returns the contents of the outer SEQUENCE.
func innerOf(t testing.TB, der []byte) []byte {
	t.Helper()
	v, err := single(der, "test", classUniversal, tagSequence, true)
	if err != nil {
		t.Fatal(err)
	}
	return v.Bytes
}

// someECPoint returns an encoded point valid on no particular curve of
// interest (for SPKIs whose curve is rejected before the point).
func someECPoint(t testing.TB) []byte {
	t.Helper()
	c := ec.P256()
	return c.Marshal(c.Gx, c.Gy)
}

func TestCriticalExtensions(t *testing.T) {
	unknown := Extension{ID: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: derNull()}
	quiet := Extension{ID: asn1.ObjectIdentifier{1, 2, 3, 5}, Value: derNull()}
	nameConstraints := Extension{ID: oidExt(30), Critical: true, Value: derSequence()}
	pub, priv := newKey(t, "P-256")
	der, err := CreateCertificate(&Template{
		SerialNumber: big.NewInt(1), Subject: DistinguishedName{CommonName: "x"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		ExtraExtensions: []Extension{unknown, quiet, nameConstraints},
	}, pub, nil, priv)
	if err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, der)
	if len(c.UnhandledCritical) != 2 || !c.UnhandledCritical[0].Equal(unknown.ID) || !c.UnhandledCritical[1].Equal(nameConstraints.ID) {
		t.Fatalf("UnhandledCritical = %v", c.UnhandledCritical)
	}
	if len(c.Extensions) != 5 { // AKI, SKI and the three extra
		t.Fatalf("%d extensions", len(c.Extensions))
	}
}

func TestCheckSignatureFromIssuerRules(t *testing.T) {
	pub, priv := newKey(t, "P-256")
	now := time.Now()
	mk := func(isCA bool, ku x509.KeyUsage) *Certificate {
		der, err := CreateCertificate(&Template{
			SerialNumber: big.NewInt(1), Subject: DistinguishedName{CommonName: "issuer"},
			NotBefore: now, NotAfter: now.Add(time.Hour), IsCA: isCA, MaxPathLen: -1, KeyUsage: ku,
		}, pub, nil, priv)
		if err != nil {
			t.Fatal(err)
		}
		return mustParse(t, der)
	}
	caNoCertSign := mk(true, x509.KeyUsageCRLSign)
	if err := caNoCertSign.CheckSignatureFrom(caNoCertSign); !errors.Is(err, ErrNotIssuer) {
		t.Fatalf("CA without keyCertSign: %v", err)
	}
	notCA := mk(false, 0)
	if err := notCA.CheckSignatureFrom(notCA); !errors.Is(err, ErrNotIssuer) {
		t.Fatalf("non-CA: %v", err)
	}
	ca := mk(true, 0)
	if err := ca.CheckSignatureFrom(ca); err != nil || ca.MaxPathLen != -1 {
		t.Fatalf("CA without keyUsage: %v (MaxPathLen %d)", err, ca.MaxPathLen)
	}
	if err := ca.CheckSignatureFrom(nil); !errors.Is(err, ErrNotIssuer) {
		t.Fatalf("nil parent: %v", err)
	}
	// A version 1 certificate may issue (old roots).
	v1 := mustParse(t, handMade(t, func(p *tbsParts) { p.version = nil }))
	if v1.Version != 1 {
		t.Fatalf("version %d", v1.Version)
	}
	if err := v1.CheckSignatureFrom(v1); err != nil {
		t.Fatalf("v1 issuer: %v", err)
	}
}

func TestCreateCertificateErrors(t *testing.T) {
	pub, priv := newKey(t, "brainpoolP256r1")
	otherPub, otherPriv := newKey(t, "P-256")
	now := time.Now()
	base := func() *Template {
		return &Template{SerialNumber: big.NewInt(1), Subject: DistinguishedName{CommonName: "x"}, NotBefore: now, NotAfter: now.Add(time.Hour), IsCA: true}
	}
	caDER, err := CreateCertificate(base(), pub, nil, priv)
	if err != nil {
		t.Fatal(err)
	}
	ca := mustParse(t, caDER)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name   string
		mod    func(*Template)
		pub    any
		parent *Certificate
		priv   any
		want   error
	}{
		{"zero serial", func(t *Template) { t.SerialNumber = new(big.Int) }, pub, nil, priv, ErrInvalidTemplate},
		{"no times", func(t *Template) { t.NotBefore = time.Time{} }, pub, nil, priv, ErrInvalidTemplate},
		{"times reversed", func(t *Template) { t.NotAfter = now.Add(-time.Hour) }, pub, nil, priv, ErrInvalidTemplate},
		{"year 10000", func(t *Template) { t.NotAfter = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, pub, nil, priv, ErrInvalidTemplate},
		{"self-signed with another key", nil, pub, nil, otherPriv, ErrKeyMismatch},
		{"key not the parent's", nil, otherPub, ca, otherPriv, ErrKeyMismatch},
		{"RSA algorithm, EC key", func(t *Template) { t.SignatureAlgorithm = SHA256WithRSA() }, pub, nil, priv, ErrKeyMismatch},
		{"unknown algorithm", func(t *Template) {
			t.SignatureAlgorithm = AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 3}}
		}, pub, nil, priv, ErrUnsupportedAlgorithm},
		{"Ed25519 subject", nil, edPub, ca, priv, ErrUnsupportedKey},
		{"Ed25519 signer", nil, pub, nil, edPriv, ErrUnsupportedKey},
		{"repeated extension", func(t *Template) {
			t.ExtraExtensions = []Extension{{ID: oidExt(19), Value: derSequence()}}
		}, pub, nil, priv, ErrInvalidTemplate},
		{"country not printable", func(t *Template) { t.Subject.Country = "VIỆT" }, pub, nil, priv, ErrInvalidTemplate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := base()
			if tc.mod != nil {
				tc.mod(tmpl)
			}
			_, err := CreateCertificate(tmpl, tc.pub, tc.parent, tc.priv)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := CreateCertificate(nil, pub, nil, priv); !errors.Is(err, ErrInvalidTemplate) {
		t.Fatalf("nil template: %v", err)
	}
	// Issuer override and omitted key identifiers.
	tmpl := base()
	tmpl.Issuer = &DistinguishedName{CommonName: "Somebody Else"}
	tmpl.SubjectKeyID, tmpl.AuthorityKeyID = []byte{}, []byte{}
	der, err := CreateCertificate(tmpl, pub, nil, priv)
	if err != nil {
		t.Fatal(err)
	}
	c := mustParse(t, der)
	if c.Issuer.CommonName != "Somebody Else" || c.SubjectKeyID != nil || c.AuthorityKeyID != nil {
		t.Fatalf("override: issuer %s, SKI %x, AKI %x", c.Issuer, c.SubjectKeyID, c.AuthorityKeyID)
	}
	// Far dates use GeneralizedTime.
	tmpl = base()
	tmpl.NotAfter = time.Date(2060, 5, 6, 7, 8, 9, 0, time.UTC)
	der, err = CreateCertificate(tmpl, pub, nil, priv)
	if err != nil {
		t.Fatal(err)
	}
	if c := mustParse(t, der); !c.NotAfter.Equal(tmpl.NotAfter) {
		t.Fatalf("NotAfter %v", c.NotAfter)
	}
}

func TestTimes(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1949, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2026, 2, 28, 12, 0, 0, 0, time.FixedZone("ICT", 7*3600)),
	} {
		b, err := derTime(tm)
		if err != nil {
			t.Fatal(err)
		}
		wantTag := byte(tagUTCTime)
		if y := tm.UTC().Year(); y < 1950 || y >= 2050 {
			wantTag = tagGeneralizedTime
		}
		if b[0] != wantTag {
			t.Errorf("%v encoded with tag %d", tm, b[0])
		}
		got, err := (&cursor{b: b, what: "t"}).time("time")
		if err != nil || !got.Equal(tm) {
			t.Errorf("%v round trip: %v, %v", tm, got, err)
		}
	}
}

func TestNames(t *testing.T) {
	a, _ := DistinguishedName{Country: "VN", Organization: "Bộ Công an", CommonName: "CSCA  Việt Nam"}.Marshal()
	b, _ := DistinguishedName{Country: "vn", Organization: "BỘ CÔNG AN", CommonName: "csca việt nam"}.Marshal()
	c, _ := DistinguishedName{Country: "VN", Organization: "Bộ Công an", CommonName: "CSCA Lào"}.Marshal()
	parse := func(der []byte) Name {
		v, err := single(der, "name", classUniversal, tagSequence, true)
		if err != nil {
			t.Fatal(err)
		}
		n, err := parseName(v, "name")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	na, nb, nc := parse(a), parse(b), parse(c)
	if !na.Equal(nb) || na.Equal(nc) || !na.Equal(na) || na.Equal(Name{}) || !(Name{}).Equal(Name{}) {
		t.Fatal("Name.Equal is wrong")
	}
	if na.Organization != "Bộ Công an" || na.String() != "C=VN, O=Bộ Công an, CN=CSCA  Việt Nam" {
		t.Fatalf("name %q", na.String())
	}
	for _, tc := range []struct {
		tag  int
		in   []byte
		want string
		ok   bool
	}{
		{tagBMPString, []byte{0, 'V', 0x1e, 0xc7, 0xd8, 0x3d, 0xde, 0x00}, "Vệ😀", true},
		{tagBMPString, []byte{0, 'V', 0}, "", false},
		{tagT61String, []byte{'c', 0xe9}, "cé", true},
		{tagUniversalString, []byte{0, 0, 0, 'A', 0, 1, 0xf6, 0}, "A😀", true},
		{tagUniversalString, []byte{0, 0x11, 0, 0}, "", false},
		{tagIA5String, []byte("a@b"), "a@b", true},
		{tagPrintableString, []byte{'a', 0xc3, 0xa9}, "", false},
		{tagUTF8String, []byte("Nguyễn"), "Nguyễn", true},
		{tagOctetString, []byte{1}, "#040101", true},
	} {
		got, err := decodeString(asn1.RawValue{Class: classUniversal, Tag: tc.tag, Bytes: tc.in, FullBytes: tlv(classUniversal, tc.tag, false, tc.in)})
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("decodeString(tag %d, %x) = %q, %v", tc.tag, tc.in, got, err)
		}
	}
}
