package presentation

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// normalize returns what v reads back as after a JSON round trip.
func normalize(t *testing.T, v any) any {
	t.Helper()
	data, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeValue(data)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// wantDocuments is req's documents as Verify returns them, keeping only
// the claims keep allows.
func wantDocuments(t *testing.T, req Request, keep func(kind, claim string) bool) []Document {
	var out []Document
	for _, d := range req.Documents {
		nd := Document{Kind: d.Kind}
		for _, c := range d.Claims {
			if keep == nil || keep(d.Kind, c.Name) {
				nd.Claims = append(nd.Claims, Claim{c.Name, normalize(t, c.Value)})
			}
		}
		out = append(out, nd)
	}
	return out
}

func verifyOpts() VerifyOptions {
	return VerifyOptions{Issuer: testIssuer, Now: testNow.Add(time.Minute)}
}

func TestRoundTrip(t *testing.T) {
	all := []Key{testES256(t), testEdDSA(t), testRS256(t)}
	keys := testKeySet(t, all...)
	for _, key := range all {
		t.Run(key.Algorithm, func(t *testing.T) {
			req := realistic()
			req.Nonce = "n-0S6_WzA2Mj"
			req.Audience = "https://verifier.example.vn"
			s := mustIssue(t, req, key)
			if !strings.HasSuffix(s, "~") || strings.Count(s, "~") != 15 {
				t.Fatalf("serialization does not end in 14 disclosures and ~: %q", s)
			}
			v, err := Verify(s, keys, verifyOpts())
			if err != nil {
				t.Fatal(err)
			}
			want := &Verified{
				ID: req.ID, Issuer: testIssuer, Nonce: req.Nonce, Audience: req.Audience, KeyID: key.ID,
				Level: 2, IssuedAt: time.Unix(testNow.Unix(), 0), ExpiresAt: time.Unix(req.ExpiresAt.Unix(), 0),
				Documents: wantDocuments(t, req, nil), Withheld: map[string]int{},
			}
			if !reflect.DeepEqual(v, want) {
				t.Errorf("Verify =\n%+v\nwant\n%+v", v, want)
			}
			p, err := Peek(s)
			if err != nil || !reflect.DeepEqual(p, v) {
				t.Errorf("Peek = %+v, %v; want what Verify returned", p, err)
			}
		})
	}
}

// TestJOSEInterop checks the issuer-signed JWT and the JWKS with go-jose,
// an implementation independent of ours.
func TestJOSEInterop(t *testing.T) {
	keys := []Key{testES256(t), testEdDSA(t), testRS256(t)}
	data, err := MarshalJWKS(keys...)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		t.Fatal(err)
	}
	// A JWKS as go-jose writes it (the OpenID provider publishes one).
	var joseSet jose.JSONWebKeySet
	for _, k := range keys {
		joseSet.Keys = append(joseSet.Keys, jose.JSONWebKey{Key: k.Signer.Public(), KeyID: k.ID, Algorithm: k.Algorithm, Use: "sig"})
	}
	joseJWKS, err := json.Marshal(joseSet)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := JWKS(joseJWKS)
	if err != nil {
		t.Fatalf("JWKS(go-jose's): %v", err)
	}
	for _, key := range keys {
		s := mustIssue(t, realistic(), key)
		if _, err := Verify(s, ks, verifyOpts()); err != nil {
			t.Errorf("%s: verify with go-jose's JWKS: %v", key.Algorithm, err)
		}
		jwt, _, _ := strings.Cut(s, "~")
		jws, err := jose.ParseSigned(jwt, []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256})
		if err != nil {
			t.Fatalf("%s: go-jose parse: %v", key.Algorithm, err)
		}
		jwk := set.Key(key.ID)
		if len(jwk) != 1 {
			t.Fatalf("%s: go-jose finds %d keys for %q", key.Algorithm, len(jwk), key.ID)
		}
		payload, err := jws.Verify(jwk[0])
		if err != nil {
			t.Fatalf("%s: go-jose verify: %v", key.Algorithm, err)
		}
		if !strings.Contains(string(payload), `"vct":"`+VCT+`"`) {
			t.Errorf("%s: payload %s", key.Algorithm, payload)
		}
		if typ := jws.Signatures[0].Header.ExtraHeaders["typ"]; typ != Type {
			t.Errorf("%s: typ %v", key.Algorithm, typ)
		}
	}
}

