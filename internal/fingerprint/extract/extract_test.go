package extract

import (
	"errors"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/ridge"
)

// spiral draws parallel ridges of period 10 px whose phase turns once
// around (cx, cy): the Larkin–Fletcher model of a single minutia. With
// phase 2π·(x·nx + y·ny)/10 + sign·arg(z − c), one side of the centre has
// one ridge more than the other; a minutia's ISO direction — into the
// ridge for an ending, between the forks for a bifurcation — points to
// that side whatever the type. invert swaps ridges and valleys, which
// turns an ending into a bifurcation with the same position and direction.
func spiral(w, h int, cx, cy, nx, ny, sign float64, invert bool) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			ph := 2*math.Pi*(float64(x)*nx+float64(y)*ny)/10 + sign*math.Atan2(float64(y)-cy, float64(x)-cx)
			v := math.Cos(ph)
			if invert {
				v = -v
			}
			img.Pix[y*w+x] = uint8(128 + 100*v)
		}
	}
	return img
}

// TestDirectionConvention checks the ISO angle convention on single
// minutiae with known geometry: radians, counter-clockwise from +X as seen
// on the image (Y down), pointing to the side with the extra ridge.
func TestDirectionConvention(t *testing.T) {
	const w, h, cx, cy = 240, 240, 120.0, 120.0
	tests := []struct {
		name         string
		nx, ny, sign float64
		want         float64 // ISO angle
	}{
		// Horizontal ridges, extra ridge on the right: 0.
		{"right", 0, 1, 1, 0},
		// Horizontal ridges, extra ridge on the left: π.
		{"left", 0, 1, -1, math.Pi},
		// Vertical ridges: along a horizontal line below the centre the
		// phase turns by −π, above it by +π: the extra ridge is above,
		// which is up on the image: π/2.
		{"up", 1, 0, 1, math.Pi / 2},
		{"down", 1, 0, -1, 3 * math.Pi / 2},
	}
	for _, tc := range tests {
		for _, invert := range []bool{false, true} {
			img := spiral(w, h, cx, cy, tc.nx, tc.ny, tc.sign, invert)
			r, err := run(img, fingerprint.DefaultResolution)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var got []candidate
			for _, c := range r.cands {
				if !c.drop {
					got = append(got, c)
				}
			}
			if len(got) != 1 {
				t.Errorf("%s invert=%v: %d minutiae, want 1: %+v", tc.name, invert, len(got), got)
				continue
			}
			c := got[0]
			iso := -c.dir
			if d := math.Abs(wrapPi(iso - tc.want)); d > 20*math.Pi/180 {
				t.Errorf("%s invert=%v: angle %.0f°, want %.0f°", tc.name, invert, iso*180/math.Pi, tc.want*180/math.Pi)
			}
			if math.Hypot(c.x-cx, c.y-cy) > 8 {
				t.Errorf("%s invert=%v: at (%.0f,%.0f), want near (%.0f,%.0f)", tc.name, invert, c.x, c.y, cx, cy)
			}
			t.Logf("%s invert=%v: %v at (%.0f,%.0f) angle %.0f°", tc.name, invert, c.typ, c.x, c.y, iso*180/math.Pi)
		}
	}
}

// TestTypesSwapWhenInverted: tone reversal turns endings into
// bifurcations.
func TestTypesSwapWhenInverted(t *testing.T) {
	types := map[bool]fingerprint.MinutiaType{}
	for _, invert := range []bool{false, true} {
		r, err := run(spiral(240, 240, 120, 120, 0, 1, 1, invert), fingerprint.DefaultResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range r.cands {
			if !c.drop {
				types[invert] = c.typ
			}
		}
	}
	if types[false] == types[true] || types[false] == fingerprint.TypeOther || types[true] == fingerprint.TypeOther {
		t.Errorf("types %v / %v, want an ending and a bifurcation", types[false], types[true])
	}
}

func uniform(w, h int, v uint8) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = v
	}
	return img
}

