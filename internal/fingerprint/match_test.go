package fingerprint_test

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/synth"
)

// impressions returns n impressions of synthetic finger seed.
func impressions(seed uint64, o synth.ImpressionOptions, n int) []fingerprint.View {
	m := synth.NewMaster(seed, fingerprint.RightIndex)
	vs := make([]fingerprint.View, n)
	for i := range vs {
		vs[i] = m.Impression(uint64(i), o)
	}
	return vs
}

// transformed returns v rotated by rot radians (counter-clockwise as seen)
// about its image centre and shifted by (dx, dy) pixels, on a canvas large
// enough to hold it.
func transformed(v fingerprint.View, rot float64, dx, dy int) fingerprint.View {
	out := v
	out.Minutiae = nil
	size := 2*max(v.Width, v.Height) + 2*max(abs(dx), abs(dy)) + 10
	out.Width, out.Height = size, size
	cx, cy := float64(v.Width)/2, float64(v.Height)/2
	c, s := math.Cos(rot), math.Sin(rot)
	for _, m := range v.Minutiae {
		x, y := float64(m.X)-cx, float64(m.Y)-cy
		// Y points down: a counter-clockwise rotation as seen is
		// (x, y) → (x·c + y·s, −x·s + y·c).
		m.X = int(math.Round(x*c+y*s)) + size/2 + dx
		m.Y = int(math.Round(-x*s+y*c)) + size/2 + dy
		if rot != 0 {
			m.Angle = math.Mod(m.Angle+rot+4*math.Pi, 2*math.Pi)
		}
		out.Minutiae = append(out.Minutiae, m)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestGenuineTypicalMatch(t *testing.T) {
	const n = 200
	matched := 0
	for seed := range uint64(n) {
		vs := impressions(1000+seed, synth.Typical(), 2)
		if r := fingerprint.Match(vs[1], vs[0]); r.Matched() {
			matched++
		} else {
			t.Logf("finger %d: score %.3f (similarity %.3f, %d paired of %d/%d)", seed, r.Score, r.Similarity, r.Paired, r.ProbeMinutiae, r.GalleryMinutiae)
		}
	}
	if matched < n*95/100 {
		t.Errorf("%d of %d genuine Typical pairs matched, want ≥ 95 %%", matched, n)
	}
}

func TestImpostorsDoNotMatch(t *testing.T) {
	// First impressions of 64 Typical and 40 Hard fingers, all pairs of
	// each set: 2,016 + 780 impostor comparisons.
	for _, set := range []struct {
		o synth.ImpressionOptions
		n int
	}{{synth.Typical(), 64}, {synth.Hard(), 40}} {
		ts := make([]*fingerprint.Template, set.n)
		for i := range ts {
			ts[i] = fingerprint.Prepare(synth.NewMaster(5000+uint64(i), fingerprint.LeftThumb).Impression(0, set.o))
		}
		worst := 0.0
		for i := range ts {
			for j := i + 1; j < len(ts); j++ {
				r := ts[i].Compare(ts[j])
				worst = max(worst, r.Score)
				if r.Matched() {
					t.Errorf("%s: fingers %d and %d match: score %.3f, %d paired", set.o.Name, i, j, r.Score, r.Paired)
				}
			}
		}
		t.Logf("%s: highest impostor score %.3f", set.o.Name, worst)
	}
}

func TestRotationAndTranslation(t *testing.T) {
	vs := impressions(7, synth.Typical(), 2)
	base := fingerprint.Match(vs[1], vs[0])
	if !base.Matched() {
		t.Fatalf("base pair does not match: %+v", base)
	}
	for _, deg := range []float64{-180, -135, -90, -60, -30, 30, 60, 90, 135, 179} {
		rot := deg * math.Pi / 180
		probe := transformed(vs[1], rot, 40, -25)
		r := fingerprint.Match(probe, vs[0])
		if !r.Matched() || math.Abs(r.Similarity-base.Similarity) > 0.1*base.Similarity {
			t.Errorf("rotated %v°: similarity %.3f (unrotated %.3f), score %.3f", deg, r.Similarity, base.Similarity, r.Score)
		}
		// The probe is rotated by rot more, so probe → gallery turns by
		// that much less.
		if d := math.Abs(math.Remainder(r.Rotation-(base.Rotation-rot), 2*math.Pi)); d > 3*math.Pi/180 {
			t.Errorf("rotated %v°: reported rotation %.1f°, want %.1f°", deg, r.Rotation*180/math.Pi, (base.Rotation-rot)*180/math.Pi)
		}
	}
	// A pure shift changes nothing but the translation (up to rounding in
	// the conversion to millimetres).
	shifted := transformed(vs[1], 0, 300, 500)
	r := fingerprint.Match(shifted, vs[0])
	if math.Abs(r.Similarity-base.Similarity) > 0.01*base.Similarity || abs(r.Paired-base.Paired) > 1 {
		t.Errorf("shifted: similarity %.6f paired %d, unshifted %.6f paired %d", r.Similarity, r.Paired, base.Similarity, base.Paired)
	}
}

func TestResolution(t *testing.T) {
	// The same capture at 1000 ppi (394 px/cm) compares like the 500 ppi one.
	o := synth.Typical()
	lo := impressions(11, o, 2)
	o.Resolution = 394
	hi := impressions(11, o, 2)
	a, b := fingerprint.Match(lo[1], lo[0]), fingerprint.Match(hi[1], lo[0])
	if !b.Matched() || math.Abs(a.Similarity-b.Similarity) > 0.15*a.Similarity {
		t.Errorf("500 ppi similarity %.3f, 1000 ppi probe %.3f (score %.3f)", a.Similarity, b.Similarity, b.Score)
	}
	// Ignoring the resolution would scale the probe by 2 and fail.
	wrong := hi[1]
	wrong.ResolutionX, wrong.ResolutionY = 197, 197
	if r := fingerprint.Match(wrong, lo[0]); r.Matched() {
		t.Errorf("wrong resolution still matched: %.3f", r.Score)
	}
	// No resolution means 500 ppi.
	none := lo[1]
	none.ResolutionX, none.ResolutionY = 0, 0
	if r := fingerprint.Match(none, lo[0]); r.Similarity != a.Similarity {
		t.Errorf("zero resolution: %.4f, want %.4f", r.Similarity, a.Similarity)
	}
}

func TestPartialOverlap(t *testing.T) {
	// Keep only the minutiae of the probe's upper half (or left half): about
	// half the area of the gallery impression. Halves with 20 minutiae or
	// more must match; smaller ones are weak evidence and may not.
	n, matched, misses := 0, 0, 0
	for seed := range uint64(20) {
		vs := impressions(300+seed, synth.Typical(), 2)
		for _, keep := range []func(m fingerprint.Minutia, v fingerprint.View) bool{
			func(m fingerprint.Minutia, v fingerprint.View) bool { return m.Y < v.Height/2 },
			func(m fingerprint.Minutia, v fingerprint.View) bool { return m.X < v.Width/2 },
		} {
			half := vs[1]
			half.Minutiae = nil
			for _, m := range vs[1].Minutiae {
				if keep(m, vs[1]) {
					half.Minutiae = append(half.Minutiae, m)
				}
			}
			n++
			r := fingerprint.Match(half, vs[0])
			if r.Matched() {
				matched++
				continue
			}
			t.Logf("finger %d: half probe (%d minutiae) scored %.3f", seed, len(half.Minutiae), r.Score)
			if len(half.Minutiae) >= 20 {
				misses++
			}
		}
	}
	if misses > 0 || matched < n*85/100 {
		t.Errorf("%d of %d half-area probes matched; %d with 20 minutiae or more did not", matched, n, misses)
	}
}

func TestDegenerate(t *testing.T) {
	one := fingerprint.View{Minutiae: []fingerprint.Minutia{{X: 1, Y: 1}}}
	two := fingerprint.View{Minutiae: []fingerprint.Minutia{{X: 1, Y: 1}, {X: 30, Y: 40, Angle: 1}}}
	same := fingerprint.View{}
	for range 50 {
		same.Minutiae = append(same.Minutiae, fingerprint.Minutia{X: 5, Y: 5, Angle: 2})
	}
	weird := fingerprint.View{ResolutionX: -3, ResolutionY: 1 << 20, Minutiae: []fingerprint.Minutia{
		{X: 1, Y: 2, Angle: math.NaN()}, {X: -5, Y: 1 << 40, Angle: math.Inf(-1)}, {X: 3, Y: 4, Angle: 1e300},
		{X: 9, Y: 9, Angle: -7}, {X: math.MaxInt, Y: math.MinInt, Angle: 0.5}, {X: 0, Y: 0, Angle: math.Inf(1)},
	}}
	big := fingerprint.View{}
	for i := range 400 {
		big.Minutiae = append(big.Minutiae, fingerprint.Minutia{X: i % 37 * 9, Y: i / 37 * 11, Angle: float64(i)})
	}
	line := fingerprint.View{}
	for i := range 30 {
		line.Minutiae = append(line.Minutiae, fingerprint.Minutia{X: 10 * i, Y: 100, Angle: 0})
	}
	real := impressions(3, synth.Typical(), 1)[0]
	views := []fingerprint.View{{}, one, two, same, weird, big, line, real}
	for i, p := range views {
		for j, g := range views {
			r := fingerprint.Match(p, g)
			if !(r.Score >= 0 && r.Score <= 1) || !(r.Similarity >= 0 && r.Similarity <= 1) {
				t.Errorf("Match(%d, %d): score %v similarity %v", i, j, r.Score, r.Similarity)
			}
			if r.Paired != len(r.Pairs) {
				t.Errorf("Match(%d, %d): Paired %d, %d pairs", i, j, r.Paired, len(r.Pairs))
			}
		}
	}
	for i, v := range views[:4] {
		if r := fingerprint.Match(v, v); r.Score != 0 || r.Paired != 0 {
			t.Errorf("view %d against itself: %+v", i, r)
		}
		if r := fingerprint.Match(v, real); r.Score != 0 {
			t.Errorf("view %d against a finger: %+v", i, r)
		}
	}
	if r := fingerprint.Prepare(real).Compare(nil); r.Score != 0 {
		t.Errorf("nil probe: %+v", r)
	}
	if n := fingerprint.Prepare(big).Len(); n != fingerprint.MaxMinutiae {
		t.Errorf("400 minutiae: template uses %d", n)
	}
	if n := fingerprint.Prepare(same).Len(); n != 1 {
		t.Errorf("50 identical minutiae: template uses %d", n)
	}
	if n := fingerprint.Prepare(weird).Len(); n != 3 {
		t.Errorf("non-finite angles: template uses %d of 6", n)
	}
}

func TestDeterministicSymmetricPrepared(t *testing.T) {
	var gen, imp []float64
	for seed := range uint64(30) {
		vs := impressions(500+seed, synth.Typical(), 2)
		other := impressions(900+seed, synth.Typical(), 1)[0]
		a, b := fingerprint.Match(vs[1], vs[0]), fingerprint.Match(vs[1], vs[0])
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("finger %d: Match is not deterministic", seed)
		}
		g, p := fingerprint.Prepare(vs[0]), fingerprint.Prepare(vs[1])
		if c := g.Compare(p); !reflect.DeepEqual(a, c) {
			t.Fatalf("finger %d: Prepare+Compare %+v differs from Match %+v", seed, c, a)
		}
		rev := fingerprint.Match(vs[0], vs[1])
		gen = append(gen, math.Abs(rev.Score-a.Score))
		if !rev.Matched() {
			t.Errorf("finger %d: reverse direction score %.3f", seed, rev.Score)
		}
		x, y := fingerprint.Match(other, vs[0]), fingerprint.Match(vs[0], other)
		imp = append(imp, math.Abs(x.Score-y.Score))
	}
	for name, ds := range map[string][]float64{"genuine": gen, "impostor": imp} {
		sum, worst := 0.0, 0.0
		for _, d := range ds {
			sum += d
			worst = max(worst, d)
		}
		if sum/float64(len(ds)) > 0.05 || worst > 0.25 {
			t.Errorf("%s: |score(a,b) − score(b,a)| mean %.3f, max %.3f", name, sum/float64(len(ds)), worst)
		}
	}
}

func TestTemplateConcurrentUse(t *testing.T) {
	vs := impressions(77, synth.Typical(), 5)
	g := fingerprint.Prepare(vs[0])
	want := make([]fingerprint.Result, len(vs))
	for i, v := range vs {
		want[i] = g.Compare(fingerprint.Prepare(v))
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, v := range vs {
				if r := g.Compare(fingerprint.Prepare(v)); !reflect.DeepEqual(r, want[i]) {
					t.Errorf("worker %d, probe %d: result changed", w, i)
				}
			}
		}()
	}
	wg.Wait()
}

