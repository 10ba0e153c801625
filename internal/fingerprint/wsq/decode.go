package wsq

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
)

// Decode reads a WSQ file and returns its image. It stops reading at the
// EOI marker.
func Decode(r io.Reader) (*image.Gray, error) {
	img, _, err := DecodeWithHeader(r)
	return img, err
}

// limits bound what a decoder accepts; tests lower them.
type limits struct{ width, height, pixels int }

var defaultLimits = limits{MaxWidth, MaxHeight, MaxPixels}

// maxCommentBytes bounds the total size of the comments a decoder keeps.
const maxCommentBytes = 1 << 20

// DecodeWithHeader reads a WSQ file and returns its image and header. The
// header's Comments include every COM segment of the file.
func DecodeWithHeader(r io.Reader) (*image.Gray, *Header, error) {
	return decodeWithLimits(r, defaultLimits)
}

func decodeWithLimits(r io.Reader, lim limits) (*image.Gray, *Header, error) {
	d := &decoder{src: newSource(r), lim: lim}
	if err := d.run(false); err != nil {
		return nil, nil, err
	}
	return d.image(), &d.hdr, nil
}

// DecodeHeader reads a WSQ file up to and including its frame header and
// returns the header, without decoding the image.
func DecodeHeader(r io.Reader) (*Header, error) {
	d := &decoder{src: newSource(r), lim: defaultLimits}
	if err := d.run(true); err != nil {
		return nil, err
	}
	return &d.hdr, nil
}

// DecodeConfig returns the colour model (grey) and dimensions of a WSQ
// image without decoding it.
func DecodeConfig(r io.Reader) (image.Config, error) {
	h, err := DecodeHeader(r)
	if err != nil {
		return image.Config{}, err
	}
	return image.Config{ColorModel: color.GrayModel, Width: h.Width, Height: h.Height}, nil
}

// decoder holds the state of one decoding.
type decoder struct {
	src     *source
	lim     limits
	comLen  int
	hdr     Header
	sawSOF  bool
	filters *filterBank
	quant   *quantTable
	huff    [maxHuffTables]*huffTable
	blocks  int

	lay   *layout
	plane *plane
	seq   coefSeq
}

// run parses the file: SOI, then segments up to EOI. With headerOnly it
// stops after the frame header.
func (d *decoder) run(headerOnly bool) error {
	off := d.src.off
	m, err := d.src.u16()
	if err != nil {
		return readErr("SOI", off, err)
	}
	if m != markerSOI {
		return formatErr("SOI", off, "file starts with 0x%04X, not the SOI marker 0xFFA0", m)
	}
	var pending uint16 // marker already read at the end of a block
	for {
		if pending == 0 {
			off = d.src.off
			if m, err = d.src.u16(); err != nil {
				return readErr("marker", off, err)
			}
		} else {
			m, pending = pending, 0
		}
		switch m {
		case markerCOM:
			err = d.comment(off)
		case markerDTT:
			err = d.transformTable(off)
		case markerDQT:
			err = d.quantTable(off)
		case markerDHT:
			err = d.huffTables(off)
		case markerSOF:
			if err = d.frameHeader(off); err == nil && headerOnly {
				return nil
			}
		case markerSOB:
			pending, off, err = d.block(off)
		case markerEOI:
			return d.finish(off)
		case markerSOI:
			err = formatErr("marker", off, "second SOI marker")
		case markerDRT:
			err = unsupportedErr("marker", off, "restart intervals (DRT marker 0xFFA7) are not supported")
		default:
			err = formatErr("marker", off, "expected a WSQ marker, found 0x%04X", m)
		}
		if err != nil {
			return err
		}
	}
}

