package airudder

import (
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
)

// Descriptors of everything a statistics fetch emits. They are
// package-level so Describe and Collect always agree.

func statDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("airudder_"+name, help, append([]string{"account"}, labels...), nil)
}

// Metric names used as the `metric` label of the folded-values counter.
const (
	statStoryMetric     = "airudder_inbound_story_calls"
	statIntentionMetric = "airudder_inbound_intention_calls"
	statReasonMetric    = "airudder_inbound_transfer_reason_calls"
	statTicketMetric    = "airudder_inbound_today_tickets"
)

var (
	// Window totals (data.realtime.total).
	statCallsDesc              = statDesc("inbound_calls", "Inbound calls in the statistics window (realtime.total.total_calls).")
	statValidCallsDesc         = statDesc("inbound_valid_calls", "Valid inbound calls in the statistics window (valid_calls).")
	statTransferAttemptDesc    = statDesc("inbound_transfer_attempt_calls", "Calls in the window where the robot tried to transfer to an agent (attempted_transfer_calls).")
	statTransferSuccessDesc    = statDesc("inbound_transfer_success_calls", "Transfers in the window that reached an agent (transfer_success_calls).")
	statTransferAttemptRatio   = statDesc("inbound_transfer_attempt_ratio", "Share of calls in the window with a transfer attempt, 0..1 (attempted_transfer_rate).")
	statTransferSuccessRatio   = statDesc("inbound_transfer_success_ratio", "Share of transfer attempts in the window that succeeded, 0..1 (transfer_success_rate).")
	statAgentReceptionRatio    = statDesc("inbound_agent_reception_ratio", "Agent reception rate in the window, 0..1 (agent_reception_rate).")
	statAvgDurationDesc        = statDesc("inbound_average_call_duration_seconds", "Average call duration in the window by party (avg_agent_duration, avg_robot_duration, avg_total_duration).", "party")
	statTalkRoundsDesc         = statDesc("inbound_robot_talk_rounds_average", "Average number of robot talk rounds per call in the window (average_robot_talk_round).")
	statRobotScoreDesc         = statDesc("inbound_robot_score_average", "Average robot satisfaction score in the window, 1..5 (avg_robot_score).")
	statOneCallResolutionDesc  = statDesc("inbound_one_call_resolution_ratio", "Share of problems solved in one call in the window, 0..1 (one_call_problem_solve_rate).")
	statRobotEvaluationDesc    = statDesc("inbound_robot_evaluation_ratio", "Share of calls in the window whose caller voted on the robot, 0..1 (robot_evaluation_rate).")
	statRobotSatisfiedDesc     = statDesc("inbound_robot_satisfied_ratio", "Share of votes in the window that were satisfied, 0..1 (robot_satisfied_rate).")
	statDuplicateCallRatioDesc = statDesc("inbound_duplicate_call_ratio", "Share of calls in the window from callers who called before, 0..1 (duplicate_call_rate).")
	statUsersDesc              = statDesc("inbound_users", "Distinct callers in the window by kind (call_users, valid_users, new_users, old_users).", "kind")
	statStoryCallsDesc         = statDesc("inbound_story_calls", "Calls in the window by robot story (story_distribution; rare stories fold into \"other\").", "story")
	statIntentionCallsDesc     = statDesc("inbound_intention_calls", "Calls in the window by intention label (intention_distribution; capped, rest in \"other\").", "intention")

	// Today (newest daily entry).
	statTodayCallsDesc           = statDesc("inbound_today_calls", "Inbound calls on the newest day of the daily list (total_calls).")
	statTodayValidCallsDesc      = statDesc("inbound_today_valid_calls", "Valid inbound calls on the newest day of the daily list (valid_calls).")
	statTodayTransferAttemptDesc = statDesc("inbound_today_transfer_attempt_ratio", "Transfer attempt rate on the newest day, 0..1 (attempted_transfer_rate).")
	statTodayTransferSuccessDesc = statDesc("inbound_today_transfer_success_ratio", "Transfer success rate on the newest day, 0..1 (transfer_success_rate).")
	statTodayHangupDesc          = statDesc("inbound_today_hangup_calls", "Calls on the newest day by who hung up (hangup_type_distribution).", "hangup_type")
	statTodayVotesDesc           = statDesc("inbound_today_satisfaction_votes", "Satisfaction votes on the newest day by score 1..5 (satisfied_distribution).", "score")
	statTodayEvaluationDesc      = statDesc("inbound_today_robot_evaluation_ratio", "Share of calls on the newest day whose caller voted, 0..1 (satisfied_distribution.robot_evaluation_rate).")
	statTodaySatisfiedDesc       = statDesc("inbound_today_robot_satisfied_ratio", "Share of satisfied votes on the newest day, 0..1 (satisfied_distribution.robot_satisfied_rate).")
	statTodayTimestampDesc       = statDesc("inbound_today_timestamp_seconds", "Start (unix seconds, account time zone) of the day the airudder_inbound_today_* values belong to.")

	// Current hour (newest hourly entry).
	statHourCallsDesc           = statDesc("inbound_current_hour_calls", "Inbound calls in the newest hour of the hourly list (total_calls).")
	statHourValidCallsDesc      = statDesc("inbound_current_hour_valid_calls", "Valid inbound calls in the newest hour (valid_calls).")
	statHourTransferAttemptDesc = statDesc("inbound_current_hour_transfer_attempt_ratio", "Transfer attempt rate in the newest hour, 0..1 (attempted_transfer_rate).")
	statHourTransferSuccessDesc = statDesc("inbound_current_hour_transfer_success_ratio", "Transfer success rate in the newest hour, 0..1 (transfer_success_rate).")
	statHourAgentReceptionDesc  = statDesc("inbound_current_hour_agent_reception_ratio", "Agent reception rate in the newest hour, 0..1 (agent_reception_rate).")
	statHourAvgDurationDesc     = statDesc("inbound_current_hour_average_call_duration_seconds", "Average call duration in the newest hour by party (avg_*_duration).", "party")
	statHourTimestampDesc       = statDesc("inbound_current_hour_timestamp_seconds", "Start (unix seconds, account time zone) of the hour the airudder_inbound_current_hour_* values belong to.")

	// Offline statistics.
	statTransferReasonDesc    = statDesc("inbound_transfer_reason_calls", "Transfers in the window by reason (offline.total.transfer_reason_distribution; capped, rest in \"other\").", "reason")
	statFakeReceiptsDesc      = statDesc("inbound_fake_receipts", "Fake receipts in the window by kind (offline.total.*fake_receipts_count).", "kind")
	statTicketsDesc           = statDesc("inbound_tickets", "Tickets in the window (offline.total.ticket_count).")
	statTodayMaxConcDesc      = statDesc("inbound_today_max_concurrent_calls", "Peak concurrent calls on the newest day (offline.daily.max_concurrent_call_count).")
	statTodayOfflineOCRDesc   = statDesc("inbound_today_offline_one_call_resolution_ratio", "One-call resolution rate on the newest day, 0..1 (offline.daily.one_call_problem_solve_rate).")
	statTodayTicketsDesc      = statDesc("inbound_today_tickets", "Tickets on the newest day by ticket type (offline.daily.ticket_distribution; capped, rest in \"other\").", "ticket_type")
	statTodayOfflineUsersDesc = statDesc("inbound_today_offline_users", "Distinct callers on the newest day by kind (offline.daily.user_distribution).", "kind")
	statTodayFakeReceiptsDesc = statDesc("inbound_today_fake_receipts", "Fake receipts on the newest day by kind (offline.daily.fake_receipts_distribution).", "kind")
)

