package chipauth

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/vneid/vneid/internal/cms"
	"github.com/vneid/vneid/internal/x509lite"
)

// TrustList is an immutable set of trusted CSCA certificates and their
// CRLs. It remembers which CSCAs signed the document signers it has seen
// (millions of cards share a few DS certificates), so the chain signature
// is verified once per DS, not once per card.
type TrustList struct {
	cscas []*x509lite.Certificate
	crls  []*x509lite.CRL

	mu       sync.Mutex
	issuedBy map[[32]byte][]*x509lite.Certificate
}

// maxIssuerCache bounds the DS → CSCA cache.
const maxIssuerCache = 4096

// NewTrustList parses CSCA certificates and CRLs (DER). A CRL whose issuer
// is not in the list, or whose signature does not verify, is refused.
func NewTrustList(cscas, crls [][]byte) (*TrustList, error) {
	t := &TrustList{}
	for i, der := range cscas {
		c, err := x509lite.ParseCertificate(der)
		if err != nil {
			return nil, fail(ReasonTrustListMalformed, "CSCA %d: %v", i+1, err)
		}
		t.cscas = append(t.cscas, c)
	}
	for i, der := range crls {
		l, err := x509lite.ParseCRL(der)
		if err != nil {
			return nil, fail(ReasonTrustListMalformed, "CRL %d: %v", i+1, err)
		}
		if len(l.UnhandledCritical) > 0 {
			return nil, fail(ReasonTrustListMalformed, "CRL %d: unknown critical extension %v", i+1, l.UnhandledCritical)
		}
		if _, err := t.crlIssuer(l); err != nil {
			return nil, fail(ReasonTrustListMalformed, "CRL %d: %v", i+1, err)
		}
		t.crls = append(t.crls, l)
	}
	return t, nil
}

// CSCAs returns the trusted CSCA certificates.
func (t *TrustList) CSCAs() []*x509lite.Certificate { return t.cscas }

func (t *TrustList) crlIssuer(l *x509lite.CRL) (*x509lite.Certificate, error) {
	var last error = errors.New("issuer is not a trusted CSCA")
	for _, c := range t.cscas {
		if !bytes.Equal(c.Subject.Raw, l.Issuer.Raw) {
			continue
		}
		if err := l.CheckSignatureFrom(c); err != nil {
			last = err
			continue
		}
		return c, nil
	}
	return nil, last
}

// issuers returns the trusted CSCAs whose key verifies cert's signature.
func (t *TrustList) issuers(cert *x509lite.Certificate) []*x509lite.Certificate {
	key := sha256.Sum256(cert.Raw)
	t.mu.Lock()
	cached, ok := t.issuedBy[key]
	t.mu.Unlock()
	if ok {
		return cached
	}
	out := t.verifyIssuers(cert)
	t.mu.Lock()
	if t.issuedBy == nil || len(t.issuedBy) >= maxIssuerCache {
		t.issuedBy = map[[32]byte][]*x509lite.Certificate{}
	}
	t.issuedBy[key] = out
	t.mu.Unlock()
	return out
}

func (t *TrustList) verifyIssuers(cert *x509lite.Certificate) []*x509lite.Certificate {
	var out []*x509lite.Certificate
	for _, c := range t.cscas {
		if !bytes.Equal(c.Subject.Raw, cert.Issuer.Raw) {
			continue
		}
		if len(cert.AuthorityKeyID) > 0 && len(c.SubjectKeyID) > 0 && !bytes.Equal(cert.AuthorityKeyID, c.SubjectKeyID) {
			continue
		}
		if cert.CheckSignatureFrom(c) == nil {
			out = append(out, c)
		}
	}
	return out
}

// revoked reports whether a trusted CRL of cert's issuer lists cert. Every
// CRL in the list verified under a trusted CSCA of its issuer name when
// the list was built, so a CRL signed with the CSCA's new key after a key
// rollover still revokes certificates issued under the old key.
func (t *TrustList) revoked(cert *x509lite.Certificate) bool {
	for _, l := range t.crls {
		if bytes.Equal(l.Issuer.Raw, cert.Issuer.Raw) && l.IsRevoked(cert.SerialNumber) {
			return true
		}
	}
	return false
}

// Entry describes one certificate or CRL for the trust-list store.
type Entry struct {
	ID        string // hex SHA-256 of the DER
	CRL       bool
	Country   string
	Subject   string
	Serial    string
	NotBefore time.Time
	NotAfter  time.Time
	DER       []byte
}

// Fingerprint is the hex SHA-256 of DER.
func Fingerprint(der []byte) string {
	s := sha256.Sum256(der)
	return hex.EncodeToString(s[:])
}

