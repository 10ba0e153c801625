package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/sqlstore"
)

// TestAuditCommands: events appended, `vneid audit seal`, `verify` says
// intact (with the database's key and with the key given), `show` lists a
// subject's events and is audited itself; a detail changed in the database
// makes `verify` name the event and fail.
func TestAuditCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.Open(ctx, filepath.Join(dir, "vneid.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const subject = "001190012345"
	for i := 0; i < 5; i++ {
		if err := st.AppendAudit(ctx, store.AuditEvent{At: time.Now(), Actor: "officer:o1", Action: "registry.citizen.read",
			Subject: subject, Purpose: "enrolment", Detail: fmt.Sprintf(`{"n":%d}`, i)}); err != nil {
			t.Fatal(err)
		}
	}

	out, err := vneid(t, nil, "audit", "seal", "-data-dir", dir)
	if err != nil || !strings.Contains(out, "sealed: 5 sự kiện / events") || !strings.Contains(out, "checkpoint: seq 5") {
		t.Fatalf("audit seal: %v\n%s", err, out)
	}
	out, err = vneid(t, nil, "audit", "verify", "-data-dir", dir)
	if err != nil || !strings.Contains(out, "RESULT: TOÀN VẸN / INTACT") || !strings.Contains(out, "Sealed:        5") ||
		!strings.Contains(out, "read from the database itself") {
		t.Fatalf("audit verify: %v\n%s", err, out)
	}
	key, err := vneid(t, nil, "audit", "key", "-data-dir", dir)
	if err != nil || !strings.HasPrefix(key, "ed25519:") {
		t.Fatalf("audit key: %v %q", err, key)
	}
	keyFile := filepath.Join(dir, "audit.pub")
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	// verify wrote an audit event of its own; seal it too, with a
	// checkpoint, so that every event is covered.
	if out, err := vneid(t, nil, "audit", "seal", "-data-dir", dir); err != nil || !strings.Contains(out, "head: seq 6") {
		t.Fatalf("audit seal: %v\n%s", err, out)
	}
	out, err = vneid(t, nil, "audit", "verify", "-data-dir", dir, "-public-key", "@"+keyFile)
	if err != nil || !strings.Contains(out, "INTACT") || strings.Contains(out, "read from the database itself") ||
		!strings.Contains(out, "Checkpoints:   2") {
		t.Fatalf("audit verify -public-key: %v\n%s", err, out)
	}

	out, err = vneid(t, nil, "audit", "show", "-subject", subject, "-limit", "3", "-data-dir", dir)
	if err != nil || strings.Count(out, "registry.citizen.read") != 3 || !strings.Contains(out, `{"n":4}`) {
		t.Fatalf("audit show: %v\n%s", err, out)
	}
	evs, err := st.AuditBySubject(ctx, subject, 1)
	if err != nil || len(evs) != 1 || evs[0].Action != "audit.read" || !strings.HasPrefix(evs[0].Actor, "cli:") {
		t.Fatalf("audit show was not audited: %+v, %v", evs, err)
	}

	// Tampering: one event's detail changed in the database.
	var id int64
	if err := st.SQL().QueryRowContext(ctx, `SELECT id FROM audit_events WHERE seal_seq = 3`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SQL().ExecContext(ctx, `UPDATE audit_events SET detail = '{"n":99}' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	out, err = vneid(t, nil, "audit", "verify", "-data-dir", dir, "-public-key", "@"+keyFile)
	if !errors.Is(err, errChainBroken) || !strings.Contains(out, "BROKEN — 1") ||
		!strings.Contains(out, fmt.Sprintf("seq 3, event %d: its fields give hash", id)) ||
		!strings.Contains(out, fmt.Sprintf("số thứ tự 3, sự kiện %d", id)) {
		t.Fatalf("audit verify on a broken chain: %v\n%s", err, out)
	}
	// A wrong key fails every checkpoint.
	out, err = vneid(t, nil, "audit", "verify", "-data-dir", dir, "-public-key", strings.Repeat("ab", 32))
	if !errors.Is(err, errChainBroken) || !strings.Contains(out, "not among the keys given") {
		t.Fatalf("audit verify with another key: %v\n%s", err, out)
	}
	if _, err := vneid(t, nil, "audit", "show", "-data-dir", dir); err == nil {
		t.Error("audit show without -subject succeeded")
	}
}
