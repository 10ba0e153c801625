package ec

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
)

// ErrInvalidKey is wrapped by every error about a malformed key.
var ErrInvalidKey = errors.New("ec: invalid key")

// PublicKey is an ECDSA public key on any curve of this package.
type PublicKey struct {
	Curve *Curve
	X, Y  *big.Int
}

// PrivateKey is an ECDSA private key.
type PrivateKey struct {
	PublicKey
	D *big.Int
}

// Equal reports whether pub and x are the same public key. x may be a
// *PublicKey or an *ecdsa.PublicKey on a NIST curve.
func (pub *PublicKey) Equal(x crypto.PublicKey) bool {
	var o *PublicKey
	switch k := x.(type) {
	case *PublicKey:
		o = k
	case *ecdsa.PublicKey:
		var err error
		if o, err = PublicKeyFromECDSA(k); err != nil {
			return false
		}
	default:
		return false
	}
	if pub == nil || o == nil || pub.X == nil || pub.Y == nil || o.X == nil || o.Y == nil {
		return false
	}
	return pub.Curve.Equal(o.Curve) && pub.X.Cmp(o.X) == 0 && pub.Y.Cmp(o.Y) == 0
}

// Validate checks that the key's point is a finite point on its curve and,
// for curves with a cofactor, in the subgroup of order N.
func (pub *PublicKey) Validate() error {
	if pub == nil || !pub.Curve.valid() {
		return fmt.Errorf("%w: missing curve", ErrInvalidKey)
	}
	if !pub.Curve.IsOnCurve(pub.X, pub.Y) {
		return fmt.Errorf("%w: public point not on %s", ErrInvalidKey, pub.Curve.Name)
	}
	if pub.Curve.H != 1 {
		if x, y := pub.Curve.ScalarMult(pub.X, pub.Y, pub.Curve.N); !isInfinity(x, y) {
			return fmt.Errorf("%w: public point not in the prime-order subgroup", ErrInvalidKey)
		}
	}
	return nil
}

// Bytes returns the uncompressed encoding of the public point.
func (pub *PublicKey) Bytes() []byte { return pub.Curve.Marshal(pub.X, pub.Y) }

// Public returns the public half of priv.
func (priv *PrivateKey) Public() crypto.PublicKey { return &priv.PublicKey }

// Equal reports whether priv and x are the same private key.
func (priv *PrivateKey) Equal(x crypto.PrivateKey) bool {
	o, ok := x.(*PrivateKey)
	if !ok || priv == nil || o == nil || priv.D == nil || o.D == nil {
		return false
	}
	return priv.PublicKey.Equal(&o.PublicKey) && priv.D.Cmp(o.D) == 0
}

// Sign implements crypto.Signer: it signs digest and returns the signature
// DER-encoded as SEQUENCE { r INTEGER, s INTEGER }. opts is ignored except
// for being passed through (the digest must already be computed).
func (priv *PrivateKey) Sign(rand io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	r, s, err := Sign(rand, priv, digest)
	if err != nil {
		return nil, err
	}
	return MarshalDER(r, s)
}

func (priv *PrivateKey) validate() error {
	if priv == nil || !priv.Curve.valid() || priv.D == nil {
		return fmt.Errorf("%w: incomplete private key", ErrInvalidKey)
	}
	if priv.D.Sign() <= 0 || priv.D.Cmp(priv.Curve.N) >= 0 {
		return fmt.Errorf("%w: private scalar out of range", ErrInvalidKey)
	}
	return nil
}

// stdCurve returns the crypto/elliptic curve with c's parameters, or nil
// when c is not a NIST curve.
func (c *Curve) stdCurve() elliptic.Curve {
	switch {
	case c == nil:
		return nil
	case c.Equal(P256()):
		return elliptic.P256()
	case c.Equal(P384()):
		return elliptic.P384()
	case c.Equal(P521()):
		return elliptic.P521()
	}
	return nil
}

