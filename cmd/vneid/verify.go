package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vneid/vneid/internal/api"
	"github.com/vneid/vneid/internal/presentation"
	"github.com/vneid/vneid/internal/sources"
	"github.com/vneid/vneid/internal/ssoweb"
	"github.com/vneid/vneid/internal/verifyweb"
	"github.com/vneid/vneid/internal/wallet"
)

const verifyUsage = `usage: vneid verify [flags] [PRESENTATION | @FILE | -]

Kiểm tra mã xuất trình của công dân (mã QR trên ứng dụng VNeID) /
Check a citizen's presentation (the QR code the VNeID app shows).

Offline (the default): the signature, validity period and every disclosed
value are checked against the issuer's published keys (-jwks, or fetched
from -server). An offline check cannot detect a replayed or revoked
presentation or a locked account: -online asks the server's verification
API, as a registered relying party (-client, -secret).

The presentation is the argument, @FILE (read from a file), - (standard
input) or -qr IMAGE (a PNG or JPEG of the QR code).

Examples:
  vneid verify -server https://id.example.vn -save-jwks issuer.jwks -qr photo.png
  vneid verify -jwks issuer.jwks -issuer https://id.example.vn/oidc @code.txt
  vneid verify -online -server https://id.example.vn -client rp-1 -secret S -
  vneid verify -online -server https://id.example.vn -client rp-1 -secret S -new-nonce

Flags:
`

// verifyFlags are the flags of `vneid verify`.
type verifyFlags struct {
	qr, jwks, issuer, server, saveJWKS string
	client, secret, nonce, lang        string
	online, newNonce, json             bool
}

func (f *verifyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.qr, "qr", "", "read the presentation from a QR code image (PNG or JPEG)")
	fs.StringVar(&f.jwks, "jwks", "", "the issuer's published keys (JSON Web Key Set): a file (offline) or an http(s) URL")
	fs.StringVar(&f.issuer, "issuer", "", "the issuer to accept (default: from -server's issuer metadata; required with -jwks otherwise)")
	fs.StringVar(&f.server, "server", os.Getenv("VNEID_SERVER"), "a vneid server (also VNEID_SERVER): its issuer metadata and keys, or its verification API with -online")
	fs.StringVar(&f.saveJWKS, "save-jwks", "", "save the issuer's key set to this file, for later offline checks")
	fs.BoolVar(&f.online, "online", false, "verify through the server's verification API (replay, revocation, locked accounts)")
	fs.StringVar(&f.client, "client", "", "-online: the relying party's client ID")
	fs.StringVar(&f.secret, "secret", os.Getenv("VNEID_CLIENT_SECRET"), "-online: the relying party's client secret (also VNEID_CLIENT_SECRET)")
	fs.StringVar(&f.nonce, "nonce", "", "the nonce shown to the citizen (from -new-nonce), when the presentation is bound to one")
	fs.BoolVar(&f.newNonce, "new-nonce", false, "ask the server for a nonce to show the citizen, print it and exit (needs -client and -secret)")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON (-online: the server's answer as it is)")
	fs.StringVar(&f.lang, "lang", "vi", "language of labels and messages: vi or en")
}

// maxVerifyInput bounds what is read as a presentation, a key set or an
// answer; a presentation itself is at most presentation.MaxSize.
const maxVerifyInput = 1 << 20

// cmdVerify is `vneid verify`: a verifier's check of a presentation.
func cmdVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var f verifyFlags
	fs := flag.NewFlagSet("vneid verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, verifyUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.lang != "vi" && f.lang != "en" {
		return fmt.Errorf("-lang %q: want vi or en", f.lang)
	}
	o := &verifyOutput{w: stdout, lang: f.lang, json: f.json, labels: wallet.ClaimLabels()}
	hc := &http.Client{Timeout: 15 * time.Second}
	if f.newNonce {
		if fs.NArg() > 0 || f.qr != "" {
			return errors.New("-new-nonce takes no presentation")
		}
		return verifyNewNonce(ctx, hc, f, o)
	}
	token, err := readPresentation(f.qr, fs.Args(), stdin)
	if err != nil {
		return err
	}
	if f.online {
		return verifyOnline(ctx, hc, f, token, o)
	}
	return verifyOffline(ctx, hc, f, token, o)
}

