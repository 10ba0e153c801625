package presentation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
)

func TestJWKSRoundTrip(t *testing.T) {
	keys := []Key{testES256(t), testEdDSA(t), testRS256(t)}
	data, err := MarshalJWKS(keys...)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), `"d"`) {
		t.Fatalf("JWKS holds private material: %s", data)
	}
	ks, err := JWKS(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		pub, alg, err := ks.Key(k.ID)
		if err != nil || alg != k.Algorithm {
			t.Fatalf("Key(%q) = %v, %q, %v", k.ID, pub, alg, err)
		}
		type equaler interface{ Equal(crypto.PublicKey) bool }
		if !pub.(equaler).Equal(k.Signer.Public()) {
			t.Errorf("Key(%q) is not the signer's public key", k.ID)
		}
	}
	if _, _, err := ks.Key("nope"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("Key(unknown) = %v", err)
	}
}

// jwkJSON returns one JWK of key as a map, to edit.
func jwkJSON(t *testing.T, key Key) map[string]any {
	data, err := MarshalJWKS(key)
	if err != nil {
		t.Fatal(err)
	}
	var set struct{ Keys []map[string]any }
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	return set.Keys[0]
}

func setOf(t *testing.T, keys ...map[string]any) []byte {
	data, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestJWKS(t *testing.T) {
	es, ed, rs := testES256(t), testEdDSA(t), testRS256(t)
	b64u := base64.RawURLEncoding.EncodeToString
	edit := func(k Key, f func(m map[string]any)) map[string]any {
		m := jwkJSON(t, k)
		f(m)
		return m
	}
	small := &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 1023), E: 65537}
	small.N.Add(small.N, big.NewInt(1))

	for _, tt := range []struct {
		name string
		data []byte
		kids []string // usable kids; nil means an error
	}{
		{"all three", setOf(t, jwkJSON(t, es), jwkJSON(t, ed), jwkJSON(t, rs)), []string{es.ID, ed.ID, rs.ID}},
		{"no alg: inferred", setOf(t, edit(es, func(m map[string]any) { delete(m, "alg") })), []string{es.ID}},
		{"Ed25519 alg name (RFC 9864)", setOf(t, edit(ed, func(m map[string]any) { m["alg"] = "Ed25519" })), []string{ed.ID}},
		{"encryption key skipped", setOf(t, jwkJSON(t, ed), edit(es, func(m map[string]any) { m["use"] = "enc" })), []string{ed.ID}},
		{"key_ops without verify skipped", setOf(t, jwkJSON(t, ed), edit(es, func(m map[string]any) { m["key_ops"] = []string{"encrypt"} })), []string{ed.ID}},
		{"key_ops with verify kept", setOf(t, edit(es, func(m map[string]any) { m["key_ops"] = []string{"verify"} })), []string{es.ID}},
		{"no kid skipped", setOf(t, jwkJSON(t, ed), edit(es, func(m map[string]any) { delete(m, "kid") })), []string{ed.ID}},
		{"HMAC key skipped", setOf(t, jwkJSON(t, ed), map[string]any{"kty": "oct", "kid": "h", "alg": "HS256"}), []string{ed.ID}},
		{"P-384 skipped", setOf(t, jwkJSON(t, ed), edit(es, func(m map[string]any) { m["crv"] = "P-384" })), []string{ed.ID}},
		{"PS256 RSA key skipped", setOf(t, jwkJSON(t, ed), edit(rs, func(m map[string]any) { m["alg"] = "PS256" })), []string{ed.ID}},
		{"EC key claiming EdDSA skipped", setOf(t, jwkJSON(t, ed), edit(es, func(m map[string]any) { m["alg"] = "EdDSA" })), []string{ed.ID}},
		{"RSA 1024 skipped", setOf(t, jwkJSON(t, ed), map[string]any{"kty": "RSA", "kid": "weak", "n": b64u(small.N.Bytes()), "e": "AQAB"}), []string{ed.ID}},
		{"unknown kty skipped", setOf(t, jwkJSON(t, ed), map[string]any{"kty": "XYZ", "kid": "x"}), []string{ed.ID}},

		{"not JSON", []byte("{"), nil},
		{"not an object", []byte("[]"), nil},
		{"no keys", []byte(`{}`), nil},
		{"keys not an array", []byte(`{"keys":{}}`), nil},
		{"key not an object", []byte(`{"keys":[1]}`), nil},
		{"null key", []byte(`{"keys":[null]}`), nil},
		{"empty", []byte(`{"keys":[]}`), nil},
		{"nothing usable", setOf(t, edit(es, func(m map[string]any) { m["use"] = "enc" })), nil},
		{"private EC key", setOf(t, edit(es, func(m map[string]any) { m["d"] = "AAAA" })), nil},
		{"private RSA key", setOf(t, edit(rs, func(m map[string]any) { m["p"] = "AAAA" })), nil},
		{"duplicate kid", setOf(t, jwkJSON(t, es), edit(ed, func(m map[string]any) { m["kid"] = es.ID })), nil},
		{"point not on the curve", setOf(t, edit(es, func(m map[string]any) { m["y"] = m["x"] })), nil},
		{"short x", setOf(t, edit(es, func(m map[string]any) { m["x"] = "AAAA" })), nil},
		{"x not base64url", setOf(t, edit(ed, func(m map[string]any) { m["x"] = strings.Repeat("+", 43) })), nil},
		{"x a number", setOf(t, edit(ed, func(m map[string]any) { m["x"] = 1 })), nil},
		{"kid a number", setOf(t, edit(ed, func(m map[string]any) { m["kid"] = 1 })), nil},
		{"even RSA exponent", setOf(t, edit(rs, func(m map[string]any) { m["e"] = "AQAA" })), nil},
		{"huge RSA exponent", setOf(t, edit(rs, func(m map[string]any) { m["e"] = "AQAAAAAB" })), nil},
		{"no RSA modulus", setOf(t, edit(rs, func(m map[string]any) { delete(m, "n") })), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := JWKS(tt.data)
			if tt.kids == nil {
				if err == nil {
					t.Fatalf("JWKS(%s) succeeded", tt.data)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(ks.(keySet)); got != len(tt.kids) {
				t.Errorf("%d usable keys, want %v", got, tt.kids)
			}
			for _, kid := range tt.kids {
				if _, _, err := ks.Key(kid); err != nil {
					t.Errorf("Key(%q): %v", kid, err)
				}
			}
		})
	}
}

func TestMarshalJWKSRefusals(t *testing.T) {
	es, ed, rs := testES256(t), testEdDSA(t), testRS256(t)
	for _, k := range []Key{
		{ID: "", Algorithm: ES256, Signer: es.Signer},
		{ID: "x", Algorithm: ES256},
		{ID: "x", Algorithm: EdDSA, Signer: es.Signer},
		{ID: "x", Algorithm: "HS256", Signer: es.Signer},
	} {
		if _, err := MarshalJWKS(k); err == nil {
			t.Errorf("MarshalJWKS(%+v) succeeded", k)
		}
	}
	// The types the JWKS yields are the ones checkPublicKey expects.
	ks := testKeySet(t, es, ed, rs)
	for kid, want := range map[string]any{
		es.ID: (*ecdsa.PublicKey)(nil), ed.ID: ed25519.PublicKey(nil), rs.ID: (*rsa.PublicKey)(nil),
	} {
		pub, _, _ := ks.Key(kid)
		if got, w := fmt.Sprintf("%T", pub), fmt.Sprintf("%T", want); got != w {
			t.Errorf("%s: %s, want %s", kid, got, w)
		}
	}
}