// statDescs are the fetched families, for Describe.
var statDescs = []*prometheus.Desc{
	statCallsDesc, statValidCallsDesc, statTransferAttemptDesc, statTransferSuccessDesc, statTransferAttemptRatio,
	statTransferSuccessRatio, statAgentReceptionRatio, statAvgDurationDesc, statTalkRoundsDesc, statRobotScoreDesc,
	statOneCallResolutionDesc, statRobotEvaluationDesc, statRobotSatisfiedDesc, statDuplicateCallRatioDesc, statUsersDesc,
	statStoryCallsDesc, statIntentionCallsDesc, statTodayCallsDesc, statTodayValidCallsDesc, statTodayTransferAttemptDesc,
	statTodayTransferSuccessDesc, statTodayHangupDesc, statTodayVotesDesc, statTodayEvaluationDesc, statTodaySatisfiedDesc,
	statTodayTimestampDesc, statHourCallsDesc, statHourValidCallsDesc, statHourTransferAttemptDesc, statHourTransferSuccessDesc,
	statHourAgentReceptionDesc, statHourAvgDurationDesc, statHourTimestampDesc, statTransferReasonDesc, statFakeReceiptsDesc,
	statTicketsDesc, statTodayMaxConcDesc, statTodayOfflineOCRDesc, statTodayTicketsDesc, statTodayOfflineUsersDesc,
	statTodayFakeReceiptsDesc,
}