// readPresentation takes the presentation from a QR image, the argument,
// a file (@FILE) or standard input (-).
func readPresentation(qrPath string, args []string, stdin io.Reader) (string, error) {
	var text string
	switch {
	case len(args) > 1:
		return "", errors.New("give one presentation: PRESENTATION, @FILE or - (standard input)")
	case qrPath != "" && len(args) == 1:
		return "", errors.New("give the presentation either with -qr or as an argument, not both")
	case qrPath != "":
		img, err := os.Open(qrPath)
		if err != nil {
			return "", err
		}
		defer img.Close()
		if text, err = verifyweb.DecodeQR(img); err != nil {
			return "", fmt.Errorf("-qr %s: %w", qrPath, err)
		}
	case len(args) == 0:
		return "", errors.New("no presentation: give it as an argument, @FILE, - (standard input) or -qr IMAGE")
	case args[0] == "-":
		b, err := readLimited(stdin, "standard input")
		if err != nil {
			return "", err
		}
		text = string(b)
	case strings.HasPrefix(args[0], "@"):
		in, err := os.Open(args[0][1:])
		if err != nil {
			return "", err
		}
		defer in.Close()
		b, err := readLimited(in, args[0][1:])
		if err != nil {
			return "", err
		}
		text = string(b)
	default:
		text = args[0]
	}
	if text = strings.TrimSpace(text); text == "" {
		return "", errors.New("the presentation is empty")
	}
	return text, nil
}

func readLimited(r io.Reader, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxVerifyInput+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if len(b) > maxVerifyInput {
		return nil, fmt.Errorf("%s: more than %d bytes", what, maxVerifyInput)
	}
	return b, nil
}

// verifyOffline checks the presentation with the issuer's keys only.
func verifyOffline(ctx context.Context, hc *http.Client, f verifyFlags, token string, o *verifyOutput) error {
	keys, issuer, err := issuerKeys(ctx, hc, f)
	if err != nil {
		return err
	}
	v, err := presentation.Verify(token, keys, presentation.VerifyOptions{Issuer: issuer})
	if err != nil {
		code, vi, en := presentation.Reason(err)
		return o.refused("offline", code, vi, en, err.Error())
	}
	if f.nonce != "" && v.Nonce != f.nonce {
		e := wallet.ErrNonce
		return o.refused("offline", e.Code, e.VI, e.EN, fmt.Sprintf("the presentation's nonce is %q", v.Nonce))
	}
	return o.offline(v)
}

// issuerMetadata is the SD-JWT VC issuer metadata a vneid server publishes.
type issuerMetadata struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// issuerKeys returns the key set and the issuer to accept: from -jwks and
// -issuer, and from -server's issuer metadata for what they leave out.
// The server is not asked when both are given.
func issuerKeys(ctx context.Context, hc *http.Client, f verifyFlags) (presentation.KeySet, string, error) {
	issuer := f.issuer
	var raw []byte
	from := f.jwks
	if f.jwks == "" || issuer == "" {
		if f.server == "" {
			if f.jwks == "" {
				return nil, "", errors.New("no issuer keys: give -jwks FILE|URL, or -server URL (or VNEID_SERVER) to fetch them")
			}
			return nil, "", errors.New("-issuer URL is required with -jwks, unless -server gives the issuer metadata")
		}
		meta, err := fetchIssuerMetadata(ctx, hc, f.server, issuer)
		if err != nil {
			return nil, "", err
		}
		if issuer == "" {
			issuer = meta.Issuer
		} else if meta.Issuer != issuer {
			return nil, "", fmt.Errorf("the server's issuer is %q, not %q", meta.Issuer, issuer)
		}
		if f.jwks == "" {
			from = meta.JWKSURI
			if raw, err = httpGet(ctx, hc, meta.JWKSURI); err != nil {
				return nil, "", fmt.Errorf("issuer keys: %w", err)
			}
		}
	}
	if raw == nil {
		var err error
		if isHTTPURL(f.jwks) {
			raw, err = httpGet(ctx, hc, f.jwks)
		} else {
			raw, err = os.ReadFile(f.jwks)
		}
		if err != nil {
			return nil, "", fmt.Errorf("issuer keys: %w", err)
		}
	}
	keys, err := presentation.JWKS(raw)
	if err != nil {
		return nil, "", fmt.Errorf("issuer keys from %s: %w", from, err)
	}
	if f.saveJWKS != "" {
		if err := os.WriteFile(f.saveJWKS, raw, 0o644); err != nil {
			return nil, "", err
		}
	}
	return keys, issuer, nil
}

