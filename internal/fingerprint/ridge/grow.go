package ridge

import (
	"math"
	"math/rand/v2"
)

// kernel is one Gabor filter as a list of taps: offsets into a padded image
// and weights.
type kernel struct {
	off []int32
	w   []float32
}

// bank holds the Gabor kernels for one padded image stride, built on demand
// per (orientation bin, period bin).
type bank struct {
	stride, pad int
	sigma       float64 // envelope σ as a fraction of the period
	kernels     []kernel
	index       map[int]int32
}

func newBank(stride, pad int, sigma float64) *bank {
	return &bank{stride: stride, pad: pad, sigma: sigma, index: map[int]int32{}}
}

// kernelFor returns the index of the kernel for ridge direction theta
// (image axes) and period (pixels).
func (b *bank) kernelFor(theta, period float64) int32 {
	ob := int(math.Round(wrapHalf(theta)/math.Pi*orientBins)) % orientBins
	if ob < 0 {
		ob += orientBins
	}
	pb := int(math.Round(period / periodStep))
	key := pb*orientBins + ob
	if i, ok := b.index[key]; ok {
		return i
	}
	k := gabor(float64(ob)*math.Pi/orientBins, float64(pb)*periodStep, b.sigma, b.stride, b.pad)
	b.kernels = append(b.kernels, k)
	i := int32(len(b.kernels) - 1)
	b.index[key] = i
	return i
}

// gabor builds an even-symmetric, zero-mean Gabor kernel for ridges running
// in direction theta with the given period; its radius is at most pad.
func gabor(theta, period, sigmaFrac float64, stride, pad int) kernel {
	su, sv := sigmaFrac*period, alongFrac*period
	r := min(int(math.Ceil(2.5*max(su, sv))), pad)
	nx, ny := -math.Sin(theta), math.Cos(theta) // unit normal to the ridges
	type tap struct {
		off    int32
		g, env float64
	}
	var taps []tap
	sumG, sumE, peak := 0.0, 0.0, 0.0
	for dy := -r; dy <= r; dy++ {
		for dx := -r; dx <= r; dx++ {
			d2 := float64(dx*dx + dy*dy)
			if d2 > float64(r*r) {
				continue
			}
			u := float64(dx)*nx + float64(dy)*ny
			v := float64(dx)*ny - float64(dy)*nx
			env := math.Exp(-u*u/(2*su*su) - v*v/(2*sv*sv))
			g := env * math.Cos(2*math.Pi*u/period)
			taps = append(taps, tap{int32(dy*stride + dx), g, env})
			sumG += g
			sumE += env
			peak = max(peak, math.Abs(g))
		}
	}
	var k kernel
	dc := sumG / sumE
	norm := 0.0
	for _, t := range taps {
		norm += math.Abs(t.g - dc*t.env)
	}
	for _, t := range taps {
		g := t.g - dc*t.env
		if math.Abs(g) < 0.01*peak {
			continue
		}
		k.off = append(k.off, t.off)
		k.w = append(k.w, float32(g/norm))
	}
	return k
}

// filterer applies a bank of kernels, one chosen per pixel, over the active
// pixels of a padded image.
type filterer struct {
	w, h, pad, stride int
	active            []int32 // padded indices of the pixels to filter
	kidx              []int32 // kernel per active pixel
	bank              *bank
}

func newFilterer(mask, orient, periods plane, scale float64, sigma float64) *filterer {
	pad := int(math.Ceil(2.5 * max(sigma, alongFrac) * 14 * scale))
	f := &filterer{w: mask.w, h: mask.h, pad: pad, stride: mask.w + 2*pad}
	f.bank = newBank(f.stride, pad, sigma)
	for y := range mask.h {
		for x := range mask.w {
			i := y*mask.w + x
			if mask.p[i] <= 0 {
				continue
			}
			f.active = append(f.active, int32((y+pad)*f.stride+x+pad))
			f.kidx = append(f.kidx, f.bank.kernelFor(float64(orient.p[i]), float64(periods.p[i])*scale))
		}
	}
	return f
}

func (f *filterer) padded() []float32 { return make([]float32, f.stride*(f.h+2*f.pad)) }

