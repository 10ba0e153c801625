package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/store"
)

// SealedColumn is a column whose values package seal sealed, with how each
// row's additional data is made from its primary key. The formats are the
// ones the domain packages use (eid.evidenceAD, eid.PortraitAD,
// eid.FingerprintAD, officer.totpAD, sso.keyAD); a value re-sealed with
// other additional data would no longer open there.
type SealedColumn struct {
	Name   string // table.column
	table  string
	column string
	keys   []string // the primary key's columns
	ad     func(key []string) []byte
}

// SealedColumns lists every sealed column.
func SealedColumns() []SealedColumn {
	return []SealedColumn{
		{Name: "evidence.data", table: "evidence", column: "data", keys: []string{"application_id", "kind"},
			ad: func(k []string) []byte { return []byte("evidence:" + k[0] + ":" + k[1]) }},
		{Name: "portraits.data", table: "portraits", column: "data", keys: []string{"id_number"},
			ad: func(k []string) []byte { return []byte("portrait:" + k[0]) }},
		{Name: "fingerprint_templates.data", table: "fingerprint_templates", column: "data", keys: []string{"id_number", "position"},
			ad: func(k []string) []byte { return []byte("fingerprint:" + k[0] + ":" + k[1]) }},
		{Name: "officers.totp_secret", table: "officers", column: "totp_secret", keys: []string{"id"},
			ad: func(k []string) []byte { return []byte("officer-totp:" + k[0]) }},
		{Name: "sso_keys.private_key", table: "sso_keys", column: "private_key", keys: []string{"id"},
			ad: func(k []string) []byte { return []byte("sso-signing-key:" + k[0]) }},
	}
}

// keyIDExpr is SQL for the hex of the key ID byte of a sealed value (its
// second byte), in upper case.
func (q queries) keyIDExpr(col string) string {
	if q.d.name == "postgres" {
		return "upper(encode(substring(" + col + " from 2 for 1), 'hex'))"
	}
	return "hex(substr(" + col + ", 2, 1))"
}

// SealedCount counts one column's values by the seal key that sealed them
// (0: values too short to name one).
type SealedCount struct {
	Column string
	ByKey  map[int]int64
}

// CountSealed counts every sealed column's values by seal key.
func (s *DB) CountSealed(ctx context.Context) ([]SealedCount, error) {
	return s.queries.countSealed(ctx)
}

func (q queries) countSealed(ctx context.Context) ([]SealedCount, error) {
	var out []SealedCount
	for _, c := range SealedColumns() {
		rows, err := q.x.QueryContext(ctx, `SELECT `+q.keyIDExpr(c.column)+`, COUNT(*) FROM `+c.table+` GROUP BY 1`)
		if err != nil {
			return nil, fmt.Errorf("count sealed %s: %w", c.Name, err)
		}
		sc := SealedCount{Column: c.Name, ByKey: map[int]int64{}}
		for rows.Next() {
			var (
				h string
				n int64
			)
			if err := rows.Scan(&h, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count sealed %s: %w", c.Name, err)
			}
			id, _ := strconv.ParseUint(h, 16, 8)
			sc.ByKey[int(id)] += n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("count sealed %s: %w", c.Name, err)
		}
		out = append(out, sc)
	}
	return out, nil
}

// ResealBatch re-seals, in one transaction, up to limit values of col that
// are not sealed with key current, taking rows in primary-key order after
// the row whose key is after (nil: from the first). reseal gets a value
// and its additional data and returns the value sealed again; a row it
// fails on is left as it is and counted in failed. next is the key to
// continue after, nil when the column is done. A row changed meanwhile by
// another writer is left to that writer.
func (s *DB) ResealBatch(ctx context.Context, col SealedColumn, current int, after []string, limit int,
	reseal func(sealed, ad []byte) ([]byte, error)) (next []string, done, failed int, err error) {
	err = s.InTx(ctx, func(sq store.Queries) error {
		next, done, failed = nil, 0, 0
		q := sq.(queries)
		keyList := strings.Join(col.keys, ", ")
		args := []any{fmt.Sprintf("%02X", current)}
		where := q.keyIDExpr(col.column) + " <> $1"
		if after != nil {
			if len(after) != len(col.keys) {
				return fmt.Errorf("reseal %s: resume key has %d parts, want %d", col.Name, len(after), len(col.keys))
			}
			ph := make([]string, len(after))
			for i, v := range after {
				args = append(args, v)
				ph[i] = "$" + strconv.Itoa(len(args))
				if col.keys[i] == "position" {
					ph[i] = "CAST(" + ph[i] + " AS INTEGER)"
				}
			}
			where += " AND (" + keyList + ") > (" + strings.Join(ph, ", ") + ")"
		}
		lock := ""
		if q.d.name == "postgres" {
			lock = " FOR UPDATE"
		}
		args = append(args, limit)
		// Key columns are read as text (CAST), so every key is a string.
		sel := make([]string, len(col.keys))
		for i, k := range col.keys {
			sel[i] = "CAST(" + k + " AS TEXT)"
		}
		rows, err := q.x.QueryContext(ctx, `SELECT `+strings.Join(sel, ", ")+`, `+col.column+` FROM `+col.table+
			` WHERE `+where+` ORDER BY `+keyList+` LIMIT $`+strconv.Itoa(len(args))+lock, args...)
		if err != nil {
			return fmt.Errorf("reseal %s: %w", col.Name, err)
		}
		type row struct {
			key  []string
			data []byte
		}
		var batch []row
		for rows.Next() {
			r := row{key: make([]string, len(col.keys))}
			dest := make([]any, 0, len(col.keys)+1)
			for i := range r.key {
				dest = append(dest, &r.key[i])
			}
			if err := rows.Scan(append(dest, &r.data)...); err != nil {
				rows.Close()
				return fmt.Errorf("reseal %s: %w", col.Name, err)
			}
			batch = append(batch, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("reseal %s: %w", col.Name, err)
		}
		match := make([]string, len(col.keys))
		for i, k := range col.keys {
			match[i] = k + " = $" + strconv.Itoa(i+3)
			if k == "position" {
				match[i] = k + " = CAST($" + strconv.Itoa(i+3) + " AS INTEGER)"
			}
		}
		update := `UPDATE ` + col.table + ` SET ` + col.column + ` = $1 WHERE ` + col.column + ` = $2 AND ` + strings.Join(match, " AND ")
		for _, r := range batch {
			sealed, err := reseal(r.data, col.ad(r.key))
			if err != nil {
				failed++
				continue
			}
			uargs := []any{sealed, r.data}
			for _, k := range r.key {
				uargs = append(uargs, k)
			}
			res, err := q.x.ExecContext(ctx, update, uargs...)
			if err != nil {
				return fmt.Errorf("reseal %s: %w", col.Name, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				done++
			}
		}
		if len(batch) == limit {
			next = batch[len(batch)-1].key
		}
		return nil
	})
	return next, done, failed, err
}
