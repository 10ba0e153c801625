package fingerprint

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// Consolidation parameters (docs/fingerprint.md). Distances in mm.
const (
	// simBase is the local similarity of two unrelated cylinders (two
	// disjoint sparse bit vectors score 1 − 1/√2 ≈ 0.29): only the excess
	// over it counts as evidence.
	simBase = 0.3
	// candFloor is the least local similarity of a candidate pair, and
	// candPerMinutia how many candidates each probe and each gallery
	// minutia keeps (its most similar partners).
	candFloor      = 0.33
	candPerMinutia = 3
	// The maxSeeds most similar candidate pairs are seeds. A seed needs
	// minSupport supporting candidates (itself included) within
	// supportRadius (mm) of it; the maxAlignments seeds with the most
	// support (summed similarity excess) root an alignment each.
	maxSeeds      = 30
	minSupport    = 3
	supportRadius = 6.0
	maxAlignments = 6
	// An alignment is refitted only when its first pairing weighs at least
	// refitShare of the best so far.
	refitShare = 0.8
	// A candidate supports a seed when its distance and angles relative to
	// the seed agree in both views: distances within seedTolDist
	// hundredths of a millimetre plus seedTolRel % of the distance,
	// relative directions within seedTolAngle 256ths of a turn (29.5°).
	seedTolDist  = 40
	seedTolRel   = 5
	seedTolAngle = 21
	// Pairing after alignment: a pair's weight is a kernel of its position
	// residual d (1 − d²/D², D = pairCut·(pairSigma + pairSigmaRel × the
	// distance from the alignment centre, for skin distortion)) times one
	// of its direction residual (1 − a²/A², A = pairCut·pairSigmaAngle),
	// times (pairPrior + the excess of local similarity over simBase),
	// times the quality weights of both minutiae.
	pairSigma      = 0.25
	pairSigmaRel   = 0.03
	pairSigmaAngle = 12 * math.Pi / 180
	pairCut        = 2.5
	pairPrior      = 0.1
	// maxWeight is the weight of a perfect pair of full-quality minutiae,
	// which normalises the similarity to 1 for identical views.
	maxWeight = pairPrior + 1 - simBase
	// minPaired: fewer pairs than this are no evidence at all; countFloor:
	// a view with a smaller effective count of minutiae (the sum of the
	// squared quality weights) counts as having this many when the weights
	// are normalised, so that small views cannot score high on a
	// handful of chance pairs.
	minPaired  = 5
	countFloor = 20
	// decoyShift (mm) moves the best alignment to estimate the weight that
	// chance pairs reach under it (about three ridge periods).
	decoyShift = 1.5
)

// Result is the outcome of comparing two finger views.
type Result struct {
	// Score is the calibrated score in [0, 1]: −log10(FMR)/8, where FMR is
	// the false match rate at which a comparison scoring this much would be
	// accepted, as measured on synthetic impostors (ThresholdFor,
	// docs/fingerprint.md). 0.5 is one false match in 10,000. Compare it
	// with DefaultThreshold (0.5376, FMR 5·10^-5), or use Matched.
	Score float64
	// Similarity is the uncalibrated similarity in [0, 1] that Score is
	// calibrated from (1 for identical views).
	Similarity float64
	// Paired is the number of minutiae paired one-to-one by the best
	// alignment.
	Paired int
	// ProbeMinutiae and GalleryMinutiae are the minutiae counts used.
	ProbeMinutiae, GalleryMinutiae int
	// Rotation (radians, counter-clockwise as seen on the image) and
	// TranslationX/Y (millimetres, image axes, Y down) map probe positions
	// onto gallery positions: g = R·p + T, with p and g in millimetres.
	Rotation                   float64
	TranslationX, TranslationY float64
	// Pairs lists the paired minutiae as indices into the views' Minutiae,
	// sorted by probe index.
	Pairs []Pair
}

// Pair is one probe minutia paired with one gallery minutia.
type Pair struct{ Probe, Gallery int }

// Matched reports whether r.Score reaches DefaultThreshold.
func (r Result) Matched() bool { return r.Score >= DefaultThreshold }

// Match compares a probe view with a gallery view 1:1: Prepare both, then
// Compare. A caller comparing one view with many should Prepare it once.
func Match(probe, gallery View) Result {
	return Prepare(gallery).Compare(Prepare(probe))
}