func TestWithhold(t *testing.T) {
	key := testES256(t)
	req := realistic()
	s := mustIssue(t, req, key)
	keep := func(kind, claim string) bool {
		if kind == "eid" {
			return claim == "full_name" || claim == "id_number"
		}
		return claim != "issuer"
	}
	w, err := Withhold(s, keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(w) >= len(s) || !strings.HasPrefix(s, strings.SplitN(w, "~", 2)[0]+"~") {
		t.Fatalf("withheld presentation does not keep the signed JWT or is not shorter")
	}
	v, err := Verify(w, testKeySet(t, key), verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.Documents, wantDocuments(t, req, keep); !reflect.DeepEqual(got, want) {
		t.Errorf("documents = %+v, want %+v", got, want)
	}
	if want := map[string]int{"eid": 7, "driving_licence": 1}; !reflect.DeepEqual(v.Withheld, want) {
		t.Errorf("withheld = %v, want %v", v.Withheld, want)
	}

	// Withholding everything leaves the kinds visible and no claim.
	none, err := Withhold(s, func(string, string) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	v, err = Verify(none, testKeySet(t, key), verifyOpts())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Documents) != 2 || v.Documents[0].Claims != nil || v.Withheld["eid"] != 9 || v.Withheld["driving_licence"] != 5 {
		t.Errorf("all withheld: %+v", v)
	}
	// Keeping everything changes nothing.
	if all, err := Withhold(s, func(string, string) bool { return true }); err != nil || all != s {
		t.Errorf("Withhold(keep all) = %v, want the input", err)
	}
	// Withhold refuses what Peek refuses.
	if _, err := Withhold(s+s, keep); !errors.Is(err, ErrMalformed) {
		t.Errorf("Withhold(garbage) = %v", err)
	}
}

// tokenParts is a presentation taken apart for tampering.
type tokenParts struct {
	header, payload map[string]any
	sig             string
	disclosures     []string

	raw  [2]string // the header and payload segments as issued
	orig [2]string // their maps as marshalled at split, to tell if edited
}

func split(t *testing.T, s string) tokenParts {
	t.Helper()
	parts := strings.Split(s, "~")
	segs := strings.Split(parts[0], ".")
	var tp tokenParts
	for i, to := range []*map[string]any{&tp.header, &tp.payload} {
		data, err := base64.RawURLEncoding.DecodeString(segs[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, to); err != nil {
			t.Fatal(err)
		}
	}
	tp.sig = segs[2]
	tp.disclosures = parts[1 : len(parts)-1]
	tp.raw = [2]string{segs[0], segs[1]}
	tp.orig = [2]string{enc(t, tp.header), enc(t, tp.payload)}
	return tp
}

// segments returns the header and payload segments: as issued unless a test
// edited them.
func (tp tokenParts) segments(t *testing.T) string {
	out := [2]string{enc(t, tp.header), enc(t, tp.payload)}
	for i := range out {
		if out[i] == tp.orig[i] {
			out[i] = tp.raw[i]
		}
	}
	return out[0] + "." + out[1]
}

func enc(t *testing.T, v any) string {
	t.Helper()
	data, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

// join serializes tp with its own signature.
func (tp tokenParts) join(t *testing.T) string {
	s := tp.segments(t) + "." + tp.sig + "~"
	for _, d := range tp.disclosures {
		s += d + "~"
	}
	return s
}

// signed serializes tp with a fresh signature by key, whatever the header says.
func (tp tokenParts) signed(t *testing.T, key Key) string {
	input := tp.segments(t)
	sig, err := sign(key, []byte(input))
	if err != nil {
		t.Fatal(err)
	}
	tp.sig = base64.RawURLEncoding.EncodeToString(sig)
	return tp.join(t)
}

// disclosure makes a disclosure with a fresh salt.
func disclosure(t *testing.T, name string, value any) string {
	d, err := encodeDisclosure("c2FsdHNhbHRzYWx0c2FsdA", name, value)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// editDisclosure decodes a disclosure, lets edit change it and re-encodes it.
func editDisclosure(t *testing.T, d string, edit func(a []any)) string {
	data, err := base64.RawURLEncoding.DecodeString(d)
	if err != nil {
		t.Fatal(err)
	}
	var a []any
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatal(err)
	}
	edit(a)
	return enc(t, a)
}

func docsOf(tp tokenParts) []any { return tp.payload["docs"].([]any) }

func sdOf(tp tokenParts, i int) []any { return docsOf(tp)[i].(map[string]any)["_sd"].([]any) }

func TestRefusals(t *testing.T) {
	es, ed := testES256(t), testEdDSA(t)
	keys := testKeySet(t, es, ed)
	good := mustIssue(t, realistic(), es)
	other := mustIssue(t, realistic(), es) // same claims, other salts

	tests := []struct {
		name   string
		token  func(t *testing.T) string
		opts   func(o *VerifyOptions)
		want   error
		reason string
		msg    string // a part of the error message, to be sure which check refused
	}{
		{name: "altered signature", msg: "signature does not verify", want: ErrSignature, reason: "presentation_altered", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.sig = flipFirst(tp.sig)
			return tp.join(t)
		}},
		{name: "altered payload", msg: "signature does not verify", want: ErrSignature, reason: "presentation_altered", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.payload["lvl"] = 1
			return tp.join(t)
		}},
		{name: "altered disclosure value", msg: "digest not signed", want: ErrSignature, reason: "presentation_altered", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.disclosures[1] = editDisclosure(t, tp.disclosures[1], func(a []any) { a[2] = "Nguyễn Thị Thanh Hường" })
			return tp.join(t)
		}},
		{name: "altered salt", msg: "digest not signed", want: ErrSignature, reason: "presentation_altered", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.disclosures[0] = editDisclosure(t, tp.disclosures[0], func(a []any) { a[0] = "AAAAAAAAAAAAAAAAAAAAAA" })
			return tp.join(t)
		}},
		{name: "disclosure from another presentation", msg: "digest not signed", want: ErrSignature, reason: "presentation_altered", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.disclosures[0] = split(t, other).disclosures[0]
			return tp.join(t)
		}},
		{name: "digest moved to another document", msg: "signature does not verify", want: ErrSignature, reason: "presentation_altered", token: func(t *testing.T) string {
			tp := split(t, good)
			docs := docsOf(tp)
			eid, dl := docs[0].(map[string]any), docs[1].(map[string]any)
			eid["_sd"], dl["_sd"] = dl["_sd"], eid["_sd"]
			return tp.join(t)
		}},
		{name: "added disclosure", msg: "digest not signed", want: ErrSignature, reason: "presentation_altered", token: func(t *testing.T) string {
			return good + disclosure(t, "blood_type", "O") + "~"
		}},
		{name: "duplicate disclosure", msg: "given twice", want: ErrMalformed, reason: "presentation_malformed", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.disclosures = append(tp.disclosures, tp.disclosures[3])
			return tp.join(t)
		}},
		{name: "digest listed twice", msg: "listed twice", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			dl := docsOf(tp)[1].(map[string]any)
			dl["_sd"] = append(sdOf(tp, 1), sdOf(tp, 0)[0])
			return tp.signed(t, es)
		}},
		{name: "claim name disclosed twice", msg: "disclosed twice", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			d := disclosure(t, "full_name", "Trần Văn An")
			eid := docsOf(tp)[0].(map[string]any)
			eid["_sd"] = append(sdOf(tp, 0), digest(d))
			tp.disclosures = append(tp.disclosures, d)
			return tp.signed(t, es)
		}},
		{name: "reserved claim name", msg: "reserved", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			d := disclosure(t, "x", "y")
			d = editDisclosure(t, d, func(a []any) { a[1] = "kind" })
			eid := docsOf(tp)[0].(map[string]any)
			eid["_sd"] = append(sdOf(tp, 0), digest(d))
			tp.disclosures = append(tp.disclosures, d)
			return tp.signed(t, es)
		}},
		{name: "array-element disclosure", msg: "2 elements", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			d := enc(t, []any{"c2FsdHNhbHRzYWx0c2FsdA", "A1"})
			eid := docsOf(tp)[0].(map[string]any)
			eid["_sd"] = append(sdOf(tp, 0), digest(d))
			tp.disclosures = append(tp.disclosures, d)
			return tp.signed(t, es)
		}},
		{name: "nested _sd in a value", msg: "nested", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			d := enc(t, []any{"c2FsdHNhbHRzYWx0c2FsdA", "address", map[string]any{"_sd": []any{}}})
			eid := docsOf(tp)[0].(map[string]any)
			eid["_sd"] = append(sdOf(tp, 0), digest(d))
			tp.disclosures = append(tp.disclosures, d)
			return tp.signed(t, es)
		}},
		{name: "plain claim in a document", msg: "plain", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			docsOf(tp)[0].(map[string]any)["full_name"] = "Trần Văn An"
			return tp.signed(t, es)
		}},
		{name: "wrong typ", msg: "typ", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.header["typ"] = "JWT"
			return tp.signed(t, es)
		}},
		{name: "wrong vct", msg: "vct", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.payload["vct"] = "urn:vn:vneid:presentation:2"
			return tp.signed(t, es)
		}},
		{name: "wrong _sd_alg", msg: "_sd_alg", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.payload["_sd_alg"] = "sha-512"
			return tp.signed(t, es)
		}},
		{name: "cnf claim", msg: "cnf", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.payload["cnf"] = map[string]any{"jwk": map[string]any{}}
			return tp.signed(t, es)
		}},
		{name: "crit header", msg: "crit", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.header["crit"] = []any{"b64"}
			return tp.signed(t, es)
		}},
		{name: "trailing key-binding JWT", msg: "key-binding", want: ErrMalformed, token: func(t *testing.T) string {
			jwt, _, _ := strings.Cut(good, "~")
			return good + jwt
		}},
		{name: "plain JWT", want: ErrMalformed, token: func(t *testing.T) string {
			jwt, _, _ := strings.Cut(good, "~")
			return jwt
		}},
		{name: "empty disclosure", want: ErrMalformed, token: func(t *testing.T) string {
			return good + "~"
		}},
		{name: "line break in signature", want: ErrMalformed, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.sig = tp.sig[:10] + "\n" + tp.sig[10:]
			return tp.join(t)
		}},
		{name: "oversized", want: ErrMalformed, token: func(t *testing.T) string {
			return good + strings.Repeat("A", MaxSize) + "~"
		}},
		{name: "too many disclosures", want: ErrMalformed, token: func(t *testing.T) string {
			return good + strings.Repeat("WyJhIiwiYiIsMV0~", MaxDisclosures)
		}},
		{name: "wrong issuer", want: ErrIssuer, reason: "presentation_wrong_issuer", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.payload["iss"] = "https://id.example.com/oidc"
			return tp.signed(t, es)
		}},
		{name: "issuer option", want: ErrIssuer, opts: func(o *VerifyOptions) { o.Issuer = "https://other.example.vn" }},
		{name: "expired", want: ErrExpired, reason: "presentation_expired", opts: func(o *VerifyOptions) { o.Now = testNow.Add(5*time.Minute + 30*time.Second) }},
		{name: "expired, no leeway", want: ErrExpired, opts: func(o *VerifyOptions) {
			o.Now, o.Leeway = testNow.Add(5*time.Minute), -1
		}},
		{name: "older than MaxAge", want: ErrExpired, opts: func(o *VerifyOptions) {
			o.MaxAge, o.Now = time.Minute, testNow.Add(91*time.Second)
		}},
		{name: "issued in the future", want: ErrNotYetValid, reason: "presentation_not_yet_valid", opts: func(o *VerifyOptions) { o.Now = testNow.Add(-31 * time.Second) }},
		{name: "nbf in the future", want: ErrNotYetValid, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.payload["nbf"] = testNow.Add(2 * time.Minute).Unix()
			return tp.signed(t, es)
		}},
		{name: "unknown kid", want: ErrUnknownKey, reason: "presentation_unknown_key", token: func(t *testing.T) string {
			return mustIssue(t, realistic(), Key{ID: "ES-20250101-00000000", Algorithm: ES256, Signer: es.Signer})
		}},
		{name: "alg none", want: ErrAlgorithm, reason: "presentation_algorithm", token: func(t *testing.T) string {
			tp := split(t, good)
			tp.header["alg"] = "none"
			tp.sig = ""
			return tp.join(t)
		}},
		{name: "alg HS256 with the public key as secret", want: ErrAlgorithm, token: func(t *testing.T) string {
			tp := split(t, good)
			tp.header["alg"] = "HS256"
			pub, _ := es.Signer.Public().(*ecdsa.PublicKey).Bytes()
			m := hmac.New(sha256.New, pub)
			m.Write([]byte(tp.segments(t)))
			tp.sig = base64.RawURLEncoding.EncodeToString(m.Sum(nil))
			return tp.join(t)
		}},
		{name: "alg not matching the kid's key", msg: "is for", want: ErrAlgorithm, token: func(t *testing.T) string {
			return mustIssue(t, realistic(), Key{ID: es.ID, Algorithm: EdDSA, Signer: ed.Signer})
		}},
		{name: "alg not in options", want: ErrAlgorithm, opts: func(o *VerifyOptions) { o.Algorithms = []string{EdDSA} }},
		{name: "none in options is ignored", want: ErrAlgorithm, opts: func(o *VerifyOptions) { o.Algorithms = []string{"none", "HS256"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			if tt.token != nil {
				s = tt.token(t)
			}
			opts := verifyOpts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			v, err := Verify(s, keys, opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify = %+v, %v; want %v", v, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Verify error %q does not say %q", err, tt.msg)
			}
			if tt.reason != "" {
				if code, _, _ := Reason(err); code != tt.reason {
					t.Errorf("Reason = %q, want %q", code, tt.reason)
				}
			}
			// Peek refuses format errors and unsigned disclosures too, and
			// accepts what only a signature, key or policy check refuses.
			_, perr := Peek(s)
			if structural := errors.Is(err, ErrMalformed) || (errors.Is(err, ErrSignature) && strings.Contains(err.Error(), "disclosure")); structural != (perr != nil) {
				t.Errorf("Peek = %v after Verify = %v", perr, err)
			}
		})
	}
}

