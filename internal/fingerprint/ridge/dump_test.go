package ridge

import (
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// sheet tiles images in a grid of cols columns.
func sheet(cols int, imgs ...image.Image) *image.Gray {
	w, h := 0, 0
	for _, im := range imgs {
		w, h = max(w, im.Bounds().Dx()), max(h, im.Bounds().Dy())
	}
	rows := (len(imgs) + cols - 1) / cols
	out := image.NewGray(image.Rect(0, 0, cols*w, rows*h))
	for i := range out.Pix {
		out.Pix[i] = 128
	}
	for k, im := range imgs {
		r := image.Rect((k%cols)*w, (k/cols)*h, (k%cols)*w+im.Bounds().Dx(), (k/cols)*h+im.Bounds().Dy())
		draw.Draw(out, r, im, im.Bounds().Min, draw.Src)
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

// TestDump writes contact sheets of masters to $RIDGE_DUMP (skipped when
// unset): a visual check of the renderer.
func TestDump(t *testing.T) {
	dir := os.Getenv("RIDGE_DUMP")
	if dir == "" {
		t.Skip("RIDGE_DUMP not set")
	}
	var imgs []image.Image
	for seed := uint64(1); seed <= 6; seed++ {
		st := time.Now()
		m := NewMaster(seed, MasterOptions{Class: Class(1 + seed%5)})
		t.Logf("seed %d class %v period %.2f: %v", seed, m.Class(), m.RidgePeriod(), time.Since(st))
		imgs = append(imgs, m.Ridges())
	}
	writePNG(t, filepath.Join(dir, "masters.png"), sheet(3, imgs...))
	m := NewMaster(1, MasterOptions{})
	imgs = imgs[:0]
	for seed := uint64(1); seed <= 3; seed++ {
		st := time.Now()
		imgs = append(imgs, m.Render(seed, Cooperative()))
		t.Logf("impression %d: %v", seed, time.Since(st))
	}
	for seed := uint64(1); seed <= 3; seed++ {
		imgs = append(imgs, m.Render(seed, Adverse()))
	}
	writePNG(t, filepath.Join(dir, "impressions.png"), sheet(3, imgs...))
}
