package receiver

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/internal/metricvec"
)

// Self-metrics of the receiver (docs/METRICS.md, section "Receiver
// self-metrics"); the `source` label is the vendor's name. The vendors'
// own families are theirs.

// Request outcomes: the `outcome` label of webhook_requests_total.
const (
	outcomeAccepted         = "accepted"
	outcomeUnauthorized     = "unauthorized"
	outcomeForbidden        = "forbidden"
	outcomeBadRequest       = "bad_request"
	outcomeTooLarge         = "too_large"
	outcomeMethodNotAllowed = "method_not_allowed"
	outcomeOverloaded       = "overloaded"
	outcomeReadError        = "read_error"
	outcomeUnknownAccount   = "unknown_account"
	// A path under /webhooks/ that names no route (handler.go route);
	// when it names no vendor either, counted under source "other".
	outcomeUnknownPath = "unknown_path"
	// The shared dedup store (Redis) failed; answered 503 (claim.go).
	outcomeDedupUnavailable = "dedup_unavailable"
)

var requestOutcomes = []string{
	outcomeAccepted, outcomeUnauthorized, outcomeForbidden, outcomeBadRequest,
	outcomeTooLarge, outcomeMethodNotAllowed, outcomeOverloaded, outcomeReadError,
	outcomeUnknownAccount, outcomeUnknownPath,
	outcomeUnsupportedEncoding,
	outcomeDedupUnavailable,
	// unwrap.go
	string(RefusedNoKey), string(RefusedBadBase64), string(RefusedBadLength),
	string(RefusedWrongKey), string(RefusedBadSignature),
}

// Record outcomes: the `outcome` label of webhook_records_total.
const (
	recordCounted   = "counted"
	recordDuplicate = "duplicate"
	recordInvalid   = "invalid"
)

// Bucket layouts. Classic buckets are chosen for call-centre durations; every
// histogram also has native (sparse) buckets for servers that scrape them.
var (
	// CallDurationBuckets suit the talk time of a call.
	CallDurationBuckets = []float64{1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 3600}
	// RingBuckets suit ring times and times to answer.
	RingBuckets    = []float64{1, 2, 3, 5, 10, 15, 20, 30, 45, 60}
	requestBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
)

// HistogramOpts are the options of every webhook histogram: the classic
// buckets given plus native ones.
func HistogramOpts(name, help string, buckets []float64) prometheus.HistogramOpts {
	return prometheus.HistogramOpts{
		Name:                            name,
		Help:                            help,
		Buckets:                         buckets,
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  100,
		NativeHistogramMinResetDuration: time.Hour,
	}
}

// CounterVec is a webhook counter family. Webhook families are the
// exporter's largest (a series per account and label value), so they render
// their own exposition text (package metricvec) rather than going through
// client_golang's Gather on every scrape.
type CounterVec = metricvec.CounterVec

// AccountCounter is a vendor's webhook counter family: every one carries
// `account` (the webhook path's account, a configured and so bounded set)
// before labels.
func AccountCounter(name, help string, labels ...string) *CounterVec {
	return webhookCounter(name, help, append([]string{"account"}, labels...)...)
}

func webhookCounter(name, help string, labels ...string) *CounterVec {
	return metricvec.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
}

// HistogramVec is a webhook histogram family. A webhook body observes many
// values into the same child; a metricvec histogram takes them under one
// lock (ObserveMany) and writes what client_golang's would.
type HistogramVec = metricvec.HistogramVec

// Histogram is a child of a HistogramVec.
type Histogram = metricvec.Histogram

// AccountHistogram is a vendor's webhook histogram family (HistogramOpts),
// labelled like AccountCounter.
func AccountHistogram(name, help string, buckets []float64, labels ...string) *HistogramVec {
	return metricvec.NewHistogramVec(HistogramOpts(name, help, buckets), append([]string{"account"}, labels...))
}

// metrics holds the receiver's self-metrics.
type metrics struct {
	requests        *CounterVec
	unrouted        *metricvec.Counter // requests{source="other",outcome="unknown_path"}
	records         *CounterVec
	invalid         *CounterVec
	lastReceived    *prometheus.GaugeVec
	requestDuration *HistogramVec
	folded          *CounterVec
	dedupErrors     *CounterVec
	authEnabled     prometheus.Gauge
}

func newMetrics(sources []string) *metrics {
	m := &metrics{
		requests: webhookCounter("airudder_exporter_webhook_requests_total",
			"Webhook HTTP requests by source (the vendor; \"other\" for a path naming none) and outcome.", "source", "outcome"),
		records: webhookCounter("airudder_exporter_webhook_records_total",
			"Records in accepted webhook bodies by outcome.", "source", "outcome"),
		invalid: webhookCounter("airudder_exporter_webhook_invalid_records_total",
			"Webhook records rejected, by reason.", "source", "reason"),
		lastReceived: gaugeVec("airudder_exporter_webhook_last_received_timestamp_seconds",
			"Unix time of the last accepted webhook request.", "source"),
		requestDuration: metricvec.NewHistogramVec(HistogramOpts(
			"airudder_exporter_webhook_request_duration_seconds",
			"Time spent handling a webhook request.", requestBuckets), []string{"source"}),
		folded: webhookCounter("airudder_exporter_label_values_folded_total",
			"Webhook label values folded into \"other\" (over the cap, not allow-listed, not printable, or a phone number or IP address).", "metric"),
		dedupErrors: newDedupErrors(sources),
		authEnabled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "airudder_exporter_webhook_auth_enabled",
			Help: "1 when a webhook token is configured; 0 when /webhooks/* accept anonymous posts.",
		}),
	}
	// Created now, as every source's outcomes are (record.go), so the
	// series is there at 0 before the first stray path.
	m.unrouted = m.requests.WithLabelValues(ValueOther, outcomeUnknownPath)
	return m
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.requests, m.records, m.invalid, m.lastReceived, m.requestDuration, m.folded, m.authEnabled,
	}
}
