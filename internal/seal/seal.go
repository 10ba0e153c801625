// Package seal encrypts personal data at rest (biometrics, chip files, TOTP
// secrets) with AES-256-GCM. Each sealed value carries the ID of the key that
// sealed it, so keys can be rotated: new values use the newest key and old
// ones stay readable while their key is kept. Callers bind a value to its
// place (e.g. "evidence:<application>:<kind>") with additional data, so a
// sealed value copied to another row does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// ErrOpen means a sealed value could not be opened: it was altered, moved,
// or sealed with a key this box does not hold.
var ErrOpen = errors.New("seal: cannot open")

const version = 1

// Box seals and opens values. It is safe for concurrent use.
type Box struct {
	current byte
	aeads   map[byte]cipher.AEAD
}

// Key is one 32-byte AES-256 key with its ID (1–255).
type Key struct {
	ID    byte
	Bytes []byte
}

// New returns a box that seals with the last key given and opens with any.
func New(keys ...Key) (*Box, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no key")
	}
	b := &Box{aeads: map[byte]cipher.AEAD{}}
	for _, k := range keys {
		if k.ID == 0 {
			return nil, errors.New("seal: key ID 0 is reserved")
		}
		if len(k.Bytes) != 32 {
			return nil, fmt.Errorf("seal: key %d is %d bytes, want 32", k.ID, len(k.Bytes))
		}
		if _, dup := b.aeads[k.ID]; dup {
			return nil, fmt.Errorf("seal: key %d given twice", k.ID)
		}
		block, err := aes.NewCipher(k.Bytes)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %d: %w", k.ID, err)
		}
		b.aeads[k.ID] = aead
		b.current = k.ID
	}
	return b, nil
}

// Seal encrypts plaintext bound to ad: version, key ID, nonce, ciphertext.
func (b *Box) Seal(plaintext, ad []byte) ([]byte, error) {
	aead := b.aeads[b.current]
	out := make([]byte, 2+aead.NonceSize(), 2+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0], out[1] = version, b.current
	if _, err := rand.Read(out[2:]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return aead.Seal(out, out[2:], plaintext, b.ad(out[:2], ad)), nil
}

// Open decrypts a sealed value bound to ad.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	if len(sealed) < 2 || sealed[0] != version {
		return nil, fmt.Errorf("%w: not a sealed value", ErrOpen)
	}
	aead, ok := b.aeads[sealed[1]]
	if !ok {
		return nil, fmt.Errorf("%w: key %d is not held", ErrOpen, sealed[1])
	}
	n := aead.NonceSize()
	if len(sealed) < 2+n+aead.Overhead() {
		return nil, fmt.Errorf("%w: too short", ErrOpen)
	}
	pt, err := aead.Open(nil, sealed[2:2+n], sealed[2+n:], b.ad(sealed[:2], ad))
	if err != nil {
		return nil, fmt.Errorf("%w: altered or moved", ErrOpen)
	}
	return pt, nil
}

func (b *Box) ad(header, ad []byte) []byte {
	out := make([]byte, 0, len(header)+len(ad))
	return append(append(out, header...), ad...)
}
