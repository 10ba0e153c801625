package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/store"
)

// LiveSessions lists an account's live app and web sessions, newest first.
func (q queries) LiveSessions(ctx context.Context, accountID string, now time.Time) ([]store.LiveSession, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT id, 'app', device_id, created_at, last_seen_at, expires_at FROM sessions
		WHERE account_id = $1 AND revoked_at IS NULL AND expires_at > $2
		UNION ALL
		SELECT id, 'web', '', created_at, NULL, expires_at FROM sso_sessions
		WHERE account_id = $1 AND ended_at IS NULL AND expires_at > $2
		ORDER BY 4 DESC, 1`, accountID, q.t(now))
	if err != nil {
		return nil, fmt.Errorf("live sessions: %w", err)
	}
	defer rows.Close()
	var out []store.LiveSession
	for rows.Next() {
		var s store.LiveSession
		if err := rows.Scan(&s.ID, &s.Kind, &s.DeviceID, timeCol{&s.CreatedAt}, timeCol{&s.LastSeenAt}, timeCol{&s.ExpiresAt}); err != nil {
			return nil, fmt.Errorf("live sessions: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("live sessions: %w", err)
	}
	return out, nil
}

// SearchUsage returns the usage records a query selects, newest first.
func (q queries) SearchUsage(ctx context.Context, uq store.UsageQuery) ([]store.UsageRecord, error) {
	limit := uq.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	before := uq.Before
	if before <= 0 {
		before = 1<<63 - 1
	}
	where := []string{"account_id = $1", "id < $2"}
	args := []any{uq.AccountID, before}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	switch {
	case uq.System:
		where = append(where, "client_id = ''")
	case uq.ClientID != "":
		add("client_id = $%d", uq.ClientID)
	}
	if uq.Kind != "" {
		add("kind = $%d", uq.Kind)
	}
	if !uq.From.IsZero() {
		add("at >= $%d", q.t(uq.From))
	}
	if !uq.To.IsZero() {
		add("at < $%d", q.t(uq.To))
	}
	args = append(args, limit)
	rows, err := q.x.QueryContext(ctx, `SELECT id, account_id, client_id, kind, detail, ip, at FROM usage_records
		WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("search usage: %w", err)
	}
	defer rows.Close()
	var out []store.UsageRecord
	for rows.Next() {
		var u store.UsageRecord
		if err := rows.Scan(&u.ID, &u.AccountID, &u.ClientID, &u.Kind, &u.Detail, &u.IP, timeCol{&u.At}); err != nil {
			return nil, fmt.Errorf("search usage: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search usage: %w", err)
	}
	return out, nil
}

// UsageClients lists the relying parties in an account's usage records.
func (q queries) UsageClients(ctx context.Context, accountID string) ([]string, error) {
	rows, err := q.x.QueryContext(ctx, `SELECT DISTINCT client_id FROM usage_records WHERE account_id = $1 AND client_id <> ''
		ORDER BY client_id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("usage clients: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("usage clients: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage clients: %w", err)
	}
	return out, nil
}
