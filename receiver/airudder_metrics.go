package receiver

import "github.com/prometheus/client_golang/prometheus"

// airudderMetrics are the families counted from AiRudder webhooks
// (docs/METRICS.md "Receiver: AiRudder webhooks"); filled only by
// airudder_record.go.
type airudderMetrics struct {
	arCalls        *prometheus.CounterVec
	arDuration     prometheus.Histogram
	arRing         prometheus.Histogram
	arTalkRounds   prometheus.Histogram
	arDialAttempts prometheus.Histogram
	arRedials      *prometheus.CounterVec
	arAnswers      *prometheus.CounterVec
	arEventLabels  *prometheus.CounterVec
	arTaskStatus   *prometheus.CounterVec
	arWorkflow     prometheus.Counter
}

func newAirudderMetrics() airudderMetrics {
	return airudderMetrics{
		arCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_calls_total",
			Help: "AiRudder calls received by webhook (one per details[] entry or workflow notification).",
		}, []string{"result", "result_label", "hangup_type", "ring_type"}),
		arDuration: prometheus.NewHistogram(histogram("airudder_call_duration_seconds",
			"Talk time of AiRudder calls (duration).", callDurationBuckets)),
		arRing: prometheus.NewHistogram(histogram("airudder_call_ring_duration_seconds",
			"Ring time of AiRudder calls (ring_time).", ringBuckets)),
		arTalkRounds: prometheus.NewHistogram(histogram("airudder_call_talk_rounds",
			"Robot talk rounds per AiRudder call (talk_round).", talkRoundBuckets)),
		arDialAttempts: prometheus.NewHistogram(histogram("airudder_call_dial_attempts",
			"Dials of the number in the current round (call_times).", dialAttemptBuckets)),
		arRedials: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_call_redials_total",
			Help: "Earlier dial attempts reported in redail_call[].",
		}, []string{"ring_type", "hangup_type"}),
		arAnswers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_infocheck_answers_total",
			Help: "Info-check answers (question_answer[] entries).",
		}, []string{"question", "verification_result", "answered"}),
		arEventLabels: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_call_event_labels_total",
			Help: "EventLabel keys set on AiRudder calls.",
		}, []string{"label"}),
		arTaskStatus: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_task_status_changes_total",
			Help: "AiRudder task webhooks (bodies without details) by task status.",
		}, []string{"status"}),
		arWorkflow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "airudder_workflow_notifications_total",
			Help: "AiRudder workflow call-completion notifications.",
		}),
	}
}

func (m *airudderMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.arCalls, m.arDuration, m.arRing, m.arTalkRounds, m.arDialAttempts,
		m.arRedials, m.arAnswers, m.arEventLabels, m.arTaskStatus, m.arWorkflow,
	}
}
