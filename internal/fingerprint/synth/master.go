// Package synth generates synthetic fingerprint minutiae for tests, demos
// and the matcher's evaluation: master fingers (a pattern class, a ridge
// orientation field with cores and deltas, and the minutiae of the whole
// fingertip), impressions of them as a scanner and a minutiae extractor
// would deliver (placement, partial capture, skin distortion, noise, missed,
// spurious and mistyped minutiae), and an FVC-style evaluation of the
// fingerprint matcher on them (Evaluate).
//
// Everything is deterministic from its seeds. The data are minutiae only:
// no images are drawn. They are not real fingerprints; docs/fingerprint.md
// describes the model and its limits.
package synth

import (
	"math"
	"math/rand/v2"

	"github.com/vneid/vneid/internal/fingerprint"
)

// Class is a fingerprint pattern class (Henry classes, the five SFinGe and
// FVC use).
type Class uint8

// Pattern classes.
const (
	Arch Class = iota
	TentedArch
	LeftLoop
	RightLoop
	Whorl
)

// String returns the English name of the class.
func (c Class) String() string {
	switch c {
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
	return "unknown class"
}

// Point is a position in millimetres in a finger's frame: origin at the
// centre of the fingertip pad, X to the right and Y towards the tip (up on
// the image).
type Point struct{ X, Y float64 }

// Minutia is a master minutia in the finger's frame: position in
// millimetres, direction in radians counter-clockwise from +X (the ISO
// convention as seen on the image).
type Minutia struct {
	X, Y, Angle float64
	Type        fingerprint.MinutiaType
}

// Master is one synthetic finger: its pattern and every minutia of the
// fingertip pad (an ellipse of PadWidth × PadHeight millimetres, larger
// than any plain impression, so that impressions placed differently see
// different parts of it). Build it with NewMaster; the zero value has no
// minutiae.
type Master struct {
	// Seed and Position are NewMaster's arguments.
	Seed     uint64
	Position fingerprint.FingerPosition
	Class    Class
	// Cores and Deltas are the singular points of the orientation field.
	Cores, Deltas []Point
	// Density is the minutia density drawn for this finger, per mm².
	Density  float64
	Minutiae []Minutia

	// Orientation field parameters beyond the singular points.
	tilt  float64 // θ∞: ridge direction far from the singular points
	archH float64 // arch height (plain arches), mm
	archW float64 // arch half-width, mm
	waves [3]wave // smooth perturbation of the orientation
	dens  [2]wave // smooth modulation of the minutia density
}

// wave is one term of a smooth 2-D perturbation: a·sin(kx·x + ky·y + φ).
type wave struct{ a, kx, ky, phase float64 }

func (w wave) at(x, y float64) float64 { return w.a * math.Sin(w.kx*x+w.ky*y+w.phase) }

// Pad and generation constants of NewMaster.
const (
	// PadWidth and PadHeight are the axes of the elliptic fingertip pad
	// that a Master's minutiae fill, in millimetres.
	PadWidth, PadHeight = 19.0, 25.0
	// MinSpacing is the least distance between two master minutiae, mm
	// (about one ridge period).
	MinSpacing = 0.5
	// pairChance is the chance that a new minutia comes with a partner on
	// the same ridge (a short ridge, an island or a lake): real minutiae
	// often come in such facing pairs.
	pairChance = 0.15
)

// newRand returns the generator of one purpose (stream) of one seed.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream^0x5eed_f1e9_e0_19794))
}

