package fingerprint

import (
	"cmp"
	"math"
	"slices"
)

// DefaultThreshold is the decision threshold for Result.Score: two views at
// or above it are taken to be the same finger. For two 40-minutia templates
// it means about 18 minutiae paired with neighbourhood support. It was set
// on synthetic templates only (see TestScoreDistributions): over 2,000
// seeded pairs each, synthetic impostors scored at most 0.16 (95th
// percentile 0.05) and synthetic genuine pairs at least 0.56. It has not been calibrated on real fingerprints (FVC
// or field data), whose genuine scores will be lower; do that before
// relying on its false match rate.
const DefaultThreshold = 0.2

// Matcher parameters. Distances are in millimetres, angles in radians.
const (
	neighbours     = 8    // k nearest neighbours in a local descriptor
	nbTolDist      = 0.5  // descriptor distance tolerance at 0 mm …
	nbTolDistRel   = 0.06 // … plus this fraction of the neighbour distance
	nbTolAlpha     = 24 * math.Pi / 180
	nbTolBeta      = 30 * math.Pi / 180
	minNbMatched   = 2   // matched neighbours for a candidate pair
	maxSeeds       = 30  // candidate pairs tried as alignment seeds
	pairTolDist    = 0.8 // final pairing tolerance after alignment
	pairTolAngle   = 30 * math.Pi / 180
	fullScorePairs = 12 // pairs below this scale the score down linearly
	minSupport     = 3  // paired neighbours a pair needs to count
)

// Result is the outcome of comparing two finger views.
type Result struct {
	// Score is in [0, 1]: (paired/probe)·(paired/gallery), scaled down
	// linearly when fewer than 12 minutiae pair. Compare it with
	// DefaultThreshold, or use Matched.
	Score float64
	// Paired is the number of minutiae paired one-to-one after alignment.
	Paired int
	// ProbeMinutiae and GalleryMinutiae are the minutiae counts used.
	ProbeMinutiae, GalleryMinutiae int
	// Rotation (radians, counter-clockwise as seen on the image) and
	// TranslationX/Y (millimetres, image axes, Y down) map probe positions
	// onto gallery positions: g = R·p + T, with p and g in millimetres.
	Rotation                   float64
	TranslationX, TranslationY float64
	// Pairs lists the paired minutiae as indices into the views' Minutiae.
	Pairs []Pair
}

// Pair is one probe minutia paired with one gallery minutia.
type Pair struct{ Probe, Gallery int }

// Matched reports whether r.Score reaches DefaultThreshold.
func (r Result) Matched() bool { return r.Score >= DefaultThreshold }

// point is a minutia in millimetres, in mathematical axes (Y up), with its
// direction counter-clockwise from +X — the same direction ISO records give
// for a Y-down image.
type point struct {
	x, y, a float64
	index   int // index in View.Minutiae
}

// edge is one neighbour in a local descriptor, in the centre minutia's frame.
type edge struct {
	d     float64 // distance, mm
	alpha float64 // direction to the neighbour relative to the centre's direction
	beta  float64 // neighbour direction relative to the centre's direction
	to    int     // neighbour index in the template
}

type template struct {
	pts  []point
	desc [][]edge
}

func newTemplate(v View) template {
	rx, ry := float64(v.ResolutionX), float64(v.ResolutionY)
	if rx <= 0 {
		rx = DefaultResolution
	}
	if ry <= 0 {
		ry = DefaultResolution
	}
	var t template
	for i, m := range v.Minutiae {
		if len(t.pts) == MaxMinutiae {
			break
		}
		if math.IsNaN(m.Angle) || math.IsInf(m.Angle, 0) {
			continue
		}
		t.pts = append(t.pts, point{x: float64(m.X) * 10 / rx, y: -float64(m.Y) * 10 / ry, a: wrap(m.Angle), index: i})
	}
	n := len(t.pts)
	t.desc = make([][]edge, n)
	all := make([]edge, 0, n)
	for i, p := range t.pts {
		all = all[:0]
		for j, q := range t.pts {
			if i == j {
				continue
			}
			dx, dy := q.x-p.x, q.y-p.y
			all = append(all, edge{d: math.Hypot(dx, dy), alpha: wrap(math.Atan2(dy, dx) - p.a), beta: wrap(q.a - p.a), to: j})
		}
		slices.SortFunc(all, func(a, b edge) int {
			return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.to, b.to))
		})
		t.desc[i] = slices.Clone(all[:min(neighbours, len(all))])
	}
	return t
}

