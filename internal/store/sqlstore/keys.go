package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/keyring"
	"github.com/vneid/vneid/internal/store"
)

// WithKeyring returns a handle on the same pool whose secrets are wrapped
// under ring's master keys (see Secret). The handles share the pool: close
// only one. A nil ring leaves secrets as they are stored.
func (s *DB) WithKeyring(ring *keyring.Ring) *DB {
	c := *s
	c.queries.ring = ring
	return &c
}

// Keyring is the handle's keyring, nil when there is none.
func (s *DB) Keyring() *keyring.Ring { return s.ring }

// secretRow is one row of the secrets table.
type secretRow struct {
	name  string
	value []byte
}

// lockSecrets reads the secrets whose name starts with prefix ("" for all),
// locking them on PostgreSQL until the transaction ends.
func (q queries) lockSecrets(ctx context.Context, prefix string) ([]secretRow, error) {
	lock := ""
	if q.d.name == "postgres" {
		lock = " FOR UPDATE"
	}
	rows, err := q.x.QueryContext(ctx, `SELECT name, value FROM secrets WHERE substr(name, 1, length($1)) = $1
		ORDER BY name`+lock, prefix)
	if err != nil {
		return nil, fmt.Errorf("read secrets: %w", err)
	}
	defer rows.Close()
	var out []secretRow
	for rows.Next() {
		var r secretRow
		if err := rows.Scan(&r.name, &r.value); err != nil {
			return nil, fmt.Errorf("read secrets: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SecretsStatus says how the secrets table's values are kept.
type SecretsStatus struct {
	Total int
	// Plain counts values not wrapped under a master key.
	Plain int
	// ByMaster counts wrapped values by master key ID.
	ByMaster map[string]int
}

// SecretsStatus reads the secrets table without unwrapping anything.
func (s *DB) SecretsStatus(ctx context.Context) (SecretsStatus, error) {
	rows, err := s.queries.lockSecrets(ctx, "")
	if err != nil {
		return SecretsStatus{}, err
	}
	st := SecretsStatus{ByMaster: map[string]int{}}
	for _, r := range rows {
		if r.name == wrappedMarker {
			continue // bookkeeping, not a secret
		}
		st.Total++
		id, _, ok, err := keyring.Parse(r.value)
		switch {
		case !ok:
			st.Plain++
		case err != nil:
			st.ByMaster["(malformed)"]++
		default:
			st.ByMaster[id]++
		}
	}
	return st, nil
}

// WrapSecrets wraps every plaintext secret under the current master key,
// in one transaction (on PostgreSQL the rows are locked, so instances
// starting together wrap each value once), and checks that every wrapped
// value unwraps. With rewrap, values under other master keys are wrapped
// again under the current one, after which those keys are no longer needed.
// A value under a master key the keyring does not hold is an error naming
// the key: the secret is never replaced. It returns how many values it
// wrote.
func (s *DB) WrapSecrets(ctx context.Context, rewrap bool) (int, error) {
	if s.ring == nil {
		return 0, errors.New("wrap secrets: no master key loaded")
	}
	var n int
	err := s.InTx(ctx, func(sq store.Queries) error {
		n = 0
		q := sq.(queries)
		rows, err := q.lockSecrets(ctx, "")
		if err != nil {
			return err
		}
		marked, err := q.secretsWrapped(ctx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			pt, legacy, err := q.ring.Unwrap(ctx, r.name, r.value)
			if err != nil {
				return err
			}
			if legacy && marked && r.name != wrappedMarker {
				return errPlaintextSecret(r.name)
			}
			id, _, _, _ := keyring.Parse(r.value)
			if !legacy && (!rewrap || id == q.ring.CurrentID()) {
				continue
			}
			w, err := q.ring.Wrap(ctx, r.name, pt)
			if err != nil {
				return err
			}
			res, err := q.x.ExecContext(ctx, `UPDATE secrets SET value = $1 WHERE name = $2 AND value = $3`, w, r.name, r.value)
			if err != nil {
				return fmt.Errorf("wrap secret %s: %w", r.name, err)
			}
			if k, _ := res.RowsAffected(); k == 1 {
				n++
			}
		}
		if marked {
			return nil
		}
		w, err := q.ring.Wrap(ctx, wrappedMarker, []byte("1"))
		if err != nil {
			return err
		}
		_, err = q.x.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1,$2,$3)
			ON CONFLICT (name) DO NOTHING`, wrappedMarker, w, q.t(time.Now()))
		return err
	})
	return n, err
}

// wrappedMarker is the secret written once every secret has been wrapped
// under a master key. From then on a plaintext value in the table was not
// written by a server holding the master key (somebody with write access
// to the database planting a key of their choosing), and is refused.
const wrappedMarker = "secrets-wrapped"

func (q queries) secretsWrapped(ctx context.Context) (bool, error) {
	var n int
	if err := q.x.QueryRowContext(ctx, `SELECT COUNT(*) FROM secrets WHERE name = $1`, wrappedMarker).Scan(&n); err != nil {
		return false, fmt.Errorf("secrets: %w", err)
	}
	return n > 0, nil
}

func errPlaintextSecret(name string) error {
	return fmt.Errorf("secret %s is stored unwrapped although the secrets were wrapped under a master key: "+
		"a value written without the master key is refused (delete the row to have it made again, or restore it from a backup)", name)
}

// unwrapSecret unwraps a stored secret; once the secrets have been wrapped
// (wrappedMarker), a plaintext value is refused.
func (q queries) unwrapSecret(ctx context.Context, name string, v []byte) ([]byte, error) {
	pt, legacy, err := q.ring.Unwrap(ctx, name, v)
	if err != nil || !legacy || q.ring == nil {
		return pt, err
	}
	marked, err := q.secretsWrapped(ctx)
	if err != nil {
		return nil, err
	}
	if marked {
		return nil, errPlaintextSecret(name)
	}
	return pt, nil
}

// The seal package's data keys are the secrets "seal-key-N" (N = 1…255),
// and "seal-key-current" holds the number of the key new values are sealed
// with (the highest N when it is missing).
const (
	sealKeyPrefix  = "seal-key-"
	sealCurrentKey = "seal-key-current"
)

// SealKey is one stored data key of the seal package.
type SealKey struct {
	ID        int
	Key       []byte
	CreatedAt time.Time
}

// SealKeys returns the stored seal keys in order of ID and the ID of the
// current one. When there is none, key 1 is stored from fresh first
// (unless fresh is nil: then there is ErrNotFound).
func (s *DB) SealKeys(ctx context.Context, fresh []byte) (current int, keys []SealKey, err error) {
	if fresh == nil {
		return s.queries.sealKeys(ctx)
	}
	first, err := s.wrapNew(ctx, sealKeyPrefix+"1", fresh)
	if err != nil {
		return 0, nil, fmt.Errorf("seal keys: %w", err)
	}
	// Only when no seal key exists: a retired key 1 is not made again.
	if _, err := s.db.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at)
		SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM secrets WHERE substr(name, 1, 9) = 'seal-key-')
		ON CONFLICT (name) DO NOTHING`, sealKeyPrefix+"1", first, s.t(time.Now())); err != nil {
		return 0, nil, fmt.Errorf("seal keys: %w", err)
	}
	return s.queries.sealKeys(ctx)
}

// wrapNew is value wrapped for name when there is a keyring; a failure to
// wrap (a key service that does not answer) is an error, never a value
// stored in the clear.
func (s *DB) wrapNew(ctx context.Context, name string, value []byte) ([]byte, error) {
	if s.ring == nil {
		return value, nil
	}
	return s.ring.Wrap(ctx, name, value)
}

func (q queries) sealKeys(ctx context.Context) (int, []SealKey, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT name, value, created_at FROM secrets WHERE substr(name, 1, 9) = 'seal-key-'`)
	if err != nil {
		return 0, nil, fmt.Errorf("seal keys: %w", err)
	}
	defer rows.Close()
	var (
		keys    []SealKey
		current []byte
	)
	for rows.Next() {
		var (
			name string
			v    []byte
			at   time.Time
		)
		if err := rows.Scan(&name, &v, timeCol{&at}); err != nil {
			return 0, nil, fmt.Errorf("seal keys: %w", err)
		}
		pt, err := q.unwrapSecret(ctx, name, v)
		if err != nil {
			return 0, nil, fmt.Errorf("seal keys: %w", err)
		}
		if name == sealCurrentKey {
			current = pt
			continue
		}
		id, err := strconv.Atoi(strings.TrimPrefix(name, sealKeyPrefix))
		if err != nil || id < 1 || id > 255 {
			return 0, nil, fmt.Errorf("seal keys: bad key name %q", name)
		}
		keys = append(keys, SealKey{ID: id, Key: pt, CreatedAt: at})
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("seal keys: %w", err)
	}
	if len(keys) == 0 {
		return 0, nil, fmt.Errorf("seal keys: %w", store.ErrNotFound)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].ID < keys[j].ID })
	cur := keys[len(keys)-1].ID
	if current != nil {
		if cur, err = strconv.Atoi(string(current)); err != nil {
			return 0, nil, fmt.Errorf("seal keys: bad current key %q", current)
		}
	}
	for _, k := range keys {
		if k.ID == cur {
			return cur, keys, nil
		}
	}
	return 0, nil, fmt.Errorf("seal keys: the current key %d is not stored", cur)
}

// AddSealKey stores key as the next seal key and makes it current, in one
// transaction; it returns the key's ID.
func (s *DB) AddSealKey(ctx context.Context, key []byte) (int, error) {
	var id int
	err := s.InTx(ctx, func(sq store.Queries) error {
		q := sq.(queries)
		if _, err := q.lockSecrets(ctx, sealKeyPrefix); err != nil {
			return err
		}
		_, keys, err := q.sealKeys(ctx)
		if err != nil {
			return err
		}
		id = keys[len(keys)-1].ID + 1
		if id > 255 {
			return errors.New("add seal key: all 255 key IDs used")
		}
		now := q.t(time.Now())
		name := sealKeyPrefix + strconv.Itoa(id)
		w, err := q.wrap(ctx, name, key)
		if err != nil {
			return err
		}
		if _, err := q.x.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1,$2,$3)`, name, w, now); err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("add seal key: key %d was made meanwhile (another rotation?): %w", id, store.ErrConflict)
			}
			return fmt.Errorf("add seal key: %w", err)
		}
		cw, err := q.wrap(ctx, sealCurrentKey, []byte(strconv.Itoa(id)))
		if err != nil {
			return err
		}
		if _, err := q.x.ExecContext(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1,$2,$3)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value, created_at = excluded.created_at`, sealCurrentKey, cw, now); err != nil {
			return fmt.Errorf("add seal key: %w", err)
		}
		return nil
	})
	return id, err
}

func (q queries) wrap(ctx context.Context, name string, v []byte) ([]byte, error) {
	if q.ring == nil {
		return v, nil
	}
	return q.ring.Wrap(ctx, name, v)
}

// ErrKeyInUse means a seal key cannot be retired yet.
var ErrKeyInUse = errors.New("seal key in use")

// RetireSealKey deletes seal key id, refused (ErrKeyInUse) while it is the
// current key, while a sealed value still names it, or until minAge has
// passed since a later key was made (instances that have not reloaded
// their keys may still seal with it).
func (s *DB) RetireSealKey(ctx context.Context, id int, minAge time.Duration) error {
	return s.InTx(ctx, func(sq store.Queries) error {
		q := sq.(queries)
		if _, err := q.lockSecrets(ctx, sealKeyPrefix); err != nil {
			return err
		}
		current, keys, err := q.sealKeys(ctx)
		if err != nil {
			return err
		}
		if id == current {
			return fmt.Errorf("retire seal key %d: %w: it is the current key", id, ErrKeyInUse)
		}
		var next *SealKey
		found := false
		for i, k := range keys {
			if k.ID == id {
				found = true
			}
			if k.ID > id && next == nil {
				next = &keys[i]
			}
		}
		if !found {
			return fmt.Errorf("retire seal key %d: %w", id, store.ErrNotFound)
		}
		if next != nil && time.Since(next.CreatedAt) < minAge {
			return fmt.Errorf("retire seal key %d: %w: key %d was made %s ago; wait until %s have passed so every instance has reloaded its keys",
				id, ErrKeyInUse, next.ID, time.Since(next.CreatedAt).Round(time.Second), minAge)
		}
		counts, err := q.countSealed(ctx)
		if err != nil {
			return err
		}
		var uses []string
		for _, c := range counts {
			if n := c.ByKey[id]; n > 0 {
				uses = append(uses, fmt.Sprintf("%d in %s", n, c.Column))
			}
		}
		if len(uses) > 0 {
			return fmt.Errorf("retire seal key %d: %w: still seals %s (run `vneid keys reseal`)", id, ErrKeyInUse, strings.Join(uses, ", "))
		}
		if _, err := q.x.ExecContext(ctx, `DELETE FROM secrets WHERE name = $1`, sealKeyPrefix+strconv.Itoa(id)); err != nil {
			return fmt.Errorf("retire seal key %d: %w", id, err)
		}
		return nil
	})
}
