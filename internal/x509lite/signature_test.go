package x509lite

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	"github.com/vneid/vneid/internal/ec"
)

func TestAlgorithmIdentifierEncodings(t *testing.T) {
	for _, tc := range []struct {
		alg  AlgorithmIdentifier
		hex  string
		name string
		hash crypto.Hash
	}{
		{SHA256WithRSA(), "300d06092a864886f70d01010b0500", "sha256WithRSAEncryption", crypto.SHA256},
		{SHA512WithRSA(), "300d06092a864886f70d01010d0500", "sha512WithRSAEncryption", crypto.SHA512},
		{ECDSAWithSHA256(), "300a06082a8648ce3d040302", "ecdsa-with-SHA256", crypto.SHA256},
		{ECDSAWithSHA384(), "300a06082a8648ce3d040303", "ecdsa-with-SHA384", crypto.SHA384},
		{ECDSAWithSHA512(), "300a06082a8648ce3d040304", "ecdsa-with-SHA512", crypto.SHA512},
		{mustAlg(ECDSAPlain(crypto.SHA256)), "300c060a04007f00070101040103", "ecdsa-plain-SHA256", crypto.SHA256},
		{mustAlg(ECDSA(crypto.SHA1)), "300906072a8648ce3d0401", "ecdsa-with-SHA1", crypto.SHA1},
		// RFC 4055 section 2.1 / RFC 5754 encodings, as crypto/x509 writes them.
		{RSAPSSWithSHA256(), "304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120", "RSASSA-PSS(SHA-256, salt 32)", crypto.SHA256},
		{mustAlg(RSAPSS(crypto.SHA384, 48)), "304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130", "RSASSA-PSS(SHA-384, salt 48)", crypto.SHA384},
		// All defaults (SHA-1, MGF1-SHA-1, salt 20): an empty SEQUENCE.
		{mustAlg(RSAPSS(crypto.SHA1, 20)), "300d06092a864886f70d01010a3000", "RSASSA-PSS(SHA-1, salt 20)", crypto.SHA1},
	} {
		der, err := tc.alg.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(der); got != tc.hex {
			t.Errorf("%s encodes as %s, want %s", tc.name, got, tc.hex)
		}
		if tc.alg.String() != tc.name {
			t.Errorf("String() = %q, want %q", tc.alg.String(), tc.name)
		}
		if h, err := HashFor(tc.alg); err != nil || h != tc.hash {
			t.Errorf("%s: HashFor = %v, %v", tc.name, h, err)
		}
		// Parse back from DER.
		v, _ := single(der, "alg", classUniversal, tagSequence, true)
		back, err := parseAlgorithmIdentifier(v, "alg")
		if err != nil || !back.Equal(tc.alg) {
			t.Errorf("%s: parse back: %v", tc.name, err)
		}
	}
	for _, bad := range []func() (AlgorithmIdentifier, error){
		func() (AlgorithmIdentifier, error) { return RSAPSS(crypto.SHA256, 0) },
		func() (AlgorithmIdentifier, error) { return RSAPSS(crypto.MD5, 16) },
		func() (AlgorithmIdentifier, error) { return ECDSA(crypto.SHA3_256) },
		func() (AlgorithmIdentifier, error) { return RSAPKCS1v15(crypto.MD5) },
	} {
		if _, err := bad(); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("constructor error %v", err)
		}
	}
	unknown := AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 3, 4}}
	if unknown.String() != "1.2.3.4" {
		t.Errorf("unknown algorithm name %q", unknown.String())
	}
	if _, err := HashFor(unknown); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("HashFor(unknown): %v", err)
	}
}

func mustAlg(a AlgorithmIdentifier, err error) AlgorithmIdentifier {
	if err != nil {
		panic(err)
	}
	return a
}

// pssAlg builds RSASSA-PSS parameters by hand.
func pssAlg(parts ...[]byte) AlgorithmIdentifier {
	return AlgorithmIdentifier{Algorithm: oidRSASSAPSS(), Parameters: asn1.RawValue{FullBytes: derSequence(parts...)}}
}

