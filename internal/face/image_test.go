package face

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// testPicture is a w×h picture whose every pixel has its own colour, so
// that any misplaced pixel shows.
func testPicture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 255 / max(1, w-1)), uint8(y * 255 / max(1, h-1)), uint8((x + y) % 256), 255})
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatalf("encode JPEG: %v", err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatalf("encode PNG: %v", err)
	}
	return buf.Bytes()
}

// withExifOrientation inserts an APP1 EXIF segment with the given
// orientation right after the JPEG's SOI marker.
func withExifOrientation(jpg []byte, orientation uint16, order binary.ByteOrder) []byte {
	tiff := make([]byte, 8+2+12+4)
	if order == binary.LittleEndian {
		copy(tiff, "II")
	} else {
		copy(tiff, "MM")
	}
	order.PutUint16(tiff[2:], 42)
	order.PutUint32(tiff[4:], 8)
	order.PutUint16(tiff[8:], 1) // one entry
	order.PutUint16(tiff[10:], 0x0112)
	order.PutUint16(tiff[12:], 3) // SHORT
	order.PutUint32(tiff[14:], 1)
	order.PutUint16(tiff[18:], orientation)
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	seg = append(seg, payload...)
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	return append(out, jpg[2:]...)
}

// pngClaiming rewrites a PNG's IHDR to claim w×h pixels, with a valid CRC.
func pngClaiming(t testing.TB, w, h uint32) []byte {
	t.Helper()
	data := encodePNG(t, testPicture(4, 4))
	// 8-byte signature, then length(4) "IHDR"(4) data(13) crc(4).
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// jpegClaiming rewrites a baseline JPEG's SOF0 to claim w×h pixels.
func jpegClaiming(t testing.TB, w, h uint16) []byte {
	t.Helper()
	data := encodeJPEG(t, testPicture(8, 8), 90)
	i := bytes.Index(data, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in encoded JPEG")
	}
	binary.BigEndian.PutUint16(data[i+5:], h)
	binary.BigEndian.PutUint16(data[i+7:], w)
	return data
}

func TestDecode(t *testing.T) {
	jpg := encodeJPEG(t, testPicture(40, 30), 90)
	png := encodePNG(t, testPicture(40, 30))
	tests := []struct {
		name       string
		data       []byte
		wantErr    error
		wantFormat string
		wantSize   image.Point
	}{
		{"jpeg", jpg, nil, FormatJPEG, image.Pt(40, 30)},
		{"png", png, nil, FormatPNG, image.Pt(40, 30)},
		{"jpeg with trailing bytes", append(append([]byte{}, jpg...), "trailer"...), nil, FormatJPEG, image.Pt(40, 30)},
		{"jpeg rotated by exif (6)", withExifOrientation(jpg, 6, binary.BigEndian), nil, FormatJPEG, image.Pt(30, 40)},
		{"jpeg rotated by exif (8, little-endian)", withExifOrientation(jpg, 8, binary.LittleEndian), nil, FormatJPEG, image.Pt(30, 40)},
		{"jpeg with exif orientation out of range", withExifOrientation(jpg, 9, binary.BigEndian), nil, FormatJPEG, image.Pt(40, 30)},
		{"empty", nil, ErrInvalidImage, "", image.Point{}},
		{"truncated jpeg", jpg[:len(jpg)/2], ErrInvalidImage, "", image.Point{}},
		{"jpeg header only", jpg[:20], ErrInvalidImage, "", image.Point{}},
		{"truncated png", png[:len(png)-20], ErrInvalidImage, "", image.Point{}},
		{"png with bad crc", func() []byte { b := append([]byte{}, png...); b[30] ^= 0xFF; return b }(), ErrInvalidImage, "", image.Point{}},
		{"jpeg 2000 (jp2)", []byte("\x00\x00\x00\x0CjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 "), ErrUnsupportedFormat, "", image.Point{}},
		{"jpeg 2000 codestream", []byte{0xFF, 0x4F, 0xFF, 0x51, 0, 0x29}, ErrUnsupportedFormat, "", image.Point{}},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), ErrUnsupportedFormat, "", image.Point{}},
		{"webp", []byte("RIFF\x10\x00\x00\x00WEBPVP8 "), ErrUnsupportedFormat, "", image.Point{}},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), ErrUnsupportedFormat, "", image.Point{}},
		{"text", []byte("hello, world"), ErrUnsupportedFormat, "", image.Point{}},
		{"png claiming 10000×10000", pngClaiming(t, 10000, 10000), ErrImageTooLarge, "", image.Point{}},
		{"png claiming 0×10", pngClaiming(t, 0, 10), ErrInvalidImage, "", image.Point{}},
		{"jpeg claiming 6000×5000", jpegClaiming(t, 6000, 5000), ErrImageTooLarge, "", image.Point{}},
		{"jpeg over MaxBytes", append(append([]byte{}, jpg...), make([]byte, MaxBytes)...), ErrImageTooLarge, "", image.Point{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, format, err := Decode(tt.data)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Decode error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if format != tt.wantFormat {
				t.Errorf("format = %q, want %q", format, tt.wantFormat)
			}
			if got := img.Bounds().Size(); got != tt.wantSize {
				t.Errorf("size = %v, want %v", got, tt.wantSize)
			}
		})
	}
}

