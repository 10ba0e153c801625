package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

const testToken = "s3cret-token"

// registryServer serves a Memory filled with the samples and generated
// documents.
func registryServer(t *testing.T) (*Memory, *httptest.Server, *HTTP) {
	t.Helper()
	mem := &Memory{Now: func() time.Time { return time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC) }}
	docs := append(samples(), generated(t, 100)...)
	if err := mem.UpsertDocuments(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(Handler(mem, testToken))
	t.Cleanup(srv.Close)
	client, err := NewHTTP(srv.URL+"/", srv.Client(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	return mem, srv, client
}

func TestHTTPDocuments(t *testing.T) {
	mem, _, client := registryServer(t)
	ctx := context.Background()
	got, err := client.Documents(ctx, VehicleRegistration, "001085012345")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := mem.Documents(ctx, VehicleRegistration, "001085012345")
	if len(got) != 2 || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if got[0].Number != "29-B1 123.45" || got[1].Number != "30A-123.45" {
		t.Errorf("order %s, %s", got[0].Number, got[1].Number)
	}
	none, err := client.Documents(ctx, TaxCode, "001099999999")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("no documents: %v %v", none, err)
	}
	if _, err := client.Documents(ctx, "passport", "001085012345"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad kind: %v", err)
	}
	if _, err := client.Documents(ctx, TaxCode, "12"); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad holder: %v", err)
	}
}

func TestHTTPDocument(t *testing.T) {
	mem, _, client := registryServer(t)
	ctx := context.Background()
	for _, s := range samples() {
		got, err := client.Document(ctx, s.Kind, strings.ToLower(s.Number))
		if err != nil {
			t.Fatalf("%s %s: %v", s.Kind, s.Number, err)
		}
		want, _ := mem.Document(ctx, s.Kind, s.Number)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	}
	// Loosely written plates are found.
	if _, err := client.Document(ctx, VehicleRegistration, "29-b1 12345"); err != nil {
		t.Errorf("loose plate: %v", err)
	}
	_, err := client.Document(ctx, TaxCode, "8300456214")
	var se *StatusError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
		t.Errorf("unknown document: %v", err)
	}
	// A number that cannot exist is not looked up.
	for _, n := range []string{"../changes", "", "80123456"} {
		if _, err := client.Document(ctx, TaxCode, n); !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrInvalid) || errors.As(err, &se) {
			t.Errorf("number %q: %v", n, err)
		}
	}
}

func TestHTTPUnauthorized(t *testing.T) {
	_, srv, _ := registryServer(t)
	for _, token := range []string{"", "wrong"} {
		client, _ := NewHTTP(srv.URL, srv.Client(), token)
		_, err := client.Document(context.Background(), TaxCode, "8012345677")
		var se *StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized || errors.Is(err, ErrNotFound) ||
			errors.Is(err, ErrUnavailable) || errors.Is(err, ErrInvalid) {
			t.Errorf("token %q: %v", token, err)
		}
	}
	resp, err := srv.Client().Get(srv.URL + "/changes")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%d %v", resp.StatusCode, resp.Header)
	}
}

func TestHTTPChangesPaging(t *testing.T) {
	mem, _, client := registryServer(t)
	ctx := context.Background()
	all, _ := mem.Changes(ctx, 0, 1_000_000)
	var got []Change
	after := int64(0)
	for {
		page, err := client.Changes(ctx, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		if len(page) > 7 {
			t.Fatalf("page of %d", len(page))
		}
		got = append(got, page...)
		after = page[len(page)-1].Seq
	}
	if !reflect.DeepEqual(got, all) || len(got) != mem.Len() {
		t.Fatalf("paged %d changes, want %d", len(got), len(all))
	}
	// A change moves the document to the end of the feed.
	d := sampleTax()
	d.Status = StatusRevoked
	if err := mem.UpsertDocuments(ctx, []Document{d}); err != nil {
		t.Fatal(err)
	}
	page, err := client.Changes(ctx, after, 100)
	if err != nil || len(page) != 1 || page[0].Document.Status != StatusRevoked || page[0].Seq <= after {
		t.Errorf("after the change: %+v %v", page, err)
	}
	if _, err := client.Changes(ctx, -1, 10); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative cursor: %v", err)
	}
	if _, err := client.Changes(ctx, 0, 0); !errors.Is(err, ErrInvalid) {
		t.Errorf("zero limit: %v", err)
	}
}

