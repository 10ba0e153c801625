// Package ec provides short-Weierstrass elliptic curves over prime fields
// (brainpool and NIST), ECDSA on them, and the point and signature encodings
// that ICAO 9303 document signers use; it exists because crypto/ecdsa does
// not support the brainpool curves.
//
// The API takes and returns math/big integers. Inside, points are in
// Jacobian coordinates with formulas for a general coefficient a (brainpool
// curves do not have a = -3), over a small Montgomery-form field on 64-bit
// limbs (field.go) that replaced big.Int Mul+Mod for a 6–7× speed-up. The
// arithmetic is correct but NOT constant-time; signing and verification on
// the NIST curves are delegated to crypto/ecdsa.
//
// The point at infinity is represented in affine coordinates as (0, 0), as
// in crypto/elliptic; (0, 0) is never on any supported curve because b ≠ 0.
// A nil coordinate is also treated as the point at infinity.
package ec

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// ErrInvalidPoint is wrapped by every error about a malformed or off-curve
// point encoding.
var ErrInvalidPoint = errors.New("ec: invalid point")

// Curve is a short-Weierstrass curve y² = x³ + a·x + b over the prime field
// GF(P), with base point (Gx, Gy) of prime order N and cofactor H.
//
// Curves returned by this package's constructors are shared: do not modify
// them.
type Curve struct {
	// Name is the curve's common name, such as "brainpoolP512r1" or "P-256".
	Name string
	// OID is the curve's named-curve object identifier.
	OID asn1.ObjectIdentifier
	// P is the field prime; A and B are the curve coefficients.
	P, A, B *big.Int
	// Gx and Gy are the affine coordinates of the base point.
	Gx, Gy *big.Int
	// N is the order of the base point.
	N *big.Int
	// H is the cofactor.
	H int
}

// String returns the curve's name.
func (c *Curve) String() string {
	if c == nil {
		return "<nil curve>"
	}
	return c.Name
}

// ByteLen returns the length in bytes of a field element, that is of one
// coordinate in the point encodings (0 for an incomplete curve).
func (c *Curve) ByteLen() int {
	if c == nil || c.P == nil {
		return 0
	}
	return (c.P.BitLen() + 7) / 8
}

// OrderByteLen returns the length in bytes of the group order N, that is of
// r and s in a plain (r||s) signature (0 for an incomplete curve).
func (c *Curve) OrderByteLen() int {
	if c == nil || c.N == nil {
		return 0
	}
	return (c.N.BitLen() + 7) / 8
}

// Equal reports whether c and d have the same domain parameters (names and
// OIDs are not compared).
func (c *Curve) Equal(d *Curve) bool {
	if c == d {
		return true
	}
	if c == nil || d == nil || !c.valid() || !d.valid() {
		return false
	}
	return c.P.Cmp(d.P) == 0 && c.A.Cmp(d.A) == 0 && c.B.Cmp(d.B) == 0 &&
		c.Gx.Cmp(d.Gx) == 0 && c.Gy.Cmp(d.Gy) == 0 && c.N.Cmp(d.N) == 0 && c.H == d.H
}

// valid reports whether every parameter is set, so that methods do not
// dereference nil.
func (c *Curve) valid() bool {
	return c != nil && c.P != nil && c.A != nil && c.B != nil && c.Gx != nil &&
		c.Gy != nil && c.N != nil && c.P.Sign() > 0 && c.N.Sign() > 0
}

// isInfinity reports whether the affine pair denotes the point at infinity.
func isInfinity(x, y *big.Int) bool {
	return x == nil || y == nil || (x.Sign() == 0 && y.Sign() == 0)
}

// IsInfinity reports whether (x, y) is the point at infinity: (0, 0) or a
// nil coordinate.
func IsInfinity(x, y *big.Int) bool { return isInfinity(x, y) }

// IsOnCurve reports whether (x, y) is a finite point on the curve with
// coordinates reduced modulo P. The point at infinity is not "on the curve".
func (c *Curve) IsOnCurve(x, y *big.Int) bool {
	if !c.valid() || isInfinity(x, y) {
		return false
	}
	if x.Sign() < 0 || y.Sign() < 0 || x.Cmp(c.P) >= 0 || y.Cmp(c.P) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, c.P)
	return lhs.Cmp(c.rhs(x)) == 0
}