// wrap reduces an angle to (-π, π]. Angles within a few turns of the range
// (all the matcher produces) take the cheap path.
func wrap(a float64) float64 {
	if a > -math.Pi && a <= math.Pi {
		return a
	}
	if a > -3*math.Pi && a <= 3*math.Pi {
		if a > math.Pi {
			return a - 2*math.Pi
		}
		return a + 2*math.Pi
	}
	a = math.Mod(a, 2*math.Pi)
	if a > math.Pi {
		a -= 2 * math.Pi
	} else if a <= -math.Pi {
		a += 2 * math.Pi
	}
	return a
}

func angDiff(a, b float64) float64 { return math.Abs(wrap(a - b)) }

type candidate struct {
	p, q int
	sim  float64
}

// similarity compares the local descriptors of probe minutia p and gallery
// minutia q: each probe neighbour is matched to the closest unused gallery
// neighbour within tolerance. It returns the similarity in [0, 1], the
// number of matched neighbours and, if into is non-nil, the matched
// neighbour pairs appended to it.
func similarity(pd, qd []edge, into []Pair) (float64, int, []Pair) {
	var used uint64
	sum, count := 0.0, 0
	for _, a := range pd {
		tolD := nbTolDist + nbTolDistRel*a.d
		best, bestCost := -1, 1.0
		for j, b := range qd {
			if used&(1<<j) != 0 {
				continue
			}
			if b.d > a.d+tolD {
				break // neighbours are sorted by distance
			}
			dd := math.Abs(a.d - b.d)
			if dd > tolD {
				continue
			}
			da := angDiff(a.alpha, b.alpha)
			if da > nbTolAlpha {
				continue
			}
			db := angDiff(a.beta, b.beta)
			if db > nbTolBeta {
				continue
			}
			if c := (dd/tolD + da/nbTolAlpha + db/nbTolBeta) / 3; c < bestCost {
				best, bestCost = j, c
			}
		}
		if best >= 0 {
			used |= 1 << best
			sum += 1 - bestCost
			count++
			if into != nil {
				into = append(into, Pair{a.to, qd[best].to})
			}
		}
	}
	k := max(len(pd), len(qd))
	if k == 0 {
		return 0, 0, into
	}
	return sum / float64(k), count, into
}

// transform maps probe millimetre coordinates onto gallery ones.
type transform struct{ cos, sin, rot, tx, ty float64 }

func newTransform(rot, tx, ty float64) transform {
	return transform{cos: math.Cos(rot), sin: math.Sin(rot), rot: rot, tx: tx, ty: ty}
}

func (t transform) apply(p point) (x, y, a float64) {
	return t.cos*p.x - t.sin*p.y + t.tx, t.sin*p.x + t.cos*p.y + t.ty, p.a + t.rot
}

