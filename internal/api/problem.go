// Package api serves vneid's HTTP JSON API for the mobile app (described in
// api/openapi.yaml), the health and metrics endpoints, and the middleware they
// share: request IDs, access logs without personal data, metrics, panics
// turned into problems, and RFC 9457 problem responses with Vietnamese and
// English messages.
package api

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/vneid/vneid/internal/failure"
)

// Problem is an RFC 9457 problem details object with vneid's extensions.
type Problem struct {
	Type     string   `json:"type"`
	Title    string   `json:"title"`
	Status   int      `json:"status"`
	Detail   string   `json:"detail,omitempty"`
	Instance string   `json:"instance,omitempty"`
	Code     string   `json:"code"`
	Messages Messages `json:"messages"`
	Fields   []string `json:"fields,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	// RetryAfter is in whole seconds, as in the Retry-After header.
	RetryAfter int    `json:"retry_after,omitempty"`
	RequestID  string `json:"request_id,omitempty"`
}

// Messages holds a problem's message in each language.
type Messages struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// ProblemTypeBase prefixes a problem code to make its type URI.
const ProblemTypeBase = "urn:vneid:problem:"

// Common failures of the HTTP layer itself.
var (
	errBadJSON = failure.New("invalid_request", failure.Invalid,
		"Yêu cầu không đúng định dạng JSON hoặc có trường không hợp lệ.",
		"The request body is not valid JSON or has an unknown field.")
	errTooLarge = failure.New("request_too_large", failure.Invalid,
		"Yêu cầu quá lớn.", "The request body is too large.")
	errNotFound = failure.New("not_found", failure.NotFound,
		"Không tìm thấy địa chỉ yêu cầu.", "No such endpoint.")
	errMethod = failure.New("method_not_allowed", failure.Unsupported,
		"Phương thức không được hỗ trợ.", "Method not allowed.")
	errInternal = failure.New("internal", failure.Internal,
		"Đã xảy ra lỗi hệ thống. Vui lòng thử lại sau.", "Something went wrong on our side. Please try again later.")
	errUnavailable = failure.New("unavailable", failure.Unavailable,
		"Hệ thống tạm thời không phục vụ được. Vui lòng thử lại sau.", "The service is temporarily unavailable. Please try again later.")
)

// StatusOf maps a failure kind to its HTTP status.
func StatusOf(k failure.Kind) int {
	switch k {
	case failure.Invalid:
		return http.StatusBadRequest
	case failure.NotFound:
		return http.StatusNotFound
	case failure.Conflict:
		return http.StatusConflict
	case failure.Unauthenticated:
		return http.StatusUnauthorized
	case failure.Forbidden:
		return http.StatusForbidden
	case failure.RateLimited:
		return http.StatusTooManyRequests
	case failure.Gone:
		return http.StatusGone
	case failure.Unavailable:
		return http.StatusServiceUnavailable
	case failure.Unsupported:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// prefersEnglish reports whether Accept-Language ranks English above
// Vietnamese. Vietnamese is the default.
func prefersEnglish(r *http.Request) bool {
	best, bestQ := "vi", -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		lang := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if (lang == "vi" || lang == "en") && q > 0 && q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best == "en"
}

// writeError turns err into a problem response. Unexpected errors are logged
// (without personal data) and answered as "internal".
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	f := failure.As(err)
	if f == nil {
		f = errInternal.WithCause(err)
	}
	if f.Kind == failure.Internal || f.Kind == failure.Unavailable {
		log.Error("request failed", "request_id", requestID(r.Context()), "route", r.Pattern, "code", f.Code, "err", errText(f.Cause))
	}
	status := StatusOf(f.Kind)
	p := Problem{
		Type: ProblemTypeBase + f.Code, Status: status, Code: f.Code, Instance: r.URL.Path,
		Messages: Messages{VI: f.VI, EN: f.EN}, Fields: f.Fields, Reason: f.Reason, RequestID: requestID(r.Context()),
	}
	p.Title = f.VI
	if prefersEnglish(r) {
		p.Title = f.EN
	}
	if f.RetryAfter > 0 {
		p.RetryAfter = int(math.Ceil(f.RetryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="vneid"`) // unless the route asked for another scheme
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", "vi, en")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxBody is the largest request body the API reads.
const maxBody = 64 << 10

// decode reads a JSON object strictly: unknown fields, trailing data and
// bodies over maxBody are refused.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeLimit(w, r, v, maxBody)
}

// decodeLimit is decode with its own size limit, for the few routes that
// carry images or chip files.
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return errBadJSON.WithCause(err).WithDetail("("+jsonReason(err)+")", "("+jsonReason(err)+")")
	}
	if dec.More() {
		return errBadJSON.WithDetail("(dữ liệu thừa sau đối tượng JSON)", "(trailing data after the JSON object)")
	}
	return nil
}

// jsonReason says what is wrong with a body without echoing its content.
func jsonReason(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "offset " + strconv.FormatInt(syn.Offset, 10)
	case errors.As(err, &typ):
		return "field " + typ.Field + ": want " + typ.Type.String()
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.EOF):
		return "empty body"
	}
	return "malformed"
}
