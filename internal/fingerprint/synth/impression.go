package synth

import (
	"math"
	"math/rand/v2"

	"github.com/vneid/vneid/internal/fingerprint"
)

// ImpressionOptions describe how a finger is captured: the scanner, how the
// finger is placed and pressed, and how well the minutiae extractor does.
// Distances are in millimetres, angles in radians. Easy, Typical and Hard
// return the presets; the zero value is a perfect capture on a 15.2 × 20.3
// mm, 500 ppi sensor with no placement variation at all.
type ImpressionOptions struct {
	// Name labels the options in reports ("typical", …).
	Name string
	// Resolution is the scanner resolution in pixels per centimetre
	// (0: fingerprint.DefaultResolution, 197 ≈ 500 ppi).
	Resolution int
	// SensorWidth and SensorHeight are the capture window (0: 15.2 × 20.3
	// mm, a 300 × 400 pixel image at 500 ppi).
	SensorWidth, SensorHeight float64

	// Rotation is the largest rotation of the finger on the sensor; each
	// impression draws one uniformly in ±Rotation.
	Rotation float64
	// Shift is the largest displacement of the contact centre from the
	// sensor centre, drawn uniformly in ±Shift on each axis. With the
	// contact area of a plain impression (about 12.5 × 17 mm) a shift of 4.5
	// mm leaves two impressions as little as about 40 % of common area.
	Shift float64
	// ContactOffset is the standard deviation of where on the finger the
	// contact centre falls (more tip, more base, more to a side).
	ContactOffset float64
	// ContactScale is the range of the contact area's size relative to a
	// firm plain impression (12.5 × 17 mm); light touches are smaller.
	ContactScale [2]float64
	// ContactIrregularity shapes the contact border: the ellipse's radius
	// varies by a two-lobe term of up to this share and a three-lobe term
	// of up to 5/8 of it, with random phases.
	ContactIrregularity float64

	// Drag and Twist are the largest translation and rotation of the skin
	// outside the close-contact region relative to it: the plastic
	// distortion of Cappelli, Maio and Maltoni (2001), where the centre of
	// the contact sticks to the sensor and the rest of the skin is pushed
	// and twisted, with a smooth brake between the two.
	Drag, Twist float64
	// Elastic is the amplitude of a further smooth displacement field
	// (wavelengths 8–15 mm), for uneven pressure.
	Elastic float64

	// PositionNoise and AngleNoise are the standard deviations of the
	// extractor's error on each minutia's position (per axis) and
	// direction.
	PositionNoise, AngleNoise float64
	// Dropout is the chance that the extractor misses a minutia, and
	// EdgeDropout the extra chance within about a millimetre of the
	// contact or sensor border, where ridges are unclear.
	Dropout, EdgeDropout float64
	// Spurious is the expected number of false minutiae per true minutia
	// found: directions along the ridge flow (they come from broken or
	// joined ridges), a third of them as facing pairs (a broken ridge).
	Spurious float64
	// TypeFlip is the chance that an ending is reported as a bifurcation
	// or the other way round.
	TypeFlip float64
}

// Easy is a careful capture: a cooperative finger placed twice nearly the
// same way on a clean sensor (±10°, ±1 mm, little distortion, 5 % missed
// and 5 % spurious minutiae).
func Easy() ImpressionOptions {
	return ImpressionOptions{
		Name: "easy", Rotation: deg(10), Shift: 1, ContactOffset: 0.3, ContactScale: [2]float64{0.95, 1.05}, ContactIrregularity: 0.08,
		Drag: 0.2, Twist: deg(1), Elastic: 0.05,
		PositionNoise: 0.05, AngleNoise: deg(4), Dropout: 0.05, EdgeDropout: 0.15, Spurious: 0.05, TypeFlip: 0.05,
	}
}

