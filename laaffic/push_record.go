package laaffic

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
	"airudder_exporter/receiver"
)

// LAAFFIC recording: the only code touching the LAAFFIC metrics. Like the
// AiRudder half of recorder, it never parses: it drops records the dedup
// set has seen, caps open-ended label values and counts.

// laafficMaxCurrencies caps the currencies outside laafficCurrencies: an
// account quotes in one currency, so a handful is plenty, and every money
// family multiplies by it.
const laafficMaxCurrencies = 8

// NewPushes returns the LAAFFIC vendor of the webhook receiver, served at
// /webhooks/laaffic[/<account>].
func NewPushes() receiver.Vendor { return new(pushRecorder) }

// pushVendor is the `source` label and path segment of LAAFFIC pushes.
const pushVendor = "laaffic"

// pushRecorder holds the LAAFFIC label caps and metrics.
type pushRecorder struct {
	m         *pushMetrics
	exemplars *receiver.Exemplars
	strs      *receiver.Interner

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
	calls, scriptCalls                       *receiver.Children[[4]string, prometheus.Counter]
	cost, scriptCost                         *receiver.Children[[3]string, prometheus.Counter]
	charged, baseCost, keypresses, sip       *receiver.Children[[2]string, prometheus.Counter]
	settlePay                                *receiver.Children[[2]string, prometheus.Counter]
	recalls, aiCharged                       *receiver.Children[string, prometheus.Counter]
	terms, billPeriods, intents, destination *receiver.Children[[2]string, prometheus.Counter]
	scriptTalk                               *receiver.Children[[2]string, prometheus.Counter]
	duration                                 *receiver.Children[[2]string, prometheus.Observer]
	ring, timeToAnswer, queueDelay, postDial *receiver.Children[string, prometheus.Observer]
}

func newLaafficChildren(m *pushMetrics) laafficChildren {
	return laafficChildren{
		calls: receiver.Counters4(m.calls), scriptCalls: receiver.Counters4(m.scriptCalls),
		cost: receiver.Counters3(m.cost), scriptCost: receiver.Counters3(m.scriptCost),
		charged: receiver.Counters2(m.charged), baseCost: receiver.Counters2(m.baseCost),
		keypresses: receiver.Counters2(m.keypresses), sip: receiver.Counters2(m.sip),
		terms: receiver.Counters2(m.terminations), billPeriods: receiver.Counters2(m.billPeriods),
		intents: receiver.Counters2(m.intents), destination: receiver.Counters2(m.destinations),
		scriptTalk: receiver.Counters2(m.scriptTalk),
		settlePay: receiver.NewChildren(func(k [2]string) prometheus.Counter {
			return m.settlePay.WithLabelValues(k[0], k[1], laafficSettlementCurrency)
		}),
		recalls: receiver.Counters1(m.recalls), aiCharged: receiver.Counters1(m.aiCharged),
		duration: receiver.Observers2(m.duration),
		ring:     receiver.Observers1(m.ring), timeToAnswer: receiver.Observers1(m.timeToAnswer),
		queueDelay: receiver.Observers1(m.queueDelay), postDial: receiver.Observers1(m.postDialDelay),
	}
}

func (l *pushRecorder) Name() string { return pushVendor }

func (l *pushRecorder) Accounts(cfg config.Webhooks) map[string]config.Secret {
	return cfg.LaafficAccounts
}

func (l *pushRecorder) Init(env *receiver.Env) []prometheus.Collector {
	l.m = newPushMetrics()
	l.k = newLaafficChildren(l.m)
	l.exemplars, l.strs = env.Exemplars, env.Strings
	l.billPeriod = env.LabelCap("laaffic_bill_periods_total")
	l.intent = env.LabelCap("laaffic_intents_total")
	l.country = env.LabelCap("laaffic_destination_calls_total")
	l.intentCode = env.LabelCap("laaffic_ai_agent_intent_codes_total")
	l.script = env.LabelCap("laaffic_script_calls_total")
	l.agentGroup = env.LabelCap("laaffic_call_center_agent_group_calls_total")
	l.currency = env.NewCap("laaffic_cost_total", laafficMaxCurrencies)
	return l.m.collectors()
}

// ApplyConfig applies a reloaded max_label_values (admitted values stay)
// and webhooks.laaffic_scripts, and creates the series of every account.
func (l *pushRecorder) ApplyConfig(cfg config.Webhooks) {
	for _, c := range []*labelcap.Cap{l.billPeriod, l.intent, l.country, l.intentCode, l.script, l.agentGroup} {
		c.SetMax(cfg.MaxLabelValues)
	}
	l.setScripts(cfg.LaafficScripts)
	l.initAccount(config.DefaultWebhookAccount)
	for name := range cfg.LaafficAccounts {
		l.initAccount(name)
	}
}