func noise(w, h int, seed uint64) *image.Gray {
	r := rand.New(rand.NewPCG(seed, 1))
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.IntN(256))
	}
	return img
}

// patch is a blank image with a small square of ridges.
func patch(w, h, side int) *image.Gray {
	img := uniform(w, h, 240)
	src := spiral(side, side, float64(side)/2, float64(side)/2, 0.6, 0.8, 1, false)
	for y := range side {
		for x := range side {
			img.Pix[(y+h/2-side/2)*w+x+w/2-side/2] = src.Pix[y*side+x]
		}
	}
	return img
}

// straight is parallel ridges with no minutia.
func straight(w, h int) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Pix[y*w+x] = uint8(128 + 100*math.Cos(2*math.Pi*(0.8*float64(x)+0.6*float64(y))/10))
		}
	}
	return img
}

func TestRefusals(t *testing.T) {
	good := ridge.NewMaster(7, ridge.MasterOptions{}).Render(1, ridge.Cooperative())
	tests := []struct {
		name string
		img  image.Image
		ppcm int
		want error
	}{
		{"nil", nil, 0, ErrImageSize},
		{"too small", uniform(149, 300, 200), 0, ErrImageSize},
		{"too small height", uniform(300, 100, 200), 0, ErrImageSize},
		{"too large", uniform(2001, 300, 200), 0, ErrImageSize},
		{"empty", image.NewGray(image.Rect(0, 0, 0, 0)), 0, ErrImageSize},
		{"resolution low", good, 97, ErrResolution},
		{"resolution high", good, 395, ErrResolution},
		{"resolution negative", good, -197, ErrResolution},
		{"blank white", uniform(400, 500, 255), 0, ErrNoFinger},
		{"blank black", uniform(400, 500, 0), 0, ErrNoFinger},
		{"noise", noise(400, 500, 1), 0, ErrNoFinger},
		{"tiny finger", patch(400, 500, 100), 0, ErrLowQuality},
		{"no minutiae", straight(400, 500), 0, ErrLowQuality},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := Minutiae(tc.img, tc.ppcm)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v (%d minutiae)", err, tc.want, len(v.Minutiae))
			}
			if len(v.Minutiae) != 0 {
				t.Errorf("%d minutiae with an error", len(v.Minutiae))
			}
		})
	}
}

// TestViewFields checks what Minutiae fills in and that every minutia is a
// valid ISO/IEC 19794-2 minutia of the image.
func TestViewFields(t *testing.T) {
	img := ridge.NewMaster(3, ridge.MasterOptions{}).Render(2, ridge.Cooperative())
	v, err := Minutiae(img, 0)
	if err != nil {
		t.Fatal(err)
	}
	if v.ResolutionX != fingerprint.DefaultResolution || v.ResolutionY != fingerprint.DefaultResolution {
		t.Errorf("resolution %d×%d", v.ResolutionX, v.ResolutionY)
	}
	if v.Quality < 1 || v.Quality > 100 {
		t.Errorf("quality %d", v.Quality)
	}
	if n := len(v.Minutiae); n < 20 || n > maxMinutiae {
		t.Errorf("%d minutiae", n)
	}
	for i, m := range v.Minutiae {
		if m.X < 0 || m.Y < 0 || m.X >= 400 || m.Y >= 500 || m.Angle < 0 || m.Angle >= 2*math.Pi ||
			m.Quality < 1 || m.Quality > 100 || (m.Type != fingerprint.TypeEnding && m.Type != fingerprint.TypeBifurcation) {
			t.Errorf("minutia %d: %+v", i, m)
		}
	}
	rec := fingerprint.Record{Width: 400, Height: 500, ResolutionX: 197, ResolutionY: 197, Views: []fingerprint.View{v}}
	b, err := rec.Marshal()
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if _, err := fingerprint.Parse(b); err != nil {
		t.Fatalf("parse: %v", err)
	}
}

