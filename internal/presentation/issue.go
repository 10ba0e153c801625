package presentation

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Format constants (see the package documentation).
const (
	// Type is the JOSE header typ of an SD-JWT VC.
	Type = "dc+sd-jwt"
	// VCT is the verifiable credential type of a presentation.
	VCT = "urn:vn:vneid:presentation:1"
	// HashAlgorithm is the _sd_alg of every presentation.
	HashAlgorithm = "sha-256"

	// MaxSize is the longest serialization Issue makes and Verify reads.
	MaxSize = 8 << 10
	// MaxDisclosures is the most disclosures Issue makes and Verify reads.
	MaxDisclosures = 64

	saltSize = 16 // 128 bits, as RFC 9901 §9.3 recommends
)

// Claim is one attribute of a document, disclosed on its own.
type Claim struct {
	// Name is the attribute's name, e.g. "full_name". Not empty, and not
	// "_sd", "..." or "kind".
	Name string
	// Value is any JSON-marshallable value. After Verify or Peek it holds
	// what encoding/json decodes with UseNumber: string, bool, nil,
	// json.Number, []any or map[string]any.
	Value any
}

// Document is one document of the presentation: the e-ID card ("eid") or a
// wallet document ("driving_licence", "health_insurance", …).
type Document struct {
	// Kind names the document type. It is the one plain (always visible)
	// field of a document.
	Kind string
	// Claims are its attributes, each selectively disclosable.
	Claims []Claim
}

// Request is what Issue signs.
type Request struct {
	// Issuer is the iss claim, e.g. "https://id.example.vn/oidc". Required.
	Issuer string
	// ID is the jti claim, unique per presentation. Required.
	ID string
	// Level is the account's identification level, 1 or 2 (lvl claim).
	Level int
	// IssuedAt is the iat claim. Required; kept to the second.
	IssuedAt time.Time
	// ExpiresAt is the exp claim; it must be at least a second after IssuedAt.
	ExpiresAt time.Time
	// Nonce, if set, is a verifier's nonce the presentation is bound to.
	Nonce string
	// Audience, if set, is the verifier the presentation is meant for (aud).
	Audience string
	// Documents are at least one document. Kinds are not empty; claim
	// names are not empty, are unique within a document and are not "_sd",
	// "..." or "kind".
	Documents []Document
}

// Key is the issuer's signing key.
type Key struct {
	// ID is the kid header, the key's ID in the published JWKS. Required.
	// Keep it short: it is in every QR code.
	ID string
	// Algorithm is ES256 (P-256 key), EdDSA (Ed25519) or RS256 (RSA of at
	// least 2048 bits).
	Algorithm string
	// Signer holds the private key, in memory or in an HSM/KMS. For ES256 it
	// returns an ASN.1 signature of a SHA-256 digest (as *ecdsa.PrivateKey
	// does); for RS256 a PKCS #1 v1.5 one; for EdDSA it signs the message.
	Signer crypto.Signer
}

type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

type jwtPayload struct {
	Iss   string        `json:"iss"`
	Iat   int64         `json:"iat"`
	Exp   int64         `json:"exp"`
	Jti   string        `json:"jti"`
	Vct   string        `json:"vct"`
	SdAlg string        `json:"_sd_alg"`
	Lvl   int           `json:"lvl"`
	Nonce string        `json:"nonce,omitempty"`
	Aud   string        `json:"aud,omitempty"`
	Docs  []jwtDocument `json:"docs"`
}

type jwtDocument struct {
	Kind string   `json:"kind"`
	SD   []string `json:"_sd"`
}

// reservedName reports whether name cannot be a disclosed claim name.
func reservedName(name string) bool {
	return name == "" || name == "_sd" || name == "..." || name == "kind"
}

