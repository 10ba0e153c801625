package extract

import (
	"image"
	"math"
)

// plane is a float32 image, row-major, w×h.
type plane struct {
	w, h int
	p    []float32
}

func newPlane(w, h int) plane { return plane{w: w, h: h, p: make([]float32, w*h)} }

// at samples the plane bilinearly at (x, y), clamping to the edges.
func (pl plane) at(x, y float64) float32 {
	x = min(max(x, 0), float64(pl.w-1))
	y = min(max(y, 0), float64(pl.h-1))
	if math.IsNaN(x) || math.IsNaN(y) {
		return 0
	}
	x0, y0 := int(x), int(y)
	x1, y1 := min(x0+1, pl.w-1), min(y0+1, pl.h-1)
	fx, fy := float32(x-float64(x0)), float32(y-float64(y0))
	r0 := pl.p[y0*pl.w+x0]*(1-fx) + pl.p[y0*pl.w+x1]*fx
	r1 := pl.p[y1*pl.w+x0]*(1-fx) + pl.p[y1*pl.w+x1]*fx
	return r0*(1-fy) + r1*fy
}

// grayPlane converts img to grey levels 0–255, with a fast path for
// *image.Gray.
func grayPlane(img image.Image) plane {
	b := img.Bounds()
	pl := newPlane(b.Dx(), b.Dy())
	if g, ok := img.(*image.Gray); ok {
		for y := range pl.h {
			row := g.Pix[(y+b.Min.Y-g.Rect.Min.Y)*g.Stride+(b.Min.X-g.Rect.Min.X):]
			for x := range pl.w {
				pl.p[y*pl.w+x] = float32(row[x])
			}
		}
		return pl
	}
	for y := range pl.h {
		for x := range pl.w {
			r, g, bb, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			// ITU-R BT.601 luma, as color.GrayModel computes it.
			pl.p[y*pl.w+x] = float32((19595*r + 38470*g + 7471*bb + 1<<15) >> 24)
		}
	}
	return pl
}

// boxMean returns the mean of src over a (2r+1)² window about every pixel,
// counting only pixels inside the image. It runs in O(1) per pixel with
// running sums.
func boxMean(src plane, r int) plane {
	w, h := src.w, src.h
	tmp := newPlane(w, h)
	for y := range h {
		row := src.p[y*w : (y+1)*w]
		out := tmp.p[y*w : (y+1)*w]
		s := 0.0
		for x := 0; x <= min(r, w-1); x++ {
			s += float64(row[x])
		}
		for x := range w {
			lo, hi := max(0, x-r), min(w-1, x+r)
			out[x] = float32(s / float64(hi-lo+1))
			if x+r+1 < w {
				s += float64(row[x+r+1])
			}
			if x-r >= 0 {
				s -= float64(row[x-r])
			}
		}
	}
	// Vertical pass row by row with running column sums, which reads
	// memory in order.
	dst := newPlane(w, h)
	sum := make([]float64, w)
	for y := 0; y <= min(r, h-1); y++ {
		for x, v := range tmp.p[y*w : (y+1)*w] {
			sum[x] += float64(v)
		}
	}
	for y := range h {
		lo, hi := max(0, y-r), min(h-1, y+r)
		inv := 1 / float64(hi-lo+1)
		out := dst.p[y*w : (y+1)*w]
		for x := range out {
			out[x] = float32(sum[x] * inv)
		}
		if y+r+1 < h {
			for x, v := range tmp.p[(y+r+1)*w : (y+r+2)*w] {
				sum[x] += float64(v)
			}
		}
		if y-r >= 0 {
			for x, v := range tmp.p[(y-r)*w : (y-r+1)*w] {
				sum[x] -= float64(v)
			}
		}
	}
	return dst
}

// smooth approximates a Gaussian blur of standard deviation sigma by three
// box passes.
func smooth(src plane, sigma float64) plane {
	r := int(math.Round((math.Sqrt(4*sigma*sigma+1) - 1) / 2))
	if r < 1 {
		return src
	}
	return boxMean(boxMean(boxMean(src, r), r), r)
}

// resample scales src to w×h bilinearly, blurring first when shrinking.
func resample(src plane, w, h int) plane {
	sx, sy := float64(src.w)/float64(w), float64(src.h)/float64(h)
	if s := max(sx, sy); s > 1.2 {
		src = smooth(src, 0.5*s)
	}
	dst := newPlane(w, h)
	for y := range h {
		for x := range w {
			dst.p[y*w+x] = src.at((float64(x)+0.5)*sx-0.5, (float64(y)+0.5)*sy-0.5)
		}
	}
	return dst
}
