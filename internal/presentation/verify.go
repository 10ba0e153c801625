package presentation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultLeeway is the clock skew Verify allows when VerifyOptions.Leeway
// is zero.
const DefaultLeeway = 30 * time.Second

// VerifyOptions says what Verify accepts.
type VerifyOptions struct {
	// Issuer, if set, is the only iss accepted (exact match). Empty accepts
	// any issuer, which is only safe when the key set holds one issuer's
	// keys.
	Issuer string
	// Now is the time to check against; zero means time.Now().
	Now time.Time
	// Leeway is the clock skew allowed on exp, iat and MaxAge: zero means
	// DefaultLeeway (30 s), a negative value means none.
	Leeway time.Duration
	// MaxAge, if positive, refuses a presentation issued longer ago than
	// this (ErrExpired), whatever its exp.
	MaxAge time.Duration
	// Algorithms lists the allowed JWS algorithms; empty means ES256, EdDSA
	// and RS256. "none" and HS* are never allowed, even if listed.
	Algorithms []string
}

// Verified is what a presentation says.
type Verified struct {
	ID       string // jti
	Issuer   string // iss
	Nonce    string // nonce, if any: the caller compares it with its own
	Audience string // aud, if any: the caller compares it with itself
	KeyID    string // kid of the issuer key
	Level    int    // lvl: 1 or 2

	IssuedAt  time.Time
	ExpiresAt time.Time

	// Documents are the presentation's documents in signed order, each
	// with its disclosed claims only, in disclosure order. A document whose
	// claims are all withheld is listed with no claims.
	Documents []Document
	// Withheld counts, per document kind, the signed digests no disclosure
	// was given for (claims the holder kept back). Kinds with none are
	// absent. Two documents of one kind add up.
	Withheld map[string]int
}

// Verify checks a presentation and returns what it discloses. In order, it
// checks the serialization and every disclosure against the signed digests
// (ErrMalformed, or ErrSignature for a disclosure that is not signed), the
// algorithm (ErrAlgorithm), the key (ErrUnknownKey, or ErrAlgorithm when the
// key does not suit the algorithm), the signature (ErrSignature), the issuer
// (ErrIssuer) and the times (ErrExpired, ErrNotYetValid). An error from the
// key set that is not ErrUnknownKey is returned wrapped as it is.
//
// Verify does not compare Nonce or Audience with anything: a verifier that
// sent a nonce, or that must be the audience, checks the result.
func Verify(sdjwt string, keys KeySet, opts VerifyOptions) (*Verified, error) {
	p, err := parse(sdjwt)
	if err != nil {
		return nil, fmt.Errorf("verify presentation: %w", err)
	}
	if !allowed(opts.Algorithms, p.alg) {
		return nil, fmt.Errorf("verify presentation: alg %q: %w", p.alg, ErrAlgorithm)
	}
	if keys == nil {
		return nil, fmt.Errorf("verify presentation: no key set: %w", ErrUnknownKey)
	}
	pub, keyAlg, err := keys.Key(p.kid)
	if err != nil {
		return nil, fmt.Errorf("verify presentation: key %q: %w", p.kid, err)
	}
	if pub == nil {
		return nil, fmt.Errorf("verify presentation: key %q: %w", p.kid, ErrUnknownKey)
	}
	if keyAlg != "" && keyAlg != p.alg {
		return nil, fmt.Errorf("verify presentation: alg %q but key %q is for %q: %w", p.alg, p.kid, keyAlg, ErrAlgorithm)
	}
	if err := verifySignature(p.alg, pub, []byte(p.signingInput), p.sig); err != nil {
		return nil, fmt.Errorf("verify presentation: key %q: %w", p.kid, err)
	}
	if opts.Issuer != "" && p.iss != opts.Issuer {
		return nil, fmt.Errorf("verify presentation: issuer %q, want %q: %w", p.iss, opts.Issuer, ErrIssuer)
	}

	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	leeway := opts.Leeway
	if leeway == 0 {
		leeway = DefaultLeeway
	} else if leeway < 0 {
		leeway = 0
	}
	iat, exp := time.Unix(p.iat, 0), time.Unix(p.exp, 0)
	switch {
	case !now.Before(exp.Add(leeway)):
		return nil, fmt.Errorf("verify presentation: expired at %v: %w", exp.UTC(), ErrExpired)
	case now.Add(leeway).Before(iat):
		return nil, fmt.Errorf("verify presentation: issued at %v, in the future: %w", iat.UTC(), ErrNotYetValid)
	case p.hasNbf && now.Add(leeway).Before(time.Unix(p.nbf, 0)):
		return nil, fmt.Errorf("verify presentation: not before %v: %w", time.Unix(p.nbf, 0).UTC(), ErrNotYetValid)
	case opts.MaxAge > 0 && now.Sub(iat) > opts.MaxAge+leeway:
		return nil, fmt.Errorf("verify presentation: issued at %v, older than %v: %w", iat.UTC(), opts.MaxAge, ErrExpired)
	}
	return p.verified(), nil
}