// fit returns the least-squares rigid transform taking the probe points of
// pairs onto their gallery points (2-D Procrustes without scale). With
// fewer than two pairs it returns fallback.
func fit(probe, gallery []point, pairs []Pair, fallback transform) transform {
	if len(pairs) < 2 {
		return fallback
	}
	var pcx, pcy, gcx, gcy float64
	for _, pr := range pairs {
		pcx += probe[pr.Probe].x
		pcy += probe[pr.Probe].y
		gcx += gallery[pr.Gallery].x
		gcy += gallery[pr.Gallery].y
	}
	n := float64(len(pairs))
	pcx, pcy, gcx, gcy = pcx/n, pcy/n, gcx/n, gcy/n
	var sxx, sxy float64
	for _, pr := range pairs {
		px, py := probe[pr.Probe].x-pcx, probe[pr.Probe].y-pcy
		gx, gy := gallery[pr.Gallery].x-gcx, gallery[pr.Gallery].y-gcy
		sxx += px*gx + py*gy
		sxy += px*gy - py*gx
	}
	if sxx == 0 && sxy == 0 {
		return fallback
	}
	rot := math.Atan2(sxy, sxx)
	c, s := math.Cos(rot), math.Sin(rot)
	return newTransform(rot, gcx-(c*pcx-s*pcy), gcy-(s*pcx+c*pcy))
}

type pairCost struct {
	Pair
	cost float64
}

// pairUp aligns probe onto gallery with t and pairs minutiae one-to-one,
// closest first, within the distance and angle tolerances. buf is reused.
func pairUp(probe, gallery []point, t transform, tolD, tolA float64, buf []pairCost) ([]Pair, []pairCost) {
	buf = buf[:0]
	tol2 := tolD * tolD
	for i, p := range probe {
		x, y, a := t.apply(p)
		for j, g := range gallery {
			dx, dy := g.x-x, g.y-y
			d2 := dx*dx + dy*dy
			if d2 > tol2 {
				continue
			}
			da := angDiff(a, g.a)
			if da > tolA {
				continue
			}
			buf = append(buf, pairCost{Pair{i, j}, math.Sqrt(d2)/tolD + da/tolA})
		}
	}
	slices.SortFunc(buf, func(a, b pairCost) int {
		return cmp.Or(cmp.Compare(a.cost, b.cost), cmp.Compare(a.Probe, b.Probe), cmp.Compare(a.Gallery, b.Gallery))
	})
	usedP := make([]bool, len(probe))
	usedG := make([]bool, len(gallery))
	var out []Pair
	for _, c := range buf {
		if usedP[c.Probe] || usedG[c.Gallery] {
			continue
		}
		usedP[c.Probe], usedG[c.Gallery] = true, true
		out = append(out, c.Pair)
	}
	return out, buf
}

