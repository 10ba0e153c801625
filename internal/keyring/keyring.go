// Package keyring keeps the server's secrets under a master key (a
// key-encryption key): the store's shared secrets, among them the seal
// package's data keys, are wrapped by a Master before they are written and
// unwrapped when they are read, so a copy of the database alone opens
// nothing.
//
// A Master is the seam for key custody. The built-in one, Local, is a
// 32-byte AES-256-GCM key read from a file or the environment. An HSM or a
// cloud KMS plugs in by implementing Master on its own API: Wrap and Unwrap
// become the device's encrypt and decrypt calls (PKCS#11 C_WrapKey or
// C_Encrypt with CKM_AES_GCM, a KMS Encrypt/Decrypt with the additional data
// as encryption context) and ID names the key in the device (its label or
// key version), so that the key never leaves it. Nothing else changes: a
// Ring holds whichever Masters are configured, wraps with the current one
// and unwraps with the one whose ID a wrapped value names.
//
// A wrapped value is "vneid:wrap:v1:" + master ID + ":" + the master's
// output; anything else is a legacy plaintext value (see Parse).
package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Master is a key-encryption key. Implementations must be safe for
// concurrent use.
type Master interface {
	// ID names the key: short, stable, without ':' and never secret. It is
	// written beside every value the key wraps, so the right key can be
	// found after a rotation.
	ID() string
	// Wrap encrypts plaintext bound to aad (the secret's name): the value
	// does not unwrap under another aad.
	Wrap(ctx context.Context, plaintext, aad []byte) ([]byte, error)
	// Unwrap decrypts what Wrap returned for the same aad; an altered or
	// moved value is an error.
	Unwrap(ctx context.Context, wrapped, aad []byte) ([]byte, error)
}

// Prefix starts every wrapped value.
const Prefix = "vneid:wrap:v1:"

// maxIDLen bounds a master ID in a wrapped value.
const maxIDLen = 128

// ErrMalformed means a value starts like a wrapped value but is not one.
var ErrMalformed = errors.New("keyring: malformed wrapped value")

// MissingKeyError means a value is wrapped under a master key that is not
// loaded.
type MissingKeyError struct{ ID string }

func (e *MissingKeyError) Error() string {
	return fmt.Sprintf("keyring: wrapped under master key %s, which is not loaded (give it with -master-key-file, -master-key-old or VNEID_MASTER_KEY)", e.ID)
}

// IsWrapped reports whether v carries the wrapped-value prefix.
func IsWrapped(v []byte) bool { return strings.HasPrefix(string(v), Prefix) }

// Parse splits a wrapped value into the master ID and the master's output.
// ok is false for a value without the prefix (a legacy plaintext value);
// a value with the prefix but no valid ID is ErrMalformed.
func Parse(v []byte) (id string, payload []byte, ok bool, err error) {
	if !IsWrapped(v) {
		return "", nil, false, nil
	}
	rest := v[len(Prefix):]
	i := strings.IndexByte(string(rest[:min(len(rest), maxIDLen+1)]), ':')
	if i <= 0 {
		return "", nil, true, ErrMalformed
	}
	id = string(rest[:i])
	if !validID(id) {
		return "", nil, true, ErrMalformed
	}
	return id, rest[i+1:], true, nil
}

