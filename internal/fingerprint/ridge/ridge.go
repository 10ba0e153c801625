// Package ridge renders synthetic fingerprint images, deterministically from
// a seed, for tests, demonstration data and the enrolment desk's demo
// scanner. It follows the approach of SFinGe (Cappelli, Maio and Maltoni):
// a "master" finger is drawn once — finger shape, ridge orientation field,
// ridge frequency map and a ridge pattern grown by iterative Gabor
// filtering — and any number of "impressions" of it are then rendered, each
// with its own placement, elastic distortion, pressure, noise and blur.
//
// # Master finger
//
//   - Finger shape: a rounded fingertip (half ellipse) over a slightly
//     tapering body, with a soft edge; centre, width and height vary with
//     the seed.
//   - Orientation field: the zero-pole model of Sherlock and Monro, in which
//     the ridge direction is θ(z) = ½(Σ arg(z−deltaₖ) − Σ arg(z−coreₖ)), with
//     one core and one delta for loops and tented arches, two of each for
//     whorls and none for plain arches (which use an explicit arch-shaped
//     field instead); a smooth random perturbation (±0.1 rad, wavelengths
//     150–400 px) keeps masters of the same class apart.
//   - Ridge period: a mean drawn in [8.8, 10.2] px (500 ppi fingers have
//     ridges about 0.46 mm apart) with smooth variation of ±0.5 px.
//   - Ridges: white noise filtered repeatedly with a Gabor filter tuned, at
//     every pixel, to the local orientation and period, clipping after each
//     pass. The noise organises into parallel ridges; where the ridge phase
//     cannot be reconciled, ridges end or fork, which creates minutiae the
//     way SFinGe's seeded growth does. Growth runs at half resolution and is
//     then refined at full resolution, which keeps a master under a second.
//
// # Impressions
//
// Render maps every image pixel back onto the master (rotation about the
// image centre, translation and a smooth elastic displacement that is zero
// in a rigid contact core and grows outside it, after Cappelli's distortion
// model), samples the master ridge field, thickens or thins the ridges for
// pressure, limits the print to an elliptic contact region, modulates
// contrast with patches of dryness, blurs, adds sensor noise and draws the
// background. Impression keeps the geometric mapping so that tests can
// carry the master's own features into the image (FromMaster).
//
// Everything here is synthetic: the images look like fingerprints to a
// minutiae extractor, but they are not real scans.
package ridge

import (
	"image"
	"math"
	"math/rand/v2"
)

// Class is a fingerprint pattern class.
type Class int

// Pattern classes. ClassAuto draws one from the seed with roughly the
// frequencies seen in the population (loops about two thirds, whorls about
// a quarter, arches the rest).
const (
	ClassAuto Class = iota
	Arch
	TentedArch
	LeftLoop
	RightLoop
	Whorl
)

// String returns the English name of the class.
func (c Class) String() string {
	switch c {
	case ClassAuto:
		return "auto"
	case Arch:
		return "arch"
	case TentedArch:
		return "tented arch"
	case LeftLoop:
		return "left loop"
	case RightLoop:
		return "right loop"
	case Whorl:
		return "whorl"
	}
	return "unknown"
}

// Default master image size in pixels (500 ppi, 20.3 × 25.4 mm).
const (
	DefaultWidth  = 400
	DefaultHeight = 500
	// Resolution is the resolution of every rendered image in pixels per
	// centimetre (500 ppi), the same as fingerprint.DefaultResolution.
	Resolution = 197
	// MinSize and MaxSize bound the master width and height in pixels.
	MinSize = 64
	MaxSize = 1024
)

// MasterOptions configures NewMaster. The zero value gives a 400×500 master
// of a class and ridge period drawn from the seed.
type MasterOptions struct {
	// Width and Height are the image size in pixels, 0 for the defaults;
	// values are clamped to [MinSize, MaxSize].
	Width, Height int
	// Class is the pattern class; ClassAuto draws it from the seed.
	Class Class
	// RidgePeriod is the mean ridge period in pixels; 0 draws it from the
	// seed in [8.8, 10.2]. Values are clamped to [6, 14].
	RidgePeriod float64
}

// Point is a position on the master, in pixels.
type Point struct{ X, Y float64 }

// Master is one synthetic finger. It is immutable once made and safe for
// concurrent use.
type Master struct {
	w, h          int
	class         Class
	period        float64
	cores, deltas []Point
	ridges        plane // ridge field in [-1, 1], positive on ridges
	mask          plane // finger shape in [0, 1]
	orient        plane // ridge direction, radians mod π, image axes (Y down)
}

// Growth and filter parameters.
const (
	orientBins   = 36   // Gabor orientations over π
	periodStep   = 0.25 // Gabor period quantisation, px
	growSigma    = 0.4  // Gabor envelope σ across the ridges, fraction of the period
	alongFrac    = 0.8  // Gabor envelope σ along the ridges, fraction of the period
	growPasses   = 14   // filtering passes at half resolution
	refinePasses = 2    // filtering passes at full resolution
)

