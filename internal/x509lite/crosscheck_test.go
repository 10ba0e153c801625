package x509lite

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"testing"
	"time"
)

// TestCryptoX509ParsesOurs checks that crypto/x509 parses and verifies the
// certificates and CRLs our builder makes, with the same field values.
func TestCryptoX509ParsesOurs(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    chainOptions
		algo x509.SignatureAlgorithm
	}{
		{"P-256", chainOptions{csca: "P-384", ds: "ecdsa-P-256"}, x509.ECDSAWithSHA384},
		{"P-521", chainOptions{csca: "P-521", ds: "P-256"}, x509.ECDSAWithSHA512},
		{"RSA PKCS1", chainOptions{csca: "RSA", ds: "RSA2"}, x509.SHA256WithRSA},
		{"RSA PSS SHA-256", chainOptions{csca: "RSA", ds: "P-256", cscaAlg: RSAPSSWithSHA256(), dsAlg: RSAPSSWithSHA256()}, x509.SHA256WithRSAPSS},
		{"RSA PSS SHA-512", chainOptions{csca: "RSA", ds: "RSA2", cscaAlg: RSAPSSWithSHA512(), dsAlg: RSAPSSWithSHA512()}, x509.SHA512WithRSAPSS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPKI(t, tc.o)
			csca, err := x509.ParseCertificate(p.cscaDER)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := x509.ParseCertificate(p.dsDER)
			if err != nil {
				t.Fatal(err)
			}
			if err := csca.CheckSignatureFrom(csca); err != nil {
				t.Fatalf("crypto/x509 rejects our CSCA self-signature: %v", err)
			}
			if err := ds.CheckSignatureFrom(csca); err != nil {
				t.Fatalf("crypto/x509 rejects our DS signature: %v", err)
			}
			if ds.SignatureAlgorithm != tc.algo {
				t.Fatalf("crypto/x509 sees %v, want %v", ds.SignatureAlgorithm, tc.algo)
			}
			// Chain building with crypto/x509's verifier too.
			roots := x509.NewCertPool()
			roots.AddCert(csca)
			if _, err := ds.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Fatalf("crypto/x509 Verify: %v", err)
			}
			for _, pair := range []struct {
				std  *x509.Certificate
				ours *Certificate
			}{{csca, p.csca}, {ds, p.ds}} {
				s, o := pair.std, pair.ours
				if s.SerialNumber.Cmp(o.SerialNumber) != 0 || s.Subject.CommonName != o.Subject.CommonName ||
					!slices.Equal(s.Subject.Country, []string{o.Subject.Country}) || s.Issuer.String() == "" ||
					!bytes.Equal(s.RawIssuer, o.Issuer.Raw) || !bytes.Equal(s.RawSubject, o.Subject.Raw) ||
					!s.NotBefore.Equal(o.NotBefore) || !s.NotAfter.Equal(o.NotAfter) || s.KeyUsage != o.KeyUsage ||
					s.IsCA != o.IsCA || !bytes.Equal(s.SubjectKeyId, o.SubjectKeyID) ||
					!bytes.Equal(s.AuthorityKeyId, o.AuthorityKeyID) || s.Version != o.Version ||
					!bytes.Equal(s.RawTBSCertificate, o.RawTBSCertificate) || !bytes.Equal(s.Signature, o.Signature) {
					t.Fatalf("field values differ for %s", o.Subject)
				}
				if len(s.UnhandledCriticalExtensions) != 0 {
					t.Fatalf("crypto/x509 does not understand %v", s.UnhandledCriticalExtensions)
				}
			}
			if csca.MaxPathLen != 0 || !csca.MaxPathLenZero {
				t.Fatalf("crypto/x509 MaxPathLen %d", csca.MaxPathLen)
			}

			now := time.Now()
			der, err := CreateCRL(p.csca, p.cscaPriv, []RevokedEntry{{Serial: p.ds.SerialNumber, At: now}}, now, now.Add(time.Hour), big.NewInt(42))
			if err != nil {
				t.Fatal(err)
			}
			rl, err := x509.ParseRevocationList(der)
			if err != nil {
				t.Fatal(err)
			}
			if err := rl.CheckSignatureFrom(csca); err != nil {
				t.Fatalf("crypto/x509 rejects our CRL: %v", err)
			}
			if rl.Number.Int64() != 42 || len(rl.RevokedCertificateEntries) != 1 ||
				rl.RevokedCertificateEntries[0].SerialNumber.Cmp(p.ds.SerialNumber) != 0 ||
				!bytes.Equal(rl.AuthorityKeyId, p.csca.SubjectKeyID) || rl.ThisUpdate.Unix() != now.Unix() {
				t.Fatalf("CRL as crypto/x509 reads it: number %v entries %d AKI %x thisUpdate %v", rl.Number, len(rl.RevokedCertificateEntries), rl.AuthorityKeyId, rl.ThisUpdate)
			}
		})
	}
}

