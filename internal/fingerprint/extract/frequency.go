package extract

import (
	"math"
	"slices"
)

// Ridge period estimation parameters, pixels at 500 ppi.
const (
	freqBlock     = 16   // block size of the period map
	freqHalfLen   = 20   // half length of the signature, across the ridges
	freqHalfWidth = 8    // half width of the window, along the ridges
	minPeriod     = 5.5  // shortest accepted ridge period
	maxPeriod     = 15.0 // longest accepted ridge period
	defaultPeriod = 9.5  // used when no block gives an estimate
)

// periodMap estimates the local ridge period in every freqBlock block of
// the foreground. For each block it takes the "x-signature" of Hong, Wan
// and Jain: the normalised image averaged along the ridges over a window
// oriented with the local orientation, as a function of the distance
// across them. The period is the lag of the first strong peak of the
// signature's autocorrelation, refined by a parabola. Blocks without a
// clear peak take the mean of their neighbours; the map is then smoothed.
// It returns the map at block resolution and the median period.
func periodMap(f *fields, mask []bool) (pm plane, median float64) {
	bw, bh := (f.w+freqBlock-1)/freqBlock, (f.h+freqBlock-1)/freqBlock
	pm = newPlane(bw, bh)
	valid := make([]bool, bw*bh)
	sig := make([]float64, 2*freqHalfLen+1)
	var found []float64
	for by := range bh {
		for bx := range bw {
			cx := min(bx*freqBlock+freqBlock/2, f.w-1)
			cy := min(by*freqBlock+freqBlock/2, f.h-1)
			if !mask[cy*f.w+cx] {
				continue
			}
			t := float64(f.orient.p[cy*f.w+cx])
			dx, dy := math.Cos(t), math.Sin(t) // along the ridges
			nx, ny := -dy, dx                  // across
			mean := 0.0
			for k := -freqHalfLen; k <= freqHalfLen; k++ {
				s := 0.0
				for v := -freqHalfWidth; v <= freqHalfWidth; v += 2 {
					s += float64(f.norm.at(float64(cx)+float64(k)*nx+float64(v)*dx, float64(cy)+float64(k)*ny+float64(v)*dy))
				}
				sig[k+freqHalfLen] = s
				mean += s
			}
			mean /= float64(len(sig))
			for i := range sig {
				sig[i] -= mean
			}
			if p, ok := signaturePeriod(sig); ok {
				pm.p[by*bw+bx] = float32(p)
				valid[by*bw+bx] = true
				found = append(found, p)
			}
		}
	}
	if len(found) == 0 {
		for i := range pm.p {
			pm.p[i] = defaultPeriod
		}
		return pm, defaultPeriod
	}
	median = medianOf(found)
	// Fill the blocks without an estimate from their neighbours, growing
	// outwards; whatever stays unreached takes the median.
	for range max(bw, bh) {
		changed := false
		next := append([]bool(nil), valid...)
		for by := range bh {
			for bx := range bw {
				if valid[by*bw+bx] {
					continue
				}
				s, n := float32(0), 0
				for yy := max(0, by-1); yy <= min(bh-1, by+1); yy++ {
					for xx := max(0, bx-1); xx <= min(bw-1, bx+1); xx++ {
						if valid[yy*bw+xx] {
							s += pm.p[yy*bw+xx]
							n++
						}
					}
				}
				if n > 0 {
					pm.p[by*bw+bx] = s / float32(n)
					next[by*bw+bx] = true
					changed = true
				}
			}
		}
		valid = next
		if !changed {
			break
		}
	}
	for i := range pm.p {
		if !valid[i] {
			pm.p[i] = float32(median)
		}
	}
	pm = boxMean(pm, 1)
	return pm, median
}

// signaturePeriod finds the period of a zero-mean signature from its
// autocorrelation.
func signaturePeriod(sig []float64) (float64, bool) {
	n := len(sig)
	lo, hi := int(math.Floor(minPeriod)), int(math.Ceil(maxPeriod))+1
	ac := make([]float64, hi+2)
	for lag := 0; lag < len(ac) && lag < n; lag++ {
		s := 0.0
		for i := 0; i+lag < n; i++ {
			s += sig[i] * sig[i+lag]
		}
		ac[lag] = s / float64(n-lag)
	}
	if ac[0] <= 1e-9 {
		return 0, false
	}
	for lag := lo; lag <= hi && lag+1 < len(ac); lag++ {
		if ac[lag] > ac[lag-1] && ac[lag] >= ac[lag+1] && ac[lag] > 0.25*ac[0] {
			// Parabolic refinement of the peak.
			den := ac[lag-1] - 2*ac[lag] + ac[lag+1]
			p := float64(lag)
			if den < 0 {
				p += 0.5 * (ac[lag-1] - ac[lag+1]) / den
			}
			if p >= minPeriod && p <= maxPeriod {
				return p, true
			}
			return 0, false
		}
	}
	return 0, false
}

func medianOf(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
