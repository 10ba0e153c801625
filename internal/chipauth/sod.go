// Package chipauth verifies what a phone reads from a chip ID card, as ICAO
// Doc 9303 Part 11 defines it: passive authentication (the document
// security object EF.SOD, signed by a document signer that chains to a
// trusted CSCA, and the hash of every data group) and active authentication
// (the chip's signature over a server challenge with the DG15 key, the only
// proof that a live chip, not a copy of its files, was present). It also
// keeps the trust list of CSCA certificates and CRLs.
package chipauth

import (
	"crypto"
	"encoding/asn1"
	"fmt"

	"github.com/vneid/vneid/internal/cms"
)

// Object identifiers of Doc 9303.
var (
	// OIDLDSSecurityObject is the eContentType of EF.SOD.
	OIDLDSSecurityObject = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 1}
	// OIDCscaMasterList is the eContentType of an ICAO master list.
	OIDCscaMasterList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 2}
)

// SOD is a parsed EF.SOD.
type SOD struct {
	SignedData *cms.SignedData
	// Version of the LDSSecurityObject (0 or 1).
	Version int
	// Hash is the hash of the data-group hashes.
	Hash crypto.Hash
	// Hashes maps data-group number to its hash.
	Hashes map[int][]byte
	// LDSVersion and UnicodeVersion are set for version 1.
	LDSVersion, UnicodeVersion string
}

type ldsSecurityObject struct {
	Version       int
	HashAlgorithm struct {
		Algorithm  asn1.ObjectIdentifier
		Parameters asn1.RawValue `asn1:"optional"`
	}
	DataGroupHashValues []dataGroupHash
	LDSVersionInfo      ldsVersionInfo `asn1:"optional"`
}

type dataGroupHash struct {
	Number int
	Hash   []byte
}

type ldsVersionInfo struct {
	LDSVersion     string `asn1:"printable"`
	UnicodeVersion string `asn1:"printable"`
}

// ParseSOD parses EF.SOD: tag 0x77 around a CMS SignedData whose content is
// an LDSSecurityObject. It checks structure only; Verify judges it.
func ParseSOD(b []byte) (*SOD, error) {
	fail := func(format string, a ...any) (*SOD, error) {
		return nil, &Failure{Reason: ReasonSODMalformed, Detail: fmt.Sprintf(format, a...)}
	}
	var outer asn1.RawValue
	rest, err := asn1.Unmarshal(b, &outer)
	if err != nil {
		return fail("%v", err)
	}
	if len(rest) != 0 {
		return fail("%d bytes after EF.SOD", len(rest))
	}
	if outer.Class != asn1.ClassApplication || outer.Tag != 23 || !outer.IsCompound {
		return fail("tag is not 0x77")
	}
	sd, err := cms.ParseSignedData(outer.Bytes)
	if err != nil {
		return fail("%v", err)
	}
	if !sd.ContentType.Equal(OIDLDSSecurityObject) {
		return nil, &Failure{Reason: ReasonSODContentType, Detail: fmt.Sprintf("eContentType %v, want %v", sd.ContentType, OIDLDSSecurityObject)}
	}
	var lds ldsSecurityObject
	rest, err = asn1.Unmarshal(sd.Content, &lds)
	if err != nil {
		return fail("LDSSecurityObject: %v", err)
	}
	if len(rest) != 0 {
		return fail("LDSSecurityObject: trailing bytes")
	}
	if lds.Version != 0 && lds.Version != 1 {
		return fail("LDSSecurityObject version %d", lds.Version)
	}
	h, err := cms.DigestHash(lds.HashAlgorithm.Algorithm)
	if err != nil {
		return fail("%v", err)
	}
	if n := len(lds.DataGroupHashValues); n < 2 || n > 16 {
		return fail("%d data-group hashes, want 2 to 16", n)
	}
	sod := &SOD{SignedData: sd, Version: lds.Version, Hash: h, Hashes: map[int][]byte{},
		LDSVersion: lds.LDSVersionInfo.LDSVersion, UnicodeVersion: lds.LDSVersionInfo.UnicodeVersion}
	for _, dg := range lds.DataGroupHashValues {
		if dg.Number < 1 || dg.Number > 16 {
			return fail("data-group number %d", dg.Number)
		}
		if _, dup := sod.Hashes[dg.Number]; dup {
			return fail("data group %d listed twice", dg.Number)
		}
		if len(dg.Hash) != h.Size() {
			return fail("data group %d: %d-byte hash, want %d", dg.Number, len(dg.Hash), h.Size())
		}
		sod.Hashes[dg.Number] = dg.Hash
	}
	return sod, nil
}

// BuildLDSSecurityObject encodes an LDSSecurityObject (version 0) over the
// given data groups, for the test kit.
func BuildLDSSecurityObject(h crypto.Hash, groups map[int][]byte) ([]byte, error) {
	oid, err := cms.DigestOID(h)
	if err != nil {
		return nil, err
	}
	type algID struct{ Algorithm asn1.ObjectIdentifier }
	type lds0 struct {
		Version             int
		HashAlgorithm       algID
		DataGroupHashValues []dataGroupHash
	}
	v := lds0{HashAlgorithm: algID{oid}}
	for n := 1; n <= 16; n++ {
		b, ok := groups[n]
		if !ok {
			continue
		}
		d := h.New()
		d.Write(b)
		v.DataGroupHashValues = append(v.DataGroupHashValues, dataGroupHash{Number: n, Hash: d.Sum(nil)})
	}
	out, err := asn1.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("chipauth: lds security object: %w", err)
	}
	return out, nil
}

// WrapSOD puts a SignedData ContentInfo under EF.SOD's tag 0x77.
func WrapSOD(signedData []byte) ([]byte, error) {
	out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassApplication, Tag: 23, IsCompound: true, Bytes: signedData})
	if err != nil {
		return nil, fmt.Errorf("chipauth: wrap sod: %w", err)
	}
	return out, nil
}
