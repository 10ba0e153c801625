package wsq

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

const (
	maxHuffTables = 8   // table ids 0-7
	maxHuffBits   = 16  // longest code
	maxHuffValues = 256 // symbols per table
	fastBits      = 9   // codes up to this length decode by one lookup
)

// Symbols of the entropy-coded coefficient stream.
const (
	symMaxRun     = 100 // 1..100: a run of that many zeros
	symPos8       = 101
	symNeg8       = 102
	symPos16      = 103
	symNeg16      = 104
	symRun8       = 105
	symRun16      = 106
	symCoeffFirst = 107 // 107..254: coefficient symbol-180
	symCoeffLast  = 254
	symCoeffBias  = 180
)

// huffTable is a decoding table built from a DHT definition.
type huffTable struct {
	counts  [maxHuffBits + 1]int
	values  []byte
	maxcode [maxHuffBits + 1]int32 // -1 when no code has that length
	mincode [maxHuffBits + 1]int32
	valptr  [maxHuffBits + 1]int32
	fast    [1 << fastBits]uint16 // length<<8 | value, 0 when longer than fastBits
}

// newHuffTable builds the canonical code of a table and checks that the
// code lengths fit (no length is over-subscribed).
func newHuffTable(counts [maxHuffBits + 1]int, values []byte) (*huffTable, error) {
	t := &huffTable{counts: counts, values: values}
	code, k := 0, 0
	for l := 1; l <= maxHuffBits; l++ {
		t.valptr[l] = int32(k)
		t.mincode[l] = int32(code)
		code += counts[l]
		if code > 1<<l {
			return nil, fmt.Errorf("code lengths over-subscribed at length %d", l)
		}
		t.maxcode[l] = -1
		if counts[l] > 0 {
			t.maxcode[l] = int32(code - 1)
		}
		if l <= fastBits {
			for c := int(t.mincode[l]); c < code; c++ {
				e := uint16(l)<<8 | uint16(values[k+c-int(t.mincode[l])])
				lo := c << (fastBits - l)
				for i := lo; i < lo+1<<(fastBits-l); i++ {
					t.fast[i] = e
				}
			}
		}
		k += counts[l]
		code <<= 1
	}
	return t, nil
}

// bitReader reads the entropy-coded data of a block: bytes are unstuffed
// (0xFF00 is a data byte 0xFF) and reading stops at the next marker.
type bitReader struct {
	src       *source
	acc       uint64 // the low n bits are unread data
	n         uint
	atMarker  bool
	marker    uint16
	markerOff int64
}

func (b *bitReader) fill() error {
	for b.n <= 48 && !b.atMarker {
		off := b.src.off
		c, err := b.src.byte()
		if err != nil {
			return err
		}
		if c == 0xFF {
			c2, err := b.src.byte()
			if err != nil {
				return noEOF(err)
			}
			if c2 != 0 {
				b.atMarker, b.marker, b.markerOff = true, 0xFF00|uint16(c2), off
				return nil
			}
		}
		b.acc = b.acc<<8 | uint64(c)
		b.n += 8
	}
	return nil
}

// symbol decodes the next Huffman symbol. ok is false at the end of the
// block: the bits left before the marker do not complete a code (they are
// the padding).
func (b *bitReader) symbol(t *huffTable) (sym int, ok bool, err error) {
	if err := b.fill(); err != nil {
		return 0, false, err
	}
	var v uint32 // next 16 bits, padded with 1 bits past the marker
	avail := b.n
	if avail >= 16 {
		v = uint32(b.acc>>(b.n-16)) & 0xFFFF
		avail = 16
	} else {
		v = uint32(b.acc<<(16-b.n))&0xFFFF | (1<<(16-b.n) - 1)
	}
	if e := t.fast[v>>(16-fastBits)]; e != 0 {
		l := uint(e >> 8)
		if l > avail {
			return 0, false, nil
		}
		b.n -= l
		return int(e & 0xFF), true, nil
	}
	for l := fastBits + 1; l <= maxHuffBits; l++ {
		code := int32(v >> (16 - l))
		if code <= t.maxcode[l] {
			if uint(l) > avail {
				return 0, false, nil
			}
			b.n -= uint(l)
			return int(t.values[t.valptr[l]+code-t.mincode[l]]), true, nil
		}
	}
	if avail < 16 {
		return 0, false, nil
	}
	return 0, false, errBadCode
}

var errBadCode = errors.New("bit pattern is not a code of the Huffman table")

// bits reads k (8 or 16) raw bits following an escape symbol.
func (b *bitReader) bits(k uint) (uint32, bool, error) {
	if err := b.fill(); err != nil {
		return 0, false, err
	}
	if b.n < k {
		return 0, false, nil
	}
	v := uint32(b.acc>>(b.n-k)) & (1<<k - 1)
	b.n -= k
	return v, true, nil
}

// huffCode is one code word of an encoding table.
type huffCode struct {
	code uint16
	len  uint8
}

// huffSpec is an encoding table: the DHT counts and values and the code of
// each symbol.
type huffSpec struct {
	counts [maxHuffBits + 1]int
	values []byte
	codes  [maxHuffValues]huffCode
}

