package x509lite

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"

	"github.com/vneid/vneid/internal/ec"
)

// minRSABits is the shortest RSA modulus accepted.
const minRSABits = 1024

// digestOf hashes data with the algorithm's hash.
func digestOf(s sigSpec, data []byte) ([]byte, error) {
	if !s.hash.Available() {
		return nil, fmt.Errorf("%w: hash %v not linked in", ErrUnsupportedAlgorithm, s.hash)
	}
	h := s.hash.New()
	h.Write(data)
	return h.Sum(nil), nil
}

func kindName(s sigSpec) string {
	if s.isRSA() {
		return "RSA"
	}
	return "ECDSA"
}

// VerifySignature verifies that sig is a signature of signed by pub
// (*rsa.PublicKey, *ec.PublicKey or *ecdsa.PublicKey) under alg:
// sha1/224/256/384/512WithRSAEncryption (PKCS #1 v1.5), RSASSA-PSS (with
// its parameters; MGF1 must use the message hash), ecdsa-with-SHA1/224/
// 256/384/512 (DER r, s) and the BSI TR-03111 ecdsa-plain-SHA1…SHA512
// (r || s). The errors wrap ErrUnsupportedAlgorithm, ErrUnsupportedKey,
// ErrKeyMismatch (key type does not fit alg), ErrWeakKey (RSA under 1024
// bits) or ErrBadSignature.
func VerifySignature(pub any, alg AlgorithmIdentifier, signed, sig []byte) error {
	if err := verifySignature(pub, alg, signed, sig); err != nil {
		return fmt.Errorf("x509lite: verify %s signature: %w", alg, err)
	}
	return nil
}

func verifySignature(pub any, alg AlgorithmIdentifier, signed, sig []byte) error {
	spec, err := lookupSignature(alg)
	if err != nil {
		return err
	}
	key, err := publicKeyOf(pub)
	if err != nil {
		return err
	}
	dg, err := digestOf(spec, signed)
	if err != nil {
		return err
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if !spec.isRSA() {
			return fmt.Errorf("%w: %s algorithm with an RSA key", ErrKeyMismatch, kindName(spec))
		}
		if k.N.BitLen() < minRSABits {
			return fmt.Errorf("%w: %d-bit RSA key", ErrWeakKey, k.N.BitLen())
		}
		if spec.kind == kindRSAPKCS1 {
			err = rsa.VerifyPKCS1v15(k, spec.hash, dg, sig)
		} else {
			salt := spec.salt
			if salt == 0 {
				salt = rsa.PSSSaltLengthAuto // crypto/rsa cannot demand an empty salt
			}
			err = rsa.VerifyPSS(k, spec.hash, dg, sig, &rsa.PSSOptions{SaltLength: salt, Hash: spec.hash})
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		return nil
	case *ec.PublicKey:
		if spec.isRSA() {
			return fmt.Errorf("%w: RSA algorithm with an EC key on %s", ErrKeyMismatch, k.Curve)
		}
		var r, s *big.Int
		if spec.kind == kindECDSA {
			r, s, err = ec.ParseDER(sig)
		} else {
			r, s, err = ec.ParsePlain(sig, k.Curve.OrderByteLen())
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrBadSignature, err)
		}
		if !ec.Verify(k, dg, r, s) {
			return ErrBadSignature
		}
		return nil
	}
	return fmt.Errorf("%w: %T", ErrUnsupportedKey, key)
}

// privateKeyOf normalises a private key to *rsa.PrivateKey or
// *ec.PrivateKey.
func privateKeyOf(priv any) (any, error) {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		if k == nil || k.N == nil {
			return nil, fmt.Errorf("%w: empty RSA key", ErrUnsupportedKey)
		}
		return k, nil
	case *ecdsa.PrivateKey:
		e, err := ec.PrivateKeyFromECDSA(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
		}
		return e, nil
	case *ec.PrivateKey:
		if k == nil {
			return nil, fmt.Errorf("%w: nil key", ErrUnsupportedKey)
		}
		return k, nil
	}
	return nil, fmt.Errorf("%w: private key of type %T", ErrUnsupportedKey, priv)
}

