package icao

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"reflect"
	"testing"
)

func oidTLV(s string) []byte {
	b, err := asn1.Marshal(oidOf(s))
	if err != nil {
		panic(err)
	}
	return b
}

func intTLV(n int) []byte { return encode(0x02, uintBytes(n)) }

func securityInfo(parts ...[]byte) []byte { return encode(0x30, parts...) }

func dg14Of(infos ...[]byte) []byte { return encode(0x6E, encode(0x31, infos...)) }

// fullDG14 has one SecurityInfo of each kind a chip carries.
func fullDG14(t testing.TB) ([]byte, []byte) {
	spki := ecSPKI(t)
	return dg14Of(
		securityInfo(oidTLV("0.4.0.127.0.7.2.2.1.2"), spki, intTLV(1)),               // ChipAuthenticationPublicKeyInfo, id-PK-ECDH
		securityInfo(oidTLV("0.4.0.127.0.7.2.2.3.2.4"), intTLV(1), intTLV(1)),        // ChipAuthenticationInfo, id-CA-ECDH-AES-CBC-CMAC-256
		securityInfo(oidTLV("0.4.0.127.0.7.2.2.3.1.1"), intTLV(1)),                   // id-CA-DH-3DES-CBC-CBC, no key ID
		securityInfo(oidTLV("0.4.0.127.0.7.2.2.4.2.2"), intTLV(2), intTLV(13)),       // PACEInfo, ECDH-GM-AES-128, brainpoolP256r1
		securityInfo(oidTLV("0.4.0.127.0.7.2.2.4.2"), securityInfo(oidTLV("1.2.3"))), // PACEDomainParameterInfo
		securityInfo(oidTLV("0.4.0.127.0.7.2.2.2"), intTLV(1)),                       // TerminalAuthenticationInfo
		securityInfo(oidTLV(oidAA), intTLV(1), oidTLV("0.4.0.127.0.7.1.1.4.1.3")),    // ActiveAuthenticationInfo
	), spki
}

func TestParseDG14(t *testing.T) {
	b, err := BuildDG14(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := dg14Of(securityInfo(oidTLV("2.23.136.1.1.5"), intTLV(1), oidTLV("1.2.840.10045.4.3.2")))
	if string(b) != string(want) {
		t.Errorf("BuildDG14 = % X\nwant        % X", b, want)
	}
	d, err := ParseDG14(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, DG14{ActiveAuthentication: &AAInfo{Version: 1, SignatureAlgorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}}}) {
		t.Errorf("ParseDG14 = %+v", d)
	}

	full, spki := fullDG14(t)
	d, err = ParseDG14(full)
	if err != nil {
		t.Fatal(err)
	}
	one, thirteen := 1, 13
	wantFull := DG14{
		ActiveAuthentication: &AAInfo{Version: 1, SignatureAlgorithm: oidOf("0.4.0.127.0.7.1.1.4.1.3")},
		ChipAuthentication: []ChipAuthInfo{
			{Protocol: oidOf("0.4.0.127.0.7.2.2.3.2.4"), Version: 1, KeyID: &one},
			{Protocol: oidOf("0.4.0.127.0.7.2.2.3.1.1"), Version: 1},
		},
		ChipAuthenticationPublicKeys: []ChipAuthPublicKeyInfo{{Protocol: oidOf("0.4.0.127.0.7.2.2.1.2"), SubjectPublicKeyInfo: spki, KeyID: &one}},
		PACE:                         []PACEInfo{{Protocol: oidOf("0.4.0.127.0.7.2.2.4.2.2"), Version: 2, ParameterID: &thirteen}},
		Unknown:                      []asn1.ObjectIdentifier{oidOf("0.4.0.127.0.7.2.2.4.2"), oidOf("0.4.0.127.0.7.2.2.2")},
	}
	if !reflect.DeepEqual(d, wantFull) {
		t.Errorf("ParseDG14 = %+v\nwant %+v", d, wantFull)
	}
	h, err := AAHash(d.ActiveAuthentication.SignatureAlgorithm)
	if err != nil || h != crypto.SHA256 {
		t.Errorf("AAHash = %v, %v", h, err)
	}
}