// flipFirst changes the first character of a base64url string.
func flipFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

func TestAccepted(t *testing.T) {
	es := testES256(t)
	keys := testKeySet(t, es)
	good := mustIssue(t, realistic(), es)
	req := realistic()
	for _, tt := range []struct {
		name  string
		token func(t *testing.T) string
		opts  func(o *VerifyOptions)
	}{
		{name: "disclosures reordered across documents", token: func(t *testing.T) string {
			// A disclosure belongs to the document whose _sd holds its
			// digest, wherever it stands in the serialization.
			tp := split(t, good)
			slices.Reverse(tp.disclosures)
			return tp.join(t)
		}},
		{name: "iat within the leeway", opts: func(o *VerifyOptions) { o.Now = testNow.Add(-29 * time.Second) }},
		{name: "exp within the leeway", opts: func(o *VerifyOptions) { o.Now = testNow.Add(5*time.Minute + 29*time.Second) }},
		{name: "any issuer", opts: func(o *VerifyOptions) { o.Issuer = "" }},
		{name: "only ES256 allowed", opts: func(o *VerifyOptions) { o.Algorithms = []string{ES256} }},
		{name: "within MaxAge", opts: func(o *VerifyOptions) { o.MaxAge = 2 * time.Minute }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			if tt.token != nil {
				s = tt.token(t)
			}
			opts := verifyOpts()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			v, err := Verify(s, keys, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := wantDocuments(t, req, nil)
			got := v.Documents
			for i := range got {
				slices.SortFunc(got[i].Claims, func(a, b Claim) int { return strings.Compare(a.Name, b.Name) })
				slices.SortFunc(want[i].Claims, func(a, b Claim) int { return strings.Compare(a.Name, b.Name) })
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("documents = %+v, want %+v", got, want)
			}
		})
	}
}