// publicOf returns the public half of a normalised private key.
func publicOf(priv any) any {
	switch k := priv.(type) {
	case *rsa.PrivateKey:
		return &k.PublicKey
	case *ec.PrivateKey:
		return &k.PublicKey
	}
	return nil
}

// samePublicKey reports whether two normalised public keys are equal.
func samePublicKey(a, b any) bool {
	switch k := a.(type) {
	case *rsa.PublicKey:
		return k.Equal(b)
	case *ec.PublicKey:
		return k.Equal(b)
	}
	return false
}

// Sign signs data with priv (*rsa.PrivateKey, *ecdsa.PrivateKey on a NIST
// curve, or *ec.PrivateKey) under alg, the counterpart of VerifySignature:
// RSA PKCS #1 v1.5, RSASSA-PSS (salt length from the parameters, which
// must be positive), ECDSA with a DER signature, and plain ECDSA (r || s)
// for the ecdsa-plain OIDs. Randomness comes from crypto/rand.
func Sign(priv any, alg AlgorithmIdentifier, data []byte) ([]byte, error) {
	sig, err := sign(priv, alg, data)
	if err != nil {
		return nil, fmt.Errorf("x509lite: sign with %s: %w", alg, err)
	}
	return sig, nil
}

func sign(priv any, alg AlgorithmIdentifier, data []byte) ([]byte, error) {
	spec, err := lookupSignature(alg)
	if err != nil {
		return nil, err
	}
	key, err := privateKeyOf(priv)
	if err != nil {
		return nil, err
	}
	dg, err := digestOf(spec, data)
	if err != nil {
		return nil, err
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if !spec.isRSA() {
			return nil, fmt.Errorf("%w: %s algorithm with an RSA key", ErrKeyMismatch, kindName(spec))
		}
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("%w: %d-bit RSA key", ErrWeakKey, k.N.BitLen())
		}
		if spec.kind == kindRSAPKCS1 {
			return rsa.SignPKCS1v15(rand.Reader, k, spec.hash, dg)
		}
		if spec.salt <= 0 {
			return nil, fmt.Errorf("%w: crypto/rsa cannot sign RSASSA-PSS with salt length %d", ErrUnsupportedAlgorithm, spec.salt)
		}
		return rsa.SignPSS(rand.Reader, k, spec.hash, dg, &rsa.PSSOptions{SaltLength: spec.salt, Hash: spec.hash})
	case *ec.PrivateKey:
		if spec.isRSA() {
			return nil, fmt.Errorf("%w: RSA algorithm with an EC key", ErrKeyMismatch)
		}
		r, s, err := ec.Sign(rand.Reader, k, dg)
		if err != nil {
			return nil, err
		}
		if spec.kind == kindECDSAPlain {
			return ec.MarshalPlain(r, s, k.Curve.OrderByteLen())
		}
		return ec.MarshalDER(r, s)
	}
	return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, key)
}

// DefaultSignatureAlgorithm returns the algorithm the builder uses for a
// key (public or private) when none is given: sha256WithRSAEncryption for
// RSA; for EC, ecdsa-with-SHA256 up to 256-bit curves, SHA384 up to
// 384-bit, SHA512 above (brainpoolP512r1, P-521).
func DefaultSignatureAlgorithm(key any) (AlgorithmIdentifier, error) {
	if k, err := privateKeyOf(key); err == nil {
		key = publicOf(k)
	}
	pub, err := publicKeyOf(key)
	if err != nil {
		return AlgorithmIdentifier{}, fmt.Errorf("x509lite: default signature algorithm: %w", err)
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return SHA256WithRSA(), nil
	case *ec.PublicKey:
		switch bits := k.Curve.N.BitLen(); {
		case bits <= 256:
			return ECDSAWithSHA256(), nil
		case bits <= 384:
			return ECDSAWithSHA384(), nil
		}
		return ECDSAWithSHA512(), nil
	}
	return AlgorithmIdentifier{}, fmt.Errorf("x509lite: default signature algorithm: %w: %T", ErrUnsupportedKey, key)
}
