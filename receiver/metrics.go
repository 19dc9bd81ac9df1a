package receiver

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric descriptors of the receiver (docs/METRICS.md, sections "Receiver:
// AiRudder webhooks", "Receiver: LAAFFIC IVR pushes", "Receiver
// self-metrics"). They are filled only by record.go.

// Sources: the `source` label.
const (
	sourceAiRudder = "airudder"
	sourceLaaffic  = "laaffic"
)

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
	// The shared dedup store (Redis) failed; answered 503 (claim.go).
	outcomeDedupUnavailable = "dedup_unavailable"
)

var requestOutcomes = []string{
	outcomeAccepted, outcomeUnauthorized, outcomeForbidden, outcomeBadRequest,
	outcomeTooLarge, outcomeMethodNotAllowed, outcomeOverloaded, outcomeReadError,
	outcomeUnknownAccount,
	outcomeUnsupportedEncoding,
	outcomeDedupUnavailable,
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
	callDurationBuckets = []float64{1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 3600}
	ringBuckets         = []float64{1, 2, 3, 5, 10, 15, 20, 30, 45, 60}
	talkRoundBuckets    = []float64{1, 2, 3, 5, 8, 10, 15, 20, 30, 50}
	dialAttemptBuckets  = []float64{1, 2, 3, 4, 5, 6, 8, 10}
	queueDelayBuckets   = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}
	postDialBuckets     = []float64{0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60}
	requestBuckets      = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
)

func histogram(name, help string, buckets []float64) prometheus.HistogramOpts {
	return prometheus.HistogramOpts{
		Name:                            name,
		Help:                            help,
		Buckets:                         buckets,
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  100,
		NativeHistogramMinResetDuration: time.Hour,
	}
}

// metrics holds every collector the receiver owns.
type metrics struct {
	airudderMetrics // airudder_metrics.go

	// LAAFFIC (laaffic_metrics.go)
	la *laafficMetrics

	// Self-metrics
	requests        *prometheus.CounterVec
	records         *prometheus.CounterVec
	invalid         *prometheus.CounterVec
	lastReceived    *prometheus.GaugeVec
	requestDuration *prometheus.HistogramVec
	folded          *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		airudderMetrics: newAirudderMetrics(),

		la: newLaafficMetrics(),

		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_exporter_webhook_requests_total",
			Help: "Webhook HTTP requests by source and outcome.",
		}, []string{"source", "outcome"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_exporter_webhook_records_total",
			Help: "Records in accepted webhook bodies by outcome.",
		}, []string{"source", "outcome"}),
		invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_exporter_webhook_invalid_records_total",
			Help: "Webhook records rejected, by reason.",
		}, []string{"source", "reason"}),
		lastReceived: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "airudder_exporter_webhook_last_received_timestamp_seconds",
			Help: "Unix time of the last accepted webhook request.",
		}, []string{"source"}),
		requestDuration: prometheus.NewHistogramVec(histogram(
			"airudder_exporter_webhook_request_duration_seconds",
			"Time spent handling a webhook request.", requestBuckets), []string{"source"}),
		folded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_exporter_label_values_folded_total",
			Help: "Webhook label values folded into \"other\" (over the cap or not allow-listed).",
		}, []string{"metric"}),
	}
}

func (m *metrics) collectors() []prometheus.Collector {
	return append(append(m.airudderMetrics.collectors(), m.la.collectors()...),
		m.requests, m.records, m.invalid, m.lastReceived, m.requestDuration, m.folded,
	)
}
