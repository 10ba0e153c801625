package fingerprint

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// fixture is a record laid out by hand from the 19794-2:2005 field table:
// one view (right index, view 1, live-scan plain, quality 60) with a ridge
// ending at (100,200) pointing up (90°) and a bifurcation at (300,399)
// pointing left (180°), no extended data.
const fixtureHex = "464d5200" + "20323000" + "0000002a" + "8123" + "0190" + "01f4" + "00c5" + "00c5" + "01" + "00" +
	"02" + "10" + "3c" + "02" +
	"4064" + "00c8" + "40" + "50" +
	"812c" + "018f" + "80" + "00" +
	"0000"

func fixture(t testing.TB) []byte {
	t.Helper()
	b, err := hex.DecodeString(fixtureHex)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseFixture(t *testing.T) {
	r, err := Parse(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.Compliance != 8 || r.EquipmentID != 0x123 || r.Width != 400 || r.Height != 500 || r.ResolutionX != 197 || r.ResolutionY != 197 {
		t.Errorf("header = %+v", r)
	}
	if len(r.Views) != 1 {
		t.Fatalf("views = %d", len(r.Views))
	}
	v := r.Views[0]
	if v.Position != RightIndex || v.ViewNumber != 1 || v.Impression != ImpressionLivePlain || v.Quality != 60 || v.Extended != nil {
		t.Errorf("view = %+v", v)
	}
	if v.ResolutionX != 197 || v.ResolutionY != 197 {
		t.Errorf("view resolution = %d×%d", v.ResolutionX, v.ResolutionY)
	}
	want := []Minutia{
		{Type: TypeEnding, X: 100, Y: 200, Angle: math.Pi / 2, Quality: 80},
		{Type: TypeBifurcation, X: 300, Y: 399, Angle: math.Pi, Quality: 0},
	}
	if len(v.Minutiae) != len(want) {
		t.Fatalf("minutiae = %+v", v.Minutiae)
	}
	for i, m := range v.Minutiae {
		if m.Type != want[i].Type || m.X != want[i].X || m.Y != want[i].Y || m.Quality != want[i].Quality || math.Abs(m.Angle-want[i].Angle) > 1e-12 {
			t.Errorf("minutia %d = %+v, want %+v", i, m, want[i])
		}
	}
	if got := v.Position.String(); got != "Ngón trỏ phải / Right index finger" {
		t.Errorf("position name = %q", got)
	}
}

// sampleRecord is a two-view record with extended data, used for round
// trips and as the base that error cases mutate.
func sampleRecord() Record {
	ext := []byte{0x00, 0x02, 0x00, 0x03, 0x01, 0x02, 0x03, 0x44, 0x55, 0x00, 0x01, 0x09}
	return Record{
		Compliance: 0, EquipmentID: 0xabc, Width: 320, Height: 480, ResolutionX: 197, ResolutionY: 197,
		Views: []View{
			{Position: LeftLittle, Impression: ImpressionLiveRolled, Quality: 100, Minutiae: []Minutia{
				{Type: TypeOther, X: 0, Y: 0, Angle: 0, Quality: 100},
				{Type: TypeEnding, X: 319, Y: 479, Angle: AngleFromCode(255), Quality: 1},
			}, Extended: ext},
			{Position: PositionUnknown, ViewNumber: 15, Impression: ImpressionSwipe, Quality: 0},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	for name, r := range map[string]Record{"sample": sampleRecord(), "empty": {Width: 1, Height: 1, ResolutionX: 1, ResolutionY: 1}} {
		b, err := r.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r2, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b2, err := r2.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(b, b2) {
			t.Errorf("%s: re-marshal differs:\n%x\n%x", name, b, b2)
		}
	}
	fb := fixture(t)
	r, err := Parse(fb)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Marshal()
	if err != nil || !bytes.Equal(b, fb) {
		t.Errorf("fixture round trip = %x, %v", b, err)
	}
}

func TestAngleQuantisation(t *testing.T) {
	for _, c := range []struct {
		rad  float64
		code uint8
	}{{0, 0}, {2 * math.Pi, 0}, {-math.Pi / 2, 192}, {math.Pi/2 + 0.001, 64}, {2*math.Pi - 0.001, 0}, {AngleFromCode(37), 37}} {
		if got, ok := (Minutia{Angle: c.rad}).AngleCode(); !ok || got != c.code {
			t.Errorf("AngleCode(%v) = %d, %v; want %d", c.rad, got, ok, c.code)
		}
	}
	if _, ok := (Minutia{Angle: math.NaN()}).AngleCode(); ok {
		t.Error("NaN angle accepted")
	}
}

func TestParseErrors(t *testing.T) {
	base, err := sampleRecord().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Offsets in base: header 0–23; view 0 header 24–27, minutiae 28–39,
	// extended length 40–41, extended 42–53; view 1 header 54–57, ext length 58–59.
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(base)) }
	setLen := func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], uint32(len(b))); return b }
	cases := []struct {
		name string
		in   []byte
		kind error
	}{
		{"empty", nil, ErrTruncated},
		{"short magic", []byte("FMR"), ErrTruncated},
		{"bad magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), ErrFormat},
		{"bad version", mut(func(b []byte) []byte { copy(b[4:], " 30\x00"); return b }), ErrFormat},
		{"header only part", base[:20], ErrTruncated},
		{"truncated at end", base[:len(base)-1], ErrTruncated},
		{"length too large", mut(func(b []byte) []byte { b[11]++; return b }), ErrTruncated},
		{"length too small", mut(func(b []byte) []byte { b[11]--; return b }), ErrLength},
		{"trailing bytes", mut(func(b []byte) []byte { return setLen(append(b, 0)) }), ErrTrailing},
		{"ANSI 378 2-byte length", mut(func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[8:], 0)
			binary.BigEndian.PutUint16(b[8:], uint16(len(b)))
			return b
		}), ErrUnsupported},
		{"zero X resolution", mut(func(b []byte) []byte { b[18], b[19] = 0, 0; return b }), ErrRange},
		{"zero Y resolution", mut(func(b []byte) []byte { b[20], b[21] = 0, 0; return b }), ErrRange},
		{"reserved header byte", mut(func(b []byte) []byte { b[23] = 1; return b }), ErrRange},
		{"view count too large", mut(func(b []byte) []byte { b[22] = 200; return b }), ErrCount},
		{"view count one more", mut(func(b []byte) []byte { b[22] = 3; return b }), ErrTruncated},
		{"view count one less", mut(func(b []byte) []byte { b[22] = 1; return b }), ErrTrailing},
		{"finger position 11", mut(func(b []byte) []byte { b[24] = 11; return b }), ErrRange},
		{"impression type 5", mut(func(b []byte) []byte { b[25] = 0x05; return b }), ErrRange},
		{"finger quality 101", mut(func(b []byte) []byte { b[26] = 101; return b }), ErrRange},
		{"minutiae count too large", mut(func(b []byte) []byte { b[27] = 40; return b }), ErrTruncated},
		{"minutiae count one less", mut(func(b []byte) []byte { b[27] = 1; return b }), ErrTruncated},
		{"minutia type 3", mut(func(b []byte) []byte { b[28] |= 0xc0; return b }), ErrRange},
		{"reserved Y bits", mut(func(b []byte) []byte { b[30] |= 0x40; return b }), ErrRange},
		{"X = width", mut(func(b []byte) []byte { binary.BigEndian.PutUint16(b[34:], 0x4000|320); return b }), ErrRange},
		{"Y = height", mut(func(b []byte) []byte { binary.BigEndian.PutUint16(b[36:], 480); return b }), ErrRange},
		{"minutia quality 101", mut(func(b []byte) []byte { b[33] = 101; return b }), ErrRange},
		{"extended length too large", mut(func(b []byte) []byte { b[41] = 200; return b }), ErrTruncated},
		{"extended length one more, last view", mut(func(b []byte) []byte { b[59]++; return b }), ErrTruncated},
		// One byte more of view 0's extended data shifts view 1: its
		// position byte becomes 0xf8.
		{"extended length one more, first view", mut(func(b []byte) []byte { b[41]++; return b }), ErrRange},
		{"duplicate finger view", mut(func(b []byte) []byte { b[54] = byte(LeftLittle); b[55] = ImpressionSwipe; return b }), ErrCount},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.in)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, c.kind) {
				t.Errorf("error %q is not %v", err, c.kind)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), "fingerprint: ") {
				t.Errorf("error %q is not a *FieldError", err)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	mod := func(f func(r *Record)) Record { r := sampleRecord(); f(&r); return r }
	cases := []struct {
		name string
		r    Record
		kind error
	}{
		{"compliance", mod(func(r *Record) { r.Compliance = 16 }), ErrRange},
		{"equipment", mod(func(r *Record) { r.EquipmentID = 0x1000 }), ErrRange},
		{"width", mod(func(r *Record) { r.Width = 70000 }), ErrRange},
		{"resolution", mod(func(r *Record) { r.ResolutionX = 0 }), ErrRange},
		{"position", mod(func(r *Record) { r.Views[0].Position = 11 }), ErrRange},
		{"view number", mod(func(r *Record) { r.Views[0].ViewNumber = 16 }), ErrRange},
		{"impression", mod(func(r *Record) { r.Views[0].Impression = 4 }), ErrRange},
		{"quality", mod(func(r *Record) { r.Views[0].Quality = -1 }), ErrRange},
		{"X", mod(func(r *Record) { r.Views[0].Minutiae[0].X = 320 }), ErrRange},
		{"Y", mod(func(r *Record) { r.Views[0].Minutiae[0].Y = -1 }), ErrRange},
		{"type", mod(func(r *Record) { r.Views[0].Minutiae[0].Type = 3 }), ErrRange},
		{"angle", mod(func(r *Record) { r.Views[0].Minutiae[0].Angle = math.Inf(1) }), ErrRange},
		{"minutia quality", mod(func(r *Record) { r.Views[0].Minutiae[0].Quality = 101 }), ErrRange},
		{"too many minutiae", mod(func(r *Record) { r.Views[0].Minutiae = make([]Minutia, 256) }), ErrCount},
		{"extended too long", mod(func(r *Record) { r.Views[0].Extended = make([]byte, 65536) }), ErrLength},
		{"duplicate view", mod(func(r *Record) { r.Views[1].Position, r.Views[1].ViewNumber = LeftLittle, 0 }), ErrCount},
	}
	for _, c := range cases {
		if _, err := c.r.Marshal(); !errors.Is(err, ErrInvalid) || !errors.Is(err, c.kind) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.kind)
		}
	}
}