// Issue signs req with key and returns the SD-JWT with every claim
// disclosed: the issuer-signed JWT, then one disclosure per claim in
// document and claim order, each followed by "~". Salts come from rnd
// (crypto/rand when nil); the signature itself always uses crypto/rand.
// Errors wrap ErrInvalidRequest, except a failure of the signer.
func Issue(req Request, key Key, rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if err := checkRequest(req); err != nil {
		return "", fmt.Errorf("issue presentation: %v: %w", err, ErrInvalidRequest)
	}
	if key.ID == "" || key.Signer == nil {
		return "", fmt.Errorf("issue presentation: key needs an ID and a signer: %w", ErrInvalidRequest)
	}
	if !supported(key.Algorithm) {
		return "", fmt.Errorf("issue presentation: algorithm %q: %w", key.Algorithm, ErrInvalidRequest)
	}
	if err := checkPublicKey(key.Algorithm, key.Signer.Public()); err != nil {
		return "", fmt.Errorf("issue presentation: %v: %w", err, ErrInvalidRequest)
	}

	p := jwtPayload{
		Iss: req.Issuer, Iat: req.IssuedAt.Unix(), Exp: req.ExpiresAt.Unix(), Jti: req.ID,
		Vct: VCT, SdAlg: HashAlgorithm, Lvl: req.Level, Nonce: req.Nonce, Aud: req.Audience,
	}
	var disclosures []string
	salt := make([]byte, saltSize)
	for _, d := range req.Documents {
		jd := jwtDocument{Kind: d.Kind, SD: make([]string, 0, len(d.Claims))}
		for _, c := range d.Claims {
			if _, err := io.ReadFull(rnd, salt); err != nil {
				return "", fmt.Errorf("issue presentation: salt: %w", err)
			}
			disc, err := encodeDisclosure(base64.RawURLEncoding.EncodeToString(salt), c.Name, c.Value)
			if err != nil {
				return "", fmt.Errorf("issue presentation: %s.%s: %v: %w", d.Kind, c.Name, err, ErrInvalidRequest)
			}
			disclosures = append(disclosures, disc)
			jd.SD = append(jd.SD, digest(disc))
		}
		// Sorted, so the order of the digests says nothing about which
		// claim a withheld digest stands for.
		slices.Sort(jd.SD)
		p.Docs = append(p.Docs, jd)
	}
	if len(disclosures) > MaxDisclosures {
		return "", fmt.Errorf("issue presentation: %d claims, at most %d: %w", len(disclosures), MaxDisclosures, ErrInvalidRequest)
	}

	hdr, err := marshal(jwsHeader{Alg: key.Algorithm, Kid: key.ID, Typ: Type})
	if err != nil {
		return "", fmt.Errorf("issue presentation: %w", err)
	}
	body, err := marshal(p)
	if err != nil {
		return "", fmt.Errorf("issue presentation: %w", err)
	}
	var b strings.Builder
	b.WriteString(base64.RawURLEncoding.EncodeToString(hdr))
	b.WriteByte('.')
	b.WriteString(base64.RawURLEncoding.EncodeToString(body))
	sig, err := sign(key, []byte(b.String()))
	if err != nil {
		return "", fmt.Errorf("issue presentation: sign with %q: %w", key.ID, err)
	}
	b.WriteByte('.')
	b.WriteString(base64.RawURLEncoding.EncodeToString(sig))
	b.WriteByte('~')
	for _, d := range disclosures {
		b.WriteString(d)
		b.WriteByte('~')
	}
	if b.Len() > MaxSize {
		return "", fmt.Errorf("issue presentation: %d bytes, at most %d: %w", b.Len(), MaxSize, ErrInvalidRequest)
	}
	return b.String(), nil
}

