package keyring

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func local(t testing.TB, fill byte) *Local {
	t.Helper()
	l, err := NewLocal(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRingWrapUnwrap(t *testing.T) {
	ctx := context.Background()
	oldM, newM := local(t, 'a'), local(t, 'b')
	oldRing, _ := NewRing(oldM)
	rotated, err := NewRing(newM, oldM)
	if err != nil {
		t.Fatal(err)
	}
	underOld, err := oldRing.Wrap(ctx, "otp-hmac", []byte("bí mật"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(underOld), Prefix+oldM.ID()+":") {
		t.Fatalf("wrapped value %q lacks prefix and key ID", underOld)
	}
	if bytes.Contains(underOld, []byte("bí mật")) {
		t.Fatal("plaintext visible in the wrapped value")
	}
	underNew, _ := rotated.Wrap(ctx, "otp-hmac", []byte("bí mật"))
	if id, _, _, _ := Parse(underNew); id != newM.ID() {
		t.Errorf("rotated ring wrapped under %s, want the current %s", id, newM.ID())
	}
	for name, tc := range map[string]struct {
		ring    *Ring
		name    string
		value   []byte
		want    string
		legacy  bool
		missing string // ID a *MissingKeyError must name
		fails   bool
	}{
		"old under rotated":   {ring: rotated, name: "otp-hmac", value: underOld, want: "bí mật"},
		"new under rotated":   {ring: rotated, name: "otp-hmac", value: underNew, want: "bí mật"},
		"legacy plaintext":    {ring: rotated, name: "otp-hmac", value: []byte("plain"), want: "plain", legacy: true},
		"legacy, no ring":     {ring: nil, name: "otp-hmac", value: []byte("plain"), want: "plain", legacy: true},
		"new under old ring":  {ring: oldRing, name: "otp-hmac", value: underNew, missing: newM.ID(), fails: true},
		"wrapped, no ring":    {ring: nil, name: "otp-hmac", value: underOld, missing: oldM.ID(), fails: true},
		"moved to other name": {ring: rotated, name: "console-csrf", value: underOld, fails: true},
		"altered":             {ring: rotated, name: "otp-hmac", value: flip(underOld), fails: true},
		"truncated":           {ring: rotated, name: "otp-hmac", value: underOld[:len(Prefix)+12], fails: true},
		"malformed id":        {ring: rotated, name: "otp-hmac", value: []byte(Prefix + "no-colon-at-all"), fails: true},
	} {
		t.Run(name, func(t *testing.T) {
			pt, legacy, err := tc.ring.Unwrap(ctx, tc.name, tc.value)
			if tc.fails {
				if err == nil {
					t.Fatalf("Unwrap = %q, want an error", pt)
				}
				var mk *MissingKeyError
				if tc.missing != "" && (!errors.As(err, &mk) || mk.ID != tc.missing) {
					t.Fatalf("err = %v, want a MissingKeyError naming %s", err, tc.missing)
				}
				return
			}
			if err != nil || string(pt) != tc.want || legacy != tc.legacy {
				t.Fatalf("Unwrap = %q, legacy %v, %v; want %q, legacy %v", pt, legacy, err, tc.want, tc.legacy)
			}
		})
	}
}

func flip(b []byte) []byte {
	c := bytes.Clone(b)
	c[len(c)-1] ^= 1
	return c
}

func TestLocalID(t *testing.T) {
	l := local(t, 'a')
	if len(l.ID()) != 8 {
		t.Errorf("ID %q, want 8 hex digits", l.ID())
	}
	if l.ID() == local(t, 'b').ID() {
		t.Error("two keys with one ID")
	}
	if _, err := NewRing(nil); err == nil {
		t.Error("NewRing(nil): no error")
	}
	if _, err := NewLocal(make([]byte, 16)); err == nil {
		t.Error("NewLocal(16 bytes): no error")
	}
}

func TestParseKey(t *testing.T) {
	key := bytes.Repeat([]byte{0xab}, KeySize)
	for name, tc := range map[string]struct {
		in string
		ok bool
	}{
		"raw":        {string(key), true},
		"hex":        {hex.EncodeToString(key) + "\n", true},
		"base64":     {base64.StdEncoding.EncodeToString(key), true},
		"base64 url": {base64.RawURLEncoding.EncodeToString(key), true},
		"short":      {hex.EncodeToString(key[:8]), false},
		"garbage":    {"not a key", false},
		"empty":      {"", false},
	} {
		k, err := ParseKey([]byte(tc.in))
		if tc.ok != (err == nil) || tc.ok && !bytes.Equal(k, key) {
			t.Errorf("%s: ParseKey = %x, %v", name, k, err)
		}
	}
	if _, err := LoadEnv("VNEID_MASTER_KEY", string(bytes.Repeat([]byte{'k'}, KeySize))); err == nil {
		t.Error("LoadEnv took 32 raw characters; want base64 or hex")
	}
	if _, err := LoadEnv("VNEID_MASTER_KEY", hex.EncodeToString(key)); err != nil {
		t.Errorf("LoadEnv(hex): %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	made, err := CreateFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CreateFile(path); err == nil {
		t.Error("CreateFile overwrote an existing key")
	}
	loaded, err := LoadFile(path)
	if err != nil || loaded.ID() != made.ID() {
		t.Fatalf("LoadFile = %v, %v; want key %s", loaded, err, made.ID())
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("group-readable file: %v, want a refusal saying chmod 600", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.key")); err == nil {
		t.Error("missing file: no error")
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(bad); err == nil {
		t.Error("5-byte key file: no error")
	}
}

// FuzzParse: the wrapped-value parser never panics, and what it accepts
// has a valid ID and round-trips.
func FuzzParse(f *testing.F) {
	ring, _ := NewRing(local(f, 'a'))
	w, _ := ring.Wrap(context.Background(), "n", []byte("x"))
	f.Add(w)
	f.Add([]byte(Prefix))
	f.Add([]byte(Prefix + ":"))
	f.Add([]byte(Prefix + "abcd1234:"))
	f.Add([]byte("plain secret"))
	f.Fuzz(func(t *testing.T, in []byte) {
		id, payload, ok, err := Parse(in)
		if !ok {
			if IsWrapped(in) {
				t.Fatal("prefixed value not recognised")
			}
			return
		}
		if err != nil {
			return
		}
		if !validID(id) {
			t.Fatalf("accepted ID %q", id)
		}
		if again := append(append([]byte(Prefix+id), ':'), payload...); !bytes.Equal(again, in) {
			t.Fatalf("round trip %q != %q", again, in)
		}
		_, _, _ = ring.Unwrap(context.Background(), "n", in)
	})
}
