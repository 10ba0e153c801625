package ridge

import (
	"math"
	"math/rand/v2"
)

// orientationModel is the master's ridge orientation field. Internally
// angles are in image axes (atan2 with Y pointing down), in (−π/2, π/2].
type orientationModel struct {
	class         Class
	cores, deltas []Point
	// arch parameters: centre x, slope gain and the rows where arching
	// fades out.
	archX, archW, archK, archTop, archBot float64
	perturb                               waves
	perturbAmp                            float64
}

func newOrientationModel(r *rand.Rand, class Class, s fingerShape) orientationModel {
	o := orientationModel{class: class, perturb: newWaves(r, 4, 150, 400), perturbAmp: 0.1}
	fh := float64(s.h)
	cx := s.cx + (r.Float64()-0.5)*0.12*s.a
	cy := fh * (0.36 + 0.14*r.Float64())
	jit := func(v float64) float64 { return (r.Float64() - 0.5) * 2 * v }
	switch class {
	case Arch:
		o.archX = cx
		o.archW = s.a * (0.5 + 0.3*r.Float64())
		o.archK = 1.2 + 0.8*r.Float64()
		o.archTop = s.top
		o.archBot = s.bot
	case TentedArch:
		o.cores = []Point{{cx, cy}}
		o.deltas = []Point{{cx + jit(8), cy + 45 + 30*r.Float64()}}
	case LeftLoop, RightLoop:
		side := 1.0
		if class == RightLoop {
			side = -1
		}
		o.cores = []Point{{cx, cy}}
		o.deltas = []Point{{cx + side*(100+50*r.Float64()), cy + 110 + 60*r.Float64()}}
	case Whorl:
		d := 8 + 20*r.Float64()
		t := r.Float64() * math.Pi
		o.cores = []Point{{cx - d*math.Cos(t), cy - d*math.Sin(t)}, {cx + d*math.Cos(t), cy + d*math.Sin(t)}}
		dy := cy + 110 + 50*r.Float64()
		o.deltas = []Point{{cx - 110 - 40*r.Float64(), dy + jit(20)}, {cx + 110 + 40*r.Float64(), dy + jit(20)}}
	}
	return o
}

// at returns the ridge direction at (x, y), image axes, in (−π/2, π/2].
func (o orientationModel) at(x, y float64) float64 {
	var t float64
	if o.class == Arch {
		u := (x - o.archX) / o.archW
		fade := clamp01((o.archBot - y) / (o.archBot - o.archTop))
		t = math.Atan(o.archK * fade * 2 * u * math.Exp(-u*u))
	} else {
		// With Y pointing down the signs of Sherlock and Monro's
		// formula swap.
		for _, d := range o.deltas {
			t -= math.Atan2(y-d.Y, x-d.X)
		}
		for _, c := range o.cores {
			t += math.Atan2(y-c.Y, x-c.X)
		}
		t /= 2
	}
	t += o.perturbAmp * o.perturb.at(x, y)
	return wrapHalf(t)
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
