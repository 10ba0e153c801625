package verifyweb_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/vneid/vneid/internal/browsertest"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/go-jose/go-jose/v4"
	"rsc.io/qr"

	"github.com/vneid/vneid/internal/presentation"
	"github.com/vneid/vneid/internal/verifyweb"
	"github.com/vneid/vneid/internal/wallet"
)

// Test keys, fixed so that failures reproduce; they sign nothing outside
// these tests.
func testKeyES256(tb testing.TB) presentation.Key {
	tb.Helper()
	seed := sha256.Sum256([]byte("vneid verifyweb test ES256 key"))
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed[:])
	if err != nil {
		tb.Fatal(err)
	}
	return presentation.Key{ID: "ES-20260301-5f3a9c1e", Algorithm: presentation.ES256, Signer: k}
}

func testKeyEdDSA() presentation.Key {
	seed := sha256.Sum256([]byte("vneid verifyweb test Ed25519 key"))
	return presentation.Key{ID: "Ed-20260401-0b7d2e41", Algorithm: presentation.EdDSA, Signer: ed25519.NewKeyFromSeed(seed[:])}
}

// jwksJSON is the JWKS publishing keys, as go-jose writes it.
func jwksJSON(tb testing.TB, keys ...presentation.Key) []byte {
	tb.Helper()
	var set jose.JSONWebKeySet
	for _, k := range keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: k.Signer.Public(), KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"})
	}
	data, err := json.Marshal(set)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

const testIssuer = "https://id.example.vn/oidc"

// Claims of the realistic presentation.
var (
	holderName = "Nguyễn Thị Thanh Hương"
	classes    = []map[string]string{
		{"class": "A1", "issued_on": "2019-06-12"},
		{"class": "B2", "issued_on": "2022-08-01", "valid_until": "2032-08-01"},
	}
	// classesVI and classesEN are how the page shows classes: each class's
	// fields labelled, the classes separated by semicolons.
	classesVI = "Hạng: A1, Ngày cấp: 2019-06-12; Hạng: B2, Ngày cấp: 2022-08-01, Có giá trị đến: 2032-08-01"
	classesEN = "Class: A1, Issued on: 2019-06-12; Class: B2, Issued on: 2022-08-01, Valid until: 2032-08-01"
)

// cardAndLicence is an e-ID card and a driving licence, as the app presents
// them at a checkpoint.
func cardAndLicence() []presentation.Document {
	return []presentation.Document{
		{Kind: wallet.KindEID, Claims: []presentation.Claim{
			{Name: "full_name", Value: holderName},
			{Name: "id_number", Value: "001190012345"},
			{Name: "date_of_birth", Value: "1990-05-17"},
		}},
		{Kind: "driving_licence", Claims: []presentation.Claim{
			{Name: "number", Value: "790123456789"},
			{Name: "classes", Value: classes},
		}},
	}
}