// fromStdCurve maps a crypto/elliptic curve to this package's curve.
func fromStdCurve(c elliptic.Curve) *Curve {
	switch c {
	case elliptic.P256():
		return P256()
	case elliptic.P384():
		return P384()
	case elliptic.P521():
		return P521()
	}
	return nil
}

// randScalar returns a uniformly distributed integer in [1, N-1] (with
// negligible bias: 64 extra bits are reduced).
func randScalar(rnd io.Reader, n *big.Int) (*big.Int, error) {
	buf := make([]byte, (n.BitLen()+7)/8+8)
	if _, err := io.ReadFull(rnd, buf); err != nil {
		return nil, fmt.Errorf("ec: reading randomness: %w", err)
	}
	k := new(big.Int).SetBytes(buf)
	nMinus1 := new(big.Int).Sub(n, big.NewInt(1))
	k.Mod(k, nMinus1)
	return k.Add(k, big.NewInt(1)), nil
}

// GenerateKey returns a new private key on c, with the private scalar read
// from rand (crypto/rand.Reader when nil).
func GenerateKey(c *Curve, rnd io.Reader) (*PrivateKey, error) {
	if !c.valid() {
		return nil, fmt.Errorf("%w: incomplete curve parameters", ErrInvalidKey)
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	d, err := randScalar(rnd, c.N)
	if err != nil {
		return nil, err
	}
	return NewPrivateKey(c, d)
}

// NewPrivateKey returns the private key with scalar d on c, computing its
// public point.
func NewPrivateKey(c *Curve, d *big.Int) (*PrivateKey, error) {
	priv := &PrivateKey{PublicKey: PublicKey{Curve: c}, D: d}
	if err := priv.validate(); err != nil {
		return nil, err
	}
	if std := c.stdCurve(); std != nil {
		k, err := ecdsa.ParseRawPrivateKey(std, d.FillBytes(make([]byte, c.OrderByteLen())))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
		}
		pb, err := k.PublicKey.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
		}
		if priv.X, priv.Y, err = c.Unmarshal(pb); err != nil {
			return nil, err
		}
		return priv, nil
	}
	priv.X, priv.Y = c.ScalarBaseMult(d)
	return priv, nil
}

// PublicKeyFromECDSA converts a crypto/ecdsa public key on P-256, P-384 or
// P-521.
func PublicKeyFromECDSA(pub *ecdsa.PublicKey) (*PublicKey, error) {
	if pub == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidKey)
	}
	c := fromStdCurve(pub.Curve)
	if c == nil {
		return nil, fmt.Errorf("%w: unsupported crypto/ecdsa curve", ErrInvalidKey)
	}
	b, err := pub.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	x, y, err := c.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	return &PublicKey{Curve: c, X: x, Y: y}, nil
}

// PrivateKeyFromECDSA converts a crypto/ecdsa private key on P-256, P-384
// or P-521.
func PrivateKeyFromECDSA(priv *ecdsa.PrivateKey) (*PrivateKey, error) {
	if priv == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidKey)
	}
	c := fromStdCurve(priv.Curve)
	if c == nil {
		return nil, fmt.Errorf("%w: unsupported crypto/ecdsa curve", ErrInvalidKey)
	}
	b, err := priv.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	return NewPrivateKey(c, new(big.Int).SetBytes(b))
}

