// Package extract finds the minutiae of a fingerprint image and returns
// them as a fingerprint.View ready for fingerprint.Match, so that a desk
// capture delivered as an image (PNG, JPEG, or WSQ decoded elsewhere) can be
// compared with an ISO/IEC 19794-2 template.
//
// # Pipeline
//
// All lengths are for 500 ppi (197 pixels/cm); images at other resolutions
// are resampled to 500 ppi first and the minutiae mapped back.
//
//  1. Normalisation: each pixel minus the mean of a 25×25 window, divided
//     by the window's standard deviation (plus 4 grey levels), negated so
//     that ridges are positive.
//  2. Orientation: the gradient structure tensor of the (σ = 1 smoothed)
//     normalised image, averaged over 15×15 pixels and smoothed again
//     (σ ≈ 6 px) in the doubled-angle domain; the ridge direction is
//     perpendicular to the dominant gradient, and the coherence
//     |(Gxx−Gyy, 2Gxy)|/(Gxx+Gyy) (0 for noise, 1 for straight parallel
//     ridges) measures how reliable it is.
//  3. Segmentation: 8×8 blocks are foreground when their grey-level
//     standard deviation exceeds 20 % of the image's 95th percentile and
//     the coherence exceeds 0.3, or the deviation exceeds 45 % and the
//     coherence 0.2; the block mask is closed, reduced to its largest
//     region, its holes filled, opened, and rounded at pixel level.
//  4. Ridge period: for 16×16 blocks, the autocorrelation of the oriented
//     "x-signature" (Hong, Wan and Jain) — the image averaged along the
//     ridges, 41 px across them; blocks without a clear peak in 5.5–15 px
//     take their neighbours' value.
//  5. Enhancement: every foreground pixel is filtered with an even,
//     zero-mean Gabor kernel tuned to the local orientation (24 steps) and
//     period (0.5 px steps), σ = 0.45 period across and 0.55 period along
//     the ridges.
//  6. Binarisation (positive response = ridge) and removal of ridge specks
//     and valley holes under 40 px.
//  7. Thinning: Zhang–Suen, then removal of the staircase pixels it leaves
//     so that every skeleton pixel has exactly two neighbours except end
//     points and junctions.
//  8. Detection by crossing number: end points (1) are ridge endings,
//     junction clusters (≥ 3) with exactly three branches are
//     bifurcations.
//  9. Direction, per ISO/IEC 19794-2 and ANSI/INCITS 378 (see
//     fingerprint.Minutia): a ridge ending points along its ridge, away
//     from the end; a bifurcation points along the valley between its two
//     forks, away from the stem. Read over one ridge period of skeleton,
//     then snapped to the orientation field where the coherence is ≥ 0.4.
//     Angles are in radians, counter-clockwise from +X as seen on the image.
//     Bifurcations sit at the fork of the ridge skeleton; ridge endings are
//     moved 0.4 period past the skeleton's end, where the valley forks.
//  10. False minutiae are removed: spurs (an ending within 1.6 periods of
//     a junction along the skeleton, removed with it), short ridges and
//     dots (two endings within 2.2 periods), bridges and holes (two
//     junctions within 1.6 periods), broken ridges (facing endings within
//     1.6 periods), clusters (minutiae within 0.7 periods of another),
//     minutiae within 1.6 periods of the background or the image edge and
//     minutiae where the coherence is below 0.25. At most 150 are kept,
//     best quality first.
//
// Minutia quality is the local coherence mapped to 1–100; the view quality
// combines the mean foreground coherence with the foreground area (full
// marks from 1.5 cm²). Neither is an NFIQ score.
//
// docs/fingerprint-images.md has the measured accuracy and speed, and the
// limits: the pipeline has been tuned on synthetic images (package ridge)
// only, and it does no liveness or spoof detection.
package extract

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/vneid/vneid/internal/fingerprint"
)

// Errors. Every error returned by Minutiae and Decode wraps one of these.
var (
	// ErrImageSize: the image is smaller than MinSide or larger than
	// MaxSide in width or height (or nil).
	ErrImageSize = errors.New("fingerprint image size out of range")
	// ErrResolution: the resolution is outside MinResolution–MaxResolution.
	ErrResolution = errors.New("fingerprint image resolution out of range")
	// ErrNoFinger: no ridge area, or less than a quarter of MinArea, was
	// found (a blank, flat or pure noise image).
	ErrNoFinger = errors.New("no finger in image")
	// ErrLowQuality: a finger was found but too little of it, or too few
	// reliable minutiae, to compare; capture again.
	ErrLowQuality = errors.New("fingerprint image quality too low")
	// ErrFormat: Decode does not recognise the image format.
	ErrFormat = errors.New("unsupported fingerprint image format")
)

// Limits.
const (
	// MinSide and MaxSide bound the image width and height in pixels.
	MinSide = 150
	MaxSide = 2000
	// MinResolution and MaxResolution bound the resolution in pixels per
	// centimetre (about 250 to 1000 ppi).
	MinResolution = 98
	MaxResolution = 394
	// MinMinutiae is the fewest minutiae Minutiae returns without
	// ErrLowQuality.
	MinMinutiae = 8
	// MinArea is the smallest foreground area, in cm², Minutiae accepts.
	MinArea = 0.5
	// fullArea is the foreground area, in cm², that earns full marks in
	// the view quality.
	fullArea = 1.5
)

