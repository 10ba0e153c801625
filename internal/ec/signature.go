package ec

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
)

// ErrInvalidSignature is wrapped by every error about a malformed signature
// encoding (not about a signature that fails to verify).
var ErrInvalidSignature = errors.New("ec: malformed signature")

type derSignature struct {
	R, S *big.Int
}

// MarshalDER encodes (r, s) as the DER SEQUENCE { r INTEGER, s INTEGER }
// of X9.62 / RFC 3279. r and s must be positive.
func MarshalDER(r, s *big.Int) ([]byte, error) {
	if r == nil || s == nil || r.Sign() <= 0 || s.Sign() <= 0 {
		return nil, fmt.Errorf("%w: r and s must be positive", ErrInvalidSignature)
	}
	b, err := asn1.Marshal(derSignature{r, s})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	return b, nil
}

// ParseDER decodes a DER SEQUENCE { r INTEGER, s INTEGER }. It is strict:
// the input must be the exact DER encoding of two positive integers, with
// no trailing data and no extra elements.
func ParseDER(sig []byte) (r, s *big.Int, err error) {
	var v derSignature
	rest, err := asn1.Unmarshal(sig, &v)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrInvalidSignature, err)
	}
	if len(rest) != 0 {
		return nil, nil, fmt.Errorf("%w: %d bytes of trailing data", ErrInvalidSignature, len(rest))
	}
	if v.R == nil || v.S == nil || v.R.Sign() <= 0 || v.S.Sign() <= 0 {
		return nil, nil, fmt.Errorf("%w: r and s must be positive", ErrInvalidSignature)
	}
	// encoding/asn1 tolerates extra elements at the end of a SEQUENCE;
	// DER is canonical, so re-encoding catches that and any other laxity.
	again, err := asn1.Marshal(v)
	if err != nil || !bytes.Equal(again, sig) {
		return nil, nil, fmt.Errorf("%w: not the DER encoding of SEQUENCE { r, s }", ErrInvalidSignature)
	}
	return v.R, v.S, nil
}

// ParsePlain decodes a plain signature r || s (BSI TR-03111, section
// 5.2.1), each half byteLen bytes long (the byte length of the curve order,
// Curve.OrderByteLen). r and s must be non-zero.
func ParsePlain(sig []byte, byteLen int) (r, s *big.Int, err error) {
	if byteLen <= 0 || len(sig) != 2*byteLen {
		return nil, nil, fmt.Errorf("%w: plain signature is %d bytes, want %d", ErrInvalidSignature, len(sig), 2*byteLen)
	}
	r = new(big.Int).SetBytes(sig[:byteLen])
	s = new(big.Int).SetBytes(sig[byteLen:])
	if r.Sign() == 0 || s.Sign() == 0 {
		return nil, nil, fmt.Errorf("%w: r and s must be non-zero", ErrInvalidSignature)
	}
	return r, s, nil
}

// MarshalPlain encodes (r, s) as r || s, each padded to byteLen bytes.
func MarshalPlain(r, s *big.Int, byteLen int) ([]byte, error) {
	if r == nil || s == nil || r.Sign() <= 0 || s.Sign() <= 0 {
		return nil, fmt.Errorf("%w: r and s must be positive", ErrInvalidSignature)
	}
	if byteLen <= 0 || r.BitLen() > 8*byteLen || s.BitLen() > 8*byteLen {
		return nil, fmt.Errorf("%w: r or s longer than %d bytes", ErrInvalidSignature, byteLen)
	}
	out := make([]byte, 2*byteLen)
	r.FillBytes(out[:byteLen])
	s.FillBytes(out[byteLen:])
	return out, nil
}
