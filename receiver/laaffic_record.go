package receiver

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/internal/labelcap"
)

// LAAFFIC recording: the only code touching the LAAFFIC metrics. Like the
// AiRudder half of recorder, it never parses: it drops records the dedup
// set has seen, caps open-ended label values and counts.

// laafficMaxCurrencies caps the currencies outside laafficCurrencies: an
// account quotes in one currency, so a handful is plenty, and every money
// family multiplies by it.
const laafficMaxCurrencies = 8

// laafficRecorder holds the LAAFFIC label caps and metrics.
type laafficRecorder struct {
	m *laafficMetrics

	// Caps for open-ended labels, one per label (sized by max_label_values,
	// except currency).
	billPeriod, intent, country, intentCode, script, agentGroup *labelcap.Cap
	currency                                                    *labelcap.Cap

	// scripts maps scriptId → name (webhooks.laaffic_scripts); swapped
	// whole on reload. Mapped names use no cap slot: the config bounds them.
	scripts atomic.Pointer[map[string]string]

	// accounts whose zero series exist (initAccount).
	accounts sync.Map

	// k caches the vector children call() resolves per record
	// (children.go: a lock-free lookup instead of WithLabelValues' hash
	// and shared RWMutex).
	k laafficChildren
}

// laafficChildren are call()'s per-record children, keyed by label values.
type laafficChildren struct {
	calls, scriptCalls                       *children[[4]string, prometheus.Counter]
	cost, scriptCost                         *children[[3]string, prometheus.Counter]
	charged, baseCost, keypresses, sip       *children[[2]string, prometheus.Counter]
	terms, billPeriods, intents, destination *children[[2]string, prometheus.Counter]
	scriptTalk                               *children[[2]string, prometheus.Counter]
	duration                                 *children[[2]string, prometheus.Observer]
	ring, timeToAnswer, queueDelay, postDial *children[string, prometheus.Observer]
}

func newLaafficChildren(m *laafficMetrics) laafficChildren {
	return laafficChildren{
		calls: counters4(m.calls), scriptCalls: counters4(m.scriptCalls),
		cost: counters3(m.cost), scriptCost: counters3(m.scriptCost),
		charged: counters2(m.charged), baseCost: counters2(m.baseCost),
		keypresses: counters2(m.keypresses), sip: counters2(m.sip),
		terms: counters2(m.terminations), billPeriods: counters2(m.billPeriods),
		intents: counters2(m.intents), destination: counters2(m.destinations),
		scriptTalk: counters2(m.scriptTalk),
		duration:   observers2(m.duration),
		ring:       observers1(m.ring), timeToAnswer: observers1(m.timeToAnswer),
		queueDelay: observers1(m.queueDelay), postDial: observers1(m.postDialDelay),
	}
}

func (l *laafficRecorder) init(m *metrics, maxLabelValues int) {
	l.m = m.la
	l.k = newLaafficChildren(m.la)
	newCap := func(metric string, max int) *labelcap.Cap {
		c := m.folded.WithLabelValues(metric)
		return labelcap.New(max, c.Inc)
	}
	l.billPeriod = newCap("laaffic_bill_periods_total", maxLabelValues)
	l.intent = newCap("laaffic_intents_total", maxLabelValues)
	l.country = newCap("laaffic_destination_calls_total", maxLabelValues)
	l.intentCode = newCap("laaffic_ai_agent_intent_codes_total", maxLabelValues)
	l.script = newCap("laaffic_script_calls_total", maxLabelValues)
	l.agentGroup = newCap("laaffic_call_center_agent_group_calls_total", maxLabelValues)
	l.currency = newCap("laaffic_cost_total", laafficMaxCurrencies)
}

// setMax applies a reloaded max_label_values; admitted values stay.
func (l *laafficRecorder) setMax(maxLabelValues int) {
	for _, c := range []*labelcap.Cap{l.billPeriod, l.intent, l.country, l.intentCode, l.script, l.agentGroup} {
		c.SetMax(maxLabelValues)
	}
}