func TestDecodeErrorsAreDistinct(t *testing.T) {
	_, _, err := Decode([]byte("\x00\x00\x00\x0CjP  \r\n\x87\n"))
	if errors.Is(err, ErrInvalidImage) || errors.Is(err, ErrImageTooLarge) {
		t.Errorf("JPEG 2000 error %v also matches another sentinel", err)
	}
	_, _, err = Decode(encodeJPEG(t, testPicture(8, 8), 90)[:30])
	if errors.Is(err, ErrUnsupportedFormat) {
		t.Errorf("corrupt JPEG error %v matches ErrUnsupportedFormat", err)
	}
}

// TestOrientation checks each EXIF orientation against its definition: the
// corner of the stored picture named in the table is where the upright
// picture shows the stored top-left pixel.
func TestOrientation(t *testing.T) {
	const w, h = 5, 3
	src := testPicture(w, h)
	topLeft := src.RGBAAt(0, 0)
	tests := []struct {
		o    int
		size image.Point
		at   image.Point // where the stored (0,0) appears upright
	}{
		{1, image.Pt(w, h), image.Pt(0, 0)},
		{2, image.Pt(w, h), image.Pt(w-1, 0)},
		{3, image.Pt(w, h), image.Pt(w-1, h-1)},
		{4, image.Pt(w, h), image.Pt(0, h-1)},
		{5, image.Pt(h, w), image.Pt(0, 0)},
		{6, image.Pt(h, w), image.Pt(h-1, 0)},
		{7, image.Pt(h, w), image.Pt(h-1, w-1)},
		{8, image.Pt(h, w), image.Pt(0, w-1)},
	}
	for _, tt := range tests {
		var img image.Image = src
		if tt.o > 1 {
			img = &orientedImage{src: src, orientation: tt.o}
		}
		if got := img.Bounds().Size(); got != tt.size {
			t.Errorf("orientation %d: size %v, want %v", tt.o, got, tt.size)
		}
		if got := color.RGBAModel.Convert(img.At(tt.at.X, tt.at.Y)); got != topLeft {
			t.Errorf("orientation %d: pixel at %v is %v, want the stored top-left %v", tt.o, tt.at, got, topLeft)
		}
		// NewImage (which orients the converted pixels) agrees with At.
		rgb := NewImage(img, 0)
		if rgb.Width != tt.size.X || rgb.Height != tt.size.Y || rgb.SourceWidth != tt.size.X || rgb.SourceHeight != tt.size.Y {
			t.Errorf("orientation %d: NewImage is %d×%d (source %d×%d), want %v", tt.o, rgb.Width, rgb.Height, rgb.SourceWidth, rgb.SourceHeight, tt.size)
		}
		for y := 0; y < tt.size.Y; y++ {
			for x := 0; x < tt.size.X; x++ {
				c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
				i := (y*rgb.Width + x) * 3
				if got := [3]byte{rgb.RGB[i], rgb.RGB[i+1], rgb.RGB[i+2]}; got != [3]byte{c.R, c.G, c.B} {
					t.Fatalf("orientation %d: NewImage pixel (%d,%d) = %v, At = %v", tt.o, x, y, got, c)
				}
			}
		}
	}
}

