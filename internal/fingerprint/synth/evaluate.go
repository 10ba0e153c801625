package synth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vneid/vneid/internal/fingerprint"
)

// EvalOptions configure Evaluate.
type EvalOptions struct {
	// Fingers and Impressions: how many master fingers, and how many
	// impressions of each (FVC uses 8).
	Fingers, Impressions int
	// Impression is the capture model (a preset such as Typical()).
	Impression ImpressionOptions
	// Seed chooses the fingers: finger i is NewMaster(Seed·1,000,003 + i),
	// its impression k uses seed k.
	Seed uint64
	// Workers is the number of goroutines (0: GOMAXPROCS).
	Workers int
}

// OperatingPoint is the matcher's error rates at one threshold.
type OperatingPoint struct {
	// Target is the false match rate the threshold was chosen for (0 when
	// the threshold was given).
	Target    float64
	Threshold float64
	// FMR and FNMR are the measured false match and false non-match rates
	// at Threshold (a score ≥ Threshold is a match).
	FMR, FNMR float64
}

// Report is the outcome of an evaluation.
type Report struct {
	Options EvalOptions
	// GenuineScores and ImpostorScores are the calibrated scores
	// (Result.Score), sorted ascending; GenuineSimilarities and
	// ImpostorSimilarities the uncalibrated ones (Result.Similarity).
	GenuineScores, ImpostorScores             []float64
	GenuineSimilarities, ImpostorSimilarities []float64
	// MeanMinutiae is the mean minutiae count of an impression.
	MeanMinutiae float64
	// EER is the equal error rate (FVC's definition: the midpoint of the
	// interval where FMR and FNMR cross) and EERThreshold where it falls.
	EER, EERThreshold float64
	// Points are the thresholds for FMR 1 %, 0.1 % and 0.01 % with the
	// FNMR there; Default is the operating point at DefaultThreshold;
	// ZeroFMR is the lowest threshold with no false match.
	Points           []OperatingPoint
	Default, ZeroFMR OperatingPoint
	// PrepareNs and CompareNs are the mean cost of one Prepare and one
	// Compare on one core (busy time summed over the workers, divided by
	// the count), and ComparisonsPerSecond their reciprocal for Compare:
	// comparisons per second per core. Elapsed is the wall time of the
	// whole evaluation.
	PrepareNs, CompareNs float64
	ComparisonsPerSecond float64
	Workers              int
	Elapsed              time.Duration
}

// FMRTargets are the false match rates Report.Points are computed for.
func FMRTargets() []float64 { return []float64{1e-2, 1e-3, 1e-4} }

