package collector

import (
	"sort"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/internal/labelcap"
)

// caps bounds the open-ended distribution keys of one account, one Cap per
// metric, so a robot with hundreds of stories cannot explode the series.
type caps struct {
	story, intention, reason, ticket *labelcap.Cap
}

func newCaps(account string, max int, folded *prometheus.CounterVec) *caps {
	mk := func(metric string) *labelcap.Cap {
		c := folded.WithLabelValues(account, metric)
		return labelcap.New(max, c.Inc)
	}
	return &caps{
		story:     mk(storyMetric),
		intention: mk(intentionMetric),
		reason:    mk(reasonMetric),
		ticket:    mk(ticketMetric),
	}
}

// beginRound: each statistics answer is one round of the caps; keys the
// answer no longer has give their slots to new ones (see labelcap.Cap), so
// one answer full of junk keys does not fold the real ones until a restart.
// The gauges are rebuilt from every answer, so no stale series remains.
func (c *caps) beginRound() {
	c.story.BeginRound()
	c.intention.BeginRound()
	c.reason.BeginRound()
	c.ticket.BeginRound()
}

func (c *caps) setMax(max int) {
	c.story.SetMax(max)
	c.intention.SetMax(max)
	c.reason.SetMax(max)
	c.ticket.SetMax(max)
}

// emitter collects const gauges of one account.
type emitter struct {
	account string
	out     []prometheus.Metric
}

func (e *emitter) gauge(d *prometheus.Desc, v float64, labels ...string) {
	e.out = append(e.out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{e.account}, labels...)...))
}

// opt emits v only when the API sent it.
func (e *emitter) opt(d *prometheus.Desc, v Value, labels ...string) {
	if v.OK {
		e.gauge(d, v.V, labels...)
	}
}

