package ec

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"
)

// TestCurveConstants checks every curve constant against its defining
// properties, so that a mistyped digit cannot survive.
func TestCurveConstants(t *testing.T) {
	wantOID := map[string]string{
		"brainpoolP224r1": "1.3.36.3.3.2.8.1.1.5",
		"brainpoolP256r1": "1.3.36.3.3.2.8.1.1.7",
		"brainpoolP320r1": "1.3.36.3.3.2.8.1.1.9",
		"brainpoolP384r1": "1.3.36.3.3.2.8.1.1.11",
		"brainpoolP512r1": "1.3.36.3.3.2.8.1.1.13",
		"P-256":           "1.2.840.10045.3.1.7",
		"P-384":           "1.3.132.0.34",
		"P-521":           "1.3.132.0.35",
	}
	wantBits := map[string]int{
		"brainpoolP224r1": 224, "brainpoolP256r1": 256, "brainpoolP320r1": 320,
		"brainpoolP384r1": 384, "brainpoolP512r1": 512, "P-256": 256, "P-384": 384, "P-521": 521,
	}
	if got := len(Known()); got != len(wantOID) {
		t.Fatalf("Known() has %d curves, want %d", got, len(wantOID))
	}
	for _, c := range Known() {
		t.Run(c.Name, func(t *testing.T) {
			if !c.valid() {
				t.Fatal("curve has missing parameters (bad hex constant?)")
			}
			if got := c.OID.String(); got != wantOID[c.Name] {
				t.Errorf("OID = %s, want %s", got, wantOID[c.Name])
			}
			if c.P.BitLen() != wantBits[c.Name] || c.N.BitLen() != wantBits[c.Name] {
				t.Errorf("bit lengths p=%d n=%d, want %d", c.P.BitLen(), c.N.BitLen(), wantBits[c.Name])
			}
			if !c.P.ProbablyPrime(32) || !c.N.ProbablyPrime(32) {
				t.Error("p or n is not prime")
			}
			if c.P.Bit(0) != 1 || c.P.Bit(1) != 1 {
				t.Error("p is not ≡ 3 (mod 4): compressed points would need another square root")
			}
			if c.H != 1 {
				t.Errorf("cofactor %d, want 1", c.H)
			}
			// Non-singular: 4a³ + 27b² ≠ 0 (mod p).
			d := new(big.Int).Exp(c.A, big.NewInt(3), c.P)
			d.Mul(d, big.NewInt(4))
			b2 := new(big.Int).Mul(c.B, c.B)
			d.Add(d, b2.Mul(b2, big.NewInt(27)))
			if d.Mod(d, c.P).Sign() == 0 {
				t.Error("curve is singular")
			}
			// Hasse: |p + 1 - n·h| ≤ 2√p.
			tr := new(big.Int).Add(c.P, big.NewInt(1))
			tr.Sub(tr, c.N).Abs(tr)
			tr.Mul(tr, tr)
			if tr.Cmp(new(big.Int).Mul(c.P, big.NewInt(4))) > 0 {
				t.Error("n violates the Hasse bound")
			}
			if !c.IsOnCurve(c.Gx, c.Gy) {
				t.Fatal("G is not on the curve")
			}
			if x, y := c.ScalarBaseMult(c.N); !IsInfinity(x, y) {
				t.Error("N·G is not the point at infinity")
			}
			nm1 := new(big.Int).Sub(c.N, big.NewInt(1))
			x, y := c.ScalarBaseMult(nm1)
			if x.Cmp(c.Gx) != 0 || new(big.Int).Add(y, c.Gy).Cmp(c.P) != 0 {
				t.Error("(N-1)·G is not -G")
			}
			if ByOID(c.OID) != c || ByName(c.Name) != c {
				t.Error("ByOID/ByName do not find the curve")
			}
			if Identify(c.P, c.A, c.B, c.Gx, c.Gy, c.N) != c {
				t.Error("Identify does not find the curve")
			}
			if Identify(c.P, c.A, new(big.Int).Add(c.B, big.NewInt(1)), c.Gx, c.Gy, c.N) != nil {
				t.Error("Identify matched a curve with another b")
			}
		})
	}
	if ByOID(asn1.ObjectIdentifier{1, 3, 132, 0, 33}) != nil {
		t.Error("ByOID(secp224r1) should be unknown")
	}
	if Identify(nil, nil, nil, nil, nil, nil) != nil {
		t.Error("Identify(nil...) should be nil")
	}
}