// Evaluate runs the FVC protocol on synthetic fingers: o.Fingers masters,
// o.Impressions impressions each; genuine comparisons are all pairs of
// impressions of a finger (F·I(I−1)/2), impostor comparisons the first
// impressions of all pairs of fingers (F(F−1)/2), each compared once
// (gallery the lower index). Templates are prepared once. It returns an
// error only for bad options or a cancelled ctx.
func Evaluate(ctx context.Context, o EvalOptions) (Report, error) {
	if o.Fingers < 2 || o.Impressions < 2 {
		return Report{}, fmt.Errorf("synth: evaluate: need at least 2 fingers and 2 impressions, have %d and %d", o.Fingers, o.Impressions)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	rep := Report{Options: o, Workers: o.Workers}
	nT := o.Fingers * o.Impressions
	views := make([]fingerprint.View, nT)
	if _, err := parallel(ctx, o.Workers, nT, func(k int) {
		f, i := k/o.Impressions, k%o.Impressions
		views[k] = NewMaster(o.Seed*1_000_003+uint64(f), fingerprint.RightIndex).Impression(uint64(i), o.Impression)
	}); err != nil {
		return Report{}, err
	}
	templates := make([]*fingerprint.Template, nT)
	busy, err := parallel(ctx, o.Workers, nT, func(k int) { templates[k] = fingerprint.Prepare(views[k]) })
	if err != nil {
		return Report{}, err
	}
	rep.PrepareNs = float64(busy.Nanoseconds()) / float64(nT)
	total := 0
	for _, v := range views {
		total += len(v.Minutiae)
	}
	rep.MeanMinutiae = float64(total) / float64(nT)

	type cmpPair struct{ gallery, probe int }
	var pairs []cmpPair
	for f := range o.Fingers {
		for i := range o.Impressions {
			for j := i + 1; j < o.Impressions; j++ {
				pairs = append(pairs, cmpPair{f*o.Impressions + i, f*o.Impressions + j})
			}
		}
	}
	nGen := len(pairs)
	for f := range o.Fingers {
		for g := f + 1; g < o.Fingers; g++ {
			pairs = append(pairs, cmpPair{f * o.Impressions, g * o.Impressions})
		}
	}
	scores := make([]float64, len(pairs))
	sims := make([]float64, len(pairs))
	busy, err = parallel(ctx, o.Workers, len(pairs), func(k int) {
		r := templates[pairs[k].gallery].Compare(templates[pairs[k].probe])
		scores[k], sims[k] = r.Score, r.Similarity
	})
	if err != nil {
		return Report{}, err
	}
	rep.CompareNs = float64(busy.Nanoseconds()) / float64(len(pairs))
	if rep.CompareNs > 0 {
		rep.ComparisonsPerSecond = 1e9 / rep.CompareNs
	}
	rep.GenuineScores = slices.Sorted(slices.Values(scores[:nGen]))
	rep.ImpostorScores = slices.Sorted(slices.Values(scores[nGen:]))
	rep.GenuineSimilarities = slices.Sorted(slices.Values(sims[:nGen]))
	rep.ImpostorSimilarities = slices.Sorted(slices.Values(sims[nGen:]))
	rep.EER, rep.EERThreshold = eer(rep.GenuineScores, rep.ImpostorScores)
	for _, f := range FMRTargets() {
		t := thresholdFor(rep.ImpostorScores, f)
		rep.Points = append(rep.Points, OperatingPoint{Target: f, Threshold: t,
			FMR: fmrAt(rep.ImpostorScores, t), FNMR: fnmrAt(rep.GenuineScores, t)})
	}
	t := fingerprint.DefaultThreshold
	rep.Default = OperatingPoint{Threshold: t, FMR: fmrAt(rep.ImpostorScores, t), FNMR: fnmrAt(rep.GenuineScores, t)}
	t = thresholdFor(rep.ImpostorScores, 0)
	rep.ZeroFMR = OperatingPoint{Threshold: t, FMR: fmrAt(rep.ImpostorScores, t), FNMR: fnmrAt(rep.GenuineScores, t)}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// parallel runs f(0…n−1) on workers goroutines and returns the summed
// busy time of the workers. It stops early, with ctx's error, when ctx is
// cancelled.
func parallel(ctx context.Context, workers, n int, f func(int)) (time.Duration, error) {
	var next, busy atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			defer func() { busy.Add(int64(time.Since(t0))) }()
			for {
				k := int(next.Add(1) - 1)
				if k >= n || (k%256 == 0 && ctx.Err() != nil) {
					return
				}
				f(k)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("synth: evaluate: %w", err)
	}
	return time.Duration(busy.Load()), nil
}

// fmrAt is the share of impostor scores ≥ t (scores sorted ascending).
func fmrAt(imp []float64, t float64) float64 {
	if len(imp) == 0 {
		return 0
	}
	i, _ := slices.BinarySearch(imp, t)
	return float64(len(imp)-i) / float64(len(imp))
}

// fnmrAt is the share of genuine scores < t (scores sorted ascending).
func fnmrAt(gen []float64, t float64) float64 {
	if len(gen) == 0 {
		return 0
	}
	i, _ := slices.BinarySearch(gen, t)
	return float64(i) / float64(len(gen))
}

// thresholdFor returns the lowest threshold at which the share of impostor
// scores at or above it is at most fmr: just above the (k+1)-th highest
// impostor score, k = ⌊fmr·N⌋.
func thresholdFor(imp []float64, fmr float64) float64 {
	k := int(math.Floor(fmr * float64(len(imp))))
	if k >= len(imp) {
		return 0
	}
	return math.Nextafter(imp[len(imp)-1-k], math.Inf(1))
}

// eer returns the equal error rate as FVC defines it: with t1 the highest
// threshold where FNMR ≤ FMR and t2 the lowest where FNMR ≥ FMR, the
// midpoint of the smaller of the intervals [FNMR(t1), FMR(t1)] and
// [FMR(t2), FNMR(t2)].
func eer(gen, imp []float64) (rate, threshold float64) {
	cands := make([]float64, 0, len(gen)+len(imp)+1)
	cands = append(cands, gen...)
	cands = append(cands, imp...)
	for _, s := range imp {
		cands = append(cands, math.Nextafter(s, math.Inf(1)))
	}
	slices.Sort(cands)
	cands = slices.Compact(cands)
	t1, t2 := -1.0, -1.0
	// FNMR rises and FMR falls with the threshold: binary search the
	// crossing.
	lo, hi := 0, len(cands)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if fnmrAt(gen, cands[mid]) <= fmrAt(imp, cands[mid]) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	t1 = cands[lo]
	if lo+1 < len(cands) {
		t2 = cands[lo+1]
	} else {
		t2 = t1
	}
	a1, b1 := fnmrAt(gen, t1), fmrAt(imp, t1)
	a2, b2 := fmrAt(imp, t2), fnmrAt(gen, t2)
	if b1-a1 <= b2-a2 {
		return (a1 + b1) / 2, t1
	}
	return (a2 + b2) / 2, t2
}

// Markdown returns the report as Markdown: a summary table of the error
// rates and the speed.
func (r Report) Markdown() string {
	var b strings.Builder
	o := r.Options
	fmt.Fprintf(&b, "Preset %q: %d fingers × %d impressions, %.1f minutiae per impression on average; %d genuine and %d impostor comparisons (FVC protocol).\n\n",
		o.Impression.Name, o.Fingers, o.Impressions, r.MeanMinutiae, len(r.GenuineScores), len(r.ImpostorScores))
	b.WriteString("| operating point | threshold | FMR | FNMR |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| EER | %.3f | %s | %s |\n", r.EERThreshold, pct(r.EER), pct(r.EER))
	for _, p := range r.Points {
		fmt.Fprintf(&b, "| FMR ≤ %s | %.3f | %s | %s |\n", pct(p.Target), p.Threshold, pct(p.FMR), pct(p.FNMR))
	}
	fmt.Fprintf(&b, "| DefaultThreshold | %.3f | %s | %s |\n", r.Default.Threshold, pct(r.Default.FMR), pct(r.Default.FNMR))
	fmt.Fprintf(&b, "| zero FMR | %.3f | %s | %s |\n", r.ZeroFMR.Threshold, pct(r.ZeroFMR.FMR), pct(r.ZeroFMR.FNMR))
	fmt.Fprintf(&b, "\nSpeed (per core): Compare %.1f µs (%.0f comparisons/s), Prepare %.0f µs; %d workers, %v in all.\n",
		r.CompareNs/1e3, r.ComparisonsPerSecond, r.PrepareNs/1e3, r.Workers, r.Elapsed.Round(time.Millisecond))
	return b.String()
}

// pct formats a rate as a percentage with enough digits for small rates.
func pct(x float64) string {
	switch {
	case x == 0:
		return "0 %"
	case x < 0.0001:
		return fmt.Sprintf("%.4f %%", 100*x)
	case x < 0.01:
		return fmt.Sprintf("%.3f %%", 100*x)
	}
	return fmt.Sprintf("%.2f %%", 100*x)
}

// Calibration returns the uncalibrated similarity at which the impostor
// false match rate falls to each of fmrs (sorted from the highest rate),
// measured on r's impostor comparisons: the table fingerprint's score
// calibration is built from. It returns an error when there are too few
// impostor comparisons to measure the smallest rate.
func (r Report) Calibration(fmrs []float64) ([]float64, error) {
	var out []float64
	for _, f := range fmrs {
		if f*float64(len(r.ImpostorSimilarities)) < 1 {
			return nil, errors.New("synth: calibration: too few impostor comparisons for FMR " + pct(f))
		}
		out = append(out, thresholdFor(r.ImpostorSimilarities, f))
	}
	return out, nil
}
