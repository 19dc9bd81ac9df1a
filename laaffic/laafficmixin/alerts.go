package laafficmixin

import (
	"fmt"
	"strings"
	"time"

	"airudder_exporter/mixin"
)

var (
	accountKeys  = mixin.By("job", "instance", "account")
	currencyKeys = mixin.By("job", "instance", "account", "currency")
)

// meanRate is a recorded rate averaged over rng ("[30m]", "[1d] offset
// 30m") and summed by the labels of by: the counter's rate over that range,
// read from the recorded rates rather than from every raw sample of it.
func meanRate(c *mixin.Config, by []string, recorded, rng string, matchers ...string) string {
	return mixin.Sum(by, "avg_over_time("+c.Sel(recorded, matchers...)+rng+")")
}

// meanCount is how many events a recorded rate adds up to over window
// (e.g. "15m"): its mean rate times the window's seconds, the volume an
// alert needs before it judges a ratio.
func meanCount(c *mixin.Config, recorded, window string, matchers ...string) string {
	d, err := time.ParseDuration(window)
	if err != nil {
		panic("laafficmixin: window " + window + ": " + err.Error())
	}
	return meanRate(c, accountKeys, recorded, "["+window+"]", matchers...) + " * " + num(d.Seconds())
}

// callAlerts judge the calls and their cost, from the webhook records.
func callAlerts(c *mixin.Config) mixin.RuleGroup {
	t := thresholdsOf(c)
	calls := accountRate(c, "laaffic_calls_total")
	withStatus := `call_status!="unknown"`
	// A missing "connected" series means zero connected calls, not "no
	// data": the `or ... * 0` branch keeps the worst case alerting.
	connect := fmt.Sprintf(`
		(
		  %s
		  or
		  %s * 0
		)
		  / %s
		< %s
		and on (job, instance, account)
		%s >= %s`,
		meanRate(c, accountKeys, calls, "[15m]", `call_status="connected"`),
		meanRate(c, accountKeys, calls, "[15m]"),
		meanRate(c, accountKeys, calls, "[15m]", withStatus),
		num(t.connectRatioMin),
		meanCount(c, calls, "15m", withStatus), num(t.connectRatioMinCalls))

	// One term per currency so each budget can be tuned on its own.
	var burn []string
	for _, cur := range budgetCurrencies {
		burn = append(burn, meanRate(c, currencyKeys, accountRate(c, "laaffic_cost_total"), "[30m]", `currency="`+cur+`"`)+
			" * 3600 > "+num(t.costPerHourMax[cur]))
	}

	return mixin.RuleGroup{Name: "laaffic", Rules: []mixin.Rule{
		c.Alert(mixin.Alert{
			Name:     "LaafficConnectRatioLow",
			Expr:     connect,
			For:      "15m",
			Severity: "warning",
			Summary:  "Few LAAFFIC IVR calls connect",
			Description: fmt.Sprintf("Only {{ $value | humanizePercentage }} of the LAAFFIC IVR calls reported to {{ $labels.instance }} in the last 15 minutes connected (threshold %s, at least %s calls with a status).",
				percent(t.connectRatioMin), num(t.connectRatioMinCalls)),
		}),
		c.Alert(mixin.Alert{
			Name:        "LaafficCostBurnHigh",
			Expr:        strings.Join(burn, "\nor\n"),
			For:         "15m",
			Severity:    "warning",
			Summary:     "LAAFFIC spend is high ({{ $labels.currency }})",
			Description: "LAAFFIC calls reported to {{ $labels.instance }} cost {{ $value | humanize }} {{ $labels.currency }} per hour over the last 30 minutes, above the {{ $labels.currency }} budget in the rule (see the runbook).",
		}),
	}}
}

