// Package telemetry provides the server's Prometheus metrics on a registry of
// its own (no global state) and the JSON logger.
package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vneid/vneid/internal/store"
)

// Metrics are the server's collectors.
type Metrics struct {
	Registry        *prometheus.Registry
	HTTPRequests    *prometheus.CounterVec
	HTTPDuration    *prometheus.HistogramVec
	Logins          *prometheus.CounterVec
	OutboxDelivered *prometheus.CounterVec
	OutboxFailed    *prometheus.CounterVec
}

// New registers the collectors, including Go runtime and process metrics and
// an outbox-depth gauge read from st at scrape time (st may be nil).
func New(st store.Store) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneid_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vneid_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		Logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneid_logins_total", Help: "App login attempts by outcome (ok or a problem code).",
		}, []string{"outcome"}),
		OutboxDelivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneid_outbox_delivered_total", Help: "Notifications delivered, by channel.",
		}, []string{"channel"}),
		OutboxFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneid_outbox_failed_total", Help: "Failed notification attempts, by channel and whether the message is now dead.",
		}, []string{"channel", "dead"}),
	}
	reg.MustRegister(m.HTTPRequests, m.HTTPDuration, m.Logins, m.OutboxDelivered, m.OutboxFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if st != nil {
		reg.MustRegister(outboxDepth{st: st, desc: prometheus.NewDesc("vneid_outbox_messages",
			"Outbox messages by status.", []string{"status"}, nil)})
	}
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Delivered counts a delivered notification.
func (m *Metrics) Delivered(channel string) { m.OutboxDelivered.WithLabelValues(channel).Inc() }

// Failed counts a failed delivery attempt.
func (m *Metrics) Failed(channel string, dead bool) {
	d := "false"
	if dead {
		d = "true"
	}
	m.OutboxFailed.WithLabelValues(channel, d).Inc()
}

type outboxDepth struct {
	st   store.Store
	desc *prometheus.Desc
}

func (o outboxDepth) Describe(ch chan<- *prometheus.Desc) { ch <- o.desc }

func (o outboxDepth) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	depth, err := o.st.OutboxDepth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(o.desc, err)
		return
	}
	for _, s := range []store.OutboxStatus{store.OutboxPending, store.OutboxDelivered, store.OutboxDead} {
		ch <- prometheus.MustNewConstMetric(o.desc, prometheus.GaugeValue, float64(depth[s]), string(s))
	}
}

// NewLogger returns a JSON logger at level ("debug", "info", "warn",
// "error"). Log only identifiers of records, never personal data or secrets.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