// setScripts applies webhooks.laaffic_scripts.
func (l *laafficRecorder) setScripts(scripts map[string]string) {
	m := make(map[string]string, len(scripts))
	for id, name := range scripts {
		if id, name = strings.TrimSpace(id), strings.TrimSpace(name); id != "" && labelcap.Printable(name) {
			m[id] = name
		}
	}
	l.scripts.Store(&m)
}

// initAccount creates an account's small closed series at zero, so rate()
// and the alerts work before its first push.
func (l *laafficRecorder) initAccount(account string) {
	if _, done := l.accounts.LoadOrStore(account, true); done {
		return
	}
	m := l.m
	for _, p := range []string{productIVR, productAIAgent} {
		for _, c := range laafficCurrencies {
			m.cost.WithLabelValues(account, p, c)
		}
		m.settlePay.WithLabelValues(account, p, laafficSettlementCurrency)
	}
	m.cost.WithLabelValues(account, productCallCenter, "USD")
	for _, c := range laafficCurrencies {
		m.aiCost.WithLabelValues(account, c)
	}
	for _, t := range []string{"success", "failure", valUnknown} {
		m.terminations.WithLabelValues(account, t)
	}
	for _, f := range laafficBadFields {
		m.invalidFields.WithLabelValues(account, f)
	}
}

// currencyLabel: the listed currencies as they are, other codes capped.
func (l *laafficRecorder) currencyLabel(c string) string {
	for _, k := range laafficCurrencies {
		if c == k {
			return k
		}
	}
	return l.currency.Value(c)
}

// scriptLabel maps a scriptId to its configured name, else keeps the id
// under the cap; no scriptId is "none".
func (l *laafficRecorder) scriptLabel(id string) string {
	if id == "" {
		return valNone
	}
	if m := l.scripts.Load(); m != nil {
		if name, ok := (*m)[id]; ok {
			return name
		}
	}
	return l.script.Value(id)
}

// laaffic counts one decoded LAAFFIC body posted for account: invalid
// records by reason, duplicates (the valid records' ids are claimed first,
// claim.go), and the rest, each kind on its own. When the claim fails it
// counts nothing and returns the error.
func (r *recorder) laaffic(b *LaafficBatch, account string, now time.Time) error {
	tickExemplarClock(now)
	cl, err := r.claimLaaffic(b, now)
	if err != nil {
		return err
	}
	defer cl.done()
	s := r.la
	l := &r.lf
	l.initAccount(account)
	for _, reason := range b.Invalid {
		s.invalid.Inc()
		s.reasons[reason].Inc()
	}
	// fresh takes the next claim result (claimLaaffic's key order: calls,
	// call-centre records, ringing notifications) and counts a duplicate.
	fresh := func() bool {
		if !cl.next() {
			s.duplicate.Inc()
			return false
		}
		r.laAdds.Add(1)
		s.counted.Inc()
		return true
	}
	for i := range b.Calls {
		if fresh() {
			l.call(&b.Calls[i], account)
		}
	}
	for i := range b.Center {
		if fresh() {
			l.center(&b.Center[i], account)
		}
	}
	for i := range b.Ringing {
		if g := &b.Ringing[i]; fresh() {
			l.m.ringing.WithLabelValues(account, g.Type).Inc()
			l.m.ringingUnanswer.WithLabelValues(account, g.Type).Add(float64(g.UnansweredLegs))
		}
	}
	return nil
}

// observeVec is observe for one child of a histogram vector.
func observeVec(h prometheus.Observer, v float64, idLabel, id string) {
	observeWith(h, v, idLabel, id) // at most one exemplar per second per series (record.go)
}