// issue signs a level-2 presentation of docs by iss, valid from iat for
// five minutes.
func issue(tb testing.TB, key presentation.Key, iss string, iat time.Time, docs []presentation.Document) string {
	tb.Helper()
	s, err := presentation.Issue(presentation.Request{
		Issuer: iss, ID: fmt.Sprintf("jti-%d", iat.UnixNano()), Level: 2,
		IssuedAt: iat, ExpiresAt: iat.Add(5 * time.Minute), Documents: docs,
	}, key, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// alterDisclosure changes the value of the claim name in a presentation,
// keeping its salt and the issuer's signature.
func alterDisclosure(tb testing.TB, sdjwt, name string, value any) string {
	tb.Helper()
	parts := strings.Split(sdjwt, "~")
	for i, d := range parts[1 : len(parts)-1] {
		raw, err := base64.RawURLEncoding.DecodeString(d)
		if err != nil {
			tb.Fatal(err)
		}
		var arr []any
		if err := json.Unmarshal(raw, &arr); err != nil {
			tb.Fatal(err)
		}
		if arr[1] != name {
			continue
		}
		arr[2] = value
		raw, err = json.Marshal(arr)
		if err != nil {
			tb.Fatal(err)
		}
		parts[i+1] = base64.RawURLEncoding.EncodeToString(raw)
		return strings.Join(parts, "~")
	}
	tb.Fatalf("no disclosure of %s", name)
	return ""
}

func newHandler(tb testing.TB, issuer string) *verifyweb.Handler {
	tb.Helper()
	h, err := verifyweb.New(verifyweb.Options{Issuer: issuer, JWKSURL: "https://id.example.vn/oidc/keys", Labels: wallet.ClaimLabels()})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// qrPNG draws text as a QR code at error correction M, as the app does.
func qrPNG(tb testing.TB, text string) []byte {
	tb.Helper()
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		tb.Fatal(err)
	}
	return c.PNG()
}

// noCodePNG is a picture with no QR code in it: stripes and a gradient.
func noCodePNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: uint8((x / 16 % 2) * 255), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// realisticSizes are presentations of the sizes citizens show: a level-1
// e-ID card with a licence, a level-2 card, and a level-2 card with a
// licence (about 1.4 to 2.2 KB; a version-40 QR code at M holds 2,331 bytes).
func realisticSizes(tb testing.TB) map[string]string {
	tb.Helper()
	key := testKeyES256(tb)
	now := time.Now()
	eid1 := []presentation.Claim{
		{Name: "id_number", Value: "001190012345"}, {Name: "full_name", Value: holderName},
		{Name: "date_of_birth", Value: "1990-05-17"}, {Name: "gender", Value: "Nữ"},
	}
	eid2 := append(append([]presentation.Claim{}, eid1...),
		presentation.Claim{Name: "nationality", Value: "Việt Nam"},
		presentation.Claim{Name: "place_of_origin", Value: "Hoằng Quỳ, Hoằng Hóa, Thanh Hóa"},
		presentation.Claim{Name: "place_of_residence", Value: "Số 12 ngõ 34 phố Nguyễn Chí Thanh, Phường Láng Thượng, Quận Đống Đa, Hà Nội"},
		presentation.Claim{Name: "card_issued_on", Value: "2021-04-10"},
		presentation.Claim{Name: "card_valid_until", Value: "2030-05-17"},
	)
	licence := presentation.Document{Kind: "driving_licence", Claims: []presentation.Claim{
		{Name: "number", Value: "790123456789"}, {Name: "holder_name", Value: holderName},
		{Name: "classes", Value: classes}, {Name: "points", Value: 12},
	}}
	out := map[string]string{
		"level 1 with licence classes": issue(tb, key, testIssuer, now, []presentation.Document{{Kind: "eid", Claims: eid1},
			{Kind: "driving_licence", Claims: []presentation.Claim{licence.Claims[0], licence.Claims[2]}}}),
		"level 1 with licence": issue(tb, key, testIssuer, now, []presentation.Document{{Kind: "eid", Claims: eid1}, licence}),
		"level 2":              issue(tb, key, testIssuer, now, []presentation.Document{{Kind: "eid", Claims: eid2}}),
		"level 2 with licence": issue(tb, key, testIssuer, now, []presentation.Document{{Kind: "eid", Claims: eid2[:7]},
			{Kind: "driving_licence", Claims: licence.Claims[:3]}}),
	}
	for name, s := range out {
		if len(s) < 1300 || len(s) > 2331 {
			tb.Fatalf("%s: %d bytes, not a realistic size for one QR code at M", name, len(s))
		}
	}
	return out
}

func TestDecodeQR(t *testing.T) {
	for name, text := range realisticSizes(t) {
		t.Run(name, func(t *testing.T) {
			img := qrPNG(t, text)
			got, err := verifyweb.DecodeQR(bytes.NewReader(img))
			if err != nil {
				t.Fatalf("%d-byte presentation: %v", len(text), err)
			}
			if got != text {
				t.Fatalf("decoded %q\nwant %q", got, text)
			}
			t.Logf("%d bytes", len(text))
		})
	}
}

func TestDecodeQRJPEG(t *testing.T) {
	text := realisticSizes(t)["level 2 with licence"]
	img, err := png.Decode(bytes.NewReader(qrPNG(t, text)))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	got, err := verifyweb.DecodeQR(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got != text {
		t.Fatalf("decoded %q\nwant %q", got, text)
	}
}

func TestDecodeQRRefuses(t *testing.T) {
	var big bytes.Buffer
	if err := png.Encode(&big, image.NewGray(image.Rect(0, 0, 6001, 8))); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want error // nil: any error but these
	}{
		{"no code", noCodePNG(t), verifyweb.ErrNoCode},
		{"garbage", []byte("this is not a picture of anything"), nil},
		{"empty", nil, nil},
		{"truncated PNG", qrPNG(t, "abc")[:200], nil},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), nil},
		{"too wide", big.Bytes(), verifyweb.ErrTooLarge},
		// A 70-byte PNG claiming 100,000×100,000 16-bit RGBA pixels (80 GB):
		// refused from its header, not allocated.
		{"claims 80 GB", pngClaiming(100000, 100000, 16), verifyweb.ErrTooLarge},
		{"claims 6001 pixels high", pngClaiming(1, 6001, 8), verifyweb.ErrTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			text, err := verifyweb.DecodeQR(bytes.NewReader(c.data))
			if err == nil {
				t.Fatalf("decoded %q", text)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if c.want == nil && (errors.Is(err, verifyweb.ErrNoCode) || errors.Is(err, verifyweb.ErrTooLarge)) {
				t.Fatalf("error %v for an unreadable image", err)
			}
		})
	}
}

