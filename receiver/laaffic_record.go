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
}

func (l *laafficRecorder) init(m *metrics, maxLabelValues int) {
	l.m = m.la
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
	for i := range b.Calls {
		c := &b.Calls[i]
		if !cl.next() {
			s.duplicate.Inc()
			continue
		}
		r.laAdds.Add(1)
		l.call(c, account)
		s.counted.Inc()
	}
	for i := range b.Center {
		c := &b.Center[i]
		if !cl.next() {
			s.duplicate.Inc()
			continue
		}
		r.laAdds.Add(1)
		l.center(c, account)
		s.counted.Inc()
	}
	for i := range b.Ringing {
		g := &b.Ringing[i]
		if !cl.next() {
			s.duplicate.Inc()
			continue
		}
		r.laAdds.Add(1)
		l.m.ringing.WithLabelValues(account, g.Type).Inc()
		l.m.ringingUnanswer.WithLabelValues(account, g.Type).Add(float64(g.UnansweredLegs))
		s.counted.Inc()
	}
	return nil
}

// observeVec is observe for one child of a histogram vector.
func observeVec(h prometheus.Observer, v float64, idLabel, id string) {
	observeWith(h, v, idLabel, id) // at most one exemplar per second per series (record.go)
}

func (l *laafficRecorder) call(c *LaafficCall, account string) {
	m := l.m
	m.calls.WithLabelValues(account, c.Product, c.Type, c.CallStatus).Inc()
	if c.Duration.OK {
		observeVec(m.duration.WithLabelValues(account, c.Product), c.Duration.V, laafficIDLabel, c.Exemplar)
	}
	if c.RingDuration.OK {
		m.ring.WithLabelValues(account).Observe(c.RingDuration.V)
	}
	if c.TimeToAnswer.OK {
		m.timeToAnswer.WithLabelValues(account).Observe(c.TimeToAnswer.V)
	}
	if c.QueueDelay.OK {
		m.queueDelay.WithLabelValues(account).Observe(c.QueueDelay.V)
	}
	if c.PostDialDelay.OK {
		m.postDialDelay.WithLabelValues(account).Observe(c.PostDialDelay.V)
	}
	for i, f := range laafficBadFields {
		if c.BadFields&(1<<i) != 0 {
			m.invalidFields.WithLabelValues(account, f).Inc()
		}
	}
	if c.Charged.OK {
		m.charged.WithLabelValues(account, c.Product).Add(c.Charged.V)
	}
	costCurrency := ""
	if c.Cost.OK {
		costCurrency = l.currencyLabel(c.CostCurrency)
		m.cost.WithLabelValues(account, c.Product, costCurrency).Add(c.Cost.V)
	}
	if c.BaseCostUSD.OK {
		m.baseCost.WithLabelValues(account, c.Product).Add(c.BaseCostUSD.V)
	}
	if c.SettlePay.OK {
		m.settlePay.WithLabelValues(account, c.Product, laafficSettlementCurrency).Add(c.SettlePay.V)
	}
	m.keypresses.WithLabelValues(account, c.Keypress).Inc()
	m.sip.WithLabelValues(account, c.SIPClass).Inc()
	m.terminations.WithLabelValues(account, c.Termination).Inc()
	if c.BillPeriod != "" {
		m.billPeriods.WithLabelValues(account, l.billPeriod.Value(c.BillPeriod)).Inc()
	}
	m.intents.WithLabelValues(account, capped(c.Intent, l.intent, nil, nil)).Inc()
	if c.Country != "" {
		m.destinations.WithLabelValues(account, l.country.Value(c.Country)).Inc()
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
	m.scriptCalls.WithLabelValues(account, script, c.Product, c.Termination).Inc()
	if c.Cost.OK {
		m.scriptCost.WithLabelValues(account, script, costCurrency).Add(c.Cost.V)
	}
	if quoteCurrency != "" {
		m.scriptCost.WithLabelValues(account, script, quoteCurrency).Add(c.AIQuoteFee.V)
	}
	if c.Duration.OK {
		m.scriptTalk.WithLabelValues(account, script).Add(c.Duration.V)
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
