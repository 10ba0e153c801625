package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/identity"
)

// Limits of the HTTP protocol.
const (
	// MaxResponseBytes is the largest response body the HTTP adapter
	// reads.
	MaxResponseBytes = 4 << 20
	// MaxChangesLimit is the most changes one request returns.
	MaxChangesLimit = 1000
	// DefaultChangesLimit is the number of changes Handler returns when
	// the request does not say.
	DefaultChangesLimit = 100
	// defaultHTTPTimeout bounds a request when NewHTTP makes the client.
	defaultHTTPTimeout = 15 * time.Second
)

// HTTP is a Source that reads a remote document registry over the protocol
// Handler serves and api/sources-registry.yaml describes:
//
//	GET /documents?kind=K&holder_id=ID  → {"documents": [Document...]}
//	GET /documents/{kind}/{number}      → Document, or 404
//	GET /changes?after=N&limit=M        → {"changes": [{"seq": N, "document": Document}...]}
//
// A 404 answer wraps ErrNotFound; network errors, time-outs, 408, 429 and
// 5xx answers wrap ErrUnavailable; a 400 answer, a malformed or oversized
// body, and documents that fail Validate or do not match the request wrap
// ErrInvalid. Errors carry the status and the problem detail (RFC 9457)
// in a *StatusError when the registry answered. Unknown JSON fields are
// ignored, so that a registry can add fields without breaking clients.
type HTTP struct {
	base   string // without a trailing slash
	client *http.Client
	token  string
}

// NewHTTP returns an adapter for the registry at baseURL (an absolute http
// or https URL without query or fragment; the protocol's paths are appended
// to it). client may be nil for a client with a 15-second time-out. token,
// when not empty, is sent as a bearer token.
func NewHTTP(baseURL string, client *http.Client, token string) (*HTTP, error) {
	u, err := url.Parse(baseURL)
	switch {
	case err != nil:
		return nil, fmt.Errorf("sources: registry URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("sources: registry URL %q: want http or https", baseURL)
	case u.Host == "":
		return nil, fmt.Errorf("sources: registry URL %q: no host", baseURL)
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		return nil, fmt.Errorf("sources: registry URL %q: no query, fragment or user info allowed", baseURL)
	case strings.ContainsAny(token, "\r\n"):
		return nil, errors.New("sources: registry token contains a line break")
	}
	if client == nil {
		client = &http.Client{Timeout: defaultHTTPTimeout}
	}
	return &HTTP{base: strings.TrimRight(u.String(), "/"), client: client, token: token}, nil
}

// StatusError is a registry's answer other than 200 OK.
type StatusError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Title and Detail come from the problem document, when there is one.
	Title, Detail string
}

// Error returns the status and the detail.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("registry answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Detail != "" {
		msg += ": " + e.Detail
	} else if e.Title != "" && e.Title != http.StatusText(e.StatusCode) {
		msg += ": " + e.Title
	}
	return msg
}

// Unwrap returns the sentinel error the status stands for: ErrNotFound for
// 404, ErrUnavailable for 408, 429 and 5xx, ErrInvalid for 400 and 422,
// nil otherwise (such as 401 and 403).
func (e *StatusError) Unwrap() error {
	switch {
	case e.StatusCode == http.StatusNotFound:
		return ErrNotFound
	case e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooManyRequests, e.StatusCode >= 500:
		return ErrUnavailable
	case e.StatusCode == http.StatusBadRequest, e.StatusCode == http.StatusUnprocessableEntity:
		return ErrInvalid
	}
	return nil
}

// Documents returns the holder's documents of kind, newest first.
func (h *HTTP) Documents(ctx context.Context, kind Kind, holderID string) ([]Document, error) {
	if !kind.Valid() {
		return nil, fieldErr("kind", fmt.Sprintf("%q is not a document kind", string(kind)))
	}
	if err := identity.ValidatePersonalID(holderID); err != nil {
		return nil, &FieldError{Field: "holder_id", Err: err}
	}
	q := url.Values{"kind": {string(kind)}, "holder_id": {holderID}}
	body, err := h.get(ctx, "/documents?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("documents %s: %w", kind, err)
	}
	docs, err := decodeDocumentsResponse(body, kind, holderID)
	if err != nil {
		return nil, fmt.Errorf("documents %s: %w", kind, err)
	}
	return docs, nil
}

// Document returns one document by kind and number. A number that cannot
// be one of kind is not looked up: the error wraps ErrNotFound and
// ErrInvalid.
func (h *HTTP) Document(ctx context.Context, kind Kind, number string) (Document, error) {
	number = NormalizeNumber(kind, number)
	if err := ValidateNumber(kind, number); err != nil {
		return Document{}, fmt.Errorf("document %s %q: %w: %w", kind, number, ErrNotFound, err)
	}
	body, err := h.get(ctx, "/documents/"+url.PathEscape(string(kind))+"/"+url.PathEscape(number))
	if err != nil {
		return Document{}, fmt.Errorf("document %s %q: %w", kind, number, err)
	}
	d, err := decodeDocumentResponse(body, kind, number)
	if err != nil {
		return Document{}, fmt.Errorf("document %s %q: %w", kind, number, err)
	}
	return d, nil
}