// Compare compares the probe template with t, the gallery template, and
// returns the calibrated Result. The method (docs/fingerprint.md):
//
//  1. Local similarity of every pair of valid cylinders with enough common
//     valid cells: 1 − ‖a⊕b‖/(‖a‖+‖b‖) over the common cells, ‖·‖ being
//     the square root of the bit count (the bit-based Minutia
//     Cylinder-Code).
//  2. Candidate pairs: each minutia's three most similar partners.
//  3. The 30 most similar candidates are seeds; each collects the
//     candidates within 6 mm whose distance and relative angles to it
//     agree in both views. The 6 seeds with the most such support root an
//     alignment each: a rigid transform fitted (least squares) to the
//     seed and its support, under which all minutiae are paired one to
//     one with weights for their position and direction residuals, their
//     local similarity and their quality weights; a promising alignment is
//     refitted on its pairs and paired again.
//  4. The best alignment's summed pair weights, less the mean weight of the
//     same alignment shifted by 1.5 mm in four directions (the chance
//     level), divided by the geometric mean of the effective minutiae
//     counts (each at least 20), is Similarity (0 with fewer than 5
//     pairs); Score is its calibration.
//
// Minutia qualities, relative to each view's median, weigh a minutia's
// part in its neighbours' cylinders and in its pairs (a minutia well below
// the median counts down to half); views without qualities weigh every
// minutia fully.
//
// No step depends on the absolute position or rotation of either view, so
// any rotation and translation is tolerated; the residual tolerance grows
// away from the alignment centre for skin distortion. Compare is
// deterministic, never panics (a nil template compares as empty), and is
// symmetric up to tie-breaking.
func (t *Template) Compare(probe *Template) Result {
	if t == nil || probe == nil {
		return Result{}
	}
	p, g := probe, t
	res := Result{ProbeMinutiae: len(p.pts), GalleryMinutiae: len(g.pts)}
	if p.nValid < 2 || g.nValid < 2 {
		return res
	}
	sim := make([]float32, len(p.pts)*len(g.pts))
	cands := localSimilarities(p, g, sim)
	a := align(p, g, cands, sim)
	if len(a.pairs) < minPaired {
		return res
	}
	np, ng := max(p.effCount, countFloor), max(g.effCount, countFloor)
	res.Similarity = min(1, max(0, (a.weight-a.chance)/(maxWeight*math.Sqrt(np*ng))))
	res.Score = calibrate(res.Similarity)
	res.Paired = len(a.pairs)
	// Report the transform in image axes (Y down): flipping Y keeps a
	// counter-clockwise rotation counter-clockwise as seen on the image.
	res.Rotation = wrap(a.tr.rot)
	res.TranslationX, res.TranslationY = a.tr.tx, -a.tr.ty
	res.Pairs = make([]Pair, len(a.pairs))
	for k, pr := range a.pairs {
		res.Pairs[k] = Pair{p.pts[pr.i].index, g.pts[pr.j].index}
	}
	slices.SortFunc(res.Pairs, func(a, b Pair) int { return cmp.Compare(a.Probe, b.Probe) })
	return res
}

