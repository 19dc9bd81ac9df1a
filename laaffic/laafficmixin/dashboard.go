package laafficmixin

import (
	"fmt"

	"airudder_exporter/mixin"
)

// ivrDashboard is the "LAAFFIC" dashboard. Panel ids are fixed per row
// (links with viewPanel=<id> stay valid): the rows added after the first
// ones took ids above 100 and sit above them.
func ivrDashboard(c *mixin.Config) *mixin.Dashboard {
	t := thresholdsOf(c)
	d := c.NewDashboard("laaffic-ivr.json", "laaffic-ivr", "LAAFFIC",
		"LAAFFIC from airudder_exporter: account balance (getBalance), operations (SIP trunks, agents, numbers, tasks), IVR and AI-agent call records, call-centre records and agent ringing notifications pushed to the exporter; by account and AI script.",
		"laaffic", "airudder-exporter", "ivr", "webhook", "ai-agent", "call-center")
	d.Variable("account", "Account", fmt.Sprintf("label_values(%s, account)", d.S("laaffic_calls_total")))
	d.VariableOnly("script", "AI script", fmt.Sprintf("label_values(%s, script)", d.S("laaffic_script_calls_total")))

	balanceRow(d, c, t)
	operationsRow(d, t)
	aiAgentRow(d, c)
	callCentreRow(d, c)
	scriptRow(d, c)
	callRows(d, c, t)
	return d
}

// perHour is a per-second rate (a counter's, or a recorded one) summed by
// labels, per hour.
func perHour(d *mixin.Dashboard, recorded string, by []string, matchers ...string) string {
	return d.Rate(recorded, by, matchers...) + " * 3600"
}

// perMinute is a rate of seconds (a counter's, or a recorded one) summed by
// labels, as minutes per hour.
func perMinute(d *mixin.Dashboard, recorded string, by []string) string {
	return d.Rate(recorded, by) + " * 60"
}

// currencyUnits gives the series named after a currency that currency's unit.
func currencyUnits(p *mixin.Panel) *mixin.Panel {
	return p.UnitByName("USD", "currencyUSD").UnitByName("EUR", "currencyEUR")
}

func balanceRow(d *mixin.Dashboard, c *mixin.Config, t thresholds) {
	funds := mixin.Sum(mixin.By("account"), d.S(fundsRecord))
	burn := mixin.Sum(mixin.By("account"), fmt.Sprintf("clamp_min(-deriv(%s[$__rate_interval]), 0) * 3600", d.S("laaffic_balance")))
	byAccount := mixin.By("account", "currency")
	d.NextID(100).Row("Balance")
	d.Add(
		mixin.Stat("Funds", "balance + gift + credit limit per account, in the account currency (getBalance names none). At zero LAAFFIC stops the calls.",
			"none", mixin.Q(funds, "{{account}}")).Size(6, 5),
		mixin.Stat("Burn rate per hour", "How fast the balance falls: -deriv(laaffic_balance) per hour (0 while it rises, e.g. after a top-up).",
			"none", mixin.Q(burn, "{{account}}")).Size(6, 5),
		mixin.Stat("Hours left", fmt.Sprintf("Funds / burn rate per hour: when the account runs dry at the current spend (LaafficBalanceRunsOutSoon fires under %s).", num(t.balanceHoursLeftMin)),
			"h", mixin.Q(funds+" / "+burn, "{{account}}")).Size(6, 5),
		mixin.Stat("Balance readable", "laaffic_up: 1 when the last getBalance of the account succeeded.",
			"none", mixin.Q(d.S("laaffic_up"), "{{account}}")).Size(6, 5),
		mixin.TimeSeries("Balance", "Balance, gift balance and credit limit per account over time.", "none",
			mixin.Q(d.S("laaffic_balance"), "{{account}} balance"),
			mixin.Q(d.S("laaffic_gift_balance"), "{{account}} gift"),
			mixin.Q(d.S("laaffic_credit_limit"), "{{account}} credit")).Stacked(),
		mixin.TimeSeries("Spend per hour by account and currency", "Every LAAFFIC cost per hour (line cost of IVR, AI agent and call centre, plus AI-agent fee), in the currency it is in: never summed across currencies.", "none",
			mixin.Q(perHour(d, accountRate(c, "laaffic_cost_total"), byAccount), "{{account}} line {{currency}}"),
			mixin.Q(perHour(d, accountRate(c, "laaffic_ai_agent_cost_total"), byAccount), "{{account}} AI agent {{currency}}")).Stacked(),
	)
}