// segment reads the length and payload of the segment whose marker is at
// off.
func (d *decoder) segment(name string, off int64) (*fields, error) {
	lenOff := d.src.off
	n, err := d.src.u16()
	if err != nil {
		return nil, readErr(name, lenOff, err)
	}
	if n < 2 {
		return nil, formatErr(name, lenOff, "segment length %d is less than 2", n)
	}
	b, err := d.src.full(int(n) - 2)
	if err != nil {
		return nil, readErr(name, d.src.off, err)
	}
	return &fields{b: b, off: lenOff + 2, seg: name}, nil
}

func (d *decoder) comment(off int64) error {
	f, err := d.segment("COM", off)
	if err != nil {
		return err
	}
	if d.comLen += len(f.b); d.comLen > maxCommentBytes {
		return formatErr("COM", off, "comments exceed %d bytes in total", maxCommentBytes)
	}
	d.hdr.addComment(string(f.b))
	return nil
}

func (d *decoder) frameHeader(off int64) error {
	if d.sawSOF {
		return formatErr("SOF", off, "second frame header")
	}
	f, err := d.segment("SOF", off)
	if err != nil {
		return err
	}
	if len(f.b) != 15 {
		return formatErr("SOF", off+2, "frame header length is %d, want 17", len(f.b)+2)
	}
	h := &d.hdr
	h.Black, h.White = f.u8(), f.u8()
	h.Height, h.Width = int(f.u16()), int(f.u16())
	h.Shift, h.Scale = f.scaled16(), f.scaled16()
	h.Encoder, h.Software = f.u8(), f.u16()
	switch {
	case h.Width == 0 || h.Height == 0:
		return formatErr("SOF", f.off+2, "image is %d×%d pixels", h.Width, h.Height)
	case h.Width > d.lim.width || h.Height > d.lim.height || h.Width*h.Height > d.lim.pixels:
		return formatErr("SOF", f.off+2, "image of %d×%d pixels exceeds the limit of %d×%d and %d pixels",
			h.Width, h.Height, d.lim.width, d.lim.height, d.lim.pixels)
	}
	d.sawSOF = true
	return nil
}

func (d *decoder) transformTable(off int64) error {
	if d.blocks > 0 {
		return formatErr("DTT", off, "transform table redefined after coefficient data")
	}
	f, err := d.segment("DTT", off)
	if err != nil {
		return err
	}
	lowLen, highLen := int(f.u8()), int(f.u8())
	if lowLen == 0 || highLen == 0 || lowLen > maxFilterLen || highLen > maxFilterLen {
		return formatErr("DTT", f.off, "filter lengths %d and %d are not in 1-%d", lowLen, highLen, maxFilterLen)
	}
	if lowLen%2 == 0 || highLen%2 == 0 {
		return unsupportedErr("DTT", f.off, "even-length filter banks (%d/%d taps) are not supported", lowLen, highLen)
	}
	want := 2 + 6*((lowLen+1)/2+(highLen+1)/2)
	if len(f.b) != want {
		return formatErr("DTT", f.off, "transform table length is %d, want %d for %d/%d taps", len(f.b)+2, want+2, lowLen, highLen)
	}
	coeffs := func(n int) ([]float64, error) {
		c := make([]float64, (n+1)/2)
		for i := range c {
			at := f.at()
			sign, scale, v := f.u8(), f.u8(), f.u32()
			if sign > 1 {
				return nil, formatErr("DTT", at, "filter coefficient sign byte is %d, want 0 or 1", sign)
			}
			c[i] = float64(v) / math.Pow10(int(scale))
			if sign == 1 {
				c[i] = -c[i]
			}
		}
		return c, nil
	}
	lo, err := coeffs(lowLen)
	if err != nil {
		return err
	}
	hi, err := coeffs(highLen)
	if err != nil {
		return err
	}
	d.filters = newFilterBank(lo, hi)
	return nil
}