func TestDecodeAppliesExifOrientation(t *testing.T) {
	// A picture whose left half is black and right half white, stored with
	// orientation 6 (to be turned 90° clockwise): upright, the top is black
	// (the stored left) and the bottom white.
	src := image.NewGray(image.Rect(0, 0, 64, 32))
	for y := 0; y < 32; y++ {
		for x := 32; x < 64; x++ {
			src.SetGray(x, y, color.Gray{255})
		}
	}
	data := withExifOrientation(encodeJPEG(t, src, 95), 6, binary.BigEndian)
	img, err := Prepare(data)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if img.Width != 32 || img.Height != 64 {
		t.Fatalf("upright size %d×%d, want 32×64", img.Width, img.Height)
	}
	top, bottom := img.RGB[(4*32+16)*3], img.RGB[(60*32+16)*3]
	if top > 40 || bottom < 215 {
		t.Errorf("top = %d, bottom = %d; want dark over light", top, bottom)
	}
}

func TestNewImageScale(t *testing.T) {
	tests := []struct {
		w, h, maxSide int
		want          image.Point
	}{
		{4000, 3000, 1024, image.Pt(1024, 768)},
		{3000, 4000, 1024, image.Pt(768, 1024)},
		{1024, 1024, 1024, image.Pt(1024, 1024)},
		{800, 600, 1024, image.Pt(800, 600)}, // never scaled up
		{5000, 3, 1024, image.Pt(1024, 1)},
		{3, 5000, 1024, image.Pt(1, 1024)},
		{2000, 1000, 0, image.Pt(2000, 1000)},
	}
	for _, tt := range tests {
		w, h := fit(tt.w, tt.h, tt.maxSide)
		if got := image.Pt(w, h); got != tt.want {
			t.Errorf("fit(%d, %d, %d) = %v, want %v", tt.w, tt.h, tt.maxSide, got, tt.want)
		}
	}

	// Box filtering: a uniform picture stays uniform, a 2×2 checkerboard of
	// black and white becomes mid grey.
	uniform := image.NewNRGBA(image.Rect(0, 0, 3001, 2003))
	for i := range uniform.Pix {
		uniform.Pix[i] = []byte{10, 200, 90, 255}[i%4]
	}
	img := NewImage(uniform, MaxSide)
	if img.Width != 1024 || img.Height != 683 || len(img.RGB) != 1024*683*3 {
		t.Fatalf("scaled to %d×%d with %d bytes", img.Width, img.Height, len(img.RGB))
	}
	for i := 0; i < len(img.RGB); i += 3 {
		if img.RGB[i] != 10 || img.RGB[i+1] != 200 || img.RGB[i+2] != 90 {
			t.Fatalf("pixel %d = %v, want [10 200 90]", i/3, img.RGB[i:i+3])
		}
	}
	checker := image.NewGray(image.Rect(0, 0, 2048, 2048))
	for y := 0; y < 2048; y++ {
		for x := 0; x < 2048; x++ {
			if (x+y)%2 == 0 {
				checker.SetGray(x, y, color.Gray{255})
			}
		}
	}
	img = NewImage(checker, 1024)
	for i, v := range img.RGB {
		if v < 127 || v > 128 {
			t.Fatalf("checkerboard byte %d = %d, want 127 or 128", i, v)
		}
	}
}

func TestNewImageTransparency(t *testing.T) {
	// Transparent pixels come out white, opaque ones unchanged, whatever
	// the pixel type.
	nrgba := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	nrgba.SetNRGBA(0, 0, color.NRGBA{0, 0, 0, 0})
	nrgba.SetNRGBA(1, 0, color.NRGBA{10, 20, 30, 255})
	rgba := image.NewRGBA(image.Rect(0, 0, 2, 1))
	rgba.SetRGBA(0, 0, color.RGBA{0, 0, 0, 0})
	rgba.SetRGBA(1, 0, color.RGBA{10, 20, 30, 255})
	rgba64 := image.NewRGBA64(image.Rect(0, 0, 2, 1))
	rgba64.Set(0, 0, color.RGBA{0, 0, 0, 0})
	rgba64.Set(1, 0, color.RGBA{10, 20, 30, 255})
	for _, src := range []image.Image{nrgba, rgba, rgba64} {
		img := NewImage(src, 0)
		want := []byte{255, 255, 255, 10, 20, 30}
		if !bytes.Equal(img.RGB, want) {
			t.Errorf("%T: RGB = %v, want %v", src, img.RGB, want)
		}
	}
}

