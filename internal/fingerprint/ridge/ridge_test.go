package ridge

import (
	"bytes"
	"math"
	"testing"
)

func TestDeterministic(t *testing.T) {
	a, b := NewMaster(42, MasterOptions{}), NewMaster(42, MasterOptions{})
	if !bytes.Equal(a.Ridges().Pix, b.Ridges().Pix) {
		t.Fatal("same seed, different masters")
	}
	if c := NewMaster(43, MasterOptions{}); bytes.Equal(a.Ridges().Pix, c.Ridges().Pix) {
		t.Fatal("different seeds, same master")
	}
	ia, ib := a.Render(7, Cooperative()), b.Render(7, Cooperative())
	if !bytes.Equal(ia.Pix, ib.Pix) {
		t.Fatal("same seed, different impressions")
	}
	if ic := a.Render(8, Cooperative()); bytes.Equal(ia.Pix, ic.Pix) {
		t.Fatal("different seeds, same impression")
	}
}

func TestClasses(t *testing.T) {
	for _, tc := range []struct {
		class          Class
		cores, deltas  int
		minRidgeFrac   float64
		maxRidgeFrac   float64
		wantPeriodNear float64
	}{
		{Arch, 0, 0, 0.35, 0.65, 9},
		{TentedArch, 1, 1, 0.35, 0.65, 9.5},
		{LeftLoop, 1, 1, 0.35, 0.65, 10},
		{RightLoop, 1, 1, 0.35, 0.65, 8},
		{Whorl, 2, 2, 0.35, 0.65, 12},
	} {
		m := NewMaster(uint64(tc.class), MasterOptions{Class: tc.class, RidgePeriod: tc.wantPeriodNear})
		if m.Class() != tc.class {
			t.Errorf("%v: got class %v", tc.class, m.Class())
		}
		c, d := m.Singularities()
		if len(c) != tc.cores || len(d) != tc.deltas {
			t.Errorf("%v: %d cores, %d deltas", tc.class, len(c), len(d))
		}
		if math.Abs(m.RidgePeriod()-tc.wantPeriodNear) > 1e-3 {
			t.Errorf("%v: period %v", tc.class, m.RidgePeriod())
		}
		// About half of the finger is ridge.
		ridges, mask := m.Ridges(), m.Mask()
		in, dark := 0, 0
		for i, v := range mask.Pix {
			if v != 0 {
				in++
				if ridges.Pix[i] == 0 {
					dark++
				}
			}
		}
		frac := float64(dark) / float64(in)
		if frac < tc.minRidgeFrac || frac > tc.maxRidgeFrac {
			t.Errorf("%v: ridge fraction %.2f", tc.class, frac)
		}
		// The finger covers a good part of the image.
		if cover := float64(in) / float64(len(mask.Pix)); cover < 0.5 || cover > 0.95 {
			t.Errorf("%v: finger covers %.2f of the image", tc.class, cover)
		}
		if o := m.Orientation(200, 250); o < 0 || o >= math.Pi {
			t.Errorf("%v: orientation %v", tc.class, o)
		}
	}
}

// TestPeriod measures the ridge period along a line across the ridges of
// an arch (ridges roughly horizontal at the bottom): the mean spacing of
// ridge starts must match the requested period.
func TestPeriod(t *testing.T) {
	for _, p := range []float64{8, 10, 12} {
		m := NewMaster(5, MasterOptions{Class: Arch, RidgePeriod: p})
		r := m.Ridges()
		// Count ridge starts down the middle column over its finger part.
		starts, first, last := 0, -1, -1
		for y := 1; y < m.h; y++ {
			i := y*m.w + m.w/2
			if m.mask.p[i] < 0.5 || m.mask.p[i-m.w] < 0.5 {
				continue
			}
			if r.Pix[i] == 0 && r.Pix[i-m.w] != 0 {
				starts++
				if first < 0 {
					first = y
				}
				last = y
			}
		}
		got := float64(last-first) / float64(starts-1)
		t.Logf("period %v: measured %.2f over %d ridges", p, got, starts)
		// The column is not exactly across the ridges: allow 15 %.
		if got < p*0.95 || got > p*1.15 {
			t.Errorf("period %v: measured %.2f", p, got)
		}
	}
}

func TestOptionsClamped(t *testing.T) {
	m := NewMaster(1, MasterOptions{Width: 10, Height: 100000, RidgePeriod: math.NaN(), Class: Class(99)})
	if b := m.Bounds(); b.Dx() != MinSize || b.Dy() != MaxSize {
		t.Errorf("bounds %v", b)
	}
	if p := m.RidgePeriod(); p < 6 || p > 14 {
		t.Errorf("period %v", p)
	}
	if m.Class() < Arch || m.Class() > Whorl {
		t.Errorf("class %v", m.Class())
	}
	small := NewMaster(2, MasterOptions{Width: 200, Height: 200})
	for _, o := range []ImpressionOptions{
		{MaxRotation: math.Inf(1), MaxShift: math.NaN(), Distortion: -5, Pressure: 7, MinContact: -1, Noise: math.Inf(-1), Blur: 1e9, Dryness: 2},
		{MaxShift: 1e9},
		Adverse(),
	} {
		im := small.Impress(3, o)
		if im.Image.Bounds() != small.Bounds() || im.Mask.Bounds() != small.Bounds() {
			t.Errorf("impression bounds %v", im.Image.Bounds())
		}
	}
}

// TestGeometry: FromMaster inverts ToMaster, and the ideal impression is
// the master in place.
func TestGeometry(t *testing.T) {
	m := NewMaster(9, MasterOptions{})
	im := m.Impress(4, Adverse())
	worst := 0.0
	for y := 20.0; y < 480; y += 23 {
		for x := 20.0; x < 380; x += 19 {
			mx, my := im.ToMaster(x, y)
			bx, by := im.FromMaster(mx, my)
			worst = max(worst, math.Hypot(bx-x, by-y))
		}
	}
	if worst > 0.05 {
		t.Errorf("FromMaster(ToMaster(p)) off by %.3f px", worst)
	}
	ideal := m.Impress(1, ImpressionOptions{})
	if ideal.Rotation != 0 || ideal.ShiftX != 0 || ideal.ShiftY != 0 {
		t.Errorf("ideal impression moved: %v %v %v", ideal.Rotation, ideal.ShiftX, ideal.ShiftY)
	}
	ridges := m.Ridges()
	agree, n := 0, 0
	for i, v := range ideal.Mask.Pix {
		if v == 0 {
			continue
		}
		n++
		if (ideal.Image.Pix[i] < 128) == (ridges.Pix[i] == 0) {
			agree++
		}
	}
	if float64(agree) < 0.97*float64(n) {
		t.Errorf("ideal impression agrees with the master on %d of %d pixels", agree, n)
	}
}

// BenchmarkNewMaster draws a 400×500 master.
func BenchmarkNewMaster(b *testing.B) {
	seed := uint64(0)
	for b.Loop() {
		seed++
		NewMaster(seed, MasterOptions{})
	}
}

// BenchmarkRender renders a cooperative impression of a 400×500 master.
func BenchmarkRender(b *testing.B) {
	m := NewMaster(1, MasterOptions{})
	seed := uint64(0)
	b.ResetTimer()
	for b.Loop() {
		seed++
		m.Render(seed, Cooperative())
	}
}
