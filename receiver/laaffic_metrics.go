package receiver

import "github.com/prometheus/client_golang/prometheus"

// LAAFFIC metric descriptors (docs/METRICS.md, section "Receiver: LAAFFIC
// pushes"). They are filled only by laaffic_record.go.

type laafficMetrics struct {
	calls         *prometheus.CounterVec
	duration      prometheus.Histogram
	ring          prometheus.Histogram
	timeToAnswer  prometheus.Histogram
	queueDelay    prometheus.Histogram
	postDialDelay prometheus.Histogram
	charged       prometheus.Counter
	cost          *prometheus.CounterVec
	baseCost      prometheus.Counter
	settlePay     *prometheus.CounterVec
	keypresses    *prometheus.CounterVec
	sip           *prometheus.CounterVec
	terminations  *prometheus.CounterVec
	billPeriods   *prometheus.CounterVec
	intents       *prometheus.CounterVec
	destinations  *prometheus.CounterVec
	recalls       prometheus.Counter
}

func newLaafficMetrics() *laafficMetrics {
	return &laafficMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_calls_total",
			Help: "LAAFFIC IVR call records received.",
		}, []string{"type", "call_status"}),
		duration: prometheus.NewHistogram(histogram("laaffic_call_duration_seconds",
			"Talk time of LAAFFIC calls (callDuration).", callDurationBuckets)),
		ring: prometheus.NewHistogram(histogram("laaffic_ring_duration_seconds",
			"Ring time of LAAFFIC calls (ringDuration).", ringBuckets)),
		timeToAnswer: prometheus.NewHistogram(histogram("laaffic_time_to_answer_seconds",
			"Time from ringing to answer of answered LAAFFIC calls.", ringBuckets)),
		queueDelay: prometheus.NewHistogram(histogram("laaffic_queue_delay_seconds",
			"Time from submission to dialling (callTime - submitTime).", queueDelayBuckets)),
		postDialDelay: prometheus.NewHistogram(histogram("laaffic_post_dial_delay_seconds",
			"Time from dialling to ringing (ringingTime - callTime).", postDialBuckets)),
		charged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laaffic_charged_duration_seconds_total",
			Help: "Charged call time (chargedDuration).",
		}),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_cost_total",
			Help: "Call cost in the quoted currency (cost, or costEur as EUR).",
		}, []string{"currency"}),
		baseCost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laaffic_base_cost_usd_total",
			Help: "Base call cost in USD (baseCost).",
		}),
		settlePay: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_settle_pay_total",
			Help: "Settled amount of non-USD quotes (settlePay), by the record's currency.",
		}, []string{"currency"}),
		keypresses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_keypresses_total",
			Help: "DTMF key pressed by the callee (feedbackValue).",
		}, []string{"key"}),
		sip: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_sip_responses_total",
			Help: "Final SIP response class (sipCode).",
		}, []string{"class"}),
		terminations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_terminations_total",
			Help: "Call terminations (terminationCode \"0\" or \"200\" = success).",
		}, []string{"result"}),
		billPeriods: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_bill_periods_total",
			Help: "Calls by billing period (billPeriod).",
		}, []string{"bill_period"}),
		intents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_intents_total",
			Help: "Calls by final AI intent (intent).",
		}, []string{"intent"}),
		destinations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_destination_calls_total",
			Help: "Calls by destination country (country part of code).",
		}, []string{"country"}),
		recalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "laaffic_recalls_total",
			Help: "Records that are recalls of an earlier call (recallByVoiceId set).",
		}),
	}
}

func (m *laafficMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.calls, m.duration, m.ring, m.timeToAnswer, m.queueDelay,
		m.postDialDelay, m.charged, m.cost, m.baseCost, m.settlePay,
		m.keypresses, m.sip, m.terminations, m.billPeriods, m.intents,
		m.destinations, m.recalls,
	}
}
