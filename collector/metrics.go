package collector

import "github.com/prometheus/client_golang/prometheus"

// Descriptors of everything the per-scrape collector emits. They are
// package-level so Describe and Collect always agree.

const namespace = "airudder"

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(namespace+"_"+name, help, append([]string{"account"}, labels...), nil)
}

// Metric names used as the `metric` label of the folded-values counter.
const (
	storyMetric     = "airudder_inbound_story_calls"
	intentionMetric = "airudder_inbound_intention_calls"
	reasonMetric    = "airudder_inbound_transfer_reason_calls"
	ticketMetric    = "airudder_inbound_today_tickets"
)

var (
	upDesc = desc("up", "1 if the last AiRudder inbound statistics fetch of the account succeeded, else 0.")

	// Window totals (data.realtime.total).
	callsDesc              = desc("inbound_calls", "Inbound calls in the statistics window (realtime.total.total_calls).")
	validCallsDesc         = desc("inbound_valid_calls", "Valid inbound calls in the statistics window (valid_calls).")
	transferAttemptDesc    = desc("inbound_transfer_attempt_calls", "Calls in the window where the robot tried to transfer to an agent (attempted_transfer_calls).")
	transferSuccessDesc    = desc("inbound_transfer_success_calls", "Transfers in the window that reached an agent (transfer_success_calls).")
	transferAttemptRatio   = desc("inbound_transfer_attempt_ratio", "Share of calls in the window with a transfer attempt, 0..1 (attempted_transfer_rate).")
	transferSuccessRatio   = desc("inbound_transfer_success_ratio", "Share of transfer attempts in the window that succeeded, 0..1 (transfer_success_rate).")
	agentReceptionRatio    = desc("inbound_agent_reception_ratio", "Agent reception rate in the window, 0..1 (agent_reception_rate).")
	avgDurationDesc        = desc("inbound_average_call_duration_seconds", "Average call duration in the window by party (avg_agent_duration, avg_robot_duration, avg_total_duration).", "party")
	talkRoundsDesc         = desc("inbound_robot_talk_rounds_average", "Average number of robot talk rounds per call in the window (average_robot_talk_round).")
	robotScoreDesc         = desc("inbound_robot_score_average", "Average robot satisfaction score in the window, 1..5 (avg_robot_score).")
	oneCallResolutionDesc  = desc("inbound_one_call_resolution_ratio", "Share of problems solved in one call in the window, 0..1 (one_call_problem_solve_rate).")
	robotEvaluationDesc    = desc("inbound_robot_evaluation_ratio", "Share of calls in the window whose caller voted on the robot, 0..1 (robot_evaluation_rate).")
	robotSatisfiedDesc     = desc("inbound_robot_satisfied_ratio", "Share of votes in the window that were satisfied, 0..1 (robot_satisfied_rate).")
	duplicateCallRatioDesc = desc("inbound_duplicate_call_ratio", "Share of calls in the window from callers who called before, 0..1 (duplicate_call_rate).")
	usersDesc              = desc("inbound_users", "Distinct callers in the window by kind (call_users, valid_users, new_users, old_users).", "kind")
	storyCallsDesc         = desc("inbound_story_calls", "Calls in the window by robot story (story_distribution; rare stories fold into \"other\").", "story")
	intentionCallsDesc     = desc("inbound_intention_calls", "Calls in the window by intention label (intention_distribution; capped, rest in \"other\").", "intention")

	// Today (newest daily entry).
	todayCallsDesc           = desc("inbound_today_calls", "Inbound calls on the newest day of the daily list (total_calls).")
	todayValidCallsDesc      = desc("inbound_today_valid_calls", "Valid inbound calls on the newest day of the daily list (valid_calls).")
	todayTransferAttemptDesc = desc("inbound_today_transfer_attempt_ratio", "Transfer attempt rate on the newest day, 0..1 (attempted_transfer_rate).")
	todayTransferSuccessDesc = desc("inbound_today_transfer_success_ratio", "Transfer success rate on the newest day, 0..1 (transfer_success_rate).")
	todayHangupDesc          = desc("inbound_today_hangup_calls", "Calls on the newest day by who hung up (hangup_type_distribution).", "hangup_type")
	todayVotesDesc           = desc("inbound_today_satisfaction_votes", "Satisfaction votes on the newest day by score 1..5 (satisfied_distribution).", "score")
	todayEvaluationDesc      = desc("inbound_today_robot_evaluation_ratio", "Share of calls on the newest day whose caller voted, 0..1 (satisfied_distribution.robot_evaluation_rate).")
	todaySatisfiedDesc       = desc("inbound_today_robot_satisfied_ratio", "Share of satisfied votes on the newest day, 0..1 (satisfied_distribution.robot_satisfied_rate).")
	todayTimestampDesc       = desc("inbound_today_timestamp_seconds", "Start (unix seconds, account time zone) of the day the airudder_inbound_today_* values belong to.")

	// Current hour (newest hourly entry).
	hourCallsDesc           = desc("inbound_current_hour_calls", "Inbound calls in the newest hour of the hourly list (total_calls).")
	hourValidCallsDesc      = desc("inbound_current_hour_valid_calls", "Valid inbound calls in the newest hour (valid_calls).")
	hourTransferAttemptDesc = desc("inbound_current_hour_transfer_attempt_ratio", "Transfer attempt rate in the newest hour, 0..1 (attempted_transfer_rate).")
	hourTransferSuccessDesc = desc("inbound_current_hour_transfer_success_ratio", "Transfer success rate in the newest hour, 0..1 (transfer_success_rate).")
	hourAgentReceptionDesc  = desc("inbound_current_hour_agent_reception_ratio", "Agent reception rate in the newest hour, 0..1 (agent_reception_rate).")
	hourAvgDurationDesc     = desc("inbound_current_hour_average_call_duration_seconds", "Average call duration in the newest hour by party (avg_*_duration).", "party")
	hourTimestampDesc       = desc("inbound_current_hour_timestamp_seconds", "Start (unix seconds, account time zone) of the hour the airudder_inbound_current_hour_* values belong to.")

	// Offline statistics.
	transferReasonDesc    = desc("inbound_transfer_reason_calls", "Transfers in the window by reason (offline.total.transfer_reason_distribution; capped, rest in \"other\").", "reason")
	fakeReceiptsDesc      = desc("inbound_fake_receipts", "Fake receipts in the window by kind (offline.total.*fake_receipts_count).", "kind")
	ticketsDesc           = desc("inbound_tickets", "Tickets in the window (offline.total.ticket_count).")
	todayMaxConcDesc      = desc("inbound_today_max_concurrent_calls", "Peak concurrent calls on the newest day (offline.daily.max_concurrent_call_count).")
	todayOfflineOCRDesc   = desc("inbound_today_offline_one_call_resolution_ratio", "One-call resolution rate on the newest day, 0..1 (offline.daily.one_call_problem_solve_rate).")
	todayTicketsDesc      = desc("inbound_today_tickets", "Tickets on the newest day by ticket type (offline.daily.ticket_distribution; capped, rest in \"other\").", "ticket_type")
	todayOfflineUsersDesc = desc("inbound_today_offline_users", "Distinct callers on the newest day by kind (offline.daily.user_distribution).", "kind")
	todayFakeReceiptsDesc = desc("inbound_today_fake_receipts", "Fake receipts on the newest day by kind (offline.daily.fake_receipts_distribution).", "kind")

	// Per-scrape self-metrics.
	durationDesc    = desc("scrape_collector_duration_seconds", "Time this scrape spent collecting the account (waiting for cache, fetch or deadline).")
	successDesc     = desc("scrape_collector_success", "1 if the account's statistics were collected in this scrape, else 0 (same as airudder_up).")
	lastSuccessDesc = desc("last_success_timestamp_seconds", "Unix time of the account's last successful statistics fetch.")
	ageDesc         = desc("statistics_age_seconds", "Age of the statistics served in this scrape (they are cached for min_interval).")
)

