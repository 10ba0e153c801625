package eid

import (
	"bytes"
	"image"
	"math/bits"

	"github.com/vneid/vneid/internal/face"
)

// copyBits is the share of differing hash bits below which two pictures
// are one photograph (re-encoded or rescaled).
const copyBits = 0.06

// checkSelfieNotCopy refuses a "selfie" that is one of the portraits the
// server compares it with — the chip's DG2 picture or the database
// portrait, sent back byte for byte or re-encoded. Without it, anyone
// holding a card could pass the face checks with the card's own photo.
func checkSelfieNotCopy(selfie []byte, img image.Image, portraits ...[]byte) Check {
	c := Check{Name: "selfie_not_copy", Status: CheckPass}
	sh := averageHash(img)
	for _, p := range portraits {
		if len(p) == 0 {
			continue
		}
		if bytes.Equal(p, selfie) {
			c.Status, c.Detail = CheckFail, "the selfie is a portrait already on file, byte for byte"
			return c
		}
		pi, _, err := face.Decode(p)
		if err != nil {
			continue
		}
		if d := hamming(sh, averageHash(pi)); float64(d) < copyBits*float64(64*len(sh)) {
			c.Status, c.Detail = CheckFail, "the selfie is a copy of a portrait already on file"
			return c
		}
	}
	return c
}

// averageHash is a 32×32 grayscale average hash (1,024 bits): robust to
// re-encoding and rescaling, not to a new photograph.
func averageHash(img image.Image) []uint64 {
	const n = 32
	b := img.Bounds()
	var cells [n * n]float64
	var sum float64
	for cy := range n {
		y0 := b.Min.Y + cy*b.Dy()/n
		y1 := max(y0+1, b.Min.Y+(cy+1)*b.Dy()/n)
		for cx := range n {
			x0 := b.Min.X + cx*b.Dx()/n
			x1 := max(x0+1, b.Min.X+(cx+1)*b.Dx()/n)
			var v, k float64
			for y := y0; y < y1; y += max(1, (y1-y0)/4) {
				for x := x0; x < x1; x += max(1, (x1-x0)/4) {
					r, g, bl, _ := img.At(x, y).RGBA()
					v += 0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)
					k++
				}
			}
			cells[cy*n+cx] = v / k
			sum += v / k
		}
	}
	mean := sum / float64(n*n)
	out := make([]uint64, n*n/64)
	for i, v := range cells {
		if v > mean {
			out[i/64] |= 1 << (i % 64)
		}
	}
	return out
}

func hamming(a, b []uint64) int {
	d := 0
	for i := range a {
		d += bits.OnesCount64(a[i] ^ b[i])
	}
	return d
}
