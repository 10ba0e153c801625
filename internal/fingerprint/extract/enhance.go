package extract

import "math"

// Gabor enhancement parameters.
const (
	gaborOrientBins = 24   // orientations over π (7.5° apart)
	gaborPeriodStep = 0.5  // period quantisation, px
	gaborSigmaU     = 0.45 // envelope σ across the ridges, fraction of the period
	gaborSigmaV     = 0.55 // envelope σ along the ridges, fraction of the period
	gaborExtent     = 2.2  // envelope truncation, in σ
)

// gaborKernel is one even-symmetric, zero-mean Gabor filter as taps:
// offsets into a padded image and weights.
type gaborKernel struct {
	off []int32
	w   []float32
}

// gaborBank builds kernels on demand for one padded image stride.
type gaborBank struct {
	stride, pad int
	kernels     []gaborKernel
	index       map[int]int32
}

// gaborPad is the largest kernel radius.
func gaborPad() int { return int(math.Ceil(gaborExtent * gaborSigmaV * maxPeriod)) }

// kernelFor returns the kernel index for ridge direction theta (image
// axes) and period (pixels).
func (b *gaborBank) kernelFor(theta, period float64) int32 {
	ob := int(math.Round(wrapHalf(theta)/math.Pi*gaborOrientBins)) % gaborOrientBins
	if ob < 0 {
		ob += gaborOrientBins
	}
	period = min(max(period, minPeriod), maxPeriod)
	pb := int(math.Round(period / gaborPeriodStep))
	key := pb*gaborOrientBins + ob
	if i, ok := b.index[key]; ok {
		return i
	}
	b.kernels = append(b.kernels, newGabor(float64(ob)*math.Pi/gaborOrientBins, float64(pb)*gaborPeriodStep, b.stride, b.pad))
	i := int32(len(b.kernels) - 1)
	b.index[key] = i
	return i
}

func newGabor(theta, period float64, stride, pad int) gaborKernel {
	su, sv := gaborSigmaU*period, gaborSigmaV*period
	r := min(int(math.Ceil(gaborExtent*max(su, sv))), pad)
	nx, ny := -math.Sin(theta), math.Cos(theta) // unit normal to the ridges
	type tap struct {
		off    int32
		g, env float64
	}
	var taps []tap
	sumG, sumE := 0.0, 0.0
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			u := float64(dx)*nx + float64(dy)*ny
			v := float64(dx)*ny - float64(dy)*nx
			q := u*u/(su*su) + v*v/(sv*sv)
			if q > gaborExtent*gaborExtent {
				continue
			}
			env := math.Exp(-q / 2)
			g := env * math.Cos(2*math.Pi*u/period)
			taps = append(taps, tap{int32(dy*stride + dx), g, env})
			sumG += g
			sumE += env
		}
	}
	// Remove the DC response so that flat areas give 0, and scale to unit
	// absolute sum so that responses are comparable across kernels.
	dc := sumG / sumE
	norm := 0.0
	for _, t := range taps {
		norm += math.Abs(t.g - dc*t.env)
	}
	k := gaborKernel{off: make([]int32, len(taps)), w: make([]float32, len(taps))}
	for i, t := range taps {
		k.off[i] = t.off
		k.w[i] = float32((t.g - dc*t.env) / norm)
	}
	return k
}

// enhance filters the normalised image at every foreground pixel with the
// Gabor kernel tuned to the local orientation and period, which joins
// broken ridges, separates touching ones and removes noise. Background
// pixels come out 0.
func enhance(f *fields, mask []bool, periods plane) plane {
	pad := gaborPad()
	stride := f.w + 2*pad
	src := make([]float32, stride*(f.h+2*pad))
	for y := range f.h {
		copy(src[(y+pad)*stride+pad:], f.norm.p[y*f.w:(y+1)*f.w])
	}
	bank := &gaborBank{stride: stride, pad: pad, index: map[int]int32{}}
	out := newPlane(f.w, f.h)
	for y := range f.h {
		for x := range f.w {
			i := y*f.w + x
			if !mask[i] {
				continue
			}
			per := float64(periods.at((float64(x)+0.5)/freqBlock-0.5, (float64(y)+0.5)/freqBlock-0.5))
			k := &bank.kernels[bank.kernelFor(float64(f.orient.p[i]), per)]
			base := (y+pad)*stride + x + pad
			w := k.w[:len(k.off)]
			s := float32(0)
			for j, o := range k.off {
				s += w[j] * src[base+int(o)]
			}
			out.p[i] = s
		}
	}
	return out
}