func TestDecodeHandler(t *testing.T) {
	h := newHandler(t, testIssuer)
	text := realisticSizes(t)["level 2"]
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		want   map[string]string
	}{
		{"QR code", qrPNG(t, text), http.StatusOK, map[string]string{"text": text}},
		{"no code", noCodePNG(t), http.StatusUnprocessableEntity, map[string]string{"error": "no_qr_code"}},
		{"garbage", []byte("<html>"), http.StatusUnprocessableEntity, map[string]string{"error": "no_qr_code"}},
		{"over 8 MiB", make([]byte, 8<<20+1), http.StatusRequestEntityTooLarge, map[string]string{"error": "image_too_large"}},
		{"claims 80 GB", pngClaiming(100000, 100000, 16), http.StatusRequestEntityTooLarge, map[string]string{"error": "image_too_large"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/verify/decode", bytes.NewReader(c.body))
			req.Header.Set("Content-Type", "image/png")
			h.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d; body %s", rec.Code, c.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
			var got map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if len(got) != len(c.want) || got["text"] != c.want["text"] || got["error"] != c.want["error"] {
				t.Fatalf("body %v, want %v", got, c.want)
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/verify/decode", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET /verify/decode: %d", rec.Code)
	}
}

func TestMetadata(t *testing.T) {
	for _, c := range []struct{ issuer, path string }{
		{"https://id.example.vn/oidc", "/.well-known/jwt-vc-issuer/oidc"},
		{"https://id.example.vn/oidc/", "/.well-known/jwt-vc-issuer/oidc"},
		{"https://id.example.vn", "/.well-known/jwt-vc-issuer"},
		{"https://id.example.vn/tenant/vn", "/.well-known/jwt-vc-issuer/tenant/vn"},
	} {
		h, err := verifyweb.New(verifyweb.Options{Issuer: c.issuer, JWKSURL: c.issuer + "/keys"})
		if err != nil {
			t.Fatal(err)
		}
		if got := h.MetadataPath(); got != c.path {
			t.Errorf("issuer %s: metadata at %s, want %s", c.issuer, got, c.path)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, c.path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", c.path, rec.Code)
		}
		var m map[string]string
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || m["issuer"] != c.issuer || m["jwks_uri"] != c.issuer+"/keys" {
			t.Errorf("issuer %s: metadata %v", c.issuer, m)
		}
		hd := rec.Header()
		if hd.Get("Content-Type") != "application/json" || hd.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("metadata headers %v", hd)
		}
	}
	for _, bad := range []string{"", "id.example.vn", "/oidc", "::"} {
		if _, err := verifyweb.New(verifyweb.Options{Issuer: bad}); err == nil {
			t.Errorf("issuer %q accepted", bad)
		}
	}
}

var labelsScript = regexp.MustCompile(`(?s)<script type="application/json" id="labels">(.*?)</script>`)

