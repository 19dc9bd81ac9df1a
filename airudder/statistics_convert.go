package airudder

import (
	"sort"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/internal/labelcap"
)

// statCaps bounds the open-ended distribution keys of one account, one Cap per
// metric, so a robot with hundreds of stories cannot explode the series.
type statCaps struct {
	story, intention, reason, ticket *labelcap.Cap
}

func newStatCaps(account string, max int, folded *prometheus.CounterVec) *statCaps {
	mk := func(metric string) *labelcap.Cap {
		c := folded.WithLabelValues(account, metric)
		return labelcap.New(max, c.Inc)
	}
	return &statCaps{
		story:     mk(statStoryMetric),
		intention: mk(statIntentionMetric),
		reason:    mk(statReasonMetric),
		ticket:    mk(statTicketMetric),
	}
}

// beginRound: each statistics answer is one round of the caps; keys the
// answer no longer has give their slots to new ones (see labelcap.Cap), so
// one answer full of junk keys does not fold the real ones until a restart.
// The gauges are rebuilt from every answer, so no stale series remains.
func (c *statCaps) beginRound() {
	c.story.BeginRound()
	c.intention.BeginRound()
	c.reason.BeginRound()
	c.ticket.BeginRound()
}

func (c *statCaps) setMax(max int) {
	c.story.SetMax(max)
	c.intention.SetMax(max)
	c.reason.SetMax(max)
	c.ticket.SetMax(max)
}

// statEmitter collects const gauges of one account.
type statEmitter struct {
	account string
	out     []prometheus.Metric
}

func (e *statEmitter) gauge(d *prometheus.Desc, v float64, labels ...string) {
	e.out = append(e.out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{e.account}, labels...)...))
}

// opt emits v only when the API sent it.
func (e *statEmitter) opt(d *prometheus.Desc, v statValue, labels ...string) {
	if v.OK {
		e.gauge(d, v.V, labels...)
	}
}

// folded emits a distribution after mapping each key through label. Keys
// that map to the same label (folded into "other", or an upstream key
// literally named "other") are summed: two samples with one label set
// would break the whole scrape.
func (e *statEmitter) folded(d *prometheus.Desc, pairs []statPair, label func(string) string) {
	if len(pairs) == 0 {
		return
	}
	sums := make(map[string]float64, len(pairs))
	for _, p := range pairs {
		sums[label(p.Key)] += p.Value
	}
	keys := make([]string, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e.gauge(d, sums[k], k)
	}
}

// capped is folded through a Cap. Keys are offered to the cap biggest
// first, so when a robot has more keys than slots the busiest ones get
// their own series (keys of earlier answers that this one lacks give their
// slots up first).
func (e *statEmitter) capped(d *prometheus.Desc, pairs []statPair, c *labelcap.Cap) {
	if len(pairs) == 0 {
		return
	}
	byValue := append([]statPair(nil), pairs...)
	sort.SliceStable(byValue, func(i, j int) bool {
		if byValue[i].Value != byValue[j].Value {
			return byValue[i].Value > byValue[j].Value
		}
		return byValue[i].Key < byValue[j].Key
	})
	e.folded(d, byValue, c.Value)
}

func statHangupLabel(k string) string {
	switch k {
	case "by_agent", "by_robot", "by_user":
		return k
	}
	return labelcap.Other
}

func statScoreLabel(k string) string {
	if n, err := strconv.Atoi(k); err == nil && n >= 1 && n <= 5 {
		return strconv.Itoa(n)
	}
	return labelcap.Other
}

func (e *statEmitter) calls(c *statCalls, calls, valid, attempt, success *prometheus.Desc) {
	e.opt(calls, c.TotalCalls)
	e.opt(valid, c.ValidCalls)
	e.opt(attempt, c.AttemptedTransferRate)
	e.opt(success, c.TransferSuccessRate)
}

func (e *statEmitter) durations(d *prometheus.Desc, c *statCalls) {
	e.opt(d, c.AvgAgentDuration, "agent")
	e.opt(d, c.AvgRobotDuration, "robot")
	e.opt(d, c.AvgTotalDuration, "total")
}