// allDescs is what Describe sends.
var allDescs = []*prometheus.Desc{
	upDesc, callsDesc, validCallsDesc, transferAttemptDesc, transferSuccessDesc, transferAttemptRatio,
	transferSuccessRatio, agentReceptionRatio, avgDurationDesc, talkRoundsDesc, robotScoreDesc,
	oneCallResolutionDesc, robotEvaluationDesc, robotSatisfiedDesc, duplicateCallRatioDesc, usersDesc,
	storyCallsDesc, intentionCallsDesc, todayCallsDesc, todayValidCallsDesc, todayTransferAttemptDesc,
	todayTransferSuccessDesc, todayHangupDesc, todayVotesDesc, todayEvaluationDesc, todaySatisfiedDesc,
	todayTimestampDesc, hourCallsDesc, hourValidCallsDesc, hourTransferAttemptDesc, hourTransferSuccessDesc,
	hourAgentReceptionDesc, hourAvgDurationDesc, hourTimestampDesc, transferReasonDesc, fakeReceiptsDesc,
	ticketsDesc, todayMaxConcDesc, todayOfflineOCRDesc, todayTicketsDesc, todayOfflineUsersDesc,
	todayFakeReceiptsDesc, durationDesc, successDesc, lastSuccessDesc, ageDesc,
}

