package x509lite

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // registers SHA-1 for crypto.Hash
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/asn1"
	"fmt"
)

// AlgorithmIdentifier is the X.509 AlgorithmIdentifier: an OID and optional
// parameters. A zero Parameters means "absent"; a NULL is
// asn1.RawValue{Tag: asn1.TagNull} (or its FullBytes 05 00).
type AlgorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

// Object identifiers of the algorithms this package knows.
func oidRSAEncryption() asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
}
func oidRSASSAPSS() asn1.ObjectIdentifier   { return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10} }
func oidMGF1() asn1.ObjectIdentifier        { return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8} }
func oidECPublicKey() asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1} }
func oidPrimeField() asn1.ObjectIdentifier  { return asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 1} }

// sigKind is the signature scheme of a signature algorithm.
type sigKind int

const (
	kindRSAPKCS1 sigKind = iota + 1
	kindRSAPSS
	kindECDSA      // DER SEQUENCE { r, s }
	kindECDSAPlain // BSI TR-03111 r || s
)

// sigSpec is a resolved signature algorithm.
type sigSpec struct {
	kind sigKind
	hash crypto.Hash
	salt int // RSASSA-PSS salt length
}

func (s sigSpec) isRSA() bool { return s.kind == kindRSAPKCS1 || s.kind == kindRSAPSS }

// sigOIDs lists the signature algorithms with fixed OIDs (PSS is
// parameterised separately). Built on each call: no package state.
func sigOIDs() []struct {
	oid  asn1.ObjectIdentifier
	name string
	spec sigSpec
} {
	rsa := func(n int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, n} }
	plain := func(n int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, n} }
	return []struct {
		oid  asn1.ObjectIdentifier
		name string
		spec sigSpec
	}{
		{rsa(5), "sha1WithRSAEncryption", sigSpec{kindRSAPKCS1, crypto.SHA1, 0}},
		{rsa(14), "sha224WithRSAEncryption", sigSpec{kindRSAPKCS1, crypto.SHA224, 0}},
		{rsa(11), "sha256WithRSAEncryption", sigSpec{kindRSAPKCS1, crypto.SHA256, 0}},
		{rsa(12), "sha384WithRSAEncryption", sigSpec{kindRSAPKCS1, crypto.SHA384, 0}},
		{rsa(13), "sha512WithRSAEncryption", sigSpec{kindRSAPKCS1, crypto.SHA512, 0}},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}, "ecdsa-with-SHA1", sigSpec{kindECDSA, crypto.SHA1, 0}},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}, "ecdsa-with-SHA224", sigSpec{kindECDSA, crypto.SHA224, 0}},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, "ecdsa-with-SHA256", sigSpec{kindECDSA, crypto.SHA256, 0}},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, "ecdsa-with-SHA384", sigSpec{kindECDSA, crypto.SHA384, 0}},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, "ecdsa-with-SHA512", sigSpec{kindECDSA, crypto.SHA512, 0}},
		{plain(1), "ecdsa-plain-SHA1", sigSpec{kindECDSAPlain, crypto.SHA1, 0}},
		{plain(2), "ecdsa-plain-SHA224", sigSpec{kindECDSAPlain, crypto.SHA224, 0}},
		{plain(3), "ecdsa-plain-SHA256", sigSpec{kindECDSAPlain, crypto.SHA256, 0}},
		{plain(4), "ecdsa-plain-SHA384", sigSpec{kindECDSAPlain, crypto.SHA384, 0}},
		{plain(5), "ecdsa-plain-SHA512", sigSpec{kindECDSAPlain, crypto.SHA512, 0}},
	}
}

// hashOIDs lists the hash algorithms usable in RSASSA-PSS parameters.
func hashOIDs() []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
} {
	nist := func(n int) asn1.ObjectIdentifier { return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, n} }
	return []struct {
		oid  asn1.ObjectIdentifier
		hash crypto.Hash
	}{
		{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
		{nist(4), crypto.SHA224},
		{nist(1), crypto.SHA256},
		{nist(2), crypto.SHA384},
		{nist(3), crypto.SHA512},
	}
}

func hashOID(h crypto.Hash) asn1.ObjectIdentifier {
	for _, e := range hashOIDs() {
		if e.hash == h {
			return e.oid
		}
	}
	return nil
}

// hasParameters reports whether p is present (not the zero RawValue).
func hasParameters(p asn1.RawValue) bool {
	return len(p.FullBytes) != 0 || p.Class != 0 || p.Tag != 0 || p.IsCompound || len(p.Bytes) != 0
}

