package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// KeySecretName is the name of the store secret that holds the checkpoint
// key's Ed25519 seed.
const KeySecretName = "audit-checkpoint-ed25519"

// checkpointTag opens every signed checkpoint message.
const checkpointTag = "vneid-audit-checkpoint-v1"

// Signer signs checkpoints with an Ed25519 key. The built-in Ed25519Signer
// keeps its key in the store's secrets; an HSM or KMS that holds the key
// elsewhere implements the same two methods.
type Signer interface {
	// KeyID names the key; it is stored with every checkpoint so that
	// verification picks the right public key after a rotation. KeyIDOf
	// derives it from the public key.
	KeyID() string
	// Sign returns the Ed25519 signature of message.
	Sign(ctx context.Context, message []byte) ([]byte, error)
}

// Ed25519Signer is a Signer on a private key held in memory.
type Ed25519Signer struct {
	key ed25519.PrivateKey
	id  string
}

// NewEd25519Signer returns a Signer on key.
func NewEd25519Signer(key ed25519.PrivateKey) *Ed25519Signer {
	return &Ed25519Signer{key: key, id: KeyIDOf(key.Public().(ed25519.PublicKey))}
}

// Secrets is the store's shared-secret method (store.SecretQueries).
type Secrets interface {
	// Secret returns the secret called name, storing value first if there
	// is none yet.
	Secret(ctx context.Context, name string, value []byte) ([]byte, error)
}

// LoadKey returns the signer on the checkpoint key kept in the store under
// KeySecretName, creating the key on first use. Every instance gets the same
// key. The store wraps its secrets under the master key (package keyring),
// so the seed is not in the database in the clear; a seed the store cannot
// unwrap is an error here, never a new key.
func LoadKey(ctx context.Context, s Secrets) (*Ed25519Signer, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("audit checkpoint key: %w", err)
	}
	seed, err := s.Secret(ctx, KeySecretName, seed)
	if err != nil {
		return nil, fmt.Errorf("audit checkpoint key: %w", err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit checkpoint key: stored seed has %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	return NewEd25519Signer(ed25519.NewKeyFromSeed(seed)), nil
}

// KeyID names the key.
func (s *Ed25519Signer) KeyID() string { return s.id }

// PublicKey returns the key that verifies the signer's checkpoints.
func (s *Ed25519Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign signs message.
func (s *Ed25519Signer) Sign(_ context.Context, message []byte) ([]byte, error) {
	return ed25519.Sign(s.key, message), nil
}

// KeyIDOf names a public key: "ed25519:" and the first 8 bytes of the
// SHA-256 of the key, in hex.
func KeyIDOf(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:8])
}

// FormatPublicKey writes a public key as operators copy it: standard base64.
func FormatPublicKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// ParsePublicKey reads a public key written by FormatPublicKey, or in hex;
// a key ID before it (as `vneid audit key` prints them) is ignored.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	if f := strings.Fields(s); len(f) > 0 {
		s = f[len(f)-1]
	}
	for _, dec := range []func(string) ([]byte, error){base64.StdEncoding.DecodeString, base64.RawURLEncoding.DecodeString, hex.DecodeString} {
		if b, err := dec(s); err == nil && len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b), nil
		}
	}
	return nil, errors.New("audit public key: want 32 bytes in base64 or hex")
}

// CheckpointMessage returns the bytes a checkpoint's signature covers: the
// tag "vneid-audit-checkpoint-v1", the decimal sequence number, the chain
// hash, the signing time in UTC as RFC 3339 with nanoseconds and the key ID,
// each as a 4-byte big-endian length and its bytes.
func CheckpointMessage(seq int64, hash []byte, signedAt time.Time, keyID string) []byte {
	var b []byte
	b = appendField(b, []byte(checkpointTag))
	b = appendField(b, []byte(strconv.FormatInt(seq, 10)))
	b = appendField(b, hash)
	b = appendField(b, []byte(signedAt.UTC().Format(time.RFC3339Nano)))
	b = appendField(b, []byte(keyID))
	return b
}

// Keys are the public keys verification accepts, by key ID.
type Keys map[string]ed25519.PublicKey

// NewKeys indexes public keys by their key IDs.
func NewKeys(pubs ...ed25519.PublicKey) Keys {
	k := make(Keys, len(pubs))
	for _, p := range pubs {
		k[KeyIDOf(p)] = p
	}
	return k
}
