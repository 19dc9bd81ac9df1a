package airudder

import (
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/receiver"
)

// webhookMetrics are the families counted from AiRudder webhooks
// (docs/METRICS.md "Receiver: AiRudder webhooks"); filled only by
// airudder_record.go. Every family carries `account` (the webhook path's
// account, a configured and so bounded set). The full outcome breakdown is
// per account only; the per-robot, per-line and per-campaign families carry
// just the outcome labels that matter for each, so their product stays
// small (README "Cardinality").
type webhookMetrics struct {
	arCalls        *receiver.CounterVec
	arDuration     *receiver.HistogramVec
	arRing         *receiver.HistogramVec
	arTalkRounds   *receiver.HistogramVec
	arDialAttempts *receiver.HistogramVec
	arRedials      *receiver.CounterVec
	arAnswers      *receiver.CounterVec
	arEventLabels  *receiver.CounterVec
	arTaskStatus   *receiver.CounterVec
	arWorkflow     *receiver.CounterVec

	// Where: line health, robot quality, campaign results.
	arLineCalls     *receiver.CounterVec
	arRobotCalls    *receiver.CounterVec
	arRobotTransfer *receiver.CounterVec
	arRobotTalk     *receiver.HistogramVec
	arCampaignCalls *receiver.CounterVec
	arCampaignConn  *receiver.CounterVec
	arCampaignTalk  *receiver.CounterVec

	// Delivery lag: call_end_time to receipt.
	arLag         *receiver.HistogramVec
	arLagRejected *receiver.CounterVec
}

// Bucket layouts of the AiRudder-only histograms.
var (
	talkRoundBuckets   = []float64{1, 2, 3, 5, 8, 10, 15, 20, 30, 50}
	dialAttemptBuckets = []float64{1, 2, 3, 4, 5, 6, 8, 10}
	// Per robot: few buckets, as the family is multiplied by the robots.
	robotTalkBuckets = []float64{10, 30, 60, 120, 300}
	// A vendor that queues webhooks shows up as minutes to hours.
	deliveryLagBuckets = []float64{1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 21600}
)

// Delivery lag rejections: the `reason` label.
const (
	lagNegative   = "negative"   // call_end_time after receipt (clock or zone wrong)
	lagAbsurd     = "absurd"     // more than maxDeliveryLag
	lagUnparsable = "unparsable" // call_end_time not YYYY-MM-DD HH:MM:SS
)

var lagReasons = []string{lagNegative, lagAbsurd, lagUnparsable}

func newWebhookMetrics() webhookMetrics {
	return webhookMetrics{
		arCalls: receiver.AccountCounter("airudder_calls_total",
			"AiRudder calls received by webhook (one per details[] entry or workflow notification).", "result", "result_label", "hangup_type", "ring_type"),
		arDuration: receiver.AccountHistogram("airudder_call_duration_seconds",
			"Talk time of AiRudder calls (duration).", receiver.CallDurationBuckets),
		arRing: receiver.AccountHistogram("airudder_call_ring_duration_seconds",
			"Ring time of AiRudder calls (ring_time).", receiver.RingBuckets),
		arTalkRounds: receiver.AccountHistogram("airudder_call_talk_rounds",
			"Robot talk rounds per AiRudder call (talk_round).", talkRoundBuckets),
		arDialAttempts: receiver.AccountHistogram("airudder_call_dial_attempts",
			"Dials of the number in the current round (call_times).", dialAttemptBuckets),
		arRedials: receiver.AccountCounter("airudder_call_redials_total",
			"Earlier dial attempts reported in redail_call[].", "ring_type", "hangup_type"),
		arAnswers: receiver.AccountCounter("airudder_infocheck_answers_total",
			"Info-check answers (question_answer[] entries).", "question", "verification_result", "answered"),
		arEventLabels: receiver.AccountCounter("airudder_call_event_labels_total",
			"EventLabel keys set on AiRudder calls.", "label"),
		arTaskStatus: receiver.AccountCounter("airudder_task_status_changes_total",
			"AiRudder task status changes (task webhooks; a repeat of a task's current status is a re-delivery).", "status"),
		arWorkflow: receiver.AccountCounter("airudder_workflow_notifications_total",
			"AiRudder workflow call-completion notifications."),

		arLineCalls: receiver.AccountCounter("airudder_sip_line_calls_total",
			"AiRudder calls by the task's SIP line (sip_line, capped) and ring type: line health.", "sip_line", "ring_type"),
		arRobotCalls: receiver.AccountCounter("airudder_robot_calls_total",
			"AiRudder calls by robot (webhooks.robots name, else robot_hash, capped) and result.", "robot", "result"),
		arRobotTransfer: receiver.AccountCounter("airudder_robot_transfers_total",
			"AiRudder calls the robot transferred to an agent (an EventLabel key of webhooks.transfer_event_labels).", "robot"),
		arRobotTalk: receiver.AccountHistogram("airudder_robot_call_duration_seconds",
			"Talk time of AiRudder calls per robot (duration; few buckets).", robotTalkBuckets, "robot"),
		arCampaignCalls: receiver.AccountCounter("airudder_campaign_calls_total",
			"AiRudder calls by campaign (task_name through webhooks.campaigns) and result.", "campaign", "result"),
		arCampaignConn: receiver.AccountCounter("airudder_campaign_connected_calls_total",
			"AiRudder calls that connected (ring_type normal), by campaign.", "campaign"),
		arCampaignTalk: receiver.AccountCounter("airudder_campaign_talk_seconds_total",
			"Talk time (duration) of AiRudder calls by campaign: what the campaign costs in robot minutes.", "campaign"),

		arLag: receiver.AccountHistogram("airudder_webhook_delivery_lag_seconds",
			"Time from call_end_time (account time zone) to receipt of the call webhook.", deliveryLagBuckets),
		arLagRejected: receiver.AccountCounter("airudder_webhook_delivery_lag_rejected_total",
			"Calls whose delivery lag was not observed: negative, absurd (over 7 days) or call_end_time unparsable.", "reason"),
	}
}

func (m *webhookMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		m.arCalls, m.arDuration, m.arRing, m.arTalkRounds, m.arDialAttempts,
		m.arRedials, m.arAnswers, m.arEventLabels, m.arTaskStatus, m.arWorkflow,
		m.arLineCalls, m.arRobotCalls, m.arRobotTransfer, m.arRobotTalk,
		m.arCampaignCalls, m.arCampaignConn, m.arCampaignTalk,
		m.arLag, m.arLagRejected,
	}
}
