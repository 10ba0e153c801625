package fingerprint

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Synthetic templates. These are NOT real fingerprints: minutiae are drawn
// in an elliptic finger region with a minimum spacing, with directions that
// follow a smooth loop-like ridge orientation field (so that, as on real
// fingers, nearby minutiae point in similar directions, which makes chance
// matches between different fingers likelier than with random angles).
const (
	synthWidth, synthHeight = 400, 500
	synthCX, synthCY        = 200.0, 250.0
	synthAX, synthAY        = 115.0, 160.0 // ellipse semi-axes, px
	synthSpacing            = 14.0         // minimum minutia spacing, px (0.7 mm at 500 ppi)
	synthCount              = 40
)

type fpoint struct{ x, y, a float64 }

func inEllipse(x, y float64) bool {
	dx, dy := (x-synthCX)/synthAX, (y-synthCY)/synthAY
	return dx*dx+dy*dy <= 1
}

// synthFinger draws the master minutiae of one synthetic finger.
func synthFinger(rng *rand.Rand, n int) []fpoint {
	coreX := synthCX + (rng.Float64()-0.5)*60
	coreY := synthCY - 40 + (rng.Float64()-0.5)*80
	tilt := (rng.Float64() - 0.5) * 0.6
	curl := 0.3 + rng.Float64()*0.4
	var pts []fpoint
	for tries := 0; len(pts) < n && tries < 100000; tries++ {
		x := synthCX + (rng.Float64()*2-1)*synthAX
		y := synthCY + (rng.Float64()*2-1)*synthAY
		if !inEllipse(x, y) {
			continue
		}
		if slices.ContainsFunc(pts, func(p fpoint) bool { return math.Hypot(p.x-x, p.y-y) < synthSpacing }) {
			continue
		}
		// Ridge orientation (mod π): a loop around the core blended with
		// horizontal arches, then a direction along it (either way).
		orient := curl*math.Atan2(-(y-coreY), x-coreX) + tilt + 0.15*math.Sin(y/45)
		a := orient + math.Pi*float64(rng.IntN(2)) + (rng.Float64()-0.5)*0.2
		pts = append(pts, fpoint{x, y, a})
	}
	return pts
}

func toView(pts []fpoint, rng *rand.Rand) View {
	v := View{Position: RightIndex, Quality: 80, ResolutionX: 197, ResolutionY: 197}
	for _, p := range pts {
		x, y := int(math.Round(p.x)), int(math.Round(p.y))
		if x < 0 || y < 0 || x >= synthWidth || y >= synthHeight {
			continue // outside the scanner's image
		}
		code, _ := Minutia{Angle: p.a}.AngleCode()
		v.Minutiae = append(v.Minutiae, Minutia{Type: MinutiaType(1 + rng.IntN(2)), X: x, Y: y, Angle: AngleFromCode(code), Quality: 60})
	}
	return v
}

// impression is one capture of a master finger: rotated by rot (radians,
// counter-clockwise on the image) about the image centre, shifted, with a
// fraction drop of minutiae lost and a fraction spurious added, positional
// noise of ±posNoise px, angle noise of ±angNoise radians and a smooth
// elastic displacement of ±elastic px.
type impression struct {
	rot, tx, ty                 float64
	drop, spurious              float64
	posNoise, angNoise, elastic float64
}

func (im impression) apply(master []fpoint, rng *rand.Rand) []fpoint {
	c, s := math.Cos(im.rot), math.Sin(im.rot)
	ph1, ph2 := rng.Float64()*2*math.Pi, rng.Float64()*2*math.Pi
	var out []fpoint
	for _, p := range master {
		if rng.Float64() < im.drop {
			continue
		}
		x := p.x + im.elastic*math.Sin(p.y/70+ph1)
		y := p.y + im.elastic*math.Cos(p.x/60+ph2)
		dx, dy := x-synthCX, y-synthCY
		out = append(out, fpoint{
			x: synthCX + dx*c + dy*s + im.tx + (rng.Float64()*2-1)*im.posNoise,
			y: synthCY - dx*s + dy*c + im.ty + (rng.Float64()*2-1)*im.posNoise,
			a: p.a + im.rot + (rng.Float64()*2-1)*im.angNoise,
		})
	}
	extra := int(math.Round(im.spurious * float64(len(master))))
	for len(out) < len(master)-int(im.drop*float64(len(master)))+extra {
		x := synthCX + (rng.Float64()*2-1)*synthAX
		y := synthCY + (rng.Float64()*2-1)*synthAY
		if inEllipse(x, y) {
			out = append(out, fpoint{x + im.tx, y + im.ty, rng.Float64() * 2 * math.Pi})
		}
	}
	return out
}

