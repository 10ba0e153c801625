package ridge

import (
	"math"
	"math/rand/v2"
)

// plane is a float32 image, row-major, w×h.
type plane struct {
	w, h int
	p    []float32
}

func newPlane(w, h int) plane { return plane{w: w, h: h, p: make([]float32, w*h)} }

// at samples the plane bilinearly at (x, y); outside it returns outside.
func (pl plane) at(x, y float64, outside float32) float32 {
	if !(x >= 0 && y >= 0 && x <= float64(pl.w-1) && y <= float64(pl.h-1)) {
		return outside
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, pl.w-1), min(y0+1, pl.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	r0 := pl.p[y0*pl.w+x0]*(1-fx) + pl.p[y0*pl.w+x1]*fx
	r1 := pl.p[y1*pl.w+x0]*(1-fx) + pl.p[y1*pl.w+x1]*fx
	return r0*(1-fy) + r1*fy
}

// waves is a smooth random field: a sum of plane cosine waves with random
// directions, wavelengths and phases, normalised to unit variance.
type waves struct {
	kx, ky, ph []float64
	amp        float64
}

// newWaves draws n waves with wavelengths between minLen and maxLen pixels.
func newWaves(r *rand.Rand, n int, minLen, maxLen float64) waves {
	w := waves{amp: math.Sqrt(2 / float64(n))}
	for range n {
		dir := r.Float64() * 2 * math.Pi
		l := minLen + r.Float64()*(maxLen-minLen)
		k := 2 * math.Pi / l
		w.kx = append(w.kx, k*math.Cos(dir))
		w.ky = append(w.ky, k*math.Sin(dir))
		w.ph = append(w.ph, r.Float64()*2*math.Pi)
	}
	return w
}

// at evaluates the field at (x, y).
func (w waves) at(x, y float64) float64 {
	s := 0.0
	for i := range w.kx {
		s += math.Cos(w.kx[i]*x + w.ky[i]*y + w.ph[i])
	}
	return s * w.amp
}

// maxAbs bounds |at(x, y)|.
func (w waves) maxAbs() float64 { return w.amp * float64(len(w.kx)) }

// grid evaluates fn on a coarse grid (every step pixels) and returns the
// plane interpolated bilinearly from it: smooth fields do not need to be
// evaluated at every pixel.
func grid(w, h, step int, fn func(x, y float64) float64) plane {
	gw, gh := (w+step-1)/step+1, (h+step-1)/step+1
	g := newPlane(gw, gh)
	for j := range gh {
		for i := range gw {
			g.p[j*gw+i] = float32(fn(float64(i*step), float64(j*step)))
		}
	}
	out := newPlane(w, h)
	inv := 1 / float64(step)
	for y := range h {
		for x := range w {
			out.p[y*w+x] = g.at(float64(x)*inv, float64(y)*inv, 0)
		}
	}
	return out
}

// blur applies a separable Gaussian blur of standard deviation sigma
// pixels in place (edges are clamped).
func blur(pl plane, sigma float64) {
	if sigma <= 0.05 {
		return
	}
	r := int(math.Ceil(3 * sigma))
	k := make([]float32, 2*r+1)
	sum := float32(0)
	for i := -r; i <= r; i++ {
		k[i+r] = float32(math.Exp(-float64(i*i) / (2 * sigma * sigma)))
		sum += k[i+r]
	}
	for i := range k {
		k[i] /= sum
	}
	tmp := make([]float32, max(pl.w, pl.h))
	for y := range pl.h {
		row := pl.p[y*pl.w : (y+1)*pl.w]
		for x := range pl.w {
			s := float32(0)
			for i := -r; i <= r; i++ {
				s += k[i+r] * row[min(max(x+i, 0), pl.w-1)]
			}
			tmp[x] = s
		}
		copy(row, tmp[:pl.w])
	}
	for x := range pl.w {
		for y := range pl.h {
			s := float32(0)
			for i := -r; i <= r; i++ {
				s += k[i+r] * pl.p[min(max(y+i, 0), pl.h-1)*pl.w+x]
			}
			tmp[y] = s
		}
		for y := range pl.h {
			pl.p[y*pl.w+x] = tmp[y]
		}
	}
}

func clamp01(v float64) float64 { return min(1, max(0, v)) }

// smoothstep is 0 below e0, 1 above e1 and a cubic ramp in between.
func smoothstep(e0, e1, v float64) float64 {
	t := clamp01((v - e0) / (e1 - e0))
	return t * t * (3 - 2*t)
}