// localSimilarities fills sim (probe-major, len(p.pts)×len(g.pts)) with
// the local similarity of every comparable pair of cylinders and returns
// the candidate pairs, most similar first: those at or above candFloor
// that are among the candPerMinutia most similar of their probe minutia or
// of their gallery minutia.
func localSimilarities(p, g *Template, sim []float32) []cand {
	np, ng := len(p.pts), len(g.pts)
	rows := make([]topK, np)
	cols := make([]topK, ng)
	w := p.words
	minCommon := int(math.Ceil(cylMinCommon * float64(p.nbits/cylSections)))
	cw := p.cellWords
	// A similarity at or below simBase is no evidence (its pair weight is
	// the prior alone, as for an incomparable pair): it is left at 0,
	// which spares the square root for most pairs. s > simBase ⇔
	// √nx < (1 − simBase)(ra + rb).
	const keep = (1 - simBase) * (1 - simBase)
	offer := func(i, j int, nx, ra, rb float64) {
		s := similarity(nx, ra, rb)
		sim[i*ng+j] = float32(s)
		if s >= candFloor {
			rows[i].add(float32(s), j)
			cols[j].add(float32(s), i)
		}
	}
	// Bits are set only in valid cells, so a's bits in b's valid cells
	// are a∧(b's mask), and when b is full, all of a's bits. Each of the
	// four combinations of full and partial cylinders has its own loop.
	for _, i := range p.validIdx {
		a := p.cyl[i*w : (i+1)*w]
		ra := p.rootPop[i]
		if p.full[i] {
			for _, j := range g.fullIdx {
				b := g.cyl[j*w : (j+1)*w]
				nx := 0
				for k := range a {
					nx += bits.OnesCount64(a[k] ^ b[k])
				}
				if rb := g.rootPop[j]; float64(nx) < keep*(ra+rb)*(ra+rb) {
					offer(i, j, float64(nx), ra, rb)
				}
			}
			for _, j := range g.partIdx {
				if g.validCells[j] < minCommon {
					continue
				}
				b := g.cyl[j*w : (j+1)*w]
				bm := g.mask[j*w : (j+1)*w]
				na, nx := 0, 0
				for k := range a {
					x := a[k] & bm[k]
					na += bits.OnesCount64(x)
					nx += bits.OnesCount64(x ^ b[k])
				}
				if ra, rb := math.Sqrt(float64(na)), g.rootPop[j]; float64(nx) < keep*(ra+rb)*(ra+rb) {
					offer(i, j, float64(nx), ra, rb)
				}
			}
			continue
		}
		am := p.mask[i*w : (i+1)*w]
		if p.validCells[i] >= minCommon {
			for _, j := range g.fullIdx {
				b := g.cyl[j*w : (j+1)*w]
				nb, nx := 0, 0
				for k := range a {
					y := b[k] & am[k]
					nb += bits.OnesCount64(y)
					nx += bits.OnesCount64(a[k] ^ y)
				}
				if rb := math.Sqrt(float64(nb)); float64(nx) < keep*(ra+rb)*(ra+rb) {
					offer(i, j, float64(nx), ra, rb)
				}
			}
		}
		ac := p.cellMask[i*cw : (i+1)*cw]
		for _, j := range g.partIdx {
			bc := g.cellMask[j*cw : (j+1)*cw]
			common := 0
			for k := range ac {
				common += bits.OnesCount64(ac[k] & bc[k])
			}
			if common < minCommon {
				continue
			}
			b := g.cyl[j*w : (j+1)*w]
			bm := g.mask[j*w : (j+1)*w]
			var na, nb, nx int
			for k := range a {
				x, y := a[k]&bm[k], b[k]&am[k]
				na += bits.OnesCount64(x)
				nb += bits.OnesCount64(y)
				nx += bits.OnesCount64(x ^ y)
			}
			if ra, rb := math.Sqrt(float64(na)), math.Sqrt(float64(nb)); float64(nx) < keep*(ra+rb)*(ra+rb) {
				offer(i, j, float64(nx), ra, rb)
			}
		}
	}
	// Candidates sorted by similarity (descending), then indices: as
	// packed keys, which sort fast.
	keys := make([]uint64, 0, 2*candPerMinutia*max(np, ng))
	key := func(s float32, i, j int) uint64 {
		return uint64(^math.Float32bits(s))<<32 | uint64(i)<<16 | uint64(j)
	}
	for i := range rows {
		for k := range rows[i].n {
			keys = append(keys, key(rows[i].s[k], i, int(rows[i].idx[k])))
		}
	}
	for j := range cols {
		for k := range cols[j].n {
			if i := int(cols[j].idx[k]); !rows[i].has(j) {
				keys = append(keys, key(cols[j].s[k], i, j))
			}
		}
	}
	slices.Sort(keys)
	cands := make([]cand, len(keys))
	for k, x := range keys {
		cands[k] = cand{int(x >> 16 & 0xffff), int(x & 0xffff), float64(math.Float32frombits(^uint32(x >> 32)))}
	}
	return cands
}

// similarity is the bit-based cylinder similarity 1 − √nx/(√na + √nb)
// from the Hamming distance nx and the roots of the bit counts (0 when both
// are empty).
func similarity(nx, ra, rb float64) float64 {
	if ra+rb == 0 {
		return 0
	}
	return 1 - math.Sqrt(nx)/(ra+rb)
}

// topK keeps the candPerMinutia most similar partners of one minutia.
type topK struct {
	n   int
	s   [candPerMinutia]float32
	idx [candPerMinutia]int32
}