// genuineImpression is the degradation the brief asks the matcher to
// survive: rotation within ±30°, translation within ±40 px, 10% dropped,
// 10% spurious, ±3 px, ±10°, plus ±2 px of elastic distortion.
func genuineImpression(rng *rand.Rand) impression {
	return impression{
		rot: (rng.Float64()*2 - 1) * 30 * math.Pi / 180,
		tx:  (rng.Float64()*2 - 1) * 40, ty: (rng.Float64()*2 - 1) * 40,
		drop: 0.1, spurious: 0.1, posNoise: 3, angNoise: 10 * math.Pi / 180, elastic: 2,
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x19794_2_2005)) }

// genuinePair returns a gallery view (the master) and a probe view (a
// degraded impression) of finger seed.
func genuinePair(seed uint64) (probe, gallery View) {
	rng := newRand(seed)
	master := synthFinger(rng, synthCount)
	gallery = toView(master, rng)
	probe = toView(genuineImpression(rng).apply(master, rng), rng)
	return probe, gallery
}

// impostorPair returns a degraded impression of finger seed and the master
// of a different finger.
func impostorPair(seed uint64) (probe, gallery View) {
	probe, _ = genuinePair(seed)
	_, gallery = genuinePair(seed + 1_000_000)
	return probe, gallery
}

func TestMatchSameFinger(t *testing.T) {
	for _, c := range []struct {
		name string
		im   impression
	}{
		{"identical", impression{}},
		{"rotated +30°", impression{rot: 30 * math.Pi / 180}},
		{"rotated -30°", impression{rot: -30 * math.Pi / 180}},
		{"translated", impression{tx: 40, ty: -35}},
		{"all degradations", impression{rot: 25 * math.Pi / 180, tx: -30, ty: 20, drop: 0.1, spurious: 0.1, posNoise: 3, angNoise: 10 * math.Pi / 180, elastic: 2}},
	} {
		rng := newRand(7)
		master := synthFinger(rng, synthCount)
		gallery := toView(master, rng)
		probe := toView(c.im.apply(master, rng), rng)
		r := Match(probe, gallery)
		if !r.Matched() {
			t.Errorf("%s: score %.3f (paired %d of %d/%d), below threshold %.2f", c.name, r.Score, r.Paired, r.ProbeMinutiae, r.GalleryMinutiae, DefaultThreshold)
		}
		if c.im.drop == 0 && c.im.spurious == 0 {
			// The probe is the gallery rotated by rot, so probe→gallery is -rot.
			if d := math.Abs(wrap(r.Rotation + c.im.rot)); d > 2*math.Pi/180 {
				t.Errorf("%s: rotation %.1f°, want %.1f°", c.name, r.Rotation*180/math.Pi, -c.im.rot*180/math.Pi)
			}
		}
	}
}

func TestMatchResolution(t *testing.T) {
	// The same finger scanned at 1000 ppi (394 px/cm): coordinates double.
	probe, gallery := genuinePair(11)
	hi := View{ResolutionX: 394, ResolutionY: 394}
	for _, m := range probe.Minutiae {
		m.X, m.Y = 2*m.X, 2*m.Y
		hi.Minutiae = append(hi.Minutiae, m)
	}
	lo, hiRes := Match(probe, gallery), Match(hi, gallery)
	if !hiRes.Matched() || math.Abs(lo.Score-hiRes.Score) > 0.05 {
		t.Errorf("500 ppi score %.3f, 1000 ppi score %.3f", lo.Score, hiRes.Score)
	}
	// Ignoring the resolution would scale the probe by 2 and fail.
	hi.ResolutionX, hi.ResolutionY = 197, 197
	if r := Match(hi, gallery); r.Matched() {
		t.Errorf("wrong resolution still matched: %.3f", r.Score)
	}
}

func TestMatchDifferentFingers(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		probe, gallery := impostorPair(seed)
		if r := Match(probe, gallery); r.Matched() {
			t.Errorf("seed %d: impostor score %.3f (paired %d)", seed, r.Score, r.Paired)
		}
	}
}

