package wsq

// Standard WSQ analysis filters (the 9/7 biorthogonal pair), centre tap
// first, as the DTT segment carries them.
var (
	stdLowHalf  = [5]float64{0.8526986790088938, 0.3774028556128305, -0.1106244044092826, -0.02384946501955685, 0.03782845550726404}
	stdHighHalf = [4]float64{0.7884856164055829, -0.41809227322161724, -0.04068941760916406, 0.06453888262869706}
)

// maxFilterLen bounds the filter lengths a DTT segment may declare.
const maxFilterLen = 31

// filterBank holds an odd-length symmetric analysis filter pair and the
// synthesis filters derived from it. Writing h0, h1 for the analysis
// low-pass and high-pass filters centred on tap 0, analysis of a signal x
// (extended by whole-sample symmetry) is
//
//	y[i] = sum_m h_{i mod 2}[m] x[i+m]
//
// with the even outputs forming the low-pass half and the odd outputs the
// high-pass half. Synthesis uses g0[m] = (-1)^m h1[m] for low-pass samples
// and g1[m] = (-1)^m h0[m] for high-pass samples:
//
//	x[i] = sum_j g_{j mod 2}[i-j] y[j]
//
// which inverts the analysis for the standard filters.
type filterBank struct {
	lowHalf, highHalf []float64 // centre tap first
	half              int       // largest half-length
	an                [2][]float32
	syn               [2][]float32 // syn[p][t]: weight of y[i-half+t] for output parity p
}

func newFilterBank(lowHalf, highHalf []float64) *filterBank {
	fb := &filterBank{lowHalf: lowHalf, highHalf: highHalf}
	fb.half = max(len(lowHalf), len(highHalf)) - 1
	taps := 2*fb.half + 1
	centred := func(halfTaps []float64, m int) float64 {
		if m < 0 {
			m = -m
		}
		if m >= len(halfTaps) {
			return 0
		}
		return halfTaps[m]
	}
	sign := func(m int) float64 {
		if m%2 != 0 {
			return -1
		}
		return 1
	}
	for p := range 2 {
		fb.an[p] = make([]float32, taps)
		fb.syn[p] = make([]float32, taps)
	}
	for t := range taps {
		m := t - fb.half
		fb.an[0][t] = float32(centred(lowHalf, m))
		fb.an[1][t] = float32(centred(highHalf, m))
		// Output i takes y[j] with j = i-half+t, that is i-j = half-t.
		d := fb.half - t
		g0 := sign(d) * centred(highHalf, d)
		g1 := sign(d) * centred(lowHalf, d)
		// For even i, j is even (low-pass) exactly when d is even.
		if d%2 == 0 {
			fb.syn[0][t], fb.syn[1][t] = float32(g0), float32(g1)
		} else {
			fb.syn[0][t], fb.syn[1][t] = float32(g1), float32(g0)
		}
	}
	return fb
}

func standardFilterBank() *filterBank {
	return newFilterBank(stdLowHalf[:], stdHighHalf[:])
}

// reflect maps j onto 0..n-1 by whole-sample symmetric extension about 0
// and n-1.
func reflect(j, n int) int {
	if n == 1 {
		return 0
	}
	p := 2 * (n - 1)
	j %= p
	if j < 0 {
		j += p
	}
	if j >= n {
		j = p - j
	}
	return j
}

// analyze splits x into out: the low-pass half (ceil(n/2) samples) then
// the high-pass half, or the other way round when inv is set. ext is
// scratch space of at least len(x)+2*half.
func (fb *filterBank) analyze(out, x, ext []float32, inv bool) {
	n := len(x)
	h := fb.half
	ext = ext[:n+2*h]
	if n > 2*h {
		copy(ext[h:], x)
		for j := 1; j <= h; j++ {
			ext[h-j] = x[reflect(-j, n)]
			ext[h+n-1+j] = x[reflect(n-1+j, n)]
		}
	} else {
		for j := -h; j < n+h; j++ {
			ext[j+h] = x[reflect(j, n)]
		}
	}
	lowOff, highOff := 0, (n+1)/2
	if inv {
		lowOff, highOff = n/2, 0
	}
	taps := 2*h + 1
	for i := 0; i < n; i++ {
		f := fb.an[i&1][:taps]
		w := ext[i : i+taps]
		var s float32
		for t, c := range f {
			s += w[t] * c
		}
		if i&1 == 0 {
			out[lowOff+i/2] = s
		} else {
			out[highOff+i/2] = s
		}
	}
}

