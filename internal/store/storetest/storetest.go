// Package storetest opens fresh, migrated stores on every backend for tests:
// a SQLite file in a temporary directory, and a PostgreSQL schema of its own
// on the server named by VNEID_TEST_POSTGRES (default: the local server's
// database "test"). PostgreSQL is required: an unreachable server fails the
// test, unless VNEID_SKIP_POSTGRES=1 says to skip the PostgreSQL half (for a
// laptop without it; CI never sets it).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/store/sqlstore"
)

// DefaultPostgres is the PostgreSQL server tests use unless
// VNEID_TEST_POSTGRES says otherwise.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backend opens a fresh store of one kind.
type Backend struct {
	Name string
	Open func(t testing.TB) *sqlstore.DB
}

// Backends returns SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{{Name: "sqlite", Open: OpenSQLite}, {Name: "postgres", Open: OpenPostgres}}
}

// OpenSQLite opens a migrated SQLite store in a temporary directory.
func OpenSQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "vneid.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// PostgresDSN returns the DSN of the test server.
func PostgresDSN() string {
	if dsn := os.Getenv("VNEID_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return DefaultPostgres
}

// OpenPostgres opens a migrated store in a new schema on the test server;
// the schema is dropped when the test ends.
func OpenPostgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base := PostgresDSN()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if os.Getenv("VNEID_SKIP_POSTGRES") == "1" {
			t.Skipf("PostgreSQL unreachable (%v); skipped because VNEID_SKIP_POSTGRES=1", err)
		}
		t.Fatalf("PostgreSQL at %s is unreachable: %v (set VNEID_TEST_POSTGRES, start the server, or set VNEID_SKIP_POSTGRES=1 to skip)", base, err)
	}
	defer admin.Close()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", base, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sqlstore.Open(ctx, u.String())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db
}