// Typical is the enrolment desk: a supervised citizen on a 500 ppi optical
// scanner (±20°, ±2.5 mm, moderate distortion, 10 % missed plus more at the
// borders, 12 % spurious, 10 % mistyped).
func Typical() ImpressionOptions {
	return ImpressionOptions{
		Name: "typical", Rotation: deg(20), Shift: 2.5, ContactOffset: 0.7, ContactScale: [2]float64{0.85, 1.05}, ContactIrregularity: 0.08,
		Drag: 0.5, Twist: deg(3), Elastic: 0.1,
		PositionNoise: 0.08, AngleNoise: deg(6), Dropout: 0.10, EdgeDropout: 0.25, Spurious: 0.12, TypeFlip: 0.10,
	}
}

// Hard imitates the FVC2002/2004 collection protocol, where volunteers
// were asked to vary placement and pressure: rotation up to ±35°, shifts
// that leave down to about 40 % overlap, light and uneven touches, strong
// plastic distortion (up to 1 mm and 6° between the contact centre and
// the rest), and a poor extractor (20 % missed plus 30 % more at the
// borders, 30 % spurious, 25 % mistyped, larger position and angle errors).
func Hard() ImpressionOptions {
	return ImpressionOptions{
		Name: "hard", Rotation: deg(35), Shift: 4.5, ContactOffset: 1.5, ContactScale: [2]float64{0.7, 1.05}, ContactIrregularity: 0.08,
		Drag: 1.0, Twist: deg(6), Elastic: 0.2,
		PositionNoise: 0.12, AngleNoise: deg(10), Dropout: 0.20, EdgeDropout: 0.30, Spurious: 0.30, TypeFlip: 0.25,
	}
}

// Preset returns the preset named "easy", "typical" or "hard".
func Preset(name string) (ImpressionOptions, bool) {
	switch name {
	case "easy":
		return Easy(), true
	case "typical":
		return Typical(), true
	case "hard":
		return Hard(), true
	}
	return ImpressionOptions{}, false
}

func deg(d float64) float64 { return d * math.Pi / 180 }

// Nominal sizes, mm.
const (
	defaultSensorW, defaultSensorH = 15.2, 20.3
	contactA, contactB             = 6.2, 8.5 // semi-axes of a firm plain impression
	borderMargin                   = 0.2      // extractors find nothing this close to the image border
	edgeZone                       = 1.2      // width of the unclear band along the borders
)

// capture is one impression's drawn parameters.
type capture struct {
	o                ImpressionOptions
	cx, cy           float64 // contact centre, finger frame
	ea, eb           float64 // contact semi-axes
	shape            [2]wave // irregularity of the contact border (in angle)
	twistC, twistS   float64
	dragX, dragY     float64
	brakeK           float64
	rotC, rotS       float64
	sx, sy           float64 // placement shift, sensor frame
	elastic          [2]wave
	sensorW, sensorH float64
}

// Impression returns one capture of the finger as a minutiae extractor would
// report it, deterministically from seed and o (and the Master's seed). The
// View's minutiae are in pixels at o's resolution with record-quantised
// angles, in random order; it carries the image size and resolution, the
// Master's finger position, view number 0 and live-scan plain impression.
//
// The model, in order: a contact region (an irregular ellipse, its size and
// position on the finger drawn from o); plastic distortion of the skin
// around the contact centre; a smooth elastic field; rotation and shift on
// the sensor; only minutiae inside both the contact region and the sensor
// window survive, each missed with the dropout chance (higher near the
// borders); spurious minutiae are added along the ridge flow; then position
// and angle noise and type flips. Minutia qualities are lower near the
// borders and for spurious minutiae.
func (m Master) Impression(seed uint64, o ImpressionOptions) fingerprint.View {
	v, _ := m.impression(seed, o)
	return v
}