// operationsRow reads the gauges polled from LAAFFIC's REST API as they are.
func operationsRow(d *mixin.Dashboard, t thresholds) {
	trunk := "(job, instance, account, trunk, direction)"
	d.NextID(122).Row("Operations")
	d.Add(
		mixin.TimeSeries("SIP trunks up", "Per SIP trunk: 1 while LAAFFIC reports its gateway up (sipTrunkState), 0 while down; disabled trunks are left out. LaafficSIPTrunkDown fires after 5 minutes down.", "none",
			mixin.Q(mixin.Agg("max", mixin.By("account", "trunk", "direction"), d.S("laaffic_sip_trunk_up")+" and on "+trunk+" "+d.S("laaffic_sip_trunk_enabled")+" == 1"),
				"{{account}} {{trunk}} ({{direction}})")).Size(16, 8),
		mixin.Stat("Enabled trunks down", "Enabled SIP trunks whose gateway LAAFFIC reports down, per account: every call through them fails.", "none",
			mixin.Q(mixin.Sum(mixin.By("account"), "(1 - "+d.S("laaffic_sip_trunk_up")+") * on "+trunk+" "+d.S("laaffic_sip_trunk_enabled")), "{{account}}")).
			Size(8, 8).NoGraph().Thresholds(mixin.Base("green"), mixin.From(1, "red")),
		mixin.BarGauge("Agents by status per group", "Agents (not deleted) of each agent group by status: offline, idle, busy, wrap_up, break, unknown. A group whose agents are all offline or on break cannot answer transfers (LaafficAgentGroupUnstaffed).", "none",
			mixin.Q("sort_desc("+mixin.Sum(mixin.By("group", "status"), d.S("laaffic_agents"))+")", "{{group}} {{status}}")).Size(12, 8),
		mixin.TimeSeries("Available agents and seats per group", "Per agent group: agents who can answer (idle, busy or in wrap-up) against the group's seats (countSeat).", "none",
			mixin.Q(mixin.Sum(mixin.By("account", "group"), d.S("laaffic_agents", `status=~"idle|busy|wrap_up"`)), "{{account}} {{group}} available"),
			mixin.Q(mixin.Sum(mixin.By("account", "group"), d.S("laaffic_agent_group_seats")), "{{account}} {{group}} seats")),
		mixin.BarGauge("Numbers by state and type", "Numbers (DIDs) of the accounts by state (in_use, expired, disabled, unknown) and type (mobile, fixed, unknown).", "none",
			mixin.Q("sort_desc("+mixin.Sum(mixin.By("state", "type"), d.S("laaffic_numbers"))+")", "{{state}} {{type}}")).Size(12, 8),
		mixin.Stat("Days to the next number expiry", fmt.Sprintf("Days until the earliest due date among numbers in use, by account and whether they renew themselves. LaafficNumberExpiringSoon fires under %s days without auto-renewal, LaafficNumberExpiredInUse below 0.", num(t.numberExpiryDays)), "d",
			mixin.Q(mixin.Agg("min", mixin.By("account", "auto_renew"), d.S("laaffic_number_next_expiry_timestamp_seconds")+" - time()")+" / 86400", "{{account}} auto_renew={{auto_renew}}")).
			Size(12, 8).NoGraph().Decimals(1).Thresholds(mixin.Base("red"), mixin.From(0, "orange"), mixin.From(t.numberExpiryDays, "green")),
		mixin.TimeSeries("Tasks by status", "Group-call (ivr, ai), AI-agent and preview tasks created in the task window (7 days by default) by kind and status. A rise of submit_failed fires LaafficTaskSubmitFailed.", "none",
			mixin.Q(mixin.Sum(mixin.By("kind", "status"), d.S("laaffic_tasks")), "{{kind}} {{status}}")).Stacked(),
		mixin.TimeSeries("Task progress", "Numbers of the active tasks (calling, paused, submitting) by kind: dialled and remaining. A flat dialled line while tasks are calling is a stalled task (LaafficTaskStalled).", "none",
			mixin.Q(mixin.Sum(mixin.By("kind", "stage"), d.S("laaffic_task_numbers", `stage=~"dialled|remaining"`)), "{{kind}} {{stage}}")),
	)
}