// NewMaster draws the finger seed deterministically: the same seed and
// position give the same Master. The pattern class follows the natural
// frequencies (arch 3.7 %, tented arch 2.9 %, left loop 33.8 %, right loop
// 31.7 %, whorl 27.9 %); singular points are placed for the class; the
// minutia density is drawn from 0.25–0.45 per mm², which puts roughly 40–80
// minutiae in a full plain impression of 12 × 16 mm; minutiae are at least
// MinSpacing apart, 60 % ridge endings, their directions along the
// orientation field (either way along the ridge) with a few degrees of
// scatter, and 15 % come with a facing partner on the same ridge.
func NewMaster(seed uint64, pos fingerprint.FingerPosition) Master {
	rng := newRand(seed, uint64(pos)+1)
	m := Master{Seed: seed, Position: pos}
	u := rng.Float64()
	switch {
	case u < 0.037:
		m.Class = Arch
	case u < 0.066:
		m.Class = TentedArch
	case u < 0.404:
		m.Class = LeftLoop
	case u < 0.721:
		m.Class = RightLoop
	default:
		m.Class = Whorl
	}
	norm := rng.NormFloat64
	uni := func(a, b float64) float64 { return a + (b-a)*rng.Float64() }
	m.tilt = norm() * 0.12
	switch m.Class {
	case Arch:
		m.archH, m.archW = uni(1.5, 4), uni(4, 7)
	case TentedArch:
		c := Point{norm() * 1.2, 0.5 + norm()*1.2}
		m.Cores = []Point{c}
		m.Deltas = []Point{{c.X + norm()*0.3, c.Y - uni(1.5, 3)}}
	case LeftLoop, RightLoop:
		c := Point{norm() * 1.3, 1 + norm()*1.3}
		side := 1.0 // a left loop's delta is right of its core
		if m.Class == RightLoop {
			side = -1
		}
		m.Cores = []Point{c}
		m.Deltas = []Point{{c.X + side*uni(3.5, 6.5), c.Y - uni(4, 7)}}
	case Whorl:
		c := Point{norm() * 1.2, 0.8 + norm()*1.2}
		a, r := uni(0, math.Pi), uni(0.4, 1.2)
		m.Cores = []Point{{c.X + r*math.Cos(a), c.Y + r*math.Sin(a)}, {c.X - r*math.Cos(a), c.Y - r*math.Sin(a)}}
		m.Deltas = []Point{{c.X - uni(4, 6.5), c.Y - uni(4, 6.5)}, {c.X + uni(4, 6.5), c.Y - uni(4, 6.5)}}
	}
	for i := range m.waves {
		k, dir := 2*math.Pi/uni(7, 16), uni(0, 2*math.Pi)
		m.waves[i] = wave{a: uni(0.04, 0.12), kx: k * math.Cos(dir), ky: k * math.Sin(dir), phase: uni(0, 2*math.Pi)}
	}
	for i := range m.dens {
		k, dir := 2*math.Pi/uni(6, 14), uni(0, 2*math.Pi)
		m.dens[i] = wave{a: 0.15, kx: k * math.Cos(dir), ky: k * math.Sin(dir), phase: uni(0, 2*math.Pi)}
	}
	m.Density = uni(0.25, 0.45)

	// Minutiae: dart throwing in the pad with a minimum spacing, accepted
	// with the local density modulation, until the pad holds its share.
	ax, ay := PadWidth/2, PadHeight/2
	want := int(math.Round(m.Density * math.Pi * ax * ay))
	g := newGrid(ax, ay, MinSpacing)
	for tries := 0; len(m.Minutiae) < want && tries < 200*want; tries++ {
		x, y := uni(-ax, ax), uni(-ay, ay)
		if x*x/(ax*ax)+y*y/(ay*ay) > 1 || rng.Float64() > m.densityAt(x, y)/1.3 || g.near(x, y, m.Minutiae) {
			continue
		}
		typ := fingerprint.TypeEnding
		if rng.Float64() < 0.4 {
			typ = fingerprint.TypeBifurcation
		}
		dir := m.Orientation(x, y) + math.Pi*float64(rng.IntN(2)) + norm()*0.06
		g.add(x, y, len(m.Minutiae))
		m.Minutiae = append(m.Minutiae, Minutia{X: x, Y: y, Angle: wrap2π(dir), Type: typ})
		if rng.Float64() < pairChance && len(m.Minutiae) < want {
			// The partner: along the ridge, facing back.
			d := uni(0.6, 2.0)
			px, py := x+d*math.Cos(dir), y+d*math.Sin(dir)
			if px*px/(ax*ax)+py*py/(ay*ay) <= 1 && !g.near(px, py, m.Minutiae) {
				pdir := m.Orientation(px, py)
				if math.Cos(pdir-dir) > 0 {
					pdir += math.Pi // face the first minutia
				}
				g.add(px, py, len(m.Minutiae))
				m.Minutiae = append(m.Minutiae, Minutia{X: px, Y: py, Angle: wrap2π(pdir + norm()*0.06), Type: typ})
			}
		}
	}
	return m
}