// TestOursParsesCryptoX509 checks that certificates and CRLs crypto/x509
// creates parse and verify here, including RSASSA-PSS.
func TestOursParsesCryptoX509(t *testing.T) {
	rsaPub, rsaPriv := newKey(t, "RSA")
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	dsPriv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	dtl, _ := DocumentTypeListExtension("P")
	now := time.Now().Truncate(time.Second)
	for _, tc := range []struct {
		name     string
		caPub    any
		caPriv   crypto.Signer
		algo     x509.SignatureAlgorithm
		wantName string
	}{
		{"ECDSA P-384", &ecPriv.PublicKey, ecPriv, x509.ECDSAWithSHA384, "ecdsa-with-SHA384"},
		{"RSA PKCS1 SHA-384", rsaPub, rsaPriv.(crypto.Signer), x509.SHA384WithRSA, "sha384WithRSAEncryption"},
		{"RSA PSS SHA-256", rsaPub, rsaPriv.(crypto.Signer), x509.SHA256WithRSAPSS, "RSASSA-PSS(SHA-256, salt 32)"},
		{"RSA PSS SHA-384", rsaPub, rsaPriv.(crypto.Signer), x509.SHA384WithRSAPSS, "RSASSA-PSS(SHA-384, salt 48)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			caTmpl := &x509.Certificate{
				SerialNumber:          big.NewInt(100),
				Subject:               pkix.Name{Country: []string{"VN"}, Organization: []string{"Bộ Công an"}, CommonName: "CSCA from crypto/x509"},
				NotBefore:             now.Add(-time.Hour),
				NotAfter:              now.AddDate(5, 0, 0),
				IsCA:                  true,
				BasicConstraintsValid: true,
				MaxPathLen:            1,
				KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
				SignatureAlgorithm:    tc.algo,
				IssuingCertificateURL: []string{"http://example.invalid/csca.cer"},
				Policies:              []x509.OID{mustStdOID(t, 2, 23, 136, 1, 1, 99)},
			}
			caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, tc.caPub, tc.caPriv)
			if err != nil {
				t.Fatal(err)
			}
			caStd, _ := x509.ParseCertificate(caDER)
			dsTmpl := &x509.Certificate{
				SerialNumber:          big.NewInt(101),
				Subject:               pkix.Name{Country: []string{"VN"}, CommonName: "DS from crypto/x509"},
				NotBefore:             now.Add(-time.Hour),
				NotAfter:              now.AddDate(1, 0, 0),
				KeyUsage:              x509.KeyUsageDigitalSignature,
				ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
				DNSNames:              []string{"ds.example.invalid"},
				CRLDistributionPoints: []string{"http://example.invalid/csca.crl"},
				ExtraExtensions:       []pkix.Extension{{Id: dtl.ID, Value: dtl.Value}},
				SignatureAlgorithm:    tc.algo,
			}
			dsDER, err := x509.CreateCertificate(rand.Reader, dsTmpl, caStd, &dsPriv.PublicKey, tc.caPriv)
			if err != nil {
				t.Fatal(err)
			}
			ca := mustParse(t, caDER)
			ds := mustParse(t, dsDER)
			if err := ca.CheckSignatureFrom(ca); err != nil {
				t.Fatal(err)
			}
			if err := ds.CheckSignatureFrom(ca); err != nil {
				t.Fatal(err)
			}
			if ds.SignatureAlgorithm.String() != tc.wantName {
				t.Fatalf("algorithm %s, want %s", ds.SignatureAlgorithm, tc.wantName)
			}
			if !ca.IsCA || ca.MaxPathLen != 1 || ca.KeyUsage != caTmpl.KeyUsage || len(ca.SubjectKeyID) == 0 ||
				ca.Subject.Organization != "Bộ Công an" || len(ca.PolicyIdentifiers) != 1 ||
				!ca.PolicyIdentifiers[0].Equal(asn1.ObjectIdentifier{2, 23, 136, 1, 1, 99}) {
				t.Fatalf("CA fields: IsCA %v MaxPathLen %d KeyUsage %v SKI %x O %q policies %v",
					ca.IsCA, ca.MaxPathLen, ca.KeyUsage, ca.SubjectKeyID, ca.Subject.Organization, ca.PolicyIdentifiers)
			}
			if ds.KeyUsage != x509.KeyUsageDigitalSignature || !bytes.Equal(ds.AuthorityKeyID, ca.SubjectKeyID) ||
				len(ds.ExtKeyUsage) != 1 || !ds.ExtKeyUsage[0].Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}) ||
				!slices.Equal(ds.CRLDistributionPoints, dsTmpl.CRLDistributionPoints) || !slices.Equal(ds.DocumentTypes, []string{"P"}) ||
				!ds.NotAfter.Equal(dsTmpl.NotAfter) || !ds.Issuer.Equal(ca.Subject) || len(ds.UnhandledCritical) != 0 {
				t.Fatalf("DS fields: KeyUsage %v AKI %x EKU %v CRLDP %q types %q NotAfter %v issuer %s unhandled %v",
					ds.KeyUsage, ds.AuthorityKeyID, ds.ExtKeyUsage, ds.CRLDistributionPoints, ds.DocumentTypes, ds.NotAfter, ds.Issuer, ds.UnhandledCritical)
			}
			if tc.algo == x509.SHA256WithRSAPSS && !ds.SignatureAlgorithm.Equal(RSAPSSWithSHA256()) {
				t.Fatal("crypto/x509's RSASSA-PSS identifier differs from RSAPSSWithSHA256()")
			}

			crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
				Number:                    big.NewInt(5),
				ThisUpdate:                now,
				NextUpdate:                now.Add(24 * time.Hour),
				RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(101), RevocationTime: now, ReasonCode: 1}},
				SignatureAlgorithm:        tc.algo,
			}, caStd, tc.caPriv)
			if err != nil {
				t.Fatal(err)
			}
			crl, err := ParseCRL(crlDER)
			if err != nil {
				t.Fatal(err)
			}
			if err := crl.CheckSignatureFrom(ca); err != nil {
				t.Fatal(err)
			}
			if !crl.IsRevoked(big.NewInt(101)) || crl.Number.Int64() != 5 || !crl.NextUpdate.Equal(now.Add(24*time.Hour)) || len(crl.UnhandledCritical) != 0 {
				t.Fatalf("CRL: revoked %v number %v next %v unhandled %v", crl.Revoked, crl.Number, crl.NextUpdate, crl.UnhandledCritical)
			}
		})
	}

	// Ed25519 certificates are refused with ErrUnsupportedKey.
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: now, NotAfter: now.Add(time.Hour)}
	edDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, edPub, edPriv)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCertificate(edDER); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("Ed25519 certificate: %v", err)
	}
}