// apply filters src into dst over the active pixels and returns the RMS of
// the response.
func (f *filterer) apply(dst, src []float32) float64 {
	ss := 0.0
	for n, i := range f.active {
		k := &f.bank.kernels[f.kidx[n]]
		w := k.w[:len(k.off)]
		s := float32(0)
		for j, o := range k.off {
			s += w[j] * src[int(i)+int(o)]
		}
		dst[i] = s
		ss += float64(s * s)
	}
	if len(f.active) == 0 {
		return 0
	}
	return math.Sqrt(ss / float64(len(f.active)))
}

// saturate scales the active pixels of p by gain and clips them to [−1, 1].
func (f *filterer) saturate(p []float32, gain float64) {
	g := float32(gain)
	for _, i := range f.active {
		p[i] = min(1, max(-1, p[i]*g))
	}
}

// grow grows the ridge pattern: white noise filtered growPasses times at
// half resolution, then refinePasses times at full resolution. The result
// is in [−1, 1], positive on ridges.
func grow(r *rand.Rand, mask, orient, periods plane) plane {
	// Grow slightly beyond the finger so that ridges reach its edge intact.
	active := newPlane(mask.w, mask.h)
	for i, v := range mask.p {
		active.p[i] = v
	}
	dilate(active, 6)

	hw, hh := (mask.w+1)/2, (mask.h+1)/2
	hActive, hOrient, hPeriods := newPlane(hw, hh), newPlane(hw, hh), newPlane(hw, hh)
	for y := range hh {
		for x := range hw {
			sx, sy := min(2*x, mask.w-1), min(2*y, mask.h-1)
			hActive.p[y*hw+x] = active.p[sy*mask.w+sx]
			hOrient.p[y*hw+x] = orient.p[sy*mask.w+sx]
			hPeriods.p[y*hw+x] = periods.p[sy*mask.w+sx]
		}
	}
	hf := newFilterer(hActive, hOrient, hPeriods, 0.5, growSigma)
	a, b := hf.padded(), hf.padded()
	for _, i := range hf.active {
		a[i] = float32(r.Float64()*2 - 1)
	}
	for range growPasses {
		rms := hf.apply(b, a)
		if rms == 0 {
			break
		}
		hf.saturate(b, 1.6/rms)
		a, b = b, a
	}

	ff := newFilterer(active, orient, periods, 1, growSigma)
	fa, fb := ff.padded(), ff.padded()
	for y := range mask.h {
		for x := range mask.w {
			hx, hy := (float64(x)-0.5)/2, (float64(y)-0.5)/2
			hx, hy = min(max(hx, 0), float64(hw-1)), min(max(hy, 0), float64(hh-1))
			x0, y0 := int(hx), int(hy)
			x1, y1 := min(x0+1, hw-1), min(y0+1, hh-1)
			fx, fy := float32(hx-float64(x0)), float32(hy-float64(y0))
			at := func(xx, yy int) float32 { return a[(yy+hf.pad)*hf.stride+xx+hf.pad] }
			v := (at(x0, y0)*(1-fx)+at(x1, y0)*fx)*(1-fy) + (at(x0, y1)*(1-fx)+at(x1, y1)*fx)*fy
			fa[(y+ff.pad)*ff.stride+x+ff.pad] = v
		}
	}
	for p := range refinePasses {
		rms := ff.apply(fb, fa)
		if rms == 0 {
			break
		}
		gain := 1.6 / rms
		if p == refinePasses-1 {
			gain = 1.1 / rms // keep a smooth ridge profile on the last pass
		}
		ff.saturate(fb, gain)
		fa, fb = fb, fa
	}
	out := newPlane(mask.w, mask.h)
	for y := range mask.h {
		copy(out.p[y*mask.w:(y+1)*mask.w], fa[(y+ff.pad)*ff.stride+ff.pad:])
	}
	return out
}

// dilate grows the positive region of p by r pixels (square structuring
// element), setting grown pixels to 1.
func dilate(p plane, r int) {
	src := append([]float32(nil), p.p...)
	tmp := make([]float32, len(src))
	for y := range p.h {
		for x := range p.w {
			v := float32(0)
			for dx := max(0, x-r); dx <= min(p.w-1, x+r); dx++ {
				if src[y*p.w+dx] > 0 {
					v = 1
					break
				}
			}
			tmp[y*p.w+x] = v
		}
	}
	for y := range p.h {
		for x := range p.w {
			if p.p[y*p.w+x] > 0 {
				continue
			}
			for dy := max(0, y-r); dy <= min(p.h-1, y+r); dy++ {
				if tmp[dy*p.w+x] > 0 {
					p.p[y*p.w+x] = 1
					break
				}
			}
		}
	}
}
