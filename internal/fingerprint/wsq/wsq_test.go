package wsq

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"strings"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		w, h    int
		rate    float64
		minPSNR float64
	}{
		{400, 500, 0.75, 30},
		{400, 500, 2.25, 36},
		{500, 500, 0.75, 30},
		{357, 391, 0.75, 30}, // odd sizes
		{511, 257, 1.5, 32},
		{256, 256, 0.75, 28},
		{100, 37, 0.75, 20}, // small and odd
		{33, 17, 1, 15},
		// Tiny images: subbands are empty or a pixel wide; the transform
		// must still invert exactly.
		{16, 16, 8, 25},
		{7, 3, 2, 15},
		{2, 2, 2, 12},
		{1, 7, 2, 30},
		{7, 1, 2, 30},
		{1, 1, 2, 40},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%dx%d@%g", tc.w, tc.h, tc.rate), func(t *testing.T) {
			img := syntheticFingerprint(tc.w, tc.h, 1)
			b := encode(t, img, &Options{BitRate: tc.rate})
			got, err := Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Bounds() != img.Bounds() {
				t.Fatalf("bounds %v, want %v", got.Bounds(), img.Bounds())
			}
			p := psnr(img, got)
			bpp := float64(8*len(b)) / float64(tc.w*tc.h)
			t.Logf("%d bytes, %.3f bpp, PSNR %.2f dB", len(b), bpp, p)
			if p < tc.minPSNR {
				t.Errorf("PSNR %.2f dB < %.0f", p, tc.minPSNR)
			}
		})
	}
}

// TestTransformInverts checks that synthesis inverts analysis exactly (up
// to rounding) for every length, both spectral orders.
func TestTransformInverts(t *testing.T) {
	fb := standardFilterBank()
	for n := 1; n <= 64; n++ {
		for _, inv := range []bool{false, true} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(math.Sin(float64(i*i)*0.7) * 100)
			}
			y, z := make([]float32, n), make([]float32, n)
			ext := make([]float32, n+2*fb.half)
			fb.analyze(y, x, ext, inv)
			fb.synthesize(z, y, ext, inv)
			for i := range x {
				if d := math.Abs(float64(x[i] - z[i])); d > 1e-3 {
					t.Fatalf("n=%d inv=%v: x[%d]=%g, reconstructed %g", n, inv, i, x[i], z[i])
				}
			}
		}
	}
}

// TestLayout checks the subbands tile the image without overlap and have
// the standard sizes (areas 1/1024, 1/256 and 1/16 for a 1024×1024 image).
func TestLayout(t *testing.T) {
	for _, sz := range [][2]int{{1024, 1024}, {500, 400}, {357, 391}, {5, 3}, {1, 1}} {
		l := newLayout(sz[0], sz[1])
		cover := make([]int, sz[0]*sz[1])
		for _, r := range l.bands {
			for y := r.y; y < r.y+r.h; y++ {
				for x := r.x; x < r.x+r.w; x++ {
					cover[y*sz[0]+x]++
				}
			}
		}
		for i, c := range cover {
			if c != 1 {
				t.Fatalf("%v: pixel %d covered %d times", sz, i, c)
			}
		}
		if len(l.splits) != 20 {
			t.Errorf("%d splits, want 20", len(l.splits))
		}
	}
	l := newLayout(1024, 1024)
	for k := range numBands {
		want := 1024 * 1024 / 16
		switch {
		case k < 4:
			want = 1024
		case k < 51:
			want = 4096
		}
		if got := l.bands[k].size(); got != want {
			t.Errorf("band %d: size %d, want %d", k, got, want)
		}
	}
}

func TestDecodeConfigAndHeader(t *testing.T) {
	img := syntheticFingerprint(123, 77, 2)
	b := encode(t, img, &Options{PPI: 500, Comments: []string{"enrolment desk 7"}})
	cfg, err := DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	got, h, err := DecodeWithHeader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Width != got.Bounds().Dx() || cfg.Height != got.Bounds().Dy() || cfg.Width != 123 || cfg.Height != 77 {
		t.Errorf("DecodeConfig %dx%d, Decode %v", cfg.Width, cfg.Height, got.Bounds())
	}
	hh, err := DecodeHeader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []*Header{h, hh} {
		if x.Width != 123 || x.Height != 77 || x.PPI != 500 || x.Black != 0 || x.White != 255 || x.Encoder != 2 {
			t.Errorf("header %+v", x)
		}
		if len(x.Comments) != 2 || x.Comments[1] != "enrolment desk 7" {
			t.Errorf("comments %q", x.Comments)
		}
		if x.NISTCOM["PIX_WIDTH"] != "123" || x.NISTCOM["WSQ_BITRATE"] != "0.750000" || x.NISTCOM["NIST_COM"] != "9" {
			t.Errorf("NISTCOM %v", x.NISTCOM)
		}
	}
	// Without PPI the NISTCOM says -1 and the header 0.
	h2, err := DecodeHeader(bytes.NewReader(encode(t, img, nil)))
	if err != nil || h2.PPI != 0 || h2.NISTCOM["PPI"] != "-1" {
		t.Errorf("no PPI: %v %+v", err, h2)
	}
}

