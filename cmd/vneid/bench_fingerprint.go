package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"runtime"
	"strings"

	"github.com/vneid/vneid/internal/fingerprint"
	"github.com/vneid/vneid/internal/fingerprint/synth"
)

// benchFingerprint evaluates the fingerprint matcher on synthetic fingers
// (FVC protocol) and prints the error rates and speed as Markdown; with
// -calibrate it measures the score calibration table instead (see
// docs/fingerprint.md).
func benchFingerprint(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("vneid bench fingerprint", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fingers := fs.Int("fingers", 500, "synthetic fingers (impostor comparisons: fingers×(fingers−1)/2)")
	impressions := fs.Int("impressions", 8, "impressions per finger (genuine comparisons: fingers×impressions×(impressions−1)/2)")
	preset := fs.String("preset", "typical", "capture preset: easy, typical, hard, or a comma-separated list")
	seed := fs.Uint64("seed", 1, "finger seed")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "concurrent workers")
	calibrate := fs.Bool("calibrate", false, "measure the score calibration table on the impostors of the presets instead")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench fingerprint: unexpected argument %q", fs.Arg(0))
	}
	var reports []synth.Report
	for _, name := range strings.Split(*preset, ",") {
		o, ok := synth.Preset(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("bench fingerprint: unknown preset %q (easy, typical, hard)", name)
		}
		r, err := synth.Evaluate(ctx, synth.EvalOptions{Fingers: *fingers, Impressions: *impressions, Impression: o, Seed: *seed, Workers: *workers})
		if err != nil {
			return fmt.Errorf("bench fingerprint: %w", err)
		}
		reports = append(reports, r)
		if !*calibrate {
			fmt.Fprint(stdout, r.Markdown())
			fmt.Fprintf(stdout, "Match (Prepare both views, then Compare): %.0f µs per comparison on one core.\n\n", (2*r.PrepareNs+r.CompareNs)/1e3)
		}
	}
	if *calibrate {
		return printCalibration(stdout, reports)
	}
	return nil
}

// printCalibration prints, for FMR 10^-1 … 10^-5.5 in half decades, the
// highest similarity threshold any of the reports needs for it, as the
// table of fingerprint.calibrationTable.
func printCalibration(w io.Writer, reports []synth.Report) error {
	var fmrs []float64
	for k := 2; k <= 11; k++ {
		fmrs = append(fmrs, math.Pow(10, -float64(k)/2))
	}
	table := make([]float64, len(fmrs))
	for _, r := range reports {
		t, err := r.Calibration(fmrs)
		if err != nil {
			return fmt.Errorf("bench fingerprint: preset %s: %w", r.Options.Impression.Name, err)
		}
		for k := range t {
			table[k] = max(table[k], t[k])
		}
		fmt.Fprintf(w, "%s: %d impostor comparisons\n", r.Options.Impression.Name, len(r.ImpostorSimilarities))
	}
	// Strictly increasing, so that the interpolation has no flat steps.
	for k := 1; k < len(table); k++ {
		table[k] = max(table[k], table[k-1]+1e-6)
	}
	fmt.Fprint(w, "calibration table (similarity at FMR 10^-1 … 10^-5.5):\n{")
	for k, x := range table {
		if k > 0 {
			fmt.Fprint(w, ", ")
		}
		fmt.Fprintf(w, "%.6f", x)
	}
	fmt.Fprintln(w, "}")
	fmt.Fprintf(w, "(scores now: DefaultThreshold %.2f is FMR %.0e)\n", fingerprint.DefaultThreshold, fingerprint.FMRAt(fingerprint.DefaultThreshold))
	return nil
}
