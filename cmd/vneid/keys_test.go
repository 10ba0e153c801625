package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/config"
	"github.com/vneid/vneid/internal/eid"
	"github.com/vneid/vneid/internal/keyring"
	"github.com/vneid/vneid/internal/seal"
	"github.com/vneid/vneid/internal/store"
	"github.com/vneid/vneid/internal/store/storetest"
)

// TestKeysCommand: a first server start on SQLite makes DATA_DIR/master.key
// (0600) and wraps the secrets; `vneid keys rotate` re-seals a portrait
// and a fingerprint template, which still open with the domain's
// additional data; `vneid keys retire` refuses the key while it is young
// and then deletes it.
func TestKeysCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.DataDir = dir
	st, err := openKeyedStore(ctx, cfg, masterFlags{}, true, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, masterKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master.key: %v, %v; want mode 0600", fi, err)
	}
	box, err := sealBox(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	const id = "001190000077"
	now := time.Now().UTC()
	portrait, _ := box.Seal([]byte("jpeg bytes"), eid.PortraitAD(id))
	finger, _ := box.Seal([]byte("iso record"), eid.FingerprintAD(id, 3))
	if err := st.PutPortrait(ctx, store.Portrait{IDNumber: id, Format: "jpeg", Data: portrait, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutFingerprintTemplate(ctx, store.FingerprintTemplate{IDNumber: id, Position: 3, Format: "iso19794-2", Data: finger, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Secret(ctx, "otp-hmac", []byte("0123456789abcdef0123456789abcdef")); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := st.SQL().QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = 'seal-key-1'`).Scan(&raw); err != nil || !keyring.IsWrapped(raw) {
		t.Fatalf("seal-key-1 at rest: %q, %v; want wrapped", raw, err)
	}
	st.Close()

	keys := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(append([]string{"keys"}, args...), "-data-dir", dir), nil, &out, io.Discard)
		return out.String(), err
	}
	out, err := keys("status")
	if err != nil || !strings.Contains(out, "all wrapped") || !strings.Contains(out, "1 (current)") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	if out, err = keys("rotate", "-batch", "1"); err != nil || !strings.Contains(out, "every sealed value is under seal key 2") {
		t.Fatalf("rotate: %v\n%s", err, out)
	}
	if _, err := keys("retire", "1"); err == nil {
		t.Error("retire a key superseded a moment ago: no error")
	}
	if _, err := keys("retire", "2", "-min-age", "0s"); err == nil {
		t.Error("retire the current key: no error")
	}
	if out, err = keys("retire", "1", "-min-age", "0s"); err != nil {
		t.Fatalf("retire 1: %v\n%s", err, out)
	}

	st, err = openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	box, err = sealBox(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.Portrait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if seal.KeyID(p.Data) != 2 {
		t.Errorf("portrait sealed with key %d, want 2", seal.KeyID(p.Data))
	}
	if pt, err := box.Open(p.Data, eid.PortraitAD(id)); err != nil || string(pt) != "jpeg bytes" {
		t.Errorf("portrait after rotation: %q, %v", pt, err)
	}
	ts, err := st.FingerprintTemplates(ctx, id)
	if err != nil || len(ts) != 1 {
		t.Fatalf("templates: %v, %v", ts, err)
	}
	if pt, err := box.Open(ts[0].Data, eid.FingerprintAD(id, 3)); err != nil || string(pt) != "iso record" {
		t.Errorf("fingerprint after rotation: %q, %v", pt, err)
	}

	// A new master key: every secret is re-wrapped under it, and it alone
	// then opens the store.
	newKey := filepath.Join(t.TempDir(), "new.key")
	made, err := keyring.CreateFile(newKey)
	if err != nil {
		t.Fatal(err)
	}
	if out, err = keys("rotate", "-master-key-new", newKey); err != nil {
		t.Fatalf("rotate master: %v\n%s", err, out)
	}
	if out, err = keys("status", "-master-key-file", newKey); err != nil || !strings.Contains(out, "under "+made.ID()) || !strings.Contains(out, "all wrapped") {
		t.Fatalf("status under the new master: %v\n%s", err, out)
	}
	if _, err := keys("status"); err == nil || !strings.Contains(err.Error(), made.ID()) {
		t.Errorf("status with the old master only: %v, want an error naming %s", err, made.ID())
	}
}

// A server on PostgreSQL without a master key is refused unless
// -insecure-no-master-key is given; a server whose master key does not
// open the secrets stops with the key ID it needs.
func TestServeMasterKeyPolicy(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenPostgres(t)
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DB = "postgres://127.0.0.1/never-opened"
	log := slog.New(slog.DiscardHandler)
	if _, err := (&masterFlags{}).ring(ctx, cfg, db, true, log); err == nil || !strings.Contains(err.Error(), "insecure-no-master-key") {
		t.Errorf("PostgreSQL without a master key: %v, want a refusal", err)
	}
	if r, err := (&masterFlags{insecure: true}).ring(ctx, cfg, db, true, log); err != nil || r != nil {
		t.Errorf("with -insecure-no-master-key: %v, %v; want no keyring", r, err)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, masterKeyFile)); err == nil {
		t.Error("a master.key was made for PostgreSQL")
	}

	keyA := filepath.Join(t.TempDir(), "a.key")
	a, err := keyring.CreateFile(keyA)
	if err != nil {
		t.Fatal(err)
	}
	ringA, err := keyring.NewRing(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.WithKeyring(ringA).Secret(ctx, "console-csrf", []byte("k")); err != nil {
		t.Fatal(err)
	}
	// SQLite-style start with no key given and no key file: refused, as
	// the secrets are under a.key.
	cfg.DB = ""
	cfg.DataDir = t.TempDir()
	if _, err := (&masterFlags{}).ring(ctx, cfg, db, true, log); err == nil || !strings.Contains(err.Error(), a.ID()) {
		t.Errorf("no master key over wrapped secrets: %v, want an error naming %s", err, a.ID())
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, masterKeyFile)); err == nil {
		t.Error("a new master.key was made although the secrets are under another")
	}
	t.Setenv("VNEID_MASTER_KEY", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	r, err := (&masterFlags{}).ring(ctx, cfg, db, true, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.WithKeyring(r).WrapSecrets(ctx, false); err == nil || !strings.Contains(err.Error(), a.ID()) {
		t.Errorf("wrong master: %v, want an error naming %s", err, a.ID())
	}
}