func TestPairs(t *testing.T) {
	vs := impressions(21, synth.Easy(), 2)
	r := fingerprint.Match(vs[1], vs[0])
	if r.Paired < 10 || r.Paired != len(r.Pairs) {
		t.Fatalf("paired %d, pairs %d", r.Paired, len(r.Pairs))
	}
	seenP, seenG := map[int]bool{}, map[int]bool{}
	for k, p := range r.Pairs {
		if p.Probe < 0 || p.Probe >= len(vs[1].Minutiae) || p.Gallery < 0 || p.Gallery >= len(vs[0].Minutiae) || seenP[p.Probe] || seenG[p.Gallery] {
			t.Fatalf("pair %d = %+v", k, p)
		}
		if k > 0 && r.Pairs[k-1].Probe > p.Probe {
			t.Fatal("pairs not sorted by probe")
		}
		seenP[p.Probe], seenG[p.Gallery] = true, true
		// Paired minutiae lie within about a millimetre of each other
		// once aligned.
		pm, gm := vs[1].Minutiae[p.Probe], vs[0].Minutiae[p.Gallery]
		px, py := float64(pm.X)/19.7, float64(pm.Y)/19.7
		x := math.Cos(r.Rotation)*px + math.Sin(r.Rotation)*py + r.TranslationX
		y := -math.Sin(r.Rotation)*px + math.Cos(r.Rotation)*py + r.TranslationY
		if d := math.Hypot(x-float64(gm.X)/19.7, y-float64(gm.Y)/19.7); d > 1.5 {
			t.Errorf("pair %+v is %.2f mm apart after the reported transform", p, d)
		}
	}
}