// failingSource answers every call with err.
type failingSource struct{ err error }

func (f failingSource) Documents(context.Context, Kind, string) ([]Document, error) {
	return nil, f.err
}
func (f failingSource) Document(context.Context, Kind, string) (Document, error) {
	return Document{}, f.err
}
func (f failingSource) Changes(context.Context, int64, int) ([]Change, error) { return nil, f.err }

func TestHTTPSourceErrors(t *testing.T) {
	tests := []struct {
		err    error
		status int
		is     error
	}{
		{fmt.Errorf("db: %w", ErrUnavailable), 503, ErrUnavailable},
		{errors.New("disk on fire"), 500, ErrUnavailable},
		{fmt.Errorf("x: %w", ErrNotFound), 404, ErrNotFound},
		{fmt.Errorf("x: %w", ErrInvalid), 400, ErrInvalid},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(Handler(failingSource{tt.err}, ""))
		client, _ := NewHTTP(srv.URL, srv.Client(), "")
		_, err := client.Changes(context.Background(), 0, 10)
		var se *StatusError
		if !errors.Is(err, tt.is) || !errors.As(err, &se) || se.StatusCode != tt.status {
			t.Errorf("%v: got %v", tt.err, err)
		}
		if strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("internal error leaked: %v", err)
		}
		srv.Close()
	}
}

func TestHTTPTransportErrors(t *testing.T) {
	ctx := context.Background()
	statuses := map[int]error{500: ErrUnavailable, 502: ErrUnavailable, 503: ErrUnavailable, 429: ErrUnavailable, 408: ErrUnavailable, 404: ErrNotFound, 400: ErrInvalid}
	for status, want := range statuses {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			fmt.Fprintf(w, `{"type":"about:blank","title":"x","status":%d,"detail":"because"}`, status)
		}))
		client, _ := NewHTTP(srv.URL, srv.Client(), "")
		_, err := client.Document(ctx, TaxCode, "8012345677")
		var se *StatusError
		if !errors.Is(err, want) || !errors.As(err, &se) || se.Detail != "because" {
			t.Errorf("status %d: %v", status, err)
		}
		srv.Close()
	}

	// Nobody listening.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	client, _ := NewHTTP(url, nil, "")
	_, err := client.Documents(ctx, TaxCode, "001085012345")
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("closed server: %v", err)
	}
	if strings.Contains(err.Error(), "001085012345") {
		t.Errorf("the personal ID number leaked into %q", err)
	}

	// Too slow.
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	client, _ = NewHTTP(slow.URL, &http.Client{Timeout: 50 * time.Millisecond}, "")
	if _, err := client.Changes(ctx, 0, 1); !errors.Is(err, ErrUnavailable) {
		t.Errorf("time-out: %v", err)
	}
	deadline, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	client, _ = NewHTTP(slow.URL, slow.Client(), "")
	if _, err := client.Changes(deadline, 0, 1); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
}

