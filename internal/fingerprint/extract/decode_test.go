package extract

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"testing"

	"github.com/vneid/vneid/internal/fingerprint/ridge"
)

func encodePNG(t testing.TB, img image.Image) []byte {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pngHeader returns a PNG signature and IHDR chunk claiming w×h 8-bit
// grey pixels, and nothing else.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// smallRidges is a 150×150 ridge pattern with a minutia, 16 grey levels,
// so that its PNG stays a few kilobytes (fuzz seed).
func smallRidges() image.Image {
	pal := make(color.Palette, 16)
	for i := range pal {
		pal[i] = color.Gray{Y: uint8(i * 17)}
	}
	src := spiral(150, 150, 75, 75, 0.6, 0.8, 1, false)
	img := image.NewPaletted(src.Rect, pal)
	for i, v := range src.Pix {
		img.Pix[i] = v / 16
	}
	return img
}

func TestDecode(t *testing.T) {
	g := ridge.NewMaster(8, ridge.MasterOptions{}).Render(1, ridge.Cooperative())
	pngBytes := encodePNG(t, g)
	img, format, err := Decode(pngBytes)
	if err != nil || format != "png" {
		t.Fatalf("png: %v %q", err, format)
	}
	if gi, ok := img.(*image.Gray); !ok || !bytes.Equal(gi.Pix, g.Pix) {
		t.Errorf("png: pixels differ (%T)", img)
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, g, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	img, format, err = Decode(jb.Bytes())
	if err != nil || format != "jpeg" || img.Bounds() != g.Bounds() {
		t.Fatalf("jpeg: %v %q", err, format)
	}
	if _, err := Minutiae(img, 0); err != nil {
		t.Errorf("jpeg minutiae: %v", err)
	}

	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrFormat},
		{"garbage", []byte("not an image at all"), ErrFormat},
		{"gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), ErrFormat},
		{"truncated png", pngBytes[:200], ErrFormat},
		{"png header only", pngHeader(400, 500), ErrFormat},
		{"truncated jpeg", jb.Bytes()[:300], ErrFormat},
		{"small png", encodePNG(t, uniform(100, 400, 200)), ErrImageSize},
		{"huge png", pngHeader(100000, 100000), ErrImageSize},
		{"wide png", pngHeader(2001, 500), ErrImageSize},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, _, err := Decode(tc.b)
			if !errors.Is(err, tc.want) || img != nil {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(encodePNG(f, smallRidges()))
	f.Add(encodePNG(f, uniform(150, 150, 255)))
	f.Add(pngHeader(150, 150))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0})
	f.Fuzz(func(t *testing.T, b []byte) {
		img, format, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrImageSize) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		s := img.Bounds().Size()
		if s.X < MinSide || s.Y < MinSide || s.X > MaxSide || s.Y > MaxSide || (format != "png" && format != "jpeg") {
			t.Fatalf("accepted %v %q", s, format)
		}
	})
}

func FuzzMinutiae(f *testing.F) {
	f.Add(encodePNG(f, smallRidges()), uint16(0))
	f.Add(encodePNG(f, uniform(150, 150, 255)), uint16(394))
	f.Fuzz(func(t *testing.T, b []byte, ppcm uint16) {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width*cfg.Height > 300*300 {
			return // keep each run fast
		}
		img, _, err := Decode(b)
		if err != nil {
			return
		}
		v, err := Minutiae(img, int(ppcm))
		if err != nil {
			if !errors.Is(err, ErrResolution) && !errors.Is(err, ErrNoFinger) && !errors.Is(err, ErrLowQuality) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		s := img.Bounds().Size()
		for _, m := range v.Minutiae {
			if m.X < 0 || m.Y < 0 || m.X >= s.X || m.Y >= s.Y || !(m.Angle >= 0 && m.Angle < 2*math.Pi) {
				t.Fatalf("bad minutia %+v", m)
			}
		}
	})
}