func TestPage(t *testing.T) {
	labels := wallet.ClaimLabels()
	// A label that tries to end the script element stays inside it.
	labels["x"] = [2]string{`</script><script>alert(1)</script>`, `"&<>'`}
	h, err := verifyweb.New(verifyweb.Options{Issuer: testIssuer, JWKSURL: "https://keys.example.vn:8443/oidc/keys", Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	get := func(target string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		return rec
	}
	for _, c := range []struct {
		target, lang string
		want         []string
	}{
		{"/verify", "vi", []string{"Kiểm tra mã xuất trình VNeID", "Hoặc dán mã xuất trình", `href="?lang=en"`}},
		{"/verify?lang=en", "en", []string{"Verify a VNeID presentation", "Or paste the presentation code", `href="?lang=vi"`}},
		{"/verify?lang=fr", "vi", []string{"Kiểm tra mã xuất trình VNeID"}},
	} {
		rec := get(c.target)
		body := rec.Body.String()
		hd := rec.Header()
		if ct := hd.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", c.target, ct)
		}
		csp := hd.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "script-src 'self';", "connect-src 'self' https://keys.example.vn:8443;",
			"frame-ancestors 'none'", "media-src 'self' blob:"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %q", c.target, csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
			t.Errorf("%s: CSP %q allows inline or eval'd script", c.target, csp)
		}
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Permissions-Policy") != "camera=(self)" {
			t.Errorf("%s: headers %v", c.target, hd)
		}
		if !strings.Contains(body, `<html lang="`+c.lang+`">`) || !strings.Contains(body, `data-lang="`+c.lang+`"`) {
			t.Errorf("%s: not in %s", c.target, c.lang)
		}
		for _, w := range c.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", c.target, w)
			}
		}
		if !strings.Contains(body, `data-issuer="`+testIssuer+`"`) || !strings.Contains(body, `data-jwks="https://keys.example.vn:8443/oidc/keys"`) {
			t.Errorf("%s: issuer or JWKS URL missing", c.target)
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("%s: a label ended the labels script element", c.target)
		}
		m := labelsScript.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no labels", c.target)
		}
		var got map[string][2]string
		if err := json.Unmarshal([]byte(m[1]), &got); err != nil {
			t.Fatalf("%s: labels %q: %v", c.target, m[1], err)
		}
		if len(got) != len(labels) || got["x"] != labels["x"] || got["eid.full_name"] != labels["eid.full_name"] {
			t.Errorf("%s: labels differ from the options", c.target)
		}
	}
	rec := get("/verify/verify.js")
	if ct := rec.Header().Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("script Content-Type %q", ct)
	}
	if !strings.Contains(rec.Body.String(), "crypto.subtle.verify") {
		t.Error("the script does not verify signatures")
	}
	for _, target := range []string{"/verify/other", "/verify/verify.js/x", "/.well-known/jwt-vc-issuer/other"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", target, rec.Code)
		}
	}
}

// verifierServer serves the verifier page and the issuer's JWKS, which can
// be changed or taken down; it counts JWKS and decode requests.
type verifierServer struct {
	*httptest.Server
	issuer      string
	mu          sync.Mutex
	jwks        []byte
	down        atomic.Bool
	jwksHits    atomic.Int32
	decodeHits  atomic.Int32
	decodeCodes chan int
}

func newVerifierServer(t *testing.T, keys ...presentation.Key) *verifierServer {
	t.Helper()
	mux := http.NewServeMux()
	s := &verifierServer{Server: httptest.NewServer(mux), decodeCodes: make(chan int, 16)}
	t.Cleanup(s.Close)
	s.issuer = s.URL + "/oidc"
	s.setKeys(t, keys...)
	h, err := verifyweb.New(verifyweb.Options{Issuer: s.issuer, JWKSURL: s.issuer + "/keys", Labels: wallet.ClaimLabels()})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle(verifyweb.Path, h)
	mux.HandleFunc(verifyweb.Path+"/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != verifyweb.Path+"/decode" {
			h.ServeHTTP(w, r)
			return
		}
		s.decodeHits.Add(1)
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		select {
		case s.decodeCodes <- rec.code:
		default:
		}
	})
	mux.Handle(h.MetadataPath(), h)
	mux.HandleFunc("GET /oidc/keys", func(w http.ResponseWriter, r *http.Request) {
		s.jwksHits.Add(1)
		if s.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		s.mu.Lock()
		data := s.jwks
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_, _ = w.Write(data)
	})
	return s
}

func (s *verifierServer) setKeys(t *testing.T, keys ...presentation.Key) {
	t.Helper()
	data := jwksJSON(t, keys...)
	s.mu.Lock()
	s.jwks = data
	s.mu.Unlock()
}