// isNull reports whether p is an ASN.1 NULL.
func isNull(p asn1.RawValue) bool {
	if len(p.FullBytes) != 0 {
		return bytes.Equal(p.FullBytes, derNull())
	}
	return p.Class == classUniversal && p.Tag == tagNull && !p.IsCompound && len(p.Bytes) == 0
}

// absentOrNull reports whether the parameters are absent or NULL, the two
// forms allowed for RSA PKCS#1 v1.5, ECDSA and hash algorithms.
func absentOrNull(p asn1.RawValue) bool { return !hasParameters(p) || isNull(p) }

// parametersDER returns the DER encoding of present parameters, or nil.
func parametersDER(p asn1.RawValue) []byte {
	switch {
	case len(p.FullBytes) != 0:
		return p.FullBytes
	case hasParameters(p):
		return tlv(p.Class, p.Tag, p.IsCompound, p.Bytes)
	}
	return nil
}

// Equal reports whether a and b have the same OID and the same parameter
// encoding.
func (a AlgorithmIdentifier) Equal(b AlgorithmIdentifier) bool {
	return a.Algorithm.Equal(b.Algorithm) && bytes.Equal(parametersDER(a.Parameters), parametersDER(b.Parameters))
}

// Marshal returns the DER encoding of the AlgorithmIdentifier.
func (a AlgorithmIdentifier) Marshal() ([]byte, error) {
	der, err := a.marshal()
	if err != nil {
		return nil, fmt.Errorf("x509lite: encode algorithm identifier: %w", err)
	}
	return der, nil
}

func (a AlgorithmIdentifier) marshal() ([]byte, error) {
	o, err := derOID(a.Algorithm)
	if err != nil {
		return nil, err
	}
	return derSequence(o, parametersDER(a.Parameters)), nil
}

// parseAlgorithmIdentifier decodes SEQUENCE { OID, ANY OPTIONAL }.
func parseAlgorithmIdentifier(v asn1.RawValue, what string) (AlgorithmIdentifier, error) {
	c := inside(v, what)
	oid, err := c.oid("algorithm")
	if err != nil {
		return AlgorithmIdentifier{}, err
	}
	a := AlgorithmIdentifier{Algorithm: oid}
	if !c.empty() {
		if a.Parameters, err = c.next("parameters"); err != nil {
			return AlgorithmIdentifier{}, err
		}
	}
	return a, c.end()
}

// String returns a readable name of the signature algorithm, such as
// "ecdsa-with-SHA512" or "RSASSA-PSS(SHA-256, salt 32)", or the dotted OID
// of an unknown algorithm.
func (a AlgorithmIdentifier) String() string {
	if a.Algorithm.Equal(oidRSASSAPSS()) {
		s, err := lookupSignature(a)
		if err != nil {
			return "RSASSA-PSS(unsupported parameters)"
		}
		return fmt.Sprintf("RSASSA-PSS(%v, salt %d)", s.hash, s.salt)
	}
	for _, e := range sigOIDs() {
		if e.oid.Equal(a.Algorithm) {
			return e.name
		}
	}
	for _, e := range hashOIDs() {
		if e.oid.Equal(a.Algorithm) {
			return e.hash.String()
		}
	}
	switch {
	case a.Algorithm.Equal(oidRSAEncryption()):
		return "rsaEncryption"
	case a.Algorithm.Equal(oidECPublicKey()):
		return "id-ecPublicKey"
	}
	return a.Algorithm.String()
}

// lookupSignature resolves a signature AlgorithmIdentifier.
func lookupSignature(a AlgorithmIdentifier) (sigSpec, error) {
	if a.Algorithm.Equal(oidRSASSAPSS()) {
		return parsePSSParameters(a.Parameters)
	}
	for _, e := range sigOIDs() {
		if !e.oid.Equal(a.Algorithm) {
			continue
		}
		if !absentOrNull(a.Parameters) {
			return sigSpec{}, fmt.Errorf("%w: %s with unexpected parameters", ErrUnsupportedAlgorithm, e.name)
		}
		return e.spec, nil
	}
	return sigSpec{}, fmt.Errorf("%w: signature algorithm %v", ErrUnsupportedAlgorithm, a.Algorithm)
}

// HashFor returns the hash function of a signature algorithm.
func HashFor(alg AlgorithmIdentifier) (crypto.Hash, error) {
	s, err := lookupSignature(alg)
	if err != nil {
		return 0, fmt.Errorf("x509lite: %w", err)
	}
	return s.hash, nil
}