// densityAt is the relative minutia density (about 0.7–1.3) at (x, y).
func (m Master) densityAt(x, y float64) float64 {
	return 1 + m.dens[0].at(x, y) + m.dens[1].at(x, y)
}

// Orientation returns the ridge orientation at (x, y) in the finger's
// frame, in radians in [0, π): the zero-pole model of Sherlock and Monro
// (half the sum of the angles seen from each core, minus half the sum seen
// from each delta, plus the far-field direction), a bump for plain arches,
// and a smooth perturbation of a few degrees so no two fingers share a
// field.
func (m Master) Orientation(x, y float64) float64 {
	o := m.tilt
	for _, c := range m.Cores {
		o += 0.5 * math.Atan2(y-c.Y, x-c.X)
	}
	for _, d := range m.Deltas {
		o -= 0.5 * math.Atan2(y-d.Y, x-d.X)
	}
	if m.archW > 0 {
		// Ridges follow y = y0 + h·exp(−x²/w²), flattening away from the
		// arch's axis and towards the base of the finger.
		w2 := m.archW * m.archW
		damp := 1 / (1 + math.Exp(-(y+4)/2))
		o += math.Atan(-2 * m.archH * x / w2 * math.Exp(-x*x/w2) * damp)
	}
	for _, w := range m.waves {
		o += w.at(x, y)
	}
	o = math.Mod(o, math.Pi)
	if o < 0 {
		o += math.Pi
	}
	return o
}

// wrap2π reduces an angle to [0, 2π).
func wrap2π(a float64) float64 {
	a = math.Mod(a, 2*math.Pi)
	if a < 0 {
		a += 2 * math.Pi
	}
	return a
}

// grid is a bucket grid for the minimum-spacing test.
type grid struct {
	ox, oy, cell float64
	nx, ny       int
	cells        [][]int32
	spacing      float64
}

func newGrid(ax, ay, spacing float64) *grid {
	g := &grid{ox: -ax, oy: -ay, cell: spacing, spacing: spacing}
	g.nx, g.ny = int(2*ax/spacing)+1, int(2*ay/spacing)+1
	g.cells = make([][]int32, g.nx*g.ny)
	return g
}

func (g *grid) index(x, y float64) (int, int) {
	return int((x - g.ox) / g.cell), int((y - g.oy) / g.cell)
}

func (g *grid) add(x, y float64, i int) {
	cx, cy := g.index(x, y)
	if cx >= 0 && cy >= 0 && cx < g.nx && cy < g.ny {
		g.cells[cy*g.nx+cx] = append(g.cells[cy*g.nx+cx], int32(i))
	}
}

func (g *grid) near(x, y float64, pts []Minutia) bool {
	cx, cy := g.index(x, y)
	for j := max(cy-1, 0); j <= min(cy+1, g.ny-1); j++ {
		for i := max(cx-1, 0); i <= min(cx+1, g.nx-1); i++ {
			for _, k := range g.cells[j*g.nx+i] {
				p := pts[k]
				if (p.X-x)*(p.X-x)+(p.Y-y)*(p.Y-y) < g.spacing*g.spacing {
					return true
				}
			}
		}
	}
	return false
}