// Bounded label values of the self-metric counters.
const (
	apiEndpointAuth       = "auth"
	apiEndpointStatistics = "statistics"

	apiOutcomeSuccess      = "success"
	apiOutcomeUnauthorized = collector.OutcomeUnauthorized
	apiOutcomeHTTPError    = collector.OutcomeHTTPError
	apiOutcomeAPIError     = "api_error"
	apiOutcomeTimeout      = collector.OutcomeTimeout
	apiOutcomeNetworkError = collector.OutcomeNetworkError
	apiOutcomeBadResponse  = collector.OutcomeBadResponse
	apiOutcomeRedirect     = collector.OutcomeRedirectRefused
	apiOutcomeTooLarge     = collector.OutcomeTooLarge

	statReasonLogin        = "login"
	statReasonUnauthorized = "unauthorized"
	statReasonTimeout      = collector.ReasonTimeout
	statReasonNetwork      = "network"
	statReasonHTTPStatus   = "http_status"
	statReasonAPICode      = "api_code"
	statReasonDecode       = collector.ReasonDecode
	statReasonMissingData  = "missing_data"
	statReasonOutOfRange   = collector.ReasonOutOfRange
	statReasonRedirect     = "redirect"
	statReasonTooLarge     = "too_large"
)

var (
	apiOutcomes     = []string{apiOutcomeSuccess, apiOutcomeUnauthorized, apiOutcomeHTTPError, apiOutcomeAPIError, apiOutcomeTimeout, apiOutcomeNetworkError, apiOutcomeBadResponse, apiOutcomeRedirect, apiOutcomeTooLarge}
	statReasons     = []string{statReasonLogin, statReasonUnauthorized, statReasonTimeout, statReasonNetwork, statReasonHTTPStatus, statReasonAPICode, statReasonDecode, statReasonMissingData, statReasonOutOfRange, statReasonRedirect, statReasonTooLarge}
	statFoldMetrics = []string{statStoryMetric, statIntentionMetric, statReasonMetric, statTicketMetric}
)

// statFamily is what the statistics poller exposes and logs besides the
// fetched families.
var statFamily = collector.Family{
	Up:           collector.Metric{Name: "airudder_up", Help: "1 if the last AiRudder inbound statistics fetch of the account succeeded, else 0."},
	Success:      collector.Metric{Name: "airudder_scrape_collector_success", Help: "1 if the account's statistics were collected in this scrape, else 0 (same as airudder_up)."},
	Duration:     collector.Metric{Name: "airudder_scrape_collector_duration_seconds", Help: "Time this scrape spent collecting the account (waiting for cache, fetch or deadline)."},
	LastSuccess:  collector.Metric{Name: "airudder_last_success_timestamp_seconds", Help: "Unix time of the account's last successful statistics fetch."},
	Age:          collector.Metric{Name: "airudder_statistics_age_seconds", Help: "Age of the statistics served in this scrape (they are cached for min_interval)."},
	Errors:       collector.Metric{Name: "airudder_scrape_errors_total", Help: "Failed or partial statistics fetches (and scrapes that gave up waiting) by reason."},
	Fetches:      collector.Metric{Name: "airudder_statistics_fetches_total", Help: "Scrapes by how their statistics were obtained: fetched upstream, or shared from cache or an in-flight fetch."},
	ErrorReasons: statReasons,
	Descs:        statDescs,
	Log: collector.LogMessages{
		Fetched:   "fetched inbound statistics",
		Recovered: "inbound statistics recovered",
		Failed:    "inbound statistics fetch failed or incomplete",
		Panicked:  "bug: statistics fetch panicked",
	},
}

// statMetrics are the statistics poller's own persistent counters.
type statMetrics struct {
	apiRequests *prometheus.CounterVec
	logins      *prometheus.CounterVec
	folded      *prometheus.CounterVec
}

func newStatMetrics(reg prometheus.Registerer) *statMetrics {
	return &statMetrics{
		apiRequests: collector.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_api_requests_total",
			Help: "Requests sent to the AiRudder API by endpoint and outcome.",
		}, []string{"account", "endpoint", "outcome"})),
		logins: collector.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_logins_total",
			Help: "Token logins to the AiRudder API by outcome.",
		}, []string{"account", "outcome"})),
		folded: collector.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_inbound_label_values_folded_total",
			Help: "Distribution keys folded into \"other\" because the metric reached max_label_values, the key was not a printable label value, or it looked like a phone number or an IP address.",
		}, []string{"account", "metric"})),
	}
}

// counters lists the counters whose series are deleted with an account.
func (m *statMetrics) counters() []*prometheus.CounterVec {
	return []*prometheus.CounterVec{m.apiRequests, m.logins, m.folded}
}

// initAccount creates the zero series of an account so rate() works from
// the first scrape.
func (m *statMetrics) initAccount(name string) {
	for _, e := range []string{apiEndpointAuth, apiEndpointStatistics} {
		for _, o := range apiOutcomes {
			m.apiRequests.WithLabelValues(name, e, o)
		}
	}
	m.logins.WithLabelValues(name, "success")
	m.logins.WithLabelValues(name, "failure")
	for _, f := range statFoldMetrics {
		m.folded.WithLabelValues(name, f)
	}
}
