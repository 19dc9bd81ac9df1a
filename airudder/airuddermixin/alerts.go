package airuddermixin

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"airudder_exporter/mixin"
)

// num formats a threshold as the alert's expression and text show it.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// pct formats a ratio threshold as a percentage (0.6 → "60%").
func pct(v float64) string { return num(math.Round(v*100*1e6)/1e6) + "%" }

// share says "less than <share> the ratio" in words for the usual half.
func share(v float64) string {
	if v == 0.5 {
		return "half"
	}
	return pct(v) + " of"
}

// seconds of a rule window: a recorded rate times it is the increase over
// the window, which the minimum-volume conditions count in calls.
func seconds(window string) string {
	d, err := time.ParseDuration(window)
	if err != nil {
		panic("airuddermixin: window " + window + ": " + err.Error())
	}
	return num(d.Seconds())
}

// indent puts prefix before every line of a multi-line expression but the
// first, to nest it.
func indent(expr, prefix string) string { return strings.ReplaceAll(expr, "\n", "\n"+prefix) }

// orZero is part, or 0 where whole has a series and part none (no connected
// call at all is the most important value to see): the numerator of
// mixin.RatioOr0, written over lines.
func orZero(part, whole string) string { return "(\n  " + part + "\n  or\n  " + whole + " * 0\n)" }

// rateOver is the selector of r recorded over window, of the config's job.
func rateOver(c *mixin.Config, r recorded, window string, matchers ...string) string {
	return c.Sel(r.name(over(c, window)), matchers...)
}

// apiGroup watches each account's use of the AiRudder API: the statistics
// fetches and the token logins they need.
func apiGroup(c *mixin.Config) mixin.RuleGroup {
	logins := c.Threshold("airudder_login_failures_15m_max", 2)
	return mixin.RuleGroup{Name: "airudder.api", Rules: []mixin.Rule{
		c.WhileZero("airudder_up", mixin.Alert{
			Name:        "AiRudderAccountDown",
			For:         "10m",
			Severity:    "warning",
			Summary:     "AiRudder statistics of account {{ $labels.account }} are failing",
			Description: "The last AiRudder statistics fetches of account {{ $labels.account }} on {{ $labels.instance }} have failed for 10 minutes (airudder_up = {{ $value }}); inbound figures are stale.",
		}),
		c.Alert(mixin.Alert{
			Name:        "AiRudderAPILoginFailures",
			Expr:        mixin.Sum(mixin.By("job", "instance", "account"), "increase("+c.Sel("airudder_logins_total", `outcome="failure"`)+"[15m])") + " > " + num(logins),
			Severity:    "warning",
			Summary:     "AiRudder logins of account {{ $labels.account }} are failing",
			Description: "{{ $value | humanize }} AiRudder token logins of account {{ $labels.account }} on {{ $labels.instance }} failed in the last 15 minutes (threshold: more than " + num(logins) + ").",
		}),
	}}
}

// The inbound alerts read the current hour's gauges: they react within the
// hour, and the minimum volume keeps the first minutes of an hour (a handful
// of calls) from paging.
func inboundGroup(c *mixin.Config) mixin.RuleGroup {
	successMin := c.Threshold("airudder_inbound_transfer_success_ratio_min", 0.6)
	attemptsMin := c.Threshold("airudder_inbound_transfer_attempts_min", 10)
	attemptMax := c.Threshold("airudder_inbound_transfer_attempt_ratio_max", 0.8)
	callsMin := c.Threshold("airudder_inbound_calls_min", 20)
	hour := func(gauge string) string { return c.Sel("airudder_inbound_current_hour_" + gauge) }
	return mixin.RuleGroup{Name: "airudder.inbound", Rules: []mixin.Rule{
		c.Alert(mixin.Alert{
			Name: "AiRudderInboundTransferSuccessLow",
			Expr: hour("transfer_success_ratio") + " < " + num(successMin) + `
and on (job, instance, account)
` + hour("calls") + " * " + hour("transfer_attempt_ratio") + " >= " + num(attemptsMin),
			For:         "15m",
			Severity:    "warning",
			Summary:     "Few AiRudder robot transfers reach an agent (account {{ $labels.account }})",
			Description: fmt.Sprintf("Only {{ $value | humanizePercentage }} of this hour's transfer attempts of account {{ $labels.account }} reached a human agent (threshold %s, at least %s attempts).", pct(successMin), num(attemptsMin)),
		}),
		c.Alert(mixin.Alert{
			Name: "AiRudderInboundTransferAttemptRatioHigh",
			Expr: hour("transfer_attempt_ratio") + " > " + num(attemptMax) + `
and on (job, instance, account)
` + hour("calls") + " >= " + num(callsMin),
			For:         "15m",
			Severity:    "warning",
			Summary:     "The AiRudder robot hands most calls to agents (account {{ $labels.account }})",
			Description: fmt.Sprintf("The robot of account {{ $labels.account }} tried to transfer {{ $value | humanizePercentage }} of this hour's calls to an agent (threshold %s, at least %s calls).", pct(attemptMax), num(callsMin)),
		}),
	}}
}

