package extract

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// Decode decodes a PNG or JPEG fingerprint image and returns it with its
// format name ("png" or "jpeg"). It reads the header first and refuses,
// before decoding any pixels, images smaller than MinSide or larger than
// MaxSide on either side (ErrImageSize), so that a small upload cannot
// make the desk allocate a huge image. Other formats fail with ErrFormat;
// WSQ is decoded by a separate package.
func Decode(b []byte) (image.Image, string, error) {
	var (
		decodeConfig func([]byte) (image.Config, error)
		decode       func([]byte) (image.Image, error)
		format       string
	)
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		format = "png"
		decodeConfig = func(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }
	case bytes.HasPrefix(b, []byte{0xff, 0xd8}):
		format = "jpeg"
		decodeConfig = func(b []byte) (image.Config, error) { return jpeg.DecodeConfig(bytes.NewReader(b)) }
		decode = func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }
	default:
		return nil, "", fmt.Errorf("decode fingerprint image: not PNG or JPEG: %w", ErrFormat)
	}
	cfg, err := decodeConfig(b)
	if err != nil {
		return nil, format, fmt.Errorf("decode fingerprint %s header: %w: %w", format, ErrFormat, err)
	}
	if cfg.Width < MinSide || cfg.Height < MinSide || cfg.Width > MaxSide || cfg.Height > MaxSide {
		return nil, format, fmt.Errorf("decode fingerprint %s: %d×%d pixels, want %d–%d on each side: %w", format, cfg.Width, cfg.Height, MinSide, MaxSide, ErrImageSize)
	}
	img, err := decode(b)
	if err != nil {
		return nil, format, fmt.Errorf("decode fingerprint %s: %w: %w", format, ErrFormat, err)
	}
	if s := img.Bounds().Size(); s.X != cfg.Width || s.Y != cfg.Height {
		return nil, format, fmt.Errorf("decode fingerprint %s: header says %d×%d, image is %d×%d: %w", format, cfg.Width, cfg.Height, s.X, s.Y, ErrFormat)
	}
	return img, format, nil
}