func TestNewImageSubImage(t *testing.T) {
	// Pictures whose bounds do not start at (0,0) convert like copies.
	full := testPicture(20, 10)
	sub := full.SubImage(image.Rect(5, 2, 15, 9))
	img := NewImage(sub, 0)
	if img.Width != 10 || img.Height != 7 {
		t.Fatalf("size %d×%d, want 10×7", img.Width, img.Height)
	}
	c := full.RGBAAt(5, 2)
	if got := img.RGB[:3]; !bytes.Equal(got, []byte{c.R, c.G, c.B}) {
		t.Errorf("first pixel %v, want %v", got, c)
	}
	ycc := image.NewYCbCr(image.Rect(0, 0, 16, 16), image.YCbCrSubsampleRatio420).SubImage(image.Rect(3, 3, 9, 9))
	if img := NewImage(ycc, 0); img.Width != 6 || len(img.RGB) != 6*6*3 {
		t.Errorf("YCbCr sub-image: %d×%d, %d bytes", img.Width, img.Height, len(img.RGB))
	}
}

func TestSimilarity(t *testing.T) {
	tests := []struct{ d, want float64 }{
		{0, 1}, {0.3, 0.75}, {0.6, 0.5}, {0.9, 0.25}, {1.2, 0}, {2, 0},
	}
	for _, tt := range tests {
		if got := Similarity(tt.d, 0.6); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("Similarity(%v, 0.6) = %v, want %v", tt.d, got, tt.want)
		}
	}
	if _, err := Distance(make([]float32, 128), make([]float32, 127)); err == nil {
		t.Error("Distance of different lengths: no error")
	}
	a, b := make([]float32, 128), make([]float32, 128)
	a[0], b[0], b[1] = 0, 3, 4
	if d, err := Distance(a, b); err != nil || d != 5 {
		t.Errorf("Distance = %v, %v; want 5", d, err)
	}
}

func TestBest(t *testing.T) {
	faces := []Face{
		{Score: 0.99, Box: image.Rect(0, 0, 10, 10)},
		{Score: 0.80, Box: image.Rect(0, 0, 30, 30)},
		{Score: 0.95, Box: image.Rect(50, 50, 80, 80)},
	}
	if got := best(faces); got != 2 {
		t.Errorf("best = %d, want 2 (largest, then highest score)", got)
	}
	if got := best(nil); got != -1 {
		t.Errorf("best(nil) = %d, want -1", got)
	}
}

func FuzzDecode(f *testing.F) {
	jpg := encodeJPEG(f, testPicture(16, 12), 80)
	f.Add(jpg)
	f.Add(withExifOrientation(jpg, 6, binary.BigEndian))
	f.Add(withExifOrientation(jpg, 3, binary.LittleEndian))
	f.Add(encodePNG(f, testPicture(7, 5)))
	f.Add(pngClaiming(f, 100, 100))
	f.Add(jpegClaiming(f, 300, 200))
	f.Add([]byte("\x00\x00\x00\x0CjP  \r\n\x87\n"))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		img, format, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidImage) && !errors.Is(err, ErrUnsupportedFormat) && !errors.Is(err, ErrImageTooLarge) {
				t.Fatalf("error %v matches no sentinel", err)
			}
			return
		}
		if format != FormatJPEG && format != FormatPNG {
			t.Fatalf("format %q", format)
		}
		b := img.Bounds()
		if b.Dx() <= 0 || b.Dy() <= 0 || int64(b.Dx())*int64(b.Dy()) > MaxPixels {
			t.Fatalf("bounds %v", b)
		}
		rgb := NewImage(img, 64)
		if rgb.Width > 64 || rgb.Height > 64 || len(rgb.RGB) != rgb.Width*rgb.Height*3 {
			t.Fatalf("NewImage: %d×%d with %d bytes", rgb.Width, rgb.Height, len(rgb.RGB))
		}
	})
}

func BenchmarkPrepare(b *testing.B) {
	// A 12-megapixel photo, the size of a phone selfie.
	data := encodeJPEG(b, testPicture(4000, 3000), 85)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Prepare(data); err != nil {
			b.Fatal(err)
		}
	}
}
