package fingerprint

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// Cylinder parameters of the Minutia Cylinder-Code (Cappelli, Ferrara and
// Maltoni, 2010), converted from the paper's pixels at 500 ppi to
// millimetres. See docs/fingerprint.md.
// Cylinder parameters of the Minutia Cylinder-Code (Cappelli, Ferrara and
// Maltoni, 2010), as published for 500 ppi images, converted from pixels to
// millimetres. See docs/fingerprint.md.
const (
	pxPerMM500 = 500 / 25.4

	cylRadius    = 70 / pxPerMM500       // R: cylinder radius, 3.56 mm
	cylCells     = 12                    // NS: cells along a cylinder's diameter
	cylSections  = 6                     // ND: angular sections
	cylSigmaS    = 28.0 / 3 / pxPerMM500 // σS: spatial Gaussian, 0.47 mm
	cylSigmaD    = 2 * math.Pi / 9       // σD: angular Gaussian, 40°
	cylHullGrow  = 50 / pxPerMM500       // Ω: convex hull enlargement, 2.54 mm
	cylMinCells  = 0.75                  // minVC: share of valid cells a cylinder needs
	cylMinNeigh  = 2                     // minM: neighbours a cylinder needs
	cylMinCommon = 0.60                  // minME: share of common valid cells to compare two cylinders
	// cylBitThreshold is μΨ = 0.01 (the paper's threshold on the summed
	// contributions of normalised Gaussians in px⁻¹) for the unnormalised
	// spatial Gaussian used here: 0.01 · σS[px] · √(2π).
	cylBitThreshold = 0.01 * 28.0 / 3 * 2.5066282746310002

	// cylReach: a neighbour contributes to cells within cylReach·σS (the
	// paper uses 3; beyond 2.5 a contribution is below 5 % of its peak).
	cylReach = 2.5

	// Minutia quality weighting: a minutia whose quality is at least
	// qualityFull of the view's median quality counts fully; one at or below
	// qualityHalf of it counts half, in the cylinders of its neighbours and
	// in its pairs (linear in between). Qualities are used only when at
	// least half of the minutiae report one (1–100).
	qualityFull = 0.85
	qualityHalf = 0.675

	// dupDistance and dupAngle: a minutia within dupDistance (mm) of a
	// kept one and within dupAngle of its direction is a duplicate.
	dupDistance = 0.05
	dupAngle    = 10 * math.Pi / 180
	// gridCell is the bucket size of a template's minutiae grid, mm.
	gridCell = 1.0
)

// Template is a finger view prepared for comparison: minutiae in
// millimetres, the Minutia Cylinder-Code bit vectors of each minutia's
// neighbourhood and the pairwise geometry the consolidation needs. Prepare
// a gallery template once and Compare it with many probes. A Template is
// immutable once prepared and safe for concurrent use.
type Template struct {
	pts   []point
	words int // uint64 words per cylinder
	nbits int // bits used per cylinder: cells × sections
	// cyl and mask hold one cylinder per minutia (words each): the cell
	// bits and the valid-cell mask (repeated over the angular sections).
	cyl, mask []uint64
	// cellMask holds each cylinder's valid cells, one bit per cell
	// (cellWords words each).
	cellMask  []uint64
	cellWords int
	// valid: the cylinder may be compared; full: every cell is valid.
	valid, full []bool
	nValid      int
	// rootPop is the square root of each cylinder's bit count.
	rootPop []float64
	// validIdx, fullIdx and partIdx list the valid cylinders, the full and
	// the partial ones among them; validCells counts each one's valid
	// cells.
	validIdx, fullIdx, partIdx []int
	validCells                 []int
	// near lists, for each minutia, the others within supportRadius.
	near [][]int32
	// geo is the n×n table of pairwise geometry (row i, column j).
	geo []geo
	// grid buckets the minutiae for neighbourhood searches.
	grid bucketGrid
	// effCount is the effective number of minutiae: the sum of the squared
	// quality weights (the count when qualities are not used).
	effCount float64
}

// geo is the geometry of an ordered pair of minutiae (i, j): their
// distance in hundredths of a millimetre (saturating), the difference of
// their directions θj − θi, and the direction of the segment i→j relative
// to θi, both in 256ths of a turn.
type geo struct {
	dist     uint16
	dir, rad uint8
}

