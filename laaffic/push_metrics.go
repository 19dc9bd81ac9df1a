package laaffic

import (
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/receiver"
)

// LAAFFIC metric descriptors (docs/METRICS.md, section "Receiver: LAAFFIC
// pushes"). They are filled only by laaffic_record.go. Every family carries
// `account` (the <account> of /webhooks/laaffic/<account>; "default" on the
// plain path).

// Bucket layouts of the LAAFFIC-only histograms.
var (
	queueDelayBuckets = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}
	postDialBuckets   = []float64{0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60}
)

// centerTalkBuckets: agents talk longer than robots.
var centerTalkBuckets = []float64{5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 3600}

type pushMetrics struct {
	// Voice records (IVR and AI agent).
	calls         *receiver.CounterVec
	duration      *receiver.HistogramVec
	ring          *receiver.HistogramVec
	timeToAnswer  *receiver.HistogramVec
	queueDelay    *receiver.HistogramVec
	postDialDelay *receiver.HistogramVec
	charged       *receiver.CounterVec
	cost          *receiver.CounterVec
	baseCost      *receiver.CounterVec
	settlePay     *receiver.CounterVec
	keypresses    *receiver.CounterVec
	sip           *receiver.CounterVec
	terminations  *receiver.CounterVec
	billPeriods   *receiver.CounterVec
	intents       *receiver.CounterVec
	destinations  *receiver.CounterVec
	recalls       *receiver.CounterVec
	invalidFields *receiver.CounterVec

	// AI agent.
	aiCost        *receiver.CounterVec
	aiCharged     *receiver.CounterVec
	aiIntentCodes *receiver.CounterVec

	// Per AI script.
	scriptCalls *receiver.CounterVec
	scriptCost  *receiver.CounterVec
	scriptTalk  *receiver.CounterVec

	// Call centre.
	centerCalls  *receiver.CounterVec
	centerGroups *receiver.CounterVec
	centerTalk   *receiver.HistogramVec

	// Ringing notifications.
	ringing         *receiver.CounterVec
	ringingUnanswer *receiver.CounterVec
}