func TestIssueRefusals(t *testing.T) {
	es := testES256(t)
	for _, tt := range []struct {
		name string
		edit func(r *Request, k *Key)
	}{
		{"no issuer", func(r *Request, k *Key) { r.Issuer = "" }},
		{"no ID", func(r *Request, k *Key) { r.ID = "" }},
		{"level 3", func(r *Request, k *Key) { r.Level = 3 }},
		{"no issue time", func(r *Request, k *Key) { r.IssuedAt = time.Time{} }},
		{"expiry before issue", func(r *Request, k *Key) { r.ExpiresAt = r.IssuedAt.Add(-time.Second) }},
		{"expiry within the second", func(r *Request, k *Key) { r.ExpiresAt = r.IssuedAt.Add(time.Millisecond) }},
		{"no document", func(r *Request, k *Key) { r.Documents = nil }},
		{"empty kind", func(r *Request, k *Key) { r.Documents[1].Kind = "" }},
		{"empty claim name", func(r *Request, k *Key) { r.Documents[0].Claims[0].Name = "" }},
		{"claim named _sd", func(r *Request, k *Key) { r.Documents[0].Claims[0].Name = "_sd" }},
		{"claim named ...", func(r *Request, k *Key) { r.Documents[0].Claims[0].Name = "..." }},
		{"claim named kind", func(r *Request, k *Key) { r.Documents[0].Claims[0].Name = "kind" }},
		{"claim twice", func(r *Request, k *Key) { r.Documents[0].Claims[1].Name = "id_number" }},
		{"value that does not marshal", func(r *Request, k *Key) { r.Documents[0].Claims[0].Value = func() {} }},
		{"value with _sd", func(r *Request, k *Key) { r.Documents[0].Claims[0].Value = map[string]any{"_sd": 1} }},
		{"too many claims", func(r *Request, k *Key) {
			for i := range MaxDisclosures {
				r.Documents[1].Claims = append(r.Documents[1].Claims, Claim{fmt.Sprint("c", i), i})
			}
		}},
		{"too large", func(r *Request, k *Key) { r.Documents[0].Claims[0].Value = strings.Repeat("x", MaxSize) }},
		{"no key ID", func(r *Request, k *Key) { k.ID = "" }},
		{"no signer", func(r *Request, k *Key) { k.Signer = nil }},
		{"algorithm PS256", func(r *Request, k *Key) { k.Algorithm = "PS256" }},
		{"algorithm not matching the key", func(r *Request, k *Key) { k.Algorithm = RS256 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, key := realistic(), es
			tt.edit(&req, &key)
			if _, err := Issue(req, key, nil); !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("Issue = %v, want ErrInvalidRequest", err)
			}
		})
	}
}