// balanceAlerts judge the funds (getBalance, polled) and what eats them.
func balanceAlerts(c *mixin.Config) mixin.RuleGroup {
	t := thresholdsOf(c)
	// The alerts add the funds up themselves rather than read fundsRecord:
	// a recorded series of another group lags up to an evaluation behind,
	// and three gauges per account cost nothing to add.
	balance := c.Sel("laaffic_balance")
	funds := fundsExpr(c)

	// Hours left at the current burn: funds / the balance's slope over the
	// last hour (deriv: the least-squares fit predict_linear uses). A top-up
	// makes the slope positive, which silences the alert.
	runsOut := fmt.Sprintf(`
		(%[1]s) / (-deriv(%[2]s[1h]) * 3600) < %[3]s
		and on (job, instance, account) deriv(%[2]s[1h]) < 0
		and on (job, instance, account) (%[1]s) > 0`,
		funds, balance, num(t.balanceHoursLeftMin))

	// Transfer ratio = transfers an agent answered / transfer attempts, where
	// each call-centre record of call_type group_transfer is one attempt
	// (README "LAAFFIC transfer ratio"). Compared with the same account's
	// previous day; a minimum of attempts in the window.
	center := accountRate(c, "laaffic_call_center_calls_total")
	transfer, answered := `call_type="group_transfer"`, `hangup_reason="transfer_answered_hung_up"`
	transferDrop := fmt.Sprintf(`
		(
		  (
		    %[1]s
		    or
		    %[2]s * 0
		  )
		  / %[2]s
		)
		< %[3]s * (
		  %[4]s
		  / %[5]s
		)
		and on (job, instance, account)
		%[6]s >= %[7]s`,
		meanRate(c, accountKeys, center, "[30m]", transfer, answered),
		meanRate(c, accountKeys, center, "[30m]", transfer),
		num(t.transferDropFactor),
		meanRate(c, accountKeys, center, "[1d] offset 30m", transfer, answered),
		meanRate(c, accountKeys, center, "[1d] offset 30m", transfer),
		meanCount(c, center, "30m", transfer), num(t.transferMinAttempts))

	aiCost := accountRate(c, "laaffic_ai_agent_cost_total")
	lastHour := meanRate(c, currencyKeys, aiCost, "[1h]") + " * 3600"
	aiCostHigh := fmt.Sprintf(`
		%[1]s
		  > %[2]s * %[3]s * 3600
		and
		%[1]s > %[4]s`,
		lastHour, num(t.aiCostGrowthFactor), meanRate(c, currencyKeys, aiCost, "[1d] offset 1h"), num(t.aiCostPerHourMin))

	return mixin.RuleGroup{Name: "laaffic.balance", Rules: []mixin.Rule{
		c.Alert(mixin.Alert{
			Name:     "LaafficBalanceLow",
			Expr:     funds + " < " + num(t.balanceLow),
			For:      "10m",
			Severity: "warning",
			Summary:  "LAAFFIC account {{ $labels.account }} is almost out of funds",
			Description: fmt.Sprintf("LAAFFIC account {{ $labels.account }} has {{ $value | humanize }} left (balance + gift + credit, in the account's currency; threshold %s). When it reaches zero LAAFFIC stops the calls.",
				num(t.balanceLow)),
		}),
		c.Alert(mixin.Alert{
			Name:     "LaafficBalanceRunsOutSoon",
			Expr:     runsOut,
			For:      "15m",
			Severity: "critical",
			Summary:  fmt.Sprintf("LAAFFIC account {{ $labels.account }} runs out of funds within %s hours", num(t.balanceHoursLeftMin)),
			Description: fmt.Sprintf("At the spend of the last hour, LAAFFIC account {{ $labels.account }} runs out of funds in {{ $value | humanize }} hours (threshold %s); then LAAFFIC stops the calls. Top it up.",
				num(t.balanceHoursLeftMin)),
		}),
		c.WhileZero("laaffic_up", mixin.Alert{
			Name:        "LaafficAccountDown",
			For:         "10m",
			Severity:    "warning",
			Summary:     "LAAFFIC balance of account {{ $labels.account }} cannot be read",
			Description: "The LAAFFIC getBalance requests of account {{ $labels.account }} on {{ $labels.instance }} have failed for 10 minutes (laaffic_up = {{ $value }}); the balance alerts are blind. See laaffic_scrape_errors_total for the reason.",
		}),
		c.Alert(mixin.Alert{
			Name:     "LaafficTransferRatioDropping",
			Expr:     transferDrop,
			For:      "15m",
			Severity: "warning",
			Summary:  "LAAFFIC transfers to agents are answered less (account {{ $labels.account }})",
			Description: fmt.Sprintf("Only {{ $value | humanizePercentage }} of the group-call transfers of LAAFFIC account {{ $labels.account }} were answered by an agent in the last 30 minutes, under %s of its ratio over the previous day (at least %s attempts).",
				percent(t.transferDropFactor), num(t.transferMinAttempts)),
		}),
		c.Alert(mixin.Alert{
			Name:     "LaafficAIAgentCostHigh",
			Expr:     aiCostHigh,
			For:      "30m",
			Severity: "warning",
			Summary:  "LAAFFIC AI-agent spend far above usual (account {{ $labels.account }}, {{ $labels.currency }})",
			Description: fmt.Sprintf("The AI agent of LAAFFIC account {{ $labels.account }} cost {{ $value | humanize }} {{ $labels.currency }} in the last hour, more than %s times its hourly average of the previous day.",
				num(t.aiCostGrowthFactor)),
		}),
	}}
}