// add offers partner idx with similarity s (ties keep the earlier one).
func (t *topK) add(s float32, idx int) {
	k := t.n
	if k == candPerMinutia {
		if s <= t.s[k-1] {
			return
		}
		k--
	} else {
		t.n++
	}
	for k > 0 && t.s[k-1] < s {
		t.s[k], t.idx[k] = t.s[k-1], t.idx[k-1]
		k--
	}
	t.s[k], t.idx[k] = s, int32(idx)
}

func (t *topK) has(idx int) bool {
	for k := range t.n {
		if int(t.idx[k]) == idx {
			return true
		}
	}
	return false
}

// cand is a candidate or accepted pair of template indices with a weight.
type cand struct {
	i, j int
	w    float64
}

// alignment is the best alignment found: its transform and centre, its
// pairs, their summed weight and the chance level (the mean summed weight
// of the decoys).
type alignment struct {
	tr     transform
	cx, cy float64
	pairs  []cand
	weight float64
	chance float64
}

// align runs steps 2–4 of Compare and measures the chance level of the
// best alignment.
func align(p, g *Template, cands []cand, sim []float32) alignment {
	np, ng := len(p.pts), len(g.pts)
	// Each seed's support: the candidates whose distance and relative
	// angles to it agree in both views.
	type seedSup struct {
		from, to int // its support in sups
		score    float64
	}
	var seeds []seedSup
	var sups []Pair
	// The candidates of each probe minutia i: byProbe[start[i]:start[i+1]].
	start := make([]int32, np+1)
	for _, c := range cands {
		start[c.i+1]++
	}
	for i := range np {
		start[i+1] += start[i]
	}
	byProbe := make([]int32, len(cands))
	fill := slices.Clone(start[:np])
	for k, c := range cands {
		byProbe[fill[c.i]] = int32(k)
		fill[c.i]++
	}
	for _, seed := range cands[:min(maxSeeds, len(cands))] {
		from := len(sups)
		sups = append(sups, Pair{seed.i, seed.j})
		score := seed.w - simBase
		pRow, gRow := p.geo[seed.i*np:(seed.i+1)*np], g.geo[seed.j*ng:(seed.j+1)*ng]
		for _, i := range p.near[seed.i] {
			pg := pRow[i]
			dp := int(pg.dist)
			tol := seedTolDist + dp*seedTolRel/100
			for _, k := range byProbe[start[i]:start[i+1]] {
				c := cands[k]
				gg := gRow[c.j]
				if c.j == seed.j || abs(dp-int(gg.dist)) > tol ||
					codeDiff(pg.dir, gg.dir) > seedTolAngle || codeDiff(pg.rad, gg.rad) > seedTolAngle {
					continue
				}
				sups = append(sups, Pair{c.i, c.j})
				score += c.w - simBase
			}
		}
		if len(sups)-from >= minSupport {
			seeds = append(seeds, seedSup{from, len(sups), score})
		} else {
			sups = sups[:from]
		}
	}
	slices.SortStableFunc(seeds, func(a, b seedSup) int { return cmp.Compare(b.score, a.score) })
	pr := pairer{p: p, g: g, sim: sim, takenBy: make([]int, ng)}
	var best alignment
	var sup []Pair
	// A seed that an earlier alignment already paired would only find that
	// alignment again.
	explained := make([]bool, np*ng)
	tried := 0
	for _, sd := range seeds {
		if tried == maxAlignments {
			break
		}
		seed := sups[sd.from]
		if explained[seed.Probe*ng+seed.Gallery] {
			continue
		}
		tried++
		tr, cx, cy := fit(p.pts, g.pts, sups[sd.from:sd.to])
		got := pr.pair(tr, cx, cy)
		if len(got) >= 3 && weight(got) >= refitShare*best.weight {
			sup = sup[:0]
			for _, c := range got {
				sup = append(sup, Pair{c.i, c.j})
			}
			tr, cx, cy = fit(p.pts, g.pts, sup)
			got = pr.pair(tr, cx, cy)
		}
		for _, c := range got {
			explained[c.i*ng+c.j] = true
		}
		if w := weight(got); w > best.weight {
			best = alignment{tr: tr, cx: cx, cy: cy, pairs: slices.Clone(got), weight: w}
		}
	}
	// The chance level: the same alignment shifted by decoyShift in four
	// directions breaks the true correspondences but keeps the ridge flows
	// of the two views aligned, which is what makes chance pairs likely.
	if best.pairs != nil {
		sum := 0.0
		for _, d := range [4][2]float64{{decoyShift, 0}, {-decoyShift, 0}, {0, decoyShift}, {0, -decoyShift}} {
			tr := best.tr
			tr.tx += d[0]
			tr.ty += d[1]
			sum += weight(pr.pair(tr, best.cx+d[0], best.cy+d[1]))
		}
		best.chance = sum / 4
	}
	return best
}

