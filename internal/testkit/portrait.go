package testkit

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
)

// SyntheticPortrait draws a 240×320 passport-style JPEG picture, different
// for every seed: a plain background, a head and shoulders. It is not a
// photograph of anyone, and face engines find no face in it, so a dossier
// built with it goes to an officer.
func SyntheticPortrait(seed string) ([]byte, error) {
	h := sha256.Sum256([]byte("portrait:" + seed))
	const w, ht = 240, 320
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	bg := color.RGBA{230 + h[0]%20, 235 + h[1]%20, 245, 255}
	skin := color.RGBA{200 + h[2]%40, 160 + h[3]%40, 130 + h[4]%40, 255}
	hair := color.RGBA{h[5] % 60, h[6] % 50, h[7] % 40, 255}
	shirt := color.RGBA{h[8], h[9], h[10], 255}
	cx, cy := w/2, 130+int(h[11]%20)
	rx, ry := 62+int(h[12]%10), 82+int(h[13]%10)
	for y := range ht {
		for x := range w {
			c := bg
			dx, dy := float64(x-cx)/float64(rx), float64(y-cy)/float64(ry)
			switch {
			case dx*dx+dy*dy <= 1 && y < cy-ry/2:
				c = hair
			case dx*dx+dy*dy <= 1:
				c = skin
			case y > cy+ry-10 && (x-cx)*(x-cx) < (y-cy-ry+130)*(y-cy-ry+130):
				c = shirt
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("testkit: portrait: %w", err)
	}
	return buf.Bytes(), nil
}

// jpegSize checks that b is a JPEG and returns its dimensions.
func jpegSize(b []byte) ([]byte, int, int, error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("testkit: portrait is not a JPEG: %w", err)
	}
	return b, cfg.Width, cfg.Height, nil
}

// SyntheticSignature draws a 300×100 PNG of a handwritten-looking stroke on
// white, as a signature pad gives it.
func SyntheticSignature() ([]byte, error) {
	img := image.NewGray(image.Rect(0, 0, 300, 100))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for x := 20; x < 280; x++ {
		t := float64(x-20) / 260
		y := 50 + int(25*math.Sin(t*4*math.Pi)*(1-t/2))
		for dy := -1; dy <= 1; dy++ {
			img.SetGray(x, y+dy, color.Gray{Y: 20})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("testkit: signature: %w", err)
	}
	return b.Bytes(), nil
}