// Match compares a probe view with a gallery view 1:1 and returns a score in
// [0, 1]; see DefaultThreshold. Coordinates are converted to millimetres
// with each view's resolution, so views scanned at different resolutions
// compare correctly. The method:
//
//  1. For every minutia, a local descriptor: its 8 nearest neighbours as
//     (distance, direction to the neighbour, neighbour direction), all
//     relative to the minutia's own position and direction, so invariant to
//     rotation and translation.
//  2. Candidate pairs: probe/gallery minutiae whose descriptors share at
//     least two neighbours within tolerance, ranked by similarity.
//  3. For each of the 30 best candidates, a rigid transform fitted (least
//     squares) to the candidate and its matched neighbours, refined twice by
//     re-pairing all minutiae and refitting; minutiae are then paired
//     one-to-one within 0.8 mm and 30°, and a pair counts only if at least 3
//     of its descriptor neighbours are paired with each other too. The
//     transform with the most such pairs wins.
//
// Minutia types are ignored (extractors often disagree on them). Match is
// deterministic, never panics, ignores minutiae with non-finite angles and
// uses at most 255 minutiae of each view; it costs O(n²) for n minutiae.
func Match(probe, gallery View) Result {
	pt, gt := newTemplate(probe), newTemplate(gallery)
	res := Result{ProbeMinutiae: len(pt.pts), GalleryMinutiae: len(gt.pts)}
	if len(pt.pts) < 2 || len(gt.pts) < 2 {
		return res
	}
	var cands []candidate
	for i := range pt.pts {
		for j := range gt.pts {
			if s, n, _ := similarity(pt.desc[i], gt.desc[j], nil); n >= minNbMatched {
				cands = append(cands, candidate{i, j, s})
			}
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.sim, a.sim), cmp.Compare(a.p, b.p), cmp.Compare(a.q, b.q))
	})
	var (
		best      []Pair
		bestT     transform
		bestCost  = math.Inf(1)
		buf       []pairCost
		seedPairs []Pair
	)
	for _, c := range cands[:min(maxSeeds, len(cands))] {
		p, g := pt.pts[c.p], gt.pts[c.q]
		rot := wrap(g.a - p.a)
		t0 := newTransform(rot, 0, 0)
		x, y, _ := t0.apply(p)
		t0 = newTransform(rot, g.x-x, g.y-y)
		seedPairs = append(seedPairs[:0], Pair{c.p, c.q})
		_, _, seedPairs = similarity(pt.desc[c.p], gt.desc[c.q], seedPairs)
		t := fit(pt.pts, gt.pts, seedPairs, t0)
		var pairs []Pair
		for _, tol := range [...]struct{ d, a float64 }{{1.5, 40 * math.Pi / 180}, {1.0, 35 * math.Pi / 180}} {
			pairs, buf = pairUp(pt.pts, gt.pts, t, tol.d, tol.a, buf)
			t = fit(pt.pts, gt.pts, pairs, t)
		}
		pairs, buf = pairUp(pt.pts, gt.pts, t, pairTolDist, pairTolAngle, buf)
		pairs = supported(pt, gt, pairs)
		cost := residual(pt.pts, gt.pts, t, pairs)
		if len(pairs) > len(best) || (len(pairs) == len(best) && cost < bestCost) {
			best, bestT, bestCost = pairs, t, cost
		}
	}
	res.Paired = len(best)
	n := float64(res.Paired)
	res.Score = n * n / (float64(res.ProbeMinutiae) * float64(res.GalleryMinutiae))
	if res.Paired < fullScorePairs {
		res.Score *= n / fullScorePairs
	}
	res.Score = min(1, max(0, res.Score))
	// Report the transform in image axes (Y down): flipping Y keeps a
	// counter-clockwise rotation counter-clockwise as seen on the image.
	res.Rotation = wrap(bestT.rot)
	res.TranslationX, res.TranslationY = bestT.tx, -bestT.ty
	for _, pr := range best {
		res.Pairs = append(res.Pairs, Pair{pt.pts[pr.Probe].index, gt.pts[pr.Gallery].index})
	}
	slices.SortFunc(res.Pairs, func(a, b Pair) int { return cmp.Compare(a.Probe, b.Probe) })
	return res
}

// residual is the summed pairing cost, used to break ties between seeds.
func residual(probe, gallery []point, t transform, pairs []Pair) float64 {
	s := 0.0
	for _, pr := range pairs {
		x, y, a := t.apply(probe[pr.Probe])
		g := gallery[pr.Gallery]
		s += math.Hypot(g.x-x, g.y-y)/pairTolDist + angDiff(a, g.a)/pairTolAngle
	}
	return s
}

// supported keeps the pairs whose neighbourhoods agree: at least
// minSupport of the probe minutia's descriptor neighbours are themselves
// paired with one of the gallery minutia's descriptor neighbours. Pairs that
// an alignment lines up by chance rarely have such support.
func supported(pt, gt template, pairs []Pair) []Pair {
	partner := make([]int, len(pt.pts))
	for i := range partner {
		partner[i] = -1
	}
	for _, pr := range pairs {
		partner[pr.Probe] = pr.Gallery
	}
	out := pairs[:0:0]
	for _, pr := range pairs {
		n := 0
		for _, e := range pt.desc[pr.Probe] {
			v := partner[e.to]
			if v < 0 {
				continue
			}
			if slices.ContainsFunc(gt.desc[pr.Gallery], func(f edge) bool { return f.to == v }) {
				n++
			}
		}
		if n >= minSupport {
			out = append(out, pr)
		}
	}
	return out
}