// synthesize inverts analyze: in holds the two halves, out receives the
// signal.
func (fb *filterBank) synthesize(out, in, ext []float32, inv bool) {
	n := len(in)
	h := fb.half
	ext = ext[:n+2*h]
	lowOff, highOff := 0, (n+1)/2
	if inv {
		lowOff, highOff = n/2, 0
	}
	// ext[j+h] is the interleaved signal y[j], symmetrically extended.
	for j := -h; j < n+h; j++ {
		if j >= h && j < n-h {
			j = n - h // the middle is filled below
		}
		k := reflect(j, n)
		switch {
		case (k^j)&1 != 0: // only when n == 1: no high-pass sample exists
			ext[j+h] = 0
		case k&1 == 0:
			ext[j+h] = in[lowOff+k/2]
		default:
			ext[j+h] = in[highOff+k/2]
		}
	}
	for j := h; j < n-h; j++ {
		if j&1 == 0 {
			ext[j+h] = in[lowOff+j/2]
		} else {
			ext[j+h] = in[highOff+j/2]
		}
	}
	taps := 2*h + 1
	for i := 0; i < n; i++ {
		f := fb.syn[i&1][:taps]
		w := ext[i : i+taps]
		var s float32
		for t, c := range f {
			s += w[t] * c
		}
		out[i] = s
	}
}

// plane is a width×height array of coefficients or pixels, row-major.
type plane struct {
	w, h int
	v    []float32
}

// scratch holds the line buffers a transform needs.
type scratch struct{ line, out, ext []float32 }

func newScratch(p *plane, fb *filterBank) *scratch {
	n := max(p.w, p.h)
	return &scratch{line: make([]float32, n), out: make([]float32, n), ext: make([]float32, n+2*fb.half)}
}

// decompose applies the analysis splits of l to p in place.
func decompose(p *plane, l *layout, fb *filterBank) {
	sc := newScratch(p, fb)
	for _, s := range l.splits {
		r := s.r
		if r.w == 0 || r.h == 0 {
			continue
		}
		for y := r.y; y < r.y+r.h; y++ {
			row := p.v[y*p.w+r.x : y*p.w+r.x+r.w]
			x := sc.line[:r.w]
			copy(x, row)
			fb.analyze(row, x, sc.ext, s.invX)
		}
		for x := r.x; x < r.x+r.w; x++ {
			col := sc.line[:r.h]
			for y := range col {
				col[y] = p.v[(r.y+y)*p.w+x]
			}
			out := sc.out[:r.h]
			fb.analyze(out, col, sc.ext, s.invY)
			for y, v := range out {
				p.v[(r.y+y)*p.w+x] = v
			}
		}
	}
}

// reconstruct applies the synthesis splits of l to p in place, in the
// reverse order of decompose.
func reconstruct(p *plane, l *layout, fb *filterBank) {
	sc := newScratch(p, fb)
	for i := len(l.splits) - 1; i >= 0; i-- {
		s := l.splits[i]
		r := s.r
		if r.w == 0 || r.h == 0 {
			continue
		}
		for x := r.x; x < r.x+r.w; x++ {
			col := sc.line[:r.h]
			for y := range col {
				col[y] = p.v[(r.y+y)*p.w+x]
			}
			out := sc.out[:r.h]
			fb.synthesize(out, col, sc.ext, s.invY)
			for y, v := range out {
				p.v[(r.y+y)*p.w+x] = v
			}
		}
		for y := r.y; y < r.y+r.h; y++ {
			row := p.v[y*p.w+r.x : y*p.w+r.x+r.w]
			in := sc.line[:r.w]
			copy(in, row)
			fb.synthesize(row, in, sc.ext, s.invX)
		}
	}
}