func aiAgentRow(d *mixin.Dashboard, c *mixin.Config) {
	d.NextID(107).Row("AI agent")
	d.Add(
		mixin.TimeSeries("AI-agent cost per hour", "aiAgentQuoteFee per hour by account and quote currency (USD when the record names none).", "none",
			mixin.Q(perHour(d, accountRate(c, "laaffic_ai_agent_cost_total"), mixin.By("account", "currency")), "{{account}} {{currency}}")).Size(8, 8).Stacked(),
		mixin.TimeSeries("AI-agent charged minutes per hour", "aiAgentChargedDuration per hour, by account.", "none",
			mixin.Q(perMinute(d, "laaffic_ai_agent_charged_duration_seconds_total", mixin.By("account")), "{{account}}")).Size(8, 8).Stacked(),
		d.RateBy("AI-agent intent codes", "AI-agent calls per second by intentCode (capped; none = no code).", "cps",
			"laaffic_ai_agent_intent_codes_total", "intent_code").Size(8, 8).Stacked(),
	)
}

func callCentreRow(d *mixin.Dashboard, c *mixin.Config) {
	center := accountRate(c, "laaffic_call_center_calls_total")
	transfers := d.S(center, `call_type="group_transfer"`)
	answered := d.S(center, `call_type="group_transfer"`, `hangup_reason="transfer_answered_hung_up"`)
	d.NextID(111).Row("Call centre and transfers")
	d.Add(
		mixin.TimeSeries("Transfer ratio", "Group-call transfers an agent answered / transfer attempts (call-centre records with call_type group_transfer), per account. LaafficTransferRatioDropping compares it with the previous day.", "percentunit",
			mixin.Q(mixin.RatioOr0(mixin.Sum(mixin.By("account"), answered), mixin.Sum(mixin.By("account"), transfers)), "{{account}}")).Stacked(),
		d.RateBy("Call-centre calls by hangup reason", "Call-centre records per second by hangupReason and call type.", "cps",
			center, "call_type", "hangup_reason").Stacked(),
		mixin.BarGauge("Agent groups", "Call-centre records per second by agent group (capped) and whether a person answered.", "cps",
			mixin.Q("sort_desc("+d.Rate(c.RateName("agent_group", "laaffic_call_center_agent_group_calls_total"), mixin.By("agent_group", "outcome"))+")", "{{agent_group}} {{outcome}}")).Size(8, 8),
		d.Quantiles("Call-centre talk time", "Median and p90 of callDuration of call-centre records with a non-zero duration.", "s",
			accountBuckets(c, "laaffic_call_center_talk_duration_seconds"), nil, 0.5, 0.9).Size(8, 8).Stacked(),
		mixin.TimeSeries("Agent ringing", "Ringing notifications per second by type, and SIP legs that rang without answer (noAnswerSipList).", "cps",
			mixin.Q(d.Rate("laaffic_agent_ringing_total", mixin.By("type")), "ringing {{type}}"),
			mixin.Q(d.Rate(accountRate(c, "laaffic_agent_ringing_unanswered_legs_total"), mixin.By("type")), "unanswered legs {{type}}")).Size(8, 8).Stacked(),
	)
}