// decodeCode is the status of the next answer from /verify/decode.
func (s *verifierServer) decodeCode(t *testing.T) int {
	t.Helper()
	select {
	case code := <-s.decodeCodes:
		return code
	case <-time.After(5 * time.Second):
		t.Fatal("the page did not ask /verify/decode")
		return 0
	}
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// result is what the page shows after a check.
type result struct {
	OK      bool       `json:"ok"`
	Verdict string     `json:"verdict"`
	Details string     `json:"details"`
	Docs    []string   `json:"docs"`
	Rows    [][]string `json:"rows"` // claim, label, value
	Keys    string     `json:"keys"`
}

// readResult waits for the result box and reads it.
const readResult = `(() => {
  const box = document.getElementById('result');
  if (box.hidden || !document.getElementById('verdict').textContent) return null;
  return {
    ok: box.className === 'ok',
    verdict: document.getElementById('verdict').textContent,
    details: document.getElementById('details').textContent,
    docs: [...document.querySelectorAll('#details h2')].map((e) => e.textContent),
    rows: [...document.querySelectorAll('#details tr')].map((tr) =>
      [tr.dataset.claim, tr.querySelector('th').textContent, tr.querySelector('td').textContent]),
    keys: document.getElementById('keys').textContent,
  };
})()`

// TestVerifyPageInChromium verifies presentations in a headless Chromium as
// a verifier would: pasted, from a picture of the QR code (decoded by the
// server), in both languages, altered, expired, from another issuer, signed
// with a new key, and offline with the keys saved by an earlier check. The
// page is served over http://127.0.0.1, which Chromium treats as a secure
// context, so WebCrypto is available without TLS.
func TestVerifyPageInChromium(t *testing.T) {
	browsertest.Need(t)
	es := testKeyES256(t)
	ed := testKeyEdDSA()
	srv := newVerifierServer(t, es)
	labels := wallet.ClaimLabels()
	shots := os.Getenv("VNEID_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	ctx, bctx, fail := browsertest.Start(t, 40*time.Second)
	open := func(lang string) {
		t.Helper()
		target := srv.URL + verifyweb.Path
		if lang == "en" {
			target += "?lang=en"
		}
		if err := chromedp.Do(bctx,
			chromedp.Navigate(target),
			chromedp.WaitVisible(chromedp.ID("code")),
		); err != nil {
			fail("open "+target, err)
		}
	}
	wait := func(step string) result {
		t.Helper()
		r, err := chromedp.Run(bctx, chromedp.Poll[result](readResult, chromedp.WithPollingInterval(50*time.Millisecond),
			chromedp.WithPollingTimeout(15*time.Second)))
		if err != nil {
			fail(step, err)
		}
		return r
	}
	check := func(step, token string) result {
		t.Helper()
		if err := chromedp.Do(bctx,
			chromedp.Click(chromedp.ID("clear")),
			chromedp.SetValue(chromedp.ID("code"), token),
			chromedp.Click(chromedp.ID("check")),
		); err != nil {
			fail(step, err)
		}
		return wait(step)
	}
	screenshot := func(name string) {
		t.Helper()
		shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			fail("screenshot", err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantValid := func(step string, r result, verdict string) {
		t.Helper()
		if !r.OK || !strings.HasPrefix(r.Verdict, verdict+" — ") || !strings.HasSuffix(r.Verdict, " 2") {
			t.Fatalf("%s: verdict %q (ok %v), details %q", step, r.Verdict, r.OK, r.Details)
		}
	}
	wantInvalid := func(step string, r result, verdict, message string) {
		t.Helper()
		if r.OK || r.Verdict != verdict || r.Details != message {
			t.Fatalf("%s: verdict %q (ok %v), details %q; want %q, %q", step, r.Verdict, r.OK, r.Details, verdict, message)
		}
	}

	// (a) A valid presentation, pasted, in Vietnamese.
	open("vi")
	secure, err := chromedp.Run(bctx, chromedp.Evaluate[bool]("window.isSecureContext && !!(window.crypto && crypto.subtle)"))
	if err != nil {
		fail("secure context", err)
	}
	if !secure {
		t.Fatal("http://127.0.0.1 is not a secure context: WebCrypto is unavailable")
	}
	valid := issue(t, es, srv.issuer, time.Now(), cardAndLicence())
	if _, err := presentation.Verify(valid, mustKeySet(t, es), presentation.VerifyOptions{Issuer: srv.issuer}); err != nil {
		t.Fatalf("the Go verifier refuses the presentation: %v", err)
	}
	r := check("valid, vi", valid)
	wantValid("valid, vi", r, "HỢP LỆ")
	if !strings.Contains(r.Verdict, "Mức định danh") {
		t.Errorf("verdict %q lacks the level", r.Verdict)
	}
	wantDocs := []string{labels["eid"][0], labels["driving_licence"][0]}
	if fmt.Sprint(r.Docs) != fmt.Sprint(wantDocs) {
		t.Errorf("documents %q, want %q", r.Docs, wantDocs)
	}
	wantRows := [][]string{
		{"full_name", "Họ, chữ đệm và tên", holderName},
		{"id_number", "Số định danh cá nhân", "001190012345"},
		{"date_of_birth", "Ngày, tháng, năm sinh", "1990-05-17"},
		{"number", "Số giấy phép lái xe", "790123456789"},
		{"classes", "Hạng", classesVI},
	}
	if fmt.Sprintf("%q", r.Rows) != fmt.Sprintf("%q", wantRows) {
		t.Errorf("rows\n%q\nwant\n%q", r.Rows, wantRows)
	}
	if !strings.Contains(r.Keys, "Khóa công khai cập nhật lúc") || strings.Contains(r.Keys, "không có mạng") {
		t.Errorf("keys line %q", r.Keys)
	}
	screenshot("verify-valid-vi.png")

	// (b) One disclosed value altered; the payload altered.
	altered := alterDisclosure(t, valid, "full_name", "Nguyễn Thị Thanh Hường")
	wantInvalid("altered disclosure", check("altered disclosure", altered), "KHÔNG HỢP LỆ",
		"MÃ ĐÃ BỊ SỬA ĐỔI: chữ ký hoặc thông tin kèm theo không khớp.")
	wantInvalid("altered payload", check("altered payload", alterPayload(t, valid)), "KHÔNG HỢP LỆ",
		"MÃ ĐÃ BỊ SỬA ĐỔI: chữ ký hoặc thông tin kèm theo không khớp.")
	// A claim withheld by the app still verifies, and the page says so.
	withheld, err := presentation.Withhold(valid, func(kind, claim string) bool { return claim != "date_of_birth" })
	if err != nil {
		t.Fatal(err)
	}
	r = check("withheld", withheld)
	wantValid("withheld", r, "HỢP LỆ")
	if len(r.Rows) != 4 || !strings.Contains(r.Details, "1 thông tin không được xuất trình") {
		t.Errorf("withheld claim: rows %q, details %q", r.Rows, r.Details)
	}

	// Names without a label are shown as they are, even those of
	// Object.prototype's members.
	r = check("unlabelled", issue(t, es, srv.issuer, time.Now(), []presentation.Document{{Kind: "constructor", Claims: []presentation.Claim{
		{Name: "constructor", Value: map[string]any{"toString": "x", "__proto__": "y", "class": "B2"}},
		{Name: "hasOwnProperty", Value: 12}, {Name: "valueOf", Value: []any{true, nil, "z"}},
	}}}))
	wantValid("unlabelled", r, "HỢP LỆ")
	wantUnlabelled := [][]string{
		{"constructor", "constructor", "__proto__: y, Hạng: B2, toString: x"},
		{"hasOwnProperty", "hasOwnProperty", "12"},
		{"valueOf", "valueOf", "true; ; z"},
	}
	if fmt.Sprintf("%q", r.Rows) != fmt.Sprintf("%q", wantUnlabelled) || fmt.Sprint(r.Docs) != "[constructor]" {
		t.Errorf("unlabelled: documents %q, rows\n%q\nwant\n%q", r.Docs, r.Rows, wantUnlabelled)
	}
	// A disclosure of a reserved name is refused, as Verify does.
	for _, name := range []string{"", "_sd", "kind"} {
		step := fmt.Sprintf("claim named %q", name)
		wantInvalid(step, check(step, signByHand(t, es, srv.issuer, name)), "KHÔNG HỢP LỆ", "Mã xuất trình không đúng định dạng.")
	}
	// (c) Expired, another issuer, garbage.
	expired := issue(t, es, srv.issuer, time.Now().Add(-10*time.Minute), cardAndLicence())
	wantInvalid("expired", check("expired", expired), "KHÔNG HỢP LỆ", "Mã xuất trình đã hết hạn. Đề nghị công dân tạo mã mới.")
	other := issue(t, es, "https://other.example.vn/oidc", time.Now(), cardAndLicence())
	wantInvalid("other issuer", check("other issuer", other), "KHÔNG HỢP LỆ", "Mã không do VNeID phát hành.")
	wantInvalid("garbage", check("garbage", "hello~"), "KHÔNG HỢP LỆ", "Mã xuất trình không đúng định dạng.")

	// (d) A picture of the QR code, decoded by the server (the page asks the
	// browser's BarcodeDetector first; it is removed so that the server's
	// decoder is what this checks).
	qrFile := filepath.Join(dir, "ma-qr.png")
	noQRFile := filepath.Join(dir, "anh-khong-co-ma.png")
	if err := os.WriteFile(qrFile, qrPNG(t, valid), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(noQRFile, noCodePNG(t), 0o600); err != nil {
		t.Fatal(err)
	}
	pickFile := func(step, file string) result {
		t.Helper()
		if err := chromedp.Do(bctx,
			chromedp.Click(chromedp.ID("clear")),
			chromedp.Evaluate[chromedp.Void]("delete window.BarcodeDetector"),
			chromedp.SetUploadFiles(chromedp.ID("image"), []string{file}),
		); err != nil {
			fail(step, err)
		}
		return wait(step)
	}
	hits := srv.decodeHits.Load()
	r = pickFile("QR picture", qrFile)
	wantValid("QR picture", r, "HỢP LỆ")
	if n := srv.decodeHits.Load() - hits; n != 1 {
		t.Errorf("the picture was decoded with %d requests to /verify/decode, want 1", n)
	}
	if code := srv.decodeCode(t); code != http.StatusOK {
		t.Errorf("/verify/decode answered %d", code)
	}
	pasted, err := chromedp.Run(bctx, chromedp.Value(chromedp.ID("code")))
	if err != nil {
		fail("read the code", err)
	}
	if pasted != valid {
		t.Errorf("the decoded code in the text box differs from the presentation")
	}
	wantInvalid("picture without a code", pickFile("picture without a code", noQRFile), "KHÔNG HỢP LỆ", "Không tìm thấy mã QR trong ảnh.")
	if code := srv.decodeCode(t); code != http.StatusUnprocessableEntity {
		t.Errorf("/verify/decode answered %d for a picture without a code", code)
	}

	// (e) In English.
	open("en")
	r = check("valid, en", issue(t, es, srv.issuer, time.Now(), cardAndLicence()))
	wantValid("valid, en", r, "VALID")
	if !strings.Contains(r.Verdict, "e-ID level") {
		t.Errorf("verdict %q", r.Verdict)
	}
	wantRowsEN := [][]string{
		{"full_name", "Full name", holderName},
		{"id_number", "Personal ID number", "001190012345"},
		{"date_of_birth", "Date of birth", "1990-05-17"},
		{"number", "Driving licence number", "790123456789"},
		{"classes", "Classes", classesEN},
	}
	if fmt.Sprintf("%q", r.Rows) != fmt.Sprintf("%q", wantRowsEN) {
		t.Errorf("rows\n%q\nwant\n%q", r.Rows, wantRowsEN)
	}
	if fmt.Sprint(r.Docs) != fmt.Sprint([]string{"Electronic identity card", "Driving licence"}) {
		t.Errorf("documents %q", r.Docs)
	}
	screenshot("verify-valid-en.png")
	wantInvalid("altered, en", check("altered, en", altered), "NOT VALID", "ALTERED CODE: its signature or a disclosed value does not match.")

	// A new key (Ed25519) published after the keys were saved: the page
	// fetches the keys again for the unknown kid. A kid the issuer never
	// published is refused.
	srv.setKeys(t, es, ed)
	r = check("new key", issue(t, ed, srv.issuer, time.Now(), cardAndLicence()))
	wantValid("new key", r, "VALID")
	stranger := testKeyEdDSA()
	stranger.ID = "Ed-unknown"
	wantInvalid("unknown key", check("unknown key", issue(t, stranger, srv.issuer, time.Now(), cardAndLicence())),
		"NOT VALID", "The code is signed with an unknown key.")

	// (f) Offline: the JWKS endpoint fails; the keys saved by the earlier
	// checks still verify, first as they are (fresh), then once they are
	// more than an hour old, when the page tries the network, fails and
	// says it uses the saved copy.
	srv.down.Store(true)
	r = check("offline", issue(t, es, srv.issuer, time.Now(), cardAndLicence()))
	wantValid("offline", r, "VALID")
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`(() => {
  const c = JSON.parse(localStorage.getItem('vneid-jwks'));
  c.at -= 2 * 3600e3;
  localStorage.setItem('vneid-jwks', JSON.stringify(c));
})()`)); err != nil {
		fail("age the saved keys", err)
	}
	hits = srv.jwksHits.Load()
	r = check("offline, old keys", issue(t, ed, srv.issuer, time.Now(), cardAndLicence()))
	wantValid("offline, old keys", r, "VALID")
	if srv.jwksHits.Load() == hits {
		t.Error("the page did not try to refresh keys saved more than an hour ago")
	}
	if !strings.Contains(r.Keys, "(using the saved copy; offline)") {
		t.Errorf("keys line %q does not say the saved keys are used", r.Keys)
	}
	// Without saved keys and without the network, nothing verifies.
	if err := chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void]("localStorage.clear()")); err != nil {
		fail("clear the saved keys", err)
	}
	wantInvalid("no keys", check("no keys", valid), "NOT VALID", "The public keys could not be loaded. Please connect once.")

	if err := ctx.Err(); errors.Is(err, context.DeadlineExceeded) {
		t.Fatal("the browser test ran out of time")
	}
	t.Logf("screenshots in %s", shots)
}

// signByHand signs a presentation Issue would not make: one e-ID claim
// named name.
func signByHand(t *testing.T, key presentation.Key, iss, name string) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	disc, err := json.Marshal([]string{"AQIDBAUGBwgJCgsMDQ4PEA", name, "x"})
	if err != nil {
		t.Fatal(err)
	}
	d := b64(disc)
	sum := sha256.Sum256([]byte(d))
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "kid": key.ID, "typ": "dc+sd-jwt"})
	now := time.Now().Unix()
	payload, _ := json.Marshal(map[string]any{"iss": iss, "iat": now, "exp": now + 300, "jti": "by-hand",
		"vct": presentation.VCT, "_sd_alg": "sha-256", "lvl": 2,
		"docs": []any{map[string]any{"kind": "eid", "_sd": []string{b64(sum[:])}}}})
	input := b64(hdr) + "." + b64(payload)
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key.Signer.(*ecdsa.PrivateKey), h[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	sdjwt := input + "." + b64(sig) + "~" + d + "~"
	if _, err := presentation.Verify(sdjwt, mustKeySet(t, key), presentation.VerifyOptions{}); !errors.Is(err, presentation.ErrMalformed) {
		t.Fatalf("Verify of a claim named %q: %v, want ErrMalformed", name, err)
	}
	return sdjwt
}

