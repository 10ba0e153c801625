package verifyweb_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"

	"rsc.io/qr"

	"github.com/vneid/vneid/internal/verifyweb"
)

// pngClaiming is a tiny PNG whose header claims a w×h picture (8-bit
// greyscale) but which holds almost no pixel data: what an attacker posts to
// make the decoder allocate the picture.
func pngClaiming(w, h uint32, depth byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = depth // bit depth
	ihdr[9] = 6     // RGBA: 8 bytes a pixel at depth 16
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0, 0, 0, 0, 1})
	chunk("IEND", nil)
	return b.Bytes()
}

// fuzzSeeds are small valid and nearly valid images.
func fuzzSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	code, err := qr.Encode("eyJhbGciOiJFUzI1NiJ9.e30.c2ln~WyJzYWx0IiwibiIsInYiXQ~", qr.M)
	if err != nil {
		tb.Fatal(err)
	}
	code.Scale = 2
	qrPNG := code.PNG()
	img, err := png.Decode(bytes.NewReader(qrPNG))
	if err != nil {
		tb.Fatal(err)
	}
	var qrJPEG bytes.Buffer
	if err := jpeg.Encode(&qrJPEG, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	var tiny, grey bytes.Buffer
	_ = png.Encode(&tiny, image.NewGray(image.Rect(0, 0, 1, 1)))
	g := image.NewGray(image.Rect(0, 0, 40, 30))
	for i := range g.Pix {
		g.Pix[i] = uint8(i * 37)
	}
	_ = png.Encode(&grey, g)
	rgba := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	rgba.Set(1, 1, color.NRGBA{R: 200, A: 100})
	var small bytes.Buffer
	_ = png.Encode(&small, rgba)
	return [][]byte{
		qrPNG, qrJPEG.Bytes(), tiny.Bytes(), grey.Bytes(), small.Bytes(),
		pngClaiming(100000, 100000, 16), pngClaiming(6001, 1, 8), pngClaiming(0, 0, 8),
		[]byte("\xff\xd8\xff"), []byte("\x89PNG\r\n\x1a\n"), nil,
	}
}

// FuzzDecodeQR: no image makes DecodeQR panic, and one claiming more than
// 6000 pixels on a side is refused from its header, before its pixels are
// allocated (a fatal out-of-memory error is no panic: it would end the fuzz
// run, and the server).
func FuzzDecodeQR(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		text, err := verifyweb.DecodeQR(bytes.NewReader(data))
		if err != nil && text != "" {
			t.Fatalf("error %v with text %q", err, text)
		}
		cfg, _, cerr := image.DecodeConfig(bytes.NewReader(data))
		if cerr == nil && (cfg.Width > 6000 || cfg.Height > 6000) && !errors.Is(err, verifyweb.ErrTooLarge) {
			t.Fatalf("a %dx%d image was not refused as too large: %v", cfg.Width, cfg.Height, err)
		}
		if cerr != nil && err == nil {
			t.Fatalf("an image without a readable header decoded to %q", text)
		}
	})
}

// FuzzDecodeHandler: POST /verify/decode answers 200 with the text, 413 or
// 422 with an error code, always as JSON, whatever the body.
func FuzzDecodeHandler(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	h := newHandler(f, "https://id.example.vn/oidc")
	f.Fuzz(func(t *testing.T, data []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/verify/decode", bytes.NewReader(data)))
		var body map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("status %d, body %q is not a JSON object of strings: %v", rec.Code, rec.Body, err)
		}
		switch rec.Code {
		case http.StatusOK:
			if _, ok := body["text"]; !ok || len(body) != 1 {
				t.Fatalf("200 with %v", body)
			}
		case http.StatusUnprocessableEntity:
			if body["error"] != "no_qr_code" {
				t.Fatalf("422 with %v", body)
			}
		case http.StatusRequestEntityTooLarge:
			if body["error"] != "image_too_large" {
				t.Fatalf("413 with %v", body)
			}
		default:
			t.Fatalf("status %d, body %v", rec.Code, body)
		}
	})
}