func TestIssueSaltsAndOrder(t *testing.T) {
	s, err := Issue(realistic(), testEdDSA(t), &counterReader{})
	if err != nil {
		t.Fatal(err)
	}
	tp := split(t, s)
	salts := map[string]bool{}
	for _, d := range tp.disclosures {
		data, _ := base64.RawURLEncoding.DecodeString(d)
		var a []any
		if err := json.Unmarshal(data, &a); err != nil || len(a) != 3 {
			t.Fatalf("disclosure %s", data)
		}
		salt := a[0].(string)
		if raw, err := base64.RawURLEncoding.DecodeString(salt); err != nil || len(raw) != 16 || salts[salt] {
			t.Errorf("salt %q is not 16 fresh bytes", salt)
		}
		salts[salt] = true
		if strings.Contains(string(data), `\u`) {
			t.Errorf("disclosure escapes characters: %s", data)
		}
	}
	for i := range docsOf(tp) {
		if !slices.IsSortedFunc(sdOf(tp, i), func(a, b any) int { return strings.Compare(a.(string), b.(string)) }) {
			t.Errorf("document %d digests not sorted", i)
		}
	}
	if _, err := Issue(realistic(), testEdDSA(t), strings.NewReader("short")); err == nil {
		t.Error("Issue with a failing salt reader succeeded")
	}
	// Two issues with the same salts are the same apart from EdDSA being
	// deterministic: the digests depend only on salts and claims.
	again, _ := Issue(realistic(), testEdDSA(t), &counterReader{})
	if again != s {
		t.Error("same salts, same key (EdDSA): different presentations")
	}
}

