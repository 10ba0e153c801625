package icao

import (
	"bytes"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"reflect"
	"testing"
)

// testImage draws a small gradient.
func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return img
}

func testJPEG(t testing.TB, w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testPNG(t testing.TB, w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// testJP2 starts like a JPEG 2000 file; the parser looks no further.
var testJP2 = append([]byte(magicJP2), "\x00\x00\x00\x14ftypjp2 \x00\x00\x00\x00jp2 "...)

// facRecord builds an ISO/IEC 19794-5 record by hand; edit patches it.
type facRecord struct {
	magic, version string
	count          int
	dataType       byte
	points         int
	width, height  int
	img            []byte
	extraInBlock   int // bytes added to the declared block length
	extraInRecord  int // bytes added to the declared record length
	trailing       []byte
}

func (r facRecord) bytes() []byte {
	block := make([]byte, 0, 32+8*r.points+len(r.img))
	block = binary.BigEndian.AppendUint32(block, uint32(32+8*r.points+len(r.img)+r.extraInBlock))
	block = binary.BigEndian.AppendUint16(block, uint16(r.points))
	block = append(block, 2, 3, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) // female, eyes blue, hair brown, smile
	for i := 0; i < r.points; i++ {
		block = append(block, 1, 0x31, 0, 10, 0, 20, 0, 0)
	}
	block = append(block, 1, r.dataType)
	block = binary.BigEndian.AppendUint16(block, uint16(r.width))
	block = binary.BigEndian.AppendUint16(block, uint16(r.height))
	block = append(block, 1, 2, 0, 0, 0, 0)
	block = append(block, r.img...)
	rec := append([]byte(r.magic), r.version...)
	rec = binary.BigEndian.AppendUint32(rec, uint32(14+len(block)+len(r.trailing)+r.extraInRecord))
	rec = binary.BigEndian.AppendUint16(rec, uint16(r.count))
	rec = append(rec, block...)
	return append(rec, r.trailing...)
}

func goodFAC(img []byte) facRecord {
	return facRecord{magic: "FAC\x00", version: "010\x00", count: 1, dataType: 0, points: 2, width: 24, height: 32, img: img}
}

// wrapBDB puts a biometric data block into EF.DG2 with a face header.
func wrapBDB(tag uint32, formatType uint16, content []byte) []byte {
	return dg2(append(bht(formatType), encode(tag, content)...))
}

func TestParseDG2ISO19794(t *testing.T) {
	img := testJPEG(t, 24, 32)
	b, err := BuildDG2(img, ImageJPEG, 24, 32)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x75}) || !bytes.Contains(b, []byte{0x7F, 0x61}) || !bytes.Contains(b, []byte{0x5F, 0x2E}) ||
		!bytes.Contains(b, []byte{0x87, 0x02, 0x01, 0x01, 0x88, 0x02, 0x00, 0x08}) || !bytes.Contains(b, []byte("FAC\x00010\x00")) {
		t.Errorf("BuildDG2 layout: % X", b[:48])
	}
	d, err := ParseDG2(b)
	if err != nil {
		t.Fatal(err)
	}
	want := DG2{Faces: []FaceImage{{Format: FormatISO19794, ImageType: ImageJPEG, Width: 24, Height: 32, Image: img}}}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("ParseDG2 = %+v", d)
	}
	if _, err := jpeg.Decode(bytes.NewReader(d.Faces[0].Image)); err != nil {
		t.Errorf("image does not decode: %v", err)
	}

	// JPEG 2000, and a hand-made record with feature points and codes.
	b, err = BuildDG2(testJP2, ImageJPEG2000, 480, 640)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = ParseDG2(b); err != nil || d.Faces[0].ImageType != ImageJPEG2000 || d.Faces[0].Width != 480 || !bytes.Equal(d.Faces[0].Image, testJP2) {
		t.Errorf("jpeg2000: %+v, %v", d, err)
	}
	d, err = ParseDG2(wrapBDB(0x5F2E, formatTypeFace19794, goodFAC(img).bytes()))
	if err != nil {
		t.Fatal(err)
	}
	f := d.Faces[0]
	if f.FeaturePoints != 2 || f.Gender != 2 || f.EyeColour != 3 || f.HairColour != 4 || f.Expression != 1 || !bytes.Equal(f.Image, img) {
		t.Errorf("hand-made record = %+v", f)
	}
	// A J2K codestream, two images in one record, two instances.
	j2k := append([]byte(magicJ2K), 0, 0x29)
	r := goodFAC(j2k)
	r.dataType = 1
	one := r.bytes()
	two := append([]byte{}, one[:14]...)
	two = append(append(two, one[14:]...), one[14:]...)
	binary.BigEndian.PutUint32(two[8:12], uint32(len(two)))
	binary.BigEndian.PutUint16(two[12:14], 2)
	bit := append(bht(formatTypeFace19794), encode(0x5F2E, two)...)
	twoInstances := encode(0x75, encode(0x7F61, encode(0x02, uintBytes(2)), encode(0x7F60, bit), encode(0x7F60, bit)))
	if d, err = ParseDG2(twoInstances); err != nil || len(d.Faces) != 4 || d.Faces[3].ImageType != ImageJPEG2000 {
		t.Errorf("two instances of two images: %d faces, %v", len(d.Faces), err)
	}
	// Non-minimal lengths, as some chips write them.
	rec := goodFAC(img).bytes()
	bhtBytes := bht(formatTypeFace19794)
	bdb := append([]byte{0x5F, 0x2E, 0x83, byte(len(rec) >> 16), byte(len(rec) >> 8), byte(len(rec))}, rec...)
	count := []byte{0x02, 0x81, 0x01, 0x01}
	bitBytes := append([]byte{0x7F, 0x60, 0x84, 0, 0, 0, 0}, append(bhtBytes, bdb...)...)
	binary.BigEndian.PutUint32(bitBytes[3:7], uint32(len(bhtBytes)+len(bdb)))
	grp := append([]byte{0x7F, 0x61, 0x82, 0, 0}, append(count, bitBytes...)...)
	binary.BigEndian.PutUint16(grp[3:5], uint16(len(count)+len(bitBytes)))
	if _, err := ParseDG2(encode(0x75, grp)); err != nil {
		t.Errorf("non-minimal lengths: %v", err)
	}
}

