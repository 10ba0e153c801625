package wsq

import (
	"bytes"
	"image"
	"math"
	"math/rand/v2"
	"testing"
)

// syntheticFingerprint draws a fingerprint-like image: sinusoidal ridges
// with a period of about 9 pixels (500 ppi) whose orientation turns all
// round a core, inside an elliptical finger area on a light background,
// with sensor noise. It is deterministic for a seed.
func syntheticFingerprint(w, h int, seed uint64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	cx, cy := 0.5*float64(w), 0.42*float64(h)
	for y := range h {
		for x := range w {
			dx, dy := float64(x)-cx, float64(y)-cy
			r := math.Hypot(dx, 1.25*dy)
			a := math.Atan2(dy, dx)
			phase := 2*math.Pi*r/9 + 2.5*math.Sin(2*a) + 0.8*math.Sin(float64(x)/23)
			ex, ey := dx/(0.46*float64(w)), (float64(y)-0.5*float64(h))/(0.5*float64(h))
			env := math.Max(0, 1-ex*ex-ey*ey)
			env = math.Min(1, 3*env)
			v := 225 - env*(95+85*math.Sin(phase)) + rng.NormFloat64()*6
			img.Pix[y*img.Stride+x] = uint8(math.Max(0, math.Min(255, math.Round(v))))
		}
	}
	return img
}

// psnr is the peak signal-to-noise ratio of b against a, in dB.
func psnr(a, b *image.Gray) float64 {
	var se float64
	for i := range a.Pix {
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		se += d * d
	}
	if se == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(se/float64(len(a.Pix))))
}

// encode encodes img or fails the test.
func encode(t testing.TB, img *image.Gray, o *Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, img, o); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

// seg is one marker segment of a WSQ file: the marker, the payload (nil
// for SOI and EOI) and, after an SOB, the entropy-coded data.
type seg struct {
	marker  uint16
	payload []byte
	data    []byte
}

// splitFile cuts a well-formed WSQ file into segments.
func splitFile(t testing.TB, b []byte) []seg {
	t.Helper()
	var segs []seg
	i := 0
	for i+2 <= len(b) {
		m := uint16(b[i])<<8 | uint16(b[i+1])
		i += 2
		if m == markerSOI || m == markerEOI {
			segs = append(segs, seg{marker: m})
			continue
		}
		n := int(b[i])<<8 | int(b[i+1])
		s := seg{marker: m, payload: append([]byte(nil), b[i+2:i+n]...)}
		i += n
		if m == markerSOB {
			j := i
			for !(b[j] == 0xFF && b[j+1] != 0) {
				j++
			}
			s.data = append([]byte(nil), b[i:j]...)
			i = j
		}
		segs = append(segs, s)
	}
	if i != len(b) {
		t.Fatalf("splitFile: %d trailing bytes", len(b)-i)
	}
	return segs
}

// joinFile serialises segments.
func joinFile(segs ...seg) []byte {
	var b []byte
	for _, s := range segs {
		b = append(b, byte(s.marker>>8), byte(s.marker))
		if s.marker != markerSOI && s.marker != markerEOI {
			n := len(s.payload) + 2
			b = append(b, byte(n>>8), byte(n))
			b = append(b, s.payload...)
		}
		b = append(b, s.data...)
	}
	return b
}

// find returns the index of the n-th (0-based) segment with the marker.
func find(segs []seg, marker uint16, n int) int {
	for i, s := range segs {
		if s.marker == marker {
			if n == 0 {
				return i
			}
			n--
		}
	}
	return -1
}

// without returns segs minus the segments at the given indices.
func without(segs []seg, idx ...int) []seg {
	var out []seg
next:
	for i, s := range segs {
		for _, j := range idx {
			if i == j {
				continue next
			}
		}
		out = append(out, s)
	}
	return out
}

// with returns a copy of segs with segment i replaced by s.
func with(segs []seg, i int, s seg) []seg {
	out := append([]seg(nil), segs...)
	out[i] = s
	return out
}

// insert returns a copy of segs with extra inserted before index i.
func insert(segs []seg, i int, extra ...seg) []seg {
	out := append([]seg(nil), segs[:i]...)
	out = append(out, extra...)
	return append(out, segs[i:]...)
}

func patched(p []byte, at int, v ...byte) []byte {
	q := append([]byte(nil), p...)
	copy(q[at:], v)
	return q
}
