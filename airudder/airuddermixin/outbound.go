package airuddermixin

import (
	"airudder_exporter/mixin"
)

// The outbound dashboard's variables that only their own rows filter by.
const (
	robotVar    = `robot=~"$robot"`
	sipLineVar  = `sip_line=~"$sip_line"`
	campaignVar = `campaign=~"$campaign"`
)

// callRatios are the two shares of the outbound overview, over the selected
// accounts: connected among calls with a ring result, and failed or
// cancelled among all calls.
func callRatios(c *mixin.Config, d *mixin.Dashboard) (connect, failure string) {
	ring, result, calls := callsByRingType.name(c), callsByResult.name(c), callsByAccount.name(c)
	connect = mixin.RatioOr0(mixin.Sum(nil, d.S(ring, `ring_type="normal"`)), mixin.Sum(nil, d.S(ring, `ring_type!="null"`)))
	failure = mixin.RatioOr0(mixin.Sum(nil, d.S(result, `result=~"failed|cancelled"`)), mixin.Sum(nil, d.S(calls)))
	return connect, failure
}

// mean is a histogram's mean by labels: the rate of its _sum over the rate
// of its _count.
func mean(d *mixin.Dashboard, histogram string, by []string, matchers ...string) string {
	return d.Rate(histogram+"_sum", by, matchers...) + " / " + d.Rate(histogram+"_count", by, matchers...)
}

