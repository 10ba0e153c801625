package icao

import (
	"bytes"
	"fmt"
	"testing"
)

func TestReadTLV(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 300)
	for name, tc := range map[string]struct {
		in          []byte
		tag         uint32
		constructed bool
		value       []byte
		rest        int
	}{
		"short":             {[]byte{0x02, 0x01, 0x05}, 0x02, false, []byte{5}, 0},
		"empty value":       {[]byte{0x04, 0x00, 0xAA}, 0x04, false, []byte{}, 1},
		"two-byte tag":      {[]byte{0x5F, 0x1F, 0x02, 'A', 'B'}, 0x5F1F, false, []byte("AB"), 0},
		"constructed":       {[]byte{0x7F, 0x61, 0x03, 0x02, 0x01, 0x01}, 0x7F61, true, []byte{2, 1, 1}, 0},
		"81":                {append([]byte{0x04, 0x81, 0x80}, long[:128]...), 0x04, false, long[:128], 0},
		"82":                {append([]byte{0x04, 0x82, 0x01, 0x2C}, long...), 0x04, false, long, 0},
		"83":                {append([]byte{0x04, 0x83, 0x00, 0x01, 0x2C}, long...), 0x04, false, long, 0},
		"84":                {append([]byte{0x04, 0x84, 0x00, 0x00, 0x01, 0x2C}, long...), 0x04, false, long, 0},
		"non-minimal 81":    {[]byte{0x04, 0x81, 0x01, 9}, 0x04, false, []byte{9}, 0},
		"non-minimal 82":    {[]byte{0x04, 0x82, 0x00, 0x01, 9, 1}, 0x04, false, []byte{9}, 1},
		"three-byte tag":    {[]byte{0x5F, 0x81, 0x01, 0x00}, 0x5F8101, false, []byte{}, 0},
		"LDS 5F01":          {[]byte{0x5F, 0x01, 0x04, '0', '1', '0', '7'}, 0x5F01, false, []byte("0107"), 0},
		"context primitive": {[]byte{0x87, 0x02, 0x01, 0x01}, 0x87, false, []byte{1, 1}, 0},
	} {
		got, rest, err := readTLV(tc.in)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got.tag != tc.tag || got.constructed != tc.constructed || !bytes.Equal(got.value, tc.value) || len(rest) != tc.rest ||
			!bytes.Equal(got.raw, tc.in[:len(tc.in)-tc.rest]) {
			t.Errorf("%s: got tag %X constructed %v value % X rest %d", name, got.tag, got.constructed, got.value, len(rest))
		}
	}
	for name, in := range map[string][]byte{
		"empty":              nil,
		"tag only":           {0x04},
		"padding 00":         {0x00, 0x00},
		"padding FF":         {0xFF, 0x01, 0x00},
		"indefinite":         {0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00},
		"five length bytes":  {0x04, 0x85, 0, 0, 0, 0, 1, 0},
		"overrun":            {0x04, 0x03, 1, 2},
		"overrun 82":         {0x04, 0x82, 0x01, 0x00, 1},
		"huge 84":            {0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 1},
		"truncated length":   {0x04, 0x82, 0x01},
		"truncated tag":      {0x5F},
		"truncated long tag": {0x5F, 0x81},
		"tag too long":       {0x5F, 0x81, 0x81, 0x01, 0x00},
		"non-minimal tag":    {0x5F, 0x80, 0x1F, 0x00},
	} {
		if _, _, err := readTLV(in); err == nil {
			t.Errorf("%s: accepted % X", name, in)
		}
	}
	if _, err := readOnly([]byte{0x04, 0x00, 0x04, 0x00}); err == nil {
		t.Error("readOnly accepted two objects")
	}
}

func TestAppendTLV(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 65536} {
		value := bytes.Repeat([]byte{0xA5}, n)
		want := 1 // length bytes of the shortest form
		switch {
		case n > 0xFFFF:
			want = 4
		case n > 0xFF:
			want = 3
		case n >= 0x80:
			want = 2
		}
		for _, tag := range []uint32{0x04, 0x5F2E, 0x7F61, 0x5F8101} {
			b := appendTLV([]byte{0xEE}, tag, value)
			got, rest, err := readTLV(b[1:])
			if err != nil || got.tag != tag || !bytes.Equal(got.value, value) || len(rest) != 0 {
				t.Fatalf("tag %X length %d: %v", tag, n, err)
			}
			if lenBytes := len(b) - 1 - n - len(tagBytes(tag)); lenBytes != want {
				t.Errorf("tag %X length %d: %d length bytes, want %d", tag, n, lenBytes, want)
			}
		}
	}
	for n, want := range map[int]string{0xFFFFFF: "83FFFFFF", 0x1000000: "8401000000", 0x7FFFFFFF: "847FFFFFFF"} {
		if got := fmt.Sprintf("%X", appendLength(nil, n)); got != want {
			t.Errorf("appendLength(%d) = %s, want %s", n, got, want)
		}
	}
}

func tagBytes(tag uint32) []byte {
	switch {
	case tag > 0xFFFF:
		return []byte{byte(tag >> 16), byte(tag >> 8), byte(tag)}
	case tag > 0xFF:
		return []byte{byte(tag >> 8), byte(tag)}
	}
	return []byte{byte(tag)}
}

func TestParseUint(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 255, 256, 65535, 1 << 24, 0x7FFFFFFF} {
		got, err := parseUint(uintBytes(n))
		if err != nil || got != n {
			t.Errorf("%d: got %d, %v (encoded % X)", n, got, err, uintBytes(n))
		}
	}
	if b := uintBytes(128); !bytes.Equal(b, []byte{0, 128}) {
		t.Errorf("uintBytes(128) = % X", b)
	}
	for name, in := range map[string][]byte{
		"empty": {}, "negative": {0x80}, "non-minimal": {0x00, 0x01}, "too large": {0x80, 0, 0, 0, 0},
		"31 bits": {0x00, 0x80, 0, 0, 0}, "too long": {1, 0, 0, 0, 0, 0},
	} {
		if _, err := parseUint(in); err == nil {
			t.Errorf("%s: accepted % X", name, in)
		}
	}
}

func TestParseOID(t *testing.T) {
	got, err := parseOID([]byte{0x67, 0x81, 0x08, 0x01, 0x01, 0x05})
	if err != nil || got.String() != oidAA || !got.Equal(oidOf(oidAA)) {
		t.Errorf("parseOID = %v, %v", got, err)
	}
	for name, in := range map[string][]byte{"empty": {}, "unterminated": {0x2A, 0x86}, "non-minimal arc": {0x2A, 0x80, 0x01}} {
		if _, err := parseOID(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
