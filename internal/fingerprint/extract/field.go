package extract

import (
	"math"
	"slices"
)

// Field parameters, in pixels at 500 ppi.
const (
	normRadius   = 12  // local normalisation window radius
	tensorRadius = 7   // structure tensor window radius
	orientSigma  = 6.0 // extra smoothing of the doubled-angle field
	segBlock     = 8   // segmentation block size
)

// fields is the local analysis of an image.
type fields struct {
	w, h   int
	norm   plane // locally normalised image, ridges positive, about ±1
	std    plane // local grey-level standard deviation
	orient plane // ridge direction, image axes (Y down), in (−π/2, π/2]
	coh    plane // orientation coherence 0–1 over about 25 px
}

// analyse normalises g and computes the orientation field and coherence.
func analyse(g plane) *fields {
	f := &fields{w: g.w, h: g.h}
	mean := boxMean(g, normRadius)
	sq := newPlane(g.w, g.h)
	for i, v := range g.p {
		sq.p[i] = v * v
	}
	m2 := boxMean(sq, normRadius)
	f.std, f.norm = newPlane(g.w, g.h), newPlane(g.w, g.h)
	for i, v := range g.p {
		s := float32(math.Sqrt(float64(max(0, m2.p[i]-mean.p[i]*mean.p[i]))))
		f.std.p[i] = s
		// Ridges are dark: negate so that they come out positive. The
		// constant keeps flat areas from being amplified into noise.
		f.norm.p[i] = (mean.p[i] - v) / (s + 4)
	}

	// Gradient structure tensor of the lightly smoothed normalised image,
	// averaged, then smoothed again in the doubled-angle domain (where
	// opposite gradients reinforce instead of cancelling).
	ns := smooth(f.norm, 1)
	a, b, e := newPlane(g.w, g.h), newPlane(g.w, g.h), newPlane(g.w, g.h)
	w, h := g.w, g.h
	for y := range h {
		for x := range w {
			gx := ns.p[y*w+min(x+1, w-1)] - ns.p[y*w+max(x-1, 0)]
			gy := ns.p[min(y+1, h-1)*w+x] - ns.p[max(y-1, 0)*w+x]
			i := y*w + x
			a.p[i] = gx*gx - gy*gy
			b.p[i] = 2 * gx * gy
			e.p[i] = gx*gx + gy*gy
		}
	}
	a, b, e = boxMean(a, tensorRadius), boxMean(b, tensorRadius), boxMean(e, tensorRadius)
	a, b, e = smooth(a, orientSigma), smooth(b, orientSigma), smooth(e, orientSigma)
	f.orient, f.coh = newPlane(w, h), newPlane(w, h)
	for i := range a.p {
		av, bv := float64(a.p[i]), float64(b.p[i])
		f.orient.p[i] = float32(wrapHalf(0.5*math.Atan2(bv, av) + math.Pi/2))
		if ev := float64(e.p[i]); ev > 1e-9 {
			f.coh.p[i] = float32(min(1, math.Hypot(av, bv)/ev))
		}
	}
	return f
}

// wrapHalf reduces an orientation to (−π/2, π/2].
func wrapHalf(t float64) float64 {
	t = math.Mod(t, math.Pi)
	if t > math.Pi/2 {
		t -= math.Pi
	} else if t <= -math.Pi/2 {
		t += math.Pi
	}
	return t
}

// segment returns the foreground mask: blocks with enough contrast and a
// coherent orientation, closed, reduced to the largest connected region
// with its holes filled, opened, and smoothed at pixel level.
func segment(f *fields) []bool {
	bw, bh := (f.w+segBlock-1)/segBlock, (f.h+segBlock-1)/segBlock
	stds := make([]float32, 0, bw*bh)
	for by := range bh {
		for bx := range bw {
			x, y := min(bx*segBlock+segBlock/2, f.w-1), min(by*segBlock+segBlock/2, f.h-1)
			stds = append(stds, f.std.p[y*f.w+x])
		}
	}
	sorted := slices.Clone(stds)
	slices.Sort(sorted)
	p95 := float64(sorted[len(sorted)*95/100])
	tLow, tHigh := max(6, 0.2*p95), max(10, 0.45*p95)
	blocks := make([]bool, bw*bh)
	for by := range bh {
		for bx := range bw {
			x, y := min(bx*segBlock+segBlock/2, f.w-1), min(by*segBlock+segBlock/2, f.h-1)
			s, c := float64(stds[by*bw+bx]), float64(f.coh.p[y*f.w+x])
			blocks[by*bw+bx] = (s > tLow && c > 0.3) || (s > tHigh && c > 0.2)
		}
	}
	blocks = morph(blocks, bw, bh, true)  // close: dilate …
	blocks = morph(blocks, bw, bh, false) // … then erode
	blocks = largestRegion(blocks, bw, bh)
	fillHoles(blocks, bw, bh)
	blocks = morph(blocks, bw, bh, false) // open: erode …
	blocks = morph(blocks, bw, bh, true)  // … then dilate
	blocks = largestRegion(blocks, bw, bh)

	// Up to pixels, with the block corners rounded off.
	m := newPlane(f.w, f.h)
	for y := range f.h {
		for x := range f.w {
			if blocks[(y/segBlock)*bw+x/segBlock] {
				m.p[y*f.w+x] = 1
			}
		}
	}
	m = boxMean(m, segBlock/2)
	mask := make([]bool, f.w*f.h)
	for i, v := range m.p {
		mask[i] = v >= 0.5
	}
	return mask
}