func TestMatchDeterministicAndSymmetricEnough(t *testing.T) {
	probe, gallery := genuinePair(3)
	a, b := Match(probe, gallery), Match(probe, gallery)
	if a.Score != b.Score || a.Paired != b.Paired || !slices.Equal(a.Pairs, b.Pairs) {
		t.Error("Match is not deterministic")
	}
	if r := Match(gallery, probe); !r.Matched() {
		t.Errorf("reverse direction score %.3f", r.Score)
	}
}

func TestMatchDegenerate(t *testing.T) {
	one := View{Minutiae: []Minutia{{X: 1, Y: 1}}}
	same := View{}
	for range 50 {
		same.Minutiae = append(same.Minutiae, Minutia{X: 5, Y: 5})
	}
	weird := View{ResolutionX: -3, Minutiae: []Minutia{
		{X: 1, Y: 2, Angle: math.NaN()}, {X: -5, Y: 1 << 40, Angle: math.Inf(-1)}, {X: 3, Y: 4, Angle: 1e300}, {X: 9, Y: 9, Angle: -7},
	}}
	big := View{}
	for i := range 400 {
		big.Minutiae = append(big.Minutiae, Minutia{X: i % 37 * 9, Y: i / 37 * 11, Angle: float64(i)})
	}
	views := []View{{}, one, same, weird, big}
	for i, p := range views {
		for j, g := range views {
			r := Match(p, g)
			if r.Score < 0 || r.Score > 1 || math.IsNaN(r.Score) {
				t.Errorf("Match(%d, %d) score %v", i, j, r.Score)
			}
		}
	}
	if r := Match(View{}, one); r.Score != 0 || r.Paired != 0 {
		t.Errorf("empty probe: %+v", r)
	}
}

// TestScoreDistributions matches 200 genuine and 200 impostor synthetic
// pairs and logs the score distributions and the error rates at
// DefaultThreshold (go test -run Distributions -v). Synthetic data only: no
// substitute for an evaluation on FVC or field fingerprints.
func TestScoreDistributions(t *testing.T) {
	const n = 200
	var gen, imp []float64
	for seed := uint64(1000); seed < 1000+n; seed++ {
		gen = append(gen, Match(genuinePair(seed)).Score)
		imp = append(imp, Match(impostorPair(seed)).Score)
	}
	fnm, fm := 0, 0
	for i := range n {
		if gen[i] < DefaultThreshold {
			fnm++
		}
		if imp[i] >= DefaultThreshold {
			fm++
		}
	}
	t.Logf("synthetic genuine:  %s", summary(gen))
	t.Logf("synthetic impostor: %s", summary(imp))
	t.Logf("at threshold %.2f: FNMR %d/%d, FMR %d/%d (synthetic)", DefaultThreshold, fnm, n, fm, n)
	if fnm > 0 || fm > 0 {
		t.Errorf("synthetic FNMR %d/%d, FMR %d/%d at threshold %.2f", fnm, n, fm, n, DefaultThreshold)
	}
}

func summary(xs []float64) string {
	s := slices.Sorted(slices.Values(xs))
	mean := 0.0
	for _, x := range s {
		mean += x
	}
	mean /= float64(len(s))
	q := func(p float64) float64 { return s[int(p*float64(len(s)-1))] }
	return fmt.Sprintf("min %.3f  p5 %.3f  median %.3f  mean %.3f  p95 %.3f  max %.3f", s[0], q(0.05), q(0.5), mean, q(0.95), s[len(s)-1])
}

func BenchmarkMatch(b *testing.B) {
	probe, gallery := genuinePair(42)
	b.ReportMetric(float64(len(probe.Minutiae)), "probe-minutiae")
	for b.Loop() {
		Match(probe, gallery)
	}
}

func BenchmarkMatchImpostor(b *testing.B) {
	probe, gallery := impostorPair(42)
	for b.Loop() {
		Match(probe, gallery)
	}
}

func ExampleMatch() {
	gallery := View{ResolutionX: 197, ResolutionY: 197}
	for i := range 30 {
		gallery.Minutiae = append(gallery.Minutiae, Minutia{Type: TypeEnding, X: 60 + i*37%250, Y: 80 + i*53%300, Angle: float64(i) * 0.7})
	}
	probe := gallery // the same template
	r := Match(probe, gallery)
	fmt.Printf("paired %d, score %.2f, same finger %v\n", r.Paired, r.Score, r.Matched())
	// Output: paired 30, score 1.00, same finger true
}
