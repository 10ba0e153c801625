package fingerprint

import "math"

// Score calibration. Compare computes an uncalibrated similarity
// (Result.Similarity) and maps it to Result.Score = −log10(FMR)/ScoreDecades,
// where FMR is the false match rate of the similarity on the calibration
// set: impostor comparisons of synthetic fingers (package synth, presets
// Typical and Hard, the higher similarity of the two at each rate; see
// docs/fingerprint.md and docs/benchmarks.md). The calibration is measured
// down to FMR 10^-5.5 and extrapolated beyond along its last segment;
// scores are capped at 1 (FMR 10^-8). It has not been measured on real
// fingerprints.

// ScoreDecades is the number of decades of false match rate that the score
// range [0, 1] spans: Score s means FMR 10^(−s·ScoreDecades).
const ScoreDecades = 8

// DefaultThreshold is the decision threshold for Result.Score. The target
// is a false match rate of at most 10^-4 (one in 10,000); the threshold is
// set at the calibration set's 5·10^-5 (ThresholdFor(5e-5) = 0.5376),
// half the target, as a margin for the variation between finger
// populations (at the calibration's 10^-4 point, 0.5, an independent set of
// 1,000 Hard fingers measured 1.2·10^-4). The rates measured at it are in
// docs/benchmarks.md.
const DefaultThreshold = 0.5376

// ThresholdFor returns the Score threshold whose false match rate on the
// calibration set is fmr (clamped to [10^-8, 1]): −log10(fmr)/ScoreDecades.
func ThresholdFor(fmr float64) float64 {
	if !(fmr > 0) {
		return 1
	}
	// Rounded to 1e-12 so that decades give exact thresholds
	// (math.Log10(1e-4) is −3.9999999999999996).
	t := math.Round(-math.Log10(fmr)/ScoreDecades*1e12) / 1e12
	return min(1, max(0, t))
}

// FMRAt returns the false match rate on the calibration set of a Score
// threshold: 10^(−threshold·ScoreDecades).
func FMRAt(threshold float64) float64 {
	return math.Pow(10, -min(1, max(0, threshold))*ScoreDecades)
}

// calibrationTable returns the similarities at which the calibration
// set's false match rate falls to 10^(−k/2) for k = 2, 3, …, 11 (FMR 10^-1
// to 10^-5.5), as measured by `vneid bench fingerprint -calibrate`.
func calibrationTable() [10]float64 {
	// vneid bench fingerprint -calibrate -fingers 2500 -impressions 2
	//     -preset typical,hard -seed 1000  (3,123,750 impostors per preset)
	return [10]float64{0.028686, 0.033583, 0.038222, 0.042747, 0.047288, 0.051843, 0.056349, 0.060892, 0.064852, 0.071463}
}

// calibrate maps a similarity to the calibrated score: −log10(FMR) is
// interpolated linearly between the table's points (and from similarity 0,
// FMR 1, to the first), extrapolated along the last segment, divided by
// ScoreDecades and clamped to [0, 1].
func calibrate(sim float64) float64 {
	if !(sim > 0) {
		return 0
	}
	t := calibrationTable()
	x0, y0 := 0.0, 0.0
	for k, x1 := range t {
		y1 := float64(k+2) / 2
		if x1 <= x0 {
			continue // a flat step in the table: no segment
		}
		if sim <= x1 || k == len(t)-1 {
			l := y0 + (sim-x0)*(y1-y0)/(x1-x0)
			return min(1, max(0, l/ScoreDecades))
		}
		x0, y0 = x1, y1
	}
	return 0
}