func TestThresholdFor(t *testing.T) {
	if fingerprint.ThresholdFor(1e-4) != 0.5 {
		t.Errorf("ThresholdFor(1e-4) = %v", fingerprint.ThresholdFor(1e-4))
	}
	if d := fingerprint.DefaultThreshold - fingerprint.ThresholdFor(5e-5); math.Abs(d) > 1e-4 {
		t.Errorf("DefaultThreshold %v is not ThresholdFor(5e-5) = %v", fingerprint.DefaultThreshold, fingerprint.ThresholdFor(5e-5))
	}
	for _, f := range []float64{1e-1, 1e-2, 1e-3, 1e-5, 1e-6} {
		if got := fingerprint.FMRAt(fingerprint.ThresholdFor(f)); math.Abs(got-f)/f > 1e-9 {
			t.Errorf("FMRAt(ThresholdFor(%g)) = %g", f, got)
		}
	}
	if fingerprint.ThresholdFor(0) != 1 || fingerprint.ThresholdFor(2) != 0 || fingerprint.ThresholdFor(math.NaN()) != 1 {
		t.Error("ThresholdFor out of range")
	}
}

// FuzzCompare compares every pair of views of an arbitrary parsed record:
// no panic, scores and similarities in [0, 1], pairs inside the views.
func FuzzCompare(f *testing.F) {
	vs := impressions(1, synth.Typical(), 2)
	for _, version := range []fingerprint.Version{fingerprint.Version2005, fingerprint.Version2011} {
		r := fingerprint.Record{Version: version, Width: vs[0].Width, Height: vs[0].Height, ResolutionX: 197, ResolutionY: 197}
		for i, v := range vs {
			v.ViewNumber = i
			r.Views = append(r.Views, v)
		}
		if b, err := r.Marshal(); err == nil {
			f.Add(b)
		} else {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := fingerprint.Parse(b)
		if err != nil {
			return
		}
		views := r.Views[:min(len(r.Views), 3)]
		for _, g := range views {
			for _, p := range views {
				res := fingerprint.Match(p, g)
				if !(res.Score >= 0 && res.Score <= 1) || !(res.Similarity >= 0 && res.Similarity <= 1) {
					t.Fatalf("score %v, similarity %v", res.Score, res.Similarity)
				}
				for _, pr := range res.Pairs {
					if pr.Probe < 0 || pr.Probe >= len(p.Minutiae) || pr.Gallery < 0 || pr.Gallery >= len(g.Minutiae) {
						t.Fatalf("pair %+v outside the views", pr)
					}
				}
			}
		}
	})
}