func TestParseDG14Errors(t *testing.T) {
	good, _ := BuildDG14(asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2})
	aa := securityInfo(oidTLV(oidAA), intTLV(1), oidTLV("1.2.840.10045.4.3.2"))
	for name, b := range map[string][]byte{
		"empty":              nil,
		"wrong tag":          append([]byte{0x6F}, good[1:]...),
		"trailing":           append(append([]byte{}, good...), 0),
		"truncated":          good[:len(good)-1],
		"bad length":         append([]byte{0x6E, 0x7F}, good[2:]...),
		"indefinite":         append(append([]byte{0x6E, 0x80}, good[2:]...), 0, 0),
		"empty set":          dg14Of(),
		"SEQUENCE not SET":   encode(0x6E, encode(0x30, aa)),
		"two sets":           encode(0x6E, encode(0x31, aa), encode(0x31, aa)),
		"info not SEQUENCE":  dg14Of(encode(0x31, oidTLV(oidAA), intTLV(1))),
		"protocol only":      dg14Of(securityInfo(oidTLV(oidAA))),
		"four elements":      dg14Of(securityInfo(oidTLV("1.2.3"), intTLV(1), intTLV(1), intTLV(1))),
		"protocol not OID":   dg14Of(securityInfo(intTLV(1), intTLV(1))),
		"bad protocol OID":   dg14Of(securityInfo(encode(0x06, []byte{0x2A, 0x80, 0x01}), intTLV(1))),
		"two AA infos":       dg14Of(aa, aa),
		"AA version 2":       dg14Of(securityInfo(oidTLV(oidAA), intTLV(2), oidTLV("1.2.840.10045.4.3.2"))),
		"AA version OID":     dg14Of(securityInfo(oidTLV(oidAA), oidTLV("1.2"), oidTLV("1.2.840.10045.4.3.2"))),
		"AA no algorithm":    dg14Of(securityInfo(oidTLV(oidAA), intTLV(1))),
		"AA INTEGER alg":     dg14Of(securityInfo(oidTLV(oidAA), intTLV(1), intTLV(5))),
		"AA bad alg OID":     dg14Of(securityInfo(oidTLV(oidAA), intTLV(1), encode(0x06, nil))),
		"CA negative keyId":  dg14Of(securityInfo(oidTLV("0.4.0.127.0.7.2.2.3.2.4"), intTLV(1), encode(0x02, []byte{0xFF}))),
		"CA keyId string":    dg14Of(securityInfo(oidTLV("0.4.0.127.0.7.2.2.3.2.4"), intTLV(1), encode(0x0C, []byte("1")))),
		"CA empty version":   dg14Of(securityInfo(oidTLV("0.4.0.127.0.7.2.2.3.2.4"), encode(0x02, nil))),
		"PACE bad paramId":   dg14Of(securityInfo(oidTLV("0.4.0.127.0.7.2.2.4.2.2"), intTLV(2), encode(0x02, []byte{0, 1}))),
		"PK not a key":       dg14Of(securityInfo(oidTLV("0.4.0.127.0.7.2.2.1.2"), intTLV(1))),
		"PK bad key":         dg14Of(securityInfo(oidTLV("0.4.0.127.0.7.2.2.1.2"), encode(0x30, encode(0x30)))),
		"PK keyId OID":       dg14Of(securityInfo(oidTLV("0.4.0.127.0.7.2.2.1.2"), ecSPKI(t), oidTLV("1.2"))),
		"inner overrun":      dg14Of([]byte{0x30, 0x05, 0x06, 0x01}),
		"info length 84 big": dg14Of([]byte{0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}),
	} {
		if _, err := ParseDG14(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
	if _, err := BuildDG14(asn1.ObjectIdentifier{7}); err == nil {
		t.Error("BuildDG14 accepted a one-arc OID")
	}
}

func TestAAHash(t *testing.T) {
	for s, want := range map[string]crypto.Hash{
		"1.2.840.10045.4.1": crypto.SHA1, "1.2.840.10045.4.3.1": crypto.SHA224, "1.2.840.10045.4.3.2": crypto.SHA256,
		"1.2.840.10045.4.3.3": crypto.SHA384, "1.2.840.10045.4.3.4": crypto.SHA512,
		"0.4.0.127.0.7.1.1.4.1.1": crypto.SHA1, "0.4.0.127.0.7.1.1.4.1.2": crypto.SHA224, "0.4.0.127.0.7.1.1.4.1.3": crypto.SHA256,
		"0.4.0.127.0.7.1.1.4.1.4": crypto.SHA384, "0.4.0.127.0.7.1.1.4.1.5": crypto.SHA512,
	} {
		if got, err := AAHash(oidOf(s)); err != nil || got != want {
			t.Errorf("AAHash(%s) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"1.2.840.113549.1.1.11", "0.4.0.127.0.7.1.1.4.1.6", "1.2.840.10045.4.3"} {
		if _, err := AAHash(oidOf(s)); !errors.Is(err, ErrUnsupported) {
			t.Errorf("AAHash(%s): err = %v, want ErrUnsupported", s, err)
		}
	}
	if _, err := AAHash(nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("AAHash(nil): err = %v", err)
	}
}

func FuzzParseDG14(f *testing.F) {
	for _, alg := range []string{"1.2.840.10045.4.3.2", "0.4.0.127.0.7.1.1.4.1.4"} {
		b, err := BuildDG14(oidOf(alg))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	full, _ := fullDG14(f)
	f.Add(full)
	f.Add([]byte{0x6E, 0x02, 0x31, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG14(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if aa := d.ActiveAuthentication; aa != nil {
			if aa.Version != 1 || len(aa.SignatureAlgorithm) < 2 {
				t.Fatalf("accepted %+v", aa)
			}
			if _, err := ParseDG14(mustBuildDG14(t, aa.SignatureAlgorithm)); err != nil {
				t.Fatalf("rebuilt: %v", err)
			}
		}
	})
}

func mustBuildDG14(t *testing.T, alg asn1.ObjectIdentifier) []byte {
	b, err := BuildDG14(alg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