// morph dilates (grow) or erodes a block mask with a 3×3 square.
func morph(in []bool, w, h int, grow bool) []bool {
	out := make([]bool, len(in))
	for y := range h {
		for x := range w {
			v := !grow
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					xx, yy := x+dx, y+dy
					n := xx >= 0 && yy >= 0 && xx < w && yy < h && in[yy*w+xx]
					if grow && n {
						v = true
					}
					if !grow && !n {
						v = false
					}
				}
			}
			out[y*w+x] = v
		}
	}
	return out
}

// largestRegion keeps the largest 4-connected true region of a mask.
func largestRegion(in []bool, w, h int) []bool {
	label := make([]int32, len(in))
	best, bestSize := int32(0), 0
	next := int32(0)
	var stack []int
	for i, v := range in {
		if !v || label[i] != 0 {
			continue
		}
		next++
		label[i] = next
		stack = append(stack[:0], i)
		size := 0
		for len(stack) > 0 {
			j := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			size++
			x, y := j%w, j/w
			for _, n := range [4][2]int{{x - 1, y}, {x + 1, y}, {x, y - 1}, {x, y + 1}} {
				if n[0] < 0 || n[1] < 0 || n[0] >= w || n[1] >= h {
					continue
				}
				k := n[1]*w + n[0]
				if in[k] && label[k] == 0 {
					label[k] = next
					stack = append(stack, k)
				}
			}
		}
		if size > bestSize {
			best, bestSize = next, size
		}
	}
	out := make([]bool, len(in))
	for i, l := range label {
		out[i] = l != 0 && l == best
	}
	return out
}

// fillHoles sets every false region that does not touch the border.
func fillHoles(m []bool, w, h int) {
	outside := make([]bool, len(m))
	var stack []int
	push := func(x, y int) {
		k := y*w + x
		if !m[k] && !outside[k] {
			outside[k] = true
			stack = append(stack, k)
		}
	}
	for x := range w {
		push(x, 0)
		push(x, h-1)
	}
	for y := range h {
		push(0, y)
		push(w-1, y)
	}
	for len(stack) > 0 {
		j := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		x, y := j%w, j/w
		if x > 0 {
			push(x-1, y)
		}
		if x < w-1 {
			push(x+1, y)
		}
		if y > 0 {
			push(x, y-1)
		}
		if y < h-1 {
			push(x, y+1)
		}
	}
	for i := range m {
		if !outside[i] {
			m[i] = true
		}
	}
}

// borderDistance returns, for every pixel, its chamfer distance (3-4
// metric, in pixels) to the nearest background pixel or image edge.
func borderDistance(mask []bool, w, h int) []float32 {
	const big = 1e9
	d := make([]float32, len(mask))
	for i, v := range mask {
		if v {
			d[i] = big
		}
	}
	get := func(x, y int) float32 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 0
		}
		return d[y*w+x]
	}
	const a, b = 1, 1.4142
	for y := range h {
		for x := range w {
			i := y*w + x
			if d[i] == 0 {
				continue
			}
			d[i] = min(d[i], get(x-1, y)+a, get(x, y-1)+a, get(x-1, y-1)+b, get(x+1, y-1)+b)
		}
	}
	for y := h - 1; y >= 0; y-- {
		for x := w - 1; x >= 0; x-- {
			i := y*w + x
			if d[i] == 0 {
				continue
			}
			d[i] = min(d[i], get(x+1, y)+a, get(x, y+1)+a, get(x+1, y+1)+b, get(x-1, y+1)+b)
		}
	}
	return d
}