func TestVerifySignatureErrors(t *testing.T) {
	msg := []byte("LDS security object")
	rsaPub, rsaPriv := newKey(t, "RSA")
	bpPub, bpPriv := newKey(t, "brainpoolP256r1")
	p256Pub, p256Priv := newKey(t, "ecdsa-P-256")
	sign := func(priv any, alg AlgorithmIdentifier) []byte {
		t.Helper()
		s, err := Sign(priv, alg, msg)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	flip := func(b []byte) []byte { b = bytes.Clone(b); b[len(b)/2] ^= 1; return b }
	plainBP := mustAlg(ECDSAPlain(crypto.SHA256))
	h256 := hashAlgorithmDER(crypto.SHA256)
	mgf := func(h crypto.Hash) []byte { return derSequence(mustOID(oidMGF1()), hashAlgorithmDER(h)) }
	weak := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 511), E: 65537}
	weak.N.Add(weak.N, big.NewInt(1))
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)

	for _, tc := range []struct {
		name string
		pub  any
		alg  AlgorithmIdentifier
		sig  []byte
		want error
	}{
		{"RSA PKCS1 ok", rsaPub, SHA256WithRSA(), sign(rsaPriv, SHA256WithRSA()), nil},
		{"RSA PSS ok", rsaPub, RSAPSSWithSHA512(), sign(rsaPriv, RSAPSSWithSHA512()), nil},
		{"RSA PSS SHA-1 defaults ok", rsaPub, mustAlg(RSAPSS(crypto.SHA1, 20)), sign(rsaPriv, mustAlg(RSAPSS(crypto.SHA1, 20))), nil},
		{"ECDSA brainpool ok", bpPub, ECDSAWithSHA256(), sign(bpPriv, ECDSAWithSHA256()), nil},
		{"ECDSA plain brainpool ok", bpPub, plainBP, sign(bpPriv, plainBP), nil},
		{"ECDSA crypto/ecdsa key ok", p256Pub, ECDSAWithSHA384(), sign(p256Priv, ECDSAWithSHA384()), nil},
		{"ECDSA plain P-256 ok", p256Pub, plainBP, sign(p256Priv, plainBP), nil},

		{"RSA PKCS1 bad", rsaPub, SHA256WithRSA(), flip(sign(rsaPriv, SHA256WithRSA())), ErrBadSignature},
		{"RSA PSS bad", rsaPub, RSAPSSWithSHA256(), flip(sign(rsaPriv, RSAPSSWithSHA256())), ErrBadSignature},
		{"RSA PSS wrong salt length", rsaPub, mustAlg(RSAPSS(crypto.SHA256, 20)), sign(rsaPriv, RSAPSSWithSHA256()), ErrBadSignature},
		{"RSA PKCS1 under PSS", rsaPub, RSAPSSWithSHA256(), sign(rsaPriv, SHA256WithRSA()), ErrBadSignature},
		{"ECDSA bad", bpPub, ECDSAWithSHA256(), flip(sign(bpPriv, ECDSAWithSHA256())), ErrBadSignature},
		{"ECDSA other hash", bpPub, ECDSAWithSHA512(), sign(bpPriv, ECDSAWithSHA256()), ErrBadSignature},
		{"ECDSA plain bad", bpPub, plainBP, flip(sign(bpPriv, plainBP)), ErrBadSignature},
		{"ECDSA DER under plain OID", bpPub, plainBP, sign(bpPriv, ECDSAWithSHA256()), ErrBadSignature},
		{"ECDSA plain under DER OID", bpPub, ECDSAWithSHA256(), sign(bpPriv, plainBP), ErrBadSignature},
		{"ECDSA empty", bpPub, ECDSAWithSHA256(), nil, ErrBadSignature},

		{"MD5 with RSA", rsaPub, AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}}, []byte{1}, ErrUnsupportedAlgorithm},
		{"Ed25519", edPub, AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 3, 101, 112}}, []byte{1}, ErrUnsupportedAlgorithm},
		{"PSS without parameters", rsaPub, AlgorithmIdentifier{Algorithm: oidRSASSAPSS()}, []byte{1}, ErrUnsupportedAlgorithm},
		{"PSS MGF1 hash differs", rsaPub, pssAlg(tlv(classContext, 0, true, h256), tlv(classContext, 1, true, mgf(crypto.SHA1))), []byte{1}, ErrUnsupportedAlgorithm},
		{"PSS trailer 2", rsaPub, pssAlg(tlv(classContext, 3, true, derSmallInt(2))), []byte{1}, ErrUnsupportedAlgorithm},
		{"PSS unknown MGF", rsaPub, pssAlg(tlv(classContext, 1, true, derSequence(mustOID(asn1.ObjectIdentifier{1, 2, 3}), h256))), []byte{1}, ErrUnsupportedAlgorithm},
		{"PSS MD5", rsaPub, pssAlg(tlv(classContext, 0, true, derSequence(mustOID(asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}), derNull()))), []byte{1}, ErrUnsupportedAlgorithm},
		{"PSS fields out of order", rsaPub, pssAlg(tlv(classContext, 2, true, derSmallInt(32)), tlv(classContext, 0, true, h256)), []byte{1}, ErrMalformed},
		{"PSS salt not explicit", rsaPub, pssAlg(tlv(classContext, 2, false, []byte{32})), []byte{1}, ErrMalformed},
		{"ECDSA with parameters", bpPub, AlgorithmIdentifier{Algorithm: ECDSAWithSHA256().Algorithm, Parameters: asn1.RawValue{FullBytes: derSmallInt(1)}}, []byte{1}, ErrUnsupportedAlgorithm},

		{"ECDSA algorithm, RSA key", rsaPub, ECDSAWithSHA256(), sign(bpPriv, ECDSAWithSHA256()), ErrKeyMismatch},
		{"RSA algorithm, EC key", bpPub, SHA256WithRSA(), sign(rsaPriv, SHA256WithRSA()), ErrKeyMismatch},
		{"PSS algorithm, EC key", p256Pub, RSAPSSWithSHA256(), sign(rsaPriv, RSAPSSWithSHA256()), ErrKeyMismatch},
		{"512-bit RSA", weak, SHA256WithRSA(), make([]byte, 64), ErrWeakKey},
		{"Ed25519 key", edPub, ECDSAWithSHA256(), []byte{1}, ErrUnsupportedKey},
		{"nil key", nil, ECDSAWithSHA256(), []byte{1}, ErrUnsupportedKey},
		{"off-curve key", &ec.PublicKey{Curve: ec.BrainpoolP256r1(), X: big.NewInt(1), Y: big.NewInt(2)}, ECDSAWithSHA256(), []byte{1}, ErrUnsupportedKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.pub, tc.alg, msg, tc.sig)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, other := range []error{ErrBadSignature, ErrUnsupportedAlgorithm, ErrKeyMismatch, ErrWeakKey, ErrUnsupportedKey, ErrMalformed} {
				if other != tc.want && errors.Is(err, other) {
					t.Fatalf("err %v also matches %v", err, other)
				}
			}
		})
	}
}