// unreachableRingTypes mean "this number or line cannot be reached"; busy,
// hold and normal are ordinary callee behaviour and stay out.
const unreachableRingTypes = "cantuse|lineswitchoff|outofarea|unregister|wrongnum|notmatch"

// The outbound alerts are one alert each share of an instance's calls in
// the last 15 minutes: too large a share of a kind of call, on enough calls.
// Every call has a result, so the sum over results is every call.
func outboundGroup(c *mixin.Config) mixin.RuleGroup {
	callsMin := c.Threshold("airudder_outbound_calls_min", 20)
	perInstance := func(r recorded, matchers ...string) string {
		return mixin.Sum(mixin.By("job", "instance"), rateOver(c, r, outboundWindow, matchers...))
	}
	all := perInstance(callsByResult)
	g := mixin.RuleGroup{Name: "airudder.outbound"}
	for _, a := range []struct {
		name, summary, calls string
		part                 string  // the share's calls per second
		max                  float64 // the share's threshold
	}{{
		name:    "AiRudderOutboundFailureRatioHigh",
		summary: "Many AiRudder outbound calls fail",
		calls:   "ended failed or cancelled (",
		part:    perInstance(callsByResult, `result=~"failed|cancelled"`),
		max:     c.Threshold("airudder_outbound_failure_ratio_max", 0.3),
	}, {
		name:    "AiRudderOutboundUnreachableRatioHigh",
		summary: "Most AiRudder outbound numbers are unreachable",
		calls:   "hit an unreachable ring type (wrong number, out of area, switched off ...; ",
		part:    perInstance(callsByRingType, `ring_type=~"`+unreachableRingTypes+`"`),
		max:     c.Threshold("airudder_outbound_unreachable_ratio_max", 0.5),
	}} {
		g.Rules = append(g.Rules, c.Alert(mixin.Alert{
			Name: a.name,
			Expr: a.part + "\n  / " + all + "\n> " + num(a.max) +
				"\nand on (job, instance)\n" + all + " * " + seconds(outboundWindow) + " >= " + num(callsMin),
			For:         "15m",
			Severity:    "warning",
			Summary:     a.summary,
			Description: fmt.Sprintf("{{ $value | humanizePercentage }} of the outbound calls reported to {{ $labels.instance }} in the last 15 minutes %sthreshold %s, at least %s calls).", a.calls, pct(a.max), num(callsMin)),
		}))
	}
	return g
}

// whereGroup points at the line, robot or campaign behind a problem.
func whereGroup(c *mixin.Config) mixin.RuleGroup {
	return mixin.RuleGroup{Name: "airudder.where", Rules: []mixin.Rule{
		sipLineAlert(c), robotTransferAlert(c), campaignAlert(c),
	}}
}

