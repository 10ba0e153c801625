// Package x509lite is a small, strict X.509 certificate and CRL reader,
// signature verifier and builder on encoding/asn1. Unlike crypto/x509 it
// accepts elliptic-curve keys with explicit domain parameters (as used by
// ICAO 9303 country signing CAs, Vietnam's among them) on the brainpool and
// NIST curves, RSASSA-PSS, and BSI TR-03111 plain ECDSA signatures.
//
// It parses and verifies signatures; it does not build or validate chains
// (validity periods, name chaining, revocation policy and trust anchors are
// the caller's job). Parsing is strict DER: trailing data, wrong tags,
// non-minimal encodings and unknown elliptic curves are errors.
package x509lite

import "errors"

// Sentinel errors; every error returned by this package wraps at most one
// of them, with context, so that callers can tell the cases apart with
// errors.Is.
var (
	// ErrMalformed: the input is not the expected DER structure.
	ErrMalformed = errors.New("malformed DER")
	// ErrUnsupportedAlgorithm: a signature or hash algorithm (or its
	// parameters) that this package does not implement.
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
	// ErrUnsupportedKey: a public or private key type this package does not
	// implement.
	ErrUnsupportedKey = errors.New("unsupported key")
	// ErrUnknownCurve: an elliptic-curve key on a curve that is not one of
	// the known ones (named or explicit parameters).
	ErrUnknownCurve = errors.New("unknown elliptic curve")
	// ErrKeyMismatch: the key type does not fit the signature algorithm, or
	// a private key does not belong to the issuer certificate.
	ErrKeyMismatch = errors.New("key does not match")
	// ErrWeakKey: an RSA key shorter than 1024 bits.
	ErrWeakKey = errors.New("key too weak")
	// ErrBadSignature: the signature does not verify.
	ErrBadSignature = errors.New("signature verification failed")
	// ErrNotIssuer: the would-be issuer certificate may not sign
	// certificates or CRLs (not a CA, or key usage without keyCertSign /
	// cRLSign).
	ErrNotIssuer = errors.New("issuer not allowed to sign")
	// ErrInvalidTemplate: a certificate template or CRL request that cannot
	// be encoded.
	ErrInvalidTemplate = errors.New("invalid template")
)