// rhs returns x³ + a·x + b mod P.
func (c *Curve) rhs(x *big.Int) *big.Int {
	r := new(big.Int).Mul(x, x)
	r.Add(r, c.A)
	r.Mul(r, x)
	r.Add(r, c.B)
	return r.Mod(r, c.P)
}

// jacobian is a point (X : Y : Z) with coordinates in Montgomery form,
// standing for the affine (X/Z², Y/Z³); Z = 0 is the point at infinity.
type jacobian struct{ x, y, z fe }

// arith holds a curve's field and its coefficient a in Montgomery form.
// It is built per operation (a few microseconds), so that curves carry no
// cached, mutable state.
type arith struct {
	f *field
	a fe
}

func (c *Curve) arith() (*arith, bool) {
	if !c.valid() {
		return nil, false
	}
	f, ok := newField(c.P)
	if !ok {
		return nil, false
	}
	return &arith{f: f, a: f.toMont(c.A)}, true
}

func (ar *arith) isInf(p *jacobian) bool { return ar.f.isZero(&p.z) }

func (ar *arith) fromAffine(x, y *big.Int) jacobian {
	if isInfinity(x, y) {
		return jacobian{}
	}
	return jacobian{ar.f.toMont(x), ar.f.toMont(y), ar.f.one}
}

func (ar *arith) toAffine(p *jacobian) (x, y *big.Int) {
	if ar.isInf(p) {
		return new(big.Int), new(big.Int)
	}
	f := ar.f
	zinv := new(big.Int).ModInverse(f.toBig(p.z, true), f.pb)
	if zinv == nil { // p not prime: cannot happen for a valid curve
		return new(big.Int), new(big.Int)
	}
	zi := f.toMont(zinv)
	zi2 := f.sqr(&zi)
	zi3 := f.mul(&zi2, &zi)
	xm := f.mul(&p.x, &zi2)
	ym := f.mul(&p.y, &zi3)
	return f.toBig(xm, true), f.toBig(ym, true)
}

// double returns 2·p (formulas dbl-2007-bl, valid for any a).
func (ar *arith) double(p *jacobian) jacobian {
	f := ar.f
	if ar.isInf(p) || f.isZero(&p.y) {
		return jacobian{}
	}
	xx := f.sqr(&p.x)
	yy := f.sqr(&p.y)
	yyyy := f.sqr(&yy)
	zz := f.sqr(&p.z)
	t := f.add(&p.x, &yy)
	t = f.sqr(&t)
	t = f.sub(&t, &xx)
	t = f.sub(&t, &yyyy)
	s := f.add(&t, &t)
	m := f.add(&xx, &xx)
	m = f.add(&m, &xx)
	zz2 := f.sqr(&zz)
	azz := f.mul(&ar.a, &zz2)
	m = f.add(&m, &azz)
	x3 := f.sqr(&m)
	s2 := f.add(&s, &s)
	x3 = f.sub(&x3, &s2)
	y8 := f.add(&yyyy, &yyyy)
	y8 = f.add(&y8, &y8)
	y8 = f.add(&y8, &y8)
	d := f.sub(&s, &x3)
	y3 := f.mul(&m, &d)
	y3 = f.sub(&y3, &y8)
	z3 := f.add(&p.y, &p.z)
	z3 = f.sqr(&z3)
	z3 = f.sub(&z3, &yy)
	z3 = f.sub(&z3, &zz)
	return jacobian{x3, y3, z3}
}

// add returns p + q (formulas add-2007-bl), falling back to doubling when
// p = q.
func (ar *arith) add(p, q *jacobian) jacobian {
	if ar.isInf(p) {
		return *q
	}
	if ar.isInf(q) {
		return *p
	}
	f := ar.f
	z1z1 := f.sqr(&p.z)
	z2z2 := f.sqr(&q.z)
	u1 := f.mul(&p.x, &z2z2)
	u2 := f.mul(&q.x, &z1z1)
	t := f.mul(&p.y, &q.z)
	s1 := f.mul(&t, &z2z2)
	t = f.mul(&q.y, &p.z)
	s2 := f.mul(&t, &z1z1)
	h := f.sub(&u2, &u1)
	r := f.sub(&s2, &s1)
	r = f.add(&r, &r)
	if f.isZero(&h) {
		if f.isZero(&r) {
			return ar.double(p)
		}
		return jacobian{}
	}
	i := f.add(&h, &h)
	i = f.sqr(&i)
	j := f.mul(&h, &i)
	v := f.mul(&u1, &i)
	x3 := f.sqr(&r)
	x3 = f.sub(&x3, &j)
	v2 := f.add(&v, &v)
	x3 = f.sub(&x3, &v2)
	y3 := f.sub(&v, &x3)
	y3 = f.mul(&r, &y3)
	s1j := f.mul(&s1, &j)
	s1j = f.add(&s1j, &s1j)
	y3 = f.sub(&y3, &s1j)
	z3 := f.add(&p.z, &q.z)
	z3 = f.sqr(&z3)
	z3 = f.sub(&z3, &z1z1)
	z3 = f.sub(&z3, &z2z2)
	z3 = f.mul(&z3, &h)
	return jacobian{x3, y3, z3}
}

