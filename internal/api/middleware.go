package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vneid/vneid/internal/telemetry"
)

type ctxKey int

const requestIDKey ctxKey = iota

func requestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// statusWriter records the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap adds request IDs, security headers, panic recovery, access logs and
// metrics around the mux. Logs carry the route pattern, never the path (which
// may hold IDs), the query or the body.
func wrap(mux *http.ServeMux, log *slog.Logger, m *telemetry.Metrics) http.Handler {
	return Observe(mux, mux, log, m)
}

// Observe is the API's middleware for other handlers served beside it (the
// OpenID Connect provider): request IDs, security headers (a handler may
// replace them), panic recovery, one log line and the metrics per request,
// labelled with the route pattern routes finds (never the path).
func Observe(routes *http.ServeMux, next http.Handler, log *slog.Logger, m *telemetry.Metrics) http.Handler {
	mux := routes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if id == "" || len(id) > 64 || !printable(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		h := w.Header()
		h.Set("X-Request-ID", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		sw := &statusWriter{ResponseWriter: w}
		_, pattern := mux.Handler(r)
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "request_id", id, "route", pattern, "panic", fmt.Sprint(v))
				if sw.status == 0 {
					writeError(sw, r, log, errInternal)
				}
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			d := time.Since(start)
			if pattern == "" {
				pattern = "unmatched"
			}
			if m != nil {
				m.HTTPRequests.WithLabelValues(pattern, r.Method, strconv.Itoa(sw.status)).Inc()
				m.HTTPDuration.WithLabelValues(pattern).Observe(d.Seconds())
			}
			log.Info("http", "request_id", id, "method", r.Method, "route", pattern, "status", sw.status,
				"duration_ms", float64(d.Microseconds())/1000)
		}()
		next.ServeHTTP(sw, r)
	})
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// clientIP returns the caller's address: the socket peer, or the first
// untrusted hop of X-Forwarded-For when the peer is a trusted proxy.
func (s *Server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil || !s.trusted(ip) {
		return host
	}
	hops := splitComma(r.Header.Get("X-Forwarded-For"))
	for i := len(hops) - 1; i >= 0; i-- {
		hop := net.ParseIP(hops[i])
		if hop == nil {
			break
		}
		if !s.trusted(hop) {
			return hop.String()
		}
	}
	return host
}

func (s *Server) trusted(ip net.IP) bool {
	for _, n := range s.trustedProxies {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func splitComma(v string) []string {
	var out []string
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// ParseCIDRs parses a list of networks for trusted proxies.
func ParseCIDRs(list []string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, c := range list {
		_, n, err := net.ParseCIDR(c)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", c, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// ClientIP returns the client's address as the server resolves it (the
// trusted proxies' X-Forwarded-For, else the peer), for handlers mounted
// beside the API.
func (s *Server) ClientIP(r *http.Request) string { return s.clientIP(r) }