// TestImageTypes: other image types and a sub-image with a non-zero origin
// give the same minutiae, in coordinates relative to the bounds.
func TestImageTypes(t *testing.T) {
	g := ridge.NewMaster(4, ridge.MasterOptions{}).Render(1, ridge.Cooperative())
	want, err := Minutiae(g, 0)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(g.Rect)
	for y := range g.Rect.Dy() {
		for x := range g.Rect.Dx() {
			rgba.Set(x, y, color.Gray{Y: g.GrayAt(x, y).Y})
		}
	}
	big := image.NewGray(image.Rect(0, 0, 440, 560))
	for y := range 500 {
		copy(big.Pix[(y+30)*440+20:], g.Pix[y*400:(y+1)*400])
	}
	sub := big.SubImage(image.Rect(20, 30, 420, 530))
	for name, img := range map[string]image.Image{"rgba": rgba, "sub-image": sub} {
		got, err := Minutiae(img, 0)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got.Minutiae) != len(want.Minutiae) {
			t.Fatalf("%s: %d minutiae, want %d", name, len(got.Minutiae), len(want.Minutiae))
		}
		for i := range got.Minutiae {
			if got.Minutiae[i] != want.Minutiae[i] {
				t.Fatalf("%s: minutia %d = %+v, want %+v", name, i, got.Minutiae[i], want.Minutiae[i])
			}
		}
	}
}

// TestResolution: an impression upsampled to 1000 ppi and extracted at
// 394 pixels/cm gives minutiae at twice the coordinates that match the
// 500 ppi extraction.
func TestResolution(t *testing.T) {
	g := ridge.NewMaster(5, ridge.MasterOptions{}).Render(1, ridge.Cooperative())
	v500, err := Minutiae(g, 0)
	if err != nil {
		t.Fatal(err)
	}
	up := image.NewGray(image.Rect(0, 0, 800, 1000))
	src := grayPlane(g)
	for y := range 1000 {
		for x := range 800 {
			up.Pix[y*800+x] = uint8(src.at((float64(x)+0.5)/2-0.5, (float64(y)+0.5)/2-0.5))
		}
	}
	v1000, err := Minutiae(up, 394)
	if err != nil {
		t.Fatal(err)
	}
	if v1000.ResolutionX != 394 {
		t.Errorf("resolution %d", v1000.ResolutionX)
	}
	var a, b []point
	for _, m := range v500.Minutiae {
		a = append(a, point{float64(m.X), float64(m.Y), m.Angle})
	}
	for _, m := range v1000.Minutiae {
		b = append(b, point{float64(m.X) / 2, float64(m.Y) / 2, m.Angle})
	}
	n := pairPoints(a, b, 4, 20*math.Pi/180)
	t.Logf("500 ppi %d minutiae, 1000 ppi %d, %d at the same place", len(a), len(b), n)
	if n < len(a)*8/10 {
		t.Errorf("only %d of %d minutiae found again at 1000 ppi", n, len(a))
	}
	same, other := fingerprint.Match(v500, v1000), fingerprint.Match(v500, v500)
	t.Logf("score 500 vs 1000 ppi %.3f (self %.3f)", same.Score, other.Score)
}

// TestDeterministic: the same image gives the same view.
func TestDeterministic(t *testing.T) {
	g := ridge.NewMaster(6, ridge.MasterOptions{}).Render(1, ridge.Adverse())
	a, errA := Minutiae(g, 0)
	b, errB := Minutiae(g, 0)
	if (errA == nil) != (errB == nil) || len(a.Minutiae) != len(b.Minutiae) {
		t.Fatalf("runs differ: %v/%v, %d/%d", errA, errB, len(a.Minutiae), len(b.Minutiae))
	}
	for i := range a.Minutiae {
		if a.Minutiae[i] != b.Minutiae[i] {
			t.Fatalf("minutia %d differs", i)
		}
	}
}
