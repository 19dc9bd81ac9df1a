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

	laCalls         *prometheus.CounterVec
	laDuration      prometheus.Histogram
	laRing          prometheus.Histogram
	laTimeToAnswer  prometheus.Histogram
	laQueueDelay    prometheus.Histogram
	laPostDialDelay prometheus.Histogram
	laCharged       prometheus.Counter
	laCost          *prometheus.CounterVec
	laBaseCost      prometheus.Counter
	laSettlePay     *prometheus.CounterVec
	laKeypresses    *prometheus.CounterVec
	laSIP           *prometheus.CounterVec
	laTerminations  *prometheus.CounterVec
	laBillPeriods   *prometheus.CounterVec
	laIntents       *prometheus.CounterVec
	laDestinations  *prometheus.CounterVec
	laRecalls       prometheus.Counter

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

		laCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_calls_total",
			Help: "LAAFFIC IVR call records received.",
		}, []string{"type", "call_status"}),
		laDuration: prometheus.NewHistogram(histogram("laaffic_call_duration_seconds",
			"Talk time of LAAFFIC calls (callDuration).", callDurationBuckets)),
		laRing: prometheus.NewHistogram(histogram("laaffic_ring_duration_seconds",
			"Ring time of LAAFFIC calls (ringDuration).", ringBuckets)),
		laTimeToAnswer: prometheus.NewHistogram(histogram("laaffic_time_to_answer_seconds",
			"Time from ringing to answer of answered LAAFFIC calls.", ringBuckets)),
		laQueueDelay: prometheus.NewHistogram(histogram("laaffic_queue_delay_seconds",
			"Time from submission to dialling (callTime - submitTime).", queueDelayBuckets)),
		laPostDialDelay: prometheus.NewHistogram(histogram("laaffic_post_dial_delay_seconds",
			"Time from dialling to ringing (ringingTime - callTime).", postDialBuckets)),
		laCharged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laaffic_charged_duration_seconds_total",
			Help: "Charged call time (chargedDuration).",
		}),
		laCost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_cost_total",
			Help: "Call cost in the quoted currency (cost, or costEur as EUR).",
		}, []string{"currency"}),
		laBaseCost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laaffic_base_cost_usd_total",
			Help: "Base call cost in USD (baseCost).",
		}),
		laSettlePay: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_settle_pay_total",
			Help: "Settled amount of non-USD quotes (settlePay), by the record's currency.",
		}, []string{"currency"}),
		laKeypresses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_keypresses_total",
			Help: "DTMF key pressed by the callee (feedbackValue).",
		}, []string{"key"}),
		laSIP: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_sip_responses_total",
			Help: "Final SIP response class (sipCode).",
		}, []string{"class"}),
		laTerminations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_terminations_total",
			Help: "Call terminations (terminationCode \"0\" or \"200\" = success).",
		}, []string{"result"}),
		laBillPeriods: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_bill_periods_total",
			Help: "Calls by billing period (billPeriod).",
		}, []string{"bill_period"}),
		laIntents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_intents_total",
			Help: "Calls by final AI intent (intent).",
		}, []string{"intent"}),
		laDestinations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_destination_calls_total",
			Help: "Calls by destination country (country part of code).",
		}, []string{"country"}),
		laRecalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laaffic_recalls_total",
			Help: "Records that are recalls of an earlier call (recallByVoiceId set).",
		}),

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
	return append(m.airudderMetrics.collectors(),
		m.laCalls, m.laDuration, m.laRing, m.laTimeToAnswer, m.laQueueDelay,
		m.laPostDialDelay, m.laCharged, m.laCost, m.laBaseCost, m.laSettlePay,
		m.laKeypresses, m.laSIP, m.laTerminations, m.laBillPeriods, m.laIntents,
		m.laDestinations, m.laRecalls,
		m.requests, m.records, m.invalid, m.lastReceived, m.requestDuration, m.folded,
	)
}