func (ar *arith) negate(p jacobian) jacobian {
	var zero fe
	p.y = ar.f.sub(&zero, &p.y)
	return p
}

// Add returns the sum of (x1, y1) and (x2, y2). Either may be the point at
// infinity. The inputs are assumed to be on the curve.
func (c *Curve) Add(x1, y1, x2, y2 *big.Int) (x, y *big.Int) {
	ar, ok := c.arith()
	if !ok {
		return new(big.Int), new(big.Int)
	}
	p, q := ar.fromAffine(x1, y1), ar.fromAffine(x2, y2)
	r := ar.add(&p, &q)
	return ar.toAffine(&r)
}

// Double returns 2·(x, y).
func (c *Curve) Double(x, y *big.Int) (rx, ry *big.Int) {
	ar, ok := c.arith()
	if !ok {
		return new(big.Int), new(big.Int)
	}
	p := ar.fromAffine(x, y)
	r := ar.double(&p)
	return ar.toAffine(&r)
}

// ScalarMult returns k·(x, y). k may be any integer, including zero,
// negative or larger than N. The input point is assumed to be on the curve.
func (c *Curve) ScalarMult(x, y, k *big.Int) (rx, ry *big.Int) {
	ar, ok := c.arith()
	if !ok || k == nil {
		return new(big.Int), new(big.Int)
	}
	r := ar.multiMult([]jacobian{ar.fromAffine(x, y)}, []*big.Int{k})
	return ar.toAffine(&r)
}

// ScalarBaseMult returns k·G.
func (c *Curve) ScalarBaseMult(k *big.Int) (x, y *big.Int) {
	if !c.valid() {
		return new(big.Int), new(big.Int)
	}
	return c.ScalarMult(c.Gx, c.Gy, k)
}

// combinedMult returns u1·G + u2·(x, y) with interleaved windows, the
// workhorse of signature verification.
func (c *Curve) combinedMult(x, y, u1, u2 *big.Int) (rx, ry *big.Int) {
	ar, ok := c.arith()
	if !ok {
		return new(big.Int), new(big.Int)
	}
	r := ar.multiMult([]jacobian{ar.fromAffine(c.Gx, c.Gy), ar.fromAffine(x, y)}, []*big.Int{u1, u2})
	return ar.toAffine(&r)
}

// window is the width in bits of the fixed windows used by multiMult.
const window = 4

// multiMult returns Σ scalars[i]·points[i] using a fixed 4-bit window per
// term, with the doublings shared between the terms.
func (ar *arith) multiMult(points []jacobian, scalars []*big.Int) jacobian {
	tables := make([][1 << window]jacobian, len(points))
	ks := make([]*big.Int, len(points))
	maxBits := 0
	for i, p := range points {
		k := scalars[i]
		if k.Sign() < 0 {
			p = ar.negate(p)
			k = new(big.Int).Neg(k)
		}
		ks[i] = k
		maxBits = max(maxBits, k.BitLen())
		t := &tables[i]
		t[1] = p
		for j := 2; j < len(t); j++ {
			if j%2 == 0 {
				t[j] = ar.double(&t[j/2])
			} else {
				t[j] = ar.add(&t[j-1], &p)
			}
		}
	}
	var acc jacobian
	for w := (maxBits+window-1)/window - 1; w >= 0; w-- {
		for range window {
			acc = ar.double(&acc)
		}
		for i, k := range ks {
			var d uint
			for b := window - 1; b >= 0; b-- {
				d = d<<1 | k.Bit(w*window+b)
			}
			if d != 0 {
				acc = ar.add(&acc, &tables[i][d])
			}
		}
	}
	return acc
}