func TestSignErrors(t *testing.T) {
	_, rsaPriv := newKey(t, "RSA")
	_, bpPriv := newKey(t, "brainpoolP256r1")
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := Sign(rsaPriv, ECDSAWithSHA256(), nil); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("RSA key, ECDSA algorithm: %v", err)
	}
	if _, err := Sign(bpPriv, SHA256WithRSA(), nil); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("EC key, RSA algorithm: %v", err)
	}
	if _, err := Sign(edPriv, ECDSAWithSHA256(), nil); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("Ed25519: %v", err)
	}
	zeroSalt := pssAlg(tlv(classContext, 0, true, hashAlgorithmDER(crypto.SHA256)),
		tlv(classContext, 1, true, derSequence(mustOID(oidMGF1()), hashAlgorithmDER(crypto.SHA256))),
		tlv(classContext, 2, true, derSmallInt(0)))
	if _, err := Sign(rsaPriv, zeroSalt, nil); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Errorf("PSS salt 0: %v", err)
	}
	if _, err := DefaultSignatureAlgorithm(edPriv); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("DefaultSignatureAlgorithm(Ed25519): %v", err)
	}
	for kind, want := range map[string]string{
		"brainpoolP224r1": "ecdsa-with-SHA256", "P-256": "ecdsa-with-SHA256", "brainpoolP320r1": "ecdsa-with-SHA384",
		"P-384": "ecdsa-with-SHA384", "brainpoolP512r1": "ecdsa-with-SHA512", "P-521": "ecdsa-with-SHA512", "RSA": "sha256WithRSAEncryption",
	} {
		pub, priv := newKey(t, kind)
		a1, err1 := DefaultSignatureAlgorithm(pub)
		a2, err2 := DefaultSignatureAlgorithm(priv)
		if err1 != nil || err2 != nil || a1.String() != want || !a1.Equal(a2) {
			t.Errorf("%s: default %s / %s, want %s (%v %v)", kind, a1, a2, want, err1, err2)
		}
	}
}

