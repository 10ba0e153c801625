package cms

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/vneid/vneid/internal/x509lite"
)

// SignOptions describe a SignedData to build.
type SignOptions struct {
	ContentType asn1.ObjectIdentifier
	Content     []byte
	// Signer is the signer's certificate and Key its private key (as
	// x509lite.Sign takes it).
	Signer *x509lite.Certificate
	Key    any
	// Digest hashes the content for the message-digest attribute.
	Digest crypto.Hash
	// SignatureAlgorithm signs the signed attributes.
	SignatureAlgorithm x509lite.AlgorithmIdentifier
	// SigningTime, if set, adds a signing-time attribute.
	SigningTime time.Time
	// OmitCertificate leaves the signer's certificate out.
	OmitCertificate bool
	// ExtraCertificates are added after the signer's (DER).
	ExtraCertificates [][]byte
	// BySubjectKeyID names the signer by key identifier instead of issuer
	// and serial number.
	BySubjectKeyID bool
}

type attributeOut struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// Sign builds a DER ContentInfo holding a SignedData with one signer and
// signed attributes, as Doc 9303 requires for EF.SOD.
func Sign(o SignOptions) ([]byte, error) {
	if o.Signer == nil || o.Key == nil {
		return nil, errors.New("cms: sign: no signer")
	}
	digestOID, err := DigestOID(o.Digest)
	if err != nil {
		return nil, err
	}
	h := o.Digest.New()
	h.Write(o.Content)
	raw := func(v any) (asn1.RawValue, error) {
		b, err := asn1.Marshal(v)
		return asn1.RawValue{FullBytes: b}, err
	}
	ct, err := raw(o.ContentType)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	md, err := raw(h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	attrs := []attributeOut{
		{Type: OIDAttrContentType, Values: []asn1.RawValue{ct}},
		{Type: OIDAttrMessageDigest, Values: []asn1.RawValue{md}},
	}
	if !o.SigningTime.IsZero() {
		st, err := raw(o.SigningTime.UTC())
		if err != nil {
			return nil, fmt.Errorf("cms: sign: %w", err)
		}
		attrs = append(attrs, attributeOut{Type: OIDAttrSigningTime, Values: []asn1.RawValue{st}})
	}
	// encoding/asn1 sorts SET OF elements into DER order.
	set, err := asn1.MarshalWithParams(attrs, "set")
	if err != nil {
		return nil, fmt.Errorf("cms: sign: attributes: %w", err)
	}
	sig, err := x509lite.Sign(o.Key, o.SignatureAlgorithm, set)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	implicit := append([]byte{0xA0}, set[1:]...)

	var sid asn1.RawValue
	version := 1
	if o.BySubjectKeyID {
		if len(o.Signer.SubjectKeyID) == 0 {
			return nil, errors.New("cms: sign: signer has no subject key identifier")
		}
		sid = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: o.Signer.SubjectKeyID}
		version = 3
	} else {
		b, err := asn1.Marshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: o.Signer.Issuer.Raw}, Serial: o.Signer.SerialNumber})
		if err != nil {
			return nil, fmt.Errorf("cms: sign: signer id: %w", err)
		}
		sid = asn1.RawValue{FullBytes: b}
	}
	digestAlg := algorithmIdentifier{Algorithm: digestOID}
	si := signerInfo{Version: version, SID: sid, DigestAlgorithm: digestAlg,
		SignedAttrs:        asn1.RawValue{FullBytes: implicit},
		SignatureAlgorithm: algorithmIdentifier{Algorithm: o.SignatureAlgorithm.Algorithm, Parameters: o.SignatureAlgorithm.Parameters},
		Signature:          sig}
	siDER, err := asn1.Marshal(si)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: signer info: %w", err)
	}
	var certs []byte
	if !o.OmitCertificate {
		certs = append(certs, o.Signer.Raw...)
	}
	for _, c := range o.ExtraCertificates {
		certs = append(certs, c...)
	}
	content, err := asn1.Marshal(o.Content)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	sdVersion := 3
	sd := signedData{
		Version:          sdVersion,
		DigestAlgorithms: []algorithmIdentifier{digestAlg},
		EncapContentInfo: encapContentInfo{EContentType: o.ContentType,
			EContent: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: content}},
		SignerInfos: []asn1.RawValue{{FullBytes: siDER}},
	}
	if len(certs) > 0 {
		sd.Certificates = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs}
	}
	sdDER, err := marshalSignedData(sd)
	if err != nil {
		return nil, err
	}
	out, err := asn1.Marshal(contentInfo{ContentType: OIDSignedData,
		Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: sdDER}})
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	return out, nil
}

// marshalSignedData encodes sd; the explicit [0] around eContent is written
// by hand because encapContentInfo's field is a RawValue.
func marshalSignedData(sd signedData) ([]byte, error) {
	type encapOut struct {
		EContentType asn1.ObjectIdentifier
		EContent     asn1.RawValue
	}
	type signedDataOut struct {
		Version          int
		DigestAlgorithms []algorithmIdentifier `asn1:"set"`
		EncapContentInfo encapOut
		Certificates     asn1.RawValue   `asn1:"optional"`
		SignerInfos      []asn1.RawValue `asn1:"set"`
	}
	out := signedDataOut{Version: sd.Version, DigestAlgorithms: sd.DigestAlgorithms,
		EncapContentInfo: encapOut{EContentType: sd.EncapContentInfo.EContentType, EContent: sd.EncapContentInfo.EContent},
		Certificates:     sd.Certificates, SignerInfos: sd.SignerInfos}
	b, err := asn1.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: signed data: %w", err)
	}
	return b, nil
}
