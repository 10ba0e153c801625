package extract

import (
	"math"
	"math/bits"

	"github.com/vneid/vneid/internal/fingerprint"
)

// False-minutia rules, in ridge periods (the local period, about 9.5 px at
// 500 ppi) unless stated.
const (
	dirLen        = 1.0  // skeleton length over which a direction is read
	traceLen      = 2.5  // longest skeleton trace
	spurLen       = 1.6  // an ending this close (along the skeleton) to a junction is a spur
	shortRidgeLen = 2.2  // two endings this close along the skeleton are a short ridge or dot
	bridgeLen     = 1.6  // two junctions this close along the skeleton are a bridge or a hole
	breakDist     = 1.6  // facing endings this close are a broken ridge
	clusterDist   = 0.7  // minutiae this close to each other are noise
	borderDist    = 1.6  // minutiae this close to the background are dropped
	minCoherence  = 0.25 // minutiae where the orientation is less coherent are dropped
	maxMinutiae   = 150  // most minutiae kept, best quality first
	endingShift   = 0.4  // ridge endings move this far past the skeleton end
)

// candidate is a minutia found on the skeleton, in image axes (Y down).
type candidate struct {
	x, y    float64
	typ     fingerprint.MinutiaType
	dir     float64 // direction, image axes: atan2(dy, dx) with Y down
	period  float64 // local ridge period
	quality int
	drop    bool
	reason  string // why it was dropped (tests and debugging)
}

// hit says what a skeleton trace ran into.
type hit int

const (
	hitNothing  hit = iota // the trace reached its length limit
	hitEnding              // an end point
	hitJunction            // a junction pixel
)

// skeletonGraph indexes the end points and junctions of a skeleton.
type skeletonGraph struct {
	b       bitmap
	ring    [8]int
	nb      []uint8 // neighbour count per bitmap index
	cluster []int32 // junction cluster id + 1 per bitmap index, 0 if none
	ending  []int32 // candidate index + 1 of an end point, 0 if none
	stamp   []int32 // visit marks for traces
	trace   int32
}

// traceResult is one walk along the skeleton.
type traceResult struct {
	kind   hit
	id     int     // cluster id (hitJunction) or ending pixel (hitEnding)
	length int     // pixels walked
	dx, dy float64 // vector from the start to the point dirLen periods along
}

// walk follows the skeleton from start (already marked visited together
// with whatever must not be re-entered), for at most maxLen pixels.
func (g *skeletonGraph) walk(ox, oy float64, start int, maxLen, dirPx int) traceResult {
	cur := start
	g.stamp[start] = g.trace
	res := traceResult{}
	for step := 1; ; step++ {
		x, y := g.b.xy(cur)
		if step <= dirPx {
			res.dx, res.dy = float64(x)-ox, float64(y)-oy
		}
		res.length = step
		if c := g.cluster[cur]; c != 0 {
			res.kind, res.id = hitJunction, int(c-1)
			return res
		}
		if step >= maxLen {
			return res
		}
		// Prefer a 4-neighbour: a diagonal step past it would leave it
		// behind as a side branch.
		next, diag := -1, true
		for k, o := range g.ring {
			n := cur + o
			if g.b.p[n] == 0 || g.stamp[n] == g.trace {
				continue
			}
			if next < 0 || diag && k%2 == 0 {
				next, diag = n, k%2 == 1
			}
		}
		if next < 0 {
			if g.nb[cur] == 1 {
				res.kind, res.id = hitEnding, cur
			}
			return res
		}
		g.stamp[next] = g.trace
		cur = next
	}
}