// buildHuffSpec makes an optimal prefix code for the symbol frequencies,
// limited to 16 bits and never using the all-ones code word (the padding at
// the end of a block must not decode as a symbol). It follows the method of
// JPEG (ITU T.81) Annex K.2: a reserved symbol of frequency 1 takes the
// all-ones code and is dropped, and lengths over 16 are folded back.
func buildHuffSpec(freq *[maxHuffValues]int) *huffSpec {
	const reserved = maxHuffValues
	var syms []int
	for s, f := range freq {
		if f > 0 {
			syms = append(syms, s)
		}
	}
	if len(syms) == 0 {
		syms = append(syms, 1) // an empty block still needs a valid table
	}
	syms = append(syms, reserved)
	weight := func(s int) int {
		if s == reserved || freq[s] == 0 {
			return 1
		}
		return freq[s]
	}

	// Huffman's algorithm on small sets: merge the two lightest groups.
	length := make(map[int]int, len(syms))
	type group struct {
		w    int
		syms []int
	}
	groups := make([]group, len(syms))
	for i, s := range syms {
		groups[i] = group{weight(s), []int{s}}
	}
	for len(groups) > 1 {
		slices.SortStableFunc(groups, func(a, b group) int { return cmp.Compare(a.w, b.w) })
		a, b := groups[0], groups[1]
		merged := group{a.w + b.w, append(append([]int(nil), a.syms...), b.syms...)}
		for _, s := range merged.syms {
			length[s]++
		}
		groups = append(groups[2:], merged)
	}

	// Count code lengths and fold those over 16 bits back (Annex K.3).
	maxLen := 0
	for _, l := range length {
		maxLen = max(maxLen, l)
	}
	bits := make([]int, max(maxLen, maxHuffBits)+1)
	for _, l := range length {
		bits[l]++
	}
	for i := maxLen; i > maxHuffBits; i-- {
		for bits[i] > 0 {
			j := i - 2
			for bits[j] == 0 {
				j--
			}
			bits[i] -= 2
			bits[i-1]++
			bits[j+1] += 2
			bits[j]--
		}
	}

	// Hand the lengths out in order of the original lengths, the reserved
	// symbol last so that it gets the last (all-ones) code, then drop it.
	slices.SortStableFunc(syms, func(a, b int) int {
		if a == reserved || b == reserved {
			return cmp.Compare(boolInt(a == reserved), boolInt(b == reserved))
		}
		return cmp.Or(cmp.Compare(length[a], length[b]), cmp.Compare(a, b))
	})
	spec := &huffSpec{}
	l := 1
	for _, s := range syms {
		for bits[l] == 0 {
			l++
		}
		bits[l]--
		if s == reserved {
			break
		}
		spec.counts[l]++
		spec.values = append(spec.values, byte(s))
	}
	code, k := 0, 0
	for l := 1; l <= maxHuffBits; l++ {
		for range spec.counts[l] {
			spec.codes[spec.values[k]] = huffCode{code: uint16(code), len: uint8(l)}
			code++
			k++
		}
		code <<= 1
	}
	return spec
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bitWriter packs code words most significant bit first, stuffs a zero
// byte after every 0xFF and pads the last byte with 1 bits.
type bitWriter struct {
	buf []byte
	acc uint64
	n   uint
}

func (w *bitWriter) put(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)&(1<<n-1)
	w.n += n
	for w.n >= 8 {
		c := byte(w.acc >> (w.n - 8))
		w.buf = append(w.buf, c)
		if c == 0xFF {
			w.buf = append(w.buf, 0)
		}
		w.n -= 8
	}
}

func (w *bitWriter) flush() {
	if w.n > 0 {
		w.put(1<<(8-w.n)-1, 8-w.n)
	}
}

// symbols walks the quantised coefficients of a block and calls emit for
// each symbol with its extra bits (nbits 0, 8 or 16). It fails on a
// coefficient beyond ±65535, which WSQ cannot carry.
func symbols(coefs []int32, emit func(sym int, extra uint32, nbits uint)) error {
	run := 0
	flush := func() {
		for run > 0 {
			switch {
			case run <= symMaxRun:
				emit(run, 0, 0)
				run = 0
			case run <= 0xFF:
				emit(symRun8, uint32(run), 8)
				run = 0
			default:
				n := min(run, 0xFFFF)
				emit(symRun16, uint32(n), 16)
				run -= n
			}
		}
	}
	for _, p := range coefs {
		if p == 0 {
			run++
			continue
		}
		flush()
		switch {
		case p >= symCoeffFirst-symCoeffBias && p <= symCoeffLast-symCoeffBias:
			emit(int(p)+symCoeffBias, 0, 0)
		case p > 0 && p <= 0xFF:
			emit(symPos8, uint32(p), 8)
		case p < 0 && p >= -0xFF:
			emit(symNeg8, uint32(-p), 8)
		case p > 0 && p <= 0xFFFF:
			emit(symPos16, uint32(p), 16)
		case p < 0 && p >= -0xFFFF:
			emit(symNeg16, uint32(-p), 16)
		default:
			return fmt.Errorf("%w: quantised coefficient %d exceeds 16 bits; lower the bit rate", ErrImage, p)
		}
	}
	flush()
	return nil
}