func newPushMetrics() *pushMetrics {
	return &pushMetrics{
		calls: receiver.AccountCounter("laaffic_calls_total",
			"LAAFFIC voice records received (IVR push and AI-agent batch push).", "product", "type", "call_status"),
		duration: receiver.AccountHistogram("laaffic_call_duration_seconds",
			"Talk time of LAAFFIC voice calls (callDuration, else hangupTime - answerTime).", receiver.CallDurationBuckets, "product"),
		ring: receiver.AccountHistogram("laaffic_ring_duration_seconds",
			"Ring time of LAAFFIC calls (ringDuration).", receiver.RingBuckets),
		timeToAnswer: receiver.AccountHistogram("laaffic_time_to_answer_seconds",
			"Time from ringing to answer of answered LAAFFIC calls.", receiver.RingBuckets),
		queueDelay: receiver.AccountHistogram("laaffic_queue_delay_seconds",
			"Time from submission to dialling (callTime - submitTime).", queueDelayBuckets),
		postDialDelay: receiver.AccountHistogram("laaffic_post_dial_delay_seconds",
			"Time from dialling to ringing (ringingTime - callTime).", postDialBuckets),
		charged: receiver.AccountCounter("laaffic_charged_duration_seconds_total",
			"Charged call time (chargedDuration).", "product"),
		cost: receiver.AccountCounter("laaffic_cost_total",
			"Call cost in the currency it is in: voice records' cost (quote currency; costEur as EUR), call-centre cost (USD).", "product", "currency"),
		baseCost: receiver.AccountCounter("laaffic_base_cost_usd_total",
			"Base call cost in USD (baseCost).", "product"),
		settlePay: receiver.AccountCounter("laaffic_settle_pay_total",
			"Amount of non-USD quotes in the settlement currency (settlePay).", "product", "currency"),
		keypresses: receiver.AccountCounter("laaffic_keypresses_total",
			"DTMF key pressed by the callee (feedbackValue).", "key"),
		sip: receiver.AccountCounter("laaffic_sip_responses_total",
			"Final SIP response class (sipCode).", "class"),
		terminations: receiver.AccountCounter("laaffic_terminations_total",
			"Call terminations (terminationCode \"0\" or \"200\" = success).", "result"),
		billPeriods: receiver.AccountCounter("laaffic_bill_periods_total",
			"Calls by billing period (billPeriod).", "bill_period"),
		intents: receiver.AccountCounter("laaffic_intents_total",
			"Calls by final AI intent (intent).", "intent"),
		destinations: receiver.AccountCounter("laaffic_destination_calls_total",
			"Calls by destination country (country part of code).", "country"),
		recalls: receiver.AccountCounter("laaffic_recalls_total",
			"Records that are recalls of an earlier call (recallByVoiceId set)."),
		invalidFields: receiver.AccountCounter("laaffic_invalid_fields_total",
			"Values of counted records that were skipped: derived delays that came out impossible (negative or absurd), and amounts in a currency that is no ISO 4217 code or over the cap (field=\"currency\").", "field"),

		aiCost: receiver.AccountCounter("laaffic_ai_agent_cost_total",
			"AI-agent fee in the quote currency (aiAgentQuoteFee; USD when the record names no currency).", "currency"),
		aiCharged: receiver.AccountCounter("laaffic_ai_agent_charged_duration_seconds_total",
			"AI-agent charged time (aiAgentChargedDuration)."),
		aiIntentCodes: receiver.AccountCounter("laaffic_ai_agent_intent_codes_total",
			"AI-agent calls by intent code (intentCode).", "intent_code"),

		scriptCalls: receiver.AccountCounter("laaffic_script_calls_total",
			"Voice records by AI script (scriptId through webhooks.laaffic_scripts) and termination result.", "script", "product", "result"),
		scriptCost: receiver.AccountCounter("laaffic_script_cost_total",
			"Cost of the voice records of an AI script: cost plus aiAgentQuoteFee, each in its currency.", "script", "currency"),
		scriptTalk: receiver.AccountCounter("laaffic_script_talk_seconds_total",
			"Talk time of the voice records of an AI script.", "script"),

		centerCalls: receiver.AccountCounter("laaffic_call_center_calls_total",
			"LAAFFIC call-centre records (callType, hangupReason, hangingDirection).", "call_type", "hangup_reason", "hanging_direction"),
		centerGroups: receiver.AccountCounter("laaffic_call_center_agent_group_calls_total",
			"LAAFFIC call-centre records by agent group (agentGroupName) and whether a person answered.", "agent_group", "outcome"),
		centerTalk: receiver.AccountHistogram("laaffic_call_center_talk_duration_seconds",
			"Call time of call-centre records with a non-zero callDuration.", centerTalkBuckets, "call_type"),

		ringing: receiver.AccountCounter("laaffic_agent_ringing_total",
			"Agent ringing notifications.", "type"),
		ringingUnanswer: receiver.AccountCounter("laaffic_agent_ringing_unanswered_legs_total",
			"SIP legs that rang without answer (noAnswerSipList entries) in ringing notifications.", "type"),
	}
}

func (m *pushMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.calls, m.duration, m.ring, m.timeToAnswer, m.queueDelay,
		m.postDialDelay, m.charged, m.cost, m.baseCost, m.settlePay,
		m.keypresses, m.sip, m.terminations, m.billPeriods, m.intents,
		m.destinations, m.recalls, m.invalidFields,
		m.aiCost, m.aiCharged, m.aiIntentCodes,
		m.scriptCalls, m.scriptCost, m.scriptTalk,
		m.centerCalls, m.centerGroups, m.centerTalk,
		m.ringing, m.ringingUnanswer,
	}
}