func scriptRow(d *mixin.Dashboard, c *mixin.Config) {
	script := `script=~"$script"`
	calls := c.RateName("script", "laaffic_script_calls_total")
	d.NextID(117).Row("By account and script")
	d.Add(
		d.RateBy("Calls by account and product", "Voice records per second by account and product (ivr, ai_agent).", "cps",
			accountRate(c, "laaffic_calls_total"), "account", "product").Stacked(),
		mixin.TimeSeries("Calls by script", "Voice records per second by AI script (scriptId through webhooks.laaffic_scripts) and termination result.", "cps",
			mixin.Q(d.Rate(calls, mixin.By("script", "result"), script), "{{script}} {{result}}")).Stacked(),
		mixin.TimeSeries("Cost per hour by script", "Cost plus AI-agent fee of each script per hour, by currency.", "none",
			mixin.Q(perHour(d, c.RateName("script", "laaffic_script_cost_total"), mixin.By("script", "currency"), script), "{{script}} {{currency}}")).Stacked(),
		mixin.TimeSeries("Talk time per call by script", "Average talk seconds per call of each script.", "s",
			mixin.Q(d.Rate(c.RateName("script", "laaffic_script_talk_seconds_total"), mixin.By("script"), script)+" / "+d.Rate(calls, mixin.By("script"), script), "{{script}}")).Stacked(),
	)
}