func TestCRLErrors(t *testing.T) {
	p := newPKI(t, chainOptions{csca: "P-256", ds: "P-256"})
	now := time.Now()
	good, err := CreateCRL(p.csca, p.cscaPriv, nil, now, time.Time{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseCRL(good)
	if err != nil {
		t.Fatal(err)
	}
	if !l.NextUpdate.IsZero() || l.Number != nil || len(l.Revoked) != 0 || l.Version != 2 {
		t.Fatalf("minimal CRL: next %v number %v revoked %v version %d", l.NextUpdate, l.Number, l.Revoked, l.Version)
	}
	if err := l.CheckSignatureFrom(p.csca); err != nil {
		t.Fatal(err)
	}
	other := newPKI(t, chainOptions{csca: "P-256", ds: "P-256"})
	if err := l.CheckSignatureFrom(other.csca); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("CRL against another CA: %v", err)
	}
	if err := l.CheckSignatureFrom(nil); !errors.Is(err, ErrNotIssuer) {
		t.Fatalf("nil issuer: %v", err)
	}
	tampered := bytes.Clone(good)
	tampered[len(tampered)-1] ^= 1
	if l, err := ParseCRL(tampered); err == nil {
		if err := l.CheckSignatureFrom(p.csca); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("tampered CRL: %v", err)
		}
	}

	alg, _ := ECDSAWithSHA256().marshal()
	name := p.csca.Subject.Raw
	tu, _ := derTime(now)
	critical := extensionDER(oidExt(27), true, derSmallInt(1)) // deltaCRLIndicator
	for _, tc := range []struct {
		name string
		der  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"trailing data", append(bytes.Clone(good), 0), ErrMalformed},
		{"truncated", good[:len(good)-2], ErrMalformed},
		{"certificate, not CRL", p.csca.Raw, ErrMalformed},
		{"version 3", handCRL(derSmallInt(2), alg, alg, name, tu, nil), ErrMalformed},
		{"extensions in v1", handCRL(nil, alg, alg, name, tu, tlv(classContext, 0, true, derSequence(critical))), ErrMalformed},
		{"algorithms differ", handCRL(derSmallInt(1), alg, mustMarshal(ECDSAWithSHA384()), name, tu, nil), ErrMalformed},
		{"bad thisUpdate", handCRL(derSmallInt(1), alg, alg, name, derOctetString([]byte("x")), nil), ErrMalformed},
		{"entry without date", handCRL(derSmallInt(1), alg, alg, name, tu, derSequence(derSequence(derSmallInt(1)))), ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseCRL(tc.der); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Unknown critical CRL and entry extensions are reported.
	entry := derSequence(derSmallInt(9), tu, derSequence(extensionDER(oidExt(29), true, derSequence())))
	l, err = ParseCRL(handCRL(derSmallInt(1), alg, alg, name, tu, derSequence(entry), tlv(classContext, 0, true, derSequence(critical))))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.UnhandledCritical) != 2 || !l.IsRevoked(big.NewInt(9)) {
		t.Fatalf("UnhandledCritical %v", l.UnhandledCritical)
	}

	// CreateCRL refuses inconsistent requests.
	for name, f := range map[string]func() error{
		"key not the issuer's": func() error { _, err := CreateCRL(p.csca, p.dsPriv, nil, now, time.Time{}, nil); return err },
		"no thisUpdate":        func() error { _, err := CreateCRL(p.csca, p.cscaPriv, nil, time.Time{}, time.Time{}, nil); return err },
		"nextUpdate before":    func() error { _, err := CreateCRL(p.csca, p.cscaPriv, nil, now, now.Add(-time.Hour), nil); return err },
		"nil issuer":           func() error { _, err := CreateCRL(nil, p.cscaPriv, nil, now, time.Time{}, nil); return err },
		"entry without serial": func() error {
			_, err := CreateCRL(p.csca, p.cscaPriv, []RevokedEntry{{At: now}}, now, time.Time{}, nil)
			return err
		},
	} {
		if err := f(); !errors.Is(err, ErrInvalidTemplate) && !errors.Is(err, ErrKeyMismatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func mustStdOID(t testing.TB, ids ...uint64) x509.OID {
	t.Helper()
	o, err := x509.OIDFromInts(ids)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustMarshal(a AlgorithmIdentifier) []byte {
	b, _ := a.marshal()
	return b
}

// handCRL assembles an (unsigned) CertificateList from parts.
func handCRL(version, innerAlg, outerAlg, issuer, thisUpdate []byte, rest ...[]byte) []byte {
	parts := append([][]byte{version, innerAlg, issuer, thisUpdate}, rest...)
	return derSequence(derSequence(parts...), outerAlg, derBitString([]byte{1}))
}