func TestReason(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code string
	}{
		{nil, ""},
		{fmt.Errorf("x: %w", ErrMalformed), "presentation_malformed"},
		{fmt.Errorf("x: %w", ErrSignature), "presentation_altered"},
		{fmt.Errorf("x: %w", ErrUnknownKey), "presentation_unknown_key"},
		{fmt.Errorf("x: %w", ErrAlgorithm), "presentation_algorithm"},
		{fmt.Errorf("x: %w", ErrExpired), "presentation_expired"},
		{fmt.Errorf("x: %w", ErrNotYetValid), "presentation_not_yet_valid"},
		{fmt.Errorf("x: %w", ErrIssuer), "presentation_wrong_issuer"},
		{fmt.Errorf("x: %w", ErrInvalidRequest), "presentation_request_invalid"},
		{errors.New("database down"), "presentation_unverifiable"},
	} {
		code, vi, en := Reason(tt.err)
		if code != tt.code || (tt.err != nil && (vi == "" || en == "" || vi == en)) {
			t.Errorf("Reason(%v) = %q, %q, %q", tt.err, code, vi, en)
		}
	}
}

// failingKeys is a key set whose backend is down.
type failingKeys struct{}

func (failingKeys) Key(string) (crypto.PublicKey, string, error) {
	return nil, "", errors.New("database down")
}