// fetchIssuerMetadata reads /.well-known/jwt-vc-issuer/… from the server:
// the path of the issuer when it is known, the provider's otherwise.
func fetchIssuerMetadata(ctx context.Context, hc *http.Client, server, issuer string) (issuerMetadata, error) {
	path := ssoweb.Prefix
	if issuer != "" {
		u, err := url.Parse(issuer)
		if err != nil || u.Host == "" {
			return issuerMetadata{}, fmt.Errorf("-issuer %q is not a URL", issuer)
		}
		path = strings.TrimSuffix(u.EscapedPath(), "/")
	}
	if !isHTTPURL(server) {
		return issuerMetadata{}, fmt.Errorf("-server %q: want an http or https URL", server)
	}
	u := strings.TrimRight(server, "/") + verifyweb.WellKnownPrefix + path
	raw, err := httpGet(ctx, hc, u)
	if err != nil {
		return issuerMetadata{}, fmt.Errorf("issuer metadata: %w", err)
	}
	var m issuerMetadata
	if err := json.Unmarshal(raw, &m); err != nil {
		return issuerMetadata{}, fmt.Errorf("issuer metadata from %s: %w", u, err)
	}
	if m.Issuer == "" || !isHTTPURL(m.JWKSURI) {
		return issuerMetadata{}, fmt.Errorf("issuer metadata from %s has no issuer or no http(s) jwks_uri", u)
	}
	return m, nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func httpGet(ctx context.Context, hc *http.Client, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := readLimited(resp.Body, u)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return body, nil
}

// verifierCall posts to the verification API as the relying party,
// decodes the answer into out and returns it as it came, or returns the
// problem the server answered as a *problemAnswer.
func verifierCall(ctx context.Context, hc *http.Client, f verifyFlags, path string, in, out any) ([]byte, error) {
	switch {
	case f.server == "":
		return nil, errors.New("-online needs -server URL (or VNEID_SERVER)")
	case !isHTTPURL(f.server):
		return nil, fmt.Errorf("-server %q: want an http or https URL", f.server)
	case f.client == "" || f.secret == "":
		return nil, errors.New("-online needs the relying party's -client ID and -secret (or VNEID_CLIENT_SECRET)")
	}
	var body io.Reader = http.NoBody
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(f.server, "/")+path, body)
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(f.client, f.secret)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Accept-Language", f.lang)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := readLimited(resp.Body, "the server's answer")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		var p api.Problem
		if json.Unmarshal(raw, &p) != nil || p.Code == "" {
			return nil, fmt.Errorf("POST %s: %s", path, resp.Status)
		}
		return nil, &problemAnswer{p: p, raw: raw}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return nil, fmt.Errorf("POST %s: %w", path, err)
	}
	return raw, nil
}

// problemAnswer is a problem (RFC 9457) the server answered.
type problemAnswer struct {
	p   api.Problem
	raw []byte
}

func (e *problemAnswer) Error() string { return e.p.Code + ": " + e.p.Messages.EN }