// Peek reads a presentation WITHOUT verifying it: no signature, key,
// algorithm, issuer or time check. Nothing it returns may be trusted; it
// is for an online verifier that needs the kid or jti before it can look up
// a key or a record, and must then call Verify. It does check the format and
// match each disclosure to a signed digest, as Verify does, so it refuses
// what Verify refuses as malformed or altered-disclosure.
func Peek(sdjwt string) (*Verified, error) {
	p, err := parse(sdjwt)
	if err != nil {
		return nil, fmt.Errorf("peek presentation: %w", err)
	}
	return p.verified(), nil
}

// parsed is a presentation whose format has been checked, not its signature.
type parsed struct {
	jwt          string // the issuer-signed JWT
	signingInput string // header.payload
	sig          []byte
	alg, kid     string

	iss, jti, nonce, aud string
	iat, exp, nbf        int64
	hasNbf               bool
	lvl                  int
	docs                 []parsedDocument
	disclosures          []parsedDisclosure

	index map[string]int // signed digest → index in docs
}

type parsedDocument struct {
	kind    string
	digests int
}

type parsedDisclosure struct {
	raw   string
	doc   int // index in docs
	name  string
	value any
}

func malformed(format string, a ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, a...), ErrMalformed)
}

// parse checks a serialization's format and matches its disclosures to the
// digests of the signed payload (RFC 9901 §7.1 and §7.3, minus the
// signature).
func parse(s string) (*parsed, error) {
	if len(s) > MaxSize {
		return nil, malformed("%d bytes, at most %d", len(s), MaxSize)
	}
	parts := strings.Split(s, "~")
	if len(parts) < 2 {
		return nil, malformed("no \"~\": not an SD-JWT")
	}
	if parts[len(parts)-1] != "" {
		return nil, malformed("a key-binding JWT follows the disclosures; this format has none")
	}
	raws := parts[1 : len(parts)-1]
	if len(raws) > MaxDisclosures {
		return nil, malformed("%d disclosures, at most %d", len(raws), MaxDisclosures)
	}
	p := &parsed{jwt: parts[0]}
	if err := p.parseJWT(); err != nil {
		return nil, err
	}
	return p, p.parseDisclosures(raws)
}