// DescribeCertificate parses a CSCA certificate (DER or PEM) for the trust
// list. It must be a CA certificate.
func DescribeCertificate(b []byte) (Entry, error) {
	der := pemOrDER(b, "CERTIFICATE")
	c, err := x509lite.ParseCertificate(der)
	if err != nil {
		return Entry{}, fail(ReasonTrustListMalformed, "certificate: %v", err)
	}
	if !c.IsCA {
		return Entry{}, fail(ReasonTrustListMalformed, "certificate %q is not a CA", c.Subject.CommonName)
	}
	return Entry{ID: Fingerprint(der), Country: c.Subject.Country, Subject: nameString(c.Subject),
		Serial: c.SerialNumber.Text(16), NotBefore: c.NotBefore, NotAfter: c.NotAfter, DER: der}, nil
}

// DescribeCRL parses a CRL (DER or PEM) for the trust list. Its signature is
// checked when it is added to a TrustList.
func DescribeCRL(b []byte) (Entry, error) {
	der := pemOrDER(b, "X509 CRL")
	l, err := x509lite.ParseCRL(der)
	if err != nil {
		return Entry{}, fail(ReasonTrustListMalformed, "CRL: %v", err)
	}
	return Entry{ID: Fingerprint(der), CRL: true, Country: l.Issuer.Country, Subject: nameString(l.Issuer),
		NotBefore: l.ThisUpdate, NotAfter: l.NextUpdate, DER: der}, nil
}

func nameString(n x509lite.Name) string {
	s := ""
	add := func(k, v string) {
		if v == "" {
			return
		}
		if s != "" {
			s += ", "
		}
		s += k + "=" + v
	}
	add("C", n.Country)
	add("O", n.Organization)
	add("OU", n.OrganizationalUnit)
	add("CN", n.CommonName)
	add("SERIALNUMBER", n.SerialNumber)
	return s
}

func pemOrDER(b []byte, typ string) []byte {
	if blk, _ := pem.Decode(b); blk != nil && blk.Type == typ {
		return blk.Bytes
	}
	return b
}

// MasterList is a parsed ICAO CSCA master list.
type MasterList struct {
	// Signer is the master list signer's certificate.
	Signer *x509lite.Certificate
	// Certificates are the CSCA certificates listed (DER).
	Certificates [][]byte
}

// ParseMasterList parses an ICAO master list (CMS SignedData with
// eContentType 2.23.136.1.1.2, content CscaMasterList) and checks that its
// signature verifies with the signer certificate it carries. Whether that
// signer is trusted is the operator's decision.
func ParseMasterList(b []byte) (*MasterList, error) {
	der := pemOrDER(b, "CMS")
	sd, err := cms.ParseSignedData(der)
	if err != nil {
		return nil, fail(ReasonTrustListMalformed, "master list: %v", err)
	}
	if !sd.ContentType.Equal(OIDCscaMasterList) {
		return nil, fail(ReasonTrustListMalformed, "master list: eContentType %v, want %v", sd.ContentType, OIDCscaMasterList)
	}
	if len(sd.Signers) != 1 {
		return nil, fail(ReasonTrustListMalformed, "master list: %d signers, want 1", len(sd.Signers))
	}
	signer, err := sd.SignerCertificate(&sd.Signers[0])
	if err != nil {
		return nil, fail(ReasonTrustListMalformed, "master list: %v", err)
	}
	if err := sd.VerifySigner(&sd.Signers[0], signer); err != nil {
		return nil, fail(ReasonTrustListMalformed, "master list: %v", err)
	}
	var ml struct {
		Version  int
		CertList []asn1.RawValue `asn1:"set"`
	}
	rest, err := asn1.Unmarshal(sd.Content, &ml)
	if err != nil || len(rest) != 0 {
		return nil, fail(ReasonTrustListMalformed, "master list content: %v", err)
	}
	out := &MasterList{Signer: signer}
	for _, c := range ml.CertList {
		out.Certificates = append(out.Certificates, c.FullBytes)
	}
	return out, nil
}

// BuildMasterList encodes and signs a master list, for the test kit and
// for tests.
func BuildMasterList(certs [][]byte, o cms.SignOptions) ([]byte, error) {
	var ml struct {
		Version  int
		CertList []asn1.RawValue `asn1:"set"`
	}
	for _, c := range certs {
		ml.CertList = append(ml.CertList, asn1.RawValue{FullBytes: c})
	}
	content, err := asn1.Marshal(ml)
	if err != nil {
		return nil, fmt.Errorf("chipauth: master list: %w", err)
	}
	o.ContentType, o.Content = OIDCscaMasterList, content
	return cms.Sign(o)
}