// convertStatistics turns decoded statistics into const metrics. It runs
// once per upstream fetch (not per scrape), so folding is counted once per
// fetch and the result is shared by every scrape until the next fetch.
func convertStatistics(account string, st *inboundStatistics, c *statCaps) []prometheus.Metric {
	e := &statEmitter{account: account, out: make([]prometheus.Metric, 0, 96)}
	c.beginRound()
	if t := st.RealtimeTotal; t != nil {
		e.opt(statCallsDesc, t.TotalCalls)
		e.opt(statValidCallsDesc, t.ValidCalls)
		e.opt(statTransferAttemptDesc, t.AttemptedTransferCalls)
		e.opt(statTransferSuccessDesc, t.TransferSuccessCalls)
		e.opt(statTransferAttemptRatio, t.AttemptedTransferRate)
		e.opt(statTransferSuccessRatio, t.TransferSuccessRate)
		e.opt(statAgentReceptionRatio, t.AgentReceptionRate)
		e.durations(statAvgDurationDesc, &t.statCalls)
		e.opt(statTalkRoundsDesc, t.AverageRobotTalkRound)
		e.opt(statRobotScoreDesc, t.AvgRobotScore)
		e.opt(statOneCallResolutionDesc, t.OneCallProblemSolveRate)
		e.opt(statRobotEvaluationDesc, t.RobotEvaluationRate)
		e.opt(statRobotSatisfiedDesc, t.RobotSatisfiedRate)
		e.opt(statDuplicateCallRatioDesc, t.DuplicateCallRate)
		e.opt(statUsersDesc, t.CallUsers, "call")
		e.opt(statUsersDesc, t.ValidUsers, "valid")
		e.opt(statUsersDesc, t.NewUsers, "new")
		e.opt(statUsersDesc, t.OldUsers, "old")
		e.capped(statStoryCallsDesc, t.Stories, c.story)
		e.capped(statIntentionCallsDesc, t.Intentions, c.intention)
	}
	if d := st.RealtimeToday; d != nil {
		e.calls(&d.statCalls, statTodayCallsDesc, statTodayValidCallsDesc, statTodayTransferAttemptDesc, statTodayTransferSuccessDesc)
		e.folded(statTodayHangupDesc, d.Hangups, statHangupLabel)
		e.folded(statTodayVotesDesc, d.Votes, statScoreLabel)
		e.opt(statTodayEvaluationDesc, d.RobotEvaluationRate)
		e.opt(statTodaySatisfiedDesc, d.RobotSatisfiedRate)
	}
	if h := st.CurrentHour; h != nil {
		e.calls(&h.statCalls, statHourCallsDesc, statHourValidCallsDesc, statHourTransferAttemptDesc, statHourTransferSuccessDesc)
		e.opt(statHourAgentReceptionDesc, h.AgentReceptionRate)
		e.durations(statHourAvgDurationDesc, &h.statCalls)
		e.gauge(statHourTimestampDesc, float64(h.Start.Unix()))
	}
	if t := st.OfflineTotal; t != nil {
		e.capped(statTransferReasonDesc, t.TransferReasons, c.reason)
		e.opt(statFakeReceiptsDesc, t.FakeReceipts, "total")
		e.opt(statFakeReceiptsDesc, t.DeduplicatedFakeReceipts, "deduplicated")
		e.opt(statFakeReceiptsDesc, t.DailyDeduplicatedFakeReceipts, "daily_deduplicated")
		e.opt(statTicketsDesc, t.Tickets)
	}
	if d := st.OfflineToday; d != nil {
		e.opt(statTodayMaxConcDesc, d.MaxConcurrentCalls)
		e.opt(statTodayOfflineOCRDesc, d.OneCallProblemSolveRate)
		e.capped(statTodayTicketsDesc, d.Tickets, c.ticket)
		e.opt(statTodayOfflineUsersDesc, d.CallUsers, "call")
		e.opt(statTodayOfflineUsersDesc, d.ValidUsers, "valid")
		e.opt(statTodayOfflineUsersDesc, d.NewUsers, "new")
		e.opt(statTodayOfflineUsersDesc, d.OldUsers, "old")
		e.opt(statTodayFakeReceiptsDesc, d.FakeReceipts, "total")
		e.opt(statTodayFakeReceiptsDesc, d.DailyDeduplicatedFakeReceipts, "daily_deduplicated")
	}
	if st.RealtimeToday != nil || st.OfflineToday != nil {
		e.gauge(statTodayTimestampDesc, float64(st.Today.Unix()))
	}
	return e.out
}