// detect finds the minutiae of a skeleton by crossing number, reads their
// directions, and removes the false ones.
func detect(skel bitmap, f *fields, dist []float32, periods plane) []candidate {
	g := &skeletonGraph{b: skel, ring: skel.ring()}
	n := len(skel.p)
	g.nb = make([]uint8, n)
	g.cluster = make([]int32, n)
	g.ending = make([]int32, n)
	g.stamp = make([]int32, n)
	var pixels []int
	for y := range skel.h {
		for x := range skel.w {
			i := skel.index(x, y)
			if skel.p[i] == 0 {
				continue
			}
			g.nb[i] = uint8(bits.OnesCount8(skel.code(i, &g.ring)))
			pixels = append(pixels, i)
		}
	}
	periodAt := func(x, y float64) float64 {
		return float64(periods.at((x+0.5)/freqBlock-0.5, (y+0.5)/freqBlock-0.5))
	}

	// Junction pixels (crossing number ≥ 3) grouped into clusters.
	var clusters [][]int
	for _, i := range pixels {
		c := skel.code(i, &g.ring)
		if transitions(c) < 3 || g.cluster[i] != 0 {
			continue
		}
		id := int32(len(clusters) + 1)
		g.cluster[i] = id
		group := []int{i}
		for k := 0; k < len(group); k++ {
			for _, o := range g.ring {
				m := group[k] + o
				if skel.p[m] != 0 && g.cluster[m] == 0 && transitions(skel.code(m, &g.ring)) >= 3 {
					g.cluster[m] = id
					group = append(group, m)
				}
			}
		}
		clusters = append(clusters, group)
	}

	var cands []candidate
	clusterCand := make([]int, len(clusters)) // candidate index, −1 if none
	newTrace := func() { g.trace++ }

	// Bifurcations: clusters with exactly three branches.
	branchesOf := make([][]traceResult, len(clusters))
	for ci, group := range clusters {
		clusterCand[ci] = -1
		cx, cy := 0.0, 0.0
		for _, i := range group {
			x, y := skel.xy(i)
			cx += float64(x)
			cy += float64(y)
		}
		cx /= float64(len(group))
		cy /= float64(len(group))
		per := periodAt(cx, cy)
		// Branch starts: skeleton neighbours of the cluster, grouped when
		// they touch each other.
		newTrace()
		for _, i := range group {
			g.stamp[i] = g.trace
		}
		var starts []int
		for _, i := range group {
			for _, o := range g.ring {
				m := i + o
				if skel.p[m] != 0 && g.cluster[m] == 0 && g.stamp[m] != g.trace {
					g.stamp[m] = g.trace
					starts = append(starts, m)
				}
			}
		}
		// Starts that share an edge belong to one branch (a thick spot);
		// starts that only touch diagonally are separate branches, as in
		// the crossing number. Each branch is walked from its pixel that
		// leads away from the junction.
		group4 := make([]int, len(starts))
		for si := range starts {
			group4[si] = si
			for ti := range si {
				if adjacent4(skel, starts[si], starts[ti]) {
					old := group4[si]
					for k := range si + 1 {
						if group4[k] == old {
							group4[k] = group4[ti]
						}
					}
				}
			}
		}
		var heads []int
		for si, s := range starts {
			if group4[si] != si {
				continue
			}
			head := s
			for ti, t := range starts {
				if group4[ti] != si {
					continue
				}
				for _, o := range g.ring {
					if m := t + o; skel.p[m] != 0 && g.stamp[m] != g.trace && g.cluster[m] == 0 {
						head = t
					}
				}
			}
			heads = append(heads, head)
		}
		if len(heads) != 3 {
			continue
		}
		var res []traceResult
		for _, h := range heads {
			newTrace()
			for _, i := range group {
				g.stamp[i] = g.trace
			}
			for _, s := range starts {
				g.stamp[s] = g.trace
			}
			r := g.walk(cx, cy, h, int(traceLen*per), int(math.Round(dirLen*per)))
			if r.kind == hitJunction && r.id == ci {
				r.length = 0 // a loop back to itself: a hole
			}
			res = append(res, r)
		}
		branchesOf[ci] = res
		clusterCand[ci] = len(cands)
		cands = append(cands, candidate{x: cx, y: cy, typ: fingerprint.TypeBifurcation, dir: forkDirection(res), period: per})
	}

	// Endings: pixels with a single neighbour.
	type endTrace struct {
		cand int
		res  traceResult
	}
	var ends []endTrace
	for _, i := range pixels {
		if g.nb[i] != 1 {
			continue
		}
		x, y := skel.xy(i)
		per := periodAt(float64(x), float64(y))
		newTrace()
		g.stamp[i] = g.trace
		var start int
		for _, o := range g.ring {
			if skel.p[i+o] != 0 {
				start = i + o
			}
		}
		r := g.walk(float64(x), float64(y), start, int(traceLen*per), int(math.Round(dirLen*per)))
		g.ending[i] = int32(len(cands) + 1)
		ends = append(ends, endTrace{len(cands), r})
		cands = append(cands, candidate{x: float64(x), y: float64(y), typ: fingerprint.TypeEnding, dir: math.Atan2(r.dy, r.dx), period: per})
	}

	drop := func(i int, why string) {
		if i >= 0 && !cands[i].drop {
			cands[i].drop, cands[i].reason = true, why
		}
	}
	// Spurs and short ridges.
	for _, e := range ends {
		per := cands[e.cand].period
		switch {
		case e.res.kind == hitJunction && float64(e.res.length) <= spurLen*per:
			drop(e.cand, "spur")
			drop(clusterCand[e.res.id], "spur")
		case e.res.kind == hitEnding && float64(e.res.length) <= shortRidgeLen*per:
			drop(e.cand, "short ridge")
			drop(int(g.ending[e.res.id])-1, "short ridge")
		case e.res.length < 3:
			drop(e.cand, "isolated")
		}
	}
	// Bridges and holes.
	for ci, res := range branchesOf {
		for _, r := range res {
			if r.kind == hitJunction && float64(r.length) <= bridgeLen*cands[clusterCand[ci]].period {
				drop(clusterCand[ci], "bridge")
				if r.id != ci {
					drop(clusterCand[r.id], "bridge")
				}
			}
		}
	}

	// Snap directions to the orientation field where it is reliable, then
	// apply the geometric rules on the survivors.
	for i := range cands {
		c := &cands[i]
		xi, yi := int(c.x), int(c.y)
		j := min(max(yi, 0), f.h-1)*f.w + min(max(xi, 0), f.w-1)
		coh := float64(f.coh.p[j])
		if coh >= 0.4 {
			t := float64(f.orient.p[j])
			if math.Abs(wrapPi(t-c.dir)) > math.Pi/2 {
				t += math.Pi
			}
			c.dir = wrapPi(t)
		}
		if c.typ == fingerprint.TypeEnding {
			// ISO/IEC 19794-2 places a ridge ending where the valley
			// forks, beyond the ridge's tip; the skeleton end point lies
			// short of the tip. Move back by endingShift periods.
			c.x -= endingShift * c.period * math.Cos(c.dir)
			c.y -= endingShift * c.period * math.Sin(c.dir)
			c.x = min(max(c.x, 0), float64(f.w-1))
			c.y = min(max(c.y, 0), float64(f.h-1))
		}
		c.quality = int(math.Round(100 * min(1, max(0, (coh-0.15)/0.6))))
		c.quality = max(1, c.quality)
		switch {
		case float64(dist[j]) < borderDist*c.period:
			drop(i, "border")
		case coh < minCoherence:
			drop(i, "low coherence")
		}
	}
	// Broken ridges: two endings facing each other across a short gap.
	for i := range cands {
		a := &cands[i]
		if a.drop || a.typ != fingerprint.TypeEnding {
			continue
		}
		for j := i + 1; j < len(cands); j++ {
			b := &cands[j]
			if b.drop || b.typ != fingerprint.TypeEnding {
				continue
			}
			dx, dy := b.x-a.x, b.y-a.y
			d := math.Hypot(dx, dy)
			if d > breakDist*a.period {
				continue
			}
			gap := math.Atan2(dy, dx)
			// a points into its ridge, away from the gap; b likewise.
			if math.Abs(wrapPi(a.dir-b.dir-math.Pi)) < math.Pi/4 && (d < 0.5*a.period || math.Abs(wrapPi(a.dir+math.Pi-gap)) < math.Pi/4) {
				drop(i, "broken ridge")
				drop(j, "broken ridge")
			}
		}
	}
	// Clusters of close minutiae.
	close := make([]bool, len(cands))
	for i := range cands {
		if cands[i].drop {
			continue
		}
		for j := i + 1; j < len(cands); j++ {
			if cands[j].drop {
				continue
			}
			if math.Hypot(cands[j].x-cands[i].x, cands[j].y-cands[i].y) < clusterDist*cands[i].period {
				close[i], close[j] = true, true
			}
		}
	}
	for i, c := range close {
		if c {
			drop(i, "cluster")
		}
	}
	return cands
}