// callRows are the voice records (IVR push and AI-agent batch push).
func callRows(d *mixin.Dashboard, c *mixin.Config, t thresholds) {
	calls := accountRate(c, "laaffic_calls_total")
	connected, withStatus := d.S(calls, `call_status="connected"`), d.S(calls, `call_status!="unknown"`)
	charged := accountRate(c, "laaffic_charged_duration_seconds_total")
	baseCost := accountRate(c, "laaffic_base_cost_usd_total")
	timeToAnswer := accountBuckets(c, "laaffic_time_to_answer_seconds")
	d.NextID(1).Row("Overview")
	d.Add(
		mixin.Stat("Records per second", "LAAFFIC voice records (IVR and AI agent) pushed per second (re-deliveries dropped).", "cps",
			mixin.Q(d.Rate(calls, nil), "records/s")),
		mixin.Stat("Connect ratio", "Connected calls among records that carry a call status (records from before 2025-12-10 have none and are left out).", "percentunit",
			mixin.Q(mixin.RatioOr0(mixin.Sum(nil, connected), mixin.Sum(nil, withStatus)), "connected")).
			Range(0, 1).Thresholds(mixin.Base("red"), mixin.From(t.connectRatioMin, "green")),
		mixin.Stat("Median time to answer", "Median answerTime - ringingTime of answered calls.", "s",
			mixin.Q(mixin.Quantile(0.5, nil, d.S(timeToAnswer)), "p50")),
		mixin.Stat("Charged minutes per hour", "Billed call time at the current rate, in minutes per hour (chargedDuration).", "short",
			mixin.Q(perMinute(d, charged, nil), "min/h")),
		mixin.Stat("Base cost per hour", "Cost at the current rate in USD (baseCost), per hour.", "currencyUSD",
			mixin.Q(perHour(d, baseCost, nil), "USD/h")),
		mixin.Stat("Base cost per charged minute", "USD base cost per charged minute.", "currencyUSD",
			mixin.Q(d.Rate(baseCost, nil)+" / ("+d.Rate(charged, nil)+" / 60)", "USD/min")),
	)
	d.Row("Calls")
	d.Add(
		d.RateBy("Calls by status", "Records per second by call status (busy, no_answer, not_connected, voicemail, connected, other; unknown = no status in the record).", "cps",
			calls, "call_status").Stacked(),
		d.RateBy("Calls by type", "Records per second by call type (group call, verification code, handset call, handset direct dial).", "cps",
			calls, "type").Stacked(),
		d.Ratio("Connect ratio by type", "Connected share per call type, among records with a status.", 0, connected, withStatus, "type"),
		mixin.TimeSeries("Terminations and recalls", "Records by termination result (terminationCode 0/200 = success) and recall records (recallByVoiceId set).", "cps",
			mixin.Q(d.Rate("laaffic_terminations_total", mixin.By("result")), "termination {{result}}"),
			mixin.Q(d.Rate("laaffic_recalls_total", nil), "recalls")),
	)
	d.Row("Timing")
	d.Add(
		d.Quantiles("Time to answer percentiles", "answerTime - ringingTime of answered calls.", "s", timeToAnswer, nil, 0.5, 0.9, 0.99),
		d.Quantiles("Call duration percentiles", "Talk time per call (callDuration).", "s", accountBuckets(c, "laaffic_call_duration_seconds"), nil, 0.5, 0.9, 0.99),
		d.Quantiles("Ring duration percentiles", "Ring time per call (ringDuration).", "s", accountBuckets(c, "laaffic_ring_duration_seconds"), nil, 0.5, 0.9, 0.99),
		mixin.TimeSeries("Queue and post-dial delay", "Median and p90 of callTime - submitTime (queue) and ringingTime - callTime (post-dial delay).", "s",
			delayQuantiles(d, c, "queue", "laaffic_queue_delay_seconds", "post-dial", "laaffic_post_dial_delay_seconds")...),
	)
	d.Row("Cost")
	d.Add(
		currencyUnits(mixin.TimeSeries("Cost per hour by currency", "Quoted cost (cost, or costEur as EUR) burnt per hour, per currency. USD and EUR series carry their currency unit.", "short",
			mixin.Q(perHour(d, accountRate(c, "laaffic_cost_total"), mixin.By("currency")), "{{currency}}"))),
		mixin.TimeSeries("Base cost per hour (USD)", "baseCost burnt per hour, always in USD: the one figure comparable across currencies.", "currencyUSD",
			mixin.Q(perHour(d, baseCost, nil), "USD/h")),
		currencyUnits(mixin.TimeSeries("Settle pay per hour by currency", "settlePay (non-USD quotes) per hour and currency.", "short",
			mixin.Q(perHour(d, accountRate(c, "laaffic_settle_pay_total"), mixin.By("currency")), "{{currency}}"))),
		mixin.TimeSeries("Charged minutes per hour", "Billed minutes per hour (chargedDuration / 60).", "short",
			mixin.Q(perMinute(d, charged, nil), "charged min/h")),
	)
	d.Row("Keypresses, SIP and destinations")
	d.Add(
		mixin.BarGauge("Keypresses by key", "DTMF keys pressed (feedbackValue; none = no key).", "cps",
			mixin.Q("sort_desc("+d.Rate("laaffic_keypresses_total", mixin.By("key"))+")", "{{key}}")),
		d.RateBy("SIP response classes", "Records per SIP response class (sipCode).", "cps", "laaffic_sip_responses_total", "class").Size(8, 9).Stacked(),
		mixin.BarGauge("Top destinations", "Top 10 destination countries (country part of code).", "cps",
			mixin.Q("topk(10, "+d.Rate("laaffic_destination_calls_total", mixin.By("country"))+")", "{{country}}")),
		mixin.BarGauge("Bill periods", "Records per billing period (first block + increment, e.g. 60+60).", "cps",
			mixin.Q("sort_desc("+d.Rate("laaffic_bill_periods_total", mixin.By("bill_period"))+")", "{{bill_period}}")).Size(12, 8),
		d.RateBy("Intents", "Records per detected callee intent (capped; none = no intent).", "cps", "laaffic_intents_total", "intent"),
	)
}

// delayQuantiles are the median and p90 of two delay histograms, each
// legend prefixed with the delay's name.
func delayQuantiles(d *mixin.Dashboard, c *mixin.Config, nameA, histA, nameB, histB string) []mixin.Target {
	var out []mixin.Target
	for _, h := range [][2]string{{nameA, histA}, {nameB, histB}} {
		for _, q := range []struct {
			v     float64
			label string
		}{{0.5, "p50"}, {0.9, "p90"}} {
			out = append(out, mixin.Q(mixin.Quantile(q.v, nil, d.S(accountBuckets(c, h[1]))), h[0]+" "+q.label))
		}
	}
	return out
}