// parseHashAlgorithm decodes a hash AlgorithmIdentifier (parameters absent
// or NULL, RFC 4055 section 2.1).
func parseHashAlgorithm(v asn1.RawValue, what string) (crypto.Hash, error) {
	if v.Class != classUniversal || v.Tag != tagSequence || !v.IsCompound {
		return 0, malformed("%s: unexpected %s", what, tagName(v))
	}
	a, err := parseAlgorithmIdentifier(v, what)
	if err != nil {
		return 0, err
	}
	if !absentOrNull(a.Parameters) {
		return 0, fmt.Errorf("%w: %s: hash with unexpected parameters", ErrUnsupportedAlgorithm, what)
	}
	for _, e := range hashOIDs() {
		if e.oid.Equal(a.Algorithm) {
			return e.hash, nil
		}
	}
	return 0, fmt.Errorf("%w: %s: hash algorithm %v", ErrUnsupportedAlgorithm, what, a.Algorithm)
}

// explicitContent reads the single element inside an EXPLICIT [n] tag.
func explicitContent(v asn1.RawValue, what string) (asn1.RawValue, error) {
	c := inside(v, what)
	e, err := c.next("value")
	if err != nil {
		return e, err
	}
	return e, c.end()
}

// parsePSSParameters decodes RSASSA-PSS-params (RFC 4055 section 3.1),
// applying the defaults for absent fields (SHA-1, MGF1 with SHA-1, salt
// 20, trailer 1). The parameters themselves must be present. MGF1 must use
// the same hash as the message (crypto/rsa's constraint).
func parsePSSParameters(p asn1.RawValue) (sigSpec, error) {
	spec := sigSpec{kind: kindRSAPSS, hash: crypto.SHA1, salt: 20}
	if !hasParameters(p) {
		return sigSpec{}, fmt.Errorf("%w: RSASSA-PSS without parameters", ErrUnsupportedAlgorithm)
	}
	der := parametersDER(p)
	_, c, err := sequence(der, "RSASSA-PSS-params")
	if err != nil {
		return sigSpec{}, err
	}
	mgfHash := crypto.SHA1
	if v, ok, err := c.optional("hashAlgorithm", classContext, 0, true); err != nil {
		return sigSpec{}, err
	} else if ok {
		e, err := explicitContent(v, "hashAlgorithm")
		if err != nil {
			return sigSpec{}, err
		}
		if spec.hash, err = parseHashAlgorithm(e, "RSASSA-PSS hashAlgorithm"); err != nil {
			return sigSpec{}, err
		}
	}
	if v, ok, err := c.optional("maskGenAlgorithm", classContext, 1, true); err != nil {
		return sigSpec{}, err
	} else if ok {
		e, err := explicitContent(v, "maskGenAlgorithm")
		if err != nil {
			return sigSpec{}, err
		}
		if e.Tag != tagSequence || !e.IsCompound || e.Class != classUniversal {
			return sigSpec{}, malformed("maskGenAlgorithm: unexpected %s", tagName(e))
		}
		mgf, err := parseAlgorithmIdentifier(e, "maskGenAlgorithm")
		if err != nil {
			return sigSpec{}, err
		}
		if !mgf.Algorithm.Equal(oidMGF1()) {
			return sigSpec{}, fmt.Errorf("%w: RSASSA-PSS mask generation %v", ErrUnsupportedAlgorithm, mgf.Algorithm)
		}
		if mgfHash, err = parseHashAlgorithm(mgf.Parameters, "MGF1 hash"); err != nil {
			return sigSpec{}, err
		}
	}
	if v, ok, err := c.optional("saltLength", classContext, 2, true); err != nil {
		return sigSpec{}, err
	} else if ok {
		e, err := explicitContent(v, "saltLength")
		if err != nil {
			return sigSpec{}, err
		}
		if spec.salt, err = (&cursor{b: e.FullBytes, what: "saltLength"}).smallInt("value", 0, 1<<16); err != nil {
			return sigSpec{}, err
		}
	}
	if v, ok, err := c.optional("trailerField", classContext, 3, true); err != nil {
		return sigSpec{}, err
	} else if ok {
		e, err := explicitContent(v, "trailerField")
		if err != nil {
			return sigSpec{}, err
		}
		tf, err := (&cursor{b: e.FullBytes, what: "trailerField"}).smallInt("value", 0, 1<<16)
		if err != nil {
			return sigSpec{}, err
		}
		if tf != 1 {
			return sigSpec{}, fmt.Errorf("%w: RSASSA-PSS trailer field %d", ErrUnsupportedAlgorithm, tf)
		}
	}
	if err := c.end(); err != nil {
		return sigSpec{}, err
	}
	if mgfHash != spec.hash {
		return sigSpec{}, fmt.Errorf("%w: RSASSA-PSS with MGF1-%v and %v", ErrUnsupportedAlgorithm, mgfHash, spec.hash)
	}
	return spec, nil
}