func (d *decoder) quantTable(off int64) error {
	if d.blocks > 0 {
		return formatErr("DQT", off, "quantisation table redefined after coefficient data")
	}
	f, err := d.segment("DQT", off)
	if err != nil {
		return err
	}
	if len(f.b) != 3+numBands*6 {
		return formatErr("DQT", f.off, "quantisation table length is %d, want %d", len(f.b)+2, 5+numBands*6)
	}
	t := &quantTable{c: f.scaled16()}
	for k := range numBands {
		t.q[k], t.z[k] = f.scaled16(), f.scaled16()
	}
	d.quant = t
	return nil
}

func (d *decoder) huffTables(off int64) error {
	f, err := d.segment("DHT", off)
	if err != nil {
		return err
	}
	if f.left() == 0 {
		return formatErr("DHT", f.off, "Huffman table segment is empty")
	}
	var seen [maxHuffTables]bool
	for f.left() > 0 {
		at := f.at()
		id := f.u8()
		if id >= maxHuffTables {
			return formatErr("DHT", at, "Huffman table id %d is not in 0-%d", id, maxHuffTables-1)
		}
		if seen[id] {
			return formatErr("DHT", at, "Huffman table %d defined twice in one segment", id)
		}
		seen[id] = true
		var counts [maxHuffBits + 1]int
		total := 0
		for l := 1; l <= maxHuffBits; l++ {
			counts[l] = int(f.u8())
			total += counts[l]
		}
		if f.err != nil {
			return f.err
		}
		if total == 0 || total > maxHuffValues {
			return formatErr("DHT", at, "Huffman table %d has %d codes, want 1-%d", id, total, maxHuffValues)
		}
		values := f.take(total)
		if f.err != nil {
			return f.err
		}
		t, err := newHuffTable(counts, values)
		if err != nil {
			return formatErr("DHT", at, "Huffman table %d: %v", id, err)
		}
		d.huff[id] = t
	}
	return nil
}

// block reads a block header and decodes the block's coefficients. It
// returns the marker that ends the block and its offset.
func (d *decoder) block(off int64) (uint16, int64, error) {
	f, err := d.segment("SOB", off)
	if err != nil {
		return 0, 0, err
	}
	if len(f.b) != 1 {
		return 0, 0, formatErr("SOB", f.off, "block header length is %d, want 3", len(f.b)+2)
	}
	id := f.u8()
	switch {
	case !d.sawSOF:
		return 0, 0, formatErr("SOB", off, "block before the frame header (SOF)")
	case d.quant == nil:
		return 0, 0, formatErr("SOB", off, "block before the quantisation table (DQT)")
	case id >= maxHuffTables || d.huff[id] == nil:
		return 0, 0, formatErr("SOB", f.off, "block uses Huffman table %d, which is not defined", id)
	}
	if d.blocks == 0 {
		d.start()
	}
	d.blocks++
	seg := fmt.Sprintf("block %d data", d.blocks)
	t := d.huff[id]
	br := &bitReader{src: d.src}
	for {
		at := d.src.off
		sym, ok, err := br.symbol(t)
		if err == errBadCode {
			return 0, 0, formatErr(seg, at, "%v", err)
		}
		if err != nil {
			return 0, 0, readErr(seg, d.src.off, err)
		}
		if !ok {
			return br.marker, br.markerOff, nil
		}
		var extra uint32
		switch sym {
		case symPos8, symNeg8, symRun8, symPos16, symNeg16, symRun16:
			n := uint(8)
			if sym == symPos16 || sym == symNeg16 || sym == symRun16 {
				n = 16
			}
			v, ok, err := br.bits(n)
			if err != nil {
				return 0, 0, readErr(seg, d.src.off, err)
			}
			if !ok {
				return 0, 0, formatErr(seg, br.markerOff, "marker inside the %d extra bits of symbol %d", n, sym)
			}
			extra = v
		}
		switch {
		case sym >= 1 && sym <= symMaxRun:
			err = d.seq.skip(sym)
		case sym == symRun8 || sym == symRun16:
			err = d.seq.skip(int(extra))
		case sym == symPos8 || sym == symPos16:
			err = d.seq.put(int32(extra), d.plane)
		case sym == symNeg8 || sym == symNeg16:
			err = d.seq.put(-int32(extra), d.plane)
		case sym >= symCoeffFirst && sym <= symCoeffLast:
			err = d.seq.put(int32(sym-symCoeffBias), d.plane)
		default:
			return 0, 0, formatErr(seg, at, "Huffman symbol %d has no meaning", sym)
		}
		if err != nil {
			return 0, 0, formatErr(seg, at, "%v", err)
		}
	}
}

