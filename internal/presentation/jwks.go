package presentation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// KeySet finds an issuer's public key by kid, e.g. from a published JWKS.
type KeySet interface {
	// Key returns the public key with this kid and the JWS algorithm it is
	// for ("" if the key does not say). For a kid it does not know it
	// returns an error wrapping ErrUnknownKey; any other error means the
	// set could not be consulted.
	Key(kid string) (pub crypto.PublicKey, alg string, err error)
}

// keySet is an immutable KeySet parsed from a JWKS.
type keySet map[string]keyEntry

type keyEntry struct {
	pub crypto.PublicKey
	alg string
}

func (s keySet) Key(kid string) (crypto.PublicKey, string, error) {
	e, ok := s[kid]
	if !ok {
		return nil, "", fmt.Errorf("kid %q not in the key set: %w", kid, ErrUnknownKey)
	}
	return e.pub, e.alg, nil
}

// JWKS parses a JSON Web Key Set (RFC 7517) into a KeySet. It keeps the
// signature keys it can use: EC P-256 (ES256), OKP Ed25519 (EdDSA) and RSA
// of 2048 to 8192 bits (RS256), each with a kid. It skips, without error,
// keys for another use ("use" other than "sig", or "key_ops" without
// "verify"), of another type, curve or algorithm, of a weak RSA size, or
// with no kid. It fails on a set that is not JSON, a usable key whose
// parameters are broken (not on the curve, wrong length), private key
// material, two usable keys with one kid, or no usable key at all.
func JWKS(data []byte) (KeySet, error) {
	var set map[string]json.RawMessage
	if err := json.Unmarshal(data, &set); err != nil || set == nil {
		return nil, errors.New("jwks: not a JSON object")
	}
	var keys []map[string]json.RawMessage
	if err := field(set, "keys", &keys, true); err != nil {
		return nil, fmt.Errorf("jwks: %v", err)
	}
	ks := keySet{}
	for i, k := range keys {
		kid, e, err := parseJWK(k)
		if err != nil {
			return nil, fmt.Errorf("jwks: key %d: %v", i, err)
		}
		if e.pub == nil {
			continue // not a key we can use
		}
		if _, dup := ks[kid]; dup {
			return nil, fmt.Errorf("jwks: kid %q used twice", kid)
		}
		ks[kid] = e
	}
	if len(ks) == 0 {
		return nil, errors.New("jwks: no usable signature key (EC P-256, Ed25519 or RSA ≥ 2048 with a kid)")
	}
	return ks, nil
}

// parseJWK returns a usable key, a zero entry for a key to skip, or an
// error for a broken one.
func parseJWK(k map[string]json.RawMessage) (string, keyEntry, error) {
	if k == nil {
		return "", keyEntry{}, errors.New("not an object")
	}
	var kty, crv, alg, use, kid string
	var ops []string
	for _, f := range []struct {
		name string
		to   any
	}{{"kty", &kty}, {"crv", &crv}, {"alg", &alg}, {"use", &use}, {"kid", &kid}, {"key_ops", &ops}} {
		if err := field(k, f.name, f.to, false); err != nil {
			return "", keyEntry{}, err
		}
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
		if _, ok := k[private]; ok {
			return "", keyEntry{}, fmt.Errorf("kid %q holds private key material (%q)", kid, private)
		}
	}
	if (use != "" && use != "sig") || (ops != nil && !slices.Contains(ops, "verify")) || kid == "" {
		return "", keyEntry{}, nil
	}
	bytesOf := func(name string, size int) ([]byte, error) {
		var s string
		if err := field(k, name, &s, true); err != nil {
			return nil, err
		}
		b, err := decodeB64(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if size > 0 && len(b) != size {
			return nil, fmt.Errorf("%s: %d bytes, want %d", name, len(b), size)
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("%s is empty", name)
		}
		return b, nil
	}
	switch {
	case kty == "EC" && crv == "P-256" && (alg == "" || alg == ES256):
		x, err := bytesOf("x", 32)
		if err != nil {
			return "", keyEntry{}, err
		}
		y, err := bytesOf("y", 32)
		if err != nil {
			return "", keyEntry{}, err
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
		if err != nil {
			return "", keyEntry{}, fmt.Errorf("kid %q: %v", kid, err)
		}
		return kid, keyEntry{pub, ES256}, nil
	case kty == "OKP" && crv == "Ed25519" && (alg == "" || alg == EdDSA || alg == "Ed25519"):
		x, err := bytesOf("x", ed25519.PublicKeySize)
		if err != nil {
			return "", keyEntry{}, err
		}
		return kid, keyEntry{ed25519.PublicKey(x), EdDSA}, nil
	case kty == "RSA" && (alg == "" || alg == RS256):
		n, err := bytesOf("n", 0)
		if err != nil {
			return "", keyEntry{}, err
		}
		e, err := bytesOf("e", 0)
		if err != nil {
			return "", keyEntry{}, err
		}
		ev := new(big.Int).SetBytes(e)
		if !ev.IsInt64() || ev.Int64() < 3 || ev.Int64() > 1<<31-1 || ev.Bit(0) == 0 {
			return "", keyEntry{}, fmt.Errorf("kid %q: bad exponent", kid)
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(ev.Int64())}
		if bits := pub.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return "", keyEntry{}, nil
		}
		return kid, keyEntry{pub, RS256}, nil
	}
	return "", keyEntry{}, nil
}

// MarshalJWKS returns the JWKS (RFC 7517) of the keys' public halves, each
// with kid, alg and "use":"sig", for publishing and for offline verifiers.
func MarshalJWKS(keys ...Key) ([]byte, error) {
	type jwk struct {
		Kty string `json:"kty"`
		Crv string `json:"crv,omitempty"`
		X   string `json:"x,omitempty"`
		Y   string `json:"y,omitempty"`
		N   string `json:"n,omitempty"`
		E   string `json:"e,omitempty"`
		Kid string `json:"kid"`
		Alg string `json:"alg"`
		Use string `json:"use"`
	}
	enc := base64.RawURLEncoding.EncodeToString
	out := struct {
		Keys []jwk `json:"keys"`
	}{Keys: []jwk{}}
	for _, k := range keys {
		if k.Signer == nil || k.ID == "" {
			return nil, fmt.Errorf("jwks: key %q has no ID or signer", k.ID)
		}
		pub := k.Signer.Public()
		if err := checkPublicKey(k.Algorithm, pub); err != nil {
			return nil, fmt.Errorf("jwks: key %q: %v", k.ID, err)
		}
		j := jwk{Kid: k.ID, Alg: k.Algorithm, Use: "sig"}
		switch pub := pub.(type) {
		case *ecdsa.PublicKey:
			b, err := pub.Bytes()
			if err != nil {
				return nil, fmt.Errorf("jwks: key %q: %v", k.ID, err)
			}
			j.Kty, j.Crv, j.X, j.Y = "EC", "P-256", enc(b[1:33]), enc(b[33:])
		case ed25519.PublicKey:
			j.Kty, j.Crv, j.X = "OKP", "Ed25519", enc(pub)
		case *rsa.PublicKey:
			j.Kty, j.N, j.E = "RSA", enc(pub.N.Bytes()), enc(big.NewInt(int64(pub.E)).Bytes())
		}
		out.Keys = append(out.Keys, j)
	}
	return json.Marshal(out)
}
