package icao

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
)

// ErrUnsupported is wrapped by errors about algorithms this package does not
// know, as opposed to malformed data.
var ErrUnsupported = errors.New("unsupported algorithm")

// Protocol object identifiers of the SecurityInfos (Doc 9303 Part 11, BSI
// TR-03110 Part 3).
const (
	oidAA         = "2.23.136.1.1.5"       // id-icao-mrtd-security-aaProtocolObject
	oidPKPrefix   = "0.4.0.127.0.7.2.2.1." // id-PK-DH, id-PK-ECDH
	oidCAPrefix   = "0.4.0.127.0.7.2.2.3." // id-CA-DH-*, id-CA-ECDH-*
	oidPACEPrefix = "0.4.0.127.0.7.2.2.4." // id-PACE-*
)

// DG14 holds the SecurityInfos of EF.DG14.
type DG14 struct {
	// ActiveAuthentication is the ActiveAuthenticationInfo, present when the
	// chip signs active authentication challenges with ECDSA; nil otherwise
	// (RSA chips need none).
	ActiveAuthentication *AAInfo
	// ChipAuthentication lists the ChipAuthenticationInfos.
	ChipAuthentication []ChipAuthInfo
	// ChipAuthenticationPublicKeys lists the ChipAuthenticationPublicKeyInfos.
	ChipAuthenticationPublicKeys []ChipAuthPublicKeyInfo
	// PACE lists the PACEInfos.
	PACE []PACEInfo
	// Unknown lists the protocols of the other SecurityInfos (domain
	// parameters, terminal authentication and those this package does not
	// know), in order.
	Unknown []asn1.ObjectIdentifier
}

// AAInfo is an ActiveAuthenticationInfo.
type AAInfo struct {
	// Version is always 1.
	Version int
	// SignatureAlgorithm is the ECDSA signature algorithm; AAHash gives its
	// hash function.
	SignatureAlgorithm asn1.ObjectIdentifier
}

// ChipAuthInfo is a ChipAuthenticationInfo: protocol 0.4.0.127.0.7.2.2.3.x.y.
type ChipAuthInfo struct {
	// Protocol names the key agreement and cipher.
	Protocol asn1.ObjectIdentifier
	// Version is the protocol version (1 to 3 in TR-03110).
	Version int
	// KeyID is nil when the info names no key.
	KeyID *int
}

// ChipAuthPublicKeyInfo is a ChipAuthenticationPublicKeyInfo: protocol
// 0.4.0.127.0.7.2.2.1.x and the chip's static key agreement key.
type ChipAuthPublicKeyInfo struct {
	// Protocol is id-PK-DH or id-PK-ECDH.
	Protocol asn1.ObjectIdentifier
	// SubjectPublicKeyInfo is the DER of the key as stored.
	SubjectPublicKeyInfo []byte
	// KeyID is nil when the info names no key.
	KeyID *int
}

// PACEInfo is a PACEInfo: protocol 0.4.0.127.0.7.2.2.4.x.y.
type PACEInfo struct {
	// Protocol names the mapping, key agreement and cipher.
	Protocol asn1.ObjectIdentifier
	// Version is 2 in Doc 9303.
	Version int
	// ParameterID names standardized domain parameters, nil when absent.
	ParameterID *int
}

// ParseDG14 parses EF.DG14: 0x6E { SET OF SecurityInfo }, each SecurityInfo a
// SEQUENCE { protocol OID, requiredData, optionalData OPTIONAL }. It refuses
// an empty set, a second ActiveAuthenticationInfo, an ActiveAuthenticationInfo
// whose version is not 1 or has no signature algorithm, and known infos whose
// data has the wrong type. ChipAuthentication and PACE protocols whose
// required data is not an INTEGER are domain parameter infos, listed in
// Unknown.
func ParseDG14(b []byte) (DG14, error) {
	fail := func(format string, a ...any) (DG14, error) { return DG14{}, malformed("dg14", format, a...) }
	outer, err := readOnly(b)
	if err != nil {
		return fail("%v", err)
	}
	if outer.tag != 0x6E {
		return fail("tag is %X, want 6E", outer.tag)
	}
	set, err := readOnly(outer.value)
	if err != nil {
		return fail("%v", err)
	}
	if set.tag != 0x31 {
		return fail("SecurityInfos: tag %X, want a SET", set.tag)
	}
	infos, err := readAll(set.value)
	if err != nil {
		return fail("SecurityInfos: %v", err)
	}
	if len(infos) == 0 {
		return fail("no SecurityInfo")
	}
	var d DG14
	for i, info := range infos {
		if err := d.add(info); err != nil {
			return fail("SecurityInfo %d: %v", i, err)
		}
	}
	return d, nil
}