func TestExtendedBlocks(t *testing.T) {
	v := sampleRecord().Views[0]
	blocks, err := v.ExtendedBlocks()
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].Type != 2 || !bytes.Equal(blocks[0].Data, []byte{1, 2, 3}) || blocks[1].Type != 0x4455 || !bytes.Equal(blocks[1].Data, []byte{9}) {
		t.Errorf("blocks = %+v", blocks)
	}
	for _, bad := range [][]byte{{0, 1, 0}, {0, 0, 0, 0}, {0, 1, 0, 2, 7}} {
		if _, err := (View{Extended: bad}).ExtendedBlocks(); !errors.Is(err, ErrMalformed) {
			t.Errorf("ExtendedBlocks(%x) error = %v", bad, err)
		}
	}
}

func TestFingerPositionNames(t *testing.T) {
	if s := RightThumb.String(); s != "Ngón cái phải / Right thumb" {
		t.Errorf("1 = %q", s)
	}
	if s := LeftLittle.String(); s != "Ngón út trái / Left little finger" {
		t.Errorf("10 = %q", s)
	}
	if PositionUnknown.English() != "Unknown finger" || FingerPosition(11).Valid() {
		t.Error("unknown/invalid positions")
	}
	for p := FingerPosition(0); p <= 10; p++ {
		if strings.Contains(p.English(), "Invalid") || p.Vietnamese() == "" {
			t.Errorf("position %d unnamed", p)
		}
	}
}