// start prepares the coefficient plane when the first block begins.
func (d *decoder) start() {
	w, h := d.hdr.Width, d.hdr.Height
	d.lay = newLayout(w, h)
	d.plane = &plane{w: w, h: h, v: make([]float32, w*h)}
	d.seq = newCoefSeq(d.lay, d.quant, w)
}

// finish checks the file is complete at EOI and reconstructs the image.
func (d *decoder) finish(off int64) error {
	switch {
	case !d.sawSOF:
		return formatErr("marker", off, "end of image before the frame header (SOF)")
	case d.quant == nil:
		return formatErr("marker", off, "end of image without a quantisation table (DQT)")
	case d.filters == nil:
		return formatErr("marker", off, "end of image without a transform table (DTT)")
	}
	if d.blocks == 0 {
		d.start()
	}
	if d.seq.done != d.seq.total {
		return formatErr("marker", off, "coefficient data ends early: %d of %d coefficients", d.seq.done, d.seq.total)
	}
	if d.seq.total > 0 { // otherwise every coefficient is 0 and so is the result
		reconstruct(d.plane, d.lay, d.filters)
	}
	return nil
}

// image converts the reconstructed plane to 8-bit grey: each value times R
// plus M, rounded and clamped to 0-255.
func (d *decoder) image() *image.Gray {
	w, h := d.hdr.Width, d.hdr.Height
	img := image.NewGray(image.Rect(0, 0, w, h))
	r, m := float32(d.hdr.Scale), float32(d.hdr.Shift)
	for i, c := range d.plane.v {
		v := c*r + m + 0.5
		switch {
		case v < 0 || v != v:
			img.Pix[i] = 0
		case v > 255:
			img.Pix[i] = 255
		default:
			img.Pix[i] = uint8(v)
		}
	}
	return img
}

// coefSeq places decoded coefficients: the coded subbands (Q != 0) in
// order, each row by row.
type coefSeq struct {
	bands       []seqBand
	b, k        int // current band and position in it
	done, total int
	c           float64
}

type seqBand struct {
	off, w, n int // plane offset of the top-left corner, width, size
	q, z      float64
}

func newCoefSeq(l *layout, t *quantTable, stride int) coefSeq {
	s := coefSeq{c: t.c}
	for k := range numCoded {
		r := l.bands[k]
		if t.q[k] == 0 || r.size() == 0 {
			continue
		}
		s.bands = append(s.bands, seqBand{off: r.y*stride + r.x, w: r.w, n: r.size(), q: t.q[k], z: t.z[k]})
		s.total += r.size()
	}
	return s
}

func (s *coefSeq) skip(n int) error {
	if n > s.total-s.done {
		return fmt.Errorf("zero run of %d overflows the subbands (%d coefficients left)", n, s.total-s.done)
	}
	s.done += n
	for n > 0 {
		left := s.bands[s.b].n - s.k
		if n < left {
			s.k += n
			return nil
		}
		n -= left
		s.b++
		s.k = 0
	}
	return nil
}

func (s *coefSeq) put(p int32, pl *plane) error {
	if s.done == s.total {
		return fmt.Errorf("coefficient beyond the %d the subbands hold", s.total)
	}
	b := &s.bands[s.b]
	pl.v[b.off+(s.k/b.w)*pl.w+s.k%b.w] = dequantize(p, b.q, b.z, s.c)
	s.done++
	if s.k++; s.k == b.n {
		s.b++
		s.k = 0
	}
	return nil
}
