package x509lite

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"
)

// RevokedEntry is one revoked certificate of a CRL.
type RevokedEntry struct {
	Serial *big.Int
	At     time.Time
}

// CRL is a parsed X.509 certificate revocation list (RFC 5280 section 5).
type CRL struct {
	// Raw is the whole CRL, RawTBS its signed part.
	Raw, RawTBS []byte
	// Version is 1 or 2.
	Version            int
	SignatureAlgorithm AlgorithmIdentifier
	Issuer             Name
	// ThisUpdate is the issue date; NextUpdate is zero when absent.
	ThisUpdate, NextUpdate time.Time
	Revoked                []RevokedEntry
	// Extensions lists the CRL extensions as received.
	Extensions []Extension
	// Number is the cRLNumber, nil when absent.
	Number *big.Int
	// AuthorityKeyID is the authorityKeyIdentifier's keyIdentifier.
	AuthorityKeyID []byte
	// UnhandledCritical lists critical CRL and entry extensions this
	// package does not understand (for example deltaCRLIndicator,
	// issuingDistributionPoint, certificateIssuer); a verifier must refuse
	// a CRL that has any.
	UnhandledCritical []asn1.ObjectIdentifier
	// Signature is the signature over RawTBS.
	Signature []byte
}

// ParseCRL parses a DER CertificateList, strictly (no trailing data).
func ParseCRL(der []byte) (*CRL, error) {
	l, err := parseCRL(der)
	if err != nil {
		return nil, fmt.Errorf("x509lite: parse CRL: %w", err)
	}
	return l, nil
}

