package x509lite

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"
	"time"
)

// Template describes a certificate for CreateCertificate.
type Template struct {
	// SerialNumber must be positive.
	SerialNumber *big.Int
	Subject      DistinguishedName
	// Issuer overrides the issuer name, which is otherwise the parent's
	// subject (or Subject when self-signed). Meant for negative tests.
	Issuer *DistinguishedName
	// NotBefore and NotAfter are required; they are encoded to the second,
	// as UTCTime up to 2049 and GeneralizedTime after.
	NotBefore, NotAfter time.Time
	// IsCA adds a critical basicConstraints with cA TRUE, and MaxPathLen ≥ 0
	// adds pathLenConstraint (use -1 to omit it).
	IsCA       bool
	MaxPathLen int
	// KeyUsage, when non-zero, adds a critical keyUsage.
	KeyUsage x509.KeyUsage
	// SubjectKeyID defaults to the SHA-1 of the subject public key bits
	// (RFC 5280 section 4.2.1.2, method 1); set it to an empty, non-nil
	// slice to omit the extension.
	SubjectKeyID []byte
	// AuthorityKeyID defaults to the parent's SubjectKeyID (or, when
	// self-signed, to the new SubjectKeyID); an empty, non-nil slice omits
	// the extension.
	AuthorityKeyID []byte
	// PrivateKeyUsageNotBefore/NotAfter, when either is set, add a
	// privateKeyUsagePeriod extension (ICAO document signers).
	PrivateKeyUsageNotBefore, PrivateKeyUsageNotAfter time.Time
	// ExplicitParameters encodes an EC subject key with explicit curve
	// parameters instead of the named-curve OID.
	ExplicitParameters bool
	// SignatureAlgorithm defaults to DefaultSignatureAlgorithm of the
	// signing key.
	SignatureAlgorithm AlgorithmIdentifier
	// ExtraExtensions are appended as they are (for example
	// DocumentTypeListExtension); they must not repeat an extension the
	// builder adds.
	ExtraExtensions []Extension
}

// extensionDER encodes one Extension.
func extensionDER(oid asn1.ObjectIdentifier, critical bool, value []byte) []byte {
	o, _ := derOID(oid) // only fixed, valid OIDs reach here
	if critical {
		return derSequence(o, derBoolean(true), derOctetString(value))
	}
	return derSequence(o, derOctetString(value))
}

