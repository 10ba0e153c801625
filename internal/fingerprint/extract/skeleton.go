package extract

import "math/bits"

// bitmap is a binary image stored with a one-pixel border of zeros, so that
// the eight neighbours of any image pixel can be read without bounds
// checks. Pixel (x, y) is at index (y+1)*stride + x+1.
type bitmap struct {
	w, h, stride int
	p            []uint8
}

func newBitmap(w, h int) bitmap {
	return bitmap{w: w, h: h, stride: w + 2, p: make([]uint8, (w+2)*(h+2))}
}

func (b bitmap) index(x, y int) int { return (y+1)*b.stride + x + 1 }

// xy returns the image coordinates of a bitmap index.
func (b bitmap) xy(i int) (int, int) { return i%b.stride - 1, i/b.stride - 1 }

// ring returns the offsets of the eight neighbours in clockwise order,
// starting north: N, NE, E, SE, S, SW, W, NW.
func (b bitmap) ring() [8]int {
	s := b.stride
	return [8]int{-s, -s + 1, 1, s + 1, s, s - 1, -1, -s - 1}
}

// code returns the 8-bit neighbourhood of index i, bit k set when ring
// neighbour k is set.
func (b bitmap) code(i int, ring *[8]int) uint8 {
	c := uint8(0)
	for k, o := range ring {
		if b.p[i+o] != 0 {
			c |= 1 << k
		}
	}
	return c
}

// binarise sets the ridge pixels: foreground pixels with a positive
// enhanced response.
func binarise(enh plane, mask []bool) bitmap {
	b := newBitmap(enh.w, enh.h)
	for y := range enh.h {
		for x := range enh.w {
			i := y*enh.w + x
			if mask[i] && enh.p[i] > 0 {
				b.p[b.index(x, y)] = 1
			}
		}
	}
	return b
}

// removeSpecks clears ridge regions (8-connected) and fills valley regions
// (4-connected) smaller than area pixels: dots and pores that would
// otherwise thin into false minutiae.
func removeSpecks(b bitmap, area int) {
	for _, v := range []uint8{1, 0} {
		seen := make([]bool, len(b.p))
		var comp, stack []int
		ring := b.ring()
		for y := range b.h {
			for x := range b.w {
				i := b.index(x, y)
				if b.p[i] != v || seen[i] {
					continue
				}
				comp = comp[:0]
				stack = append(stack[:0], i)
				seen[i] = true
				touches := false
				for len(stack) > 0 {
					j := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					comp = append(comp, j)
					for k, o := range ring {
						if v == 0 && k%2 == 1 {
							continue // valleys: 4-connectivity
						}
						n := j + o
						jx, jy := b.xy(n)
						if jx < 0 || jy < 0 || jx >= b.w || jy >= b.h {
							touches = true
							continue
						}
						if b.p[n] == v && !seen[n] {
							seen[n] = true
							stack = append(stack, n)
						}
					}
				}
				if len(comp) < area && !(v == 0 && touches) {
					for _, j := range comp {
						b.p[j] = 1 - v
					}
				}
			}
		}
	}
}

// thin reduces the ridges to one-pixel-wide 8-connected lines: the
// two-subiteration parallel thinning of Zhang and Suen, then the removal
// of every remaining pixel that is not an end point and whose removal
// keeps its neighbours connected (the staircase corners that Zhang–Suen
// leaves, which would otherwise read as junctions).
func thin(b bitmap) {
	ring := b.ring()
	var cand, del []int
	for y := range b.h {
		for x := range b.w {
			if i := b.index(x, y); b.p[i] != 0 {
				cand = append(cand, i)
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for sub := range 2 {
			del = del[:0]
			for _, i := range cand {
				if b.p[i] == 0 {
					continue
				}
				c := b.code(i, &ring)
				n := bits.OnesCount8(c)
				if n < 2 || n > 6 || transitions(c) != 1 {
					continue
				}
				p2, p4, p6, p8 := c&1, c>>2&1, c>>4&1, c>>6&1
				if sub == 0 && (p2&p4&p6 != 0 || p4&p6&p8 != 0) {
					continue
				}
				if sub == 1 && (p2&p4&p8 != 0 || p2&p6&p8 != 0) {
					continue
				}
				del = append(del, i)
			}
			for _, i := range del {
				b.p[i] = 0
			}
			changed = changed || len(del) > 0
		}
		kept := cand[:0]
		for _, i := range cand {
			if b.p[i] != 0 {
				kept = append(kept, i)
			}
		}
		cand = kept
	}
	removable := simplePoints()
	for changed := true; changed; {
		changed = false
		for _, i := range cand {
			if b.p[i] != 0 && removable[b.code(i, &ring)] {
				b.p[i] = 0
				changed = true
			}
		}
	}
}

// transitions counts the 0→1 transitions around a ring code.
func transitions(c uint8) int {
	r := bits.RotateLeft8(c, -1) // bit k now holds ring neighbour k+1
	return bits.OnesCount8(^c & r)
}

// simplePoints returns, for every ring code, whether a pixel with that
// neighbourhood may be removed from a skeleton: it has at least two
// neighbours (it is not an end point), at least one background
// 4-neighbour (it is not interior), and its neighbours form a single
// 8-connected group without it.
func simplePoints() [256]bool {
	pos := [8][2]int{{0, -1}, {1, -1}, {1, 0}, {1, 1}, {0, 1}, {-1, 1}, {-1, 0}, {-1, -1}}
	var t [256]bool
	for c := range 256 {
		if bits.OnesCount8(uint8(c)) < 2 || c&0x55 == 0x55 {
			continue
		}
		// Union of set ring positions that touch each other.
		var parent [8]int
		for k := range parent {
			parent[k] = k
		}
		var find func(int) int
		find = func(k int) int {
			for parent[k] != k {
				k = parent[k]
			}
			return k
		}
		for a := range 8 {
			for b := a + 1; b < 8; b++ {
				if c>>a&1 == 0 || c>>b&1 == 0 {
					continue
				}
				dx, dy := pos[a][0]-pos[b][0], pos[a][1]-pos[b][1]
				if dx >= -1 && dx <= 1 && dy >= -1 && dy <= 1 {
					parent[find(a)] = find(b)
				}
			}
		}
		groups := 0
		for k := range 8 {
			if c>>k&1 != 0 && find(k) == k {
				groups++
			}
		}
		t[c] = groups == 1
	}
	return t
}