// angleCode quantises an angle to 256ths of a turn.
func angleCode(a float64) uint8 {
	return uint8(int(math.Round(a*256/(2*math.Pi))) & 0xff)
}

// codeDiff is the absolute difference of two angle codes, 0–128.
func codeDiff(a, b uint8) int {
	d := int(int8(a - b))
	if d < 0 {
		d = -d
	}
	return d
}

// point is a minutia in millimetres, in mathematical axes (Y up), with its
// direction counter-clockwise from +X — the same direction ISO records give
// for a Y-down image.
type point struct {
	x, y, a float64
	index   int     // index in View.Minutiae
	w       float64 // quality weight, 0.5–1
}

// Len returns the number of minutiae the template uses.
func (t *Template) Len() int { return len(t.pts) }

// cellGeometry lists the cylinder cells whose centres lie within the
// radius, as offsets from the minutia in its own frame, and maps the
// NS×NS grid to those cells (−1 outside).
func cellGeometry() (cells [][2]float64, grid [cylCells * cylCells]int16) {
	step := 2 * cylRadius / cylCells
	for j := range cylCells {
		for i := range cylCells {
			u := (float64(i) - (cylCells-1)/2.0) * step
			v := (float64(j) - (cylCells-1)/2.0) * step
			grid[j*cylCells+i] = -1
			if u*u+v*v <= cylRadius*cylRadius {
				grid[j*cylCells+i] = int16(len(cells))
				cells = append(cells, [2]float64{u, v})
			}
		}
	}
	return cells, grid
}

// Prepare analyses v for comparison. Coordinates are converted to
// millimetres with the view's resolution (DefaultResolution when zero or
// negative); minutiae with non-finite angles and duplicates (within 0.05
// mm and 10° of an earlier one) are ignored, and at most MaxMinutiae are
// used. Prepare never fails: a view with too few minutiae gives a template
// that matches nothing.
func Prepare(v View) *Template {
	rx, ry := float64(v.ResolutionX), float64(v.ResolutionY)
	if !(rx > 0) {
		rx = DefaultResolution
	}
	if !(ry > 0) {
		ry = DefaultResolution
	}
	t := &Template{}
	for i, m := range v.Minutiae {
		if len(t.pts) == MaxMinutiae {
			break
		}
		if math.IsNaN(m.Angle) || math.IsInf(m.Angle, 0) {
			continue
		}
		p := point{x: float64(m.X) * 10 / rx, y: -float64(m.Y) * 10 / ry, a: wrap(m.Angle), index: i}
		if slices.ContainsFunc(t.pts, func(q point) bool {
			return math.Abs(q.x-p.x) < dupDistance && math.Abs(q.y-p.y) < dupDistance && angDiff(q.a, p.a) < dupAngle
		}) {
			continue
		}
		t.pts = append(t.pts, p)
	}
	t.weighQualities(v)
	n := len(t.pts)
	t.geo = make([]geo, n*n)
	t.near = make([][]int32, n)
	for i, p := range t.pts {
		for j, q := range t.pts {
			if i == j {
				continue
			}
			dx, dy := q.x-p.x, q.y-p.y
			d := math.Sqrt(dx*dx + dy*dy)
			t.geo[i*n+j] = geo{
				dist: uint16(min(math.MaxUint16, math.Round(d*100))),
				dir:  angleCode(q.a - p.a),
				rad:  angleCode(math.Atan2(dy, dx) - p.a),
			}
			if d <= supportRadius {
				t.near[i] = append(t.near[i], int32(j))
			}
		}
	}
	t.buildCylinders()
	t.grid = newBucketGrid(t.pts)
	return t
}

// weighQualities sets each minutia's quality weight from its quality
// relative to the view's median (see qualityFull) and the effective count.
// Unreported qualities (0, 254, 255) weigh 1; so do all minutiae when fewer
// than half report one. Relative weights keep vendors' quality scales from
// mattering; a view whose minutiae share one quality weighs them all 1.
func (t *Template) weighQualities(v View) {
	var qs []int
	for i := range t.pts {
		t.pts[i].w = 1
		if q := v.Minutiae[t.pts[i].index].Quality; q >= 1 && q <= MaxQuality {
			qs = append(qs, q)
		}
	}
	if len(qs) > 0 && 2*len(qs) >= len(t.pts) {
		slices.Sort(qs)
		med := float64(qs[(len(qs)-1)/2])
		for i := range t.pts {
			if q := v.Minutiae[t.pts[i].index].Quality; q >= 1 && q <= MaxQuality {
				r := float64(q) / med
				t.pts[i].w = min(1, max(0.5, 0.5+0.5*(r-qualityHalf)/(qualityFull-qualityHalf)))
			}
		}
	}
	for _, p := range t.pts {
		t.effCount += p.w * p.w
	}
}