// MaxBodyBytes is the LAAFFIC route's body limit
// (webhooks.laaffic_max_body_bytes): its batches are larger than
// AiRudder's bodies.
func (l *pushRecorder) MaxBodyBytes(cfg config.Webhooks) int64 { return cfg.LaafficMaxBodyBytes }

func (l *pushRecorder) NewBody() receiver.Body {
	return l.newBody(&pushBatch{strs: l.strs})
}

// newBody is a Body that decodes into batch.
func (l *pushRecorder) newBody(batch *pushBatch) receiver.Body {
	d := new(laDecoder)
	return receiver.NewBody(batch, d.decode, l.record, d.r.Release)
}

// Keys are the ids of the records: IVR/AI-agent calls, then call-centre
// records, then ringing notifications (the order Record reads them back
// in). Each kind's keys are in their own key space.
func (b *pushBatch) Keys(dst []string) []string {
	for i := range b.Calls {
		dst = append(dst, b.Calls[i].Key)
	}
	for i := range b.Center {
		dst = append(dst, b.Center[i].Key)
	}
	for i := range b.Ringing {
		dst = append(dst, b.Ringing[i].Key)
	}
	return dst
}

func (b *pushBatch) InvalidReasons() []receiver.InvalidReason { return b.Invalid }

// setScripts applies webhooks.laaffic_scripts.
func (l *pushRecorder) setScripts(scripts map[string]string) {
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
func (l *pushRecorder) initAccount(account string) {
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
	for _, t := range []string{"success", "failure", receiver.ValueUnknown} {
		m.terminations.WithLabelValues(account, t)
	}
	for _, f := range laafficBadFields {
		m.invalidFields.WithLabelValues(account, f)
	}
}

// currencyLabel: the listed currencies as they are, other codes capped.
func (l *pushRecorder) currencyLabel(c string) string {
	for _, k := range laafficCurrencies {
		if c == k {
			return k
		}
	}
	return l.currency.Value(c)
}

// scriptLabel maps a scriptId to its configured name, else keeps the id
// under the cap; no scriptId is "none".
func (l *pushRecorder) scriptLabel(id string) string {
	if id == "" {
		return receiver.ValueNone
	}
	if m := l.scripts.Load(); m != nil {
		if name, ok := (*m)[id]; ok {
			return name
		}
	}
	return l.script.Value(id)
}

// record counts the decoded body b posted for account, each kind on its
// own; fresh[i] tells whether the i-th key (pushBody.Keys) was claimed fresh.
func (l *pushRecorder) record(b *pushBatch, account string, _ time.Time, fresh []bool) (counted, duplicates int) {
	l.initAccount(account)
	i := 0
	// next takes the next claim result and counts it.
	next := func() bool {
		f := fresh[i]
		i++
		if f {
			counted++
		} else {
			duplicates++
		}
		return f
	}
	series := bodySeries{k: &l.k, account: account}
	for j := range b.Calls {
		if next() {
			l.call(&b.Calls[j], &series)
		}
	}
	for j := range b.Center {
		if next() {
			l.center(&b.Center[j], account)
		}
	}
	for j := range b.Ringing {
		if g := &b.Ringing[j]; next() {
			l.m.ringing.WithLabelValues(account, g.Type).Inc()
			l.m.ringingUnanswer.WithLabelValues(account, g.Type).Add(float64(g.UnansweredLegs))
		}
	}
	return counted, duplicates
}

// bodySeries keeps, for the records of one body (one account), the
// children whose labels are the account alone or the account and the
// product: resolved once per body, not once per record. A slot is filled
// on its first use, so a series still appears only once it has a value.
type bodySeries struct {
	k       *laafficChildren
	account string

	ring, timeToAnswer, queueDelay, postDial prometheus.Observer
	recalls, aiCharged                       prometheus.Counter
	duration                                 [2]prometheus.Observer // by productSlot
	charged, baseCost, settlePay             [2]prometheus.Counter  // by productSlot
}

// productSlot numbers the products of voice records for bodySeries.
func productSlot(product string) int {
	if product == productAIAgent {
		return 1
	}
	return 0
}

// observeSet observes v into the account's child of c when v is set,
// resolving it on first use.
func (s *bodySeries) observeSet(slot *prometheus.Observer, c *receiver.Children[string, prometheus.Observer], v receiver.OptFloat) {
	if !v.OK {
		return
	}
	if *slot == nil {
		*slot = c.Get(s.account)
	}
	(*slot).Observe(v.V)
}

// counter is the account's child of c, resolved on first use.
func (s *bodySeries) counter(slot *prometheus.Counter, c *receiver.Children[string, prometheus.Counter]) prometheus.Counter {
	if *slot == nil {
		*slot = c.Get(s.account)
	}
	return *slot
}

// productCounter is the child of c for the account and product, resolved
// on first use.
func (s *bodySeries) productCounter(slots *[2]prometheus.Counter, c *receiver.Children[[2]string, prometheus.Counter], product string) prometheus.Counter {
	slot := &slots[productSlot(product)]
	if *slot == nil {
		*slot = c.Get([2]string{s.account, product})
	}
	return *slot
}

func (l *pushRecorder) call(c *pushCall, s *bodySeries) {
	m, k, account := l.m, &l.k, s.account
	k.calls.Get([4]string{account, c.Product, c.Type, c.CallStatus}).Inc()
	if c.Duration.OK {
		slot := &s.duration[productSlot(c.Product)]
		if *slot == nil {
			*slot = k.duration.Get([2]string{account, c.Product})
		}
		l.exemplars.Observe(*slot, c.Duration.V, laafficIDLabel, c.Exemplar)
	}
	s.observeSet(&s.ring, k.ring, c.RingDuration)
	s.observeSet(&s.timeToAnswer, k.timeToAnswer, c.TimeToAnswer)
	s.observeSet(&s.queueDelay, k.queueDelay, c.QueueDelay)
	s.observeSet(&s.postDial, k.postDial, c.PostDialDelay)
	if c.BadFields != 0 {
		for i, f := range laafficBadFields {
			if c.BadFields&(1<<i) != 0 {
				m.invalidFields.WithLabelValues(account, f).Inc()
			}
		}
	}
	if c.Charged.OK {
		s.productCounter(&s.charged, k.charged, c.Product).Add(c.Charged.V)
	}
	costCurrency := ""
	if c.Cost.OK {
		costCurrency = l.currencyLabel(c.CostCurrency)
		k.cost.Get([3]string{account, c.Product, costCurrency}).Add(c.Cost.V)
	}
	if c.BaseCostUSD.OK {
		s.productCounter(&s.baseCost, k.baseCost, c.Product).Add(c.BaseCostUSD.V)
	}
	if c.SettlePay.OK {
		s.productCounter(&s.settlePay, k.settlePay, c.Product).Add(c.SettlePay.V)
	}
	k.keypresses.Get([2]string{account, c.Keypress}).Inc()
	k.sip.Get([2]string{account, c.SIPClass}).Inc()
	k.terms.Get([2]string{account, c.Termination}).Inc()
	if c.BillPeriod != "" {
		k.billPeriods.Get([2]string{account, l.billPeriod.Value(c.BillPeriod)}).Inc()
	}
	// An AI-agent record may name its intent only by code: the code is
	// then the intent, so the call is not counted as having none.
	intent := c.Intent
	if intent == "" {
		intent = c.IntentCode
	}
	k.intents.Get([2]string{account, receiver.Capped(intent, l.intent, nil, nil)}).Inc()
	if c.Country != "" {
		k.destination.Get([2]string{account, l.country.Value(c.Country)}).Inc()
	}
	if c.Recall {
		s.counter(&s.recalls, k.recalls).Inc()
	}

	quoteCurrency := ""
	if c.Product == productAIAgent {
		if c.AIQuoteFee.OK {
			quoteCurrency = l.currencyLabel(c.Currency)
			m.aiCost.WithLabelValues(account, quoteCurrency).Add(c.AIQuoteFee.V)
		}
		if c.AICharged.OK {
			s.counter(&s.aiCharged, k.aiCharged).Add(c.AICharged.V)
		}
		m.aiIntentCodes.WithLabelValues(account, receiver.Capped(c.IntentCode, l.intentCode, nil, nil)).Inc()
	}

	script := l.scriptLabel(c.Script)
	k.scriptCalls.Get([4]string{account, script, c.Product, c.Termination}).Inc()
	if c.Cost.OK {
		k.scriptCost.Get([3]string{account, script, costCurrency}).Add(c.Cost.V)
	}
	if quoteCurrency != "" {
		k.scriptCost.Get([3]string{account, script, quoteCurrency}).Add(c.AIQuoteFee.V)
	}
	if c.Duration.OK {
		k.scriptTalk.Get([2]string{account, script}).Add(c.Duration.V)
	}
}

func (l *pushRecorder) center(c *callCenterRecord, account string) {
	m := l.m
	m.centerCalls.WithLabelValues(account, c.CallType, c.HangupReason, c.HangingDirection).Inc()
	m.centerGroups.WithLabelValues(account, receiver.Capped(c.AgentGroup, l.agentGroup, nil, nil), c.Outcome).Inc()
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
