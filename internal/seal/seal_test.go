package seal

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func key(id byte, fill byte) Key { return Key{ID: id, Bytes: bytes.Repeat([]byte{fill}, 32)} }

func TestSealOpen(t *testing.T) {
	old, err := New(key(1, 'a'))
	if err != nil {
		t.Fatal(err)
	}
	sealedOld, err := old.Seal([]byte("chân dung"), []byte("portrait:001"))
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := New(key(1, 'a'), key(2, 'b'))
	if err != nil {
		t.Fatal(err)
	}
	sealedNew, _ := rotated.Seal([]byte("chân dung"), []byte("portrait:001"))
	if sealedNew[1] != 2 {
		t.Errorf("sealed with key %d, want the newest (2)", sealedNew[1])
	}
	for name, s := range map[string][]byte{"old key": sealedOld, "new key": sealedNew} {
		pt, err := rotated.Open(s, []byte("portrait:001"))
		if err != nil || string(pt) != "chân dung" {
			t.Errorf("%s: Open = %q, %v", name, pt, err)
		}
	}
	again, _ := rotated.Seal([]byte("chân dung"), []byte("portrait:001"))
	if bytes.Equal(again, sealedNew) {
		t.Error("two seals of one value are equal: nonce reused")
	}
	flipped := bytes.Clone(sealedNew)
	flipped[len(flipped)-1] ^= 1
	for name, tc := range map[string]struct {
		box    *Box
		sealed []byte
		ad     string
	}{
		"moved to another row": {rotated, sealedNew, "portrait:002"},
		"altered":              {rotated, flipped, "portrait:001"},
		"key not held":         {old, sealedNew, "portrait:001"},
		"empty":                {rotated, nil, "portrait:001"},
		"short":                {rotated, sealedNew[:10], "portrait:001"},
		"bad version":          {rotated, append([]byte{9}, sealedNew[1:]...), "portrait:001"},
	} {
		if _, err := tc.box.Open(tc.sealed, []byte(tc.ad)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	for name, keys := range map[string][]Key{
		"none":      nil,
		"id 0":      {key(0, 'a')},
		"short":     {{ID: 1, Bytes: []byte("short")}},
		"duplicate": {key(1, 'a'), key(1, 'b')},
	} {
		if _, err := New(keys...); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzOpen(f *testing.F) {
	b, _ := New(key(1, 'a'))
	s, _ := b.Seal([]byte("x"), nil)
	f.Add(s)
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = b.Open(in, nil)
	})
}

// memKeys is a KeySource in memory.
type memKeys struct {
	mu      sync.Mutex
	current byte
	keys    []Key
	loads   int
}

func (m *memKeys) SealKeys(context.Context) (byte, []Key, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.loads++
	return m.current, slices.Clone(m.keys), nil
}

func (m *memKeys) add(k Key) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys, m.current = append(m.keys, k), k.ID
}

// A rotation made through another box reaches this one: Open loads a key it
// does not hold, and Refresh moves sealing to the new current key.
func TestLoadPicksUpRotation(t *testing.T) {
	ctx := context.Background()
	src := &memKeys{current: 1, keys: []Key{key(1, 'a')}}
	a, err := Load(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	src.add(key(2, 'b'))
	if err := a.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	sealed, _ := a.Seal([]byte("vân tay"), []byte("fingerprint:001:1"))
	if KeyID(sealed) != 2 {
		t.Fatalf("sealed with key %d after reload, want 2", KeyID(sealed))
	}
	if pt, err := b.Open(sealed, []byte("fingerprint:001:1")); err != nil || string(pt) != "vân tay" {
		t.Fatalf("second box: Open = %q, %v; want the key loaded on demand", pt, err)
	}
	if b.Current() != 2 || !slices.Equal(b.KeyIDs(), []byte{1, 2}) {
		t.Errorf("second box: current %d, keys %v", b.Current(), b.KeyIDs())
	}
	loads := src.loads
	junk := append([]byte{version, 9}, sealed[2:]...)
	for range 5 {
		if _, err := b.Open(junk, nil); !errors.Is(err, ErrOpen) {
			t.Fatalf("unknown key: %v", err)
		}
	}
	if src.loads > loads+1 {
		t.Errorf("%d loads for 5 opens of an unknown key, want at most 1", src.loads-loads)
	}
	ctx2, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.Refresh(ctx2, 10*time.Millisecond, nil); close(done) }()
	src.add(key(3, 'c'))
	deadline := time.Now().Add(5 * time.Second)
	for b.Current() != 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
	if b.Current() != 3 {
		t.Errorf("Refresh: current %d, want 3", b.Current())
	}
}
