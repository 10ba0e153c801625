// Package cms reads, verifies and builds CMS SignedData (RFC 5652) as ICAO
// Doc 9303 uses it: the document security object (EF.SOD) and CSCA master
// lists. It is strict DER on encoding/asn1 and takes certificates through
// x509lite, so brainpool keys with explicit parameters work.
package cms

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/vneid/vneid/internal/x509lite"
)

// Errors that callers tell apart.
var (
	// ErrMalformed: the DER is not a SignedData as RFC 5652 defines it.
	ErrMalformed = errors.New("cms: malformed")
	// ErrContentTypeAttr: the content-type attribute differs from the
	// encapsulated content type, or is missing.
	ErrContentTypeAttr = errors.New("cms: content-type attribute does not match")
	// ErrDigest: the message-digest attribute is missing or differs from the
	// hash of the content.
	ErrDigest = errors.New("cms: message digest does not match the content")
	// ErrSignature: the signature over the signed attributes does not verify.
	ErrSignature = errors.New("cms: signature does not verify")
	// ErrNoSignerCertificate: the signer's certificate is not in the
	// SignedData.
	ErrNoSignerCertificate = errors.New("cms: signer certificate not found")
)

// Object identifiers.
var (
	OIDSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// DigestOID returns the object identifier of a hash function.
func DigestOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA1:
		return asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, nil
	case crypto.SHA224:
		return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, nil
	case crypto.SHA256:
		return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, nil
	case crypto.SHA384:
		return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, nil
	case crypto.SHA512:
		return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, nil
	}
	return nil, fmt.Errorf("cms: unsupported hash %v", h)
}

// DigestHash returns the hash function of a digest algorithm identifier.
func DigestHash(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		if o, _ := DigestOID(h); o.Equal(oid) {
			return h, nil
		}
	}
	return 0, fmt.Errorf("cms: unsupported digest algorithm %v", oid)
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

func (a algorithmIdentifier) lite() x509lite.AlgorithmIdentifier {
	return x509lite.AlgorithmIdentifier{Algorithm: a.Algorithm, Parameters: a.Parameters}
}

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []algorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []asn1.RawValue `asn1:"set"`
}

type signerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    algorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm algorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue `asn1:"set"`
}

// SignedData is a parsed CMS SignedData.
type SignedData struct {
	Version          int
	DigestAlgorithms []x509lite.AlgorithmIdentifier
	// ContentType is the encapsulated content type (eContentType).
	ContentType asn1.ObjectIdentifier
	// Content is the encapsulated content (the octets of eContent).
	Content []byte
	// Certificates are the certificates carried in the SignedData, in
	// order; RawCertificates their DER.
	Certificates    []*x509lite.Certificate
	RawCertificates [][]byte
	Signers         []SignerInfo
}

// SignerInfo is one signer of a SignedData.
type SignerInfo struct {
	Version int
	// The signer is named by issuer and serial number, or by subject key
	// identifier.
	IssuerRaw       []byte
	SerialNumber    *big.Int
	SubjectKeyID    []byte
	DigestAlgorithm x509lite.AlgorithmIdentifier
	// SignedAttrs is the DER SET OF the signed attributes, as signed; nil
	// when there are none.
	SignedAttrs        []byte
	ContentTypeAttr    asn1.ObjectIdentifier
	MessageDigest      []byte
	SigningTime        time.Time
	SignatureAlgorithm x509lite.AlgorithmIdentifier
	Signature          []byte
}

func malformed(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, a...))
}

// unmarshal decodes exactly one DER element into v.
func unmarshal(b []byte, v any, params string) error {
	rest, err := asn1.UnmarshalWithParams(b, v, params)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the element", len(rest))
	}
	return nil
}

// ParseSignedData parses a DER ContentInfo holding a SignedData.
func ParseSignedData(der []byte) (*SignedData, error) {
	var ci contentInfo
	if err := unmarshal(der, &ci, ""); err != nil {
		return nil, malformed("content info: %v", err)
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, malformed("content type %v is not signed data", ci.ContentType)
	}
	var sd signedData
	if err := unmarshal(ci.Content.Bytes, &sd, ""); err != nil {
		return nil, malformed("signed data: %v", err)
	}
	out := &SignedData{Version: sd.Version, ContentType: sd.EncapContentInfo.EContentType}
	for _, a := range sd.DigestAlgorithms {
		out.DigestAlgorithms = append(out.DigestAlgorithms, a.lite())
	}
	if len(sd.EncapContentInfo.EContent.FullBytes) == 0 {
		return nil, malformed("no encapsulated content (detached signatures are not used here)")
	}
	if err := unmarshal(sd.EncapContentInfo.EContent.Bytes, &out.Content, ""); err != nil {
		return nil, malformed("encapsulated content: %v", err)
	}
	if len(sd.Certificates.FullBytes) > 0 {
		if !sd.Certificates.IsCompound {
			return nil, malformed("certificates are not a set")
		}
		rest := sd.Certificates.Bytes
		for len(rest) > 0 {
			var raw asn1.RawValue
			var err error
			rest, err = asn1.Unmarshal(rest, &raw)
			if err != nil {
				return nil, malformed("certificate %d: %v", len(out.RawCertificates)+1, err)
			}
			if raw.Class != asn1.ClassUniversal || raw.Tag != asn1.TagSequence {
				continue // other certificate choices (attribute certificates) are not used
			}
			c, err := x509lite.ParseCertificate(raw.FullBytes)
			if err != nil {
				return nil, malformed("certificate %d: %v", len(out.RawCertificates)+1, err)
			}
			out.Certificates = append(out.Certificates, c)
			out.RawCertificates = append(out.RawCertificates, raw.FullBytes)
		}
	}
	if len(sd.SignerInfos) == 0 {
		return nil, malformed("no signer")
	}
	for i, raw := range sd.SignerInfos {
		si, err := parseSignerInfo(raw.FullBytes)
		if err != nil {
			return nil, malformed("signer %d: %v", i+1, err)
		}
		out.Signers = append(out.Signers, si)
	}
	return out, nil
}

