package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
	"github.com/vneid/vneid/internal/registry"
	"github.com/vneid/vneid/internal/store"
)

// dateArg converts a civil date to a query argument; the zero date is NULL.
func dateArg(d identity.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// dateCol scans a DATE (PostgreSQL) or ISO text (SQLite) column.
type dateCol struct{ d *identity.Date }

func (c dateCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.d = identity.Date{}
		return nil
	case time.Time:
		*c.d = identity.DateOf(v)
		return nil
	case string:
		return c.parse(v)
	case []byte:
		return c.parse(string(v))
	}
	return fmt.Errorf("scan date: unexpected %T", src)
}

func (c dateCol) parse(s string) error {
	if len(s) > 10 {
		s = s[:10]
	}
	d, err := identity.ParseDate(s)
	if err != nil {
		return fmt.Errorf("scan date: %w", err)
	}
	*c.d = d
	return nil
}

const citizenColumns = `id_number, full_name, date_of_birth, gender, nationality, ethnicity, religion,
	place_of_origin, perm_house_number, perm_street, perm_hamlet, perm_commune, perm_district, perm_province,
	temp_house_number, temp_street, temp_hamlet, temp_commune, temp_district, temp_province,
	life_status, old_id_number, updated_at`

func scanCitizen(row interface{ Scan(...any) error }) (registry.Citizen, error) {
	var c registry.Citizen
	var gender, life string
	p, t := &c.PermanentAddress, &c.TemporaryAddress
	err := row.Scan(&c.ID, &c.FullName, dateCol{&c.DateOfBirth}, &gender, &c.Nationality, &c.Ethnicity, &c.Religion,
		&c.PlaceOfOrigin, &p.HouseNumber, &p.Street, &p.Hamlet, &p.Commune, &p.District, &p.Province,
		&t.HouseNumber, &t.Street, &t.Hamlet, &t.Commune, &t.District, &t.Province,
		&life, &c.OldIDNumber, timeCol{&c.UpdatedAt})
	c.Gender, c.LifeStatus = identity.Gender(gender), registry.LifeStatus(life)
	return c, err
}

