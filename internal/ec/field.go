package ec

import (
	"encoding/binary"
	"math/big"
	"math/bits"
)

// maxLimbs is the largest field size supported by the fast arithmetic:
// 9 × 64 bits covers P-521.
const maxLimbs = 9

// fe is a field element in Montgomery form, little-endian 64-bit limbs;
// only the first field.n limbs are used.
type fe [maxLimbs]uint64

// field is Montgomery arithmetic modulo an odd prime p < 2^(64·n), with
// R = 2^(64·n). It is variable-time (like the rest of the math/big path)
// and allocation-free; it replaces big.Int Mul+Mod, whose division
// dominated the cost of point arithmetic.
type field struct {
	n    int
	pb   *big.Int
	p    fe
	pinv uint64 // -p⁻¹ mod 2⁶⁴
	r2   fe     // R² mod p (plain form), to convert into Montgomery form
	one  fe     // R mod p: 1 in Montgomery form
}

// newField prepares arithmetic modulo p; ok is false when p is even, not
// positive or too large.
func newField(p *big.Int) (f *field, ok bool) {
	if p == nil || p.Sign() <= 0 || p.Bit(0) == 0 || p.BitLen() > 64*maxLimbs || p.BitLen() < 2 {
		return nil, false
	}
	n := (p.BitLen() + 63) / 64
	f = &field{n: n, pb: p, p: limbs(p, n)}
	inv := uint64(1) // Newton: each step doubles the correct low bits
	for range 6 {
		inv *= 2 - f.p[0]*inv
	}
	f.pinv = -inv
	r := new(big.Int).Lsh(big.NewInt(1), uint(64*n))
	f.one = limbs(new(big.Int).Mod(r, p), n)
	r.Mul(r, r)
	f.r2 = limbs(r.Mod(r, p), n)
	return f, true
}

// limbs converts 0 ≤ x < 2^(64·n) to little-endian limbs.
func limbs(x *big.Int, n int) fe {
	var z fe
	buf := x.FillBytes(make([]byte, 8*n))
	for i := range n {
		z[i] = binary.BigEndian.Uint64(buf[8*(n-1-i):])
	}
	return z
}

// toMont converts x (any integer) to Montgomery form.
func (f *field) toMont(x *big.Int) fe {
	v := x
	if x.Sign() < 0 || x.Cmp(f.pb) >= 0 {
		v = new(big.Int).Mod(x, f.pb)
	}
	a := limbs(v, f.n)
	return f.mul(&a, &f.r2)
}

// toBig converts z to a big.Int, leaving Montgomery form when mont.
func (f *field) toBig(z fe, mont bool) *big.Int {
	if mont {
		one := fe{1}
		z = f.mul(&z, &one)
	}
	buf := make([]byte, 8*f.n)
	for i := range f.n {
		binary.BigEndian.PutUint64(buf[8*(f.n-1-i):], z[i])
	}
	return new(big.Int).SetBytes(buf)
}

// geqP reports whether z ≥ p.
func (f *field) geqP(z *fe) bool {
	for i := f.n - 1; i >= 0; i-- {
		if z[i] != f.p[i] {
			return z[i] > f.p[i]
		}
	}
	return true
}

// subP sets z = z - p (mod 2^(64·n)).
func (f *field) subP(z *fe) {
	var b uint64
	for i := range f.n {
		z[i], b = bits.Sub64(z[i], f.p[i], b)
	}
}

// mul returns x·y·R⁻¹ mod p (CIOS Montgomery multiplication); x, y < p.
func (f *field) mul(x, y *fe) fe {
	n := f.n
	var t [maxLimbs + 2]uint64
	for i := range n {
		var c uint64
		xi := x[i]
		for j := range n {
			hi, lo := bits.Mul64(xi, y[j])
			var cc uint64
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j], c = lo, hi
		}
		t[n], c = bits.Add64(t[n], c, 0)
		t[n+1] = c

		m := t[0] * f.pinv
		hi, lo := bits.Mul64(m, f.p[0])
		_, cc := bits.Add64(lo, t[0], 0)
		c = hi + cc
		for j := 1; j < n; j++ {
			hi, lo := bits.Mul64(m, f.p[j])
			lo, cc = bits.Add64(lo, t[j], 0)
			hi += cc
			lo, cc = bits.Add64(lo, c, 0)
			hi += cc
			t[j-1], c = lo, hi
		}
		t[n-1], c = bits.Add64(t[n], c, 0)
		t[n] = t[n+1] + c
	}
	var z fe
	copy(z[:n], t[:n])
	if t[n] != 0 || f.geqP(&z) {
		f.subP(&z)
	}
	return z
}

func (f *field) sqr(x *fe) fe { return f.mul(x, x) }

// add returns x + y mod p.
func (f *field) add(x, y *fe) fe {
	var z fe
	var c uint64
	for i := range f.n {
		z[i], c = bits.Add64(x[i], y[i], c)
	}
	if c != 0 || f.geqP(&z) {
		f.subP(&z)
	}
	return z
}

// sub returns x - y mod p.
func (f *field) sub(x, y *fe) fe {
	var z fe
	var b uint64
	for i := range f.n {
		z[i], b = bits.Sub64(x[i], y[i], b)
	}
	if b != 0 {
		var c uint64
		for i := range f.n {
			z[i], c = bits.Add64(z[i], f.p[i], c)
		}
	}
	return z
}

func (f *field) isZero(x *fe) bool {
	for i := range f.n {
		if x[i] != 0 {
			return false
		}
	}
	return true
}
