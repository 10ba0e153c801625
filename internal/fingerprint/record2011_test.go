package fingerprint

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fixture2011Hex is a 2011 record laid out by hand from the field table on
// Version2011: one representation of the right index finger, number 1,
// captured 2024-05-17 08:30:15.250 UTC on an optical TIR scanner (vendor
// 0x0033, type 0x0444), one quality block (80, vendor 0x00ff, algorithm 1),
// 197 px/cm, live-scan plain, 400×500 pixels, 6-byte minutiae with ridge
// skeleton end points: a ridge ending at (100,200) pointing up, quality 80,
// and a bifurcation at (300,399) pointing left, quality not reported.
const fixture2011Hex = "464d5200" + "30333000" + "00000042" + "0001" + "00" +
	"00000033" + "07e8" + "05" + "11" + "08" + "1e" + "0f" + "00fa" + "01" + "0033" + "0444" +
	"01" + "50" + "00ff" + "0001" +
	"02" + "01" + "00c5" + "00c5" + "00" + "0190" + "01f4" + "61" + "02" +
	"4064" + "00c8" + "40" + "50" +
	"812c" + "018f" + "80" + "fe" +
	"0000"

func fixture2011(t testing.TB) []byte {
	t.Helper()
	b, err := hex.DecodeString(fixture2011Hex)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse2011Fixture(t *testing.T) {
	r, err := Parse(fixture2011(t))
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != Version2011 || r.Certified || r.Width != 400 || r.Height != 500 || r.ResolutionX != 197 || r.ResolutionY != 197 {
		t.Errorf("record = %+v", r)
	}
	if len(r.Views) != 1 {
		t.Fatalf("views = %d", len(r.Views))
	}
	v := r.Views[0]
	want := View{
		Position: RightIndex, ViewNumber: 1, Impression: ImpressionLivePlain, Quality: 80,
		ResolutionX: 197, ResolutionY: 197, Width: 400, Height: 500,
		CaptureTime:      CaptureTime{Fields: 7, Year: 2024, Month: 5, Day: 17, Hour: 8, Minute: 30, Second: 15, Millisecond: 250},
		DeviceTechnology: 1, DeviceVendor: 0x33, DeviceType: 0x444,
		QualityBlocks: []QualityBlock{{Score: 80, Vendor: 0xff, Algorithm: 1}},
		EndingType:    EndingRidgeEndPoint,
		Minutiae: []Minutia{
			{Type: TypeEnding, X: 100, Y: 200, Angle: AngleFromCode(64), Quality: 80},
			{Type: TypeBifurcation, X: 300, Y: 399, Angle: AngleFromCode(128), Quality: MinutiaQualityNotReported},
		},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("view =\n%+v\nwant\n%+v", v, want)
	}
	if tm, ok := v.CaptureTime.Time(); !ok || !tm.Equal(time.Date(2024, 5, 17, 8, 30, 15, 250e6, time.UTC)) {
		t.Errorf("capture time = %v, %v", tm, ok)
	}
	out, err := r.Marshal()
	if err != nil || !bytes.Equal(out, fixture2011(t)) {
		t.Errorf("fixture round trip = %x, %v", out, err)
	}
}

// sample2011 is a two-representation 2011 record with certification,
// quality and extended data, used for round trips and as the base that
// error cases mutate. Its record-level size and resolution are those of
// representation 0, as Parse sets them.
func sample2011() Record {
	ext := []byte{0x00, 0x02, 0x00, 0x03, 0x01, 0x02, 0x03, 0x44, 0x55, 0x00, 0x01, 0x09}
	return Record{
		Version: Version2011, Certified: true, Width: 320, Height: 480, ResolutionX: 197, ResolutionY: 197,
		Views: []View{
			{
				Position: LeftLittle, Impression: ImpressionLiveRolled, Quality: 80,
				Width: 320, Height: 480, ResolutionX: 197, ResolutionY: 197,
				CaptureTime:      CaptureTime{Fields: 7, Year: 2025, Month: 12, Day: 31, Hour: 23, Minute: 59, Second: 59, Millisecond: 999},
				DeviceTechnology: 14, DeviceVendor: 0x1234, DeviceType: 0x5678,
				QualityBlocks:  []QualityBlock{{Score: 80, Vendor: 0xff, Algorithm: 1}, {Score: QualityFailed, Vendor: 2, Algorithm: 3}},
				Certifications: []Certification{{Authority: 1, Scheme: 2}},
				EndingType:     EndingRidgeEndPoint,
				Minutiae: []Minutia{
					{Type: TypeOther, X: 0, Y: 0, Angle: 0, Quality: 100},
					{Type: TypeEnding, X: 319, Y: 479, Angle: AngleFromCode(255), Quality: MinutiaQualityNotReported},
				},
				Extended: ext,
			},
			{
				Position: PositionUnknown, ViewNumber: 15, Impression: 29,
				Width: 100, Height: 100, ResolutionX: 394, ResolutionY: 394,
				CaptureTime:           CaptureTime{Fields: 3, Year: 2020, Month: 2, Day: 29},
				MinutiaQualityOmitted: true,
				Minutiae:              []Minutia{{Type: TypeBifurcation, X: 5, Y: 6, Angle: AngleFromCode(3), Quality: MinutiaQualityNotReported}},
			},
		},
	}
}

func TestRoundTrip2011(t *testing.T) {
	for name, r := range map[string]Record{
		"sample": sample2011(),
		"empty":  {Version: Version2011},
		"uncertified": func() Record {
			r := sample2011()
			r.Certified = false
			r.Views[0].Certifications = nil
			return r
		}(),
	} {
		b, err := r.Marshal()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r2, err := Parse(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(r, r2) {
			t.Errorf("%s: parsed\n%+v\nwant\n%+v", name, r2, r)
		}
		b2, err := r2.Marshal()
		if err != nil || !bytes.Equal(b, b2) {
			t.Errorf("%s: re-marshal differs: %v\n%x\n%x", name, err, b, b2)
		}
	}
	// A view's zero size and resolution take the record's.
	r := sample2011()
	r.Views[0].Width, r.Views[0].ResolutionY = 0, 0
	b, err := r.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if r2, err := Parse(b); err != nil || r2.Views[0].Width != 320 || r2.Views[0].ResolutionY != 197 {
		t.Errorf("record fallback: %+v, %v", r2.Views[0], err)
	}
}

func TestParse2011Errors(t *testing.T) {
	base, err := sample2011().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(base) != 127 {
		t.Fatalf("sample is %d bytes; the offsets below assume 127", len(base))
	}
	// Offsets in base: header 0–14 (length 8–11, count 12–13, flag 14).
	// Representation 0 at 15: length 15–18, date 19–27 (year 19–20, month
	// 21, day 22, …, millisecond 26–27), technology 28, vendor 29–30, type
	// 31–32, quality count 33, blocks 34–38 and 39–43, certification count
	// 44, block 45–47, position 48, number 49, resolutions 50–53,
	// impression 54, size 55–58, field length 59, minutiae count 60,
	// minutiae 61–66 and 67–72, extended length 73–74, extended 75–86.
	// Representation 1 at 87: length 87–90, date 91–99, …, quality count
	// 105, certification count 106, position 107, number 108, minutiae
	// count 119, one 5-byte minutia 120–124, extended length 125–126.
	mut := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(base)) }
	setLen := func(b []byte) []byte { binary.BigEndian.PutUint32(b[8:], uint32(len(b))); return b }
	put16 := func(b []byte, off int, v uint16) []byte { binary.BigEndian.PutUint16(b[off:], v); return b }
	put32 := func(b []byte, off int, v uint32) []byte { binary.BigEndian.PutUint32(b[off:], v); return b }
	cases := []struct {
		name string
		in   []byte
		kind error
	}{
		{"bad version", mut(func(b []byte) []byte { copy(b[4:], "031\x00"); return b }), ErrFormat},
		{"header cut", base[:14], ErrTruncated},
		{"truncated at end", base[:len(base)-1], ErrTruncated},
		{"record length too large", mut(func(b []byte) []byte { b[11]++; return b }), ErrTruncated},
		{"record length too small", mut(func(b []byte) []byte { b[11]--; return b }), ErrLength},
		{"trailing byte", mut(func(b []byte) []byte { return setLen(append(b, 0)) }), ErrTrailing},
		{"certification flag 2", mut(func(b []byte) []byte { b[14] = 2; return b }), ErrRange},
		{"certification flag cleared", mut(func(b []byte) []byte { b[14] = 0; return b }), ErrRange},
		{"too many representations", mut(func(b []byte) []byte { return put16(b, 12, 1000) }), ErrCount},
		{"one representation more", mut(func(b []byte) []byte { return put16(b, 12, 3) }), ErrTruncated},
		{"one representation less", mut(func(b []byte) []byte { return put16(b, 12, 1) }), ErrTrailing},
		{"representation length below minimum", mut(func(b []byte) []byte { return put32(b, 15, 20) }), ErrLength},
		{"representation length past the end", mut(func(b []byte) []byte { return put32(b, 15, 200) }), ErrTruncated},
		{"representation length one short", mut(func(b []byte) []byte { return put32(b, 15, 71) }), ErrLength},
		{"representation length one long", mut(func(b []byte) []byte { return put32(b, 15, 73) }), ErrLength},
		{"capture month 13", mut(func(b []byte) []byte { b[21] = 13; return b }), ErrRange},
		{"capture day 0", mut(func(b []byte) []byte { b[22] = 0; return b }), ErrRange},
		{"capture hour 24", mut(func(b []byte) []byte { b[23] = 24; return b }), ErrRange},
		{"capture millisecond 1000", mut(func(b []byte) []byte { return put16(b, 26, 1000) }), ErrRange},
		{"capture month without year", mut(func(b []byte) []byte { return put16(b, 19, 0xffff) }), ErrRange},
		{"capture year 0", mut(func(b []byte) []byte { return put16(b, 19, 0) }), ErrRange},
		{"device technology 21", mut(func(b []byte) []byte { b[28] = 21; return b }), ErrRange},
		{"quality count past the end", mut(func(b []byte) []byte { b[33] = 200; return b }), ErrLength},
		{"quality score 101", mut(func(b []byte) []byte { b[34] = 101; return b }), ErrRange},
		{"quality score 254", mut(func(b []byte) []byte { b[39] = 254; return b }), ErrRange},
		{"certification count past the end", mut(func(b []byte) []byte { b[44] = 100; return b }), ErrLength},
		{"finger position 11", mut(func(b []byte) []byte { b[48] = 11; return b }), ErrRange},
		{"representation number 16", mut(func(b []byte) []byte { b[49] = 16; return b }), ErrRange},
		{"zero X resolution", mut(func(b []byte) []byte { return put16(b, 50, 0) }), ErrRange},
		{"zero Y resolution", mut(func(b []byte) []byte { return put16(b, 52, 0) }), ErrRange},
		{"impression type 10", mut(func(b []byte) []byte { b[54] = 10; return b }), ErrRange},
		{"minutia field length 7", mut(func(b []byte) []byte { b[59] = 0x71; return b }), ErrRange},
		{"ridge ending type 2", mut(func(b []byte) []byte { b[59] = 0x62; return b }), ErrRange},
		{"minutiae count past the end", mut(func(b []byte) []byte { b[60] = 50; return b }), ErrLength},
		{"minutia type 3", mut(func(b []byte) []byte { b[61] |= 0xc0; return b }), ErrRange},
		{"reserved Y bits", mut(func(b []byte) []byte { b[63] |= 0x40; return b }), ErrRange},
		{"X = width", mut(func(b []byte) []byte { return put16(b, 61, 320) }), ErrRange},
		{"Y = height", mut(func(b []byte) []byte { return put16(b, 63, 480) }), ErrRange},
		{"minutia quality 150", mut(func(b []byte) []byte { b[66] = 150; return b }), ErrRange},
		{"extended length past the end", mut(func(b []byte) []byte { return put16(b, 73, 255) }), ErrLength},
		{"duplicate finger representation", mut(func(b []byte) []byte { b[107], b[108] = byte(LeftLittle), 0; return b }), ErrCount},
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

func TestMarshal2011Errors(t *testing.T) {
	mod := func(f func(r *Record)) Record { r := sample2011(); f(&r); return r }
	cases := []struct {
		name string
		r    Record
		kind error
	}{
		{"unknown version", mod(func(r *Record) { r.Version = 7 }), ErrFormat},
		{"capture fields 8", mod(func(r *Record) { r.Views[0].CaptureTime.Fields = 8 }), ErrRange},
		{"capture month 0", mod(func(r *Record) { r.Views[0].CaptureTime.Month = 0 }), ErrRange},
		{"capture field set but not reported", mod(func(r *Record) { r.Views[1].CaptureTime.Hour = 5 }), ErrRange},
		{"technology 21", mod(func(r *Record) { r.Views[0].DeviceTechnology = 21 }), ErrRange},
		{"quality score 101", mod(func(r *Record) { r.Views[0].QualityBlocks[0].Score = 101 }), ErrRange},
		{"quality score −1", mod(func(r *Record) { r.Views[0].QualityBlocks[0].Score = -1 }), ErrRange},
		{"certifications without the flag", mod(func(r *Record) { r.Certified = false }), ErrCount},
		{"representation number 16", mod(func(r *Record) { r.Views[0].ViewNumber = 16 }), ErrRange},
		{"no resolution", mod(func(r *Record) { r.ResolutionX, r.Views[0].ResolutionX = 0, 0 }), ErrRange},
		{"impression 10", mod(func(r *Record) { r.Views[0].Impression = 10 }), ErrRange},
		{"ending type 2", mod(func(r *Record) { r.Views[0].EndingType = 2 }), ErrRange},
		{"minutia quality 253", mod(func(r *Record) { r.Views[0].Minutiae[0].Quality = 253 }), ErrRange},
		{"quality with 5-byte minutiae", mod(func(r *Record) { r.Views[1].Minutiae[0].Quality = 50 }), ErrRange},
		{"X outside", mod(func(r *Record) { r.Views[1].Minutiae[0].X = 100 }), ErrRange},
		{"too many minutiae", mod(func(r *Record) { r.Views[1].Minutiae = make([]Minutia, 256) }), ErrCount},
		{"too many quality blocks", mod(func(r *Record) { r.Views[1].QualityBlocks = make([]QualityBlock, 256) }), ErrCount},
		{"duplicate representation", mod(func(r *Record) { r.Views[1].Position, r.Views[1].ViewNumber = LeftLittle, 0 }), ErrCount},
	}
	for _, c := range cases {
		if _, err := c.r.Marshal(); !errors.Is(err, ErrInvalid) || !errors.Is(err, c.kind) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.kind)
		}
	}
}