func checkRequest(req Request) error {
	switch {
	case req.Issuer == "":
		return fmt.Errorf("no issuer")
	case req.ID == "":
		return fmt.Errorf("no ID")
	case req.Level != 1 && req.Level != 2:
		return fmt.Errorf("level %d is not 1 or 2", req.Level)
	case req.IssuedAt.IsZero():
		return fmt.Errorf("no issue time")
	case req.ExpiresAt.Unix() <= req.IssuedAt.Unix():
		return fmt.Errorf("expiry %v is not after issue %v", req.ExpiresAt, req.IssuedAt)
	case len(req.Documents) == 0:
		return fmt.Errorf("no document")
	}
	for i, d := range req.Documents {
		if d.Kind == "" {
			return fmt.Errorf("document %d has no kind", i)
		}
		seen := make(map[string]bool, len(d.Claims))
		for _, c := range d.Claims {
			if reservedName(c.Name) {
				return fmt.Errorf("%s: claim name %q is reserved", d.Kind, c.Name)
			}
			if seen[c.Name] {
				return fmt.Errorf("%s: claim %q given twice", d.Kind, c.Name)
			}
			seen[c.Name] = true
		}
	}
	return nil
}

// encodeDisclosure returns the disclosure of one claim (RFC 9901 §4.2.1):
// base64url of the JSON array [salt, name, value].
func encodeDisclosure(salt, name string, value any) (string, error) {
	v, err := marshal(value)
	if err != nil {
		return "", err
	}
	// The value must decode to what it will be verified as, and hold
	// nothing a verifier would take for a nested disclosure.
	dec, err := decodeValue(v)
	if err != nil {
		return "", err
	}
	if err := checkValue(dec); err != nil {
		return "", err
	}
	s, _ := marshal(salt)
	n, _ := marshal(name)
	a := make([]byte, 0, len(s)+len(n)+len(v)+4)
	a = append(a, '[')
	a = append(a, s...)
	a = append(a, ',')
	a = append(a, n...)
	a = append(a, ',')
	a = append(a, v...)
	a = append(a, ']')
	return base64.RawURLEncoding.EncodeToString(a), nil
}

// digest is base64url(SHA-256(disclosure)), over the disclosure's ASCII
// text as it appears in the serialization (RFC 9901 §4.2.3).
func digest(disclosure string) string {
	h := sha256.Sum256([]byte(disclosure))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// marshal is json.Marshal without HTML escaping (so "<", ">" and "&" stay
// one byte each) and without a trailing newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decodeValue decodes one JSON value, numbers as json.Number.
func decodeValue(data []byte) (any, error) {
	// Strings and numbers, most claim values, without a Decoder's buffers.
	if len(data) > 0 {
		switch c := data[0]; {
		case c == '"':
			if s, ok := plainString(data); ok {
				return s, nil
			}
			var s string
			err := json.Unmarshal(data, &s)
			return s, err
		case c == '-' || '0' <= c && c <= '9':
			if !json.Valid(data) {
				return nil, fmt.Errorf("not a JSON number")
			}
			return json.Number(data), nil
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value")
	}
	return v, nil
}

// checkValue refuses values holding "_sd" or "..." keys: this format has no
// nested disclosures, so such a value could only mislead a verifier.
func checkValue(v any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == "_sd" || k == "..." {
				return fmt.Errorf("value holds a %q key (nested disclosures are not supported)", k)
			}
			if err := checkValue(e); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkValue(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// Withhold returns sdjwt without the disclosures for which keep returns
// false: selective disclosure by the holder. The issuer-signed JWT is
// unchanged, so the signature stays valid; a verifier sees each withheld
// claim only as a digest it cannot reverse. Withhold does not verify the
// signature, but it refuses a presentation Peek refuses.
func Withhold(sdjwt string, keep func(kind, claim string) bool) (string, error) {
	p, err := parse(sdjwt)
	if err != nil {
		return "", fmt.Errorf("withhold: %w", err)
	}
	var b strings.Builder
	b.Grow(len(sdjwt))
	b.WriteString(p.jwt)
	b.WriteByte('~')
	for _, d := range p.disclosures {
		if keep(p.docs[d.doc].kind, d.name) {
			b.WriteString(d.raw)
			b.WriteByte('~')
		}
	}
	return b.String(), nil
}
