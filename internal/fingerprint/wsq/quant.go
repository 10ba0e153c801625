package wsq

import "math"

// binCenter is the quantiser bin centre C the encoder writes (0.44).
const binCenter = 0.44

// quantTable is a DQT definition.
type quantTable struct {
	c    float64
	q, z [numBands]float64
}

// bandWeight is the specification's A[k]: 1 except for subbands 52-59.
func bandWeight(k int) float64 {
	switch k {
	case 52, 56:
		return 1.32
	case 53, 55, 58, 59:
		return 1.08
	case 54, 57:
		return 1.42
	}
	return 1
}

// tinyBand is the size under which a subband's "variance" is its mean
// square: in images of a few dozen pixels the lowest subbands hold one or
// two coefficients, whose sample variance would be 0 and discard them.
const tinyBand = 16

// variances computes the variance of each coded subband of the decomposed
// plane. As the specification asks, the variance of a subband is taken over
// its central window (from 1/8 of the width and 9/32 of the height, 3/4 wide
// and 7/16 high) unless the four lowest subbands vary little in total, in
// which case whole subbands are used.
func variances(p *plane, l *layout) [numCoded]float64 {
	var v [numCoded]float64
	window := func(r rect) rect {
		c := rect{r.x + r.w/8, r.y + 9*r.h/32, 3 * r.w / 4, 7 * r.h / 16}
		if c.size() < 2 {
			return r
		}
		return c
	}
	variance := func(r rect) float64 {
		n := r.size()
		if n == 0 {
			return 0
		}
		var sum, ssq float64
		for y := r.y; y < r.y+r.h; y++ {
			for _, c := range p.v[y*p.w+r.x : y*p.w+r.x+r.w] {
				f := float64(c)
				sum += f
				ssq += f * f
			}
		}
		if n < tinyBand {
			return ssq / float64(n)
		}
		return (ssq - sum*sum/float64(n)) / float64(n-1)
	}
	var low float64
	for k := range 4 {
		v[k] = variance(window(l.bands[k]))
		low += v[k]
	}
	for k := range numCoded {
		if low < 20000 {
			v[k] = variance(l.bands[k])
		} else if k >= 4 {
			v[k] = variance(window(l.bands[k]))
		}
	}
	return v
}

// varianceFloor is the variance under which a subband is not coded.
const varianceFloor = 1.01

// allocate chooses the bin widths Q[k] for a target bit rate in bits per
// pixel by the specification's bit allocation: relative widths q'[k] (1 for
// the four lowest subbands, 10/(A[k] ln var[k]) for the others), scaled by
// the factor that meets the rate over the subbands with a positive bit
// rate, dropping subbands whose share would be non-positive until none is.
// Subbands with variance under 1.01 get Q = 0 (not coded). share[k] is the
// subband's share of the image, the specification's 1/m (1/1024, 1/256 or
// 1/16); measuring it on the actual subband keeps the allocation sane for
// tiny images, where some subbands are empty.
func allocate(v *[numCoded]float64, share *[numCoded]float64, rate float64) [numBands]float64 {
	var qp, sigma [numCoded]float64
	var kept []int
	for k := range numCoded {
		if v[k] < varianceFloor || share[k] == 0 {
			continue
		}
		if k < 4 {
			qp[k] = 1
		} else {
			qp[k] = 10 / (bandWeight(k) * math.Log(v[k]))
		}
		sigma[k] = math.Sqrt(v[k])
		kept = append(kept, k)
	}
	coded := append([]int(nil), kept...)
	var q float64
	for len(kept) > 0 {
		var s, logP float64
		for _, k := range kept {
			s += share[k]
			logP += share[k] * math.Log(sigma[k]/qp[k])
		}
		q = math.Pow(2, rate/s-1) / 2.5 / math.Exp(logP/s)
		next := kept[:0:0]
		for _, k := range kept {
			if qp[k]/q < 5*sigma[k] {
				next = append(next, k)
			}
		}
		if len(next) == len(kept) {
			break
		}
		kept = next
	}
	var Q [numBands]float64
	if len(kept) == 0 || !(q > 0) || math.IsInf(q, 0) {
		return Q
	}
	for _, k := range coded {
		Q[k] = qp[k] / q
	}
	return Q
}

// quantize maps a coefficient to its bin index with bin width q and zero
// bin z.
func quantize(x, q, z float64) int64 {
	half := z / 2
	switch {
	case x > half:
		return int64((x-half)/q + 1)
	case x < -half:
		return int64((x+half)/q - 1)
	}
	return 0
}

// dequantize maps a bin index back to a coefficient.
func dequantize(p int32, q, z, c float64) float32 {
	switch {
	case p > 0:
		return float32(q*(float64(p)-c) + z/2)
	case p < 0:
		return float32(q*(float64(p)+c) - z/2)
	}
	return 0
}
