package seal

import (
	"bytes"
	"errors"
	"testing"
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
