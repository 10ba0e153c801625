// Package seal encrypts personal data at rest (biometrics, chip files, TOTP
// secrets) with AES-256-GCM. Each sealed value carries the ID of the key that
// sealed it, so keys can be rotated: new values use the newest key and old
// ones stay readable while their key is kept. Callers bind a value to its
// place (e.g. "evidence:<application>:<kind>") with additional data, so a
// sealed value copied to another row does not open.
//
// A box made by Load takes its keys from a KeySource (the store's secrets,
// wrapped under the master key; see package keyring) and picks up keys added
// elsewhere: Open loads the keys again when a value names a key it does not
// hold, and Refresh reloads them periodically, so that a rotation made by
// `vneid keys rotate` or another instance reaches every instance without a
// restart.
package seal

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrOpen means a sealed value could not be opened: it was altered, moved,
// or sealed with a key this box does not hold.
var ErrOpen = errors.New("seal: cannot open")

const version = 1

// Box seals and opens values. It is safe for concurrent use.
type Box struct {
	keys atomic.Pointer[keySet]
	src  KeySource // nil for a box of fixed keys

	mu       sync.Mutex // serialises loads
	lastMiss time.Time  // when Open last loaded for a key it did not hold
}

// keySet is a box's keys at one time; it is never changed once made.
type keySet struct {
	current byte
	aeads   map[byte]cipher.AEAD
}

// KeySource holds a box's keys.
type KeySource interface {
	// SealKeys returns every data key and the ID of the one new values are
	// sealed with, which must be among them.
	SealKeys(ctx context.Context) (current byte, keys []Key, err error)
}

// reloadGap is the least time between two loads that Open starts for
// unknown key IDs, so that values naming keys nobody holds cannot make it
// query the source on every call.
const reloadGap = time.Second

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
	set, err := newKeySet(keys[len(keys)-1].ID, keys)
	if err != nil {
		return nil, err
	}
	b := &Box{}
	b.keys.Store(set)
	return b, nil
}

// Load returns a box with the keys src holds now; it loads them again when
// it meets a key ID it does not hold, and on Refresh.
func Load(ctx context.Context, src KeySource) (*Box, error) {
	b := &Box{src: src}
	if err := b.Reload(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// Reload loads the keys from the box's source again. A box made by New has
// none and keeps its keys.
func (b *Box) Reload(ctx context.Context) error {
	if b.src == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.reloadLocked(ctx)
}

func (b *Box) reloadLocked(ctx context.Context) error {
	current, keys, err := b.src.SealKeys(ctx)
	if err != nil {
		return fmt.Errorf("seal: load keys: %w", err)
	}
	set, err := newKeySet(current, keys)
	if err != nil {
		return err
	}
	b.keys.Store(set)
	return nil
}

// Refresh reloads the keys every interval until ctx ends; failed loads go
// to failed (which may be nil) and the box keeps the keys it has.
func (b *Box) Refresh(ctx context.Context, every time.Duration, failed func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := b.Reload(ctx); err != nil && failed != nil && ctx.Err() == nil {
				failed(err)
			}
		}
	}
}

// Current is the ID of the key new values are sealed with.
func (b *Box) Current() byte { return b.keys.Load().current }

// KeyIDs lists the IDs of the keys the box holds, in order.
func (b *Box) KeyIDs() []byte {
	set := b.keys.Load()
	ids := make([]byte, 0, len(set.aeads))
	for id := range set.aeads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// KeyID is the ID of the key a sealed value names, or 0 when it is not a
// sealed value.
func KeyID(sealed []byte) byte {
	if len(sealed) < 2 || sealed[0] != version {
		return 0
	}
	return sealed[1]
}

func newKeySet(current byte, keys []Key) (*keySet, error) {
	if len(keys) == 0 {
		return nil, errors.New("seal: no key")
	}
	b := &keySet{current: current, aeads: map[byte]cipher.AEAD{}}
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
	}
	if _, ok := b.aeads[current]; !ok {
		return nil, fmt.Errorf("seal: current key %d is not among the keys", current)
	}
	return b, nil
}

// Seal encrypts plaintext bound to ad: version, key ID, nonce, ciphertext.
func (b *Box) Seal(plaintext, ad []byte) ([]byte, error) {
	set := b.keys.Load()
	aead := set.aeads[set.current]
	out := make([]byte, 2+aead.NonceSize(), 2+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0], out[1] = version, set.current
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
	aead, ok := b.keys.Load().aeads[sealed[1]]
	if !ok && b.loadUnknown(sealed[1]) {
		aead, ok = b.keys.Load().aeads[sealed[1]]
	}
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

// loadUnknown loads the keys again for a value sealed with key id, which
// the box does not hold (made by another instance after a rotation); it
// reports whether the box holds id now.
func (b *Box) loadUnknown(id byte) bool {
	if b.src == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.keys.Load().aeads[id]; ok {
		return true // another caller loaded it meanwhile
	}
	if time.Since(b.lastMiss) < reloadGap {
		return false
	}
	b.lastMiss = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.reloadLocked(ctx); err != nil {
		return false
	}
	_, ok := b.keys.Load().aeads[id]
	return ok
}

func (b *Box) ad(header, ad []byte) []byte {
	out := make([]byte, 0, len(header)+len(ad))
	return append(append(out, header...), ad...)
}