// keyUsageDER encodes a KeyUsage as a named-bit BIT STRING (trailing zero
// bits removed, as DER requires).
func keyUsageDER(ku x509.KeyUsage) []byte {
	n := 0
	for i := range 9 {
		if ku&(1<<i) != 0 {
			n = i + 1
		}
	}
	b := make([]byte, (n+7)/8)
	for i := range n {
		if ku&(1<<i) != 0 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	return tlv(classUniversal, tagBitString, false, []byte{byte(len(b)*8 - n)}, b)
}

// DocumentTypeListExtension returns ICAO 9303-12's documentTypeList
// extension (non-critical) listing document types such as "P" or "ID".
func DocumentTypeListExtension(types ...string) (Extension, error) {
	if len(types) == 0 {
		return Extension{}, fmt.Errorf("x509lite: %w: empty document type list", ErrInvalidTemplate)
	}
	var elems [][]byte
	for _, t := range types {
		if !isPrintable(t) || t == "" {
			return Extension{}, fmt.Errorf("x509lite: %w: document type %q", ErrInvalidTemplate, t)
		}
		elems = append(elems, tlv(classUniversal, tagPrintableString, false, []byte(t)))
	}
	slices.SortFunc(elems, bytes.Compare) // DER SET OF order
	return Extension{
		ID:    oidDocumentTypeList(),
		Value: derSequence(derSmallInt(0), derSet(elems...)),
	}, nil
}

// CreateCertificate issues a version 3 certificate for pub
// (*rsa.PublicKey, *ecdsa.PublicKey or *ec.PublicKey) described by t,
// signed by priv (*rsa.PrivateKey, *ecdsa.PrivateKey or *ec.PrivateKey),
// which must be the key of parent, or of pub when parent is nil
// (self-signed). It returns the DER certificate, after checking that it
// parses and verifies.
func CreateCertificate(t *Template, pub any, parent *Certificate, priv any) ([]byte, error) {
	der, err := createCertificate(t, pub, parent, priv)
	if err != nil {
		return nil, fmt.Errorf("x509lite: create certificate: %w", err)
	}
	return der, nil
}

func createCertificate(t *Template, pub any, parent *Certificate, priv any) ([]byte, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil template", ErrInvalidTemplate)
	}
	if t.SerialNumber == nil || t.SerialNumber.Sign() <= 0 {
		return nil, fmt.Errorf("%w: serial number must be positive", ErrInvalidTemplate)
	}
	if t.NotBefore.IsZero() || t.NotAfter.IsZero() || t.NotAfter.Before(t.NotBefore) {
		return nil, fmt.Errorf("%w: NotBefore and NotAfter must be set, in order", ErrInvalidTemplate)
	}
	subjectPub, err := publicKeyOf(pub)
	if err != nil {
		return nil, err
	}
	key, err := privateKeyOf(priv)
	if err != nil {
		return nil, err
	}
	signerPub := subjectPub
	if parent != nil {
		signerPub = parent.PublicKey
	}
	if !samePublicKey(signerPub, publicOf(key)) {
		if parent != nil {
			return nil, fmt.Errorf("%w: private key does not belong to the parent certificate", ErrKeyMismatch)
		}
		return nil, fmt.Errorf("%w: private key does not belong to the public key of a self-signed certificate", ErrKeyMismatch)
	}
	alg := t.SignatureAlgorithm
	if alg.Algorithm == nil {
		if alg, err = DefaultSignatureAlgorithm(key); err != nil {
			return nil, err
		}
	}
	algDER, err := alg.marshal()
	if err != nil {
		return nil, err
	}
	spki, err := MarshalPublicKey(subjectPub, t.ExplicitParameters)
	if err != nil {
		return nil, err
	}
	subject, err := t.Subject.marshal()
	if err != nil {
		return nil, err
	}
	var issuer []byte
	switch {
	case t.Issuer != nil:
		if issuer, err = t.Issuer.marshal(); err != nil {
			return nil, err
		}
	case parent != nil:
		issuer = parent.Subject.Raw
	default:
		issuer = subject
	}
	notBefore, err := derTime(t.NotBefore)
	if err != nil {
		return nil, err
	}
	notAfter, err := derTime(t.NotAfter)
	if err != nil {
		return nil, err
	}

	// Extensions, in a conventional order.
	var exts [][]byte
	var ids []asn1.ObjectIdentifier
	add := func(oid asn1.ObjectIdentifier, critical bool, value []byte) {
		exts = append(exts, extensionDER(oid, critical, value))
		ids = append(ids, oid)
	}
	ski := t.SubjectKeyID
	if ski == nil {
		// The SHA-1 of the subjectPublicKey BIT STRING contents.
		_, c, _ := sequence(spki, "SubjectPublicKeyInfo")
		_, _ = c.next("algorithm")
		keyBits, _ := c.octetBits("subjectPublicKey")
		sum := sha1.Sum(keyBits)
		ski = sum[:]
	}
	aki := t.AuthorityKeyID
	if aki == nil {
		if parent != nil {
			aki = parent.SubjectKeyID
		} else {
			aki = ski
		}
	}
	if len(aki) > 0 {
		add(oidExt(35), false, derSequence(tlv(classContext, 0, false, aki)))
	}
	if len(ski) > 0 {
		add(oidExt(14), false, derOctetString(ski))
	}
	if t.KeyUsage != 0 {
		add(oidExt(15), true, keyUsageDER(t.KeyUsage))
	}
	if !t.PrivateKeyUsageNotBefore.IsZero() || !t.PrivateKeyUsageNotAfter.IsZero() {
		var p [][]byte
		if !t.PrivateKeyUsageNotBefore.IsZero() {
			p = append(p, tlv(classContext, 0, false, []byte(t.PrivateKeyUsageNotBefore.UTC().Format(generalizedTimeLayout))))
		}
		if !t.PrivateKeyUsageNotAfter.IsZero() {
			p = append(p, tlv(classContext, 1, false, []byte(t.PrivateKeyUsageNotAfter.UTC().Format(generalizedTimeLayout))))
		}
		add(oidExt(16), false, derSequence(p...))
	}
	if t.IsCA {
		bc := [][]byte{derBoolean(true)}
		if t.MaxPathLen >= 0 {
			bc = append(bc, derSmallInt(int64(t.MaxPathLen)))
		}
		add(oidExt(19), true, derSequence(bc...))
	}
	for _, e := range t.ExtraExtensions {
		if slices.ContainsFunc(ids, e.ID.Equal) {
			return nil, fmt.Errorf("%w: extra extension %v repeats one the builder adds", ErrInvalidTemplate, e.ID)
		}
		o, err := derOID(e.ID)
		if err != nil {
			return nil, err
		}
		if e.Critical {
			exts = append(exts, derSequence(o, derBoolean(true), derOctetString(e.Value)))
		} else {
			exts = append(exts, derSequence(o, derOctetString(e.Value)))
		}
		ids = append(ids, e.ID)
	}

	parts := [][]byte{
		tlv(classContext, 0, true, derSmallInt(2)), // v3
		derInteger(t.SerialNumber),
		algDER,
		issuer,
		derSequence(notBefore, notAfter),
		subject,
		spki,
	}
	if len(exts) > 0 {
		parts = append(parts, tlv(classContext, 3, true, derSequence(exts...)))
	}
	tbs := derSequence(parts...)
	sig, err := Sign(key, alg, tbs)
	if err != nil {
		return nil, err
	}
	der := derSequence(tbs, algDER, derBitString(sig))

	// Check our own output: it must parse and verify against the signer.
	cert, err := parseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("created certificate does not parse: %w", err)
	}
	if err := VerifySignature(signerPub, cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		return nil, fmt.Errorf("created certificate does not verify: %w", err)
	}
	return der, nil
}
