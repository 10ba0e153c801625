package wsq

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// fixtures are files made by this encoder (testdata/README.md says how);
// each .ref.png is the same file decoded by an independent reference
// decoder (a JavaScript port of JNBIS).
var fixtures = []struct {
	name string
	w, h int
	seed uint64
	psnr float64
}{
	{"synthetic_200x240_0.75", 200, 240, 11, 30},
	{"synthetic_157x93_2.25", 157, 93, 12, 33},
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFixturesMatchReferenceDecoder decodes the fixtures and compares every
// pixel with the reference decoder's output: they may differ by one grey
// level (floating-point rounding) on a few pixels, never more.
func TestFixturesMatchReferenceDecoder(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			got, h, err := DecodeWithHeader(bytes.NewReader(readFixture(t, fx.name+".wsq")))
			if err != nil {
				t.Fatal(err)
			}
			if h.Width != fx.w || h.Height != fx.h || h.PPI != 500 || len(h.Comments) != 2 {
				t.Errorf("header %+v", h)
			}
			refImg, err := png.Decode(bytes.NewReader(readFixture(t, fx.name+".ref.png")))
			if err != nil {
				t.Fatal(err)
			}
			ref, ok := refImg.(*image.Gray)
			if !ok || ref.Bounds() != got.Bounds() {
				t.Fatalf("reference image %T %v, decoded %v", refImg, refImg.Bounds(), got.Bounds())
			}
			differ := 0
			for i := range got.Pix {
				d := int(got.Pix[i]) - int(ref.Pix[i])
				if d < -1 || d > 1 {
					t.Fatalf("pixel %d: decoded %d, reference %d", i, got.Pix[i], ref.Pix[i])
				}
				if d != 0 {
					differ++
				}
			}
			if differ*1000 > len(got.Pix) {
				t.Errorf("%d of %d pixels differ from the reference by 1", differ, len(got.Pix))
			}
			if p := psnr(syntheticFingerprint(fx.w, fx.h, fx.seed), got); p < fx.psnr {
				t.Errorf("PSNR against the synthetic original %.2f dB < %.0f", p, fx.psnr)
			}
		})
	}
}

// FuzzDecode feeds arbitrary bytes to the decoder: it must not panic, must
// fail only with ErrFormat or ErrUnsupported, and must agree with
// DecodeConfig when it succeeds. Sizes are capped lower than in production
// so that the fuzzer spends its time on parsing, not on huge transforms.
func FuzzDecode(f *testing.F) {
	for _, fx := range fixtures {
		b, err := os.ReadFile(filepath.Join("testdata", fx.name+".wsq"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(encode(f, syntheticFingerprint(20, 12, 13), nil))
	f.Add(encode(f, syntheticFingerprint(3, 2, 14), &Options{BitRate: 8}))
	f.Add([]byte{0xFF, 0xA0, 0xFF, 0xA1})
	lim := limits{width: 300, height: 300, pixels: 300 * 300}
	f.Fuzz(func(t *testing.T, b []byte) {
		img, h, err := decodeWithLimits(bytes.NewReader(b), lim)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error of unexpected kind: %v", err)
			}
			return
		}
		if img.Bounds().Dx() != h.Width || img.Bounds().Dy() != h.Height {
			t.Fatalf("image %v, header %dx%d", img.Bounds(), h.Width, h.Height)
		}
		cfg, err := DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != h.Width || cfg.Height != h.Height {
			t.Fatalf("DecodeConfig %v %+v disagrees with Decode %dx%d", err, cfg, h.Width, h.Height)
		}
	})
}

// BenchmarkDecode decodes a 500×500 fingerprint-like image coded at
// 0.75 bpp.
func BenchmarkDecode(b *testing.B) {
	data := encode(b, syntheticFingerprint(500, 500, 15), nil)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncode encodes a 500×500 fingerprint-like image at 0.75 bpp.
func BenchmarkEncode(b *testing.B) {
	img := syntheticFingerprint(500, 500, 15)
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Encode(&buf, img, nil); err != nil {
			b.Fatal(err)
		}
	}
}
