package wsq

// numBands is the number of subbands of the WSQ decomposition; bands
// numCoded..numBands-1 (60-63) are never transmitted.
const (
	numBands = 64
	numCoded = 60
)

// Block boundaries: block 1 holds subbands 0-18, block 2 19-51, block 3 52-59.
var blockStart = [4]int{0, 19, 52, numCoded}

// rect is a rectangle of the coefficient plane.
type rect struct{ x, y, w, h int }

func (r rect) size() int { return r.w * r.h }

// split is one two-dimensional filter-bank split of a region: every row is
// split into low and high halves (invX: high half first), then every column
// (invY: high half first).
type split struct {
	r          rect
	invX, invY bool
}

// layout is the WSQ decomposition tree for one image size: the splits in an
// order where a region is split before its parts, and the 64 subbands.
type layout struct {
	width, height int
	splits        []split
	bands         [numBands]rect
}

// quarter returns the four parts of r after a split, in the order top-left,
// top-right, bottom-left, bottom-right. The low-pass half along an axis has
// ceil(n/2) samples and comes first unless the axis is inverted.
func quarter(r rect, invX, invY bool) [4]rect {
	w1 := (r.w + 1) / 2
	if invX {
		w1 = r.w / 2
	}
	h1 := (r.h + 1) / 2
	if invY {
		h1 = r.h / 2
	}
	return [4]rect{
		{r.x, r.y, w1, h1},
		{r.x + w1, r.y, r.w - w1, h1},
		{r.x, r.y + h1, w1, r.h - h1},
		{r.x + w1, r.y + h1, r.w - w1, r.h - h1},
	}
}

// newLayout builds the standard WSQ tree. A part that lies second along an
// axis of its parent (quadrants 1 and 3 along x, 2 and 3 along y) is itself
// split inverted along that axis.
func newLayout(width, height int) *layout {
	l := &layout{width: width, height: height}
	add := func(r rect, quadrant int) [4]rect {
		s := split{r: r, invX: quadrant&1 != 0, invY: quadrant&2 != 0}
		l.splits = append(l.splits, s)
		return quarter(r, s.invX, s.invY)
	}
	// sixteen splits a region's four parts once more: bands start..start+15,
	// four per part.
	sixteen := func(parts [4]rect, start int) {
		for p, pr := range parts {
			for q, qr := range add(pr, p) {
				l.bands[start+4*p+q] = qr
			}
		}
	}

	top := add(rect{0, 0, width, height}, 0)
	low := add(top[0], 0)
	sixteen(add(low[0], 0), 3) // bands 3-18
	sixteen(add(low[1], 1), 19)
	sixteen(add(low[2], 2), 35)
	l.bands[51] = low[3]
	for q, qr := range add(l.bands[3], 0) { // the lowest band, once more
		l.bands[q] = qr
	}
	for q, qr := range add(top[1], 1) {
		l.bands[52+q] = qr
	}
	for q, qr := range add(top[2], 2) {
		l.bands[56+q] = qr
	}
	for q, qr := range quarter(top[3], true, true) { // 60-63: never coded
		l.bands[60+q] = qr
	}
	return l
}