func ExampleMatch() {
	m := synth.NewMaster(42, fingerprint.RightIndex)
	gallery := m.Impression(1, synth.Typical()) // on file
	probe := m.Impression(2, synth.Typical())   // captured at the desk
	r := fingerprint.Match(probe, gallery)
	fmt.Printf("same finger: %v (false match rate at this score ≤ %.0e)\n", r.Matched(), fingerprint.FMRAt(r.Score))
	// Output: same finger: true (false match rate at this score ≤ 1e-08)
}

func ExampleTemplate_Compare() {
	// Prepare the gallery once, compare it with many probes.
	gallery := fingerprint.Prepare(synth.NewMaster(1, fingerprint.LeftIndex).Impression(0, synth.Typical()))
	for seed := uint64(1); seed <= 3; seed++ {
		probe := fingerprint.Prepare(synth.NewMaster(seed, fingerprint.LeftIndex).Impression(1, synth.Typical()))
		fmt.Println(seed, gallery.Compare(probe).Score >= fingerprint.ThresholdFor(1e-4))
	}
	// Output:
	// 1 true
	// 2 false
	// 3 false
}

// set0 returns v with every minutia quality 0 (not reported).
func set0(v fingerprint.View) fingerprint.View {
	v.Minutiae = append([]fingerprint.Minutia(nil), v.Minutiae...)
	for i := range v.Minutiae {
		v.Minutiae[i].Quality = 0
	}
	return v
}

