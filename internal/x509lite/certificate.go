package x509lite

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// Extension is one X.509 extension, its value undecoded.
type Extension struct {
	ID       asn1.ObjectIdentifier
	Critical bool
	Value    []byte
}

// Certificate is a parsed X.509 certificate.
type Certificate struct {
	// Raw is the whole certificate, RawTBSCertificate the signed part and
	// RawSubjectPublicKeyInfo the encoded key, all as they were received.
	Raw, RawTBSCertificate, RawSubjectPublicKeyInfo []byte

	// Version is 1, 2 or 3.
	Version      int
	SerialNumber *big.Int
	// SignatureAlgorithm is the algorithm of Signature (the TBS copy is
	// checked to be identical).
	SignatureAlgorithm  AlgorithmIdentifier
	Issuer, Subject     Name
	NotBefore, NotAfter time.Time
	// PublicKey is an *rsa.PublicKey or an *ec.PublicKey.
	PublicKey any

	// Extensions lists every extension as received.
	Extensions []Extension
	// KeyUsage holds the keyUsage bits (crypto/x509 numbering) when
	// HasKeyUsage.
	KeyUsage    x509.KeyUsage
	HasKeyUsage bool
	// BasicConstraintsValid reports whether basicConstraints is present;
	// IsCA is its cA flag; MaxPathLen its pathLenConstraint, or -1 when
	// absent.
	BasicConstraintsValid bool
	IsCA                  bool
	MaxPathLen            int
	// SubjectKeyID and AuthorityKeyID are the key identifiers, if present.
	SubjectKeyID, AuthorityKeyID []byte
	// ExtKeyUsage lists the extendedKeyUsage purposes.
	ExtKeyUsage []asn1.ObjectIdentifier
	// PolicyIdentifiers lists the certificatePolicies policy OIDs.
	PolicyIdentifiers []asn1.ObjectIdentifier
	// CRLDistributionPoints lists the URIs of the cRLDistributionPoints
	// extension.
	CRLDistributionPoints []string
	// PrivateKeyUsageNotBefore/NotAfter are the bounds of the
	// privateKeyUsagePeriod extension (zero when absent); ICAO uses them for
	// the period in which a document signer signs documents.
	PrivateKeyUsageNotBefore, PrivateKeyUsageNotAfter time.Time
	// DocumentTypes lists the ICAO documentTypeList (e.g. "P", "ID").
	DocumentTypes []string
	// UnhandledCritical lists the critical extensions this package does not
	// understand; a verifier must refuse a certificate that has any.
	UnhandledCritical []asn1.ObjectIdentifier

	// Signature is the signature value over RawTBSCertificate.
	Signature []byte
}

// oidExt returns the OID of the standard extension id-ce n (2.5.29.n).
func oidExt(n int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 5, 29, n} }

func oidDocumentTypeList() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}
}

// ParseCertificate parses a DER X.509 certificate (v1 or v3; v2 is
// accepted too). It is strict: the input must be exactly one certificate
// with no trailing data, and the handled extensions must be well formed.
// Validity is not checked: NotBefore and NotAfter are only parsed.
func ParseCertificate(der []byte) (*Certificate, error) {
	c, err := parseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("x509lite: parse certificate: %w", err)
	}
	return c, nil
}

