package airuddermixin

import (
	"airudder_exporter/mixin"
)

// inboundStat is a gauge of the statistics poller as one series per
// account: exporter instances that poll the same account serve the same
// figure, and max shows it once where a sum would count it per instance.
func inboundStat(d *mixin.Dashboard, metric string, by ...string) string {
	return mixin.Agg("max", append([]string{"account"}, by...), d.S(metric))
}

// gauge is a gauge of the statistics poller and what a legend calls it
// after the account.
type gauge struct{ metric, legend string }

// inboundSeries is one query per gauge.
func inboundSeries(d *mixin.Dashboard, gauges []gauge) []mixin.Target {
	targets := make([]mixin.Target, 0, len(gauges))
	for _, g := range gauges {
		targets = append(targets, mixin.Q(inboundStat(d, g.metric), "{{account}} "+g.legend))
	}
	return targets
}

// inboundTop is a bar per label value of a distribution gauge, largest first.
func inboundTop(d *mixin.Dashboard, title, description, metric, label string) *mixin.Panel {
	return mixin.BarGauge(title, description, "short",
		mixin.Q("sort_desc("+inboundStat(d, metric, label)+")", "{{account}} {{"+label+"}}"))
}

// inboundByLabel is a time series of a gauge per account and label value.
func inboundByLabel(d *mixin.Dashboard, title, description, unit, metric, label string) *mixin.Panel {
	return mixin.TimeSeries(title, description, unit, mixin.Q(inboundStat(d, metric, label), "{{account}} {{"+label+"}}"))
}

// inboundGauge is one value per account (stat panels and single-series time
// series).
func inboundGauge(d *mixin.Dashboard, metric string) mixin.Target {
	return mixin.Q(inboundStat(d, metric), "{{account}}")
}