// ---- constructors ----

func hashAlgorithmDER(h crypto.Hash) []byte {
	o, _ := derOID(hashOID(h)) // fixed, valid OIDs
	return derSequence(o, derNull())
}

// RSAPKCS1v15 returns the sha*WithRSAEncryption identifier for h (SHA-1,
// SHA-224, SHA-256, SHA-384 or SHA-512), with NULL parameters.
func RSAPKCS1v15(h crypto.Hash) (AlgorithmIdentifier, error) {
	return fixed(kindRSAPKCS1, h)
}

// ECDSA returns the ecdsa-with-SHA* identifier for h, without parameters
// (RFC 5758).
func ECDSA(h crypto.Hash) (AlgorithmIdentifier, error) { return fixed(kindECDSA, h) }

// ECDSAPlain returns the BSI TR-03111 ecdsa-plain-SHA* identifier for h
// (signatures are r || s), without parameters.
func ECDSAPlain(h crypto.Hash) (AlgorithmIdentifier, error) { return fixed(kindECDSAPlain, h) }

func fixed(k sigKind, h crypto.Hash) (AlgorithmIdentifier, error) {
	for _, e := range sigOIDs() {
		if e.spec.kind == k && e.spec.hash == h {
			a := AlgorithmIdentifier{Algorithm: e.oid}
			if k == kindRSAPKCS1 {
				a.Parameters = asn1.RawValue{FullBytes: derNull()}
			}
			return a, nil
		}
	}
	return AlgorithmIdentifier{}, fmt.Errorf("x509lite: %w: no signature algorithm for %v", ErrUnsupportedAlgorithm, h)
}

// RSAPSS returns the RSASSA-PSS identifier with hash h, MGF1 with h, the
// given salt length (> 0) and trailer field 1, in DER (default values
// omitted, hash parameters NULL as crypto/x509 writes them).
func RSAPSS(h crypto.Hash, saltLength int) (AlgorithmIdentifier, error) {
	if hashOID(h) == nil {
		return AlgorithmIdentifier{}, fmt.Errorf("x509lite: %w: RSASSA-PSS with %v", ErrUnsupportedAlgorithm, h)
	}
	if saltLength <= 0 || saltLength > 1<<16 {
		return AlgorithmIdentifier{}, fmt.Errorf("x509lite: %w: RSASSA-PSS salt length %d", ErrUnsupportedAlgorithm, saltLength)
	}
	var parts [][]byte
	if h != crypto.SHA1 {
		mgf1, _ := derOID(oidMGF1())
		parts = append(parts,
			tlv(classContext, 0, true, hashAlgorithmDER(h)),
			tlv(classContext, 1, true, derSequence(mgf1, hashAlgorithmDER(h))))
	}
	if saltLength != 20 {
		parts = append(parts, tlv(classContext, 2, true, derSmallInt(int64(saltLength))))
	}
	return AlgorithmIdentifier{
		Algorithm:  oidRSASSAPSS(),
		Parameters: asn1.RawValue{FullBytes: derSequence(parts...)},
	}, nil
}

// The identifiers used most, as functions that cannot fail.

// SHA256WithRSA returns sha256WithRSAEncryption.
func SHA256WithRSA() AlgorithmIdentifier { a, _ := RSAPKCS1v15(crypto.SHA256); return a }

// SHA512WithRSA returns sha512WithRSAEncryption.
func SHA512WithRSA() AlgorithmIdentifier { a, _ := RSAPKCS1v15(crypto.SHA512); return a }

// RSAPSSWithSHA256 returns RSASSA-PSS with SHA-256, MGF1-SHA-256, salt 32.
func RSAPSSWithSHA256() AlgorithmIdentifier { a, _ := RSAPSS(crypto.SHA256, 32); return a }

// RSAPSSWithSHA512 returns RSASSA-PSS with SHA-512, MGF1-SHA-512, salt 64.
func RSAPSSWithSHA512() AlgorithmIdentifier { a, _ := RSAPSS(crypto.SHA512, 64); return a }

// ECDSAWithSHA256 returns ecdsa-with-SHA256.
func ECDSAWithSHA256() AlgorithmIdentifier { a, _ := ECDSA(crypto.SHA256); return a }

// ECDSAWithSHA384 returns ecdsa-with-SHA384.
func ECDSAWithSHA384() AlgorithmIdentifier { a, _ := ECDSA(crypto.SHA384); return a }

// ECDSAWithSHA512 returns ecdsa-with-SHA512.
func ECDSAWithSHA512() AlgorithmIdentifier { a, _ := ECDSA(crypto.SHA512); return a }