// NewMaster draws the master finger for seed. Equal seeds and options give
// equal masters.
func NewMaster(seed uint64, o MasterOptions) *Master {
	r := rand.New(rand.NewPCG(seed, 0x6d617374657231))
	m := &Master{w: o.Width, h: o.Height, class: o.Class, period: o.RidgePeriod}
	if m.w == 0 {
		m.w = DefaultWidth
	}
	if m.h == 0 {
		m.h = DefaultHeight
	}
	m.w, m.h = min(max(m.w, MinSize), MaxSize), min(max(m.h, MinSize), MaxSize)
	if m.class <= ClassAuto || m.class > Whorl {
		switch p := r.Float64(); {
		case p < 0.05:
			m.class = Arch
		case p < 0.10:
			m.class = TentedArch
		case p < 0.42:
			m.class = LeftLoop
		case p < 0.74:
			m.class = RightLoop
		default:
			m.class = Whorl
		}
	}
	if m.period == 0 || math.IsNaN(m.period) {
		m.period = 8.8 + 1.4*r.Float64()
	}
	m.period = min(max(m.period, 6), 14)

	shape := newFingerShape(r, m.w, m.h)
	m.mask = shape.plane()
	of := newOrientationModel(r, m.class, shape)
	m.cores, m.deltas = of.cores, of.deltas
	m.orient = grid(m.w, m.h, 4, of.at)
	// grid interpolates angles linearly, which is wrong across the ±π/2
	// wrap; evaluate exactly where neighbouring grid samples disagree.
	fixOrientation(m.orient, of)
	pw := newWaves(r, 5, 200, 500)
	m.period = float64(float32(m.period))
	periods := grid(m.w, m.h, 8, func(x, y float64) float64 {
		return min(max(m.period+0.5*pw.at(x, y), 6), 14)
	})
	m.ridges = grow(r, m.mask, m.orient, periods)
	return m
}

// fixOrientation recomputes the orientation exactly at pixels whose value
// interpolation may have smeared across the π wrap.
func fixOrientation(pl plane, of orientationModel) {
	const step = 4
	for y := range pl.h {
		for x := range pl.w {
			gx, gy := x/step*step, y/step*step
			a := pl.p[min(gy, pl.h-1)*pl.w+min(gx, pl.w-1)]
			b := pl.p[min(gy, pl.h-1)*pl.w+min(gx+step, pl.w-1)]
			c := pl.p[min(gy+step, pl.h-1)*pl.w+min(gx, pl.w-1)]
			d := pl.p[min(gy+step, pl.h-1)*pl.w+min(gx+step, pl.w-1)]
			lo, hi := min(a, b, c, d), max(a, b, c, d)
			if hi-lo > 1 {
				pl.p[y*pl.w+x] = float32(of.at(float64(x), float64(y)))
			}
		}
	}
}

// Bounds returns the master's image rectangle.
func (m *Master) Bounds() image.Rectangle { return image.Rect(0, 0, m.w, m.h) }

// Class returns the pattern class.
func (m *Master) Class() Class { return m.class }

// RidgePeriod returns the mean ridge period in pixels.
func (m *Master) RidgePeriod() float64 { return m.period }

// Singularities returns the cores and deltas of the orientation model, in
// master pixels (some may lie outside the image).
func (m *Master) Singularities() (cores, deltas []Point) {
	return append([]Point(nil), m.cores...), append([]Point(nil), m.deltas...)
}

// Orientation returns the master's ridge direction at (x, y) in radians in
// [0, π), measured counter-clockwise from +X as seen on the image (Y down).
func (m *Master) Orientation(x, y int) float64 {
	x, y = min(max(x, 0), m.w-1), min(max(y, 0), m.h-1)
	a := -float64(m.orient.p[y*m.w+x])
	for a < 0 {
		a += math.Pi
	}
	for a >= math.Pi {
		a -= math.Pi
	}
	return a
}

// Ridges returns the clean master pattern: a binary image with ridges black
// (0) and valleys and the area outside the finger white (255). It is the
// ideal image of which impressions are degraded views.
func (m *Master) Ridges() *image.Gray {
	img := image.NewGray(m.Bounds())
	for i, v := range m.ridges.p {
		c := uint8(255)
		if v > 0 && m.mask.p[i] >= 0.5 {
			c = 0
		}
		img.Pix[i] = c
	}
	return img
}

// Mask returns the finger shape: 255 inside the finger, 0 outside.
func (m *Master) Mask() *image.Gray {
	img := image.NewGray(m.Bounds())
	for i, v := range m.mask.p {
		if v >= 0.5 {
			img.Pix[i] = 255
		}
	}
	return img
}

// fingerShape is the outline of the finger: a half ellipse on top of a
// body whose sides taper slightly towards the bottom.
type fingerShape struct {
	w, h               int
	cx, top, a, b, bot float64 // centre x, top y, half width, cap height, bottom y
	taper              float64
}

func newFingerShape(r *rand.Rand, w, h int) fingerShape {
	fw, fh := float64(w), float64(h)
	s := fingerShape{w: w, h: h}
	s.cx = fw/2 + (r.Float64()-0.5)*0.06*fw
	s.a = fw * (0.38 + 0.07*r.Float64())
	s.top = fh * (0.01 + 0.06*r.Float64())
	s.b = s.a * (0.9 + 0.35*r.Float64())
	s.bot = fh * (0.97 + 0.1*r.Float64())
	s.taper = 0.04 + 0.06*r.Float64()
	return s
}

// dist returns an approximate signed distance to the outline in pixels,
// positive inside.
func (s fingerShape) dist(x, y float64) float64 {
	capY := s.top + s.b
	if y < capY {
		dx, dy := (x-s.cx)/s.a, (y-capY)/s.b
		q := math.Sqrt(dx*dx + dy*dy)
		return (1 - q) * min(s.a, s.b)
	}
	half := s.a * (1 - s.taper*(y-capY)/float64(s.h))
	return min(half-math.Abs(x-s.cx), s.bot-y)
}

func (s fingerShape) plane() plane {
	pl := newPlane(s.w, s.h)
	for y := range s.h {
		for x := range s.w {
			pl.p[y*s.w+x] = float32(clamp01(0.5 + s.dist(float64(x), float64(y))/3))
		}
	}
	return pl
}