func (p *parsed) parseJWT() error {
	segs := strings.Split(p.jwt, ".")
	if len(segs) != 3 {
		return malformed("issuer-signed JWT has %d parts, want 3", len(segs))
	}
	p.signingInput = segs[0] + "." + segs[1]
	var err error
	if p.sig, err = decodeB64(segs[2]); err != nil {
		return malformed("signature: %v", err)
	}

	hdr, err := decodeObject(segs[0])
	if err != nil {
		return malformed("header: %v", err)
	}
	if _, ok := hdr["crit"]; ok {
		return malformed("header has crit parameters")
	}
	var typ string
	if err := field(hdr, "typ", &typ, true); err != nil || typ != Type {
		return malformed("header typ %q, want %q", typ, Type)
	}
	if err := field(hdr, "alg", &p.alg, true); err != nil {
		return malformed("header: %v", err)
	}
	if err := field(hdr, "kid", &p.kid, true); err != nil {
		return malformed("header: %v", err)
	}

	body, err := decodeObject(segs[1])
	if err != nil {
		return malformed("payload: %v", err)
	}
	var vct, sdAlg string
	for _, f := range []struct {
		name     string
		to       any
		required bool
	}{
		{"iss", &p.iss, true}, {"jti", &p.jti, true}, {"iat", &p.iat, true}, {"exp", &p.exp, true},
		{"lvl", &p.lvl, true}, {"vct", &vct, true}, {"_sd_alg", &sdAlg, true},
		{"nonce", &p.nonce, false}, {"aud", &p.aud, false}, {"nbf", &p.nbf, false},
	} {
		if err := field(body, f.name, f.to, f.required); err != nil {
			return malformed("payload: %v", err)
		}
	}
	_, p.hasNbf = body["nbf"]
	switch {
	case vct != VCT:
		return malformed("vct %q, want %q", vct, VCT)
	case sdAlg != HashAlgorithm:
		return malformed("_sd_alg %q, want %q", sdAlg, HashAlgorithm)
	case p.iss == "" || p.jti == "":
		return malformed("empty iss or jti")
	case p.lvl != 1 && p.lvl != 2:
		return malformed("lvl %d is not 1 or 2", p.lvl)
	case p.exp <= p.iat:
		return malformed("exp is not after iat")
	}
	if _, ok := body["_sd"]; ok {
		return malformed("top-level _sd: only document claims are disclosable")
	}
	if _, ok := body["cnf"]; ok {
		return malformed("cnf claim: key binding is not supported")
	}

	var docs []map[string]json.RawMessage
	if err := field(body, "docs", &docs, true); err != nil || len(docs) == 0 {
		return malformed("payload: docs must be a non-empty array of objects")
	}
	p.docs = make([]parsedDocument, len(docs))
	return p.indexDigests(docs)
}

func (p *parsed) indexDigests(docs []map[string]json.RawMessage) error {
	p.index = make(map[string]int)
	for i, d := range docs {
		if d == nil {
			return malformed("document %d is not an object", i)
		}
		for k := range d {
			if k != "kind" && k != "_sd" {
				return malformed("document %d has a plain %q: only kind may be plain", i, k)
			}
		}
		var sd []string
		if err := field(d, "kind", &p.docs[i].kind, true); err != nil || p.docs[i].kind == "" {
			return malformed("document %d: no kind", i)
		}
		if err := field(d, "_sd", &sd, true); err != nil {
			return malformed("document %d: %v", i, err)
		}
		for _, h := range sd {
			if len(h) != 43 || !isB64URL(h) {
				return malformed("document %d: %q is not a SHA-256 digest", i, h)
			}
			if _, dup := p.index[h]; dup {
				return malformed("digest %s listed twice", h)
			}
			p.index[h] = i
		}
		p.docs[i].digests = len(sd)
	}
	return nil
}

func (p *parsed) parseDisclosures(raws []string) error {
	seen := make(map[string]bool, len(raws))
	type docClaim struct {
		doc  int
		name string
	}
	names := make(map[docClaim]bool, len(raws))
	p.disclosures = make([]parsedDisclosure, 0, len(raws))
	for i, raw := range raws {
		if raw == "" {
			return malformed("disclosure %d is empty", i)
		}
		if seen[raw] {
			return malformed("disclosure %d given twice", i)
		}
		seen[raw] = true
		d, err := decodeDisclosure(raw)
		if err != nil {
			return malformed("disclosure %d: %v", i, err)
		}
		doc, ok := p.index[digest(raw)]
		if !ok {
			return fmt.Errorf("disclosure %d (%q): digest not signed: %w", i, d.name, ErrSignature)
		}
		d.doc = doc
		key := docClaim{doc, d.name}
		if names[key] {
			return malformed("claim %q of document %d disclosed twice", d.name, doc)
		}
		names[key] = true
		p.disclosures = append(p.disclosures, d)
	}
	return nil
}

