package ridge

import (
	"image"
	"math"
	"math/rand/v2"
)

// ImpressionOptions bounds the variation between impressions. For every
// impression Render draws, from its seed, a rotation, a translation, a
// distortion amplitude, a pressure, a contact area, a blur and a dryness
// pattern within these bounds. The zero value renders the master in place,
// without distortion, noise, blur or dryness — an ideal impression (the
// elliptic contact region still rounds off the finger's corners, and the
// background grey and ridge contrast still vary with the seed).
type ImpressionOptions struct {
	// MaxRotation is the largest rotation in radians, counter-clockwise
	// as seen on the image, about the image centre; drawn in ±MaxRotation.
	MaxRotation float64
	// MaxShift is the largest translation in pixels, drawn in ±MaxShift
	// along each axis.
	MaxShift float64
	// Distortion is the largest elastic displacement in pixels. The
	// displacement is zero in a rigid region about the contact centre and
	// grows outside it (skin stretched against the platen).
	Distortion float64
	// Pressure is the largest ridge-thickness change, 0–1. Ridges are
	// drawn where the master ridge field (−1 … 1) exceeds a threshold drawn
	// in ±Pressure: a negative threshold thickens ridges (heavy pressure,
	// wet finger), a positive one thins and breaks them (light, dry).
	Pressure float64
	// MinContact is the smallest contact area as a fraction of the finger
	// (0–1]. The contact region is an ellipse scaled by a factor drawn in
	// [MinContact, 1]. Zero means 1: the whole finger touches.
	MinContact float64
	// Noise is the standard deviation of additive sensor noise in grey
	// levels.
	Noise float64
	// Blur is the largest Gaussian blur σ in pixels, drawn in
	// [Blur/2, Blur].
	Blur float64
	// Dryness, 0–1, is the strength of patches where the ridges lose
	// contrast and break up.
	Dryness float64
}

// Cooperative returns the options for the enrolment desk: a cooperative
// citizen placing the finger on a clean live scanner under an officer's
// eye — small rotation (±10°) and shift (±20 px, 1 mm), mild distortion
// (up to 6 px, 0.3 mm), moderate pressure and noise, most of the finger in contact.
func Cooperative() ImpressionOptions {
	return ImpressionOptions{
		MaxRotation: 10 * math.Pi / 180,
		MaxShift:    20,
		Distortion:  6,
		Pressure:    0.25,
		MinContact:  0.8,
		Noise:       8,
		Blur:        1,
		Dryness:     0.3,
	}
}

// Adverse returns options for difficult captures: large rotation (±25°)
// and shift (±45 px), strong distortion, uneven pressure, partial
// contact, heavy noise and dryness. Matching such impressions is expected
// to fail more often; they exercise the extractor's refusals and limits.
func Adverse() ImpressionOptions {
	return ImpressionOptions{
		MaxRotation: 25 * math.Pi / 180,
		MaxShift:    45,
		Distortion:  10,
		Pressure:    0.45,
		MinContact:  0.55,
		Noise:       18,
		Blur:        1.6,
		Dryness:     0.7,
	}
}

// Impression is one rendered impression of a master, with the geometry
// used to render it.
type Impression struct {
	// Image is the rendered impression: dark ridges on a light
	// background, the master's size, at Resolution.
	Image *image.Gray
	// Mask is 255 where the finger touched the scanner, 0 elsewhere.
	Mask *image.Gray
	// Rotation is the drawn rotation in radians, counter-clockwise as seen
	// on the image, about the image centre.
	Rotation float64
	// ShiftX and ShiftY are the drawn translation in pixels.
	ShiftX, ShiftY float64
	// Threshold is the drawn pressure threshold (negative: thicker ridges).
	Threshold float64
	// Contact is the drawn contact scale in [MinContact, 1].
	Contact float64

	cx, cy   float64 // rotation centre
	cos, sin float64 // of Rotation
	amp      float64 // largest elastic displacement, px
	dx, dy   waves   // displacement field shape
	// The displacement is 0 within rigidR0 of (rigidX, rigidY) (image
	// pixels) and full beyond rigidR1.
	rigidX, rigidY, rigidR0, rigidR1 float64
}

// displacement returns the elastic displacement at image point (x, y).
func (im *Impression) displacement(x, y float64) (float64, float64) {
	if im.amp == 0 {
		return 0, 0
	}
	w := smoothstep(im.rigidR0, im.rigidR1, math.Hypot(x-im.rigidX, y-im.rigidY))
	if w == 0 {
		return 0, 0
	}
	// waves.at is bounded by maxAbs; scale so that amp is the maximum.
	k := im.amp * w / im.dx.maxAbs()
	return k * im.dx.at(x, y), k * im.dy.at(x, y)
}

// ToMaster maps an image point of the impression to the master point
// rendered there.
func (im *Impression) ToMaster(x, y float64) (mx, my float64) {
	ux, uy := x-im.cx-im.ShiftX, y-im.cy-im.ShiftY
	// Inverse rotation (clockwise as seen by the drawn angle).
	mx = im.cx + ux*im.cos - uy*im.sin
	my = im.cy + ux*im.sin + uy*im.cos
	ddx, ddy := im.displacement(x, y)
	return mx + ddx, my + ddy
}

// FromMaster maps a master point to the image point where it is rendered,
// inverting ToMaster by fixed-point iteration (the distortion is smooth and
// small, so this converges in a few steps).
func (im *Impression) FromMaster(mx, my float64) (x, y float64) {
	x, y = mx, my
	for range 12 {
		ddx, ddy := im.displacement(x, y)
		ux, uy := mx-ddx-im.cx, my-ddy-im.cy
		// Forward rotation, counter-clockwise as seen (Y down).
		x = im.cx + im.ShiftX + ux*im.cos + uy*im.sin
		y = im.cy + im.ShiftY - ux*im.sin + uy*im.cos
	}
	return x, y
}