// operationsAlerts judge LAAFFIC operations, read from its REST API per
// account: SIP trunks, agents and agent groups, numbers (DIDs) and group-call
// tasks. They say why calls fail or stop before the call counters show it.
func operationsAlerts(c *mixin.Config) mixin.RuleGroup {
	t := thresholdsOf(c)
	// A disabled trunk carries no calls, so its state does not matter.
	trunkDown := c.Sel("laaffic_sip_trunk_up") + " == 0\nand on (job, instance, account, trunk, direction)\n" +
		c.Sel("laaffic_sip_trunk_enabled") + " == 1"

	// Unanswered volume: per group from the call-centre records
	// (agent_group = the group's name); the ringing notifications carry no
	// group, so their unanswered legs count for every group of the account.
	// "Nobody there": every agent of the group offline or on break (every
	// status has a series per group, 0 when none, so the sum exists).
	seats := c.Sel("laaffic_agent_group_seats")
	unstaffed := fmt.Sprintf(`
		(
		  sum by (job, instance, account, group) (
		    label_replace(avg_over_time(%[1]s[15m]), "group", "$1", "agent_group", "(.+)")
		  ) * 900 >= %[2]s
		  or
		  %[3]s * 0
		    + on (job, instance, account) group_left
		  %[4]s >= %[2]s
		)
		and on (job, instance, account, group)
		%[3]s > 0
		and on (job, instance, account, group)
		sum by (job, instance, account, group) (%[5]s) == 0`,
		c.Sel(c.RateName("agent_group", "laaffic_call_center_agent_group_calls_total"), `outcome="not_answered"`),
		num(t.unansweredMin), seats,
		meanCount(c, accountRate(c, "laaffic_agent_ringing_unanswered_legs_total"), "15m"),
		c.Sel("laaffic_agents", `status!~"offline|break"`))

	// The gauge is the end of the earliest due date among numbers in use;
	// a number that renews itself is left to LaafficNumberExpiredInUse. One
	// whose renewal LAAFFIC does not state (auto_renew="unknown") is
	// treated as one that does not renew: a warning too many rather than
	// an expiry unannounced.
	noRenew := c.Sel("laaffic_number_next_expiry_timestamp_seconds", `auto_renew!="true"`)
	expiring := fmt.Sprintf("%[1]s - time() < %[2]s * 86400\nand\n%[1]s - time() > 0", noRenew, num(t.numberExpiryDays))

	// laaffic_task_numbers sums the active tasks of a kind. No change of
	// `dialled` over 10m, held for 5m: 15 minutes without one dialled
	// number while a task calls and numbers remain. The offset term needs
	// that much history, so a restarted exporter does not fire at once.
	dialled := c.Sel("laaffic_task_numbers", `stage="dialled"`)
	stalled := fmt.Sprintf(`
		%s > 0
		and on (job, instance, account, kind)
		changes(%[2]s[10m]) == 0
		and on (job, instance, account, kind)
		%[2]s offset 10m
		and on (job, instance, account, kind)
		%[3]s > 0`,
		c.Sel("laaffic_task_numbers", `stage="remaining"`), dialled, c.Sel("laaffic_tasks", `status="calling"`))

	// laaffic_tasks counts the tasks created in the task window (7 days by
	// default), so a failure stays in the count for days: the rise over
	// the last hour is what is new.
	failed := c.Sel("laaffic_tasks", `status="submit_failed"`)

	return mixin.RuleGroup{Name: "laaffic.operations", Rules: []mixin.Rule{
		c.Alert(mixin.Alert{
			Name:        "LaafficSIPTrunkDown",
			Expr:        trunkDown,
			For:         "5m",
			Severity:    "critical",
			Summary:     "LAAFFIC SIP trunk {{ $labels.trunk }} ({{ $labels.direction }}) is down (account {{ $labels.account }})",
			Description: "The enabled {{ $labels.direction }} SIP trunk {{ $labels.trunk }} of LAAFFIC account {{ $labels.account }} has reported its gateway down for 5 minutes (laaffic_sip_trunk_up = {{ $value }}); every call through it fails.",
		}),
		c.Alert(mixin.Alert{
			Name:     "LaafficAgentGroupUnstaffed",
			Expr:     unstaffed,
			For:      "10m",
			Severity: "warning",
			Summary:  "No LAAFFIC agent of group {{ $labels.group }} can answer (account {{ $labels.account }})",
			Description: fmt.Sprintf("Every agent of group {{ $labels.group }} (LAAFFIC account {{ $labels.account }}) is offline or on break while {{ $value | humanize }} transfers or ringing legs went unanswered in the last 15 minutes (at least %s).",
				num(t.unansweredMin)),
		}),
		c.Alert(mixin.Alert{
			Name:     "LaafficNumberExpiringSoon",
			Expr:     expiring,
			For:      "30m",
			Severity: "warning",
			Summary:  fmt.Sprintf("A LAAFFIC number of account {{ $labels.account }} expires within %s days without auto-renewal", num(t.numberExpiryDays)),
			Description: fmt.Sprintf("A number in use by LAAFFIC account {{ $labels.account }} expires in {{ $value | humanizeDuration }} and does not renew itself (auto_renew {{ $labels.auto_renew }}; threshold %s days); then inbound calls to it fail and outbound calls lose it as caller id.",
				num(t.numberExpiryDays)),
		}),
		// Past its due date and still in use: renewal did not happen (also
		// for auto-renewing numbers, e.g. when the funds ran out).
		c.Alert(mixin.Alert{
			Name:        "LaafficNumberExpiredInUse",
			Expr:        "time() - " + c.Sel("laaffic_number_next_expiry_timestamp_seconds") + " > 0",
			For:         "15m",
			Severity:    "critical",
			Summary:     "A LAAFFIC number of account {{ $labels.account }} is past its due date and still in use",
			Description: "A number in use by LAAFFIC account {{ $labels.account }} (auto_renew {{ $labels.auto_renew }}) passed its due date {{ $value | humanizeDuration }} ago; calls to and from it fail until it is renewed.",
		}),
		c.Alert(mixin.Alert{
			Name:        "LaafficTaskStalled",
			Expr:        stalled,
			For:         "5m",
			Severity:    "warning",
			Summary:     "LAAFFIC {{ $labels.kind }} tasks of account {{ $labels.account }} stopped dialling",
			Description: "LAAFFIC account {{ $labels.account }} has {{ $labels.kind }} tasks calling, but none dialled a number in the last 15 minutes; {{ $value | humanize }} numbers remain.",
		}),
		c.Alert(mixin.Alert{
			Name:        "LaafficTaskSubmitFailed",
			Expr:        failed + " - min_over_time(" + failed + "[1h]) > 0",
			For:         "5m",
			Severity:    "warning",
			Summary:     "LAAFFIC {{ $labels.kind }} tasks of account {{ $labels.account }} failed to submit",
			Description: "{{ $value | humanize }} new {{ $labels.kind }} tasks of LAAFFIC account {{ $labels.account }} failed to submit in the last hour; their numbers are not called.",
		}),
	}}
}