func TestConvert(t *testing.T) {
	b2005, err := sampleRecord().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r2005, err := Parse(b2005)
	if err != nil {
		t.Fatal(err)
	}
	// 2005 → 2011 → bytes → 2005 gives back the 2005 record.
	r2011, err := r2005.Convert(Version2011)
	if err != nil {
		t.Fatal(err)
	}
	b2011, err := r2011.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := Parse(b2011)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Version != Version2011 || parsed.Views[0].DeviceType != 0xabc || parsed.Views[0].QualityBlocks[0].Score != 100 || parsed.Views[1].Width != 320 {
		t.Errorf("2011 form = %+v", parsed)
	}
	back, err := parsed.Convert(Version2005)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r2005) {
		t.Errorf("2005 → 2011 → 2005:\n%+v\nwant\n%+v", back, r2005)
	}
	if out, err := back.Marshal(); err != nil || !bytes.Equal(out, b2005) {
		t.Errorf("bytes after the round trip differ: %v", err)
	}
	// The input is not changed.
	if r2005.Version != Version2005 || r2005.Views[0].QualityBlocks != nil {
		t.Error("Convert changed its receiver")
	}

	// 2011 → 2005: qualities 254 and 255 become 0, the first quality block
	// gives the finger quality.
	one := sample2011()
	one.Views = one.Views[:1]
	r, err := one.Convert(Version2005)
	if err != nil {
		t.Fatal(err)
	}
	if v := r.Views[0]; r.Width != 320 || r.ResolutionX != 197 || v.Quality != 80 || v.Minutiae[1].Quality != 0 || v.Minutiae[0].Quality != 100 || v.QualityBlocks != nil {
		t.Errorf("2011 → 2005 = %+v", r)
	}
	if _, err := r.Marshal(); err != nil {
		t.Errorf("converted record does not marshal: %v", err)
	}
	// Different image sizes, or a 2011-only impression type, cannot be
	// written as 2005.
	if _, err := sample2011().Convert(Version2005); !errors.Is(err, ErrInvalid) || !errors.Is(err, ErrRange) {
		t.Errorf("two image sizes: %v", err)
	}
	latent := sample2011()
	latent.Views = latent.Views[:1]
	latent.Views[0].Impression = 4
	if _, err := latent.Convert(Version2005); !errors.Is(err, ErrRange) {
		t.Errorf("latent impression: %v", err)
	}
	// A 2005 Marshal refuses a view whose resolution differs from the
	// record's.
	mixed := r2005
	mixed.Views = append([]View(nil), r2005.Views...)
	mixed.Views[1].ResolutionX = 394
	if _, err := mixed.Marshal(); !errors.Is(err, ErrRange) {
		t.Errorf("2005 with two resolutions: %v", err)
	}
}

func TestCaptureTime(t *testing.T) {
	tm := time.Date(2026, 1, 2, 3, 4, 5, 678_900_000, time.FixedZone("ICT", 7*3600))
	c := CaptureTimeOf(tm)
	want := CaptureTime{Fields: 7, Year: 2026, Month: 1, Day: 1, Hour: 20, Minute: 4, Second: 5, Millisecond: 678}
	if c != want {
		t.Errorf("CaptureTimeOf = %+v, want %+v", c, want)
	}
	if got, ok := c.Time(); !ok || !got.Equal(tm.Truncate(time.Millisecond)) {
		t.Errorf("Time = %v, %v", got, ok)
	}
	if _, ok := (CaptureTime{Fields: 2, Year: 2026, Month: 1}).Time(); ok {
		t.Error("a date without a day has a time")
	}
	if (CaptureTime{}).Fields != 0 {
		t.Error("zero value reports fields")
	}
	if Version2011.String() != "ISO/IEC 19794-2:2011" || Version2005.String() != "ISO/IEC 19794-2:2005" {
		t.Error("version names")
	}
}
