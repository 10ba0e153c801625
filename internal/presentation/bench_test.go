package presentation

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
)

func benchVerify(b *testing.B, key Key) {
	s := mustIssue(b, realistic(), key)
	keys := testKeySet(b, key)
	opts := verifyOpts()
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(s, keys, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyES256 is a verifier's full check of the realistic
// presentation (14 disclosures): parse, digests, key lookup, signature,
// claims.
func BenchmarkVerifyES256(b *testing.B) { benchVerify(b, testES256(b)) }

func BenchmarkVerifyEdDSA(b *testing.B) { benchVerify(b, testEdDSA(b)) }

func BenchmarkVerifyRS256(b *testing.B) { benchVerify(b, testRS256(b)) }

// signingInput returns the signing input and signature of the realistic
// presentation, for the raw-signature baselines.
func signingInput(b *testing.B, key Key) (input, sig []byte) {
	s := mustIssue(b, realistic(), key)
	jwt, _, _ := strings.Cut(s, "~")
	i := strings.LastIndexByte(jwt, '.')
	sig, err := decodeB64(jwt[i+1:])
	if err != nil {
		b.Fatal(err)
	}
	return []byte(jwt[:i]), sig
}

// BenchmarkRawES256Verify is the floor under BenchmarkVerifyES256: the
// SHA-256 and ECDSA verification of the same signing input, nothing else.
func BenchmarkRawES256Verify(b *testing.B) {
	key := testES256(b)
	input, sig := signingInput(b, key)
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
	if err != nil {
		b.Fatal(err)
	}
	pub := key.Signer.Public().(*ecdsa.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.Sum256(input)
		if !ecdsa.VerifyASN1(pub, h[:], der) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkRawEd25519Verify is the floor under BenchmarkVerifyEdDSA.
func BenchmarkRawEd25519Verify(b *testing.B) {
	key := testEdDSA(b)
	input, sig := signingInput(b, key)
	pub := key.Signer.Public().(ed25519.PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, input, sig) {
			b.Fatal("does not verify")
		}
	}
}

// BenchmarkPeek is the parse and digest work alone.
func BenchmarkPeek(b *testing.B) {
	s := mustIssue(b, realistic(), testES256(b))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Peek(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssueES256 is the server's cost of one realistic presentation.
func BenchmarkIssueES256(b *testing.B) {
	key := testES256(b)
	req := realistic()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Issue(req, key, nil); err != nil {
			b.Fatal(err)
		}
	}
}