func TestParseDG2ISO39794(t *testing.T) {
	img := testJPEG(t, 40, 50)
	b, err := BuildDG2ISO39794(img, ImageJPEG, 40, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte{0x88, 0x02, 0x00, 0x2A}) || !bytes.Contains(b, []byte{0x7F, 0x2E}) {
		t.Errorf("BuildDG2ISO39794 layout: % X", b[:40])
	}
	d, err := ParseDG2(b)
	want := DG2{Faces: []FaceImage{{Format: FormatISO39794, ImageType: ImageJPEG, Width: 40, Height: 50, Image: img}}}
	if err != nil || !reflect.DeepEqual(d, want) {
		t.Fatalf("ParseDG2 = %+v, %v", d, err)
	}
	pngImg := testPNG(t, 12, 16)
	b, err = BuildDG2ISO39794(pngImg, ImagePNG, 12, 16)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = ParseDG2(b); err != nil || d.Faces[0].ImageType != ImagePNG || !bytes.Equal(d.Faces[0].Image, pngImg) {
		t.Errorf("png: %+v, %v", d, err)
	}
	if b, err = BuildDG2ISO39794(testJP2, ImageJPEG2000, 1, 2); err != nil {
		t.Fatal(err)
	}
	if d, err = ParseDG2(b); err != nil || d.Faces[0].ImageType != ImageJPEG2000 || d.Faces[0].Height != 2 {
		t.Errorf("jpeg2000: %+v, %v", d, err)
	}

	// The block inside a context-specific wrapper, as some samples have it.
	block := faceBlock39794(encode(0x80, img), nil)
	if d, err = ParseDG2(wrapBDB(0x7F2E, formatTypeFace39794, encode(0xA1, block))); err != nil || len(d.Faces) != 1 || !bytes.Equal(d.Faces[0].Image, img) {
		t.Errorf("wrapped: %+v, %v", d, err)
	}
	// No image information: the size comes from the JPEG header.
	if d, err = ParseDG2(wrapBDB(0x7F2E, formatTypeFace39794, block)); err != nil || d.Faces[0].Width != 40 || d.Faces[0].Height != 50 {
		t.Errorf("no size block: %+v, %v", d, err)
	}
	// An unknown layout: the image is found by its magic number.
	odd := encode(0x65, encode(0xA0, encode(0x80, []byte{3})), encode(0xA9, encode(0x30, encode(0x04, pngImg))))
	if d, err = ParseDG2(wrapBDB(0x7F2E, formatTypeFace39794, odd)); err != nil || len(d.Faces) != 1 || d.Faces[0].ImageType != ImagePNG || d.Faces[0].Width != 12 {
		t.Errorf("unknown layout: %+v, %v", d, err)
	}
}