// Citizen returns a citizen with their cards, newest card first.
func (q queries) Citizen(ctx context.Context, id string) (registry.Citizen, error) {
	c, err := scanCitizen(q.x.QueryRowContext(ctx, `SELECT `+citizenColumns+` FROM citizens WHERE id_number = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return registry.Citizen{}, fmt.Errorf("citizen: %w", registry.ErrNotFound)
	}
	if err != nil {
		return registry.Citizen{}, fmt.Errorf("citizen: %w", err)
	}
	cards, err := q.cards(ctx, []string{id})
	if err != nil {
		return registry.Citizen{}, err
	}
	c.Cards = cards[id]
	return c, nil
}

func (q queries) cards(ctx context.Context, ids []string) (map[string][]registry.IDCard, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := q.x.QueryContext(ctx, `SELECT citizen_id, number, chip, issue_date, expiry_date, status
		FROM id_cards WHERE citizen_id IN (`+strings.Join(ph, ",")+`) ORDER BY citizen_id, issue_date DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("cards: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]registry.IDCard, len(ids))
	for rows.Next() {
		var owner, status string
		var card registry.IDCard
		if err := rows.Scan(&owner, &card.Number, &card.Chip, dateCol{&card.IssueDate}, dateCol{&card.ExpiryDate}, &status); err != nil {
			return nil, fmt.Errorf("cards: %w", err)
		}
		card.Status = registry.CardStatus(status)
		out[owner] = append(out[owner], card)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cards: %w", err)
	}
	return out, nil
}

// UpsertCitizens inserts or replaces citizens and upserts their cards. When
// called outside a transaction it opens one, so a batch lands whole.
func (s *DB) UpsertCitizens(ctx context.Context, citizens []registry.Citizen) error {
	return s.InTx(ctx, func(q store.Queries) error { return q.UpsertCitizens(ctx, citizens) })
}

// UpsertCitizens inserts or replaces citizens and upserts their cards.
func (q queries) UpsertCitizens(ctx context.Context, citizens []registry.Citizen) error {
	const upsertCitizen = `INSERT INTO citizens (` + citizenColumns + `, seq)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24)
		ON CONFLICT (id_number) DO UPDATE SET full_name = excluded.full_name, date_of_birth = excluded.date_of_birth,
		gender = excluded.gender, nationality = excluded.nationality, ethnicity = excluded.ethnicity,
		religion = excluded.religion, place_of_origin = excluded.place_of_origin,
		perm_house_number = excluded.perm_house_number, perm_street = excluded.perm_street,
		perm_hamlet = excluded.perm_hamlet, perm_commune = excluded.perm_commune,
		perm_district = excluded.perm_district, perm_province = excluded.perm_province,
		temp_house_number = excluded.temp_house_number, temp_street = excluded.temp_street,
		temp_hamlet = excluded.temp_hamlet, temp_commune = excluded.temp_commune,
		temp_district = excluded.temp_district, temp_province = excluded.temp_province,
		life_status = excluded.life_status, old_id_number = excluded.old_id_number, updated_at = excluded.updated_at,
		seq = excluded.seq`
	const upsertCard = `INSERT INTO id_cards (citizen_id, issue_date, number, chip, expiry_date, status)
		VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT (citizen_id, issue_date) DO UPDATE SET number = excluded.number, chip = excluded.chip,
		expiry_date = excluded.expiry_date, status = excluded.status`
	if len(citizens) == 0 {
		return nil
	}
	var last int64
	if err := q.x.QueryRowContext(ctx, `UPDATE citizen_seq SET n = n + $1 WHERE id = 1 RETURNING n`, len(citizens)).Scan(&last); err != nil {
		return fmt.Errorf("upsert citizens: cursor: %w", err)
	}
	seq := last - int64(len(citizens))
	for _, c := range citizens {
		seq++
		p, t := c.PermanentAddress, c.TemporaryAddress
		life := c.LifeStatus
		if life == "" {
			life = registry.Alive
		}
		updated := c.UpdatedAt
		if updated.IsZero() {
			updated = time.Now()
		}
		if _, err := q.x.ExecContext(ctx, upsertCitizen, c.ID, c.FullName, dateArg(c.DateOfBirth), string(c.Gender),
			c.Nationality, c.Ethnicity, c.Religion, c.PlaceOfOrigin,
			p.HouseNumber, p.Street, p.Hamlet, p.Commune, p.District, p.Province,
			t.HouseNumber, t.Street, t.Hamlet, t.Commune, t.District, t.Province,
			string(life), c.OldIDNumber, q.t(updated), seq); err != nil {
			return fmt.Errorf("upsert citizen %s: %w", c.ID, err)
		}
		for _, card := range c.Cards {
			status := card.Status
			if status == "" {
				status = registry.CardValid
			}
			if _, err := q.x.ExecContext(ctx, upsertCard, c.ID, dateArg(card.IssueDate), card.Number, card.Chip,
				dateArg(card.ExpiryDate), string(status)); err != nil {
				return fmt.Errorf("upsert card of %s: %w", c.ID, err)
			}
		}
	}
	return nil
}

// CountCitizens counts the registry's citizens.
func (q queries) CountCitizens(ctx context.Context) (int64, error) {
	var n int64
	if err := q.x.QueryRowContext(ctx, `SELECT COUNT(*) FROM citizens`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count citizens: %w", err)
	}
	return n, nil
}

// ListCitizens pages through citizens in ID order.
func (q queries) ListCitizens(ctx context.Context, after string, limit int) ([]registry.Citizen, error) {
	if limit <= 0 || limit > 10000 {
		limit = 100
	}
	rows, err := q.x.QueryContext(ctx, `SELECT `+citizenColumns+` FROM citizens WHERE id_number > $1 ORDER BY id_number LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list citizens: %w", err)
	}
	var out []registry.Citizen
	var ids []string
	for rows.Next() {
		c, err := scanCitizen(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list citizens: %w", err)
		}
		out = append(out, c)
		ids = append(ids, c.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list citizens: %w", err)
	}
	cards, err := q.cards(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Cards = cards[out[i].ID]
	}
	return out, nil
}

// CitizenChanges returns the citizens changed after a cursor, in order.
func (q queries) CitizenChanges(ctx context.Context, after int64, limit int) ([]registry.Change, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	rows, err := q.x.QueryContext(ctx, `SELECT seq, id_number, updated_at FROM citizens WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("citizen changes: %w", err)
	}
	defer rows.Close()
	out := []registry.Change{}
	for rows.Next() {
		var c registry.Change
		if err := rows.Scan(&c.Seq, &c.ID, timeCol{&c.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("citizen changes: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("citizen changes: %w", err)
	}
	return out, nil
}