// Marshal returns the uncompressed SEC 1 encoding 0x04 || X || Y of a point
// on the curve, each coordinate padded to ByteLen bytes. The point at
// infinity is encoded as the single byte 0x00.
func (c *Curve) Marshal(x, y *big.Int) []byte {
	if isInfinity(x, y) || !c.valid() {
		return []byte{0}
	}
	n := c.ByteLen()
	if x.Sign() < 0 || y.Sign() < 0 || x.BitLen() > 8*n || y.BitLen() > 8*n {
		return []byte{0}
	}
	out := make([]byte, 1+2*n)
	out[0] = 4
	x.FillBytes(out[1 : 1+n])
	y.FillBytes(out[1+n:])
	return out
}

// MarshalCompressed returns the compressed SEC 1 encoding 0x02/0x03 || X.
func (c *Curve) MarshalCompressed(x, y *big.Int) []byte {
	if isInfinity(x, y) || !c.valid() {
		return []byte{0}
	}
	n := c.ByteLen()
	if x.Sign() < 0 || x.BitLen() > 8*n || y.Sign() < 0 {
		return []byte{0}
	}
	out := make([]byte, 1+n)
	out[0] = 2 | byte(y.Bit(0))
	x.FillBytes(out[1:])
	return out
}

// Unmarshal decodes a SEC 1 point encoding, uncompressed (0x04 || X || Y)
// or compressed (0x02/0x03 || X), and checks that the point is on the
// curve. The point at infinity and the hybrid forms are refused.
func (c *Curve) Unmarshal(data []byte) (x, y *big.Int, err error) {
	if !c.valid() {
		return nil, nil, fmt.Errorf("%w: incomplete curve parameters", ErrInvalidPoint)
	}
	n := c.ByteLen()
	if len(data) == 0 {
		return nil, nil, fmt.Errorf("%w: empty encoding", ErrInvalidPoint)
	}
	switch data[0] {
	case 4:
		if len(data) != 1+2*n {
			return nil, nil, fmt.Errorf("%w: uncompressed point is %d bytes, want %d for %s", ErrInvalidPoint, len(data), 1+2*n, c.Name)
		}
		x = new(big.Int).SetBytes(data[1 : 1+n])
		y = new(big.Int).SetBytes(data[1+n:])
		if x.Cmp(c.P) >= 0 || y.Cmp(c.P) >= 0 {
			return nil, nil, fmt.Errorf("%w: coordinate not reduced modulo p", ErrInvalidPoint)
		}
		if !c.IsOnCurve(x, y) {
			return nil, nil, fmt.Errorf("%w: point not on %s", ErrInvalidPoint, c.Name)
		}
		return x, y, nil
	case 2, 3:
		if len(data) != 1+n {
			return nil, nil, fmt.Errorf("%w: compressed point is %d bytes, want %d for %s", ErrInvalidPoint, len(data), 1+n, c.Name)
		}
		x = new(big.Int).SetBytes(data[1:])
		if x.Cmp(c.P) >= 0 {
			return nil, nil, fmt.Errorf("%w: coordinate not reduced modulo p", ErrInvalidPoint)
		}
		y, err = c.sqrt(c.rhs(x))
		if err != nil {
			return nil, nil, err
		}
		if y.Bit(0) != uint(data[0]&1) {
			if y.Sign() == 0 {
				return nil, nil, fmt.Errorf("%w: odd y requested for y = 0", ErrInvalidPoint)
			}
			y.Sub(c.P, y)
		}
		return x, y, nil
	case 0:
		return nil, nil, fmt.Errorf("%w: point at infinity", ErrInvalidPoint)
	default:
		return nil, nil, fmt.Errorf("%w: unsupported point format 0x%02x", ErrInvalidPoint, data[0])
	}
}

// sqrt returns a square root of a modulo P, which must be ≡ 3 (mod 4) (true
// of every curve this package defines).
func (c *Curve) sqrt(a *big.Int) (*big.Int, error) {
	if c.P.Bit(0) != 1 || c.P.Bit(1) != 1 {
		return nil, fmt.Errorf("%w: compressed points need p ≡ 3 (mod 4)", ErrInvalidPoint)
	}
	e := new(big.Int).Add(c.P, big.NewInt(1))
	e.Rsh(e, 2)
	y := new(big.Int).Exp(a, e, c.P)
	check := new(big.Int).Mul(y, y)
	if check.Mod(check, c.P).Cmp(a) != 0 {
		return nil, fmt.Errorf("%w: x has no point on %s", ErrInvalidPoint, c.Name)
	}
	return y, nil
}
