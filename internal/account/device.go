package account

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"
)

// ParseDevicePublicKey parses a device key sent by the app: a PKIX
// (SubjectPublicKeyInfo) DER key, base64 (standard or URL, padded or not),
// that is ECDSA P-256 (the key type of phone secure enclaves) or Ed25519.
func ParseDevicePublicKey(b64 string) ([]byte, error) {
	der, err := decodeBase64(b64)
	if err != nil {
		return nil, fmt.Errorf("device public key: %w", err)
	}
	if _, err := parsePublicKey(der); err != nil {
		return nil, err
	}
	return der, nil
}

func parsePublicKey(der []byte) (any, error) {
	if len(der) > 1024 {
		return nil, fmt.Errorf("device public key: too long")
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("device public key: %w", err)
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("device public key: ECDSA keys must be on P-256")
		}
	case ed25519.PublicKey:
	default:
		return nil, fmt.Errorf("device public key: %T is not supported (want ECDSA P-256 or Ed25519)", pub)
	}
	return pub, nil
}

// VerifyDeviceSignature checks a device's signature over message: ECDSA P-256
// with SHA-256 (ASN.1 DER signature) or Ed25519.
func VerifyDeviceSignature(publicKeyDER []byte, message []byte, sigB64 string) error {
	pub, err := parsePublicKey(publicKeyDER)
	if err != nil {
		return err
	}
	sig, err := decodeBase64(sigB64)
	if err != nil {
		return fmt.Errorf("device signature: %w", err)
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		sum := sha256.Sum256(message)
		if !ecdsa.VerifyASN1(k, sum[:], sig) {
			return fmt.Errorf("device signature: does not verify")
		}
	case ed25519.PublicKey:
		if !ed25519.Verify(k, message, sig) {
			return fmt.Errorf("device signature: does not verify")
		}
	}
	return nil
}

// RegistrationProof is the message a device signs to prove it holds the key
// it registered with.
func RegistrationProof(registrationID string) []byte {
	return []byte("vneid-register\n" + registrationID)
}

// challenger issues and checks stateless login challenges: an expiry, a
// random nonce and an HMAC binding both to the device, so any instance that
// shares the key can check them.
type challenger struct {
	key []byte
}

const challengeRaw = 8 + 16 + 32

func (c challenger) issue(deviceID string, expires time.Time) (string, error) {
	buf := make([]byte, challengeRaw)
	binary.BigEndian.PutUint64(buf, uint64(expires.Unix()))
	if _, err := rand.Read(buf[8:24]); err != nil {
		return "", fmt.Errorf("login challenge: %w", err)
	}
	copy(buf[24:], c.mac(deviceID, buf[:24]))
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

func (c challenger) mac(deviceID string, head []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte("vneid-login-challenge\n" + deviceID + "\n"))
	m.Write(head)
	return m.Sum(nil)
}

// check reports whether challenge was issued for deviceID and is unexpired.
func (c challenger) check(challenge, deviceID string, now time.Time) error {
	buf, err := base64.RawURLEncoding.Strict().DecodeString(challenge)
	if err != nil || len(buf) != challengeRaw {
		return fmt.Errorf("login challenge: malformed")
	}
	if !hmac.Equal(buf[24:], c.mac(deviceID, buf[:24])) {
		return fmt.Errorf("login challenge: not issued for this device")
	}
	if now.Unix() > int64(binary.BigEndian.Uint64(buf[:8])) {
		return fmt.Errorf("login challenge: expired")
	}
	return nil
}

// expiry returns when a well-formed challenge expires.
func (c challenger) expiry(challenge string) (time.Time, error) {
	buf, err := base64.RawURLEncoding.Strict().DecodeString(challenge)
	if err != nil || len(buf) != challengeRaw {
		return time.Time{}, fmt.Errorf("login challenge: malformed")
	}
	return time.Unix(int64(binary.BigEndian.Uint64(buf[:8])), 0), nil
}

// LoginProof is the message a device signs to log in.
func LoginProof(challenge, idNumber string) []byte {
	return []byte("vneid-login\n" + challenge + "\n" + idNumber)
}

func decodeBase64(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not base64")
}