// TestGroupLaw checks the group law on every curve with random scalars.
func TestGroupLaw(t *testing.T) {
	for _, c := range Known() {
		t.Run(c.Name, func(t *testing.T) {
			a, _ := rand.Int(rand.Reader, c.N)
			b, _ := rand.Int(rand.Reader, c.N)
			ax, ay := c.ScalarBaseMult(a)
			bx, by := c.ScalarBaseMult(b)
			sx, sy := c.Add(ax, ay, bx, by)
			ab := new(big.Int).Add(a, b)
			wx, wy := c.ScalarBaseMult(ab)
			if sx.Cmp(wx) != 0 || sy.Cmp(wy) != 0 {
				t.Fatal("aG + bG != (a+b)G")
			}
			if !c.IsOnCurve(sx, sy) {
				t.Fatal("sum not on curve")
			}
			dx, dy := c.Double(ax, ay)
			px, py := c.Add(ax, ay, ax, ay)
			if dx.Cmp(px) != 0 || dy.Cmp(py) != 0 {
				t.Fatal("2P != P + P")
			}
			// b·(a·G) = (a·b)·G.
			mx, my := c.ScalarMult(ax, ay, b)
			abm := new(big.Int).Mul(a, b)
			wx, wy = c.ScalarBaseMult(abm.Mod(abm, c.N))
			if mx.Cmp(wx) != 0 || my.Cmp(wy) != 0 {
				t.Fatal("b(aG) != (ab)G")
			}
			// P + (-P) = O, P + O = P, O + P = P, -k·G = k·(-G).
			negY := new(big.Int).Sub(c.P, ay)
			if x, y := c.Add(ax, ay, ax, negY); !IsInfinity(x, y) {
				t.Fatal("P + (-P) != O")
			}
			if x, y := c.Add(ax, ay, new(big.Int), new(big.Int)); x.Cmp(ax) != 0 || y.Cmp(ay) != 0 {
				t.Fatal("P + O != P")
			}
			if x, y := c.Add(nil, nil, ax, ay); x.Cmp(ax) != 0 || y.Cmp(ay) != 0 {
				t.Fatal("O + P != P")
			}
			if x, y := c.ScalarBaseMult(new(big.Int).Neg(a)); x.Cmp(ax) != 0 || y.Cmp(negY) != 0 {
				t.Fatal("(-a)G != -(aG)")
			}
			if x, y := c.ScalarBaseMult(new(big.Int)); !IsInfinity(x, y) {
				t.Fatal("0·G != O")
			}
			if x, y := c.Double(new(big.Int), new(big.Int)); !IsInfinity(x, y) {
				t.Fatal("2·O != O")
			}
			if x, y := c.ScalarMult(new(big.Int), new(big.Int), a); !IsInfinity(x, y) {
				t.Fatal("a·O != O")
			}
			if c.IsOnCurve(new(big.Int), new(big.Int)) || c.IsOnCurve(nil, nil) {
				t.Fatal("O reported on curve")
			}
		})
	}
}

// TestScalarMultAgainstECDH cross-checks ScalarMult on the NIST curves with
// crypto/ecdh, an independent implementation.
func TestScalarMultAgainstECDH(t *testing.T) {
	for _, tc := range []struct {
		c *Curve
		e ecdh.Curve
	}{{P256(), ecdh.P256()}, {P384(), ecdh.P384()}, {P521(), ecdh.P521()}} {
		t.Run(tc.c.Name, func(t *testing.T) {
			for range 4 {
				a, _ := tc.e.GenerateKey(rand.Reader)
				b, _ := tc.e.GenerateKey(rand.Reader)
				want, err := a.ECDH(b.PublicKey())
				if err != nil {
					t.Fatal(err)
				}
				// Public key from the private scalar.
				qx, qy := tc.c.ScalarBaseMult(new(big.Int).SetBytes(a.Bytes()))
				if !bytes.Equal(tc.c.Marshal(qx, qy), a.PublicKey().Bytes()) {
					t.Fatal("ScalarBaseMult disagrees with crypto/ecdh")
				}
				bx, by, err := tc.c.Unmarshal(b.PublicKey().Bytes())
				if err != nil {
					t.Fatal(err)
				}
				zx, _ := tc.c.ScalarMult(bx, by, new(big.Int).SetBytes(a.Bytes()))
				if !bytes.Equal(zx.FillBytes(make([]byte, tc.c.ByteLen())), want) {
					t.Fatal("ScalarMult disagrees with crypto/ecdh")
				}
			}
		})
	}
}

func TestPointEncoding(t *testing.T) {
	for _, c := range Known() {
		t.Run(c.Name, func(t *testing.T) {
			k, _ := rand.Int(rand.Reader, c.N)
			x, y := c.ScalarBaseMult(k)
			for _, enc := range [][]byte{c.Marshal(x, y), c.MarshalCompressed(x, y)} {
				gx, gy, err := c.Unmarshal(enc)
				if err != nil {
					t.Fatalf("Unmarshal(%x): %v", enc, err)
				}
				if gx.Cmp(x) != 0 || gy.Cmp(y) != 0 {
					t.Fatalf("round trip of %x changed the point", enc)
				}
			}
			// Both parities decompress to the two points with that x.
			odd := c.MarshalCompressed(x, y)
			odd[0] ^= 1
			_, ny, err := c.Unmarshal(odd)
			if err != nil || new(big.Int).Add(ny, y).Cmp(c.P) != 0 {
				t.Fatalf("other parity: y=%v err=%v", ny, err)
			}
		})
	}
}