// bareKeys returns a key without saying its algorithm.
type bareKeys struct{ pub crypto.PublicKey }

func (k bareKeys) Key(string) (crypto.PublicKey, string, error) { return k.pub, "", nil }

func TestKeySetErrors(t *testing.T) {
	s := mustIssue(t, realistic(), testES256(t))
	_, err := Verify(s, failingKeys{}, verifyOpts())
	if code, _, _ := Reason(err); err == nil || code != "presentation_unverifiable" {
		t.Errorf("failing key set: %v (%s)", err, code)
	}
	if _, err := Verify(s, nil, verifyOpts()); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("nil key set: %v", err)
	}
	// A key set that does not name the algorithm: the key type decides.
	edPub := testEdDSA(t).Signer.Public().(ed25519.PublicKey)
	if _, err := Verify(s, bareKeys{edPub}, verifyOpts()); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("ES256 token, Ed25519 key: %v", err)
	}
	if _, err := Verify(s, bareKeys{testES256(t).Signer.Public()}, verifyOpts()); err != nil {
		t.Errorf("bare ES256 key: %v", err)
	}
}

func TestBrokenKeysFromKeySet(t *testing.T) {
	s := mustIssue(t, realistic(), testES256(t))
	for _, pub := range []crypto.PublicKey{(*ecdsa.PublicKey)(nil), &ecdsa.PublicKey{}, ed25519.PublicKey(nil), (*rsa.PublicKey)(nil), &rsa.PublicKey{}, "key"} {
		if _, err := Verify(s, bareKeys{pub}, verifyOpts()); !errors.Is(err, ErrAlgorithm) {
			t.Errorf("key %#v: %v", pub, err)
		}
	}
}
