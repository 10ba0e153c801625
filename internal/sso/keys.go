package sso

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
)

// Algorithms are the token signing algorithms the provider keeps keys for;
// RS256 is every client's default.
var algorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// signingKey is one loaded key.
type signingKey struct {
	id         string
	alg        jose.SignatureAlgorithm
	private    crypto.Signer
	public     jose.JSONWebKey
	activeFrom time.Time
	retireAt   time.Time
	expireAt   time.Time
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.private }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a key as published in the JWKS.
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.public.Key }

// keyring keeps the signing keys in the store, private parts sealed, and
// rotates them on a schedule: a successor is published PublishAhead before
// it starts signing, and a retired key stays published for Overlap so that
// tokens it signed still verify.
type keyring struct {
	st           store.Store
	box          *seal.Box
	now          func() time.Time
	rotate       time.Duration
	publishAhead time.Duration
	overlap      time.Duration

	mu       sync.Mutex
	keys     []*signingKey
	loadedAt time.Time
}

// refreshEvery is how often an instance rereads the keys, so that keys
// another instance created are used and published here too.
const refreshEvery = time.Minute

func keyAD(id string) []byte { return []byte("sso-signing-key:" + id) }

func (r *keyring) load(ctx context.Context) error {
	rows, err := r.st.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	keys := make([]*signingKey, 0, len(rows))
	for _, row := range rows {
		der, err := r.box.Open(row.Private, keyAD(row.ID))
		if err != nil {
			return fmt.Errorf("signing key %s: %w", row.ID, err)
		}
		priv, err := x509.ParsePKCS8PrivateKey(der)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", row.ID, err)
		}
		signer, ok := priv.(crypto.Signer)
		if !ok {
			return fmt.Errorf("signing key %s: not a signer", row.ID)
		}
		var pub jose.JSONWebKey
		if err := json.Unmarshal(row.Public, &pub); err != nil {
			return fmt.Errorf("signing key %s: %w", row.ID, err)
		}
		keys = append(keys, &signingKey{id: row.ID, alg: jose.SignatureAlgorithm(row.Algorithm), private: signer, public: pub,
			activeFrom: row.ActiveFrom, retireAt: row.RetireAt, expireAt: row.ExpireAt})
	}
	r.keys, r.loadedAt = keys, r.now()
	return nil
}

// Rotate creates the keys the schedule needs now: a current key for every
// algorithm and its successor once the current one is within PublishAhead
// of retiring. It returns how many keys it made.
func (r *keyring) Rotate(ctx context.Context) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.load(ctx); err != nil {
		return 0, err
	}
	now := r.now()
	made := 0
	for _, alg := range algorithms {
		var current, latest *signingKey
		for _, k := range r.keys {
			if k.alg != alg {
				continue
			}
			if !now.Before(k.activeFrom) && now.Before(k.retireAt) && (current == nil || k.activeFrom.After(current.activeFrom)) {
				current = k
			}
			if latest == nil || k.retireAt.After(latest.retireAt) {
				latest = k
			}
		}
		var from time.Time
		switch {
		case current == nil:
			from = now
		case !latest.retireAt.After(current.retireAt) && !now.Before(current.retireAt.Add(-r.publishAhead)):
			from = current.retireAt
		default:
			continue
		}
		k, err := r.create(ctx, alg, from)
		if err != nil {
			return made, err
		}
		r.keys = append(r.keys, k)
		made++
	}
	return made, nil
}

// GenerateKey makes a private key for a token signing algorithm: RSA 2048
// for RS256, P-256 for ES256, Ed25519 for EdDSA.
func GenerateKey(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	switch alg {
	case jose.RS256:
		return rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jose.EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		return priv, err
	}
	return nil, fmt.Errorf("unsupported algorithm %q", alg)
}

func (r *keyring) create(ctx context.Context, alg jose.SignatureAlgorithm, from time.Time) (*signingKey, error) {
	priv, err := GenerateKey(alg)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	id := string(alg)[:2] + "-" + from.UTC().Format("20060102") + "-" + hex.EncodeToString(randomBytes(4))
	sealed, err := r.box.Seal(der, keyAD(id))
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	k := &signingKey{id: id, alg: alg, private: priv, activeFrom: from, retireAt: from.Add(r.rotate)}
	k.expireAt = k.retireAt.Add(r.overlap)
	k.public = jose.JSONWebKey{Key: priv.Public(), KeyID: id, Algorithm: string(alg), Use: "sig"}
	pub, err := k.public.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	err = r.st.PutSigningKey(ctx, store.SigningKey{ID: id, Algorithm: string(alg), Private: sealed, Public: pub,
		CreatedAt: r.now(), ActiveFrom: k.activeFrom, RetireAt: k.retireAt, ExpireAt: k.expireAt})
	if err != nil {
		return nil, err
	}
	return k, nil
}

func (r *keyring) snapshot(ctx context.Context) ([]*signingKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.now().Sub(r.loadedAt) > refreshEvery || r.keys == nil {
		if err := r.load(ctx); err != nil {
			return nil, err
		}
	}
	return r.keys, nil
}

// errNoKey: no key signs with the algorithm now (Rotate has not run).
var errNoKey = errors.New("sso: no current signing key")

// Signing returns the key that signs with alg now: the newest active one.
func (r *keyring) Signing(ctx context.Context, alg jose.SignatureAlgorithm) (*signingKey, error) {
	keys, err := r.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	now := r.now()
	var best *signingKey
	for _, k := range keys {
		if k.alg == alg && !now.Before(k.activeFrom) && now.Before(k.retireAt) && (best == nil || k.activeFrom.After(best.activeFrom)) {
			best = k
		}
	}
	if best == nil {
		return nil, fmt.Errorf("%w: %s", errNoKey, alg)
	}
	return best, nil
}

// Published returns the keys the JWKS shows: every key not yet expired,
// successors included.
func (r *keyring) Published(ctx context.Context) ([]op.Key, error) {
	keys, err := r.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	now := r.now()
	var out []op.Key
	for _, k := range keys {
		if now.Before(k.expireAt) {
			out = append(out, publicKey{k})
		}
	}
	return out, nil
}