func (l *laafficRecorder) call(c *LaafficCall, account string) {
	m, k := l.m, &l.k
	k.calls.get([4]string{account, c.Product, c.Type, c.CallStatus}).Inc()
	if c.Duration.OK {
		observeVec(k.duration.get([2]string{account, c.Product}), c.Duration.V, laafficIDLabel, c.Exemplar)
	}
	if c.RingDuration.OK {
		k.ring.get(account).Observe(c.RingDuration.V)
	}
	if c.TimeToAnswer.OK {
		k.timeToAnswer.get(account).Observe(c.TimeToAnswer.V)
	}
	if c.QueueDelay.OK {
		k.queueDelay.get(account).Observe(c.QueueDelay.V)
	}
	if c.PostDialDelay.OK {
		k.postDial.get(account).Observe(c.PostDialDelay.V)
	}
	for i, f := range laafficBadFields {
		if c.BadFields&(1<<i) != 0 {
			m.invalidFields.WithLabelValues(account, f).Inc()
		}
	}
	if c.Charged.OK {
		k.charged.get([2]string{account, c.Product}).Add(c.Charged.V)
	}
	costCurrency := ""
	if c.Cost.OK {
		costCurrency = l.currencyLabel(c.CostCurrency)
		k.cost.get([3]string{account, c.Product, costCurrency}).Add(c.Cost.V)
	}
	if c.BaseCostUSD.OK {
		k.baseCost.get([2]string{account, c.Product}).Add(c.BaseCostUSD.V)
	}
	if c.SettlePay.OK {
		m.settlePay.WithLabelValues(account, c.Product, laafficSettlementCurrency).Add(c.SettlePay.V)
	}
	k.keypresses.get([2]string{account, c.Keypress}).Inc()
	k.sip.get([2]string{account, c.SIPClass}).Inc()
	k.terms.get([2]string{account, c.Termination}).Inc()
	if c.BillPeriod != "" {
		k.billPeriods.get([2]string{account, l.billPeriod.Value(c.BillPeriod)}).Inc()
	}
	k.intents.get([2]string{account, capped(c.Intent, l.intent, nil, nil)}).Inc()
	if c.Country != "" {
		k.destination.get([2]string{account, l.country.Value(c.Country)}).Inc()
	}
	if c.Recall {
		m.recalls.WithLabelValues(account).Inc()
	}

	quoteCurrency := ""
	if c.Product == productAIAgent {
		if c.AIQuoteFee.OK {
			quoteCurrency = l.currencyLabel(c.Currency)
			m.aiCost.WithLabelValues(account, quoteCurrency).Add(c.AIQuoteFee.V)
		}
		if c.AICharged.OK {
			m.aiCharged.WithLabelValues(account).Add(c.AICharged.V)
		}
		m.aiIntentCodes.WithLabelValues(account, capped(c.IntentCode, l.intentCode, nil, nil)).Inc()
	}

	script := l.scriptLabel(c.Script)
	k.scriptCalls.get([4]string{account, script, c.Product, c.Termination}).Inc()
	if c.Cost.OK {
		k.scriptCost.get([3]string{account, script, costCurrency}).Add(c.Cost.V)
	}
	if quoteCurrency != "" {
		k.scriptCost.get([3]string{account, script, quoteCurrency}).Add(c.AIQuoteFee.V)
	}
	if c.Duration.OK {
		k.scriptTalk.get([2]string{account, script}).Add(c.Duration.V)
	}
}

func (l *laafficRecorder) center(c *LaafficCenterCall, account string) {
	m := l.m
	m.centerCalls.WithLabelValues(account, c.CallType, c.HangupReason, c.HangingDirection).Inc()
	m.centerGroups.WithLabelValues(account, capped(c.AgentGroup, l.agentGroup, nil, nil), c.Outcome).Inc()
	if c.Duration.OK && c.Duration.V > 0 {
		m.centerTalk.WithLabelValues(account, c.CallType).Observe(c.Duration.V)
	}
	if c.CostUSD.OK {
		m.cost.WithLabelValues(account, productCallCenter, "USD").Add(c.CostUSD.V)
	}
	if c.BaseCostUSD.OK {
		m.baseCost.WithLabelValues(account, productCallCenter).Add(c.BaseCostUSD.V)
	}
}