// FuzzParse feeds Parse arbitrary bytes (seeded with records of both
// editions): it must not panic, its errors must wrap ErrMalformed, and what
// it accepts must marshal back to the same bytes and parse to the same
// Record. Converting to the other edition must not panic either, and what
// then marshals must parse.
func FuzzParse(f *testing.F) {
	f.Add(fixture(f))
	f.Add(fixture2011(f))
	for _, r := range []Record{sampleRecord(), sample2011()} {
		if b, err := r.Marshal(); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("FMR\x00 20\x00"))
	f.Add([]byte("FMR\x00030\x00\x00\x00\x00\x0f\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		out, err := r.Marshal()
		if err != nil {
			t.Fatalf("Marshal of parsed record: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-marshal differs:\nin  %x\nout %x", b, out)
		}
		r2, err := Parse(out)
		if err != nil || !reflect.DeepEqual(r, r2) {
			t.Fatalf("re-parse differs: %v\n%+v\n%+v", err, r, r2)
		}
		other := Version2011
		if r.Version == Version2011 {
			other = Version2005
		}
		if c, err := r.Convert(other); err == nil {
			if cb, err := c.Marshal(); err == nil {
				if _, err := Parse(cb); err != nil {
					t.Fatalf("converted record does not parse: %v", err)
				}
			} else if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Marshal error %v does not wrap ErrInvalid", err)
			}
		} else if !errors.Is(err, ErrInvalid) {
			t.Fatalf("Convert error %v does not wrap ErrInvalid", err)
		}
		for _, v := range r.Views {
			_, _ = v.ExtendedBlocks()
		}
	})
}
