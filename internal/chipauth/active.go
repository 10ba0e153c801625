package chipauth

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/subtle"
	"math/big"

	"github.com/vneid/vneid/internal/ec"
	"github.com/vneid/vneid/internal/icao"
	"github.com/vneid/vneid/internal/x509lite"
)

// ChallengeSize is the length of an active-authentication challenge.
const ChallengeSize = 8

// Active verifies the chip's answer to challenge with the DG15 key
// (Doc 9303 Part 11 §6.1): for RSA, an ISO/IEC 9796-2 digital signature
// scheme 1 signature with partial message recovery; for EC, ECDSA (plain
// r||s or DER) with the hash DG14 names. res must have passed Passive, so
// the key is the chip's own.
func Active(res *Result, challenge, answer []byte) error {
	if len(challenge) != ChallengeSize {
		return fail(ReasonAAChallenge, "challenge is %d bytes, want %d", len(challenge), ChallengeSize)
	}
	if res.DG15 == nil {
		return fail(ReasonAAKeyMissing, "DG15 was not sent")
	}
	key, err := x509lite.ParsePublicKey(res.DG15.SubjectPublicKeyInfo)
	if err != nil {
		return fail(ReasonAAAlgorithm, "DG15 key: %v", err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		return verifyISO9796(k, challenge, answer)
	case *ec.PublicKey:
		if res.DG14 == nil || res.DG14.ActiveAuthentication == nil {
			return fail(ReasonAAAlgorithm, "an EC key needs DG14 to name the signature algorithm")
		}
		h, err := icao.AAHash(res.DG14.ActiveAuthentication.SignatureAlgorithm)
		if err != nil {
			return fail(ReasonAAAlgorithm, "%v", err)
		}
		d := h.New()
		d.Write(challenge)
		digest := d.Sum(nil)
		r, s, err := ec.ParsePlain(answer, k.Curve.OrderByteLen())
		if err != nil {
			if r, s, err = ec.ParseDER(answer); err != nil {
				return fail(ReasonAASignature, "answer is neither plain nor DER ECDSA")
			}
		}
		if !ec.Verify(k, digest, r, s) {
			return fail(ReasonAASignature, "ECDSA answer does not sign the challenge")
		}
		return nil
	default:
		return fail(ReasonAAAlgorithm, "DG15 key type %T", key)
	}
}

// iso9796Hash maps the two-byte trailer's hash identifier (ISO/IEC 10118-3)
// to a hash; the one-byte trailer 0xBC means SHA-1.
func iso9796Hash(id byte) (crypto.Hash, bool) {
	switch id {
	case 0x33:
		return crypto.SHA1, true
	case 0x34:
		return crypto.SHA256, true
	case 0x35:
		return crypto.SHA512, true
	case 0x36:
		return crypto.SHA384, true
	case 0x38:
		return crypto.SHA224, true
	}
	return 0, false
}

// verifyISO9796 checks an ISO/IEC 9796-2 scheme 1 signature with partial
// recovery: the recovered representative is 0x6A || M1 || H(M1 || M2) ||
// trailer, with M2 the challenge.
func verifyISO9796(k *rsa.PublicKey, challenge, sig []byte) error {
	size := k.Size()
	if len(sig) != size {
		return fail(ReasonAASignature, "RSA answer is %d bytes, want %d", len(sig), size)
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(k.N) >= 0 {
		return fail(ReasonAASignature, "RSA answer out of range")
	}
	m := new(big.Int).Exp(s, big.NewInt(int64(k.E)), k.N)
	f := m.FillBytes(make([]byte, size))
	h, trailer := crypto.SHA1, 1
	switch {
	case f[size-1] == 0xBC:
	case f[size-1] == 0xCC:
		var ok bool
		if h, ok = iso9796Hash(f[size-2]); !ok {
			return fail(ReasonAAAlgorithm, "ISO/IEC 9796-2 hash identifier %#x", f[size-2])
		}
		trailer = 2
	default:
		return fail(ReasonAASignature, "no ISO/IEC 9796-2 trailer")
	}
	if f[0]&0xF0 != 0x60 || f[0]&0x0F != 0x0A {
		// 0x6A: partial recovery, padding ends with the first byte.
		return fail(ReasonAASignature, "ISO/IEC 9796-2 header %#x is not partial recovery (0x6A)", f[0])
	}
	hl := h.Size()
	if size < 1+hl+trailer+1 {
		return fail(ReasonAASignature, "RSA key too small for ISO/IEC 9796-2")
	}
	m1 := f[1 : size-trailer-hl]
	got := f[size-trailer-hl : size-trailer]
	d := h.New()
	d.Write(m1)
	d.Write(challenge)
	if subtle.ConstantTimeCompare(d.Sum(nil), got) != 1 {
		return fail(ReasonAASignature, "ISO/IEC 9796-2 hash does not cover the challenge")
	}
	return nil
}

// SignISO9796 makes an ISO/IEC 9796-2 scheme 1 signature (SHA-1, trailer
// 0xBC) over m1 || challenge, as a chip does; m1 must fill the recoverable
// part. It uses math/big without blinding and is for the test kit only.
func SignISO9796(k *rsa.PrivateKey, m1, challenge []byte) ([]byte, error) {
	size := k.Size()
	h := crypto.SHA1
	if len(m1) != size-2-h.Size() {
		return nil, fail(ReasonAAAlgorithm, "M1 is %d bytes, want %d", len(m1), size-2-h.Size())
	}
	d := h.New()
	d.Write(m1)
	d.Write(challenge)
	f := bytes.Join([][]byte{{0x6A}, m1, d.Sum(nil), {0xBC}}, nil)
	m := new(big.Int).SetBytes(f)
	if m.Cmp(k.N) >= 0 {
		return nil, fail(ReasonAAAlgorithm, "representative not below the modulus")
	}
	s := new(big.Int).Exp(m, k.D, k.N)
	return s.FillBytes(make([]byte, size)), nil
}