// impression is Impression that also returns, for each minutia of the
// View, the index of the master minutia it comes from (−1 for spurious
// ones).
func (m Master) impression(seed uint64, o ImpressionOptions) (fingerprint.View, []int) {
	rng := newRand(m.Seed*0x9e3779b97f4a7c15+uint64(m.Position), seed)
	norm := rng.NormFloat64
	uni := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	res := o.Resolution
	if res <= 0 {
		res = fingerprint.DefaultResolution
	}
	c := capture{o: o, sensorW: o.SensorWidth, sensorH: o.SensorHeight}
	if c.sensorW <= 0 {
		c.sensorW = defaultSensorW
	}
	if c.sensorH <= 0 {
		c.sensorH = defaultSensorH
	}
	c.cx, c.cy = norm()*o.ContactOffset, 0.5+norm()*o.ContactOffset
	scale := 1.0
	if o.ContactScale[1] > 0 {
		scale = uni(o.ContactScale[0], o.ContactScale[1])
	}
	c.ea, c.eb = contactA*scale, contactB*scale
	c.shape[0] = wave{a: uni(0, o.ContactIrregularity), kx: 2, phase: uni(0, 2*math.Pi)}
	c.shape[1] = wave{a: uni(0, 0.625*o.ContactIrregularity), kx: 3, phase: uni(0, 2*math.Pi)}
	tw := uni(-o.Twist, o.Twist)
	c.twistC, c.twistS = math.Cos(tw), math.Sin(tw)
	dr, da := o.Drag*math.Sqrt(rng.Float64()), uni(0, 2*math.Pi)
	c.dragX, c.dragY = dr*math.Cos(da), dr*math.Sin(da)
	c.brakeK = 3
	for i := range c.elastic {
		k, dir := 2*math.Pi/uni(8, 15), uni(0, 2*math.Pi)
		c.elastic[i] = wave{a: o.Elastic, kx: k * math.Cos(dir), ky: k * math.Sin(dir), phase: uni(0, 2*math.Pi)}
	}
	rot := uni(-o.Rotation, o.Rotation)
	c.rotC, c.rotS = math.Cos(rot), math.Sin(rot)
	c.sx, c.sy = uni(-o.Shift, o.Shift), uni(-o.Shift, o.Shift)

	type found struct {
		x, y, a float64 // sensor frame, mm
		typ     fingerprint.MinutiaType
		quality int
		master  int
	}
	var out []found
	visible := 0
	for mi, mm := range m.Minutiae {
		x, y, a, edge, ok := c.place(mm.X, mm.Y, mm.Angle)
		if !ok {
			continue
		}
		visible++
		if rng.Float64() < o.Dropout+o.EdgeDropout*edge {
			continue
		}
		q := int(math.Round(75 + 10*norm() - 25*edge))
		out = append(out, found{x, y, a, mm.Type, min(100, max(20, q)), mi})
	}
	// Spurious minutiae, drawn in the contact region of the finger frame.
	n := poisson(rng, o.Spurious*float64(visible))
	for tries := 0; n > 0 && tries < 100*n; tries++ {
		ang, r := uni(0, 2*math.Pi), math.Sqrt(rng.Float64())
		fx, fy := c.cx+r*c.ea*math.Cos(ang), c.cy+r*c.eb*math.Sin(ang)
		dir := m.Orientation(fx, fy) + math.Pi*float64(rng.IntN(2)) + norm()*0.1
		typ := fingerprint.MinutiaType(1 + rng.IntN(2))
		pts := [][3]float64{{fx, fy, dir}}
		if n >= 2 && rng.Float64() < 1.0/3 {
			d := uni(0.3, 0.8)
			pts = append(pts, [3]float64{fx + d*math.Cos(dir), fy + d*math.Sin(dir), dir + math.Pi})
		}
		for _, p := range pts {
			x, y, a, _, ok := c.place(p[0], p[1], p[2])
			if !ok {
				continue
			}
			q := int(math.Round(45 + 15*norm()))
			out = append(out, found{x, y, a, typ, min(100, max(5, q)), -1})
			n--
		}
	}
	v := fingerprint.View{
		Position:    m.Position,
		Impression:  fingerprint.ImpressionLivePlain,
		ResolutionX: res, ResolutionY: res,
		Width:  int(math.Round(c.sensorW * float64(res) / 10)),
		Height: int(math.Round(c.sensorH * float64(res) / 10)),
	}
	v.Quality = min(100, max(20, int(math.Round(90-100*(o.Dropout+o.Spurious)/2+5*norm()))))
	pxPerMM := float64(res) / 10
	var from []int
	for _, f := range out {
		x := f.x + norm()*o.PositionNoise
		y := f.y + norm()*o.PositionNoise
		px := int(math.Round((x + c.sensorW/2) * pxPerMM))
		py := int(math.Round((c.sensorH/2 - y) * pxPerMM))
		if px < 0 || py < 0 || px >= v.Width || py >= v.Height {
			continue
		}
		typ := f.typ
		if rng.Float64() < o.TypeFlip {
			typ = 3 - typ // ending ↔ bifurcation
		}
		code, _ := fingerprint.Minutia{Angle: f.a + norm()*o.AngleNoise}.AngleCode()
		v.Minutiae = append(v.Minutiae, fingerprint.Minutia{Type: typ, X: px, Y: py, Angle: fingerprint.AngleFromCode(code), Quality: f.quality})
		from = append(from, f.master)
		if len(v.Minutiae) == fingerprint.MaxMinutiae {
			break
		}
	}
	rng.Shuffle(len(v.Minutiae), func(i, j int) {
		v.Minutiae[i], v.Minutiae[j] = v.Minutiae[j], v.Minutiae[i]
		from[i], from[j] = from[j], from[i]
	})
	return v, from
}