func TestConstantImages(t *testing.T) {
	for _, v := range []uint8{0, 77, 255} {
		img := image.NewGray(image.Rect(0, 0, 40, 30))
		for i := range img.Pix {
			img.Pix[i] = v
		}
		got, err := Decode(bytes.NewReader(encode(t, img, nil)))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range got.Pix {
			if p != v {
				t.Fatalf("constant %d decoded as %d", v, p)
			}
		}
	}
}

// TestEncodeSubImage encodes a sub-image whose bounds do not start at 0.
func TestEncodeSubImage(t *testing.T) {
	img := syntheticFingerprint(200, 200, 3)
	sub := img.SubImage(image.Rect(50, 60, 150, 130)).(*image.Gray)
	got, err := Decode(bytes.NewReader(encode(t, sub, &Options{BitRate: 2.25})))
	if err != nil {
		t.Fatal(err)
	}
	want := image.NewGray(image.Rect(0, 0, 100, 70))
	for y := range 70 {
		copy(want.Pix[y*100:], sub.Pix[sub.PixOffset(50, 60+y):sub.PixOffset(150, 60+y)])
	}
	if p := psnr(want, got); p < 30 {
		t.Errorf("PSNR %.2f", p)
	}
}

func TestEncodeRefusals(t *testing.T) {
	ok := syntheticFingerprint(20, 20, 4)
	tests := []struct {
		name string
		img  *image.Gray
		o    *Options
		want string
	}{
		{"nil image", nil, nil, "nil image"},
		{"empty", image.NewGray(image.Rect(0, 0, 0, 5)), nil, "empty image"},
		{"too wide", image.NewGray(image.Rect(0, 0, MaxWidth+1, 1)), nil, "exceeds the limit"},
		{"negative rate", ok, &Options{BitRate: -1}, "bit rate"},
		{"NaN rate", ok, &Options{BitRate: math.NaN()}, "bit rate"},
		{"rate over 8", ok, &Options{BitRate: 9}, "bit rate"},
		{"huge comment", ok, &Options{Comments: []string{strings.Repeat("x", 70000)}}, "comment 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Encode(io.Discard, tc.img, tc.o)
			if !errors.Is(err, ErrImage) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Encode: %v, want ErrImage containing %q", err, tc.want)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncodeWriteError(t *testing.T) {
	err := Encode(failWriter{}, syntheticFingerprint(300, 300, 5), nil)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Encode: %v", err)
	}
}

// tinyFile builds a 64×64 file whose only coded subband is subband 0, with
// the given Huffman table (id 0) and block data.
func tinyFile(t *testing.T, counts map[int][]byte, data []byte) []byte {
	t.Helper()
	segs := splitFile(t, encode(t, syntheticFingerprint(64, 64, 6), nil))
	dqt := make([]byte, 3+numBands*6)
	copy(dqt, []byte{2, 0, 44})              // C = 0.44
	copy(dqt[3:], []byte{0, 0, 1, 1, 0, 12}) // Q[0] = 1, Z[0] = 1.2
	dht := make([]byte, 17)
	for l, vals := range counts {
		dht[l] = byte(len(vals))
	}
	for l := 1; l <= 16; l++ {
		dht = append(dht, counts[l]...)
	}
	return joinFile(
		seg{marker: markerSOI},
		segs[find(segs, markerDTT, 0)],
		seg{marker: markerDQT, payload: dqt},
		segs[find(segs, markerSOF, 0)],
		seg{marker: markerDHT, payload: dht},
		seg{marker: markerSOB, payload: []byte{0}, data: data},
		seg{marker: markerEOI},
	)
}

func TestTinyHandMadeFile(t *testing.T) {
	// Subband 0 of a 64×64 image is 2×2 = 4 coefficients: code "0" is the
	// coefficient 1 (symbol 181), so 0x0F carries four of them and padding.
	b := tinyFile(t, map[int][]byte{1: {181}}, []byte{0x0F})
	img, err := Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 64 {
		t.Errorf("bounds %v", img.Bounds())
	}
}

func TestDecodeRefusals(t *testing.T) {
	base := encode(t, syntheticFingerprint(64, 48, 7), nil)
	segs := splitFile(t, base)
	iDTT, iDQT, iDHT, iSOF := find(segs, markerDTT, 0), find(segs, markerDQT, 0), find(segs, markerDHT, 0), find(segs, markerSOF, 0)
	iSOB1, iSOB3 := find(segs, markerSOB, 0), find(segs, markerSOB, 2)
	sof, dtt, dht := segs[iSOF], segs[iDTT], segs[iDHT]
	dtt0len := len(dtt.payload)

	tests := []struct {
		name        string
		in          []byte
		segment     string
		want        string
		unsupported bool
	}{
		{"empty", nil, "SOI", "unexpected end of data", false},
		{"not WSQ", []byte("\x89PNG\r\n\x1a\n"), "SOI", "not the SOI marker", false},
		{"JPEG SOI", []byte{0xFF, 0xD8, 0xFF, 0xE0}, "SOI", "not the SOI marker", false},
		{"only SOI", []byte{0xFF, 0xA0}, "marker", "unexpected end of data", false},
		{"truncated segment length", base[:len(joinFile(segs[:iSOF]...))+3], "SOF", "unexpected end of data", false},
		{"truncated segment", base[:len(joinFile(segs[:iSOF]...))+10], "SOF", "unexpected end of data", false},
		{"truncated block data", base[:len(joinFile(segs[:iSOB3]...))+9], "block 3 data", "unexpected end of data", false},
		{"no EOI", base[:len(base)-2], "block 3 data", "unexpected end of data", false},
		{"unknown marker", joinFile(insert(segs, 1, seg{marker: 0xFFB5, payload: []byte{1}})...), "marker", "expected a WSQ marker, found 0xFFB5", false},
		{"not a marker", joinFile(insert(segs, 1, seg{marker: 0x1234, payload: nil})...), "marker", "found 0x1234", false},
		{"second SOI", joinFile(insert(segs, 1, seg{marker: markerSOI})...), "marker", "second SOI", false},
		{"restart interval", joinFile(insert(segs, 1, seg{marker: markerDRT, payload: []byte{0, 8}})...), "marker", "DRT", true},
		{"segment length 1", append([]byte{0xFF, 0xA0, 0xFF, 0xA8, 0, 1}, base[2:]...), "COM", "less than 2", false},
		{"SOF length", joinFile(with(segs, iSOF, seg{marker: markerSOF, payload: sof.payload[:14]})...), "SOF", "frame header length is 16", false},
		{"zero width", joinFile(with(segs, iSOF, seg{marker: markerSOF, payload: patched(sof.payload, 4, 0, 0)})...), "SOF", "0×48", false},
		{"too wide", joinFile(with(segs, iSOF, seg{marker: markerSOF, payload: patched(sof.payload, 4, 0x13, 0x88)})...), "SOF", "exceeds the limit", false},
		{"too many pixels", joinFile(with(segs, iSOF, seg{marker: markerSOF, payload: patched(sof.payload, 2, 0x10, 0x00, 0x10, 0x01)})...), "SOF", "exceeds the limit", false},
		{"second SOF", joinFile(insert(segs, iSOF+1, sof)...), "SOF", "second frame header", false},
		{"even filters", joinFile(with(segs, iDTT, seg{marker: markerDTT, payload: patched(dtt.payload, 0, 8, 8)})...), "DTT", "even-length", true},
		{"zero filter", joinFile(with(segs, iDTT, seg{marker: markerDTT, payload: patched(dtt.payload, 0, 0, 7)})...), "DTT", "not in 1-31", false},
		{"DTT length", joinFile(with(segs, iDTT, seg{marker: markerDTT, payload: dtt.payload[:dtt0len-6]})...), "DTT", "transform table length", false},
		{"DTT sign", joinFile(with(segs, iDTT, seg{marker: markerDTT, payload: patched(dtt.payload, 2, 7)})...), "DTT", "sign byte is 7", false},
		{"DQT length", joinFile(with(segs, iDQT, seg{marker: markerDQT, payload: segs[iDQT].payload[:100]})...), "DQT", "quantisation table length", false},
		{"DHT empty", joinFile(with(segs, iDHT, seg{marker: markerDHT})...), "DHT", "segment is empty", false},
		{"DHT id", joinFile(with(segs, iDHT, seg{marker: markerDHT, payload: patched(dht.payload, 0, 9)})...), "DHT", "table id 9", false},
		{"DHT no codes", joinFile(with(segs, iDHT, seg{marker: markerDHT, payload: make([]byte, 17)})...), "DHT", "has 0 codes", false},
		{"DHT over-subscribed", joinFile(with(segs, iDHT, seg{marker: markerDHT, payload: []byte{0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3}})...), "DHT", "over-subscribed", false},
		{"DHT values cut", joinFile(with(segs, iDHT, seg{marker: markerDHT, payload: dht.payload[:20]})...), "DHT", "segment too short", false},
		{"DHT twice in segment", joinFile(with(segs, iDHT, seg{marker: markerDHT, payload: append(append([]byte(nil), dht.payload...), dht.payload...)})...), "DHT", "defined twice", false},
		{"block before SOF", joinFile(insert(without(segs, iSOF), iSOF, segs[iSOB1])...), "SOB", "before the frame header", false},
		{"no DQT", joinFile(without(segs, iDQT)...), "SOB", "before the quantisation table", false},
		{"no DTT", joinFile(without(segs, iDTT)...), "marker", "without a transform table", false},
		{"undefined table", joinFile(with(segs, iSOB1, seg{marker: markerSOB, payload: []byte{5}, data: segs[iSOB1].data})...), "SOB", "Huffman table 5", false},
		{"SOB length", joinFile(with(segs, iSOB1, seg{marker: markerSOB, payload: []byte{0, 0}, data: segs[iSOB1].data})...), "SOB", "block header length is 4", false},
		{"missing block", joinFile(without(segs, iSOB3)...), "marker", "coefficient data ends early", false},
		{"extra block", joinFile(insert(segs, iSOB3, segs[iSOB3])...), "block 4 data", "overflows", false},
		{"DQT after data", joinFile(insert(segs, iSOB3, segs[iDQT])...), "DQT", "redefined after coefficient data", false},
		{"DTT after data", joinFile(insert(segs, iSOB3, segs[iDTT])...), "DTT", "redefined after coefficient data", false},
		{"EOI first", []byte{0xFF, 0xA0, 0xFF, 0xA1}, "marker", "before the frame header", false},
		{"EOI without DQT", joinFile(seg{marker: markerSOI}, sof, seg{marker: markerEOI}), "marker", "without a quantisation table", false},
		{"bad stuffing", joinFile(with(segs, iSOB1, seg{marker: markerSOB, payload: []byte{0}, data: []byte{0x12, 0xFF, 0xFF}})...), "marker", "found 0xFFFF", false},
		{"comments too long", joinFile(insert(segs, 1, func() []seg {
			var cs []seg
			for range 17 {
				cs = append(cs, seg{marker: markerCOM, payload: make([]byte, 65000)})
			}
			return cs
		}()...)...), "COM", "comments exceed", false},
		{"symbol 0", tinyFile(t, map[int][]byte{1: {0}}, []byte{0x7F}), "block 1 data", "symbol 0 has no meaning", false},
		{"symbol 255", tinyFile(t, map[int][]byte{1: {255}}, []byte{0x7F}), "block 1 data", "symbol 255 has no meaning", false},
		{"escape cut by marker", tinyFile(t, map[int][]byte{1: {symPos8}}, []byte{0x7F}), "block 1 data", "marker inside the 8 extra bits", false},
		{"16-bit escape cut", tinyFile(t, map[int][]byte{1: {symPos16}}, []byte{0x00, 0x7F}), "block 1 data", "marker inside the 16 extra bits", false},
		{"not a code", tinyFile(t, map[int][]byte{2: {181}}, []byte{0xFF, 0, 0xFF, 0, 0xFF, 0}), "block 1 data", "not a code", false},
		{"run overflow", tinyFile(t, map[int][]byte{1: {100}}, []byte{0x7F}), "block 1 data", "zero run of 100 overflows", false},
		{"16-bit run overflow", tinyFile(t, map[int][]byte{1: {symRun16}}, []byte{0x7F, 0xFF, 0, 0xFF, 0}), "block 1 data", "zero run of 65535 overflows", false},
		{"too many coefficients", tinyFile(t, map[int][]byte{1: {181}}, []byte{0x00, 0x00}), "block 1 data", "beyond the 4", false},
		{"no coefficients", tinyFile(t, map[int][]byte{1: {181}}, nil), "marker", "ends early: 0 of 4", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := Decode(bytes.NewReader(tc.in))
			if err == nil {
				t.Fatalf("Decode succeeded (%v), want an error", img.Bounds())
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode: %v is not a *FormatError", err)
			}
			sentinel := ErrFormat
			if tc.unsupported {
				sentinel = ErrUnsupported
			}
			if !errors.Is(err, sentinel) {
				t.Errorf("Decode: %v does not wrap %v", err, sentinel)
			}
			if fe.Segment != tc.segment || !strings.Contains(fe.Reason, tc.want) {
				t.Errorf("Decode: %v; want segment %q and reason containing %q", err, tc.segment, tc.want)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(tc.in)) {
				t.Errorf("offset %d outside the %d-byte input", fe.Offset, len(tc.in))
			}
			if strings.Contains(tc.want, "unexpected end") && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("truncation %v does not wrap io.ErrUnexpectedEOF", err)
			}
		})
	}
}

