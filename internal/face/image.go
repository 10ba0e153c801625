package face

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// Limits on the pictures the package accepts. A picture is checked against
// them from its header, before any pixel is decoded, so that a small file
// claiming a huge size (a decompression bomb) costs nothing.
const (
	// MaxBytes is the largest encoded picture accepted (20 MiB). Phone
	// selfies are a few MB; chip portraits (DG2) are tens of KB.
	MaxBytes = 20 << 20
	// MaxPixels is the largest decoded picture accepted (25 megapixels).
	MaxPixels = 25_000_000
	// MaxSide is the longest side, in pixels, of the picture sent to the
	// face engine; larger pictures are scaled down first. The detector works
	// on 512×512 anyway, so more pixels cost time and buy nothing.
	MaxSide = 1024
)

// Formats reported by Decode.
const (
	FormatJPEG = "jpeg"
	FormatPNG  = "png"
)

var (
	// ErrUnsupportedFormat is returned for a picture that is not JPEG or PNG:
	// notably JPEG 2000, which ISO/IEC 19794-5 allows in a chip's DG2. Such a
	// picture cannot be compared automatically and goes to manual review.
	ErrUnsupportedFormat = errors.New("face: unsupported image format")
	// ErrInvalidImage is returned for a picture whose data is corrupt,
	// truncated or empty.
	ErrInvalidImage = errors.New("face: invalid image")
	// ErrImageTooLarge is returned for a picture over MaxBytes or MaxPixels.
	ErrImageTooLarge = errors.New("face: image too large")
)

// Image is a picture as the face engine receives it: 8-bit RGB, row by row,
// without padding, upright (EXIF orientation applied) and, from Prepare,
// scaled so that its longest side is at most MaxSide.
type Image struct {
	// Width and Height are the size of RGB in pixels.
	Width, Height int
	// RGB holds Width*Height*3 bytes: R, G, B for each pixel, rows top to
	// bottom. Transparent pixels are composited on white.
	RGB []byte
	// SourceWidth and SourceHeight are the size of the decoded, upright
	// picture before scaling; face boxes are reported in these pixels.
	SourceWidth, SourceHeight int
	// Format is the encoded format, FormatJPEG or FormatPNG.
	Format string
}

// Prepare decodes an encoded JPEG or PNG picture (see Decode) and converts it
// with NewImage to the form sent to the face engine.
func Prepare(data []byte) (Image, error) {
	src, format, err := Decode(data)
	if err != nil {
		return Image{}, err
	}
	img := NewImage(src, MaxSide)
	img.Format = format
	return img, nil
}