// faceBlock39794 builds a face image data block with one representation
// whose 2D block holds data and, if not nil, info.
func faceBlock39794(data, info []byte) []byte {
	twoD := encode(0xA0, data, info)
	rep := encode(0x30, encode(0x80, []byte{0}), encode(0xA1, encode(0xA0, twoD)))
	return encode(0x65, encode(0xA0, encode(0x80, []byte{3}), encode(0x81, []byte{0x07, 0xE3})), encode(0xA1, rep))
}

func TestParseDG2Errors(t *testing.T) {
	img := testJPEG(t, 8, 8)
	good, err := BuildDG2(img, ImageJPEG, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	fac := func(edit func(*facRecord)) []byte {
		r := goodFAC(img)
		edit(&r)
		return wrapBDB(0x5F2E, formatTypeFace19794, r.bytes())
	}
	rec := goodFAC(img).bytes()
	bit := func(parts ...[]byte) []byte {
		return encode(0x75, encode(0x7F61, encode(0x02, uintBytes(1)), encode(0x7F60, parts...)))
	}
	header := func(parts ...[]byte) []byte { return encode(0xA1, parts...) }
	owner, format := encode(0x87, []byte{1, 1}), encode(0x88, []byte{0, 8})
	info39794 := func(code int) []byte {
		return encode(0xA1, encode(0xA0, encode(0x80, uintBytes(code))), encode(0xA7, encode(0x80, []byte{8}), encode(0x81, []byte{8})))
	}
	cases := map[string][]byte{
		"empty":                nil,
		"wrong tag":            append([]byte{0x76}, good[1:]...),
		"trailing":             append(append([]byte{}, good...), 0),
		"truncated":            good[:len(good)-1],
		"bad length":           append([]byte{0x75, 0x84, 0xFF, 0xFF, 0xFF, 0xFF}, good[4:]...),
		"indefinite":           append(append([]byte{0x75, 0x80}, good[4:]...), 0, 0),
		"no group":             encode(0x75, encode(0x7F60, bht(formatTypeFace19794), encode(0x5F2E, rec))),
		"two groups":           encode(0x75, encode(0x7F61, encode(0x02, []byte{1})), encode(0x7F61, encode(0x02, []byte{1}))),
		"no count":             encode(0x75, encode(0x7F61, encode(0x7F60, bht(formatTypeFace19794), encode(0x5F2E, rec)))),
		"count 2, one BIT":     encode(0x75, encode(0x7F61, encode(0x02, []byte{2}), encode(0x7F60, bht(formatTypeFace19794), encode(0x5F2E, rec)))),
		"count 0":              encode(0x75, encode(0x7F61, encode(0x02, []byte{0}))),
		"count negative":       encode(0x75, encode(0x7F61, encode(0x02, []byte{0xFF}))),
		"not a BIT":            encode(0x75, encode(0x7F61, encode(0x02, []byte{1}), encode(0x7F62, bht(formatTypeFace19794), encode(0x5F2E, rec)))),
		"BIT extra element":    bit(bht(formatTypeFace19794), encode(0x5F2E, rec), encode(0x53, []byte{1})),
		"BIT no data block":    bit(bht(formatTypeFace19794)),
		"header tag 30":        bit(encode(0x30, owner, format), encode(0x5F2E, rec)),
		"header no owner":      bit(header(format), encode(0x5F2E, rec)),
		"header no type":       bit(header(owner), encode(0x5F2E, rec)),
		"header short type":    bit(header(owner, encode(0x88, []byte{8})), encode(0x5F2E, rec)),
		"header fingerprint":   bit(header(encode(0x81, []byte{0x08}), owner, format), encode(0x5F2E, rec)),
		"header twice":         bit(header(owner, owner, format), encode(0x5F2E, rec)),
		"header constructed":   bit(header(owner, format, encode(0xA2, nil)), encode(0x5F2E, rec)),
		"data block tag 5F2F":  bit(bht(formatTypeFace19794), encode(0x5F2F, rec)),
		"format FAD":           fac(func(r *facRecord) { r.magic = "FAD\x00" }),
		"version 030":          fac(func(r *facRecord) { r.version = "030\x00" }),
		"record length +1":     fac(func(r *facRecord) { r.extraInRecord = 1 }),
		"record length -1":     fac(func(r *facRecord) { r.extraInRecord = -1 }),
		"record short":         wrapBDB(0x5F2E, formatTypeFace19794, []byte("FAC\x00010\x00")),
		"no image":             fac(func(r *facRecord) { r.count = 0 }),
		"count 2, one image":   fac(func(r *facRecord) { r.count = 2 }),
		"block length +1":      fac(func(r *facRecord) { r.extraInBlock = 1 }),
		"block length -1":      fac(func(r *facRecord) { r.extraInBlock = -1; r.trailing = []byte{0xD9} }),
		"block too short":      fac(func(r *facRecord) { r.extraInBlock = -len(r.img); r.trailing = r.img }),
		"many feature points":  fac(func(r *facRecord) { r.points = 100; r.img = nil }),
		"bytes after images":   fac(func(r *facRecord) { r.trailing = []byte{0, 0} }),
		"image data type 3":    fac(func(r *facRecord) { r.dataType = 3 }),
		"declared JPEG 2000":   fac(func(r *facRecord) { r.dataType = 1 }),
		"declared JPEG is J2K": fac(func(r *facRecord) { r.img = testJP2 }),
		"declared JPEG is PNG": fac(func(r *facRecord) { r.img = testPNG(t, 2, 2) }),
		"not an image":         fac(func(r *facRecord) { r.img = []byte("hello") }),
		"39794 no block":       wrapBDB(0x7F2E, formatTypeFace39794, encode(0x30, encode(0x80, img))),
		"39794 two blocks":     wrapBDB(0x7F2E, formatTypeFace39794, append(faceBlock39794(encode(0x80, img), nil), faceBlock39794(encode(0x80, img), nil)...)),
		"39794 PNG is JPEG":    wrapBDB(0x7F2E, formatTypeFace39794, faceBlock39794(encode(0x80, img), info39794(5))),
		"39794 J2K is JPEG":    wrapBDB(0x7F2E, formatTypeFace39794, faceBlock39794(encode(0x80, img), info39794(3))),
		"39794 not an image":   wrapBDB(0x7F2E, formatTypeFace39794, faceBlock39794(encode(0x80, []byte("hello")), info39794(2))),
		"39794 no image":       wrapBDB(0x7F2E, formatTypeFace39794, encode(0x65, encode(0xA0, encode(0x80, []byte{3})))),
		"39794 bad size":       wrapBDB(0x7F2E, formatTypeFace39794, faceBlock39794(encode(0x80, img), encode(0xA1, encode(0xA7, encode(0x80, []byte{8}))))),
		"39794 huge size":      wrapBDB(0x7F2E, formatTypeFace39794, faceBlock39794(encode(0x80, img), encode(0xA1, encode(0xA7, encode(0x80, uintBytes(70000)), encode(0x81, []byte{8}))))),
		"39794 bad code":       wrapBDB(0x7F2E, formatTypeFace39794, faceBlock39794(encode(0x80, img), encode(0xA1, encode(0xA0, encode(0x80, nil))))),
		"39794 overrun":        wrapBDB(0x7F2E, formatTypeFace39794, []byte{0x65, 0x03, 0xA1, 0x05, 0x30}),
		"39794 deep":           wrapBDB(0x7F2E, formatTypeFace39794, nested(40)),
		"19794 under 7F2E":     wrapBDB(0x7F2E, formatTypeFace39794, rec),
	}
	for name, b := range cases {
		if _, err := ParseDG2(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err = %v, want ErrMalformed", name, err)
		}
	}
}

// nested is a face image data block nested n levels deep, with no image.
func nested(n int) []byte {
	b := encode(0x80, []byte{1})
	for i := 0; i < n; i++ {
		b = encode(0x30, b)
	}
	return encode(0x65, b)
}

func TestBuildDG2Errors(t *testing.T) {
	img := testJPEG(t, 8, 8)
	for name, f := range map[string]func() ([]byte, error){
		"png in 19794":        func() ([]byte, error) { return BuildDG2(testPNG(t, 2, 2), ImagePNG, 2, 2) },
		"unknown type":        func() ([]byte, error) { return BuildDG2(img, "gif", 8, 8) },
		"mismatch":            func() ([]byte, error) { return BuildDG2(img, ImageJPEG2000, 8, 8) },
		"width":               func() ([]byte, error) { return BuildDG2(img, ImageJPEG, 70000, 8) },
		"negative height":     func() ([]byte, error) { return BuildDG2(img, ImageJPEG, 8, -1) },
		"39794 unknown type":  func() ([]byte, error) { return BuildDG2ISO39794(img, "webp", 8, 8) },
		"39794 mismatch":      func() ([]byte, error) { return BuildDG2ISO39794(img, ImagePNG, 8, 8) },
		"39794 not an image":  func() ([]byte, error) { return BuildDG2ISO39794([]byte("x"), ImageJPEG, 8, 8) },
		"39794 size overflow": func() ([]byte, error) { return BuildDG2ISO39794(img, ImageJPEG, 8, 1<<16) },
	} {
		if b, err := f(); err == nil {
			t.Errorf("%s: built % X", name, b[:8])
		}
	}
}

func FuzzParseDG2(f *testing.F) {
	img := testJPEG(f, 8, 8)
	for _, build := range []func([]byte, string, int, int) ([]byte, error){BuildDG2, BuildDG2ISO39794} {
		b, err := build(img, ImageJPEG, 8, 8)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	b, _ := BuildDG2ISO39794(testPNG(f, 2, 2), ImagePNG, 2, 2)
	f.Add(b)
	b, _ = BuildDG2(testJP2, ImageJPEG2000, 2, 2)
	f.Add(b)
	f.Add(wrapBDB(0x7F2E, formatTypeFace39794, encode(0xA1, faceBlock39794(encode(0x80, img), nil))))
	f.Add([]byte{0x75, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDG2(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		if len(d.Faces) == 0 {
			t.Fatal("accepted without a face")
		}
		for _, f := range d.Faces {
			if sniffImage(f.Image) != f.ImageType || f.Format != FormatISO19794 && f.Format != FormatISO39794 {
				t.Fatalf("accepted %s %s image starting % X", f.Format, f.ImageType, f.Image[:min(len(f.Image), 8)])
			}
		}
	})
}

func BenchmarkParseDG2(b *testing.B) {
	dg, err := BuildDG2(testJPEG(b, 480, 640), ImageJPEG, 480, 640)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(dg)))
	for b.Loop() {
		if _, err := ParseDG2(dg); err != nil {
			b.Fatal(err)
		}
	}
}