func TestQualities(t *testing.T) {
	vs := impressions(77, synth.Hard(), 2)
	withQ := fingerprint.Match(vs[1], vs[0])
	// Identical views score about the same whatever their qualities.
	same, sameNone := fingerprint.Match(vs[0], vs[0]), fingerprint.Match(set0(vs[0]), set0(vs[0]))
	t.Logf("identical views: similarity %.4f (%.4f without qualities)", same.Similarity, sameNone.Similarity)
	if math.Abs(same.Similarity-sameNone.Similarity) > 0.05 {
		t.Errorf("identical views: similarity %.4f, %.4f without qualities", same.Similarity, sameNone.Similarity)
	}
	// A view whose minutiae share one quality, or report none, is weighed
	// uniformly: the same result either way, and independent of the scale.
	set := func(v fingerprint.View, q int) fingerprint.View {
		v.Minutiae = append([]fingerprint.Minutia(nil), v.Minutiae...)
		for i := range v.Minutiae {
			v.Minutiae[i].Quality = q
		}
		return v
	}
	none := fingerprint.Match(set(vs[1], 0), set(vs[0], 0))
	for _, q := range []int{1, 60, 100, fingerprint.MinutiaQualityNotReported} {
		if r := fingerprint.Match(set(vs[1], q), set(vs[0], q)); r.Similarity != none.Similarity {
			t.Errorf("all qualities %d: similarity %.4f, want %.4f", q, r.Similarity, none.Similarity)
		}
	}
	if withQ.Similarity == none.Similarity {
		t.Error("qualities had no effect")
	}
	// Scaling every quality leaves the weights (relative to the median)
	// nearly unchanged.
	vs = impressions(78, synth.Typical(), 2)
	withQ = fingerprint.Match(vs[1], vs[0])
	half := []fingerprint.View{vs[0], vs[1]}
	for k := range half {
		half[k].Minutiae = append([]fingerprint.Minutia(nil), vs[k].Minutiae...)
		for i := range half[k].Minutiae {
			half[k].Minutiae[i].Quality = max(1, half[k].Minutiae[i].Quality/2)
		}
	}
	if r := fingerprint.Match(half[1], half[0]); math.Abs(r.Similarity-withQ.Similarity) > 0.05*withQ.Similarity {
		t.Errorf("halved qualities: similarity %.4f, want about %.4f", r.Similarity, withQ.Similarity)
	}
}