// sipLineAlert compares one line with the other lines of the same account
// (itself left out, so two lines suffice); the `or ... * 0` branch keeps a
// line with no connected call at all. A single line never fires (no others).
func sipLineAlert(c *mixin.Config) mixin.Rule {
	factor := c.Threshold("airudder_sip_line_connect_ratio_factor", 0.5)
	callsMin := c.Threshold("airudder_sip_line_calls_min", 20)
	line := mixin.By("job", "instance", "account", "sip_line")
	acct := mixin.By("job", "instance", "account")
	connected := rateOver(c, lineCalls, outboundWindow, `ring_type="normal"`)
	dialled := rateOver(c, lineCalls, outboundWindow, `ring_type!="null"`)
	lineDialled := mixin.Sum(line, dialled)
	lineConnected := orZero(mixin.Sum(line, connected), lineDialled)
	others := func(acctSum, lineSum string) string {
		return acctSum + "\n- on (job, instance, account) group_right ()\n" + lineSum
	}
	othersDialled := others(mixin.Sum(acct, dialled), lineDialled)
	enough := " * " + seconds(outboundWindow) + " >= " + num(callsMin)
	return c.Alert(mixin.Alert{
		Name: "AiRudderSIPLineConnectRatioLow",
		Expr: lineConnected + "\n/ " + lineDialled + "\n< " + num(factor) + " * (" +
			"\n  (\n    " + indent(others(mixin.Sum(acct, connected), lineConnected), "    ") + "\n  )" +
			"\n  / (\n    " + indent(othersDialled, "    ") + "\n  )\n)" +
			"\nand on (job, instance, account, sip_line)\n" + lineDialled + enough +
			"\nand on (job, instance, account, sip_line)\n(\n  " + indent(othersDialled, "  ") + "\n)" + enough,
		For:         "10m",
		Severity:    "warning",
		Summary:     "SIP line {{ $labels.sip_line }} connects far fewer calls than the other lines (account {{ $labels.account }})",
		Description: fmt.Sprintf("Only {{ $value | humanizePercentage }} of the calls on SIP line {{ $labels.sip_line }} of account {{ $labels.account }} connected in the last 15 minutes, less than %s the connect ratio of the account's other lines (at least %s calls on the line and %s on the others).", share(factor), num(callsMin), num(callsMin)),
	})
}

// robotTransferAlert compares a robot with its own last week: robots differ
// (a reminder robot never transfers), so a fixed threshold would be wrong
// for most.
func robotTransferAlert(c *mixin.Config) mixin.Rule {
	factor := c.Threshold("airudder_robot_transfer_ratio_factor", 0.5)
	callsMin := c.Threshold("airudder_robot_finished_calls_min", 20)
	robot := mixin.By("job", "instance", "account", "robot")
	transfersSel := rateOver(c, robotTransfers, robotWindow)
	finishedSel := rateOver(c, robotCalls, robotWindow, `result="finished"`)
	finished := mixin.Sum(robot, finishedSel)
	finishedWeekAgo := mixin.Sum(robot, finishedSel+" offset 1w")
	enough := " * " + seconds(robotWindow) + " >= " + num(callsMin)
	return c.Alert(mixin.Alert{
		Name: "AiRudderRobotTransferRatioDropped",
		Expr: orZero(mixin.Sum(robot, transfersSel), finished) + "\n/ " + finished +
			"\n< " + num(factor) + " * (" +
			"\n  " + mixin.Sum(robot, transfersSel+" offset 1w") +
			"\n  / " + finishedWeekAgo + "\n)" +
			"\nand on (job, instance, account, robot)\n" + finished + enough +
			"\nand on (job, instance, account, robot)\n" + finishedWeekAgo + enough,
		For:         "30m",
		Severity:    "warning",
		Summary:     "Robot {{ $labels.robot }} transfers far fewer calls than a week ago (account {{ $labels.account }})",
		Description: fmt.Sprintf("Robot {{ $labels.robot }} of account {{ $labels.account }} transferred {{ $value | humanizePercentage }} of its finished calls to an agent in the last hour, less than %s its ratio at the same time last week (at least %s finished calls in both hours).", share(factor), num(callsMin)),
	})
}

// campaignAlert: "calling" = dialled calls with a final result keep
// arriving; none of them connected. A missing connected series counts as
// zero.
func campaignAlert(c *mixin.Config) mixin.Rule {
	callsMin := c.Threshold("airudder_campaign_calls_min", 20)
	campaign := mixin.By("job", "instance", "account", "campaign")
	return c.Alert(mixin.Alert{
		Name: "AiRudderCampaignNoConnectedCalls",
		Expr: mixin.Sum(campaign, rateOver(c, campaignCalls, campaignWindow, `result!~"created|pending"`)) + " * " + seconds(campaignWindow) + " >= " + num(callsMin) + `
unless on (job, instance, account, campaign)
` + mixin.Sum(campaign, rateOver(c, campaignConnected, campaignWindow)) + " > 0",
		For:         "15m",
		Severity:    "warning",
		Summary:     "Campaign {{ $labels.campaign }} is calling but connects nobody (account {{ $labels.account }})",
		Description: "{{ $value | humanize }} calls of campaign {{ $labels.campaign }} (account {{ $labels.account }}) ended in the last 30 minutes and none connected (ring_type normal).",
	})
}
