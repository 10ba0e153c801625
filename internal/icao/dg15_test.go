package icao

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"testing"
)

func ecSPKI(t testing.TB) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// explicitSPKI is the outline of an EC key with explicit curve parameters, as
// brainpool keys on chips carry them.
func explicitSPKI() []byte {
	ecPublicKey, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1})
	params := encode(0x30, encode(0x02, []byte{1}), encode(0x30, encode(0x06, []byte{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x01, 0x01}), encode(0x02, bytes.Repeat([]byte{0x7F}, 64))))
	point := append([]byte{0x00, 0x04}, bytes.Repeat([]byte{0x11}, 128)...)
	return encode(0x30, encode(0x30, ecPublicKey, params), encode(0x03, point))
}

func TestParseDG15(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaSPKI, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, spki := range map[string][]byte{"P-256": ecSPKI(t), "RSA": rsaSPKI, "explicit parameters": explicitSPKI()} {
		b := BuildDG15(spki)
		if b[0] != 0x6F {
			t.Fatalf("%s: tag %02X", name, b[0])
		}
		got, err := ParseDG15(b)
		if err != nil || !bytes.Equal(got.SubjectPublicKeyInfo, spki) {
			t.Errorf("%s: ParseDG15 = %X, %v", name, got.SubjectPublicKeyInfo, err)
			continue
		}
		// The result does not alias the input.
		got.SubjectPublicKeyInfo[0] = 0
		if b[len(b)-len(spki)] != 0x30 {
			t.Errorf("%s: result aliases the input", name)
		}
	}
}

func TestParseDG15Errors(t *testing.T) {
	spki := ecSPKI(t)
	good := BuildDG15(spki)
	ecPublicKey, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1})
	point := encode(0x03, []byte{0x00, 0x04, 1, 2})
	alg := encode(0x30, ecPublicKey)
	for name, b := range map[string][]byte{
		"empty":                nil,
		"wrong tag":            append([]byte{0x6E}, good[1:]...),
		"trailing":             append(append([]byte{}, good...), 0),
		"truncated":            good[:len(good)-1],
		"bad length":           append([]byte{0x6F, 0x81, 0xFF}, good[2:]...),
		"empty group":          {0x6F, 0x00},
		"two keys":             BuildDG15(append(append([]byte{}, spki...), spki...)),
		"not a SEQUENCE":       BuildDG15(encode(0x31, alg, point)),
		"no BIT STRING":        BuildDG15(encode(0x30, alg)),
		"OCTET STRING key":     BuildDG15(encode(0x30, alg, encode(0x04, []byte{0, 4}))),
		"extra element":        BuildDG15(encode(0x30, alg, point, encode(0x05, nil))),
		"algorithm no OID":     BuildDG15(encode(0x30, encode(0x30, encode(0x05, nil)), point)),
		"algorithm empty":      BuildDG15(encode(0x30, encode(0x30), point)),
		"algorithm 3 elements": BuildDG15(encode(0x30, encode(0x30, ecPublicKey, encode(0x05, nil), encode(0x05, nil)), point)),
		"bad OID":              BuildDG15(encode(0x30, encode(0x30, encode(0x06, []byte{0x2A, 0x86})), point)),
		"unused bits":          BuildDG15(encode(0x30, alg, encode(0x03, []byte{0x03, 0x04, 1, 2}))),
		"empty BIT STRING":     BuildDG15(encode(0x30, alg, encode(0x03, []byte{0x00}))),
		"inner overrun":        BuildDG15([]byte{0x30, 0x10, 0x30, 0x00}),
	} {
		if _, err := ParseDG15(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParseDG15(f *testing.F) {
	f.Add(BuildDG15(ecSPKI(f)))
	f.Add(BuildDG15(explicitSPKI()))
	f.Add([]byte{0x6F, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG15(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := ParseDG15(BuildDG15(d.SubjectPublicKeyInfo))
		if err != nil || !bytes.Equal(again.SubjectPublicKeyInfo, d.SubjectPublicKeyInfo) {
			t.Fatalf("rebuilt key differs: %v", err)
		}
	})
}