func validID(id string) bool {
	if id == "" || len(id) > maxIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// Ring holds the configured masters: it wraps with the current one and
// unwraps with any. A nil *Ring holds none. It is safe for concurrent use.
type Ring struct {
	current Master
	byID    map[string]Master
}

// NewRing returns a ring that wraps with current and unwraps with current
// and every previous master (kept for values not yet re-wrapped).
func NewRing(current Master, previous ...Master) (*Ring, error) {
	if current == nil {
		return nil, errors.New("keyring: no current master key")
	}
	r := &Ring{current: current, byID: map[string]Master{}}
	for _, m := range append([]Master{current}, previous...) {
		if !validID(m.ID()) {
			return nil, fmt.Errorf("keyring: master key ID %q is not valid", m.ID())
		}
		if _, dup := r.byID[m.ID()]; dup {
			continue // the same key given twice (e.g. as current and old)
		}
		r.byID[m.ID()] = m
	}
	return r, nil
}

// CurrentID is the ID of the master that wraps, or "" for a nil ring.
func (r *Ring) CurrentID() string {
	if r == nil {
		return ""
	}
	return r.current.ID()
}

// IDs lists the loaded masters, the current one first.
func (r *Ring) IDs() []string {
	if r == nil {
		return nil
	}
	out := []string{r.current.ID()}
	for id := range r.byID {
		if id != r.current.ID() {
			out = append(out, id)
		}
	}
	return out
}

// Masters lists the loaded masters, the current one first.
func (r *Ring) Masters() []Master {
	var out []Master
	for _, id := range r.IDs() {
		out = append(out, r.byID[id])
	}
	return out
}

// Has reports whether the master called id is loaded.
func (r *Ring) Has(id string) bool {
	if r == nil {
		return false
	}
	_, ok := r.byID[id]
	return ok
}

// Wrap wraps plaintext under the current master, bound to name.
func (r *Ring) Wrap(ctx context.Context, name string, plaintext []byte) ([]byte, error) {
	if r == nil {
		return nil, errors.New("keyring: no master key loaded")
	}
	w, err := r.current.Wrap(ctx, plaintext, []byte(name))
	if err != nil {
		return nil, fmt.Errorf("keyring: wrap %s under %s: %w", name, r.current.ID(), err)
	}
	out := make([]byte, 0, len(Prefix)+len(r.current.ID())+1+len(w))
	out = append(append(append(append(out, Prefix...), r.current.ID()...), ':'), w...)
	return out, nil
}

// Unwrap returns the plaintext of a value Wrap returned for name. A value
// under a master the ring does not hold is a *MissingKeyError (also for a
// nil ring). A value without the prefix is returned as it is, with
// legacy true: it was stored before the secrets were wrapped.
func (r *Ring) Unwrap(ctx context.Context, name string, v []byte) (plaintext []byte, legacy bool, err error) {
	id, payload, ok, err := Parse(v)
	if !ok {
		return v, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("secret %s: %w", name, err)
	}
	if !r.Has(id) {
		return nil, false, fmt.Errorf("secret %s: %w", name, &MissingKeyError{ID: id})
	}
	pt, err := r.byID[id].Unwrap(ctx, payload, []byte(name))
	if err != nil {
		return nil, false, fmt.Errorf("secret %s: unwrap under master key %s: %w", name, id, err)
	}
	return pt, false, nil
}

// Local is a master key held in memory: AES-256-GCM with a random nonce.
// Its ID is the first 8 hex digits of the key's SHA-256.
type Local struct {
	id   string
	aead cipher.AEAD
}

// KeySize is the length of a local master key.
const KeySize = 32

// NewLocal returns the local master for a 32-byte key.
func NewLocal(key []byte) (*Local, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("keyring: master key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key)
	return &Local{id: hex.EncodeToString(sum[:4]), aead: aead}, nil
}

// ID implements Master.
func (l *Local) ID() string { return l.id }

// Wrap implements Master: nonce then ciphertext.
func (l *Local) Wrap(_ context.Context, plaintext, aad []byte) ([]byte, error) {
	out := make([]byte, l.aead.NonceSize(), l.aead.NonceSize()+len(plaintext)+l.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	return l.aead.Seal(out, out, plaintext, aad), nil
}

// Unwrap implements Master.
func (l *Local) Unwrap(_ context.Context, wrapped, aad []byte) ([]byte, error) {
	n := l.aead.NonceSize()
	if len(wrapped) < n+l.aead.Overhead() {
		return nil, errors.New("wrapped value too short")
	}
	pt, err := l.aead.Open(nil, wrapped[:n], wrapped[n:], aad)
	if err != nil {
		return nil, errors.New("wrapped value altered, moved or under another key")
	}
	return pt, nil
}

// ParseKey reads a master key: exactly 32 raw bytes, or 32 bytes in
// standard or URL-safe base64 or hex (surrounding white space ignored).
func ParseKey(b []byte) ([]byte, error) {
	if len(b) == KeySize {
		return b, nil
	}
	s := strings.TrimSpace(string(b))
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("keyring: a master key is %d bytes (raw, base64 or hex); this one is not", KeySize)
}

// LoadFile reads a local master key from a file that only its owner may
// read: a file readable by group or others is refused.
func LoadFile(path string) (*Local, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("master key file %s is a directory", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("master key file %s is readable by group or others (mode %04o): run chmod 600 %s", path, perm, path)
	}
	b := make([]byte, 4<<10)
	n, err := f.Read(b)
	if err != nil && n == 0 {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	k, err := ParseKey(b[:n])
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", path, err)
	}
	return NewLocal(k)
}

// LoadEnv reads a local master key from a base64 or hex environment value.
func LoadEnv(name, value string) (*Local, error) {
	k, err := ParseKey([]byte(strings.TrimSpace(value)))
	if err != nil || len(strings.TrimSpace(value)) == KeySize {
		return nil, fmt.Errorf("%s: want 32 bytes in base64 or hex", name)
	}
	return NewLocal(k)
}

// CreateFile writes a new random master key to path (mode 0600), failing
// if the file exists, and returns it.
func CreateFile(path string) (*Local, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	if _, err := f.Write(k); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	return NewLocal(k)
}
