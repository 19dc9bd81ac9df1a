package laafficmixin

import "airudder_exporter/mixin"

// recordedRates are the webhook counters the dashboard and the alerts
// aggregate over and over, with the labels their readers group or filter by
// (job and instance are always kept). Labels no reader needs are summed away
// (product of the costs, hanging_direction of the call-centre records):
// every label kept multiplies the series the rule adds. The per-attribute
// breakdowns (keys, SIP classes, destinations, bill periods, intents,
// terminations, recalls, ringing notifications, AI-agent charged time and
// intent codes) are each read by one panel only and stay raw: recording them
// would copy their series for that one panel.
var recordedRates = []struct {
	level, counter string
	by             []string
}{
	{"account", "laaffic_calls_total", []string{"account", "product", "type", "call_status"}},
	{"account", "laaffic_charged_duration_seconds_total", []string{"account"}},
	{"account", "laaffic_base_cost_usd_total", []string{"account"}},
	{"account", "laaffic_cost_total", []string{"account", "currency"}},
	{"account", "laaffic_settle_pay_total", []string{"account", "currency"}},
	{"account", "laaffic_ai_agent_cost_total", []string{"account", "currency"}},
	{"account", "laaffic_call_center_calls_total", []string{"account", "call_type", "hangup_reason"}},
	{"account", "laaffic_agent_ringing_unanswered_legs_total", []string{"account", "type"}},
	{"agent_group", "laaffic_call_center_agent_group_calls_total", []string{"account", "agent_group", "outcome"}},
	{"script", "laaffic_script_calls_total", []string{"account", "script", "result"}},
	{"script", "laaffic_script_cost_total", []string{"account", "script", "currency"}},
	{"script", "laaffic_script_talk_seconds_total", []string{"account", "script"}},
}

// recordedHistograms are the histograms whose quantiles the dashboard shows
// per account: their bucket rates by le (product and call_type summed away).
var recordedHistograms = []string{
	"laaffic_time_to_answer_seconds",
	"laaffic_call_duration_seconds",
	"laaffic_ring_duration_seconds",
	"laaffic_queue_delay_seconds",
	"laaffic_post_dial_delay_seconds",
	"laaffic_call_center_talk_duration_seconds",
}

// fundsRecord is balance + gift balance + credit limit of an account: what
// LAAFFIC lets it spend, read by the Funds and Hours left panels.
const fundsRecord = "account:laaffic_funds:sum"

// accountRate is the recorded per-account rate of a counter of recordedRates.
func accountRate(c *mixin.Config, counter string) string { return c.RateName("account", counter) }

// accountBuckets is the recorded per-account bucket rate of a histogram.
func accountBuckets(c *mixin.Config, histogram string) string {
	return c.RateName("account", histogram+"_bucket")
}

func recordingRules(c *mixin.Config) mixin.RuleGroup {
	g := mixin.RuleGroup{Name: "laaffic.recording"}
	for _, r := range recordedRates {
		g.Rules = append(g.Rules, c.RecordRate(r.level, r.counter, r.by...))
	}
	for _, h := range recordedHistograms {
		g.Rules = append(g.Rules, c.RecordBuckets("account", h, "account"))
	}
	g.Rules = append(g.Rules, mixin.Record(fundsRecord, mixin.Sum(mixin.By("job", "instance", "account"), fundsExpr(c))))
	return g
}

// fundsExpr is balance + gift balance + credit limit of each account. The
// exporter sends no gift or credit sample when getBalance leaves the field
// out (0 would be a value LAAFFIC did not send); such a term counts as 0
// here, so the funds and their alerts do not vanish with it.
func fundsExpr(c *mixin.Config) string {
	balance := c.Sel("laaffic_balance")
	orZero := func(name string) string { return "(" + c.Sel(name) + " or " + balance + " * 0)" }
	return balance + " + " + orZero("laaffic_gift_balance") + " + " + orZero("laaffic_credit_limit")
}
