package ec

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	_ "crypto/sha256" // registers SHA-224/256
	_ "crypto/sha512" // registers SHA-384/512
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var hashByName = map[string]crypto.Hash{
	"sha224": crypto.SHA224, "sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512,
}

func digest(h crypto.Hash, msg []byte) []byte {
	hh := h.New()
	hh.Write(msg)
	return hh.Sum(nil)
}

// TestOpenSSLVectors checks fixed vectors produced once by OpenSSL: the
// public key of a private scalar, an ECDH shared x-coordinate (ScalarMult on
// a point other than G) and the verification of an OpenSSL signature.
func TestOpenSSLVectors(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "openssl-vectors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	seen := map[string]bool{}
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 8 {
			t.Fatalf("bad vector line %q", line)
		}
		name := map[string]string{"prime256v1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[fs[0]]
		if name == "" {
			name = fs[0]
		}
		c := ByName(name)
		if c == nil {
			t.Fatalf("unknown curve %s", fs[0])
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			d := new(big.Int).SetBytes(mustDecodeHex(t, fs[1]))
			priv, err := NewPrivateKey(c, d)
			if err != nil {
				t.Fatal(err)
			}
			if got := priv.Bytes(); !bytes.Equal(got, mustDecodeHex(t, fs[2])) {
				t.Fatalf("public key\n got %x\nwant %s", got, fs[2])
			}
			// The math/big path too, also on NIST curves.
			qx, _ := c.ScalarBaseMult(d)
			if qx.Cmp(priv.X) != 0 {
				t.Fatal("ScalarBaseMult disagrees with NewPrivateKey")
			}
			px, py, err := c.Unmarshal(mustDecodeHex(t, fs[3]))
			if err != nil {
				t.Fatal(err)
			}
			zx, _ := c.ScalarMult(px, py, d)
			if got := zx.FillBytes(make([]byte, c.ByteLen())); !bytes.Equal(got, mustDecodeHex(t, fs[4])) {
				t.Fatalf("shared secret\n got %x\nwant %s", got, fs[4])
			}
			h := hashByName[fs[5]]
			r, s, err := ParseDER(mustDecodeHex(t, fs[7]))
			if err != nil {
				t.Fatal(err)
			}
			dg := digest(h, mustDecodeHex(t, fs[6]))
			if !Verify(&priv.PublicKey, dg, r, s) {
				t.Fatal("OpenSSL signature does not verify")
			}
			if c.stdCurve() == nil {
				return
			}
			// Also through the math/big path on NIST curves.
			if !verifyMathBig(&priv.PublicKey, dg, r, s) {
				t.Fatal("OpenSSL signature does not verify with the math/big path")
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(seen) != len(Known()) {
		t.Fatalf("vectors cover %d curves, want %d", len(seen), len(Known()))
	}
}

// verifyMathBig runs the math/big verification path whatever the curve
// (Verify delegates NIST curves to crypto/ecdsa).
func verifyMathBig(pub *PublicKey, dg []byte, r, s *big.Int) bool {
	c := pub.Curve
	e := hashToInt(dg, c.N)
	w := new(big.Int).ModInverse(s, c.N)
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, c.N)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, c.N)
	x, y := c.combinedMult(pub.X, pub.Y, u1, u2)
	if IsInfinity(x, y) {
		return false
	}
	return x.Mod(x, c.N).Cmp(r) == 0
}

func TestSignVerify(t *testing.T) {
	hashes := []crypto.Hash{crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512}
	for _, c := range Known() {
		t.Run(c.Name, func(t *testing.T) {
			priv, err := GenerateKey(c, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := priv.Validate(); err != nil {
				t.Fatal(err)
			}
			other, _ := GenerateKey(c, rand.Reader)
			for _, h := range hashes {
				dg := digest(h, []byte("message "+h.String()))
				r, s, err := Sign(rand.Reader, priv, dg)
				if err != nil {
					t.Fatal(err)
				}
				if !Verify(&priv.PublicKey, dg, r, s) {
					t.Fatalf("%v: signature does not verify", h)
				}
				if !verifyMathBig(&priv.PublicKey, dg, r, s) {
					t.Fatalf("%v: signature does not verify with the math/big path", h)
				}
				bad := bytes.Clone(dg)
				bad[0] ^= 0x80
				nplus := new(big.Int).Add(r, c.N)
				for name, ok := range map[string]bool{
					"tampered digest": Verify(&priv.PublicKey, bad, r, s),
					"other key":       Verify(&other.PublicKey, dg, r, s),
					"r+1":             Verify(&priv.PublicKey, dg, new(big.Int).Add(r, big.NewInt(1)), s),
					"swapped":         Verify(&priv.PublicKey, dg, s, r),
					"r+N":             Verify(&priv.PublicKey, dg, nplus, s),
					"zero s":          Verify(&priv.PublicKey, dg, r, new(big.Int)),
					"negative r":      Verify(&priv.PublicKey, dg, new(big.Int).Neg(r), s),
					"nil r":           Verify(&priv.PublicKey, dg, nil, s),
					"nil key":         Verify(nil, dg, r, s),
					"infinity key":    Verify(&PublicKey{Curve: c, X: new(big.Int), Y: new(big.Int)}, dg, r, s),
				} {
					if ok {
						t.Errorf("%v: %s verified", h, name)
					}
				}
			}
			// crypto.Signer returns DER.
			dg := digest(crypto.SHA256, []byte("signer"))
			der, err := priv.Sign(rand.Reader, dg, crypto.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			r, s, err := ParseDER(der)
			if err != nil || !Verify(&priv.PublicKey, dg, r, s) {
				t.Fatalf("crypto.Signer signature: err=%v", err)
			}
			if !priv.Equal(priv) || priv.Equal(other) || !priv.PublicKey.Equal(priv.Public()) {
				t.Fatal("Equal is wrong")
			}
		})
	}
}

// TestHashTruncation signs a SHA-512 digest on a 256-bit curve and checks
// that the leftmost bits are what counts (SEC 1), interoperably with
// crypto/ecdsa.
func TestHashTruncation(t *testing.T) {
	priv, _ := GenerateKey(P256(), nil)
	dg := digest(crypto.SHA512, []byte("long digest"))
	r, s, err := Sign(nil, priv, dg)
	if err != nil {
		t.Fatal(err)
	}
	if !verifyMathBig(&priv.PublicKey, dg, r, s) || !verifyMathBig(&priv.PublicKey, dg[:32], r, s) {
		t.Fatal("math/big path does not truncate like crypto/ecdsa")
	}
	bp, _ := GenerateKey(BrainpoolP256r1(), nil)
	r, s, _ = Sign(nil, bp, dg)
	if !Verify(&bp.PublicKey, dg[:32], r, s) {
		t.Fatal("brainpool truncation differs from the leftmost-bits rule")
	}
	// P-521: 521-bit order, SHA-512 digest is shorter: no truncation.
	if e := hashToInt(dg, P521().N); e.Cmp(new(big.Int).SetBytes(dg)) != 0 {
		t.Fatal("digest shorter than the order was altered")
	}
}

func TestECDSAConversion(t *testing.T) {
	for _, std := range []elliptic.Curve{elliptic.P256(), elliptic.P384(), elliptic.P521()} {
		k, err := ecdsa.GenerateKey(std, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv, err := PrivateKeyFromECDSA(k)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := PublicKeyFromECDSA(&k.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if !pub.Equal(&priv.PublicKey) || !pub.Equal(&k.PublicKey) {
			t.Fatal("converted keys differ")
		}
		back, err := priv.ECDSA()
		if err != nil || !back.Equal(k) {
			t.Fatalf("ECDSA() round trip: %v", err)
		}
		bpub, err := pub.ECDSA()
		if err != nil || !bpub.Equal(&k.PublicKey) {
			t.Fatalf("PublicKey.ECDSA() round trip: %v", err)
		}
		// Signatures interoperate both ways.
		dg := digest(crypto.SHA256, []byte("interop"))
		sig, _ := ecdsa.SignASN1(rand.Reader, k, dg)
		r, s, _ := ParseDER(sig)
		if !Verify(pub, dg, r, s) || !verifyMathBig(pub, dg, r, s) {
			t.Fatal("crypto/ecdsa signature rejected")
		}
		r, s, _ = Sign(nil, priv, dg)
		if !ecdsa.Verify(&k.PublicKey, dg, r, s) {
			t.Fatal("our signature rejected by crypto/ecdsa")
		}
	}
	bp, _ := GenerateKey(BrainpoolP384r1(), nil)
	if _, err := bp.ECDSA(); err == nil {
		t.Fatal("brainpool converted to crypto/ecdsa")
	}
	if _, err := PublicKeyFromECDSA(nil); err == nil {
		t.Fatal("nil ecdsa key accepted")
	}
}

func TestKeyErrors(t *testing.T) {
	c := BrainpoolP256r1()
	for name, d := range map[string]*big.Int{
		"zero": new(big.Int), "N": new(big.Int).Set(c.N), "negative": big.NewInt(-5), "nil": nil,
	} {
		if _, err := NewPrivateKey(c, d); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("%s: err = %v, want ErrInvalidKey", name, err)
		}
		if _, _, err := Sign(nil, &PrivateKey{PublicKey: PublicKey{Curve: c}, D: d}, []byte{1}); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Sign with %s scalar: err = %v", name, err)
		}
	}
	if _, err := GenerateKey(&Curve{}, nil); err == nil {
		t.Error("GenerateKey on an empty curve succeeded")
	}
	if _, err := GenerateKey(c, bytes.NewReader(nil)); err == nil {
		t.Error("GenerateKey with an empty reader succeeded")
	}
	off := &PublicKey{Curve: c, X: big.NewInt(1), Y: big.NewInt(1)}
	if err := off.Validate(); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("off-curve key: %v", err)
	}
}

func TestSignatureEncodings(t *testing.T) {
	r, s := big.NewInt(0x80), big.NewInt(1)
	der, err := MarshalDER(r, s)
	if err != nil {
		t.Fatal(err)
	}
	if want := "3007020200800201" + "01"; hexs(der) != want {
		t.Fatalf("MarshalDER = %x, want %s", der, want)
	}
	gr, gs, err := ParseDER(der)
	if err != nil || gr.Cmp(r) != 0 || gs.Cmp(s) != 0 {
		t.Fatalf("ParseDER round trip: %v", err)
	}
	bad := map[string]string{
		"empty":               "",
		"trailing data":       hexs(der) + "00",
		"extra element":       "300902020080020101020101",
		"negative r":          "3006020180020101",
		"zero s":              "3006020101020100",
		"non-minimal integer": "30070202000102010" + "1",
		"long-form length":    "308106020101020101",
		"indefinite length":   "3080020101020101" + "0000",
		"wrong outer tag":     "3106020101020101",
		"octet string":        "3006040101020101",
		"truncated":           "30060201010201",
		"one element":         "3003020101",
	}
	for name, h := range bad {
		if _, _, err := ParseDER(mustDecodeHex(t, h)); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("%s: err = %v, want ErrInvalidSignature", name, err)
		}
	}
	for _, rs := range [][2]*big.Int{{nil, s}, {r, new(big.Int)}, {big.NewInt(-1), s}} {
		if _, err := MarshalDER(rs[0], rs[1]); err == nil {
			t.Errorf("MarshalDER(%v, %v) succeeded", rs[0], rs[1])
		}
	}

	plain, err := MarshalPlain(r, s, 4)
	if err != nil || hexs(plain) != "0000008000000001" {
		t.Fatalf("MarshalPlain = %x, %v", plain, err)
	}
	pr, ps, err := ParsePlain(plain, 4)
	if err != nil || pr.Cmp(r) != 0 || ps.Cmp(s) != 0 {
		t.Fatalf("ParsePlain round trip: %v", err)
	}
	for name, tc := range map[string]struct {
		sig string
		n   int
	}{
		"odd length": {"00000080000000", 4}, "wrong length": {"0000008000000001", 5},
		"zero r": {"0000000000000001", 4}, "zero s": {"0000008000000000", 4}, "zero length": {"", 0},
	} {
		if _, _, err := ParsePlain(mustDecodeHex(t, tc.sig), tc.n); !errors.Is(err, ErrInvalidSignature) {
			t.Errorf("ParsePlain %s: err = %v", name, err)
		}
	}
	if _, err := MarshalPlain(big.NewInt(1<<40), s, 4); err == nil {
		t.Error("MarshalPlain of an oversized r succeeded")
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

// TestOpenSSLInterop signs with OpenSSL and verifies with Verify, and signs
// with Sign and verifies with OpenSSL, on brainpoolP512r1 (the Vietnamese
// CSCA's curve) and brainpoolP256r1.
func TestOpenSSLInterop(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is required for this test: %v", err)
	}
	for _, tc := range []struct {
		curve, hash string
	}{{"brainpoolP512r1", "sha512"}, {"brainpoolP256r1", "sha256"}} {
		t.Run(tc.curve, func(t *testing.T) {
			dir := t.TempDir()
			run := func(args ...string) []byte {
				t.Helper()
				cmd := exec.Command(openssl, args...)
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return out
			}
			run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:"+tc.curve,
				"-pkeyopt", "ec_param_enc:explicit", "-out", "key.pem")
			run("pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem")
			run("ec", "-in", "key.pem", "-outform", "DER", "-out", "key.der")
			msg := []byte("Căn cước công dân — passive authentication\n")
			if err := os.WriteFile(filepath.Join(dir, "msg.txt"), msg, 0o600); err != nil {
				t.Fatal(err)
			}
			run("dgst", "-"+tc.hash, "-sign", "key.pem", "-out", "openssl.sig", "msg.txt")

			c := ByName(tc.curve)
			priv := parseSEC1(t, c, filepath.Join(dir, "key.der"))
			dg := digest(hashByName[tc.hash], msg)
			sig, err := os.ReadFile(filepath.Join(dir, "openssl.sig"))
			if err != nil {
				t.Fatal(err)
			}
			r, s, err := ParseDER(sig)
			if err != nil {
				t.Fatal(err)
			}
			if !Verify(&priv.PublicKey, dg, r, s) {
				t.Fatal("OpenSSL signature rejected by Verify")
			}

			// Ours, verified by OpenSSL with its own public key file.
			r, s, err = Sign(rand.Reader, priv, dg)
			if err != nil {
				t.Fatal(err)
			}
			der, _ := MarshalDER(r, s)
			if err := os.WriteFile(filepath.Join(dir, "ours.sig"), der, 0o600); err != nil {
				t.Fatal(err)
			}
			run("dgst", "-"+tc.hash, "-verify", "pub.pem", "-signature", "ours.sig", "msg.txt")

			// A key generated by us, in a named-curve SPKI built here.
			mine, _ := GenerateKey(c, nil)
			writeSPKI(t, filepath.Join(dir, "mine.pem"), &mine.PublicKey)
			r, s, _ = Sign(nil, mine, dg)
			der, _ = MarshalDER(r, s)
			if err := os.WriteFile(filepath.Join(dir, "mine.sig"), der, 0o600); err != nil {
				t.Fatal(err)
			}
			run("dgst", "-"+tc.hash, "-verify", "mine.pem", "-signature", "mine.sig", "msg.txt")
			// And a forged one is refused by OpenSSL too (sanity of the harness).
			der[len(der)-1] ^= 1
			_ = os.WriteFile(filepath.Join(dir, "bad.sig"), der, 0o600)
			cmd := exec.Command(openssl, "dgst", "-"+tc.hash, "-verify", "mine.pem", "-signature", "bad.sig", "msg.txt")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err == nil {
				t.Fatalf("openssl accepted a forged signature: %s", out)
			}
		})
	}
}

// parseSEC1 reads an RFC 5915 ECPrivateKey and checks its public key.
func parseSEC1(t *testing.T, c *Curve, path string) *PrivateKey {
	t.Helper()
	der, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Version    int
		PrivateKey []byte
		Params     asn1.RawValue  `asn1:"optional,explicit,tag:0"`
		PublicKey  asn1.BitString `asn1:"optional,explicit,tag:1"`
	}
	if _, err := asn1.Unmarshal(der, &k); err != nil {
		t.Fatal(err)
	}
	priv, err := NewPrivateKey(c, new(big.Int).SetBytes(k.PrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(priv.Bytes(), k.PublicKey.Bytes) {
		t.Fatal("our public key for OpenSSL's scalar differs from OpenSSL's")
	}
	return priv
}

func writeSPKI(t *testing.T, path string, pub *PublicKey) {
	t.Helper()
	type algID struct {
		Algorithm asn1.ObjectIdentifier
		Curve     asn1.ObjectIdentifier
	}
	der, err := asn1.Marshal(struct {
		Alg algID
		Key asn1.BitString
	}{
		algID{asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, pub.Curve.OID},
		asn1.BitString{Bytes: pub.Bytes(), BitLength: 8 * len(pub.Bytes())},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, c := range []*Curve{P256(), BrainpoolP256r1(), BrainpoolP384r1(), BrainpoolP512r1()} {
		b.Run(c.Name, func(b *testing.B) {
			priv, _ := GenerateKey(c, nil)
			dg := digest(crypto.SHA256, []byte("benchmark"))
			r, s, err := Sign(nil, priv, dg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if !Verify(&priv.PublicKey, dg, r, s) {
					b.Fatal("verify failed")
				}
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	for _, c := range []*Curve{P256(), BrainpoolP256r1(), BrainpoolP512r1()} {
		b.Run(c.Name, func(b *testing.B) {
			priv, _ := GenerateKey(c, nil)
			dg := digest(crypto.SHA256, []byte("benchmark"))
			for b.Loop() {
				if _, _, err := Sign(nil, priv, dg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	for _, c := range Known() {
		k, _ := rand.Int(rand.Reader, c.N)
		x, y := c.ScalarBaseMult(k)
		f.Add(c.Marshal(x, y))
		f.Add(c.MarshalCompressed(x, y))
	}
	f.Add([]byte{0})
	f.Add([]byte{4})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, c := range Known() {
			x, y, err := c.Unmarshal(data)
			if err != nil {
				if !errors.Is(err, ErrInvalidPoint) {
					t.Fatalf("%s: error does not wrap ErrInvalidPoint: %v", c.Name, err)
				}
				continue
			}
			if !c.IsOnCurve(x, y) {
				t.Fatalf("%s: Unmarshal returned an off-curve point", c.Name)
			}
			again := c.Marshal(x, y)
			if data[0] != 4 {
				again = c.MarshalCompressed(x, y)
			}
			if !bytes.Equal(again, data) {
				t.Fatalf("%s: re-encoding %x gives %x", c.Name, data, again)
			}
		}
	})
}

func FuzzParseDER(f *testing.F) {
	der, _ := MarshalDER(big.NewInt(0x80), big.NewInt(1))
	f.Add(der)
	for _, c := range []*Curve{P256(), BrainpoolP512r1()} {
		priv, _ := GenerateKey(c, nil)
		sig, _ := priv.Sign(nil, make([]byte, 32), nil)
		f.Add(sig)
	}
	f.Add([]byte{0x30, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, s, err := ParseDER(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidSignature) {
				t.Fatalf("error does not wrap ErrInvalidSignature: %v", err)
			}
			return
		}
		again, err := MarshalDER(r, s)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted %x, which does not re-encode identically (%x, %v)", data, again, err)
		}
		_, _, _ = ParsePlain(data, len(data)/2)
	})
}
