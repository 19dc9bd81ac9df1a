package airuddermixin

import (
	"airudder_exporter/mixin"
)

// recorded is a counter (or a histogram's _bucket series) whose per-second
// rate a recording rule keeps by job, instance and by. The level names the
// entity of by (account, sip_line, robot, campaign); account-level rates of
// airudder_calls_total also name the outcome label they keep, since several
// of them exist side by side.
type recorded struct {
	level, counter string
	by             []string
	buckets        bool // a histogram's buckets: le is kept too
}

// The webhook families as the dashboards and alerts read them. Each keeps
// one outcome label at most: airudder_calls_total carries four, whose
// product is what makes the raw family expensive to aggregate.
var (
	callsByAccount     = recorded{level: "account", counter: "airudder_calls_total", by: []string{"account"}}
	callsByResult      = recorded{level: "account_result", counter: "airudder_calls_total", by: []string{"account", "result"}}
	callsByRingType    = recorded{level: "account_ring_type", counter: "airudder_calls_total", by: []string{"account", "ring_type"}}
	callsByResultLabel = recorded{level: "account_result_label", counter: "airudder_calls_total", by: []string{"account", "result_label"}}
	callsByHangupType  = recorded{level: "account_hangup_type", counter: "airudder_calls_total", by: []string{"account", "hangup_type"}}
	redialsByRingType  = recorded{level: "account_ring_type", counter: "airudder_call_redials_total", by: []string{"account", "ring_type"}}

	talkBuckets      = recorded{level: "account", counter: "airudder_call_duration_seconds", by: []string{"account"}, buckets: true}
	ringBuckets      = recorded{level: "account", counter: "airudder_call_ring_duration_seconds", by: []string{"account"}, buckets: true}
	roundsBuckets    = recorded{level: "account", counter: "airudder_call_talk_rounds", by: []string{"account"}, buckets: true}
	dialBuckets      = recorded{level: "account", counter: "airudder_call_dial_attempts", by: []string{"account"}, buckets: true}
	lagBuckets       = recorded{level: "account", counter: "airudder_webhook_delivery_lag_seconds", by: []string{"account"}, buckets: true}
	robotTalkBuckets = recorded{level: "robot", counter: "airudder_robot_call_duration_seconds", by: []string{"account", "robot"}, buckets: true}

	lineCalls         = recorded{level: "sip_line", counter: "airudder_sip_line_calls_total", by: []string{"account", "sip_line", "ring_type"}}
	robotCalls        = recorded{level: "robot", counter: "airudder_robot_calls_total", by: []string{"account", "robot", "result"}}
	robotTransfers    = recorded{level: "robot", counter: "airudder_robot_transfers_total", by: []string{"account", "robot"}}
	campaignCalls     = recorded{level: "campaign", counter: "airudder_campaign_calls_total", by: []string{"account", "campaign", "result"}}
	campaignConnected = recorded{level: "campaign", counter: "airudder_campaign_connected_calls_total", by: []string{"account", "campaign"}}
	campaignTalk      = recorded{level: "campaign", counter: "airudder_campaign_talk_seconds_total", by: []string{"account", "campaign"}}
)

// The alerts' windows are part of what they say ("in the last 15 minutes"),
// so their inputs are recorded at those windows, apart from the dashboards'.
const (
	outboundWindow = "15m" // outbound ratios and SIP lines
	campaignWindow = "30m"
	robotWindow    = "1h" // compared with the same hour a week ago
)

// dashboardRates are read by the dashboards (and alerts) at the config's
// rate window.
var dashboardRates = []recorded{
	callsByAccount, callsByResult, callsByRingType, callsByResultLabel, callsByHangupType, redialsByRingType,
	talkBuckets, ringBuckets, roundsBuckets, dialBuckets, lagBuckets,
	lineCalls, robotCalls, robotTransfers, robotTalkBuckets,
	campaignCalls, campaignConnected, campaignTalk,
}

// alertRates are the alerts' inputs, each at its alert's window.
var alertRates = []struct {
	recorded
	window string
}{
	{callsByResult, outboundWindow},
	{callsByRingType, outboundWindow},
	{lineCalls, outboundWindow},
	{campaignCalls, campaignWindow},
	{campaignConnected, campaignWindow},
	{robotCalls, robotWindow},
	{robotTransfers, robotWindow},
}

// over is c with recorded rates over window w instead of the config's.
func over(c *mixin.Config, w string) *mixin.Config {
	o := *c
	o.RateWindow = w
	return &o
}

func (r recorded) rule(c *mixin.Config) mixin.Rule {
	if r.buckets {
		return c.RecordBuckets(r.level, r.counter, r.by...)
	}
	return c.RecordRate(r.level, r.counter, r.by...)
}

// name is the recorded series at the config's rate window.
func (r recorded) name(c *mixin.Config) string {
	if r.buckets {
		return c.RateName(r.level, r.counter+"_bucket")
	}
	return c.RateName(r.level, r.counter)
}

// recordingGroup records every rate above: the dashboards' at the config's
// window, the alerts' at theirs (once, when a config's window is an alert's).
func recordingGroup(c *mixin.Config) mixin.RuleGroup {
	g := mixin.RuleGroup{Name: "airudder.recording"}
	for _, r := range dashboardRates {
		g.Rules = append(g.Rules, r.rule(c))
	}
	for _, a := range alertRates {
		if a.window == c.RateWindow {
			continue
		}
		g.Rules = append(g.Rules, a.rule(over(c, a.window)))
	}
	return g
}