// Bounded label values of the self-metric counters.
const (
	endpointAuth       = "auth"
	endpointStatistics = "statistics"

	outcomeSuccess      = "success"
	outcomeUnauthorized = "unauthorized"
	outcomeHTTPError    = "http_error"
	outcomeAPIError     = "api_error"
	outcomeTimeout      = "timeout"
	outcomeNetworkError = "network_error"
	outcomeBadResponse  = "bad_response"

	reasonLogin        = "login"
	reasonUnauthorized = "unauthorized"
	reasonTimeout      = "timeout"
	reasonNetwork      = "network"
	reasonHTTPStatus   = "http_status"
	reasonAPICode      = "api_code"
	reasonDecode       = "decode"
	reasonMissingData  = "missing_data"
	reasonOutOfRange   = "out_of_range"
)

var (
	allOutcomes = []string{outcomeSuccess, outcomeUnauthorized, outcomeHTTPError, outcomeAPIError, outcomeTimeout, outcomeNetworkError, outcomeBadResponse}
	allReasons  = []string{reasonLogin, reasonUnauthorized, reasonTimeout, reasonNetwork, reasonHTTPStatus, reasonAPICode, reasonDecode, reasonMissingData, reasonOutOfRange}
	foldMetrics = []string{storyMetric, intentionMetric, reasonMetric, ticketMetric}
)

// selfMetrics are the persistent counters, registered once.
type selfMetrics struct {
	apiRequests *prometheus.CounterVec
	logins      *prometheus.CounterVec
	errors      *prometheus.CounterVec
	fetches     *prometheus.CounterVec
	folded      *prometheus.CounterVec
}

func newSelfMetrics(reg prometheus.Registerer) *selfMetrics {
	m := &selfMetrics{
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_api_requests_total",
			Help: "Requests sent to the AiRudder API by endpoint and outcome.",
		}, []string{"account", "endpoint", "outcome"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_logins_total",
			Help: "Token logins to the AiRudder API by outcome.",
		}, []string{"account", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_scrape_errors_total",
			Help: "Failed or partial statistics fetches (and scrapes that gave up waiting) by reason.",
		}, []string{"account", "reason"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_statistics_fetches_total",
			Help: "Scrapes by how their statistics were obtained: fetched upstream, or shared from cache or an in-flight fetch.",
		}, []string{"account", "result"}),
		folded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_inbound_label_values_folded_total",
			Help: "Distribution keys folded into \"other\" because the metric reached max_label_values or the key was not a printable label value.",
		}, []string{"account", "metric"}),
	}
	if reg != nil {
		m.apiRequests = register(reg, m.apiRequests)
		m.logins = register(reg, m.logins)
		m.errors = register(reg, m.errors)
		m.fetches = register(reg, m.fetches)
		m.folded = register(reg, m.folded)
	}
	return m
}

// register registers c, or reuses the identical collector already there
// (a second Inbound on the same registry must not panic).
func register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if err := reg.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
	}
	return c
}

// initAccount creates the zero series of an account so rate() works from
// the first scrape.
func (m *selfMetrics) initAccount(name string) {
	for _, e := range []string{endpointAuth, endpointStatistics} {
		for _, o := range allOutcomes {
			m.apiRequests.WithLabelValues(name, e, o)
		}
	}
	m.logins.WithLabelValues(name, "success")
	m.logins.WithLabelValues(name, "failure")
	for _, r := range allReasons {
		m.errors.WithLabelValues(name, r)
	}
	m.fetches.WithLabelValues(name, "fetched")
	m.fetches.WithLabelValues(name, "shared")
	for _, f := range foldMetrics {
		m.folded.WithLabelValues(name, f)
	}
}

// dropAccount removes the series of an account no longer configured.
func (m *selfMetrics) dropAccount(name string) {
	l := prometheus.Labels{"account": name}
	m.apiRequests.DeletePartialMatch(l)
	m.logins.DeletePartialMatch(l)
	m.errors.DeletePartialMatch(l)
	m.fetches.DeletePartialMatch(l)
	m.folded.DeletePartialMatch(l)
}