// forkDirection returns the direction of a bifurcation from its three
// branch vectors: the bisector of the two branches closest in angle (the
// fork), pointing away from the third (the stem), as ISO/IEC 19794-2 and
// ANSI/INCITS 378 place it — along the valley between the two forks.
func forkDirection(res []traceResult) float64 {
	best, bi, bj := math.Inf(1), 0, 1
	for i := range res {
		for j := i + 1; j < len(res); j++ {
			d := math.Abs(wrapPi(math.Atan2(res[i].dy, res[i].dx) - math.Atan2(res[j].dy, res[j].dx)))
			if d < best {
				best, bi, bj = d, i, j
			}
		}
	}
	ui := unit(res[bi].dx, res[bi].dy)
	uj := unit(res[bj].dx, res[bj].dy)
	return math.Atan2(ui[1]+uj[1], ui[0]+uj[0])
}

func unit(x, y float64) [2]float64 {
	d := math.Hypot(x, y)
	if d == 0 {
		return [2]float64{}
	}
	return [2]float64{x / d, y / d}
}

// adjacent4 reports whether two bitmap indices share an edge.
func adjacent4(b bitmap, i, j int) bool {
	d := i - j
	return d == 1 || d == -1 || d == b.stride || d == -b.stride
}

// wrapPi reduces an angle to (−π, π].
func wrapPi(a float64) float64 {
	a = math.Mod(a, 2*math.Pi)
	if a > math.Pi {
		a -= 2 * math.Pi
	} else if a <= -math.Pi {
		a += 2 * math.Pi
	}
	return a
}