// inboundDashboard shows the statistics the poller reads from AiRudder's
// dashboard API: gauges per account, read as they are scraped (each is
// already the account's figure; there is nothing to aggregate ahead).
func inboundDashboard(c *mixin.Config) *mixin.Dashboard {
	d := c.NewDashboard("airudder-inbound.json", "airudder-inbound", "AiRudder / Inbound robot",
		"AiRudder inbound robot statistics per account, scraped from the dashboard statistics API by airudder_exporter.",
		"airudder", "airudder-exporter", "inbound")
	d.Variable("account", "Account", `label_values(airudder_up{job=~"$job", instance=~"$instance"}, account)`)

	ratio := func(p *mixin.Panel) *mixin.Panel { return p.Range(0, 1) }

	d.Row("Overview")
	d.Add(
		mixin.Stat("Statistics up",
			"1 when the last AiRudder statistics fetch of the account succeeded (airudder_up). DOWN means every number below is stale: see the Exporter health dashboard.",
			"short", inboundGauge(d, "airudder_up")).
			Thresholds(mixin.Base("red"), mixin.From(1, "green")).
			ValueTexts(mixin.ValueText{Value: "0", Text: "DOWN", Color: "red"}, mixin.ValueText{Value: "1", Text: "UP", Color: "green"}),
		mixin.Stat("Calls in window",
			"Inbound calls in the statistics window (today so far by default, in the account's time zone): realtime.total.total_calls.",
			"short", inboundGauge(d, "airudder_inbound_calls")),
		mixin.Stat("Valid calls",
			"Valid inbound calls in the statistics window (valid_calls).",
			"short", inboundGauge(d, "airudder_inbound_valid_calls")),
		ratio(mixin.Stat("Transfer attempt ratio",
			"Share of calls where the robot tried to hand over to a human agent (attempted_transfer_rate). High values mean the robot resolves little on its own.",
			"percentunit", inboundGauge(d, "airudder_inbound_transfer_attempt_ratio"))).
			Thresholds(mixin.Base("green"), mixin.From(0.8, "red")),
		ratio(mixin.Stat("Transfer success ratio",
			"Share of transfer attempts that reached an agent (transfer_success_rate). Low values mean callers asking for a human are dropped.",
			"percentunit", inboundGauge(d, "airudder_inbound_transfer_success_ratio"))).
			Thresholds(mixin.Base("red"), mixin.From(0.6, "green")),
		ratio(mixin.Stat("Agent reception ratio",
			"Share of calls an agent received (agent_reception_rate).",
			"percentunit", inboundGauge(d, "airudder_inbound_agent_reception_ratio"))),
	)

	d.Row("Calls and transfers")
	d.Add(
		mixin.TimeSeries("Calls and transfers in the window",
			"Cumulative counts of the statistics window: calls, valid calls, transfer attempts and successful transfers. They restart at local midnight.",
			"short", inboundSeries(d, []gauge{
				{"airudder_inbound_calls", "calls"}, {"airudder_inbound_valid_calls", "valid"},
				{"airudder_inbound_transfer_attempt_calls", "transfer attempts"}, {"airudder_inbound_transfer_success_calls", "transfers to agent"}})...),
		ratio(mixin.TimeSeries("Transfer and reception ratios (window)",
			"Transfer attempt, transfer success and agent reception ratios over the statistics window, as AiRudder computes them.",
			"percentunit", inboundSeries(d, []gauge{
				{"airudder_inbound_transfer_attempt_ratio", "attempt"}, {"airudder_inbound_transfer_success_ratio", "success"},
				{"airudder_inbound_agent_reception_ratio", "agent reception"}})...)),
		mixin.TimeSeries("Today and current hour calls",
			"Calls and valid calls of today (newest daily entry) and of the current hour (newest hourly entry).",
			"short", inboundSeries(d, []gauge{
				{"airudder_inbound_today_calls", "today"}, {"airudder_inbound_today_valid_calls", "today valid"},
				{"airudder_inbound_current_hour_calls", "this hour"}, {"airudder_inbound_current_hour_valid_calls", "this hour valid"}})...),
		ratio(mixin.TimeSeries("Today and current hour transfer ratios",
			"Transfer attempt and success ratios of today and of the current hour, and the current hour's agent reception ratio. The current hour reacts fastest; it is also what the transfer alerts use.",
			"percentunit", inboundSeries(d, []gauge{
				{"airudder_inbound_today_transfer_attempt_ratio", "today attempt"}, {"airudder_inbound_today_transfer_success_ratio", "today success"},
				{"airudder_inbound_current_hour_transfer_attempt_ratio", "hour attempt"}, {"airudder_inbound_current_hour_transfer_success_ratio", "hour success"},
				{"airudder_inbound_current_hour_agent_reception_ratio", "hour agent reception"}})...)),
	)

	d.Row("Durations")
	d.Add(
		inboundByLabel(d, "Average call duration by party (window)",
			"Average time callers spend with the agent, the robot and in total (avg_agent_duration, avg_robot_duration, avg_total_duration).",
			"s", "airudder_inbound_average_call_duration_seconds", "party"),
		inboundByLabel(d, "Average call duration by party (current hour)",
			"The same averages for the newest hourly entry.",
			"s", "airudder_inbound_current_hour_average_call_duration_seconds", "party"),
	)

	d.Row("Resolution and satisfaction")
	d.Add(
		ratio(mixin.TimeSeries("One-call resolution",
			"Share of problems solved in a single call: realtime window (one_call_problem_solve_rate) and today's offline figure.",
			"percentunit", inboundSeries(d, []gauge{
				{"airudder_inbound_one_call_resolution_ratio", "window"}, {"airudder_inbound_today_offline_one_call_resolution_ratio", "today (offline)"}})...)).Size(8, 8),
		ratio(mixin.TimeSeries("Robot evaluation and satisfaction",
			"Evaluation ratio = share of calls whose caller voted; satisfied ratio = share of votes that were satisfied. Window and today.",
			"percentunit", inboundSeries(d, []gauge{
				{"airudder_inbound_robot_evaluation_ratio", "voted (window)"}, {"airudder_inbound_robot_satisfied_ratio", "satisfied (window)"},
				{"airudder_inbound_today_robot_evaluation_ratio", "voted (today)"}, {"airudder_inbound_today_robot_satisfied_ratio", "satisfied (today)"}})...)).Size(8, 8),
		mixin.Stat("Average robot score",
			"Average caller score of the robot, 1 (worst) to 5 (best) (avg_robot_score).",
			"short", inboundGauge(d, "airudder_inbound_robot_score_average")).
			Size(4, 8).Range(1, 5).Thresholds(mixin.Base("red"), mixin.From(3, "green")),
		mixin.Stat("Average robot talk rounds",
			"Average number of robot/caller exchanges per call (average_robot_talk_round).",
			"short", inboundGauge(d, "airudder_inbound_robot_talk_rounds_average")).Size(4, 8),
		mixin.BarGauge("Today's satisfaction votes by score",
			"Votes per score (1-5) cast today (satisfied_distribution of the newest daily entry).",
			"short", mixin.Q(inboundStat(d, "airudder_inbound_today_satisfaction_votes", "score"), "{{account}} score {{score}}")).
			Size(12, 8),
		ratio(mixin.TimeSeries("Duplicate call ratio",
			"Share of calls from callers who already called in the window (duplicate_call_rate): repeated calls often mean the first one did not help.",
			"percentunit", inboundGauge(d, "airudder_inbound_duplicate_call_ratio"))),
	)

	d.Row("Stories, intentions and hang-ups")
	d.Add(
		inboundTop(d, "Calls by story",
			`Calls per robot story in the window (story_distribution). Stories beyond max_label_values fold into "other".`,
			"airudder_inbound_story_calls", "story"),
		inboundTop(d, "Calls by intention",
			"Calls per caller intention in the window (intention_distribution).",
			"airudder_inbound_intention_calls", "intention"),
		inboundByLabel(d, "Today's hang-ups by type",
			"Who ended today's calls: agent, robot or caller (hangup_type_distribution).",
			"short", "airudder_inbound_today_hangup_calls", "hangup_type").Size(8, 9),
	)

	d.Row("Users")
	d.Add(
		inboundByLabel(d, "Users by kind (window)",
			"Distinct callers in the window: all, valid, new and returning (call_users, valid_users, new_users, old_users).",
			"short", "airudder_inbound_users", "kind"),
		inboundByLabel(d, "Today's users by kind (offline)",
			"Today's offline user distribution.",
			"short", "airudder_inbound_today_offline_users", "kind"),
	)

	d.Row("Offline: transfer reasons, tickets, concurrency")
	d.Add(
		inboundTop(d, "Offline transfer reasons",
			"Why calls were transferred, over the window (offline transfer_reason_distribution).",
			"airudder_inbound_transfer_reason_calls", "reason"),
		inboundTop(d, "Today's tickets by type",
			"Tickets created today per ticket type (ticket_distribution).",
			"airudder_inbound_today_tickets", "ticket_type"),
		mixin.Stat("Tickets (window)",
			"Tickets created in the window (offline ticket_count).",
			"short", inboundGauge(d, "airudder_inbound_tickets")).Size(4, 9),
		mixin.Stat("Today's max concurrency",
			"Highest number of simultaneous calls today (max_concurrent_call_count): compare with the line/agent capacity.",
			"short", inboundGauge(d, "airudder_inbound_today_max_concurrent_calls")).Size(4, 9),
		mixin.TimeSeries("Max concurrent calls today",
			"Today's peak concurrency as it evolves.",
			"short", inboundGauge(d, "airudder_inbound_today_max_concurrent_calls")),
		mixin.TimeSeries("Fake receipts",
			"Fake receipts in the window (total, deduplicated, daily deduplicated) and today.",
			"short",
			mixin.Q(inboundStat(d, "airudder_inbound_fake_receipts", "kind"), "{{account}} window {{kind}}"),
			mixin.Q(inboundStat(d, "airudder_inbound_today_fake_receipts", "kind"), "{{account}} today {{kind}}")),
	)

	d.Row("Collection")
	d.Add(
		mixin.TimeSeries("Statistics age",
			"Age of the statistics served on /metrics. It stays below min_interval while fetches succeed and grows when they fail.",
			"s", inboundGauge(d, "airudder_statistics_age_seconds")).Size(8, 8),
		mixin.TimeSeries("Collection duration",
			"Time the last collection of the account took (served from cache: near zero).",
			"s", inboundGauge(d, "airudder_scrape_collector_duration_seconds")).Size(8, 8),
		d.RateBy("Statistics fetches",
			"Upstream fetches versus scrapes served from the cache or an in-flight fetch.",
			"cps", "airudder_statistics_fetches_total", "account", "result").Size(8, 8),
	)
	return d
}