// Changes returns up to limit changes after the cursor; limit is capped at
// MaxChangesLimit.
func (h *HTTP) Changes(ctx context.Context, after int64, limit int) ([]Change, error) {
	if after < 0 {
		return nil, fieldErr("after", fmt.Sprintf("%d: want 0 or more", after))
	}
	if limit <= 0 {
		return nil, fieldErr("limit", fmt.Sprintf("%d: want a positive number", limit))
	}
	limit = min(limit, MaxChangesLimit)
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}}
	body, err := h.get(ctx, "/changes?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("changes after %d: %w", after, err)
	}
	changes, err := decodeChangesResponse(body, after, limit)
	if err != nil {
		return nil, fmt.Errorf("changes after %d: %w", after, err)
	}
	return changes, nil
}

// get requests path and returns the body of a 200 answer.
func (h *HTTP) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+path, nil)
	if err != nil {
		return nil, fmt.Errorf("make request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		// The URL may hold a personal ID number: keep it out of errors.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read response: %w", ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		se := &StatusError{StatusCode: resp.StatusCode}
		var p problem
		if json.Unmarshal(body, &p) == nil {
			se.Title, se.Detail = truncate(p.Title, 200), truncate(p.Detail, 500)
		}
		return nil, se
	}
	if len(body) > MaxResponseBytes {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrInvalid, MaxResponseBytes)
	}
	return body, nil
}

// truncate cuts s to at most n bytes, dropping a rune cut in two.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// decodeJSON decodes one JSON value from body, refusing anything after it;
// the error wraps ErrInvalid.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: malformed response: %v", ErrInvalid, jsonError(err))
	}
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return fmt.Errorf("%w: malformed response: data after the JSON value", ErrInvalid)
	}
	return nil
}

// checkReceived normalises and validates a document received from a
// registry.
func checkReceived(d *Document, what string) error {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// decodeDocumentsResponse decodes the answer to GET /documents: every
// document must be valid, of kind and of the holder.
func decodeDocumentsResponse(body []byte, kind Kind, holderID string) ([]Document, error) {
	var resp struct {
		Documents *[]Document `json:"documents"`
	}
	if err := decodeJSON(body, &resp); err != nil {
		return nil, err
	}
	if resp.Documents == nil {
		return nil, fmt.Errorf("%w: malformed response: no documents array", ErrInvalid)
	}
	docs := *resp.Documents
	for i := range docs {
		what := fmt.Sprintf("document %d", i)
		if err := checkReceived(&docs[i], what); err != nil {
			return nil, err
		}
		if docs[i].Kind != kind || docs[i].HolderID != holderID {
			return nil, fmt.Errorf("%w: %s is a %s of another holder or kind", ErrInvalid, what, docs[i].Kind)
		}
	}
	if docs == nil {
		docs = []Document{}
	}
	return docs, nil
}

// decodeDocumentResponse decodes the answer to GET /documents/{kind}/{number}:
// a valid document with that kind and number.
func decodeDocumentResponse(body []byte, kind Kind, number string) (Document, error) {
	var d Document
	if err := decodeJSON(body, &d); err != nil {
		return Document{}, err
	}
	if err := checkReceived(&d, "the document"); err != nil {
		return Document{}, err
	}
	if d.Kind != kind || d.Number != number {
		return Document{}, fmt.Errorf("%w: the registry answered with %s %q", ErrInvalid, d.Kind, d.Number)
	}
	return d, nil
}

// decodeChangesResponse decodes the answer to GET /changes: at most limit
// valid documents with cursors after after, strictly increasing.
func decodeChangesResponse(body []byte, after int64, limit int) ([]Change, error) {
	var resp struct {
		Changes *[]Change `json:"changes"`
	}
	if err := decodeJSON(body, &resp); err != nil {
		return nil, err
	}
	if resp.Changes == nil {
		return nil, fmt.Errorf("%w: malformed response: no changes array", ErrInvalid)
	}
	changes := *resp.Changes
	if len(changes) > limit {
		return nil, fmt.Errorf("%w: %d changes, %d asked for", ErrInvalid, len(changes), limit)
	}
	last := after
	for i := range changes {
		if changes[i].Seq <= last {
			return nil, fmt.Errorf("%w: change %d: cursor %d is not after %d", ErrInvalid, i, changes[i].Seq, last)
		}
		last = changes[i].Seq
		if err := checkReceived(&changes[i].Document, fmt.Sprintf("change %d", i)); err != nil {
			return nil, err
		}
	}
	if changes == nil {
		changes = []Change{}
	}
	return changes, nil
}

var _ Source = (*HTTP)(nil)
