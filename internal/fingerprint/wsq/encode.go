package wsq

import (
	"bufio"
	"fmt"
	"image"
	"io"
	"math"
)

// DefaultBitRate is the bit rate Encode uses when Options.BitRate is 0:
// 0.75 bits per pixel, the FBI's rate for 500 ppi images (about 10.7:1).
const DefaultBitRate = 0.75

// MaxBitRate is the highest bit rate Encode accepts.
const MaxBitRate = 8.0

// Options configures Encode. A nil *Options means the defaults.
type Options struct {
	// BitRate is the target in bits per pixel, in (0, MaxBitRate]; 0 means
	// DefaultBitRate. The FBI uses 0.75 for 500 ppi and 2.25 for some
	// higher-quality uses. The bit allocation aims at the rate before
	// entropy coding; the file is usually somewhat smaller.
	BitRate float64
	// PPI is the resolution written in the NISTCOM comment; 0 writes -1
	// (unknown).
	PPI int
	// Comments are written as additional COM segments after the NISTCOM
	// comment, each at most 65533 bytes.
	Comments []string
}

// Encoder and software numbers written in the frame header.
const (
	frameEncoder  = 2
	frameSoftware = 0
)

// Encode writes img to w as a WSQ file.
func Encode(w io.Writer, img *image.Gray, o *Options) error {
	if o == nil {
		o = &Options{}
	}
	rate := o.BitRate
	if rate == 0 {
		rate = DefaultBitRate
	}
	if !(rate > 0 && rate <= MaxBitRate) {
		return fmt.Errorf("%w: bit rate %v is not in (0, %v]", ErrImage, o.BitRate, MaxBitRate)
	}
	if img == nil {
		return fmt.Errorf("%w: nil image", ErrImage)
	}
	b := img.Bounds()
	width, height := b.Dx(), b.Dy()
	switch {
	case width <= 0 || height <= 0:
		return fmt.Errorf("%w: empty image", ErrImage)
	case width > MaxWidth || height > MaxHeight || width*height > MaxPixels:
		return fmt.Errorf("%w: image of %d×%d pixels exceeds the limit of %d×%d and %d pixels",
			ErrImage, width, height, MaxWidth, MaxHeight, MaxPixels)
	}
	for i, c := range o.Comments {
		if len(c) > 0xFFFF-2 {
			return fmt.Errorf("%w: comment %d is %d bytes, more than 65533", ErrImage, i, len(c))
		}
	}

	// Normalise: (pixel - M) / R, with M the mean and R such that the
	// values span ±128, both rounded as the frame header stores them.
	pix := make([]uint8, 0, width*height)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		i := img.PixOffset(b.Min.X, y)
		pix = append(pix, img.Pix[i:i+width]...)
	}
	var sum int64
	lo, hi := uint8(255), uint8(0)
	for _, p := range pix {
		sum += int64(p)
		lo, hi = min(lo, p), max(hi, p)
	}
	mShift, mVal := roundDecimal16(float64(sum) / float64(len(pix)))
	rScale, rVal := roundDecimal16(max(mVal-float64(lo), float64(hi)-mVal) / 128)
	if rVal == 0 {
		rScale, rVal = roundDecimal16(1) // constant image: any scale will do
	}
	p := &plane{w: width, h: height, v: make([]float32, len(pix))}
	for i, c := range pix {
		p.v[i] = float32((float64(c) - mVal) / rVal)
	}

	// Transform with the filters as the DTT segment will carry them.
	lowHalf, lowDTT := roundFilter(stdLowHalf[:])
	highHalf, highDTT := roundFilter(stdHighHalf[:])
	fb := newFilterBank(lowHalf, highHalf)
	lay := newLayout(width, height)
	decompose(p, lay, fb)

	// Bit allocation and quantisation, with Q and Z as the DQT segment
	// will carry them.
	v := variances(p, lay)
	var share [numCoded]float64
	for k := range numCoded {
		share[k] = float64(lay.bands[k].size()) / float64(width*height)
	}
	alloc := allocate(&v, &share, rate)
	for k := range numCoded {
		if alloc[k] > 0 { // no bin index may need more than 16 bits
			alloc[k] = max(alloc[k], maxAbs(p, lay.bands[k])/60000)
		}
	}
	var qt quantTable
	var dqt []byte
	cScale, cVal := roundDecimal16(binCenter)
	qt.c = cVal
	dqt = append(dqt, cScale...)
	for k := range numBands {
		qScale, qVal := roundDecimal16(alloc[k])
		zScale, zVal := roundDecimal16(1.2 * qVal)
		if qVal == 0 || zVal == 0 || k >= numCoded {
			qScale, qVal, zScale, zVal = []byte{0, 0, 0}, 0, []byte{0, 0, 0}, 0
		}
		qt.q[k], qt.z[k] = qVal, zVal
		dqt = append(append(dqt, qScale...), zScale...)
	}
	var blocks [3][]int32
	for blk := range 3 {
		for k := blockStart[blk]; k < blockStart[blk+1]; k++ {
			if qt.q[k] == 0 {
				continue
			}
			r := lay.bands[k]
			for y := r.y; y < r.y+r.h; y++ {
				for _, c := range p.v[y*width+r.x : y*width+r.x+r.w] {
					q := quantize(float64(c), qt.q[k], qt.z[k])
					if q > math.MaxInt32 || q < -math.MaxInt32 {
						return fmt.Errorf("%w: quantised coefficient overflows at bit rate %v; lower the bit rate", ErrImage, rate)
					}
					blocks[blk] = append(blocks[blk], int32(q))
				}
			}
		}
	}

	// Huffman tables: one for block 1, one for blocks 2 and 3.
	var freq [2][maxHuffValues]int
	for blk, coefs := range blocks {
		t := min(blk, 1)
		if err := symbols(coefs, func(sym int, _ uint32, _ uint) { freq[t][sym]++ }); err != nil {
			return err
		}
	}
	specs := [2]*huffSpec{buildHuffSpec(&freq[0]), buildHuffSpec(&freq[1])}

	bw := bufio.NewWriter(w)
	out := &segmentWriter{w: bw}
	out.marker(markerSOI)
	out.segment(markerCOM, []byte(nistcom(width, height, o.PPI, rate)))
	for _, c := range o.Comments {
		out.segment(markerCOM, []byte(c))
	}
	dtt := []byte{byte(2*len(lowHalf) - 1), byte(2*len(highHalf) - 1)}
	dtt = append(append(dtt, lowDTT...), highDTT...)
	out.segment(markerDTT, dtt)
	out.segment(markerDQT, dqt)
	sof := []byte{0, 255, byte(height >> 8), byte(height), byte(width >> 8), byte(width)}
	sof = append(append(append(sof, mShift...), rScale...), frameEncoder, frameSoftware>>8, frameSoftware&0xFF)
	out.segment(markerSOF, sof)
	for blk, coefs := range blocks {
		t := min(blk, 1)
		if blk < 2 {
			out.segment(markerDHT, specs[t].dht(t))
		}
		out.segment(markerSOB, []byte{byte(t)})
		bits := &bitWriter{}
		if err := symbols(coefs, func(sym int, extra uint32, nbits uint) {
			c := specs[t].codes[sym]
			bits.put(uint32(c.code), uint(c.len))
			if nbits > 0 {
				bits.put(extra, nbits)
			}
		}); err != nil {
			return err
		}
		bits.flush()
		out.write(bits.buf)
	}
	out.marker(markerEOI)
	if out.err != nil {
		return fmt.Errorf("wsq: encode: %w", out.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("wsq: encode: %w", err)
	}
	return nil
}