// verifyNewNonce asks the server for a nonce to show the citizen.
func verifyNewNonce(ctx context.Context, hc *http.Client, f verifyFlags, o *verifyOutput) error {
	var n wallet.Nonce
	raw, err := verifierCall(ctx, hc, f, "/api/v1/verify/nonces", nil, &n)
	if pa, ok := errors.AsType[*problemAnswer](err); ok {
		return o.problem("online", pa)
	}
	if err != nil {
		return err
	}
	if o.json {
		return o.printJSON(raw)
	}
	fmt.Fprintln(o.w, n.Nonce)
	fmt.Fprintf(o.w, "%s %s (%s)\n", o.pick("Mã kiểm tra (nonce) để công dân tạo mã xuất trình; hết hạn lúc",
		"Nonce for the citizen's presentation; it expires at"), n.ExpiresAt.In(vietnamTime()).Format(vnTimeLayout), vnZoneNote)
	return nil
}

// verifyOnline asks the server's verification API.
func verifyOnline(ctx context.Context, hc *http.Client, f verifyFlags, token string, o *verifyOutput) error {
	var v wallet.Verification
	raw, err := verifierCall(ctx, hc, f, "/api/v1/verify/presentations",
		map[string]string{"presentation": token, "nonce": f.nonce}, &v)
	if pa, ok := errors.AsType[*problemAnswer](err); ok {
		return o.problem("online", pa)
	}
	if err != nil {
		return err
	}
	if o.json {
		return o.printJSON(raw)
	}
	return o.online(v)
}

// vietnamTime is Asia/Ho_Chi_Minh: UTC+7 all year, without daylight
// saving, so a fixed zone needs no time zone database.
func vietnamTime() *time.Location { return time.FixedZone("ICT", 7*3600) }

const (
	vnTimeLayout = "15:04:05 02/01/2006"
	vnZoneNote   = "UTC+7, Asia/Ho_Chi_Minh"
)

// verifyOutput prints verdicts in one language, as text or JSON.
type verifyOutput struct {
	w      io.Writer
	lang   string
	json   bool
	labels map[string][2]string
}

func (o *verifyOutput) pick(vi, en string) string {
	if o.lang == "en" {
		return en
	}
	return vi
}

func (o *verifyOutput) kindLabel(kind string) string {
	if l, ok := o.labels[kind]; ok {
		return o.pick(l[0], l[1])
	}
	return kind
}

func (o *verifyOutput) claimLabel(kind, claim string) string {
	if l, ok := o.labels[kind+"."+claim]; ok {
		return o.pick(l[0], l[1])
	}
	if l, ok := o.labels[claim]; ok {
		return o.pick(l[0], l[1])
	}
	return claim
}

