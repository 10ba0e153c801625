package x509lite

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/vneid/vneid/internal/ec"
)

// ParsePublicKey parses a DER SubjectPublicKeyInfo and returns an
// *rsa.PublicKey (rsaEncryption or id-RSASSA-PSS; PSS key parameters are
// checked for syntax but not enforced) or an *ec.PublicKey
// (id-ecPublicKey with a named curve, or with explicit ECParameters of RFC
// 3279 / SEC 1 that match one of the curves ec.Known returns). Unknown
// curves are refused with ErrUnknownCurve, never trusted.
func ParsePublicKey(spki []byte) (any, error) {
	k, err := parsePublicKey(spki)
	if err != nil {
		return nil, fmt.Errorf("x509lite: parse public key: %w", err)
	}
	return k, nil
}

func parsePublicKey(spki []byte) (any, error) {
	_, c, err := sequence(spki, "SubjectPublicKeyInfo")
	if err != nil {
		return nil, err
	}
	algV, err := c.expect("algorithm", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	alg, err := parseAlgorithmIdentifier(algV, "algorithm")
	if err != nil {
		return nil, err
	}
	key, err := c.octetBits("subjectPublicKey")
	if err != nil {
		return nil, err
	}
	if err := c.end(); err != nil {
		return nil, err
	}
	switch {
	case alg.Algorithm.Equal(oidRSAEncryption()):
		if !absentOrNull(alg.Parameters) {
			return nil, malformed("rsaEncryption key with parameters other than NULL")
		}
		return parseRSAPublicKey(key)
	case alg.Algorithm.Equal(oidRSASSAPSS()):
		if hasParameters(alg.Parameters) {
			if _, err := parsePSSParameters(alg.Parameters); err != nil {
				return nil, fmt.Errorf("RSASSA-PSS key parameters: %w", err)
			}
		}
		return parseRSAPublicKey(key)
	case alg.Algorithm.Equal(oidECPublicKey()):
		curve, err := parseECParameters(alg.Parameters)
		if err != nil {
			return nil, err
		}
		x, y, err := curve.Unmarshal(key)
		if err != nil {
			return nil, fmt.Errorf("%w: EC public key: %v", ErrMalformed, err)
		}
		return &ec.PublicKey{Curve: curve, X: x, Y: y}, nil
	}
	return nil, fmt.Errorf("%w: public key algorithm %s", ErrUnsupportedKey, alg)
}

// parseRSAPublicKey decodes RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
func parseRSAPublicKey(der []byte) (*rsa.PublicKey, error) {
	_, c, err := sequence(der, "RSAPublicKey")
	if err != nil {
		return nil, err
	}
	n, err := c.integer("modulus")
	if err != nil {
		return nil, err
	}
	e, err := c.smallInt("publicExponent", 3, 1<<31-1)
	if err != nil {
		return nil, err
	}
	if err := c.end(); err != nil {
		return nil, err
	}
	if n.Sign() <= 0 || n.Bit(0) == 0 {
		return nil, malformed("RSA modulus must be positive and odd")
	}
	if e%2 == 0 {
		return nil, malformed("RSA public exponent must be odd")
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

// parseECParameters decodes ECParameters: a named curve OID or a
// SpecifiedECDomain, which must match a known curve.
func parseECParameters(p asn1.RawValue) (*ec.Curve, error) {
	if !hasParameters(p) {
		return nil, malformed("id-ecPublicKey without curve parameters")
	}
	if p.Class != classUniversal {
		return nil, malformed("ECParameters: unexpected %s", tagName(p))
	}
	switch {
	case p.Tag == tagOID && !p.IsCompound:
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(p.FullBytes, &oid); err != nil {
			return nil, malformed("namedCurve: %v", err)
		}
		c := ec.ByOID(oid)
		if c == nil {
			return nil, fmt.Errorf("%w: named curve %v", ErrUnknownCurve, oid)
		}
		return c, nil
	case p.Tag == tagNull && !p.IsCompound:
		return nil, fmt.Errorf("%w: implicitlyCA curve parameters", ErrUnsupportedKey)
	case p.Tag == tagSequence && p.IsCompound:
		return parseSpecifiedDomain(p)
	}
	return nil, malformed("ECParameters: unexpected %s", tagName(p))
}

// parseSpecifiedDomain decodes SpecifiedECDomain (SEC 1 C.2, version 1):
//
//	SEQUENCE { version INTEGER (1), fieldID SEQUENCE { prime-field, p },
//	           curve SEQUENCE { a OCTET STRING, b OCTET STRING, seed BIT STRING OPTIONAL },
//	           base OCTET STRING, order INTEGER, cofactor INTEGER OPTIONAL }
func parseSpecifiedDomain(v asn1.RawValue) (*ec.Curve, error) {
	c := inside(v, "SpecifiedECDomain")
	version, err := c.smallInt("version", 0, 1<<16)
	if err != nil {
		return nil, err
	}
	if version != 1 {
		return nil, fmt.Errorf("%w: explicit curve parameters version %d", ErrUnsupportedKey, version)
	}
	fieldV, err := c.expect("fieldID", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	fc := inside(fieldV, "fieldID")
	fieldType, err := fc.oid("fieldType")
	if err != nil {
		return nil, err
	}
	if !fieldType.Equal(oidPrimeField()) {
		return nil, fmt.Errorf("%w: field type %v (only prime fields are supported)", ErrUnknownCurve, fieldType)
	}
	p, err := fc.integer("prime")
	if err != nil {
		return nil, err
	}
	if err := fc.end(); err != nil {
		return nil, err
	}
	if p.Sign() <= 0 || p.BitLen() > 1024 {
		return nil, fmt.Errorf("%w: field prime out of range", ErrUnknownCurve)
	}
	curveV, err := c.expect("curve", classUniversal, tagSequence, true)
	if err != nil {
		return nil, err
	}
	cc := inside(curveV, "curve")
	fieldLen := (p.BitLen() + 7) / 8
	elem := func(what string) (*big.Int, error) {
		b, err := cc.octetString(what)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 || len(b) > fieldLen {
			return nil, malformed("curve %s is %d bytes, field elements are %d", what, len(b), fieldLen)
		}
		x := new(big.Int).SetBytes(b)
		if x.Cmp(p) >= 0 {
			return nil, malformed("curve %s not reduced modulo p", what)
		}
		return x, nil
	}
	a, err := elem("a")
	if err != nil {
		return nil, err
	}
	b, err := elem("b")
	if err != nil {
		return nil, err
	}
	if _, _, err := cc.optional("seed", classUniversal, tagBitString, false); err != nil {
		return nil, err
	}
	if err := cc.end(); err != nil {
		return nil, err
	}
	base, err := c.octetString("base")
	if err != nil {
		return nil, err
	}
	order, err := c.integer("order")
	if err != nil {
		return nil, err
	}
	if order.Sign() <= 0 {
		return nil, malformed("curve order must be positive")
	}
	cofactor := -1
	if c.peek(classUniversal, tagInteger) {
		if cofactor, err = c.smallInt("cofactor", 1, 1<<16); err != nil {
			return nil, err
		}
	}
	if err := c.end(); err != nil {
		return nil, err
	}
	// Decode the base point on the curve the parameters describe, then look
	// the whole set up among the known curves.
	explicit := &ec.Curve{Name: "explicit parameters", P: p, A: a, B: b, Gx: new(big.Int), Gy: new(big.Int), N: order, H: 1}
	gx, gy, err := explicit.Unmarshal(base)
	if err != nil {
		return nil, fmt.Errorf("%w: base point: %v", ErrUnknownCurve, err)
	}
	known := ec.Identify(p, a, b, gx, gy, order)
	if known == nil {
		return nil, fmt.Errorf("%w: explicit parameters (%d-bit prime) match no known curve", ErrUnknownCurve, p.BitLen())
	}
	if cofactor != -1 && cofactor != known.H {
		return nil, fmt.Errorf("%w: cofactor %d for %s", ErrUnknownCurve, cofactor, known.Name)
	}
	return known, nil
}

// publicKeyOf normalises a public key to *rsa.PublicKey or *ec.PublicKey.
func publicKeyOf(pub any) (any, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k == nil || k.N == nil {
			return nil, fmt.Errorf("%w: empty RSA key", ErrUnsupportedKey)
		}
		return k, nil
	case *ecdsa.PublicKey:
		e, err := ec.PublicKeyFromECDSA(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
		}
		return e, nil
	case *ec.PublicKey:
		if err := k.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: public key of type %T", ErrUnsupportedKey, pub)
}

// MarshalPublicKey encodes pub (*rsa.PublicKey, *ecdsa.PublicKey or
// *ec.PublicKey) as a DER SubjectPublicKeyInfo. EC keys use the named
// curve OID, or explicit SpecifiedECDomain parameters (version 1, prime
// field, a and b padded to the field length, uncompressed base point,
// order, cofactor; no seed) when explicit is true, as OpenSSL's
// ec_param_enc:explicit does. explicit is ignored for RSA.
func MarshalPublicKey(pub any, explicit bool) ([]byte, error) {
	k, err := publicKeyOf(pub)
	if err != nil {
		return nil, fmt.Errorf("x509lite: marshal public key: %w", err)
	}
	switch k := k.(type) {
	case *rsa.PublicKey:
		o, _ := derOID(oidRSAEncryption())
		key := derSequence(derInteger(k.N), derSmallInt(int64(k.E)))
		return derSequence(derSequence(o, derNull()), derBitString(key)), nil
	case *ec.PublicKey:
		o, _ := derOID(oidECPublicKey())
		params, err := ecParametersDER(k.Curve, explicit)
		if err != nil {
			return nil, fmt.Errorf("x509lite: marshal public key: %w", err)
		}
		return derSequence(derSequence(o, params), derBitString(k.Bytes())), nil
	}
	return nil, fmt.Errorf("x509lite: marshal public key: %w: %T", ErrUnsupportedKey, pub)
}

func ecParametersDER(c *ec.Curve, explicit bool) ([]byte, error) {
	known := ec.Identify(c.P, c.A, c.B, c.Gx, c.Gy, c.N)
	if known == nil || known.H != c.H {
		return nil, fmt.Errorf("%w: %s is not a known curve", ErrUnknownCurve, c)
	}
	c = known
	if !explicit {
		return derOID(c.OID)
	}
	pf, _ := derOID(oidPrimeField())
	n := c.ByteLen()
	return derSequence(
		derSmallInt(1),
		derSequence(pf, derInteger(c.P)),
		derSequence(derOctetString(c.A.FillBytes(make([]byte, n))), derOctetString(c.B.FillBytes(make([]byte, n)))),
		derOctetString(c.Marshal(c.Gx, c.Gy)),
		derInteger(c.N),
		derSmallInt(int64(c.H)),
	), nil
}