func parseSignerInfo(der []byte) (SignerInfo, error) {
	var raw signerInfo
	if err := unmarshal(der, &raw, ""); err != nil {
		return SignerInfo{}, err
	}
	si := SignerInfo{Version: raw.Version, DigestAlgorithm: raw.DigestAlgorithm.lite(),
		SignatureAlgorithm: raw.SignatureAlgorithm.lite(), Signature: raw.Signature}
	switch {
	case raw.SID.Class == asn1.ClassUniversal && raw.SID.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if err := unmarshal(raw.SID.FullBytes, &ias, ""); err != nil {
			return SignerInfo{}, fmt.Errorf("issuer and serial number: %w", err)
		}
		si.IssuerRaw, si.SerialNumber = ias.Issuer.FullBytes, ias.Serial
	case raw.SID.Class == asn1.ClassContextSpecific && raw.SID.Tag == 0 && !raw.SID.IsCompound:
		si.SubjectKeyID = raw.SID.Bytes
	default:
		return SignerInfo{}, errors.New("signer identifier is neither issuer and serial nor key identifier")
	}
	if len(raw.SignedAttrs.FullBytes) > 0 {
		// The signature covers the attributes with the SET OF tag, not
		// the [0] IMPLICIT tag they are carried under.
		set := bytes.Clone(raw.SignedAttrs.FullBytes)
		set[0] = 0x31
		si.SignedAttrs = set
		var attrs []attribute
		if err := unmarshal(set, &attrs, "set"); err != nil {
			return SignerInfo{}, fmt.Errorf("signed attributes: %w", err)
		}
		seen := map[string]bool{}
		for _, a := range attrs {
			key := a.Type.String()
			if seen[key] {
				return SignerInfo{}, fmt.Errorf("signed attribute %v appears twice", a.Type)
			}
			seen[key] = true
			switch {
			case a.Type.Equal(OIDAttrContentType):
				if err := unmarshal(a.Values.Bytes, &si.ContentTypeAttr, ""); err != nil {
					return SignerInfo{}, fmt.Errorf("content-type attribute: %w", err)
				}
			case a.Type.Equal(OIDAttrMessageDigest):
				if err := unmarshal(a.Values.Bytes, &si.MessageDigest, ""); err != nil {
					return SignerInfo{}, fmt.Errorf("message-digest attribute: %w", err)
				}
			case a.Type.Equal(OIDAttrSigningTime):
				var t time.Time
				if err := unmarshal(a.Values.Bytes, &t, ""); err != nil {
					return SignerInfo{}, fmt.Errorf("signing-time attribute: %w", err)
				}
				si.SigningTime = t.UTC()
			}
		}
	}
	return si, nil
}

// SignerCertificate finds a signer's certificate among the SignedData's
// certificates.
func (sd *SignedData) SignerCertificate(si *SignerInfo) (*x509lite.Certificate, error) {
	for _, c := range sd.Certificates {
		if si.SubjectKeyID != nil {
			if bytes.Equal(c.SubjectKeyID, si.SubjectKeyID) {
				return c, nil
			}
			continue
		}
		if c.SerialNumber != nil && si.SerialNumber != nil && c.SerialNumber.Cmp(si.SerialNumber) == 0 &&
			bytes.Equal(c.Issuer.Raw, si.IssuerRaw) {
			return c, nil
		}
	}
	return nil, ErrNoSignerCertificate
}

// VerifySigner checks one signer: the content-type and message-digest
// attributes against the content, and the signature over the signed
// attributes with cert's key. It does not judge the certificate itself.
func (sd *SignedData) VerifySigner(si *SignerInfo, cert *x509lite.Certificate) error {
	h, err := DigestHash(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return err
	}
	listed := false
	for _, a := range sd.DigestAlgorithms {
		listed = listed || a.Algorithm.Equal(si.DigestAlgorithm.Algorithm)
	}
	if !listed {
		return fmt.Errorf("%w: the signer's digest algorithm %v is not among the SignedData's", ErrMalformed, si.DigestAlgorithm.Algorithm)
	}
	if !h.Available() {
		return fmt.Errorf("cms: hash %v not available", h)
	}
	if si.SignedAttrs == nil {
		// Without signed attributes the signature covers the content.
		if err := x509lite.VerifySignature(cert.PublicKey, si.SignatureAlgorithm, sd.Content, si.Signature); err != nil {
			return fmt.Errorf("%w: %w", ErrSignature, err)
		}
		return nil
	}
	if !si.ContentTypeAttr.Equal(sd.ContentType) {
		return fmt.Errorf("%w: attribute %v, content %v", ErrContentTypeAttr, si.ContentTypeAttr, sd.ContentType)
	}
	d := h.New()
	d.Write(sd.Content)
	if si.MessageDigest == nil || !bytes.Equal(d.Sum(nil), si.MessageDigest) {
		return ErrDigest
	}
	if err := x509lite.VerifySignature(cert.PublicKey, si.SignatureAlgorithm, si.SignedAttrs, si.Signature); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil
}