type failReader struct{ r io.Reader }

func (f *failReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("network reset")
	}
	return n, err
}

func TestDecodeReadError(t *testing.T) {
	b := encode(t, syntheticFingerprint(64, 64, 8), nil)
	_, err := Decode(&failReader{bytes.NewReader(b[:len(b)/2])})
	if err == nil || errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "network reset") {
		t.Errorf("Decode: %v, want the reader's error, not ErrFormat", err)
	}
}

// TestNoPanicOnDamage decodes every prefix and many one-byte corruptions of
// a valid file: each must decode or fail with ErrFormat/ErrUnsupported.
func TestNoPanicOnDamage(t *testing.T) {
	b := encode(t, syntheticFingerprint(48, 40, 9), nil)
	check := func(in []byte) {
		_, err := Decode(bytes.NewReader(in))
		if err != nil && !errors.Is(err, ErrFormat) && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	}
	for n := range len(b) {
		check(b[:n])
	}
	for i := range b {
		for _, v := range []byte{0x00, 0xFF, b[i] ^ 0x01, b[i] ^ 0x80} {
			check(patched(b, i, v))
		}
	}
}

func TestHuffSpec(t *testing.T) {
	// Skewed frequencies that would need codes over 16 bits without the
	// length limit; no code may be all ones.
	var freq [maxHuffValues]int
	f := 1
	for s := range 40 {
		freq[s] = f
		f = min(f*2, 1<<30)
	}
	spec := buildHuffSpec(&freq)
	total := 0
	kraft := 0.0
	for l := 1; l <= maxHuffBits; l++ {
		total += spec.counts[l]
		kraft += float64(spec.counts[l]) / float64(int(1)<<l)
	}
	if total != 40 || kraft >= 1 {
		t.Errorf("%d codes, Kraft sum %g (want 40 and < 1)", total, kraft)
	}
	for s := range 40 {
		c := spec.codes[s]
		if c.len == 0 || c.len > maxHuffBits || c.code == 1<<c.len-1 {
			t.Errorf("symbol %d: code %b length %d", s, c.code, c.len)
		}
	}
	if _, err := newHuffTable(spec.counts, spec.values); err != nil {
		t.Error(err)
	}
}

func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		x     float64
		e     uint8
		v     uint64
		limit float64
	}{
		{127.3456, 2, 12735, 0xFFFF},
		{0.44, 5, 44000, 0xFFFF},
		{1.2, 4, 12000, 0xFFFF},
		{0.8526986790088938, 9, 852698679, 0xFFFFFFFF},
		{0, 0, 0, 0xFFFF},
	} {
		e, v, ok := decimal(tc.x, tc.limit)
		if !ok || e != tc.e || v != tc.v {
			t.Errorf("decimal(%v) = %d, %d, %v; want %d, %d", tc.x, e, v, ok, tc.e, tc.v)
		}
	}
	for _, x := range []float64{-1, math.Inf(1), math.NaN(), 70000} {
		if _, _, ok := decimal(x, 0xFFFF); ok {
			t.Errorf("decimal(%v) accepted", x)
		}
	}
}