// Render returns an impression image of the master; see Impress.
func (m *Master) Render(seed uint64, o ImpressionOptions) *image.Gray {
	return m.Impress(seed, o).Image
}

// Impress renders one impression of the master. Equal seeds and options
// give equal impressions. Options out of range are clamped.
func (m *Master) Impress(seed uint64, o ImpressionOptions) *Impression {
	r := rand.New(rand.NewPCG(seed, 0x696d7072657373))
	finite := func(v, lo, hi float64) float64 {
		if math.IsNaN(v) {
			return lo
		}
		return min(max(v, lo), hi)
	}
	o.MaxRotation = finite(o.MaxRotation, 0, math.Pi)
	o.MaxShift = finite(o.MaxShift, 0, float64(max(m.w, m.h)))
	o.Distortion = finite(o.Distortion, 0, 30)
	o.Pressure = finite(o.Pressure, 0, 0.9)
	o.MinContact = finite(o.MinContact, 0, 1)
	if o.MinContact == 0 {
		o.MinContact = 1
	}
	o.MinContact = max(o.MinContact, 0.2)
	o.Noise = finite(o.Noise, 0, 100)
	o.Blur = finite(o.Blur, 0, 5)
	o.Dryness = finite(o.Dryness, 0, 1)
	sym := func(v float64) float64 { return (r.Float64()*2 - 1) * v }

	im := &Impression{cx: float64(m.w) / 2, cy: float64(m.h) / 2}
	im.Rotation = sym(o.MaxRotation)
	im.cos, im.sin = math.Cos(im.Rotation), math.Sin(im.Rotation)
	im.ShiftX, im.ShiftY = sym(o.MaxShift), sym(o.MaxShift)
	im.amp = o.Distortion * (0.4 + 0.6*r.Float64())
	im.dx, im.dy = newWaves(r, 3, 150, 350), newWaves(r, 3, 150, 350)
	im.Threshold = sym(o.Pressure)
	im.Contact = o.MinContact + (1-o.MinContact)*r.Float64()

	// Finger bounding box and contact ellipse, in master coordinates.
	fx0, fy0, fx1, fy1 := m.w, m.h, 0, 0
	for y := range m.h {
		for x := range m.w {
			if m.mask.p[y*m.w+x] >= 0.5 {
				fx0, fy0, fx1, fy1 = min(fx0, x), min(fy0, y), max(fx1, x), max(fy1, y)
			}
		}
	}
	ccx := float64(fx0+fx1)/2 + sym(0.05*float64(fx1-fx0))
	ccy := float64(fy0+fy1)/2 + sym(0.05*float64(fy1-fy0))
	ax := 0.62 * float64(fx1-fx0+1) * im.Contact
	ay := 0.62 * float64(fy1-fy0+1) * im.Contact
	amp := im.amp
	im.amp = 0
	im.rigidX, im.rigidY = im.FromMaster(ccx, ccy)
	im.amp = amp
	im.rigidR0 = 0.25 * min(ax, ay)
	im.rigidR1 = im.rigidR0 + 0.9*min(ax, ay)
	contact := func(x, y float64) float64 {
		ex, ey := (x-ccx)/ax, (y-ccy)/ay
		d := (1 - math.Sqrt(ex*ex+ey*ey)) * min(ax, ay)
		return clamp01(0.5 + d/4)
	}

	dry := newWaves(r, 6, 25, 110)
	bg := 225 + 25*r.Float64()
	contrast := 150 + 50*r.Float64()
	thr := float32(im.Threshold)

	// The backward map is smooth: evaluate it on a coarse grid.
	const step = 4
	gx := grid(m.w, m.h, step, func(x, y float64) float64 { mx, _ := im.ToMaster(x, y); return mx })
	gy := grid(m.w, m.h, step, func(x, y float64) float64 { _, my := im.ToMaster(x, y); return my })
	dryness := grid(m.w, m.h, step, func(x, y float64) float64 {
		mx, my := im.ToMaster(x, y)
		return o.Dryness * smoothstep(0.2, 1.4, dry.at(mx, my))
	})

	ink := newPlane(m.w, m.h)
	im.Mask = image.NewGray(image.Rect(0, 0, m.w, m.h))
	for y := range m.h {
		for x := range m.w {
			i := y*m.w + x
			mx, my := float64(gx.p[i]), float64(gy.p[i])
			cover := m.mask.at(mx, my, 0)
			if cover <= 0 {
				continue
			}
			cover *= float32(contact(mx, my))
			if cover <= 0 {
				continue
			}
			if cover >= 0.5 {
				im.Mask.Pix[i] = 255
			}
			v := m.ridges.at(mx, my, 0) - thr
			k := min(1, max(0, 0.5+1.6*v)) // ridge profile
			k *= 1 - dryness.p[i]*float32(0.3+0.7*r.Float64())
			ink.p[i] = cover * k
		}
	}
	blur(ink, o.Blur*(0.5+0.5*r.Float64()))
	im.Image = image.NewGray(image.Rect(0, 0, m.w, m.h))
	for i, k := range ink.p {
		v := bg - float64(k)*contrast
		if o.Noise > 0 {
			v += r.NormFloat64() * o.Noise
		}
		im.Image.Pix[i] = uint8(min(255, max(0, math.Round(v))))
	}
	return im
}