// value shows a disclosed value: dates the Vietnamese way, statuses and
// the fields of composite values (licence classes, a clinic) labelled.
func (o *verifyOutput) value(name string, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if name == "status" {
			if vi, en := sources.Status(x).Label(); vi != "" {
				return o.pick(vi, en)
			}
		}
		return dmy(x)
	case json.Number:
		return x.String()
	case bool:
		if x {
			return o.pick("có", "yes")
		}
		return o.pick("không", "no")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = o.value("", e)
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = o.claimLabel("", k) + ": " + o.value(k, x[k])
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (o *verifyOutput) printJSON(raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err := o.w.Write(buf.Bytes())
	return err
}

// verifyReport is the JSON of an offline verdict.
type verifyReport struct {
	Valid     bool             `json:"valid"`
	Mode      string           `json:"mode"`
	Code      string           `json:"code,omitempty"`
	Messages  *api.Messages    `json:"messages,omitempty"`
	Detail    string           `json:"detail,omitempty"`
	ID        string           `json:"id,omitempty"`
	Issuer    string           `json:"issuer,omitempty"`
	KeyID     string           `json:"kid,omitempty"`
	Level     int              `json:"level,omitempty"`
	IssuedAt  time.Time        `json:"issued_at,omitzero"`
	ExpiresAt time.Time        `json:"expires_at,omitzero"`
	Nonce     string           `json:"nonce,omitempty"`
	Audience  string           `json:"audience,omitempty"`
	Documents []reportDocument `json:"documents,omitempty"`
	Withheld  map[string]int   `json:"withheld,omitempty"`
	Note      string           `json:"note,omitempty"`
}

type reportDocument struct {
	Kind   string        `json:"kind"`
	Label  string        `json:"label"`
	Claims []reportClaim `json:"claims"`
}

type reportClaim struct {
	Name  string `json:"name"`
	Label string `json:"label"`
	Value any    `json:"value"`
}

func (o *verifyOutput) encode(r verifyReport) error {
	raw, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return o.printJSON(raw)
}

// refused prints a refusal and returns it as the command's error: the code
// and the message in the chosen language.
func (o *verifyOutput) refused(mode, code, vi, en, detail string) error {
	msg := o.pick(vi, en)
	if o.json {
		if err := o.encode(verifyReport{Mode: mode, Code: code, Messages: &api.Messages{VI: vi, EN: en}, Detail: detail}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(o.w, "KHÔNG HỢP LỆ / INVALID — %s\n%s\n", code, msg)
		if detail != "" {
			fmt.Fprintf(o.w, "%s: %s\n", o.pick("Chi tiết", "Detail"), detail)
		}
	}
	return fmt.Errorf("%s: %s", code, msg)
}

// problem prints a problem the server answered. Only presentation_* codes
// are verdicts on the presentation; others (the relying party's
// credentials, a rate limit) mean it was not checked.
func (o *verifyOutput) problem(mode string, pa *problemAnswer) error {
	p := pa.p
	msg := o.pick(p.Messages.VI, p.Messages.EN)
	if o.json {
		if err := o.printJSON(pa.raw); err != nil {
			return err
		}
	} else {
		head := "KHÔNG KIỂM TRA ĐƯỢC / NOT CHECKED"
		if strings.HasPrefix(p.Code, "presentation_") {
			head = "KHÔNG HỢP LỆ / INVALID"
		}
		fmt.Fprintf(o.w, "%s — %s\n%s\n", head, p.Code, msg)
	}
	return fmt.Errorf("%s: %s", p.Code, msg)
}

func (o *verifyOutput) offlineNote() string {
	return o.pick("Lưu ý: kiểm tra ngoại tuyến chỉ xác nhận chữ ký, thời hạn và các thông tin được xuất trình; "+
		"không phát hiện được mã đã dùng lại, đã bị thu hồi hay tài khoản bị khóa. Dùng -online để kiểm tra qua máy chủ.",
		"Note: an offline check confirms the signature, the validity period and the disclosed values only; "+
			"it cannot detect a replayed or revoked presentation or a locked account. Use -online to check through the server.")
}

// offline prints a presentation that passed the offline check.
func (o *verifyOutput) offline(v *presentation.Verified) error {
	if o.json {
		r := verifyReport{Valid: true, Mode: "offline", ID: v.ID, Issuer: v.Issuer, KeyID: v.KeyID, Level: v.Level,
			IssuedAt: v.IssuedAt.UTC(), ExpiresAt: v.ExpiresAt.UTC(), Nonce: v.Nonce, Audience: v.Audience,
			Withheld: v.Withheld, Note: o.offlineNote(), Documents: []reportDocument{}}
		for _, d := range v.Documents {
			rd := reportDocument{Kind: d.Kind, Label: o.kindLabel(d.Kind), Claims: []reportClaim{}}
			for _, c := range d.Claims {
				rd.Claims = append(rd.Claims, reportClaim{Name: c.Name, Label: o.claimLabel(d.Kind, c.Name), Value: c.Value})
			}
			r.Documents = append(r.Documents, rd)
		}
		return o.encode(r)
	}
	fmt.Fprintf(o.w, "HỢP LỆ / VALID — %s\n", o.pick("kiểm tra ngoại tuyến bằng khóa công khai của đơn vị phát hành",
		"checked offline with the issuer's public keys"))
	tw := tabwriter.NewWriter(o.w, 0, 0, 2, ' ', 0)
	o.header(tw, v.Level, v.IssuedAt, v.ExpiresAt, v.ID)
	fmt.Fprintf(tw, "%s:\t%s\n", o.pick("Đơn vị phát hành", "Issuer"), v.Issuer)
	fmt.Fprintf(tw, "%s:\t%s\n", o.pick("Khóa ký", "Signing key"), v.KeyID)
	if v.Nonce != "" {
		fmt.Fprintf(tw, "%s:\t%s\n", o.pick("Mã kiểm tra (nonce)", "Nonce"), v.Nonce)
	}
	if v.Audience != "" {
		fmt.Fprintf(tw, "%s:\t%s\n", o.pick("Dành cho đơn vị", "Audience"), v.Audience)
	}
	shown := map[string]bool{}
	for _, d := range v.Documents {
		fmt.Fprintf(tw, "\n%s\n", o.kindLabel(d.Kind))
		for _, c := range d.Claims {
			fmt.Fprintf(tw, "  %s:\t%s\n", o.claimLabel(d.Kind, c.Name), o.value(c.Name, c.Value))
		}
		if n := v.Withheld[d.Kind]; n > 0 && !shown[d.Kind] {
			shown[d.Kind] = true
			fmt.Fprintf(tw, "  (%s)\n", o.withheld(n))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(o.w, "\n%s\n", o.offlineNote())
	return nil
}

func (o *verifyOutput) withheld(n int) string {
	return fmt.Sprintf(o.pick("%d thông tin không được xuất trình", "%d attributes withheld"), n)
}

func (o *verifyOutput) header(tw io.Writer, level int, issued, expires time.Time, id string) {
	fmt.Fprintf(tw, "%s:\t%d\n", o.pick("Mức định danh", "Identification level"), level)
	fmt.Fprintf(tw, "%s:\t%s (%s)\n", o.pick("Tạo lúc", "Issued at"), issued.In(vietnamTime()).Format(vnTimeLayout), vnZoneNote)
	fmt.Fprintf(tw, "%s:\t%s (%s)\n", o.pick("Hết hạn lúc", "Expires at"), expires.In(vietnamTime()).Format(vnTimeLayout), vnZoneNote)
	fmt.Fprintf(tw, "%s:\t%s\n", o.pick("Mã xuất trình", "Presentation ID"), id)
}

// online prints the server's verdict.
func (o *verifyOutput) online(v wallet.Verification) error {
	if !v.Valid {
		fmt.Fprintln(o.w, "KHÔNG HỢP LỆ / INVALID")
		return errors.New("the server did not find the presentation valid")
	}
	fmt.Fprintf(o.w, "HỢP LỆ / VALID — %s\n", o.pick(
		"kiểm tra trực tuyến: chưa được dùng trước đó, chưa bị thu hồi, tài khoản không bị khóa, giấy tờ còn giá trị",
		"checked online: not used before, not revoked, account not locked, documents still valid"))
	tw := tabwriter.NewWriter(o.w, 0, 0, 2, ' ', 0)
	o.header(tw, v.Level, v.IssuedAt, v.ExpiresAt, v.ID)
	shown := map[string]bool{}
	for _, d := range v.Documents {
		label := o.pick(d.LabelVI, d.LabelEN)
		if label == "" {
			label = o.kindLabel(d.Kind)
		}
		fmt.Fprintf(tw, "\n%s\n", label)
		for _, name := range d.Names {
			if v.Attributes {
				fmt.Fprintf(tw, "  %s:\t%s\n", o.claimLabel(d.Kind, name), o.value(name, d.Claims[name]))
			} else {
				fmt.Fprintf(tw, "  %s\n", o.claimLabel(d.Kind, name))
			}
		}
		if n := v.Withheld[d.Kind]; n > 0 && !shown[d.Kind] {
			shown[d.Kind] = true
			fmt.Fprintf(tw, "  (%s)\n", o.withheld(n))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !v.Attributes {
		fmt.Fprintf(o.w, "\n%s\n", o.pick(
			"Máy chủ chỉ cho biết tên các thông tin được xuất trình: giá trị chỉ trả về cho cơ quan nhà nước.",
			"The server names the disclosed attributes only: their values are returned to state bodies only."))
	}
	return nil
}