// decodeDisclosure decodes one [salt, name, value] disclosure.
func decodeDisclosure(raw string) (parsedDisclosure, error) {
	data, err := decodeB64(raw)
	if err != nil {
		return parsedDisclosure{}, err
	}
	if !utf8.Valid(data) {
		return parsedDisclosure{}, errors.New("not UTF-8")
	}
	var a []json.RawMessage
	if err := json.Unmarshal(data, &a); err != nil {
		return parsedDisclosure{}, errors.New("not a JSON array")
	}
	if len(a) != 3 {
		return parsedDisclosure{}, fmt.Errorf("%d elements, want [salt, name, value]", len(a))
	}
	var salt string
	d := parsedDisclosure{raw: raw}
	if err := strictString(a[0], &salt); err != nil {
		return d, fmt.Errorf("salt: %v", err)
	}
	if err := strictString(a[1], &d.name); err != nil {
		return d, fmt.Errorf("claim name: %v", err)
	}
	if reservedName(d.name) {
		return d, fmt.Errorf("claim name %q is reserved", d.name)
	}
	if d.value, err = decodeValue(a[2]); err != nil {
		return d, fmt.Errorf("value: %v", err)
	}
	if err := checkValue(d.value); err != nil {
		return d, err
	}
	return d, nil
}

// decodeObject decodes a base64url JSON object. Member names are matched
// exactly (not case-folded as encoding/json does for structs); a repeated
// name keeps its last value, as RFC 7515 §5.2 allows.
func decodeObject(seg string) (map[string]json.RawMessage, error) {
	data, err := decodeB64(seg)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

// field decodes member name of m into to. Strings must be JSON strings and
// numbers JSON integers; null is refused.
func field(m map[string]json.RawMessage, name string, to any, required bool) error {
	raw, ok := m[name]
	if !ok {
		if required {
			return fmt.Errorf("no %s", name)
		}
		return nil
	}
	if bytes.Equal(raw, []byte("null")) {
		return fmt.Errorf("%s is null", name)
	}
	var err error
	if s, ok := to.(*string); ok {
		err = strictString(raw, s)
	} else {
		err = json.Unmarshal(raw, to)
	}
	if err != nil {
		return fmt.Errorf("%s: wrong type", name)
	}
	return nil
}

// strictString decodes a JSON string, refusing other types (encoding/json
// would leave the target unchanged for null).
func strictString(raw json.RawMessage, s *string) error {
	if len(raw) == 0 || raw[0] != '"' {
		return errors.New("not a string")
	}
	if v, ok := plainString(raw); ok {
		*s = v
		return nil
	}
	return json.Unmarshal(raw, s)
}

// plainString returns the text of a JSON string with no escapes, without
// encoding/json's reflection; ok is false for anything else (escapes,
// control characters, invalid UTF-8), which the caller decodes the slow way.
func plainString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(body) {
		return "", false
	}
	return string(body), true
}

func (p *parsed) verified() *Verified {
	v := &Verified{
		ID: p.jti, Issuer: p.iss, Nonce: p.nonce, Audience: p.aud, KeyID: p.kid, Level: p.lvl,
		IssuedAt: time.Unix(p.iat, 0), ExpiresAt: time.Unix(p.exp, 0),
		Documents: make([]Document, len(p.docs)),
		Withheld:  map[string]int{},
	}
	disclosed := make([]int, len(p.docs))
	for i, d := range p.docs {
		v.Documents[i].Kind = d.kind
	}
	for _, d := range p.disclosures {
		v.Documents[d.doc].Claims = append(v.Documents[d.doc].Claims, Claim{Name: d.name, Value: d.value})
		disclosed[d.doc]++
	}
	for i, d := range p.docs {
		if n := d.digests - disclosed[i]; n > 0 {
			v.Withheld[d.kind] += n
		}
	}
	return v
}