func TestHTTPBadResponses(t *testing.T) {
	tax, _ := json.Marshal(sampleTax())
	other := sampleTax()
	other.Number = "8300456214"
	otherJSON, _ := json.Marshal(other)
	bad := sampleTax()
	bad.Tax.Office = ""
	badJSON, _ := json.Marshal(bad)
	tests := []struct {
		name string
		body string
		call func(*HTTP) error
	}{
		{"not JSON", "<html>", func(h *HTTP) error { _, err := h.Document(context.Background(), TaxCode, "8012345677"); return err }},
		{"trailing data", string(tax) + " {}", func(h *HTTP) error { _, err := h.Document(context.Background(), TaxCode, "8012345677"); return err }},
		{"other document", string(otherJSON), func(h *HTTP) error { _, err := h.Document(context.Background(), TaxCode, "8012345677"); return err }},
		{"invalid document", string(badJSON), func(h *HTTP) error { _, err := h.Document(context.Background(), TaxCode, "8012345677"); return err }},
		{"no documents array", `{}`, func(h *HTTP) error { _, err := h.Documents(context.Background(), TaxCode, "001085012345"); return err }},
		{"other holder", `{"documents":[` + string(tax) + `]}`, func(h *HTTP) error {
			_, err := h.Documents(context.Background(), TaxCode, "001085099999")
			return err
		}},
		{"other kind", `{"documents":[` + string(tax) + `]}`, func(h *HTTP) error {
			_, err := h.Documents(context.Background(), VehicleRegistration, "001085012345")
			return err
		}},
		{"no changes array", `{"documents":[]}`, func(h *HTTP) error { _, err := h.Changes(context.Background(), 0, 10); return err }},
		{"cursor not after", `{"changes":[{"seq":5,"document":` + string(tax) + `}]}`, func(h *HTTP) error {
			_, err := h.Changes(context.Background(), 5, 10)
			return err
		}},
		{"cursor not increasing", `{"changes":[{"seq":6,"document":` + string(tax) + `},{"seq":6,"document":` + string(tax) + `}]}`, func(h *HTTP) error {
			_, err := h.Changes(context.Background(), 5, 10)
			return err
		}},
		{"too many changes", `{"changes":[{"seq":6,"document":` + string(tax) + `},{"seq":7,"document":` + string(tax) + `}]}`, func(h *HTTP) error {
			_, err := h.Changes(context.Background(), 5, 1)
			return err
		}},
		{"oversized", `{"documents":[],"x":"` + strings.Repeat("a", MaxResponseBytes) + `"}`, func(h *HTTP) error {
			_, err := h.Documents(context.Background(), TaxCode, "001085012345")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			client, _ := NewHTTP(srv.URL, srv.Client(), "")
			if err := tt.call(client); !errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnavailable) {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestHandlerRequests(t *testing.T) {
	_, srv, _ := registryServer(t)
	tests := []struct {
		method, path string
		status       int
	}{
		{"GET", "/documents?kind=tax_code&holder_id=001085012345", 200},
		{"GET", "/documents?kind=passport&holder_id=001085012345", 400},
		{"GET", "/documents?kind=tax_code&holder_id=123", 400},
		{"GET", "/documents?kind=tax_code", 400},
		{"GET", "/documents/tax_code/8012345677", 200},
		{"GET", "/documents/vehicle_registration/29-B1%20123.45", 200},
		{"GET", "/documents/vehicle_registration/29-b1%2012345", 200},
		{"GET", "/documents/tax_code/8300456214", 404},
		{"GET", "/documents/passport/1", 400},
		{"GET", "/changes", 200},
		{"GET", "/changes?after=3&limit=2", 200},
		{"GET", "/changes?after=-1", 400},
		{"GET", "/changes?limit=0", 400},
		{"GET", "/changes?limit=1001", 400},
		{"GET", "/changes?after=x", 400},
		{"POST", "/documents", 405},
		{"DELETE", "/documents/tax_code/8012345677", 405},
		{"GET", "/nothing", 404},
		{"GET", "/documents/tax_code/8012345677/extra", 404},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		req.Header.Set("Authorization", "bearer "+testToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var p problem
		decodeErr := json.NewDecoder(resp.Body).Decode(&p)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s: Cache-Control %q", tt.method, tt.path, resp.Header.Get("Cache-Control"))
		}
		if tt.status != 200 && (decodeErr != nil || p.Status != tt.status || p.Title == "" || p.Type != "about:blank" ||
			resp.Header.Get("Content-Type") != "application/problem+json") {
			t.Errorf("%s %s: problem %+v %v", tt.method, tt.path, p, decodeErr)
		}
	}
}

func TestNewHTTP(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "https://x/?a=1", "https://x/#f", "https://u:p@x/", "::"} {
		if _, err := NewHTTP(u, nil, ""); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
	if _, err := NewHTTP("https://registry.example/v1", nil, "a\nb"); err == nil {
		t.Error("token with a line break accepted")
	}
	h, err := NewHTTP("https://registry.example/v1/", nil, "")
	if err != nil || h.base != "https://registry.example/v1" {
		t.Errorf("%+v %v", h, err)
	}
}