// explicitDomain is the pieces of a SpecifiedECDomain, for error tests.
type explicitDomain struct {
	version, fieldID, curve, base, order, cofactor, extra []byte
}

func explicitSPKI(c *ec.Curve, point []byte, mod func(*explicitDomain)) []byte {
	n := c.ByteLen()
	d := &explicitDomain{
		version:  derSmallInt(1),
		fieldID:  derSequence(mustOID(oidPrimeField()), derInteger(c.P)),
		curve:    derSequence(derOctetString(c.A.FillBytes(make([]byte, n))), derOctetString(c.B.FillBytes(make([]byte, n)))),
		base:     derOctetString(c.Marshal(c.Gx, c.Gy)),
		order:    derInteger(c.N),
		cofactor: derSmallInt(1),
	}
	if mod != nil {
		mod(d)
	}
	params := derSequence(d.version, d.fieldID, d.curve, d.base, d.order, d.cofactor, d.extra)
	return derSequence(derSequence(mustOID(oidECPublicKey()), params), derBitString(point))
}

func TestParsePublicKey(t *testing.T) {
	// Every known curve, named and explicit, round-trips.
	for _, c := range ec.Known() {
		k, _ := ec.GenerateKey(c, nil)
		for _, explicit := range []bool{false, true} {
			der, err := MarshalPublicKey(&k.PublicKey, explicit)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParsePublicKey(der)
			if err != nil {
				t.Fatalf("%s explicit=%v: %v", c, explicit, err)
			}
			if pk, ok := got.(*ec.PublicKey); !ok || pk.Curve != c || !pk.Equal(&k.PublicKey) {
				t.Fatalf("%s explicit=%v: got %v", c, explicit, got)
			}
		}
		// Compressed base point and key, seed present: still recognised.
		der := explicitSPKI(c, c.MarshalCompressed(k.X, k.Y), func(d *explicitDomain) {
			d.base = derOctetString(c.MarshalCompressed(c.Gx, c.Gy))
			d.curve = derSequence(derOctetString(c.A.Bytes()), derOctetString(c.B.Bytes()), tlv(classUniversal, tagBitString, false, []byte{0, 1, 2}))
		})
		if got, err := ParsePublicKey(der); err != nil || !got.(*ec.PublicKey).Equal(&k.PublicKey) {
			t.Fatalf("%s compressed explicit: %v", c, err)
		}
	}
	// NIST named keys are byte-identical to crypto/x509's encoding.
	_, p256 := newKey(t, "ecdsa-P-256")
	pub := p256.(interface{ Public() crypto.PublicKey }).Public()
	want, _ := x509.MarshalPKIXPublicKey(pub)
	if got, err := MarshalPublicKey(pub, false); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("P-256 SPKI differs from crypto/x509: %v", err)
	}
	rsaPub, _ := newKey(t, "RSA")
	want, _ = x509.MarshalPKIXPublicKey(rsaPub)
	if got, err := MarshalPublicKey(rsaPub, true); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("RSA SPKI differs from crypto/x509: %v", err)
	}
	if got, err := ParsePublicKey(want); err != nil || !got.(*rsa.PublicKey).Equal(rsaPub) {
		t.Fatalf("RSA SPKI: %v", err)
	}

	c := ec.BrainpoolP512r1()
	k, _ := ec.GenerateKey(c, nil)
	point := k.Bytes()
	otherB := new(big.Int).Add(c.B, big.NewInt(1))
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	edSPKI, _ := x509.MarshalPKIXPublicKey(edPub)
	rsaSPKI, _ := x509.MarshalPKIXPublicKey(rsaPub)
	for _, tc := range []struct {
		name string
		der  []byte
		want error
	}{
		{"explicit ok", explicitSPKI(c, point, nil), nil},
		{"no cofactor", explicitSPKI(c, point, func(d *explicitDomain) { d.cofactor = nil }), nil},
		{"other b", explicitSPKI(c, point, func(d *explicitDomain) {
			d.curve = derSequence(derOctetString(c.A.Bytes()), derOctetString(otherB.Bytes()))
		}), ErrUnknownCurve},
		{"other order", explicitSPKI(c, point, func(d *explicitDomain) { d.order = derInteger(new(big.Int).Sub(c.N, big.NewInt(2))) }), ErrUnknownCurve},
		{"cofactor 2", explicitSPKI(c, point, func(d *explicitDomain) { d.cofactor = derSmallInt(2) }), ErrUnknownCurve},
		{"characteristic two", explicitSPKI(c, point, func(d *explicitDomain) {
			d.fieldID = derSequence(mustOID(asn1.ObjectIdentifier{1, 2, 840, 10045, 1, 2}), derNull())
		}), ErrUnknownCurve},
		{"base off curve", explicitSPKI(c, point, func(d *explicitDomain) {
			b := c.Marshal(c.Gx, c.Gy)
			b[len(b)-1] ^= 1
			d.base = derOctetString(b)
		}), ErrUnknownCurve},
		{"version 2", explicitSPKI(c, point, func(d *explicitDomain) { d.version = derSmallInt(2) }), ErrUnsupportedKey},
		{"a longer than the field", explicitSPKI(c, point, func(d *explicitDomain) {
			d.curve = derSequence(derOctetString(append([]byte{0}, c.A.FillBytes(make([]byte, 64))...)), derOctetString(c.B.Bytes()))
		}), ErrMalformed},
		{"a not reduced", explicitSPKI(c, point, func(d *explicitDomain) {
			d.curve = derSequence(derOctetString(c.P.Bytes()), derOctetString(c.B.Bytes()))
		}), ErrMalformed},
		{"extra element", explicitSPKI(c, point, func(d *explicitDomain) { d.extra = derNull() }), ErrMalformed},
		{"point off curve", explicitSPKI(c, append(bytes.Clone(point[:len(point)-1]), point[len(point)-1]^1), nil), ErrMalformed},
		{"point on another curve", explicitSPKI(c, ec.P256().Marshal(ec.P256().Gx, ec.P256().Gy), nil), ErrMalformed},
		{"implicitCA", derSequence(derSequence(mustOID(oidECPublicKey()), derNull()), derBitString(point)), ErrUnsupportedKey},
		{"no parameters", derSequence(derSequence(mustOID(oidECPublicKey())), derBitString(point)), ErrMalformed},
		{"secp256k1", derSequence(derSequence(mustOID(oidECPublicKey()), mustOID(asn1.ObjectIdentifier{1, 3, 132, 0, 10})), derBitString(point)), ErrUnknownCurve},
		{"Ed25519", edSPKI, ErrUnsupportedKey},
		{"RSA trailing data", append(bytes.Clone(rsaSPKI), 0), ErrMalformed},
		{"RSA truncated", rsaSPKI[:len(rsaSPKI)-3], ErrMalformed},
		{"RSA with parameters", derSequence(derSequence(mustOID(oidRSAEncryption()), derSmallInt(0)), derBitString(derSequence(derSmallInt(65), derSmallInt(3)))), ErrMalformed},
		{"RSA even exponent", derSequence(derSequence(mustOID(oidRSAEncryption()), derNull()), derBitString(derSequence(derSmallInt(65), derSmallInt(4)))), ErrMalformed},
		{"RSA negative modulus", derSequence(derSequence(mustOID(oidRSAEncryption()), derNull()), derBitString(derSequence(derSmallInt(-65), derSmallInt(3)))), ErrMalformed},
		{"RSA-PSS key", derSequence(derSequence(mustOID(oidRSASSAPSS())), derBitString(derSequence(derSmallInt(65), derSmallInt(3)))), nil},
		{"key bits not octets", derSequence(derSequence(mustOID(oidRSAEncryption()), derNull()), tlv(classUniversal, tagBitString, false, []byte{1, 0x30, 0x02})), ErrMalformed},
		{"empty", nil, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePublicKey(tc.der)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}

	// Keys the encoder refuses.
	custom := *c
	custom.B = otherB
	if _, err := MarshalPublicKey(&ec.PublicKey{Curve: &custom, X: k.X, Y: k.Y}, true); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("point not on the curve: %v", err)
	}
	custom = *c
	custom.H = 2
	if _, err := MarshalPublicKey(&ec.PublicKey{Curve: &custom, X: k.X, Y: k.Y}, false); !errors.Is(err, ErrUnknownCurve) {
		t.Fatalf("unknown curve: %v", err)
	}
	if _, err := MarshalPublicKey(edPub, false); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("Ed25519: %v", err)
	}
}
