// Package verifyweb serves the verifier's web page: anyone (a shop, a
// hotel, a police patrol) opens /verify, reads a citizen's presentation QR
// code from the camera or an image, or pastes it, and the page checks it in
// the browser with the published issuer keys (WebCrypto): signature,
// expiry and every disclosed value. Keys are cached in the browser, so the
// check also works offline once the page has been opened. The server only
// helps to decode QR images when the browser cannot (no BarcodeDetector).
// It also serves the SD-JWT VC issuer metadata
// (/.well-known/jwt-vc-issuer/…).
package verifyweb

import (
	"bytes"
	_ "embed" // page and script
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"image"
	_ "image/jpeg" // camera frames and photos
	_ "image/png"  // screenshots
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Path is where the page is served.
const Path = "/verify"

// WellKnownPrefix is the prefix of SD-JWT VC issuer metadata URLs.
const WellKnownPrefix = "/.well-known/jwt-vc-issuer"

// maxImage bounds an uploaded image.
const maxImage = 8 << 20

//go:embed page.html
var pageHTML string

//go:embed verify.js
var verifyJS []byte

// Options configure the page.
type Options struct {
	// Issuer is the presentations' issuer (the OpenID provider's issuer
	// URL); JWKSURL where its keys are published.
	Issuer, JWKSURL string
	// Labels names claims in Vietnamese and English: name → [vi, en].
	Labels map[string][2]string
	Logger *slog.Logger
	// Allow, if set, is asked before the server decodes an image for a
	// request (a per-address rate limit); an error answers 429.
	Allow func(r *http.Request) error
}

// Handler serves the page, its script, the QR decoder and the issuer
// metadata.
type Handler struct {
	o    Options
	page *template.Template
	mux  *http.ServeMux
	meta []byte
	// wellKnown is the metadata path for the issuer.
	wellKnown string
	// busy holds a token per image being decoded.
	busy chan struct{}
}

// New returns the handler.
func New(o Options) (*Handler, error) {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	iss, err := url.Parse(o.Issuer)
	if err != nil || iss.Host == "" {
		return nil, fmt.Errorf("verifyweb: issuer %q is not a URL", o.Issuer)
	}
	meta, err := json.Marshal(map[string]string{"issuer": o.Issuer, "jwks_uri": o.JWKSURL})
	if err != nil {
		return nil, err
	}
	h := &Handler{o: o, page: template.Must(template.New("page").Parse(pageHTML)), mux: http.NewServeMux(), meta: meta,
		busy:      make(chan struct{}, concurrentDecodes),
		wellKnown: WellKnownPrefix + strings.TrimSuffix(iss.EscapedPath(), "/")}
	h.mux.HandleFunc("GET "+Path, h.servePage)
	h.mux.HandleFunc("GET "+Path+"/verify.js", h.serveScript)
	h.mux.HandleFunc("POST "+Path+"/decode", h.decode)
	h.mux.HandleFunc("GET "+h.wellKnown, h.metadata)
	return h, nil
}

// MetadataPath is the path of the issuer metadata (RFC-style well-known
// location: the prefix followed by the issuer's path).
func (h *Handler) MetadataPath() string { return h.wellKnown }

// ServeHTTP serves the handler's routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	h.mux.ServeHTTP(w, r)
}

type pageData struct {
	Lang    string
	Issuer  string
	JWKSURL string
	Labels  template.JS
}

func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	lang := "vi"
	if r.URL.Query().Get("lang") == "en" {
		lang = "en"
	}
	labels, err := json.Marshal(h.o.Labels)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' blob: data:; "+
		"media-src 'self' blob:; connect-src 'self' "+origin(h.o.JWKSURL)+"; frame-ancestors 'none'; form-action 'none'")
	hd.Set("Permissions-Policy", "camera=(self)")
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, pageData{Lang: lang, Issuer: h.o.Issuer, JWKSURL: h.o.JWKSURL, Labels: template.JS(labels)}); err != nil {
		h.o.Logger.Error("verifier page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// origin returns the scheme and host of u, for the CSP.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

func (h *Handler) serveScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(verifyJS)
}

func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=3600")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(h.meta)
}

// ErrNoCode: no QR code could be read in the image.
var ErrNoCode = errors.New("verifyweb: no QR code found in the image")

// ErrTooLarge: the image is over 6000 pixels wide or high (or, posted to
// the decoder, over 8 MiB).
var ErrTooLarge = errors.New("verifyweb: the image is too large")

// maxSide bounds an image's width and height, in pixels.
const maxSide = 6000

// maxServerPixels bounds the images the server decodes for the page: a
// 12-megapixel phone photo.
const maxServerPixels = 12_500_000

// concurrentDecodes is how many images the server decodes at once.
const concurrentDecodes = 2

// DecodeQR reads the first QR code in an image (PNG or JPEG) of at most
// 6000×6000 pixels. The size is checked from the image's header before its
// pixels are decoded: a few bytes of PNG can claim a picture of a million
// pixels square, which the decoder would allocate. The caller bounds the
// number of bytes read.
func DecodeQR(r io.Reader) (string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("verifyweb: read image: %w", err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("verifyweb: read image: %w", err)
	}
	if cfg.Width > maxSide || cfg.Height > maxSide {
		return "", fmt.Errorf("verifyweb: image of %dx%d: %w", cfg.Width, cfg.Height, ErrTooLarge)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("verifyweb: read image: %w", err)
	}
	// The detector misreads a few percent of dense codes with one
	// binarizer and not the other, and a screenshot or a generated image
	// decodes most surely as a pure code: try each in turn.
	src := gozxing.NewLuminanceSourceFromImage(img)
	for _, try := range []struct {
		bin  func(gozxing.LuminanceSource) gozxing.Binarizer
		pure bool
	}{
		{gozxing.NewHybridBinarizer, false},
		{gozxing.NewGlobalHistgramBinarizer, false},
		{gozxing.NewHybridBinarizer, true},
	} {
		bmp, err := gozxing.NewBinaryBitmap(try.bin(src))
		if err != nil {
			return "", fmt.Errorf("verifyweb: %w", err)
		}
		hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
		if try.pure {
			hints[gozxing.DecodeHintType_PURE_BARCODE] = true
		}
		if res, err := qrcode.NewQRCodeReader().Decode(bmp, hints); err == nil {
			return res.GetText(), nil
		}
	}
	return "", ErrNoCode
}

// decode reads a QR code from an uploaded image (the body), for browsers
// without BarcodeDetector. Nothing is kept.
func (h *Handler) decode(w http.ResponseWriter, r *http.Request) {
	body := http.MaxBytesReader(w, r.Body, maxImage)
	data, err := io.ReadAll(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "image_too_large"})
		return
	}
	// The server decodes for browsers that cannot, on behalf of anyone:
	// bound what one request may cost (a 12-megapixel photo takes about
	// 150 MB to decode), how many run at once, and how often one address
	// may ask.
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && cfg.Width*cfg.Height > maxServerPixels {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "image_too_large"})
		return
	}
	if h.o.Allow != nil {
		if err := h.o.Allow(r); err != nil {
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "rate_limited"})
			return
		}
	}
	select {
	case h.busy <- struct{}{}:
		defer func() { <-h.busy }()
	case <-r.Context().Done():
		return
	case <-time.After(5 * time.Second):
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "busy"})
		return
	}
	text, err := DecodeQR(bytes.NewReader(data))
	if errors.Is(err, ErrTooLarge) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "image_too_large"})
		return
	}
	if err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "no_qr_code"})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"text": text})
}
