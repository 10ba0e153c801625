package synth

import (
	"context"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/vneid/vneid/internal/fingerprint"
)

func TestNewMaster(t *testing.T) {
	a, b := NewMaster(7, fingerprint.RightIndex), NewMaster(7, fingerprint.RightIndex)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("NewMaster is not deterministic")
	}
	if c := NewMaster(7, fingerprint.LeftIndex); reflect.DeepEqual(a.Minutiae, c.Minutiae) {
		t.Error("two fingers of one seed are the same")
	}
	classes := map[Class]int{}
	const n = 1000
	for seed := range uint64(n) {
		m := NewMaster(seed, fingerprint.RightThumb)
		classes[m.Class]++
		// The pad holds its density's share, give or take the spacing
		// rejections, all inside the pad and MinSpacing apart.
		area := math.Pi * PadWidth / 2 * PadHeight / 2
		if got, want := float64(len(m.Minutiae)), m.Density*area; got < 0.9*want || got > want+1 {
			t.Fatalf("seed %d: %v minutiae, want about %.0f", seed, got, want)
		}
		if seed < 20 {
			for i, p := range m.Minutiae {
				for _, q := range m.Minutiae[:i] {
					if math.Hypot(p.X-q.X, p.Y-q.Y) < MinSpacing {
						t.Fatalf("seed %d: minutiae %.2f mm apart", seed, math.Hypot(p.X-q.X, p.Y-q.Y))
					}
				}
			}
		}
	}
	// Natural class frequencies, loosely.
	loops := float64(classes[LeftLoop]+classes[RightLoop]) / n
	if loops < 0.58 || loops > 0.72 || classes[Whorl] < 220 || classes[Whorl] > 340 || classes[Arch]+classes[TentedArch] > 110 {
		t.Errorf("class counts %v", classes)
	}
}

func TestMinutiaeFollowTheRidges(t *testing.T) {
	// Master minutiae point along the orientation field (either way), so
	// neighbouring minutiae have related directions, as on real fingers.
	m := NewMaster(3, fingerprint.RightIndex)
	for _, p := range m.Minutiae {
		d := math.Abs(math.Remainder(p.Angle-m.Orientation(p.X, p.Y), math.Pi))
		if d > 0.3 {
			t.Fatalf("minutia at (%.1f, %.1f) points %.0f° off the ridge flow", p.X, p.Y, d*180/math.Pi)
		}
	}
	// The field is smooth away from singular points.
	for x := -8.0; x <= 8; x += 0.5 {
		for y := -11.0; y <= 11; y += 0.5 {
			if nearSingular(m, x, y, 1.5) {
				continue
			}
			d := math.Abs(math.Remainder(m.Orientation(x, y)-m.Orientation(x+0.1, y), math.Pi))
			if d > 0.2 {
				t.Fatalf("orientation jumps %.2f rad at (%.1f, %.1f)", d, x, y)
			}
		}
	}
}

func nearSingular(m Master, x, y, r float64) bool {
	for _, p := range append(append([]Point(nil), m.Cores...), m.Deltas...) {
		if math.Hypot(p.X-x, p.Y-y) < r {
			return true
		}
	}
	return false
}

func TestImpression(t *testing.T) {
	m := NewMaster(11, fingerprint.LeftRing)
	for _, o := range []ImpressionOptions{Easy(), Typical(), Hard()} {
		v := m.Impression(5, o)
		if !reflect.DeepEqual(v, m.Impression(5, o)) {
			t.Fatalf("%s: Impression is not deterministic", o.Name)
		}
		if v.Position != fingerprint.LeftRing || v.ResolutionX != 197 || v.Width != 299 || v.Height != 400 {
			t.Errorf("%s: view fields %+v", o.Name, v)
		}
		if n := len(v.Minutiae); n < 10 || n > 150 {
			t.Errorf("%s: %d minutiae", o.Name, n)
		}
		// The view is a valid record in both editions.
		for _, version := range []fingerprint.Version{fingerprint.Version2005, fingerprint.Version2011} {
			r := fingerprint.Record{Version: version, Width: v.Width, Height: v.Height, ResolutionX: 197, ResolutionY: 197, Views: []fingerprint.View{v}}
			b, err := r.Marshal()
			if err != nil {
				t.Fatalf("%s %v: %v", o.Name, version, err)
			}
			if _, err := fingerprint.Parse(b); err != nil {
				t.Fatalf("%s %v: %v", o.Name, version, err)
			}
		}
	}
	// A perfect capture finds every master minutia in the contact area,
	// and a second perfect capture the same ones at the same places.
	a, fa := m.impression(1, ImpressionOptions{})
	b, fb := m.impression(2, ImpressionOptions{})
	if len(a.Minutiae) != len(b.Minutiae) {
		t.Fatalf("perfect captures: %d and %d minutiae", len(a.Minutiae), len(b.Minutiae))
	}
	at := map[int]fingerprint.Minutia{}
	for i, k := range fa {
		if k < 0 {
			t.Fatal("spurious minutia in a perfect capture")
		}
		at[k] = a.Minutiae[i]
	}
	for i, k := range fb {
		if at[k].X != b.Minutiae[i].X || at[k].Y != b.Minutiae[i].Y || at[k].Angle != b.Minutiae[i].Angle {
			t.Fatalf("master minutia %d moved between perfect captures", k)
		}
	}
	// 1000 ppi doubles the coordinates.
	hi := Easy()
	hi.Resolution = 394
	if v := m.Impression(5, hi); v.ResolutionX != 394 || v.Width != 599 {
		t.Errorf("1000 ppi view %dx%d at %d", v.Width, v.Height, v.ResolutionX)
	}
}

