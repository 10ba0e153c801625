package icao

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestDataGroupTag(t *testing.T) {
	want := map[int]byte{1: 0x61, 2: 0x75, 3: 0x63, 4: 0x76, 5: 0x65, 6: 0x66, 7: 0x67, 8: 0x68, 9: 0x69,
		10: 0x6A, 11: 0x6B, 12: 0x6C, 13: 0x6D, 14: 0x6E, 15: 0x6F, 16: 0x70}
	for n, tag := range want {
		if got, ok := DataGroupTag(n); !ok || got != tag {
			t.Errorf("DataGroupTag(%d) = %02X, %v; want %02X", n, got, ok, tag)
		}
		if got, ok := DataGroupNumber(tag); !ok || got != n {
			t.Errorf("DataGroupNumber(%02X) = %d, %v; want %d", tag, got, ok, n)
		}
	}
	for _, n := range []int{-1, 0, 17, 100} {
		if _, ok := DataGroupTag(n); ok {
			t.Errorf("DataGroupTag(%d) ok", n)
		}
	}
	for _, tag := range []byte{0x00, 0x60, 0x64, 0x77, 0x71, 0xFF} {
		if _, ok := DataGroupNumber(tag); ok {
			t.Errorf("DataGroupNumber(%02X) ok", tag)
		}
	}
}

// comSample is EF.COM written out by hand: LDS 1.7, Unicode 4.0.0, DG1, DG2,
// DG13, DG14, DG15.
var comSample = []byte{
	0x60, 0x17,
	0x5F, 0x01, 0x04, '0', '1', '0', '7',
	0x5F, 0x36, 0x06, '0', '4', '0', '0', '0', '0',
	0x5C, 0x05, 0x61, 0x75, 0x6D, 0x6E, 0x6F,
}

func TestParseCOM(t *testing.T) {
	want := COM{LDSVersion: "0107", UnicodeVersion: "040000", DataGroups: []int{1, 2, 13, 14, 15}}
	got, err := ParseCOM(comSample)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ParseCOM = %+v, %v", got, err)
	}
	if b := BuildCOM("0107", "040000", []int{1, 2, 13, 14, 15}); !bytes.Equal(b, comSample) {
		t.Errorf("BuildCOM = % X\nwant      % X", b, comSample)
	}
	// Other order, non-minimal lengths, an empty list.
	got, err = ParseCOM([]byte{0x60, 0x82, 0x00, 0x13, 0x5C, 0x00, 0x5F, 0x36, 0x06, '0', '5', '0', '0', '0', '0', 0x5F, 0x01, 0x81, 0x04, '0', '1', '0', '8'})
	if err != nil || got.LDSVersion != "0108" || got.UnicodeVersion != "050000" || len(got.DataGroups) != 0 {
		t.Errorf("reordered = %+v, %v", got, err)
	}
	// Round trip of every group.
	all := []int{16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	if got, err := ParseCOM(BuildCOM("0107", "040000", all)); err != nil || !reflect.DeepEqual(got.DataGroups, all) {
		t.Errorf("all groups = %v, %v", got.DataGroups, err)
	}
}

func TestParseCOMErrors(t *testing.T) {
	build := func(parts ...[]byte) []byte { return encode(0x60, parts...) }
	lds := encode(0x5F01, []byte("0107"))
	uni := encode(0x5F36, []byte("040000"))
	list := encode(0x5C, []byte{0x61, 0x75})
	for name, b := range map[string][]byte{
		"empty":              nil,
		"wrong tag":          append([]byte{0x61}, comSample[1:]...),
		"trailing":           append(append([]byte{}, comSample...), 0x00),
		"truncated":          comSample[:len(comSample)-1],
		"bad length":         append([]byte{0x60, 0x30}, comSample[2:]...),
		"indefinite":         append(append([]byte{0x60, 0x80}, comSample[2:]...), 0, 0),
		"no LDS version":     build(uni, list),
		"no Unicode version": build(lds, list),
		"no tag list":        build(lds, uni),
		"LDS twice":          build(lds, lds, uni, list),
		"Unicode twice":      build(lds, uni, uni, list),
		"list twice":         build(lds, uni, list, list),
		"LDS not digits":     build(encode(0x5F01, []byte("1.7A")), uni, list),
		"LDS too short":      build(encode(0x5F01, []byte("107")), uni, list),
		"Unicode too long":   build(lds, encode(0x5F36, []byte("0400000")), list),
		"SOD in list":        build(lds, uni, encode(0x5C, []byte{0x61, 0x77})),
		"unknown tag":        build(lds, uni, encode(0x5C, []byte{0x61, 0x71})),
		"group twice":        build(lds, uni, encode(0x5C, []byte{0x61, 0x75, 0x61})),
		"bad group built":    BuildCOM("0107", "040000", []int{1, 17}),
		"unexpected element": build(lds, uni, list, encode(0x5F08, []byte("x"))),
		"inner overrun":      build(lds, uni, []byte{0x5C, 0x05, 0x61}),
	} {
		if _, err := ParseCOM(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

func FuzzParseCOM(f *testing.F) {
	f.Add(comSample)
	f.Add(BuildCOM("0108", "050000", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
	f.Add([]byte{0x60, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCOM(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		again, err := ParseCOM(BuildCOM(c.LDSVersion, c.UnicodeVersion, c.DataGroups))
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("rebuilt %+v as %+v, %v", c, again, err)
		}
	})
}
