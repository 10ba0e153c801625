package wsq

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
)

// source reads the input as a stream and counts the bytes read, so errors
// can name an offset.
type source struct {
	r   *bufio.Reader
	off int64
}

func newSource(r io.Reader) *source {
	if br, ok := r.(*bufio.Reader); ok {
		return &source{r: br}
	}
	return &source{r: bufio.NewReaderSize(r, 32<<10)}
}

func (s *source) byte() (byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, err
	}
	s.off++
	return c, nil
}

func (s *source) u16() (uint16, error) {
	hi, err := s.byte()
	if err != nil {
		return 0, err
	}
	lo, err := s.byte()
	if err != nil {
		return 0, noEOF(err)
	}
	return uint16(hi)<<8 | uint16(lo), nil
}

// full reads exactly n bytes.
func (s *source) full(n int) ([]byte, error) {
	b := make([]byte, n)
	m, err := io.ReadFull(s.r, b)
	s.off += int64(m)
	return b, err
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readErr turns a read error into a FormatError for truncated input, or
// wraps an I/O error from the underlying reader.
func readErr(segment string, off int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FormatError{Segment: segment, Offset: off, Reason: "unexpected end of data", cause: io.ErrUnexpectedEOF}
	}
	return fmt.Errorf("wsq: reading %s at offset %d: %w", segment, off, err)
}

// fields parses the payload of one marker segment.
type fields struct {
	b   []byte
	i   int
	off int64 // input offset of b[0]
	seg string
	err error
}

func (f *fields) at() int64 { return f.off + int64(f.i) }

func (f *fields) take(n int) []byte {
	if f.err != nil {
		return nil
	}
	if len(f.b)-f.i < n {
		f.err = formatErr(f.seg, f.at(), "segment too short: need %d more bytes, %d left", n, len(f.b)-f.i)
		return nil
	}
	p := f.b[f.i : f.i+n]
	f.i += n
	return p
}

func (f *fields) u8() byte {
	p := f.take(1)
	if p == nil {
		return 0
	}
	return p[0]
}

func (f *fields) u16() uint16 {
	p := f.take(2)
	if p == nil {
		return 0
	}
	return uint16(p[0])<<8 | uint16(p[1])
}

func (f *fields) u32() uint32 {
	p := f.take(4)
	if p == nil {
		return 0
	}
	return uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3])
}

// scaled16 reads an exponent byte and a uint16 mantissa: mantissa/10^exponent.
func (f *fields) scaled16() float64 {
	e := f.u8()
	v := f.u16()
	return float64(v) / math.Pow10(int(e))
}

func (f *fields) left() int { return len(f.b) - f.i }

// decimal returns the exponent s and mantissa v (v <= limit) with v/10^s
// closest to x using the largest s, as WSQ stores real numbers. ok is false
// when x is negative, not finite or too large to store.
func decimal(x float64, limit float64) (s uint8, v uint64, ok bool) {
	if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x >= limit {
		return 0, 0, false
	}
	if x == 0 {
		return 0, 0, true
	}
	e := 0
	for e < 255 && x*math.Pow10(e+1) < limit {
		e++
	}
	r := math.Round(x * math.Pow10(e))
	if r > limit {
		r = limit
	}
	return uint8(e), uint64(r), true
}
