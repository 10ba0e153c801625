package icao

import (
	"bytes"
	"fmt"
)

// DG15 is EF.DG15, the chip's active authentication public key.
type DG15 struct {
	// SubjectPublicKeyInfo is the DER of the key exactly as the chip stores
	// it; RSA and EC keys (EC ones often with explicit curve parameters) are
	// parsed elsewhere.
	SubjectPublicKeyInfo []byte
}

// ParseDG15 parses EF.DG15: 0x6F { SubjectPublicKeyInfo }. It checks that the
// key is one well-formed SEQUENCE { SEQUENCE { OID, parameters OPTIONAL },
// BIT STRING } and nothing follows it; it does not interpret the key.
func ParseDG15(b []byte) (DG15, error) {
	outer, err := readOnly(b)
	if err != nil {
		return DG15{}, malformed("dg15", "%v", err)
	}
	if outer.tag != 0x6F {
		return DG15{}, malformed("dg15", "tag is %X, want 6F", outer.tag)
	}
	if err := checkSPKI(outer.value); err != nil {
		return DG15{}, malformed("dg15", "%v", err)
	}
	return DG15{SubjectPublicKeyInfo: bytes.Clone(outer.value)}, nil
}

// BuildDG15 encodes EF.DG15 around the DER of a SubjectPublicKeyInfo (as
// x509.MarshalPKIXPublicKey returns it).
func BuildDG15(spki []byte) []byte {
	return encode(0x6F, spki)
}

// checkSPKI checks the outline of a SubjectPublicKeyInfo.
func checkSPKI(b []byte) error {
	spki, err := readOnly(b)
	if err != nil {
		return fmt.Errorf("public key: %v", err)
	}
	if spki.tag != 0x30 {
		return fmt.Errorf("public key: tag %X, want a SEQUENCE", spki.tag)
	}
	parts, err := readAll(spki.value)
	if err != nil {
		return fmt.Errorf("public key: %v", err)
	}
	if len(parts) != 2 || parts[0].tag != 0x30 || parts[1].tag != 0x03 {
		return fmt.Errorf("public key: want SEQUENCE { algorithm, BIT STRING }")
	}
	alg, err := readAll(parts[0].value)
	if err != nil {
		return fmt.Errorf("public key algorithm: %v", err)
	}
	if len(alg) < 1 || len(alg) > 2 || alg[0].tag != 0x06 {
		return fmt.Errorf("public key algorithm: want SEQUENCE { OID, parameters OPTIONAL }")
	}
	if _, err := parseOID(alg[0].value); err != nil {
		return fmt.Errorf("public key algorithm: %v", err)
	}
	if key := parts[1].value; len(key) < 2 || key[0] != 0 {
		return fmt.Errorf("public key: BIT STRING empty or not whole bytes")
	}
	return nil
}