// speckArea is the area, in pixels at 500 ppi, below which ridge specks
// and valley holes are removed.
const speckArea = 40

// result is everything the pipeline computed, for tests.
type result struct {
	scale    float64 // working pixels per input pixel
	fields   *fields
	mask     []bool
	periods  plane
	median   float64
	enhanced plane
	skeleton bitmap
	cands    []candidate
	area     float64 // foreground area, cm²
	quality  int
}

// Minutiae extracts the minutiae of a fingerprint image scanned at ppcm
// pixels per centimetre (0 means fingerprint.DefaultResolution, 197 ≈ 500
// ppi). Ridges must be dark on a light background, as scanners deliver
// them. The View has the minutiae (in input pixel coordinates), a quality
// and the resolution set; position, view number and impression type are
// left 0 for the caller to fill. Errors wrap ErrImageSize, ErrResolution,
// ErrNoFinger or ErrLowQuality. Minutiae does not keep img.
func Minutiae(img image.Image, ppcm int) (fingerprint.View, error) {
	if ppcm == 0 {
		ppcm = fingerprint.DefaultResolution
	}
	r, err := run(img, ppcm)
	if err != nil {
		return fingerprint.View{}, err
	}
	b := img.Bounds()
	v := fingerprint.View{Quality: r.quality, ResolutionX: ppcm, ResolutionY: ppcm}
	var kept []candidate
	for _, c := range r.cands {
		if !c.drop {
			kept = append(kept, c)
		}
	}
	if len(kept) > maxMinutiae {
		slices.SortStableFunc(kept, func(a, b candidate) int { return b.quality - a.quality })
		kept = kept[:maxMinutiae]
	}
	for _, c := range kept {
		x := int(math.Round((c.x+0.5)/r.scale - 0.5))
		y := int(math.Round((c.y+0.5)/r.scale - 0.5))
		a := math.Mod(-c.dir, 2*math.Pi)
		if a < 0 {
			a += 2 * math.Pi
		}
		if a >= 2*math.Pi {
			a = 0
		}
		v.Minutiae = append(v.Minutiae, fingerprint.Minutia{
			Type:    c.typ,
			X:       min(max(x, 0), b.Dx()-1),
			Y:       min(max(y, 0), b.Dy()-1),
			Angle:   a,
			Quality: c.quality,
		})
	}
	if len(v.Minutiae) < MinMinutiae {
		return fingerprint.View{}, fmt.Errorf("extract minutiae: %d reliable minutiae, need %d: %w", len(v.Minutiae), MinMinutiae, ErrLowQuality)
	}
	return v, nil
}

// run checks the input and runs the pipeline.
func run(img image.Image, ppcm int) (*result, error) {
	if img == nil {
		return nil, fmt.Errorf("extract minutiae: no image: %w", ErrImageSize)
	}
	b := img.Bounds()
	if b.Dx() < MinSide || b.Dy() < MinSide || b.Dx() > MaxSide || b.Dy() > MaxSide {
		return nil, fmt.Errorf("extract minutiae: %d×%d pixels, want %d–%d on each side: %w", b.Dx(), b.Dy(), MinSide, MaxSide, ErrImageSize)
	}
	if ppcm < MinResolution || ppcm > MaxResolution {
		return nil, fmt.Errorf("extract minutiae: %d pixels/cm, want %d–%d: %w", ppcm, MinResolution, MaxResolution, ErrResolution)
	}
	r := &result{scale: 1}
	g := grayPlane(img)
	if s := float64(fingerprint.DefaultResolution) / float64(ppcm); math.Abs(s-1) > 0.03 {
		w, h := int(math.Round(float64(g.w)*s)), int(math.Round(float64(g.h)*s))
		g = resample(g, w, h)
		r.scale = float64(w) / float64(b.Dx())
	}
	r.fields = analyse(g)
	r.mask = segment(r.fields)
	fg := 0
	cohSum := 0.0
	for i, v := range r.mask {
		if v {
			fg++
			cohSum += float64(r.fields.coh.p[i])
		}
	}
	const px2 = float64(fingerprint.DefaultResolution * fingerprint.DefaultResolution)
	r.area = float64(fg) / px2
	if r.area < MinArea/4 {
		// A few coherent-looking blocks in noise or on a smudge.
		return nil, fmt.Errorf("extract minutiae: no ridge area (%.2f cm²): %w", r.area, ErrNoFinger)
	}
	if r.area < MinArea {
		return nil, fmt.Errorf("extract minutiae: ridge area %.2f cm², need %.1f: %w", r.area, MinArea, ErrLowQuality)
	}
	meanCoh := cohSum / float64(fg)
	r.quality = int(math.Round(100 * min(1, max(0, (meanCoh-0.15)/0.6)) * min(1, r.area/fullArea)))

	r.periods, r.median = periodMap(r.fields, r.mask)
	r.enhanced = enhance(r.fields, r.mask, r.periods)
	r.skeleton = binarise(r.enhanced, r.mask)
	removeSpecks(r.skeleton, speckArea)
	thin(r.skeleton)
	dist := borderDistance(r.mask, g.w, g.h)
	r.cands = detect(r.skeleton, r.fields, dist, r.periods)
	return r, nil
}