// weight sums the weights of pairs.
func weight(pairs []cand) float64 {
	w := 0.0
	for _, c := range pairs {
		w += c.w
	}
	return w
}

// pairer pairs minutiae under a transform; it keeps its buffers between
// calls.
type pairer struct {
	p, g    *Template
	sim     []float32
	takenBy []int // per gallery minutia: its index in out, or −1
	out     []cand
}

// pair maps the probe minutiae with tr and pairs them one-to-one with
// gallery minutiae: each probe minutia proposes its heaviest partner, and a
// gallery minutia proposed more than once keeps the heaviest proposal.
// (cx, cy) is the alignment centre in gallery coordinates. The result is
// valid until the next call.
func (r *pairer) pair(tr transform, cx, cy float64) []cand {
	ng := len(r.g.pts)
	const cutA = pairCut * pairSigmaAngle
	gr := &r.g.grid
	for j := range r.takenBy {
		r.takenBy[j] = -1
	}
	r.out = r.out[:0]
	for i, pt := range r.p.pts {
		x, y, a := tr.apply(pt)
		ex, ey := x-cx, y-cy
		sd := pairSigma + pairSigmaRel*math.Sqrt(ex*ex+ey*ey)
		cut := pairCut * sd
		cx0, cy0, cx1, cy1, ok := gr.cells(x, y, cut)
		if !ok {
			continue
		}
		bestJ, bestW := -1, 0.0
		for gy := cy0; gy <= cy1; gy++ {
			for gx := cx0; gx <= cx1; gx++ {
				c := gy*gr.nx + gx
				for _, jj := range gr.idx[gr.start[c]:gr.start[c+1]] {
					j := int(jj)
					gp := &r.g.pts[j]
					dx, dy := gp.x-x, gp.y-y
					d2 := dx*dx + dy*dy
					if d2 > cut*cut {
						continue
					}
					da := angDiff(a, gp.a)
					if da > cutA {
						continue
					}
					s := float64(r.sim[i*ng+j])
					w := (1 - d2/(cut*cut)) * (1 - da*da/(cutA*cutA)) * (pairPrior + max(0, s-simBase)) * pt.w * gp.w
					if w > bestW || w == bestW && j < bestJ {
						bestJ, bestW = j, w
					}
				}
			}
		}
		if bestJ < 0 {
			continue
		}
		if k := r.takenBy[bestJ]; k >= 0 {
			if r.out[k].w >= bestW {
				continue
			}
			r.out[k] = cand{i, bestJ, bestW}
			continue
		}
		r.takenBy[bestJ] = len(r.out)
		r.out = append(r.out, cand{i, bestJ, bestW})
	}
	return r.out
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
// pairs onto their gallery points (2-D Procrustes without scale) and the
// centroid of the gallery points. When the points cannot fix a rotation
// (one pair, or all at one place) the minutiae directions do.
func fit(probe, gallery []point, pairs []Pair) (transform, float64, float64) {
	var pcx, pcy, gcx, gcy, dirC, dirS float64
	for _, pr := range pairs {
		p, g := probe[pr.Probe], gallery[pr.Gallery]
		pcx += p.x
		pcy += p.y
		gcx += g.x
		gcy += g.y
		dirC += math.Cos(g.a - p.a)
		dirS += math.Sin(g.a - p.a)
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
	rot := math.Atan2(dirS, dirC)
	if sxx*sxx+sxy*sxy > 1e-6 {
		rot = math.Atan2(sxy, sxx)
	}
	c, s := math.Cos(rot), math.Sin(rot)
	return newTransform(rot, gcx-(c*pcx-s*pcy), gcy-(s*pcx+c*pcy)), gcx, gcy
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