// outboundDashboard shows the call webhooks: rates and shares read from the
// recording rules (the call family is the largest the exporter serves), the
// small families (event labels, info-check answers, tasks) as they are.
func outboundDashboard(c *mixin.Config) *mixin.Dashboard {
	d := c.NewDashboard("airudder-outbound.json", "airudder-outbound", "AiRudder / Outbound calls",
		"AiRudder outbound robot calls, from the call webhooks received by airudder_exporter.",
		"airudder", "airudder-exporter", "outbound", "webhook")
	d.Variable("account", "Account", `label_values(airudder_calls_total{job=~"$job", instance=~"$instance"}, account)`)
	d.VariableOnly("robot", "Robot", `label_values(airudder_robot_calls_total{job=~"$job", instance=~"$instance", account=~"$account"}, robot)`)
	d.VariableOnly("sip_line", "SIP line", `label_values(airudder_sip_line_calls_total{job=~"$job", instance=~"$instance", account=~"$account"}, sip_line)`)
	d.VariableOnly("campaign", "Campaign", `label_values(airudder_campaign_calls_total{job=~"$job", instance=~"$instance", account=~"$account"}, campaign)`)

	connect, failure := callRatios(c, d)
	talk := talkBuckets.name(c)

	d.Row("Overview")
	d.Add(
		mixin.Stat("Calls per second",
			"Outbound calls reported by the AiRudder call webhook, per second (each call counted once, re-deliveries dropped).",
			"cps", mixin.Q(d.Rate(callsByAccount.name(c), nil), "calls/s")).Size(6, 4),
		mixin.Stat("Connect ratio",
			`Connect ratio: calls with ring_type "normal" (the line connected and the callee picked up) among calls that got a ring result (ring_type not "null"; null = never dialled, e.g. cancelled or pending). The same definition is used by the per-line panels, the alerts, README and RUNBOOK.`,
			"percentunit", mixin.Q(connect, "connected")).
			Size(6, 4).Range(0, 1).Thresholds(mixin.Base("red"), mixin.From(0.3, "green")),
		mixin.Stat("Failure ratio",
			"Share of calls whose result is failed or cancelled.",
			"percentunit", mixin.Q(failure, "failed or cancelled")).
			Size(6, 4).Range(0, 1).Thresholds(mixin.Base("green"), mixin.From(0.3, "red")),
		mixin.Stat("Median talk duration",
			"Median talk time of calls (duration).",
			"s", mixin.Q(mixin.Quantile(0.5, nil, d.S(talk)), "p50")).Size(6, 4),
	)

	d.Row("Calls")
	d.Add(
		d.RateBy("Call rate by result",
			"Calls per second by result (created, pending, finished, cancelled, failed).",
			"cps", callsByResult.name(c), "result").Stacked(),
		d.RateBy("Call rate by result label",
			`Calls per second by the robot-defined result label (A..J by default; capped, the rest folds into "other").`,
			"cps", callsByResultLabel.name(c), "result_label").Stacked(),
		mixin.TimeSeries("Connect and failure ratios",
			"Connect ratio (ring_type normal among calls with a ring result, ring_type not null) and failure ratio (result failed or cancelled) over time.",
			"percentunit", mixin.Q(connect, "connect ratio"), mixin.Q(failure, "failure ratio")).Range(0, 1),
		d.RateBy("Hang-up types",
			"Who ended the calls: callee, robot, or cancelled before connecting.",
			"cps", callsByHangupType.name(c), "hangup_type").Stacked(),
		d.RateBy("Ring types",
			"Line outcome per call: normal, busy, out of area, wrong number, switched off ... A rise of one bad type points at the number list or the SIP line.",
			"cps", callsByRingType.name(c), "ring_type").Stacked(),
		d.RateBy("Event labels",
			"Calls per robot event label (EventLabel keys, allow-listed/capped).",
			"cps", "airudder_call_event_labels_total", "label"),
	)

	d.Row("Durations and rounds")
	dials := d.Quantiles("Dial attempts per call",
		"Dials in the round (call_times): median, p90 and mean.",
		"short", dialBuckets.name(c), nil, 0.5, 0.9)
	dials.Targets = append(dials.Targets, mixin.Q(mean(d, "airudder_call_dial_attempts", nil), "mean"))
	d.Add(
		d.Quantiles("Talk duration percentiles",
			"Talk time per call (duration), from the classic histogram buckets.",
			"s", talk, nil, 0.5, 0.9, 0.99).Size(8, 8),
		d.Quantiles("Ring time percentiles",
			"Ring time per call (ring_time).",
			"s", ringBuckets.name(c), nil, 0.5, 0.9, 0.99).Size(8, 8),
		mixin.TimeSeries("Average talk and ring time",
			"Mean talk and ring time (histogram sum / count).",
			"s",
			mixin.Q(mean(d, "airudder_call_duration_seconds", nil), "talk"),
			mixin.Q(mean(d, "airudder_call_ring_duration_seconds", nil), "ring")).Size(8, 8),
		d.Quantiles("Talk rounds percentiles",
			"Robot/callee exchanges per call (talk_round).",
			"short", roundsBuckets.name(c), nil, 0.5, 0.9, 0.99),
		dials,
	)

	d.Row("Redials")
	d.Add(
		d.RateBy("Redials by ring type",
			"Earlier dial attempts reported with each call (redail_call[]), by their ring type.",
			"cps", redialsByRingType.name(c), "ring_type").Stacked(),
		mixin.TimeSeries("Redials per call",
			"Earlier attempts per reported call: how hard numbers are to reach.",
			"short", mixin.Q(d.Rate(redialsByRingType.name(c), nil)+" / "+d.Rate(callsByAccount.name(c), nil), "redials per call")),
	)

	const answers = "airudder_infocheck_answers_total"
	d.Row("Info-check verification")
	d.Add(
		d.RateBy("Verification results by question",
			`Info-check answers per second by question and verification result (Match, NotMatch, "-" = not verified).`,
			"cps", answers, "question", "verification_result"),
		d.Ratio("Match ratio by question",
			"Share of answers per question that matched the customer data.",
			0, d.S(answers, `verification_result="Match"`), d.S(answers), "question"),
		mixin.Table("Answers by question",
			"Current answer rate per question, verification result and whether the callee answered.",
			"cps", mixin.Q(d.Rate(answers, mixin.By("question", "verification_result", "answered")), "")).
			Columns([]string{"job"}, map[string]string{"Value": "answers/s"}),
	)

	d.Row("Tasks and workflows")
	d.Add(
		d.RateBy("Task status changes",
			"Task webhooks (bodies without call details) by new status.",
			"cps", "airudder_task_status_changes_total", "status"),
		mixin.TimeSeries("Workflow notifications",
			"Workflow call-completion notifications per second.",
			"cps", mixin.Q(d.Rate("airudder_workflow_notifications_total", nil), "notifications")),
	)

	line := lineCalls.name(c)
	d.Row("By SIP line")
	d.Add(
		d.Ratio("Connect ratio by line",
			"Connect ratio per SIP line (ring_type normal among calls with a ring result). One line far below the others while they are fine means that line is the problem (alert AiRudderSIPLineConnectRatioLow).",
			0, d.S(line, sipLineVar, `ring_type="normal"`), d.S(line, sipLineVar, `ring_type!="null"`), "account", "sip_line"),
		mixin.TimeSeries("Failure ring types by line",
			"Calls per second whose ring type is a failure (not normal, not null), by SIP line and ring type: cantuse / unregister / lineswitchoff on one line point at the line or its carrier.",
			"cps", mixin.Q(d.Rate(line, mixin.By("sip_line", "ring_type"), sipLineVar, `ring_type!~"normal|null"`), "{{sip_line}} {{ring_type}}")).Stacked(),
		mixin.TimeSeries("Calls by line",
			"Calls per second by SIP line (all ring types).",
			"cps", mixin.Q(d.Rate(line, mixin.By("account", "sip_line"), sipLineVar), "{{account}} {{sip_line}}")).Size(24, 8).Stacked(),
	)

	robotTalk := make([]mixin.Target, 0, 2)
	for _, q := range []struct {
		q      float64
		legend string
	}{{0.5, "{{robot}} p50"}, {0.9, "{{robot}} p90"}} {
		robotTalk = append(robotTalk, mixin.Q(mixin.Quantile(q.q, mixin.By("robot"), d.S(robotTalkBuckets.name(c), robotVar)), q.legend))
	}
	byRobot := mixin.By("account", "robot")
	d.Row("By robot")
	d.Add(
		mixin.TimeSeries("Transfer ratio by robot",
			"Calls transferred to an agent (an EventLabel key of webhooks.transfer_event_labels) per finished call, by robot. A robot dropping against its own last week: AiRudderRobotTransferRatioDropped.",
			"percentunit", mixin.Q(d.Rate(robotTransfers.name(c), byRobot, robotVar)+" / "+d.Rate(robotCalls.name(c), byRobot, robotVar, `result="finished"`), "{{account}} {{robot}}")).
			Range(0, 1),
		mixin.TimeSeries("Results by robot",
			"Calls per second by robot and result.",
			"cps", mixin.Q(d.Rate(robotCalls.name(c), mixin.By("robot", "result"), robotVar), "{{robot}} {{result}}")).Stacked(),
		mixin.TimeSeries("Talk time by robot",
			"Median and 90th percentile talk time per robot (few buckets: 10 s … 5 min, so values are coarse).",
			"s", robotTalk...),
		mixin.TimeSeries("Average talk time by robot",
			"Mean talk time per robot (sum / count of the per-robot histogram).",
			"s", mixin.Q(mean(d, "airudder_robot_call_duration_seconds", mixin.By("robot"), robotVar), "{{robot}}")),
	)

	byCampaign := mixin.By("account", "campaign")
	campaignResults := d.Rate(campaignCalls.name(c), mixin.By("campaign", "result"), campaignVar)
	d.Row("By campaign")
	d.Add(
		mixin.TimeSeries("Calls by campaign and result",
			`Calls per second per campaign (task_name mapped by webhooks.campaigns; unmatched tasks are "other") and result.`,
			"cps", mixin.Q(campaignResults, "{{campaign}} {{result}}")).Stacked(),
		mixin.TimeSeries("Connected calls by campaign",
			"Connected calls (ring_type normal) per second per campaign. A campaign calling with none connected: AiRudderCampaignNoConnectedCalls.",
			"cps", mixin.Q(d.Rate(campaignConnected.name(c), byCampaign, campaignVar), "{{account}} {{campaign}}")),
		mixin.TimeSeries("Talk time per hour by campaign",
			"Robot talk time per hour by campaign: what the campaign costs in robot minutes (AiRudder bills by talk time; the webhooks carry no money amounts).",
			"s", mixin.Q(d.Rate(campaignTalk.name(c), byCampaign, campaignVar)+" * 3600", "{{account}} {{campaign}}")),
		mixin.TimeSeries("Results share by campaign",
			"Share of each result among the calls of a campaign.",
			"percentunit", mixin.Q(campaignResults+" / on (campaign) group_left "+d.Rate(campaignCalls.name(c), mixin.By("campaign"), campaignVar), "{{campaign}} {{result}}")).
			Range(0, 1),
	)

	d.Row("Webhook delivery")
	d.Add(
		d.Quantiles("Delivery lag",
			"Time from call_end_time (in the account's time zone) to receipt of the call webhook, per account: a vendor queueing webhooks shows here before anyone sees missing data.",
			"s", lagBuckets.name(c), mixin.By("account"), 0.5, 0.95),
		d.RateBy("Lags not observed",
			"Calls whose delivery lag was counted, not observed: negative (call_end_time after receipt: wrong clock or time zone in airudder.accounts[].timezone), absurd (over 7 days) or unparsable.",
			"cps", "airudder_webhook_delivery_lag_rejected_total", "account", "reason"),
	)
	return d
}