func parseCRL(der []byte) (*CRL, error) {
	_, outer, err := sequence(der, "CertificateList")
	if err != nil {
		return nil, err
	}
	tbsV, err := outer.expect("tbsCertList", classUniversal, tagSequence, true)
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
	l := &CRL{Raw: der, RawTBS: tbsV.FullBytes, Signature: sig, Version: 1}
	if l.SignatureAlgorithm, err = parseAlgorithmIdentifier(algV, "signatureAlgorithm"); err != nil {
		return nil, err
	}
	tbs := inside(tbsV, "tbsCertList")
	if tbs.peek(classUniversal, tagInteger) {
		v, err := tbs.smallInt("version", 1, 1)
		if err != nil {
			return nil, err
		}
		l.Version = v + 1
	}
	innerAlg, err := tbs.expect("signature", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(innerAlg.FullBytes, algV.FullBytes) {
		return nil, malformed("signature algorithm in tbsCertList differs from the outer one")
	}
	issuerV, err := tbs.expect("issuer", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	if l.Issuer, err = parseName(issuerV, "issuer"); err != nil {
		return nil, err
	}
	if l.ThisUpdate, err = tbs.time("thisUpdate"); err != nil {
		return nil, err
	}
	if !tbs.empty() {
		if v, _, err := readElement(tbs.b); err == nil && isTime(v) {
			if l.NextUpdate, err = tbs.time("nextUpdate"); err != nil {
				return nil, err
			}
		}
	}
	if v, ok, err := tbs.optional("revokedCertificates", classUniversal, tagSequence, true); err != nil {
		return nil, err
	} else if ok {
		if err := l.parseRevoked(v); err != nil {
			return nil, err
		}
	}
	if v, ok, err := tbs.optional("crlExtensions", classContext, 0, true); err != nil {
		return nil, err
	} else if ok {
		if l.Version != 2 {
			return nil, malformed("extensions in a version 1 CRL")
		}
		seq, err := explicitContent(v, "crlExtensions")
		if err != nil {
			return nil, err
		}
		if l.Extensions, err = parseExtensions(seq); err != nil {
			return nil, err
		}
	}
	if err := tbs.end(); err != nil {
		return nil, err
	}
	for _, e := range l.Extensions {
		var err error
		switch {
		case e.ID.Equal(oidExt(20)): // cRLNumber
			var v asn1.RawValue
			if v, err = single(e.Value, "cRLNumber", classUniversal, tagInteger, false); err == nil {
				l.Number, err = decodeInteger(v.Bytes)
			}
		case e.ID.Equal(oidExt(35)):
			l.AuthorityKeyID, err = parseAuthorityKeyID(e.Value)
		case e.ID.Equal(oidExt(18)): // issuerAltName
			err = checkGeneralNames(e.Value, "issuerAltName")
		default:
			if e.Critical {
				l.UnhandledCritical = append(l.UnhandledCritical, e.ID)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("CRL extension %v: %w", e.ID, err)
		}
	}
	return l, nil
}

// parseRevoked decodes the revokedCertificates SEQUENCE OF SEQUENCE {
// userCertificate, revocationDate, crlEntryExtensions OPTIONAL }.
func (l *CRL) parseRevoked(v asn1.RawValue) error {
	c := inside(v, "revokedCertificates")
	for !c.empty() {
		ev, err := c.expect("entry", classUniversal, tagSequence, true)
		if err != nil {
			return err
		}
		e := inside(ev, "revoked entry")
		var r RevokedEntry
		if r.Serial, err = e.integer("userCertificate"); err != nil {
			return err
		}
		if r.At, err = e.time("revocationDate"); err != nil {
			return err
		}
		if exts, ok, err := e.optional("crlEntryExtensions", classUniversal, tagSequence, true); err != nil {
			return err
		} else if ok {
			if l.Version != 2 {
				return malformed("entry extensions in a version 1 CRL")
			}
			list, err := parseExtensions(exts)
			if err != nil {
				return err
			}
			for _, x := range list {
				// reasonCode (21) and invalidityDate (24) are informative.
				if x.Critical && !x.ID.Equal(oidExt(21)) && !x.ID.Equal(oidExt(24)) {
					l.UnhandledCritical = append(l.UnhandledCritical, x.ID)
				}
			}
		}
		if err := e.end(); err != nil {
			return err
		}
		l.Revoked = append(l.Revoked, r)
	}
	return nil
}

// IsRevoked reports whether the CRL lists the serial number.
func (l *CRL) IsRevoked(serial *big.Int) bool {
	if serial == nil {
		return false
	}
	for _, r := range l.Revoked {
		if r.Serial.Cmp(serial) == 0 {
			return true
		}
	}
	return false
}

// CheckSignatureFrom verifies that the CRL was signed by issuer's key, and
// that issuer may sign CRLs: a version 3 issuer must be a CA, and if it has
// keyUsage, cRLSign must be set (as crypto/x509 does). Matching the CRL's
// issuer name and checking its dates are the caller's job.
func (l *CRL) CheckSignatureFrom(issuer *Certificate) error {
	if issuer == nil {
		return fmt.Errorf("x509lite: check CRL signature: %w: no issuer certificate", ErrNotIssuer)
	}
	if issuer.Version == 3 && !(issuer.BasicConstraintsValid && issuer.IsCA) {
		return fmt.Errorf("x509lite: check CRL signature: %w: %q is not a CA", ErrNotIssuer, issuer.Subject.String())
	}
	if issuer.HasKeyUsage && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return fmt.Errorf("x509lite: check CRL signature: %w: %q lacks cRLSign", ErrNotIssuer, issuer.Subject.String())
	}
	if err := VerifySignature(issuer.PublicKey, l.SignatureAlgorithm, l.RawTBS, l.Signature); err != nil {
		return fmt.Errorf("x509lite: CRL of %q: %w", l.Issuer.String(), err)
	}
	return nil
}

// CreateCRL issues a version 2 CRL signed by issuer's private key priv,
// listing revoked, with the authorityKeyIdentifier (when issuer has a
// subject key identifier) and cRLNumber (when number is not nil)
// extensions. nextUpdate may be zero to omit it. The signature algorithm
// is DefaultSignatureAlgorithm of the key. priv must belong to issuer.
func CreateCRL(issuer *Certificate, priv any, revoked []RevokedEntry, thisUpdate, nextUpdate time.Time, number *big.Int) ([]byte, error) {
	der, err := createCRL(issuer, priv, revoked, thisUpdate, nextUpdate, number)
	if err != nil {
		return nil, fmt.Errorf("x509lite: create CRL: %w", err)
	}
	return der, nil
}

func createCRL(issuer *Certificate, priv any, revoked []RevokedEntry, thisUpdate, nextUpdate time.Time, number *big.Int) ([]byte, error) {
	if issuer == nil {
		return nil, fmt.Errorf("%w: no issuer certificate", ErrInvalidTemplate)
	}
	if thisUpdate.IsZero() {
		return nil, fmt.Errorf("%w: thisUpdate is required", ErrInvalidTemplate)
	}
	if !nextUpdate.IsZero() && !nextUpdate.After(thisUpdate) {
		return nil, fmt.Errorf("%w: nextUpdate not after thisUpdate", ErrInvalidTemplate)
	}
	if number != nil && number.Sign() < 0 {
		return nil, fmt.Errorf("%w: negative CRL number", ErrInvalidTemplate)
	}
	key, err := privateKeyOf(priv)
	if err != nil {
		return nil, err
	}
	if !samePublicKey(issuer.PublicKey, publicOf(key)) {
		return nil, fmt.Errorf("%w: private key does not belong to the issuer certificate", ErrKeyMismatch)
	}
	alg, err := DefaultSignatureAlgorithm(key)
	if err != nil {
		return nil, err
	}
	algDER, err := alg.marshal()
	if err != nil {
		return nil, err
	}
	this, err := derTime(thisUpdate)
	if err != nil {
		return nil, err
	}
	parts := [][]byte{derSmallInt(1), algDER, issuer.Subject.Raw, this}
	if !nextUpdate.IsZero() {
		next, err := derTime(nextUpdate)
		if err != nil {
			return nil, err
		}
		parts = append(parts, next)
	}
	if len(revoked) > 0 {
		var entries [][]byte
		for _, r := range revoked {
			if r.Serial == nil {
				return nil, fmt.Errorf("%w: revoked entry without serial number", ErrInvalidTemplate)
			}
			at, err := derTime(r.At)
			if err != nil {
				return nil, err
			}
			entries = append(entries, derSequence(derInteger(r.Serial), at))
		}
		parts = append(parts, derSequence(entries...))
	}
	var exts [][]byte
	if len(issuer.SubjectKeyID) > 0 {
		exts = append(exts, extensionDER(oidExt(35), false,
			derSequence(tlv(classContext, 0, false, issuer.SubjectKeyID))))
	}
	if number != nil {
		exts = append(exts, extensionDER(oidExt(20), false, derInteger(number)))
	}
	if len(exts) > 0 {
		parts = append(parts, tlv(classContext, 0, true, derSequence(exts...)))
	}
	tbs := derSequence(parts...)
	sig, err := Sign(key, alg, tbs)
	if err != nil {
		return nil, err
	}
	der := derSequence(tbs, algDER, derBitString(sig))
	// Check our own output: parse it back and verify it.
	l, err := parseCRL(der)
	if err != nil {
		return nil, fmt.Errorf("internal error: created CRL does not parse: %w", err)
	}
	if err := VerifySignature(issuer.PublicKey, l.SignatureAlgorithm, l.RawTBS, l.Signature); err != nil {
		return nil, fmt.Errorf("internal error: created CRL does not verify: %w", err)
	}
	return der, nil
}