// add decodes one SecurityInfo into d.
func (d *DG14) add(info tlv) error {
	if info.tag != 0x30 {
		return fmt.Errorf("tag %X, want a SEQUENCE", info.tag)
	}
	parts, err := readAll(info.value)
	if err != nil {
		return err
	}
	if len(parts) < 2 || len(parts) > 3 || parts[0].tag != 0x06 {
		return errors.New("want SEQUENCE { OID, requiredData, optionalData OPTIONAL }")
	}
	protocol, err := parseOID(parts[0].value)
	if err != nil {
		return fmt.Errorf("protocol: %v", err)
	}
	p := protocol.String()
	required := parts[1]
	var optional *tlv
	if len(parts) == 3 {
		optional = &parts[2]
	}
	optionalInt := func() (*int, error) {
		if optional == nil {
			return nil, nil
		}
		if optional.tag != 0x02 {
			return nil, fmt.Errorf("%s: optional data is not an INTEGER", p)
		}
		n, err := parseUint(optional.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", p, err)
		}
		return &n, nil
	}
	switch {
	case p == oidAA:
		if d.ActiveAuthentication != nil {
			return errors.New("a second ActiveAuthenticationInfo")
		}
		if required.tag != 0x02 {
			return errors.New("ActiveAuthenticationInfo: version is not an INTEGER")
		}
		v, err := parseUint(required.value)
		if err != nil || v != 1 {
			return errors.New("ActiveAuthenticationInfo: version is not 1")
		}
		if optional == nil || optional.tag != 0x06 {
			return errors.New("ActiveAuthenticationInfo: no signature algorithm OID")
		}
		alg, err := parseOID(optional.value)
		if err != nil {
			return fmt.Errorf("ActiveAuthenticationInfo: signature algorithm: %v", err)
		}
		d.ActiveAuthentication = &AAInfo{Version: v, SignatureAlgorithm: alg}
	case strings.HasPrefix(p, oidPKPrefix):
		if err := checkSPKI(required.raw); err != nil {
			return fmt.Errorf("ChipAuthenticationPublicKeyInfo: %v", err)
		}
		id, err := optionalInt()
		if err != nil {
			return err
		}
		d.ChipAuthenticationPublicKeys = append(d.ChipAuthenticationPublicKeys,
			ChipAuthPublicKeyInfo{Protocol: protocol, SubjectPublicKeyInfo: bytes.Clone(required.raw), KeyID: id})
	case strings.HasPrefix(p, oidCAPrefix) && required.tag == 0x02:
		v, err := parseUint(required.value)
		if err != nil {
			return fmt.Errorf("ChipAuthenticationInfo: version: %v", err)
		}
		id, err := optionalInt()
		if err != nil {
			return err
		}
		d.ChipAuthentication = append(d.ChipAuthentication, ChipAuthInfo{Protocol: protocol, Version: v, KeyID: id})
	case strings.HasPrefix(p, oidPACEPrefix) && required.tag == 0x02:
		v, err := parseUint(required.value)
		if err != nil {
			return fmt.Errorf("PACEInfo: version: %v", err)
		}
		id, err := optionalInt()
		if err != nil {
			return err
		}
		d.PACE = append(d.PACE, PACEInfo{Protocol: protocol, Version: v, ParameterID: id})
	default:
		d.Unknown = append(d.Unknown, protocol)
	}
	return nil
}

// BuildDG14 encodes EF.DG14 holding one ActiveAuthenticationInfo (version 1)
// naming the signature algorithm, such as ecdsa-with-SHA256
// (1.2.840.10045.4.3.2).
func BuildDG14(aaSigAlg asn1.ObjectIdentifier) ([]byte, error) {
	protocol, err := asn1.Marshal(oidOf(oidAA))
	if err != nil {
		return nil, fmt.Errorf("build dg14: %v", err)
	}
	alg, err := asn1.Marshal(aaSigAlg)
	if err != nil {
		return nil, fmt.Errorf("build dg14: signature algorithm %v: %v", aaSigAlg, err)
	}
	info := encode(0x30, protocol, encode(0x02, uintBytes(1)), alg)
	return encode(0x6E, encode(0x31, info)), nil
}

// AAHash returns the hash function of an ECDSA active authentication
// signature algorithm: ecdsa-with-SHA1 and ecdsa-with-SHA224/256/384/512
// (1.2.840.10045.4.1, 4.3.1–4.3.4, DER signatures) and BSI TR-03111
// ecdsa-plain-SHA1/224/256/384/512 (0.4.0.127.0.7.1.1.4.1.1–5, plain r‖s
// signatures). Other algorithms give an error wrapping ErrUnsupported.
func AAHash(sigAlg asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch sigAlg.String() {
	case "1.2.840.10045.4.1", "0.4.0.127.0.7.1.1.4.1.1":
		return crypto.SHA1, nil
	case "1.2.840.10045.4.3.1", "0.4.0.127.0.7.1.1.4.1.2":
		return crypto.SHA224, nil
	case "1.2.840.10045.4.3.2", "0.4.0.127.0.7.1.1.4.1.3":
		return crypto.SHA256, nil
	case "1.2.840.10045.4.3.3", "0.4.0.127.0.7.1.1.4.1.4":
		return crypto.SHA384, nil
	case "1.2.840.10045.4.3.4", "0.4.0.127.0.7.1.1.4.1.5":
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("active authentication signature algorithm %v: %w", sigAlg, ErrUnsupported)
}