// Decode decodes a JPEG or PNG picture and returns it with its format
// (FormatJPEG or FormatPNG). A JPEG's EXIF orientation is honoured: the
// picture returned is upright, as a person would see it. Errors wrap
// ErrUnsupportedFormat (JPEG 2000 and any other format), ErrImageTooLarge
// (over MaxBytes or MaxPixels, checked before decoding pixels) or
// ErrInvalidImage (corrupt data).
func Decode(data []byte) (image.Image, string, error) {
	if len(data) > MaxBytes {
		return nil, "", fmt.Errorf("%w: %d bytes, limit %d", ErrImageTooLarge, len(data), MaxBytes)
	}
	format, err := sniff(data)
	if err != nil {
		return nil, "", err
	}
	var (
		decodeConfig func([]byte) (image.Config, error)
		decode       func([]byte) (image.Image, error)
	)
	switch format {
	case FormatJPEG:
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	case FormatPNG:
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	}
	cfg, err := decodeConfig(data)
	if err != nil {
		return nil, "", fmt.Errorf("%w: read %s header: %w", ErrInvalidImage, format, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, "", fmt.Errorf("%w: %s is %d×%d pixels", ErrInvalidImage, format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, "", fmt.Errorf("%w: %s is %d×%d pixels, limit %d", ErrImageTooLarge, format, cfg.Width, cfg.Height, MaxPixels)
	}
	img, err := decode(data)
	if err != nil {
		return nil, "", fmt.Errorf("%w: decode %s: %w", ErrInvalidImage, format, err)
	}
	if format == FormatJPEG {
		if o := jpegOrientation(data); o > 1 {
			return &orientedImage{src: img, orientation: o}, format, nil
		}
	}
	return img, format, nil
}

// sniff names the format from the first bytes: only JPEG and PNG are
// decoded; other formats that turn up are named in the error.
func sniff(data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", fmt.Errorf("%w: no data", ErrInvalidImage)
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return FormatJPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return FormatPNG, nil
	case bytes.HasPrefix(data, []byte{0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A}):
		return "", fmt.Errorf("%w: JPEG 2000 (JP2)", ErrUnsupportedFormat)
	case bytes.HasPrefix(data, []byte{0xFF, 0x4F, 0xFF, 0x51}):
		return "", fmt.Errorf("%w: JPEG 2000 codestream (J2K)", ErrUnsupportedFormat)
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "", fmt.Errorf("%w: GIF", ErrUnsupportedFormat)
	case bytes.HasPrefix(data, []byte("BM")):
		return "", fmt.Errorf("%w: BMP", ErrUnsupportedFormat)
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return "", fmt.Errorf("%w: WebP", ErrUnsupportedFormat)
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "", fmt.Errorf("%w: TIFF", ErrUnsupportedFormat)
	case len(data) >= 12 && bytes.Equal(data[4:8], []byte("ftyp")):
		return "", fmt.Errorf("%w: ISO media file (%q, e.g. HEIC/AVIF)", ErrUnsupportedFormat, data[8:12])
	default:
		return "", fmt.Errorf("%w: not JPEG or PNG", ErrUnsupportedFormat)
	}
}

// jpegOrientation returns the EXIF orientation (1–8) of a JPEG file, or 1
// when there is none or it cannot be read: a broken EXIF block never makes a
// picture undecodable.
func jpegOrientation(data []byte) int {
	p := 2 // after SOI
	for p+4 <= len(data) {
		if data[p] != 0xFF {
			return 1
		}
		marker := data[p+1]
		if marker == 0xFF { // fill byte
			p++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan, end of image
			return 1
		}
		if marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 { // no length
			p += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[p+2:]))
		if n < 2 || p+2+n > len(data) {
			return 1
		}
		seg := data[p+4 : p+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return exifOrientation(seg[6:])
		}
		p += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF block.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	if order.Uint16(tiff[2:]) != 42 {
		return 1
	}
	ifd := int64(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > int64(len(tiff)) {
		return 1
	}
	count := int64(order.Uint16(tiff[ifd:]))
	for i := int64(0); i < count; i++ {
		e := ifd + 2 + 12*i
		if e+12 > int64(len(tiff)) {
			return 1
		}
		if order.Uint16(tiff[e:]) != 0x0112 {
			continue
		}
		if order.Uint16(tiff[e+2:]) != 3 || order.Uint32(tiff[e+4:]) != 1 { // SHORT, count 1
			return 1
		}
		if o := int(order.Uint16(tiff[e+8:])); o >= 1 && o <= 8 {
			return o
		}
		return 1
	}
	return 1
}

// orientedImage shows a decoded picture upright according to its EXIF
// orientation (2–8). NewImage converts the small, scaled picture rather than
// going through At pixel by pixel.
type orientedImage struct {
	src         image.Image
	orientation int
}

func (o *orientedImage) ColorModel() color.Model { return o.src.ColorModel() }

func (o *orientedImage) Bounds() image.Rectangle {
	b := o.src.Bounds()
	if o.orientation >= 5 {
		return image.Rect(0, 0, b.Dy(), b.Dx())
	}
	return image.Rect(0, 0, b.Dx(), b.Dy())
}

func (o *orientedImage) At(x, y int) color.Color {
	b := o.src.Bounds()
	if !(image.Point{x, y}.In(o.Bounds())) {
		return color.RGBA{}
	}
	sx, sy := storedPoint(o.orientation, x, y, b.Dx(), b.Dy())
	return o.src.At(b.Min.X+sx, b.Min.Y+sy)
}

// storedPoint maps a point (x, y) of the upright picture to the point of the
// stored picture (w×h as stored) that it shows, for EXIF orientation o.
func storedPoint(o, x, y, w, h int) (int, int) {
	switch o {
	case 2: // mirrored horizontally
		return w - 1 - x, y
	case 3: // rotated 180°
		return w - 1 - x, h - 1 - y
	case 4: // mirrored vertically
		return x, h - 1 - y
	case 5: // transposed
		return y, x
	case 6: // to be rotated 90° clockwise
		return y, h - 1 - x
	case 7: // transverse
		return w - 1 - y, h - 1 - x
	case 8: // to be rotated 90° anticlockwise
		return w - 1 - y, x
	default:
		return x, y
	}
}

// NewImage converts a decoded picture to 8-bit RGB, scaling it down with a
// box filter (each output pixel is the mean of the input pixels it covers)
// so that its longest side is at most maxSide; maxSide <= 0 keeps the size.
// Pictures are never scaled up. Transparent pixels are composited on white.
// Format is left empty.
func NewImage(src image.Image, maxSide int) Image {
	orientation := 1
	if o, ok := src.(*orientedImage); ok {
		src, orientation = o.src, o.orientation
	}
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	if sw <= 0 || sh <= 0 {
		return Image{}
	}
	dw, dh := fit(sw, sh, maxSide)
	img := Image{Width: dw, Height: dh, SourceWidth: sw, SourceHeight: sh}
	img.RGB = make([]byte, dw*dh*3)
	row := make([]byte, sw*3)
	if dw == sw && dh == sh {
		for y := 0; y < sh; y++ {
			rgbRow(src, b.Min.Y+y, row)
			copy(img.RGB[y*sw*3:], row)
		}
	} else {
		boxScale(src, row, img.RGB, dw, dh)
	}
	if orientation > 1 {
		img = orient(img, orientation)
	}
	return img
}

// fit returns the size of a w×h picture scaled down, keeping its aspect
// ratio, so that its longest side is at most maxSide.
func fit(w, h, maxSide int) (int, int) {
	if maxSide <= 0 || (w <= maxSide && h <= maxSide) {
		return w, h
	}
	if w >= h {
		return maxSide, max(1, int((int64(h)*int64(maxSide)+int64(w)/2)/int64(w)))
	}
	return max(1, int((int64(w)*int64(maxSide)+int64(h)/2)/int64(h))), maxSide
}

// boxScale scales src down to dw×dh into dst (dw*dh*3 bytes). Source pixel
// (x, y) falls in output pixel (x*dw/sw, y*dh/sh); each output pixel is the
// rounded mean of the pixels that fall in it. row is a buffer of sw*3 bytes.
func boxScale(src image.Image, row, dst []byte, dw, dh int) {
	b := src.Bounds()
	sw, sh := b.Dx(), b.Dy()
	colOf := make([]int, sw)
	perCol := make([]uint64, dw)
	for x := range colOf {
		colOf[x] = int(int64(x) * int64(dw) / int64(sw))
		perCol[colOf[x]]++
	}
	acc := make([]uint64, dw*3)
	rows := uint64(0)
	flush := func(dy int) {
		out := dst[dy*dw*3 : (dy+1)*dw*3]
		for dx := 0; dx < dw; dx++ {
			n := perCol[dx] * rows
			for c := 0; c < 3; c++ {
				i := dx*3 + c
				if n > 0 {
					out[i] = byte((acc[i] + n/2) / n)
				}
				acc[i] = 0
			}
		}
		rows = 0
	}
	cur := 0
	for y := 0; y < sh; y++ {
		dy := int(int64(y) * int64(dh) / int64(sh))
		if dy != cur {
			flush(cur)
			cur = dy
		}
		rgbRow(src, b.Min.Y+y, row)
		for x := 0; x < sw; x++ {
			i := colOf[x] * 3
			acc[i] += uint64(row[3*x])
			acc[i+1] += uint64(row[3*x+1])
			acc[i+2] += uint64(row[3*x+2])
		}
		rows++
	}
	flush(cur)
}

// rgbRow writes row y of src as RGB into row (len = width*3), with fast
// paths for what the JPEG and PNG decoders return.
func rgbRow(src image.Image, y int, row []byte) {
	b := src.Bounds()
	w := b.Dx()
	switch s := src.(type) {
	case *image.YCbCr:
		for x := 0; x < w; x++ {
			yi := s.YOffset(b.Min.X+x, y)
			ci := s.COffset(b.Min.X+x, y)
			row[3*x], row[3*x+1], row[3*x+2] = color.YCbCrToRGB(s.Y[yi], s.Cb[ci], s.Cr[ci])
		}
	case *image.Gray:
		p := s.Pix[s.PixOffset(b.Min.X, y):]
		for x := 0; x < w; x++ {
			row[3*x], row[3*x+1], row[3*x+2] = p[x], p[x], p[x]
		}
	case *image.RGBA: // premultiplied: over white is c + (255 - a)
		p := s.Pix[s.PixOffset(b.Min.X, y):]
		for x := 0; x < w; x++ {
			a := 255 - p[4*x+3]
			row[3*x], row[3*x+1], row[3*x+2] = p[4*x]+a, p[4*x+1]+a, p[4*x+2]+a
		}
	case *image.NRGBA:
		p := s.Pix[s.PixOffset(b.Min.X, y):]
		for x := 0; x < w; x++ {
			a := uint32(p[4*x+3])
			for c := 0; c < 3; c++ {
				row[3*x+c] = byte((uint32(p[4*x+c])*a + 255*(255-a) + 127) / 255)
			}
		}
	default: // 16-bit, paletted, CMYK …: premultiplied 16-bit over white
		for x := 0; x < w; x++ {
			r, g, bl, a := src.At(b.Min.X+x, y).RGBA()
			row[3*x] = byte((r + 0xffff - a) >> 8)
			row[3*x+1] = byte((g + 0xffff - a) >> 8)
			row[3*x+2] = byte((bl + 0xffff - a) >> 8)
		}
	}
}

// orient returns img (as stored) turned upright for EXIF orientation o.
func orient(img Image, o int) Image {
	w, h := img.Width, img.Height
	out := Image{Width: w, Height: h, SourceWidth: img.SourceWidth, SourceHeight: img.SourceHeight, Format: img.Format}
	if o >= 5 {
		out.Width, out.Height = h, w
		out.SourceWidth, out.SourceHeight = img.SourceHeight, img.SourceWidth
	}
	out.RGB = make([]byte, len(img.RGB))
	for y := 0; y < out.Height; y++ {
		for x := 0; x < out.Width; x++ {
			sx, sy := storedPoint(o, x, y, w, h)
			copy(out.RGB[(y*out.Width+x)*3:(y*out.Width+x)*3+3], img.RGB[(sy*w+sx)*3:])
		}
	}
	return out
}
