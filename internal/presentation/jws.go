package presentation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// The JWS algorithms this package signs and verifies (RFC 7518, RFC 8037).
const (
	ES256 = "ES256" // ECDSA P-256 with SHA-256
	EdDSA = "EdDSA" // Ed25519
	RS256 = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256, modulus ≥ 2048 bits
)

const (
	minRSABits = 2048
	maxRSABits = 8192
)

// b64 is base64url without padding, refusing non-canonical trailing bits.
var b64 = base64.RawURLEncoding.Strict()

// isB64URL reports whether s holds only base64url characters. The decoder
// itself skips CR and LF, which would let a copy differ from the signed text.
func isB64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func decodeB64(s string) ([]byte, error) {
	if !isB64URL(s) {
		return nil, fmt.Errorf("not base64url")
	}
	return b64.DecodeString(s)
}

// allowed reports whether alg is in the allowed list; an empty list allows
// all three supported algorithms. "none" and the HMAC algorithms are never
// allowed, whatever the list says: an issuer key is public, so an HMAC made
// with it proves nothing.
func allowed(list []string, alg string) bool {
	if alg == "none" || strings.HasPrefix(alg, "HS") || !supported(alg) {
		return false
	}
	return len(list) == 0 || slices.Contains(list, alg)
}

func supported(alg string) bool {
	return alg == ES256 || alg == EdDSA || alg == RS256
}

// checkPublicKey reports whether pub is a key alg can be used with.
func checkPublicKey(alg string, pub crypto.PublicKey) error {
	switch alg {
	case ES256:
		if k, ok := pub.(*ecdsa.PublicKey); ok && k != nil && k.Curve == elliptic.P256() && k.X != nil && k.Y != nil {
			return nil
		}
		return fmt.Errorf("ES256 needs a P-256 key, not %T", pub)
	case EdDSA:
		if k, ok := pub.(ed25519.PublicKey); ok && len(k) == ed25519.PublicKeySize {
			return nil
		}
		return fmt.Errorf("EdDSA needs an Ed25519 key, not %T", pub)
	case RS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || k == nil || k.N == nil {
			return fmt.Errorf("RS256 needs an RSA key, not %T", pub)
		}
		if n := k.N.BitLen(); n < minRSABits || n > maxRSABits {
			return fmt.Errorf("RSA key of %d bits (need %d–%d)", n, minRSABits, maxRSABits)
		}
		return nil
	}
	return fmt.Errorf("unsupported algorithm %q", alg)
}

// sign returns the JWS signature of input (RFC 7518 §3: ES256 as the 64-byte
// R‖S, not ASN.1). Signing randomness comes from crypto/rand, whatever reader
// the caller gave for salts.
func sign(key Key, input []byte) ([]byte, error) {
	switch key.Algorithm {
	case ES256:
		h := sha256.Sum256(input)
		der, err := key.Signer.Sign(rand.Reader, h[:], crypto.SHA256)
		if err != nil {
			return nil, err
		}
		var rs struct{ R, S *big.Int }
		rest, err := asn1.Unmarshal(der, &rs)
		if err != nil || len(rest) != 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 ||
			rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
			return nil, fmt.Errorf("signer returned a malformed ECDSA signature")
		}
		sig := make([]byte, 64)
		rs.R.FillBytes(sig[:32])
		rs.S.FillBytes(sig[32:])
		return sig, nil
	case EdDSA:
		return key.Signer.Sign(rand.Reader, input, crypto.Hash(0))
	case RS256:
		h := sha256.Sum256(input)
		return key.Signer.Sign(rand.Reader, h[:], crypto.SHA256)
	}
	return nil, fmt.Errorf("unsupported algorithm %q", key.Algorithm)
}

// verifySignature checks a JWS signature. It returns an ErrAlgorithm error
// when the key does not suit alg and an ErrSignature error when the
// signature does not verify.
func verifySignature(alg string, pub crypto.PublicKey, input, sig []byte) error {
	if err := checkPublicKey(alg, pub); err != nil {
		return fmt.Errorf("%v: %w", err, ErrAlgorithm)
	}
	ok := false
	switch alg {
	case ES256:
		if len(sig) == 64 {
			h := sha256.Sum256(input)
			r := new(big.Int).SetBytes(sig[:32])
			s := new(big.Int).SetBytes(sig[32:])
			ok = ecdsa.Verify(pub.(*ecdsa.PublicKey), h[:], r, s)
		}
	case EdDSA:
		ok = len(sig) == ed25519.SignatureSize && ed25519.Verify(pub.(ed25519.PublicKey), input, sig)
	case RS256:
		h := sha256.Sum256(input)
		ok = rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, h[:], sig) == nil
	}
	if !ok {
		return fmt.Errorf("%s signature does not verify: %w", alg, ErrSignature)
	}
	return nil
}