func mustKeySet(t *testing.T, keys ...presentation.Key) presentation.KeySet {
	t.Helper()
	ks, err := presentation.JWKS(jwksJSON(t, keys...))
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// alterPayload changes the payload's jti, keeping the issuer's signature.
func alterPayload(t *testing.T, sdjwt string) string {
	t.Helper()
	jws, rest, _ := strings.Cut(sdjwt, "~")
	parts := strings.Split(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	p["jti"] = "altered"
	if raw, err = json.Marshal(p); err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".") + "~" + rest
}

// The server decodes for anyone, so it refuses pictures over 12.5
// megapixels and asks Options.Allow (a per-address limit) first.
func TestDecodeServerBounds(t *testing.T) {
	var refuse bool
	h, err := verifyweb.New(verifyweb.Options{Issuer: "https://id.example.vn/oidc", JWKSURL: "https://id.example.vn/oidc/keys",
		Allow: func(*http.Request) error {
			if refuse {
				return errors.New("limited")
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body []byte) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/verify/decode", bytes.NewReader(body)))
		return rec
	}
	var big bytes.Buffer
	if err := png.Encode(&big, image.NewGray(image.Rect(0, 0, 4000, 3200))); err != nil {
		t.Fatal(err)
	}
	if rec := post(big.Bytes()); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("12.8-megapixel picture: %d %s", rec.Code, rec.Body)
	}
	var small bytes.Buffer
	if err := png.Encode(&small, image.NewGray(image.Rect(0, 0, 200, 200))); err != nil {
		t.Fatal(err)
	}
	if rec := post(small.Bytes()); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("picture without a code: %d %s", rec.Code, rec.Body)
	}
	refuse = true
	if rec := post(small.Bytes()); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("over the limit: %d %s", rec.Code, rec.Body)
	}
}