// folded emits a distribution after mapping each key through label. Keys
// that map to the same label (folded into "other", or an upstream key
// literally named "other") are summed: two samples with one label set
// would break the whole scrape.
func (e *emitter) folded(d *prometheus.Desc, pairs []Pair, label func(string) string) {
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
func (e *emitter) capped(d *prometheus.Desc, pairs []Pair, c *labelcap.Cap) {
	if len(pairs) == 0 {
		return
	}
	byValue := append([]Pair(nil), pairs...)
	sort.SliceStable(byValue, func(i, j int) bool {
		if byValue[i].Value != byValue[j].Value {
			return byValue[i].Value > byValue[j].Value
		}
		return byValue[i].Key < byValue[j].Key
	})
	e.folded(d, byValue, c.Value)
}

func hangupLabel(k string) string {
	switch k {
	case "by_agent", "by_robot", "by_user":
		return k
	}
	return labelcap.Other
}

func scoreLabel(k string) string {
	if n, err := strconv.Atoi(k); err == nil && n >= 1 && n <= 5 {
		return strconv.Itoa(n)
	}
	return labelcap.Other
}

func (e *emitter) calls(c *Calls, calls, valid, attempt, success *prometheus.Desc) {
	e.opt(calls, c.TotalCalls)
	e.opt(valid, c.ValidCalls)
	e.opt(attempt, c.AttemptedTransferRate)
	e.opt(success, c.TransferSuccessRate)
}

func (e *emitter) durations(d *prometheus.Desc, c *Calls) {
	e.opt(d, c.AvgAgentDuration, "agent")
	e.opt(d, c.AvgRobotDuration, "robot")
	e.opt(d, c.AvgTotalDuration, "total")
}

// convertStatistics turns decoded statistics into const metrics. It runs
// once per upstream fetch (not per scrape), so folding is counted once per
// fetch and the result is shared by every scrape until the next fetch.
func convertStatistics(account string, st *Statistics, c *caps) []prometheus.Metric {
	e := &emitter{account: account, out: make([]prometheus.Metric, 0, 96)}
	c.beginRound()
	if t := st.RealtimeTotal; t != nil {
		e.opt(callsDesc, t.TotalCalls)
		e.opt(validCallsDesc, t.ValidCalls)
		e.opt(transferAttemptDesc, t.AttemptedTransferCalls)
		e.opt(transferSuccessDesc, t.TransferSuccessCalls)
		e.opt(transferAttemptRatio, t.AttemptedTransferRate)
		e.opt(transferSuccessRatio, t.TransferSuccessRate)
		e.opt(agentReceptionRatio, t.AgentReceptionRate)
		e.durations(avgDurationDesc, &t.Calls)
		e.opt(talkRoundsDesc, t.AverageRobotTalkRound)
		e.opt(robotScoreDesc, t.AvgRobotScore)
		e.opt(oneCallResolutionDesc, t.OneCallProblemSolveRate)
		e.opt(robotEvaluationDesc, t.RobotEvaluationRate)
		e.opt(robotSatisfiedDesc, t.RobotSatisfiedRate)
		e.opt(duplicateCallRatioDesc, t.DuplicateCallRate)
		e.opt(usersDesc, t.CallUsers, "call")
		e.opt(usersDesc, t.ValidUsers, "valid")
		e.opt(usersDesc, t.NewUsers, "new")
		e.opt(usersDesc, t.OldUsers, "old")
		e.capped(storyCallsDesc, t.Stories, c.story)
		e.capped(intentionCallsDesc, t.Intentions, c.intention)
	}
	if d := st.RealtimeToday; d != nil {
		e.calls(&d.Calls, todayCallsDesc, todayValidCallsDesc, todayTransferAttemptDesc, todayTransferSuccessDesc)
		e.folded(todayHangupDesc, d.Hangups, hangupLabel)
		e.folded(todayVotesDesc, d.Votes, scoreLabel)
		e.opt(todayEvaluationDesc, d.RobotEvaluationRate)
		e.opt(todaySatisfiedDesc, d.RobotSatisfiedRate)
	}
	if h := st.CurrentHour; h != nil {
		e.calls(&h.Calls, hourCallsDesc, hourValidCallsDesc, hourTransferAttemptDesc, hourTransferSuccessDesc)
		e.opt(hourAgentReceptionDesc, h.AgentReceptionRate)
		e.durations(hourAvgDurationDesc, &h.Calls)
		e.gauge(hourTimestampDesc, float64(h.Start.Unix()))
	}
	if t := st.OfflineTotal; t != nil {
		e.capped(transferReasonDesc, t.TransferReasons, c.reason)
		e.opt(fakeReceiptsDesc, t.FakeReceipts, "total")
		e.opt(fakeReceiptsDesc, t.DeduplicatedFakeReceipts, "deduplicated")
		e.opt(fakeReceiptsDesc, t.DailyDeduplicatedFakeReceipts, "daily_deduplicated")
		e.opt(ticketsDesc, t.Tickets)
	}
	if d := st.OfflineToday; d != nil {
		e.opt(todayMaxConcDesc, d.MaxConcurrentCalls)
		e.opt(todayOfflineOCRDesc, d.OneCallProblemSolveRate)
		e.capped(todayTicketsDesc, d.Tickets, c.ticket)
		e.opt(todayOfflineUsersDesc, d.CallUsers, "call")
		e.opt(todayOfflineUsersDesc, d.ValidUsers, "valid")
		e.opt(todayOfflineUsersDesc, d.NewUsers, "new")
		e.opt(todayOfflineUsersDesc, d.OldUsers, "old")
		e.opt(todayFakeReceiptsDesc, d.FakeReceipts, "total")
		e.opt(todayFakeReceiptsDesc, d.DailyDeduplicatedFakeReceipts, "daily_deduplicated")
	}
	if st.RealtimeToday != nil || st.OfflineToday != nil {
		e.gauge(todayTimestampDesc, float64(st.Today.Unix()))
	}
	return e.out
}
