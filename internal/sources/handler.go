package sources

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/identity"
)

// problem is an RFC 9457 problem document.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Handler serves src over the registry protocol that HTTP reads (see HTTP
// and api/sources-registry.yaml), so that tests can run a remote registry
// and operators can front a registry. Paths are relative to the handler's
// root; mount it with http.StripPrefix under another prefix.
//
// When token is not empty every request must carry it as a bearer token,
// or is answered 401. Bad parameters are answered 400, unknown documents
// 404, and errors from src 400 (ErrInvalid), 404 (ErrNotFound), 503
// (ErrUnavailable, with Retry-After) or 500 (others, without detail), all
// as application/problem+json. Answers are not cached (Cache-Control:
// no-store): they hold personal data.
func Handler(src Source, token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /documents", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		kind := Kind(q.Get("kind"))
		if !kind.Valid() {
			writeProblem(w, http.StatusBadRequest, fmt.Sprintf("kind %q: want health_insurance, driving_licence, vehicle_registration or tax_code", q.Get("kind")))
			return
		}
		holder := q.Get("holder_id")
		if err := identity.ValidatePersonalID(holder); err != nil {
			writeProblem(w, http.StatusBadRequest, "holder_id: want the 12-digit personal ID number")
			return
		}
		docs, err := src.Documents(r.Context(), kind, holder)
		if err != nil {
			writeSourceError(w, err)
			return
		}
		if docs == nil {
			docs = []Document{}
		}
		writeJSON(w, struct {
			Documents []Document `json:"documents"`
		}{docs})
	})
	mux.HandleFunc("GET /documents/{kind}/{number}", func(w http.ResponseWriter, r *http.Request) {
		kind := Kind(r.PathValue("kind"))
		if !kind.Valid() {
			writeProblem(w, http.StatusBadRequest, fmt.Sprintf("kind %q: want health_insurance, driving_licence, vehicle_registration or tax_code", r.PathValue("kind")))
			return
		}
		number := NormalizeNumber(kind, r.PathValue("number"))
		if number == "" || len(number) > maxNumberLen {
			writeProblem(w, http.StatusBadRequest, "number: want a document number")
			return
		}
		d, err := src.Document(r.Context(), kind, number)
		if err != nil {
			writeSourceError(w, err)
			return
		}
		writeJSON(w, d)
	})
	mux.HandleFunc("GET /changes", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		after := int64(0)
		if v := q.Get("after"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				writeProblem(w, http.StatusBadRequest, fmt.Sprintf("after %q: want a cursor, 0 or more", v))
				return
			}
			after = n
		}
		limit := DefaultChangesLimit
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > MaxChangesLimit {
				writeProblem(w, http.StatusBadRequest, fmt.Sprintf("limit %q: want 1 to %d", v, MaxChangesLimit))
				return
			}
			limit = n
		}
		changes, err := src.Changes(r.Context(), after, limit)
		if err != nil {
			writeSourceError(w, err)
			return
		}
		if changes == nil {
			changes = []Change{}
		}
		writeJSON(w, struct {
			Changes []Change `json:"changes"`
		}{changes})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		known := p == "/documents" || p == "/changes" || strings.Count(p, "/") == 3 && strings.HasPrefix(p, "/documents/")
		if known && r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeProblem(w, http.StatusMethodNotAllowed, "only GET is served")
			return
		}
		writeProblem(w, http.StatusNotFound, "no such resource")
	})

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		if token != "" && !bearerMatches(r.Header.Get("Authorization"), token) {
			h.Set("WWW-Authenticate", `Bearer realm="vneid-sources"`)
			writeProblem(w, http.StatusUnauthorized, "a valid bearer token is required")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// bearerMatches reports whether an Authorization header carries token, in
// constant time.
func bearerMatches(header, token string) bool {
	scheme, got, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1
}

// writeSourceError answers with the problem an error from the source
// stands for.
func writeSourceError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeProblem(w, http.StatusNotFound, "no such document")
	case errors.Is(err, ErrUnavailable):
		w.Header().Set("Retry-After", "30")
		writeProblem(w, http.StatusServiceUnavailable, "the registry is unavailable, retry later")
	case errors.Is(err, ErrInvalid):
		writeProblem(w, http.StatusBadRequest, err.Error())
	default:
		writeProblem(w, http.StatusInternalServerError, "")
	}
}

// writeProblem writes an RFC 9457 problem document.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail})
}

// writeJSON writes v as a 200 JSON answer.
func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(body, '\n'))
}
