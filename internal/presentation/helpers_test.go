package presentation

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"
)

// Test keys. The ES256 and EdDSA ones are fixed, so that fuzz corpora stay
// meaningful across runs; they sign nothing outside these tests.
func testES256(tb testing.TB) Key {
	tb.Helper()
	seed := sha256.Sum256([]byte("vneid presentation test ES256 key"))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed[:])
	if err != nil {
		tb.Fatal(err)
	}
	return Key{ID: "ES-20260301-5f3a9c1e", Algorithm: ES256, Signer: k}
}

func testEdDSA(tb testing.TB) Key {
	seed := sha256.Sum256([]byte("vneid presentation test Ed25519 key"))
	return Key{ID: "Ed-20260301-0b7d2e41", Algorithm: EdDSA, Signer: ed25519.NewKeyFromSeed(seed[:])}
}

// testRS256 generates a fresh RSA key (about 50 ms), so that no private
// key file sits in the repository; each call returns a different key.
func testRS256(tb testing.TB) Key {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return Key{ID: "RS-20260301-c4a81f09", Algorithm: RS256, Signer: k}
}

// testKeySet is the JWKS of the given keys, parsed back.
func testKeySet(tb testing.TB, keys ...Key) KeySet {
	tb.Helper()
	data, err := MarshalJWKS(keys...)
	if err != nil {
		tb.Fatal(err)
	}
	ks, err := JWKS(data)
	if err != nil {
		tb.Fatal(err)
	}
	return ks
}

// counterReader gives distinct, reproducible salts.
type counterReader struct{ n byte }

func (r *counterReader) Read(p []byte) (int, error) {
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

const testIssuer = "https://id.example.vn/oidc"

var testNow = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// realistic is a level-2 presentation of an e-ID card and a driving
// licence, as the app shows it at a checkpoint.
func realistic() Request {
	return Request{
		Issuer:    testIssuer,
		ID:        "Q2hpYTNLaG9hVGVzdDAx", // 20 base64url characters, as the server makes them
		Level:     2,
		IssuedAt:  testNow,
		ExpiresAt: testNow.Add(5 * time.Minute),
		Documents: []Document{
			{Kind: "eid", Claims: []Claim{
				{"id_number", "001190012345"},
				{"full_name", "Nguyễn Thị Thanh Hương"},
				{"date_of_birth", "1990-05-17"},
				{"gender", "Nữ"},
				{"nationality", "Việt Nam"},
				{"place_of_origin", "Hoằng Quỳ, Hoằng Hóa, Thanh Hóa"},
				{"place_of_residence", "Số 12 ngõ 34 phố Nguyễn Chí Thanh, Phường Láng Thượng, Quận Đống Đa, Hà Nội"},
				{"issued_on", "2021-04-10"},
				{"expires_on", "2030-05-17"},
			}},
			{Kind: "driving_licence", Claims: []Claim{
				{"number", "790123456789"},
				{"classes", []string{"A1", "B2"}},
				{"issued_on", "2022-08-01"},
				{"valid_until", "2032-08-01"},
				{"issuer", "Sở Giao thông Vận tải Hà Nội"},
			}},
		},
	}
}

func mustIssue(tb testing.TB, req Request, key Key) string {
	tb.Helper()
	s, err := Issue(req, key, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