// buildCylinders computes every minutia's cylinder: for each cell (i, j)
// and angular section k, the sum over neighbours of a spatial Gaussian of
// the neighbour's distance from the cell centre times the angular Gaussian
// of its direction difference integrated over the section, times the
// neighbour's quality weight, thresholded to one bit. A cell is valid when its centre lies within the minutiae's
// convex hull enlarged by Ω.
func (t *Template) buildCylinders() {
	cells, grid := cellGeometry()
	nc := len(cells)
	nbits := nc * cylSections
	t.nbits = nbits
	t.words = (nbits + 63) / 64
	n := len(t.pts)
	t.cellWords = (nc + 63) / 64
	t.cellMask = make([]uint64, n*t.cellWords)
	t.cyl = make([]uint64, n*t.words)
	t.mask = make([]uint64, n*t.words)
	t.valid = make([]bool, n)
	t.full = make([]bool, n)
	t.rootPop = make([]float64, n)
	t.validCells = make([]int, n)
	hull := newHull(t.pts, cylHullGrow)
	acc := make([]float64, nbits)
	step := 2 * cylRadius / cylCells
	reach := cylReach * cylSigmaS
	var (
		w        [cylSections]float64
		e        [cylSections + 1]float64
		gx, gy   [cylCells]float64
		dx2, dy2 [cylCells]float64
	)
	const sectionWidth = 2 * math.Pi / cylSections
	const half = (cylCells - 1) / 2.0
	erfScale := 1 / (math.Sqrt2 * cylSigmaD)
	spread := 1 / (2 * cylSigmaS * cylSigmaS)
	for i, p := range t.pts {
		clear(acc)
		c, s := math.Cos(p.a), math.Sin(p.a)
		neigh := 0
		for j, q := range t.pts {
			dx, dy := q.x-p.x, q.y-p.y
			if j == i || dx*dx+dy*dy > (cylRadius+reach)*(cylRadius+reach) {
				continue
			}
			neigh++
			qw := q.w
			// The neighbour in the minutia's frame.
			u, v := c*dx+s*dy, -s*dx+c*dy
			// The angular Gaussian around the direction difference,
			// integrated over each section: the section m holding it and
			// the sections r = −3…2 away, from the seven boundaries.
			dtheta := wrap(q.a - p.a)
			m := min(cylSections-1, max(0, int((dtheta+math.Pi)/sectionWidth)))
			e0 := float64(m)*sectionWidth - math.Pi - dtheta
			for r := range e {
				// Past 2.5 (141° from the direction) erf is ±1 to 4e-4.
				x := (e0 + float64(r-3)*sectionWidth) * erfScale
				switch {
				case x > 2.5:
					e[r] = 1
				case x < -2.5:
					e[r] = -1
				default:
					e[r] = fastErf(x)
				}
			}
			for r := range cylSections {
				w[(m+r-3+cylSections)%cylSections] = 0.5 * (e[r+1] - e[r])
			}
			// The spatial Gaussian is separable on the cell grid.
			i0 := max(0, int(math.Ceil((u-reach)/step+half)))
			i1 := min(cylCells-1, int(math.Floor((u+reach)/step+half)))
			j0 := max(0, int(math.Ceil((v-reach)/step+half)))
			j1 := min(cylCells-1, int(math.Floor((v+reach)/step+half)))
			for gi := i0; gi <= i1; gi++ {
				du := (float64(gi)-half)*step - u
				dx2[gi] = du * du
				gx[gi] = fastExp(-du * du * spread)
			}
			for gj := j0; gj <= j1; gj++ {
				dv := (float64(gj)-half)*step - v
				dy2[gj] = dv * dv
				gy[gj] = fastExp(-dv * dv * spread)
			}
			for gj := j0; gj <= j1; gj++ {
				for gi := i0; gi <= i1; gi++ {
					ci := grid[gj*cylCells+gi]
					if ci < 0 || dx2[gi]+dy2[gj] > reach*reach {
						continue
					}
					g := gx[gi] * gy[gj] * qw
					a := acc[int(ci)*cylSections : int(ci)*cylSections+cylSections]
					for k := range a {
						a[k] += g * w[k]
					}
				}
			}
		}
		bitsOf := t.cyl[i*t.words : (i+1)*t.words]
		maskOf := t.mask[i*t.words : (i+1)*t.words]
		cellsOf := t.cellMask[i*t.cellWords : (i+1)*t.cellWords]
		validCells := 0
		// Far enough inside the hull, every cell is valid.
		inside := hull.slack(p.x, p.y) >= cylRadius
		for ci, cell := range cells {
			if !inside {
				// The cell centre in template coordinates.
				x := p.x + c*cell[0] - s*cell[1]
				y := p.y + s*cell[0] + c*cell[1]
				if !hull.contains(x, y) {
					continue
				}
			}
			validCells++
			cellsOf[ci/64] |= 1 << (ci % 64)
			for k := range cylSections {
				b := ci*cylSections + k
				maskOf[b/64] |= 1 << (b % 64)
				if acc[b] >= cylBitThreshold {
					bitsOf[b/64] |= 1 << (b % 64)
				}
			}
		}
		t.validCells[i] = validCells
		t.valid[i] = float64(validCells) >= cylMinCells*float64(nc) && neigh >= cylMinNeigh
		t.full[i] = validCells == nc
		pop := 0
		for _, x := range bitsOf {
			pop += bits.OnesCount64(x)
		}
		t.rootPop[i] = math.Sqrt(float64(pop))
		if t.valid[i] {
			t.nValid++
			t.validIdx = append(t.validIdx, i)
			if t.full[i] {
				t.fullIdx = append(t.fullIdx, i)
			} else {
				t.partIdx = append(t.partIdx, i)
			}
		}
	}
}