func TestPresetDifficulty(t *testing.T) {
	// Harder presets lose more true minutiae and add more false ones.
	var spurious, found [3]int
	for seed := range uint64(40) {
		m := NewMaster(100+seed, fingerprint.RightIndex)
		for k, o := range []ImpressionOptions{Easy(), Typical(), Hard()} {
			_, from := m.impression(0, o)
			for _, f := range from {
				if f < 0 {
					spurious[k]++
				} else {
					found[k]++
				}
			}
		}
	}
	if !(found[0] > found[1] && found[1] > found[2] && spurious[0] < spurious[1] && spurious[1] < spurious[2]) {
		t.Errorf("true minutiae %v, spurious %v", found, spurious)
	}
	for _, name := range []string{"easy", "typical", "hard"} {
		if o, ok := Preset(name); !ok || o.Name != name {
			t.Errorf("Preset(%q) = %+v, %v", name, o, ok)
		}
	}
	if _, ok := Preset("medium"); ok {
		t.Error("unknown preset accepted")
	}
}

func TestEvaluate(t *testing.T) {
	r, err := Evaluate(context.Background(), EvalOptions{Fingers: 16, Impressions: 3, Impression: Typical(), Seed: 9, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.GenuineScores) != 16*3 || len(r.ImpostorScores) != 16*15/2 || len(r.ImpostorSimilarities) != 120 {
		t.Fatalf("%d genuine, %d impostor comparisons", len(r.GenuineScores), len(r.ImpostorScores))
	}
	if r.EER > 0.05 || r.Default.FNMR > 0.1 || r.Default.FMR > 0 || len(r.Points) != 3 {
		t.Errorf("typical: EER %v, at the default threshold FMR %v FNMR %v", r.EER, r.Default.FMR, r.Default.FNMR)
	}
	if r.ComparisonsPerSecond <= 0 || r.PrepareNs <= 0 || r.MeanMinutiae < 20 {
		t.Errorf("speed %v/s, prepare %v ns, %v minutiae", r.ComparisonsPerSecond, r.PrepareNs, r.MeanMinutiae)
	}
	md := r.Markdown()
	for _, want := range []string{"| operating point | threshold | FMR | FNMR |", "| EER |", "| FMR ≤ 0.010 % |", "comparisons/s"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if _, err := r.Calibration([]float64{0.1, 0.01}); err != nil {
		t.Errorf("calibration: %v", err)
	}
	if _, err := r.Calibration([]float64{1e-4}); err == nil {
		t.Error("calibration at 1e-4 from 120 impostors")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Evaluate(ctx, EvalOptions{Fingers: 50, Impressions: 4, Impression: Easy()}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if _, err := Evaluate(context.Background(), EvalOptions{Fingers: 1, Impressions: 4}); err == nil {
		t.Error("one finger accepted")
	}
}

func TestErrorRates(t *testing.T) {
	gen := []float64{0.1, 0.4, 0.6, 0.8, 0.9}
	imp := []float64{0.0, 0.1, 0.2, 0.3, 0.5}
	if got := fmrAt(imp, 0.3); got != 0.4 {
		t.Errorf("FMR at 0.3 = %v", got)
	}
	if got := fnmrAt(gen, 0.6); got != 0.4 {
		t.Errorf("FNMR at 0.6 = %v", got)
	}
	if got := thresholdFor(imp, 0.2); fmrAt(imp, got) != 0.2 || got <= 0.3 || got > 0.3000001 {
		t.Errorf("threshold for FMR 0.2 = %v", got)
	}
	if got := thresholdFor(imp, 0); fmrAt(imp, got) != 0 {
		t.Errorf("threshold for FMR 0 = %v", got)
	}
	// The curves cross between 0.3 and 0.4: FNMR 0.2, FMR 0.2.
	if e, th := eer(gen, imp); e != 0.2 || th < 0.3 || th > 0.4 {
		t.Errorf("EER %v at %v", e, th)
	}
	if e, _ := eer([]float64{0.9, 1}, []float64{0, 0.1}); e != 0 {
		t.Errorf("separable EER %v", e)
	}
}