// ECDSA converts pub to a crypto/ecdsa key; only NIST curves are possible.
func (pub *PublicKey) ECDSA() (*ecdsa.PublicKey, error) {
	if pub == nil {
		return nil, fmt.Errorf("%w: nil key", ErrInvalidKey)
	}
	std := pub.Curve.stdCurve()
	if std == nil {
		return nil, fmt.Errorf("%w: %s is not supported by crypto/ecdsa", ErrInvalidKey, pub.Curve)
	}
	k, err := ecdsa.ParseUncompressedPublicKey(std, pub.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	return k, nil
}

// ECDSA converts priv to a crypto/ecdsa key; only NIST curves are possible.
func (priv *PrivateKey) ECDSA() (*ecdsa.PrivateKey, error) {
	if err := priv.validate(); err != nil {
		return nil, err
	}
	std := priv.Curve.stdCurve()
	if std == nil {
		return nil, fmt.Errorf("%w: %s is not supported by crypto/ecdsa", ErrInvalidKey, priv.Curve)
	}
	k, err := ecdsa.ParseRawPrivateKey(std, priv.D.FillBytes(make([]byte, priv.Curve.OrderByteLen())))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	return k, nil
}

// hashToInt converts a digest to an integer modulo-able by n, keeping its
// leftmost n.BitLen() bits (SEC 1, section 4.1.3, step 5).
func hashToInt(digest []byte, n *big.Int) *big.Int {
	bits := n.BitLen()
	nbytes := (bits + 7) / 8
	if len(digest) > nbytes {
		digest = digest[:nbytes]
	}
	e := new(big.Int).SetBytes(digest)
	if excess := len(digest)*8 - bits; excess > 0 {
		e.Rsh(e, uint(excess))
	}
	return e
}

// Sign signs digest (the hash of the message, truncated to the bit length
// of N as in SEC 1) with priv using a random nonce read from rand
// (crypto/rand.Reader when nil).
//
// On P-256, P-384 and P-521 signing is delegated to crypto/ecdsa, which is
// constant-time (and, since Go 1.26, always uses its own secure randomness).
// On the brainpool curves signing uses this package's math/big-based,
// variable-time arithmetic and is NOT constant-time: it is meant for the
// test kit that builds synthetic document-signer PKIs, not for keys that an
// attacker may time. (Verification handles only public data.)
func Sign(rnd io.Reader, priv *PrivateKey, digest []byte) (r, s *big.Int, err error) {
	if err := priv.validate(); err != nil {
		return nil, nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	c := priv.Curve
	if c.stdCurve() != nil {
		k, err := priv.ECDSA()
		if err != nil {
			return nil, nil, err
		}
		r, s, err = ecdsa.Sign(rnd, k, digest)
		if err != nil {
			return nil, nil, fmt.Errorf("ec: signing with %s: %w", c, err)
		}
		return r, s, nil
	}
	e := hashToInt(digest, c.N)
	for range 100 {
		k, err := randScalar(rnd, c.N)
		if err != nil {
			return nil, nil, err
		}
		x1, _ := c.ScalarBaseMult(k)
		r = new(big.Int).Mod(x1, c.N)
		if r.Sign() == 0 {
			continue
		}
		kinv := new(big.Int).ModInverse(k, c.N)
		if kinv == nil {
			continue
		}
		s = new(big.Int).Mul(r, priv.D)
		s.Add(s, e)
		s.Mul(s, kinv)
		s.Mod(s, c.N)
		if s.Sign() == 0 {
			continue
		}
		return r, s, nil
	}
	return nil, nil, errors.New("ec: signing failed: randomness source keeps producing degenerate nonces")
}

// Verify reports whether (r, s) is a valid ECDSA signature of digest by pub.
// It returns false for any malformed input (invalid key, r or s out of
// range). NIST curves are verified by crypto/ecdsa.
func Verify(pub *PublicKey, digest []byte, r, s *big.Int) bool {
	if pub == nil || r == nil || s == nil || pub.Validate() != nil {
		return false
	}
	c := pub.Curve
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(c.N) >= 0 || s.Cmp(c.N) >= 0 {
		return false
	}
	if std := c.stdCurve(); std != nil {
		k, err := ecdsa.ParseUncompressedPublicKey(std, pub.Bytes())
		if err != nil {
			return false
		}
		return ecdsa.Verify(k, digest, r, s)
	}
	e := hashToInt(digest, c.N)
	w := new(big.Int).ModInverse(s, c.N)
	if w == nil {
		return false
	}
	u1 := new(big.Int).Mul(e, w)
	u1.Mod(u1, c.N)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, c.N)
	x, y := c.combinedMult(pub.X, pub.Y, u1, u2)
	if isInfinity(x, y) {
		return false
	}
	return x.Mod(x, c.N).Cmp(r) == 0
}