// hull is the convex hull of the minutiae enlarged by a margin, as
// half-planes (the corners are left sharp, a slightly larger region than the
// rounded offset). Fewer than three hull vertices fall back to the distance
// from the points or segment.
type hull struct {
	nx, ny, c []float64    // n·p ≤ c
	pts       [][2]float64 // vertices (counter-clockwise) when fewer than three
	grow      float64
}

func newHull(pts []point, grow float64) hull {
	ps := make([][2]float64, len(pts))
	for i, p := range pts {
		ps[i] = [2]float64{p.x, p.y}
	}
	slices.SortFunc(ps, func(a, b [2]float64) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	ps = slices.Compact(ps)
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	// Andrew's monotone chain, counter-clockwise.
	var h [][2]float64
	for _, p := range ps {
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	lower := len(h) + 1
	for i := len(ps) - 2; i >= 0; i-- {
		p := ps[i]
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], p) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	if len(h) > 1 {
		h = h[:len(h)-1]
	}
	hl := hull{grow: grow}
	if len(h) < 3 {
		hl.pts = h
		return hl
	}
	for i := range h {
		a, b := h[i], h[(i+1)%len(h)]
		ex, ey := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(ex, ey)
		// Outward normal of a counter-clockwise edge.
		nx, ny := ey/l, -ex/l
		hl.nx = append(hl.nx, nx)
		hl.ny = append(hl.ny, ny)
		hl.c = append(hl.c, nx*a[0]+ny*a[1]+grow)
	}
	return hl
}

// slack is how far (x, y) lies inside the enlarged hull's half-planes (the
// smallest margin to any of them; negative outside, 0 without half-planes).
func (h *hull) slack(x, y float64) float64 {
	if h.c == nil {
		return 0
	}
	m := math.Inf(1)
	for i := range h.c {
		m = min(m, h.c[i]-h.nx[i]*x-h.ny[i]*y)
	}
	return m
}

func (h *hull) contains(x, y float64) bool {
	if h.c == nil {
		// A point or a segment (or nothing): within grow of it.
		switch len(h.pts) {
		case 0:
			return false
		case 1:
			return math.Hypot(x-h.pts[0][0], y-h.pts[0][1]) <= h.grow
		}
		a, b := h.pts[0], h.pts[1]
		ex, ey := b[0]-a[0], b[1]-a[1]
		tt := ((x-a[0])*ex + (y-a[1])*ey) / (ex*ex + ey*ey)
		tt = min(1, max(0, tt))
		return math.Hypot(x-a[0]-tt*ex, y-a[1]-tt*ey) <= h.grow
	}
	for i := range h.c {
		if h.nx[i]*x+h.ny[i]*y > h.c[i] {
			return false
		}
	}
	return true
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

// bucketGrid buckets points in square cells of gridCell mm.
type bucketGrid struct {
	x0, y0 float64
	nx, ny int
	start  []int32 // cell c holds idx[start[c]:start[c+1]]
	idx    []int32
}

func newBucketGrid(pts []point) bucketGrid {
	var g bucketGrid
	if len(pts) == 0 {
		return g
	}
	x0, y0, x1, y1 := pts[0].x, pts[0].y, pts[0].x, pts[0].y
	for _, p := range pts {
		x0, y0, x1, y1 = min(x0, p.x), min(y0, p.y), max(x1, p.x), max(y1, p.y)
	}
	// Absurd extents (coordinates far apart) fall back to one cell.
	g.x0, g.y0 = x0, y0
	g.nx, g.ny = int((x1-x0)/gridCell)+1, int((y1-y0)/gridCell)+1
	if g.nx <= 0 || g.ny <= 0 || g.nx*g.ny > 1<<16 || math.IsNaN(x1-x0) || math.IsNaN(y1-y0) {
		g.nx, g.ny = 1, 1
	}
	cellOf := func(p point) int {
		cx := min(g.nx-1, max(0, int((p.x-g.x0)/gridCell)))
		cy := min(g.ny-1, max(0, int((p.y-g.y0)/gridCell)))
		if g.nx == 1 && g.ny == 1 {
			return 0
		}
		return cy*g.nx + cx
	}
	g.start = make([]int32, g.nx*g.ny+1)
	for _, p := range pts {
		g.start[cellOf(p)+1]++
	}
	for c := 1; c < len(g.start); c++ {
		g.start[c] += g.start[c-1]
	}
	g.idx = make([]int32, len(pts))
	fill := slices.Clone(g.start)
	for i, p := range pts {
		c := cellOf(p)
		g.idx[fill[c]] = int32(i)
		fill[c]++
	}
	return g
}

// cells returns the range of grid cells that meet the square of half-side
// r around (x, y); ok is false when it misses the grid.
func (g *bucketGrid) cells(x, y, r float64) (cx0, cy0, cx1, cy1 int, ok bool) {
	if g.nx == 0 {
		return 0, 0, 0, 0, false
	}
	if g.nx == 1 && g.ny == 1 {
		return 0, 0, 0, 0, true
	}
	fx0, fx1 := (x-r-g.x0)/gridCell, (x+r-g.x0)/gridCell
	fy0, fy1 := (y-r-g.y0)/gridCell, (y+r-g.y0)/gridCell
	if !(fx1 >= 0 && fy1 >= 0 && fx0 < float64(g.nx) && fy0 < float64(g.ny)) {
		return 0, 0, 0, 0, false
	}
	return max(0, int(fx0)), max(0, int(fy0)), min(g.nx-1, int(fx1)), min(g.ny-1, int(fy1)), true
}

// fastExp returns e^x for x ≤ 0 to about 1e-7 relative error (0 below
// −700): 2^(x·log2 e) split into an integer power, set in the exponent
// bits, and a polynomial for the fraction. Prepare calls it some 10^4
// times per template, where math.Exp dominated the cost.
func fastExp(x float64) float64 {
	if x < -700 {
		return 0
	}
	y := x * math.Log2E
	k := math.Floor(y)
	f := (y - k) * math.Ln2 // e^f, f in [0, ln 2)
	p := 1 + f*(1+f*(1.0/2+f*(1.0/6+f*(1.0/24+f*(1.0/120+f*(1.0/720+f*(1.0/5040+f*(1.0/40320))))))))
	return p * math.Float64frombits(uint64(int64(k)+1023)<<52)
}

// fastErf is erf(x) by Abramowitz and Stegun 7.1.26 (absolute error below
// 1.5e-7).
func fastErf(x float64) float64 {
	sign := 1.0
	if x < 0 {
		sign, x = -1, -x
	}
	t := 1 / (1 + 0.3275911*x)
	y := 1 - t*(0.254829592+t*(-0.284496736+t*(1.421413741+t*(-1.453152027+t*1.061405429))))*fastExp(-x*x)
	return sign * y
}