// place maps a point and direction of the finger frame to the sensor frame
// (centred, Y up, mm). ok is false when the point is outside the contact
// region or the sensor window; edge is 0–1, 1 at a border.
func (c *capture) place(x, y, a float64) (sx, sy, sa, edge float64, ok bool) {
	// Inside the (irregular) contact ellipse?
	dx, dy := (x-c.cx)/c.ea, (y-c.cy)/c.eb
	phi := math.Atan2(dy, dx)
	rim := 1 + c.shape[0].a*math.Sin(2*phi+c.shape[0].phase) + c.shape[1].a*math.Sin(3*phi+c.shape[1].phase)
	s := math.Hypot(dx, dy) / rim
	if s > 1 {
		return 0, 0, 0, 0, false
	}
	sx, sy = c.mapPoint(x, y)
	const eps = 0.05
	tx, ty := c.mapPoint(x+eps*math.Cos(a), y+eps*math.Sin(a))
	sa = math.Atan2(ty-sy, tx-sx)
	hw, hh := c.sensorW/2-borderMargin, c.sensorH/2-borderMargin
	if math.Abs(sx) > hw || math.Abs(sy) > hh {
		return 0, 0, 0, 0, false
	}
	d := min((1-s)*math.Min(c.ea, c.eb), hw-math.Abs(sx), hh-math.Abs(sy))
	edge = math.Max(0, 1-d/edgeZone)
	return sx, sy, sa, edge, true
}

// mapPoint applies the skin distortion, the elastic field and the
// placement to a point of the finger frame.
func (c *capture) mapPoint(x, y float64) (float64, float64) {
	// Plastic distortion: the close-contact region (0.45 of the contact
	// ellipse) stays; outside it the skin moves towards the rigid motion
	// T(v) = c + R(twist)(v − c) + drag, braked smoothly with the distance
	// from that region.
	rx, ry := x-c.cx, y-c.cy
	ca, cb := 0.45*c.ea, 0.45*c.eb
	if s := math.Hypot(rx/ca, ry/cb); s > 1 {
		d := (s - 1) * math.Sqrt(ca*cb)
		brake := 1 - math.Exp(-d*d/(2*c.brakeK*c.brakeK))
		tx := c.twistC*rx - c.twistS*ry + c.dragX
		ty := c.twistS*rx + c.twistC*ry + c.dragY
		rx += (tx - rx) * brake
		ry += (ty - ry) * brake
	}
	rx += c.elastic[0].at(x, y)
	ry += c.elastic[1].at(x, y)
	return c.rotC*rx - c.rotS*ry + c.sx, c.rotS*rx + c.rotC*ry + c.sy
}

// poisson draws a Poisson variate with mean lambda (Knuth's method for small
// means, a rounded normal approximation above 30).
func poisson(rng *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*rng.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}