// maxAbs is the largest coefficient magnitude in r.
func maxAbs(p *plane, r rect) float64 {
	var m float32
	for y := r.y; y < r.y+r.h; y++ {
		for _, c := range p.v[y*p.w+r.x : y*p.w+r.x+r.w] {
			m = max(m, c, -c)
		}
	}
	return float64(m)
}

// roundDecimal16 stores x as WSQ does (exponent byte, uint16 mantissa) and
// returns the three bytes and the value a decoder reads back. Values that
// cannot be stored become 0.
func roundDecimal16(x float64) ([]byte, float64) {
	e, v, ok := decimal(x, 0xFFFF)
	if !ok {
		return []byte{0, 0, 0}, 0
	}
	return []byte{e, byte(v >> 8), byte(v)}, float64(v) / math.Pow10(int(e))
}

// roundFilter stores the centre-outward half of a symmetric filter as the
// DTT segment does (sign, exponent, uint32 mantissa) and returns the values
// a decoder reads back and the bytes.
func roundFilter(half []float64) ([]float64, []byte) {
	read := make([]float64, len(half))
	var b []byte
	for i, c := range half {
		sign := byte(0)
		if c < 0 {
			sign, c = 1, -c
		}
		e, v, _ := decimal(c, 0xFFFFFFFF)
		b = append(b, sign, e, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
		read[i] = float64(v) / math.Pow10(int(e))
		if sign == 1 {
			read[i] = -read[i]
		}
	}
	return read, b
}

// dht is the payload of a DHT segment defining this table with the given id.
func (s *huffSpec) dht(id int) []byte {
	b := []byte{byte(id)}
	for l := 1; l <= maxHuffBits; l++ {
		b = append(b, byte(s.counts[l]))
	}
	return append(b, s.values...)
}

// segmentWriter writes markers and segments, keeping the first error.
type segmentWriter struct {
	w   io.Writer
	err error
}

func (s *segmentWriter) write(b []byte) {
	if s.err == nil {
		_, s.err = s.w.Write(b)
	}
}

func (s *segmentWriter) marker(m uint16) { s.write([]byte{byte(m >> 8), byte(m)}) }

// segment writes a marker, the length (payload + 2) and the payload.
func (s *segmentWriter) segment(m uint16, payload []byte) {
	n := len(payload) + 2
	s.write([]byte{byte(m >> 8), byte(m), byte(n >> 8), byte(n)})
	s.write(payload)
}
