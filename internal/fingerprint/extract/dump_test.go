package extract

import (
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/ridge"
)

// overlay draws the image with the skeleton in blue and the minutiae: kept
// endings red, kept bifurcations green, dropped ones grey, each with a
// direction tick.
func overlay(img *image.Gray, r *result) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	for y := range r.skeleton.h {
		for x := range r.skeleton.w {
			if r.skeleton.p[r.skeleton.index(x, y)] != 0 {
				out.Set(x, y, color.RGBA{80, 80, 255, 255})
			}
		}
	}
	for _, c := range r.cands {
		col := color.RGBA{255, 0, 0, 255}
		if c.typ == fingerprint.TypeBifurcation {
			col = color.RGBA{0, 200, 0, 255}
		}
		if c.drop {
			col = color.RGBA{160, 160, 160, 255}
		}
		for t := -3; t <= 3; t++ {
			out.Set(int(c.x)+t, int(c.y)-3, col)
			out.Set(int(c.x)+t, int(c.y)+3, col)
			out.Set(int(c.x)-3, int(c.y)+t, col)
			out.Set(int(c.x)+3, int(c.y)+t, col)
		}
		for s := 0.0; s < 12; s++ {
			out.Set(int(c.x+s*math.Cos(c.dir)), int(c.y+s*math.Sin(c.dir)), col)
		}
	}
	return out
}

func writePNG(t *testing.T, path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestDump writes extraction overlays to $EXTRACT_DUMP (skipped when unset).
func TestDump(t *testing.T) {
	dir := os.Getenv("EXTRACT_DUMP")
	if dir == "" {
		t.Skip("EXTRACT_DUMP not set")
	}
	m := ridge.NewMaster(1, ridge.MasterOptions{})
	for i, img := range []*image.Gray{m.Ridges(), m.Render(1, ridge.Cooperative()), m.Render(2, ridge.Adverse())} {
		st := time.Now()
		r, err := run(img, 197)
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		reasons := map[string]int{}
		for _, c := range r.cands {
			if !c.drop {
				kept++
			}
			reasons[c.reason]++
		}
		t.Logf("image %d: %v, %d candidates, %d kept, period %.2f, quality %d, %v", i, time.Since(st), len(r.cands), kept, r.median, r.quality, reasons)
		writePNG(t, filepath.Join(dir, "overlay"+string(rune('0'+i))+".png"), overlay(img, r))
		enh := image.NewGray(img.Bounds())
		for j, v := range r.enhanced.p {
			enh.Pix[j] = uint8(min(255, max(0, 128-v*200)))
		}
		writePNG(t, filepath.Join(dir, "enh"+string(rune('0'+i))+".png"), enh)
	}
}