func parseCertificate(der []byte) (*Certificate, error) {
	_, outer, err := sequence(der, "Certificate")
	if err != nil {
		return nil, err
	}
	tbsV, err := outer.expect("tbsCertificate", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	algV, err := outer.expect("signatureAlgorithm", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	sig, err := outer.octetBits("signatureValue")
	if err != nil {
		return nil, err
	}
	if err := outer.end(); err != nil {
		return nil, err
	}
	c := &Certificate{Raw: der, RawTBSCertificate: tbsV.FullBytes, Signature: sig, MaxPathLen: -1}
	if c.SignatureAlgorithm, err = parseAlgorithmIdentifier(algV, "signatureAlgorithm"); err != nil {
		return nil, err
	}

	tbs := inside(tbsV, "tbsCertificate")
	c.Version = 1
	if v, ok, err := tbs.optional("version", classContext, 0, true); err != nil {
		return nil, err
	} else if ok {
		vc := inside(v, "version")
		n, err := vc.smallInt("value", 0, 2)
		if err != nil {
			return nil, err
		}
		if err := vc.end(); err != nil {
			return nil, err
		}
		c.Version = n + 1
	}
	if c.SerialNumber, err = tbs.integer("serialNumber"); err != nil {
		return nil, err
	}
	innerAlg, err := tbs.expect("signature", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(innerAlg.FullBytes, algV.FullBytes) {
		return nil, malformed("signature algorithm in tbsCertificate differs from the outer one")
	}
	issuerV, err := tbs.expect("issuer", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	if c.Issuer, err = parseName(issuerV, "issuer"); err != nil {
		return nil, err
	}
	validity, err := tbs.expect("validity", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	vc := inside(validity, "validity")
	if c.NotBefore, err = vc.time("notBefore"); err != nil {
		return nil, err
	}
	if c.NotAfter, err = vc.time("notAfter"); err != nil {
		return nil, err
	}
	if err := vc.end(); err != nil {
		return nil, err
	}
	subjectV, err := tbs.expect("subject", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	if c.Subject, err = parseName(subjectV, "subject"); err != nil {
		return nil, err
	}
	spki, err := tbs.expect("subjectPublicKeyInfo", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	c.RawSubjectPublicKeyInfo = spki.FullBytes
	if c.PublicKey, err = parsePublicKey(spki.FullBytes); err != nil {
		return nil, fmt.Errorf("subjectPublicKeyInfo: %w", err)
	}
	for _, id := range []struct {
		tag  int
		name string
	}{{1, "issuerUniqueID"}, {2, "subjectUniqueID"}} {
		v, ok, err := tbs.optional(id.name, classContext, id.tag, false)
		if err != nil {
			return nil, err
		}
		if ok {
			if c.Version < 2 {
				return nil, malformed("%s in a version 1 certificate", id.name)
			}
			if _, err := decodeBitString(v.Bytes); err != nil {
				return nil, fmt.Errorf("%s: %w", id.name, err)
			}
		}
	}
	if v, ok, err := tbs.optional("extensions", classContext, 3, true); err != nil {
		return nil, err
	} else if ok {
		if c.Version != 3 {
			return nil, malformed("extensions in a version %d certificate", c.Version)
		}
		seq, err := explicitContent(v, "extensions")
		if err != nil {
			return nil, err
		}
		if c.Extensions, err = parseExtensions(seq); err != nil {
			return nil, err
		}
	}
	if err := tbs.end(); err != nil {
		return nil, err
	}
	if err := c.processExtensions(); err != nil {
		return nil, err
	}
	return c, nil
}

// parseExtensions decodes Extensions ::= SEQUENCE OF Extension, refusing
// duplicates (RFC 5280 section 4.2).
func parseExtensions(v asn1.RawValue) ([]Extension, error) {
	if v.Class != classUniversal || v.Tag != tagSequence || !v.IsCompound {
		return nil, malformed("extensions: unexpected %s", tagName(v))
	}
	var exts []Extension
	c := inside(v, "extensions")
	for !c.empty() {
		ev, err := c.expect("extension", classUniversal, tagSequence, true)
		if err != nil {
			return nil, err
		}
		ec := inside(ev, "extension")
		var e Extension
		if e.ID, err = ec.oid("extnID"); err != nil {
			return nil, err
		}
		if b, ok, err := ec.optional("critical", classUniversal, tagBoolean, false); err != nil {
			return nil, err
		} else if ok {
			// DER says FALSE must be omitted; tolerated, as it is common.
			if e.Critical, err = decodeBoolean(b.Bytes); err != nil {
				return nil, fmt.Errorf("extension %v: %w", e.ID, err)
			}
		}
		if e.Value, err = ec.octetString("extnValue"); err != nil {
			return nil, err
		}
		if err := ec.end(); err != nil {
			return nil, err
		}
		for _, seen := range exts {
			if seen.ID.Equal(e.ID) {
				return nil, malformed("duplicate extension %v", e.ID)
			}
		}
		exts = append(exts, e)
	}
	return exts, nil
}

// processExtensions decodes the extensions this package understands.
func (c *Certificate) processExtensions() error {
	for _, e := range c.Extensions {
		handled, err := c.processExtension(e)
		if err != nil {
			return fmt.Errorf("extension %v: %w", e.ID, err)
		}
		if !handled && e.Critical {
			c.UnhandledCritical = append(c.UnhandledCritical, e.ID)
		}
	}
	return nil
}

func (c *Certificate) processExtension(e Extension) (bool, error) {
	if e.ID.Equal(oidDocumentTypeList()) {
		types, err := parseDocumentTypeList(e.Value)
		c.DocumentTypes = types
		return true, err
	}
	if len(e.ID) != 4 || e.ID[0] != 2 || e.ID[1] != 5 || e.ID[2] != 29 {
		return false, nil
	}
	var err error
	switch e.ID[3] {
	case 14: // subjectKeyIdentifier
		var v asn1.RawValue
		if v, err = single(e.Value, "subjectKeyIdentifier", classUniversal, tagOctetString, false); err == nil {
			c.SubjectKeyID = v.Bytes
		}
	case 15: // keyUsage
		var v asn1.RawValue
		if v, err = single(e.Value, "keyUsage", classUniversal, tagBitString, false); err != nil {
			return true, err
		}
		bs, err := decodeBitString(v.Bytes)
		if err != nil {
			return true, err
		}
		c.HasKeyUsage = true
		for i := range 9 {
			if bs.At(i) == 1 {
				c.KeyUsage |= 1 << i
			}
		}
	case 16: // privateKeyUsagePeriod
		c.PrivateKeyUsageNotBefore, c.PrivateKeyUsageNotAfter, err = parsePrivateKeyUsagePeriod(e.Value)
	case 17, 18: // subjectAltName, issuerAltName
		err = checkGeneralNames(e.Value, "altName")
	case 19: // basicConstraints
		err = c.parseBasicConstraints(e.Value)
	case 31: // cRLDistributionPoints
		c.CRLDistributionPoints, err = parseCRLDistributionPoints(e.Value)
	case 32: // certificatePolicies
		c.PolicyIdentifiers, err = parsePolicies(e.Value)
	case 35: // authorityKeyIdentifier
		c.AuthorityKeyID, err = parseAuthorityKeyID(e.Value)
	case 37: // extKeyUsage
		c.ExtKeyUsage, err = parseOIDSequence(e.Value, "extKeyUsage")
	default:
		return false, nil
	}
	return true, err
}

func (c *Certificate) parseBasicConstraints(der []byte) error {
	_, s, err := sequence(der, "basicConstraints")
	if err != nil {
		return err
	}
	c.BasicConstraintsValid = true
	if b, ok, err := s.optional("cA", classUniversal, tagBoolean, false); err != nil {
		return err
	} else if ok {
		if c.IsCA, err = decodeBoolean(b.Bytes); err != nil {
			return err
		}
	}
	if s.peek(classUniversal, tagInteger) {
		if c.MaxPathLen, err = s.smallInt("pathLenConstraint", 0, 1<<20); err != nil {
			return err
		}
	}
	return s.end()
}

func parseAuthorityKeyID(der []byte) ([]byte, error) {
	_, s, err := sequence(der, "authorityKeyIdentifier")
	if err != nil {
		return nil, err
	}
	var id []byte
	if v, ok, err := s.optional("keyIdentifier", classContext, 0, false); err != nil {
		return nil, err
	} else if ok {
		id = v.Bytes
	}
	if v, ok, err := s.optional("authorityCertIssuer", classContext, 1, true); err != nil {
		return nil, err
	} else if ok {
		if err := checkGeneralNameList(v, "authorityCertIssuer"); err != nil {
			return nil, err
		}
	}
	if v, ok, err := s.optional("authorityCertSerialNumber", classContext, 2, false); err != nil {
		return nil, err
	} else if ok {
		if _, err := decodeInteger(v.Bytes); err != nil {
			return nil, fmt.Errorf("authorityCertSerialNumber: %w", err)
		}
	}
	return id, s.end()
}

// checkGeneralNames checks that der is GeneralNames ::= SEQUENCE SIZE
// (1..MAX) OF GeneralName.
func checkGeneralNames(der []byte, what string) error {
	v, err := single(der, what, classUniversal, tagSequence, true)
	if err != nil {
		return err
	}
	return checkGeneralNameList(v, what)
}

// checkGeneralNameList checks the contents of a GeneralNames value (which
// may be implicitly tagged): context-specific elements [0]..[8].
func checkGeneralNameList(v asn1.RawValue, what string) error {
	c := inside(v, what)
	if c.empty() {
		return malformed("%s: empty GeneralNames", what)
	}
	for !c.empty() {
		g, err := c.next("GeneralName")
		if err != nil {
			return err
		}
		if g.Class != classContext || g.Tag > 8 {
			return malformed("%s: unexpected %s in GeneralNames", what, tagName(g))
		}
	}
	return nil
}

// parseCRLDistributionPoints returns the URIs of cRLDistributionPoints.
func parseCRLDistributionPoints(der []byte) ([]string, error) {
	_, s, err := sequence(der, "cRLDistributionPoints")
	if err != nil {
		return nil, err
	}
	var uris []string
	for !s.empty() {
		dp, err := s.expect("DistributionPoint", classUniversal, tagSequence, true)
		if err != nil {
			return nil, err
		}
		d := inside(dp, "DistributionPoint")
		if v, ok, err := d.optional("distributionPoint", classContext, 0, true); err != nil {
			return nil, err
		} else if ok {
			name, err := explicitContent(v, "distributionPoint")
			if err != nil {
				return nil, err
			}
			switch {
			case name.Class == classContext && name.Tag == 0 && name.IsCompound: // fullName
				if err := checkGeneralNameList(name, "fullName"); err != nil {
					return nil, err
				}
				g := inside(name, "fullName")
				for !g.empty() {
					gn, _ := g.next("GeneralName")
					if gn.Class == classContext && gn.Tag == 6 && !gn.IsCompound {
						uris = append(uris, string(gn.Bytes))
					}
				}
			case name.Class == classContext && name.Tag == 1 && name.IsCompound: // nameRelativeToCRLIssuer
			default:
				return nil, malformed("distributionPoint: unexpected %s", tagName(name))
			}
		}
		if v, ok, err := d.optional("reasons", classContext, 1, false); err != nil {
			return nil, err
		} else if ok {
			if _, err := decodeBitString(v.Bytes); err != nil {
				return nil, fmt.Errorf("reasons: %w", err)
			}
		}
		if v, ok, err := d.optional("cRLIssuer", classContext, 2, true); err != nil {
			return nil, err
		} else if ok {
			if err := checkGeneralNameList(v, "cRLIssuer"); err != nil {
				return nil, err
			}
		}
		if err := d.end(); err != nil {
			return nil, err
		}
	}
	return uris, nil
}

// parsePolicies returns the policy OIDs of certificatePolicies.
func parsePolicies(der []byte) ([]asn1.ObjectIdentifier, error) {
	_, s, err := sequence(der, "certificatePolicies")
	if err != nil {
		return nil, err
	}
	var oids []asn1.ObjectIdentifier
	for !s.empty() {
		pi, err := s.expect("PolicyInformation", classUniversal, tagSequence, true)
		if err != nil {
			return nil, err
		}
		p := inside(pi, "PolicyInformation")
		oid, err := p.oid("policyIdentifier")
		if err != nil {
			return nil, err
		}
		if _, _, err := p.optional("policyQualifiers", classUniversal, tagSequence, true); err != nil {
			return nil, err
		}
		if err := p.end(); err != nil {
			return nil, err
		}
		oids = append(oids, oid)
	}
	if len(oids) == 0 {
		return nil, malformed("empty certificatePolicies")
	}
	return oids, nil
}

func parseOIDSequence(der []byte, what string) ([]asn1.ObjectIdentifier, error) {
	_, s, err := sequence(der, what)
	if err != nil {
		return nil, err
	}
	var oids []asn1.ObjectIdentifier
	for !s.empty() {
		oid, err := s.oid("OID")
		if err != nil {
			return nil, err
		}
		oids = append(oids, oid)
	}
	if len(oids) == 0 {
		return nil, malformed("empty %s", what)
	}
	return oids, nil
}

// parsePrivateKeyUsagePeriod decodes SEQUENCE { notBefore [0] IMPLICIT
// GeneralizedTime OPTIONAL, notAfter [1] IMPLICIT GeneralizedTime OPTIONAL }.
func parsePrivateKeyUsagePeriod(der []byte) (notBefore, notAfter time.Time, err error) {
	_, s, err := sequence(der, "privateKeyUsagePeriod")
	if err != nil {
		return notBefore, notAfter, err
	}
	if v, ok, err := s.optional("notBefore", classContext, 0, false); err != nil {
		return notBefore, notAfter, err
	} else if ok {
		if notBefore, err = decodeGeneralizedTime(v.Bytes); err != nil {
			return notBefore, notAfter, fmt.Errorf("notBefore: %w", err)
		}
	}
	if v, ok, err := s.optional("notAfter", classContext, 1, false); err != nil {
		return notBefore, notAfter, err
	} else if ok {
		if notAfter, err = decodeGeneralizedTime(v.Bytes); err != nil {
			return notBefore, notAfter, fmt.Errorf("notAfter: %w", err)
		}
	}
	if notBefore.IsZero() && notAfter.IsZero() {
		return notBefore, notAfter, malformed("empty privateKeyUsagePeriod")
	}
	return notBefore, notAfter, s.end()
}

// parseDocumentTypeList decodes ICAO 9303-12's DocumentTypeListSyntax:
// SEQUENCE { version INTEGER (0), docTypeList SET OF PrintableString }.
func parseDocumentTypeList(der []byte) ([]string, error) {
	_, s, err := sequence(der, "documentTypeList")
	if err != nil {
		return nil, err
	}
	if _, err := s.smallInt("version", 0, 0); err != nil {
		return nil, err
	}
	set, err := s.expect("docTypeList", classUniversal, tagSet, true)
	if err != nil {
		return nil, err
	}
	if err := s.end(); err != nil {
		return nil, err
	}
	var types []string
	l := inside(set, "docTypeList")
	for !l.empty() {
		v, err := l.expect("DocumentType", classUniversal, tagPrintableString, false)
		if err != nil {
			return nil, err
		}
		t, err := decodeString(v)
		if err != nil {
			return nil, err
		}
		types = append(types, t)
	}
	return types, nil
}

// IsSelfIssued reports whether the issuer and subject names are equal.
func (c *Certificate) IsSelfIssued() bool { return c.Issuer.Equal(c.Subject) }

// CheckSignature verifies that signature is a valid signature of signed
// by c's public key with the algorithm alg (for example the signed
// attributes of a CMS SignerInfo, with the document signer certificate).
func (c *Certificate) CheckSignature(alg AlgorithmIdentifier, signed, signature []byte) error {
	return VerifySignature(c.PublicKey, alg, signed, signature)
}

// CheckSignatureFrom verifies that c's signature was made by parent's key.
// Like crypto/x509 it also requires parent to be allowed to sign
// certificates: a version 3 parent must be a CA (basicConstraints cA), and
// if it has keyUsage it must include keyCertSign (ErrNotIssuer otherwise).
// Names, validity periods and path lengths are the caller's to check.
func (c *Certificate) CheckSignatureFrom(parent *Certificate) error {
	if parent == nil {
		return fmt.Errorf("x509lite: check certificate signature: %w: no issuer certificate", ErrNotIssuer)
	}
	if parent.Version == 3 && !(parent.BasicConstraintsValid && parent.IsCA) {
		return fmt.Errorf("x509lite: check certificate signature: %w: %q is not a CA", ErrNotIssuer, parent.Subject.String())
	}
	if parent.HasKeyUsage && parent.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("x509lite: check certificate signature: %w: %q lacks keyCertSign", ErrNotIssuer, parent.Subject.String())
	}
	if err := VerifySignature(parent.PublicKey, c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		return fmt.Errorf("x509lite: certificate %q signed by %q: %w", c.Subject.String(), parent.Subject.String(), err)
	}
	return nil
}