func TestUnmarshalErrors(t *testing.T) {
	c := BrainpoolP256r1()
	n := c.ByteLen()
	good := c.Marshal(c.Gx, c.Gy)
	offCurve := bytes.Clone(good)
	offCurve[len(offCurve)-1] ^= 1
	bigX := append([]byte{4}, c.P.FillBytes(make([]byte, n))...)
	bigX = append(bigX, good[1+n:]...)
	// An x with no point: search a small x whose rhs is a non-residue.
	var noPoint []byte
	for i := int64(1); noPoint == nil; i++ {
		x := big.NewInt(i)
		if _, err := c.sqrt(c.rhs(x)); err != nil {
			noPoint = append([]byte{2}, x.FillBytes(make([]byte, n))...)
		}
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"infinity", []byte{0}},
		{"truncated uncompressed", good[:len(good)-1]},
		{"long uncompressed", append(bytes.Clone(good), 0)},
		{"off curve", offCurve},
		{"x not reduced", bigX},
		{"hybrid form", append([]byte{6}, good[1:]...)},
		{"compressed wrong length", good[:n]},
		{"compressed no point", noPoint},
		{"bad prefix", append([]byte{5}, good[1:]...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := c.Unmarshal(tc.in); !errors.Is(err, ErrInvalidPoint) {
				t.Fatalf("Unmarshal: err = %v, want ErrInvalidPoint", err)
			}
		})
	}
	var empty Curve
	if _, _, err := empty.Unmarshal(good); err == nil {
		t.Fatal("Unmarshal on an empty curve succeeded")
	}
	if empty.IsOnCurve(c.Gx, c.Gy) {
		t.Fatal("IsOnCurve on an empty curve")
	}
}

func TestCurveEqual(t *testing.T) {
	a := BrainpoolP512r1()
	b := *a
	b.Name, b.OID = "copy", nil
	if !a.Equal(&b) {
		t.Fatal("copy with other name is not Equal")
	}
	b.H = 2
	if a.Equal(&b) || a.Equal(nil) || a.Equal(P256()) {
		t.Fatal("different curves are Equal")
	}
}

func mustDecodeHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFieldArithmetic checks the Montgomery arithmetic against big.Int on
// every curve's prime, with random and edge-case operands.
func TestFieldArithmetic(t *testing.T) {
	for _, c := range Known() {
		f, ok := newField(c.P)
		if !ok {
			t.Fatalf("%s: newField failed", c.Name)
		}
		p := c.P
		pm1 := new(big.Int).Sub(p, big.NewInt(1))
		edge := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), pm1, new(big.Int).Rsh(p, 1), new(big.Int).Lsh(big.NewInt(1), uint(p.BitLen()-1))}
		vals := append([]*big.Int(nil), edge...)
		for range 40 {
			r, _ := rand.Int(rand.Reader, p)
			vals = append(vals, r)
		}
		for i, x := range vals {
			y := vals[(i*7+3)%len(vals)]
			mx, my := f.toMont(x), f.toMont(y)
			if got := f.toBig(mx, true); got.Cmp(x) != 0 {
				t.Fatalf("%s: Montgomery round trip of %v gives %v", c.Name, x, got)
			}
			check := func(op string, z fe, want *big.Int) {
				t.Helper()
				want.Mod(want, p)
				if got := f.toBig(z, true); got.Cmp(want) != 0 {
					t.Fatalf("%s: %s(%x, %x) = %x, want %x", c.Name, op, x, y, got, want)
				}
			}
			check("mul", f.mul(&mx, &my), new(big.Int).Mul(x, y))
			check("sqr", f.sqr(&mx), new(big.Int).Mul(x, x))
			check("add", f.add(&mx, &my), new(big.Int).Add(x, y))
			check("sub", f.sub(&mx, &my), new(big.Int).Sub(x, y))
		}
		if got := f.toBig(f.toMont(big.NewInt(-1)), true); got.Cmp(pm1) != 0 {
			t.Fatalf("%s: toMont(-1) = %v", c.Name, got)
		}
	}
	for _, bad := range []*big.Int{nil, big.NewInt(0), big.NewInt(10), new(big.Int).Lsh(big.NewInt(1), 64*maxLimbs+1)} {
		if _, ok := newField(bad); ok {
			t.Errorf("newField(%v) accepted", bad)
		}
	}
}
