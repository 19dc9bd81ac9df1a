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

	// accounts maps each account whose zero series exist to its
	// accountSeries (account).
	accounts sync.Map

	// k caches the vector children of open-ended label values (children.go:
	// a lock-free lookup instead of WithLabelValues' hash and shared
	// RWMutex); the closed combinations are in accountSeries.
	k laafficChildren
}

// laafficChildren are the children call() resolves by label values.
type laafficChildren struct {
	scriptCalls                              *receiver.Children[[4]string, prometheus.Counter]
	cost, scriptCost                         *receiver.Children[[3]string, prometheus.Counter]
	charged, baseCost                        *receiver.Children[[2]string, prometheus.Counter]
	settlePay                                *receiver.Children[[2]string, prometheus.Counter]
	recalls, aiCharged                       *receiver.Children[string, prometheus.Counter]
	billPeriods, intents, destination        *receiver.Children[[2]string, prometheus.Counter]
	scriptTalk                               *receiver.Children[[2]string, prometheus.Counter]
	duration                                 *receiver.Children[[2]string, *receiver.Histogram]
	ring, timeToAnswer, queueDelay, postDial *receiver.Children[string, *receiver.Histogram]
}

func newLaafficChildren(m *pushMetrics) laafficChildren {
	return laafficChildren{
		scriptCalls: receiver.Counters4(m.scriptCalls),
		cost:        receiver.Counters3(m.cost), scriptCost: receiver.Counters3(m.scriptCost),
		charged: receiver.Counters2(m.charged), baseCost: receiver.Counters2(m.baseCost),
		billPeriods: receiver.Counters2(m.billPeriods),
		intents:     receiver.Counters2(m.intents), destination: receiver.Counters2(m.destinations),
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
	l.account(config.DefaultWebhookAccount)
	for name := range cfg.LaafficAccounts {
		l.account(name)
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

// accountSeries are the children of one account's closed label
// combinations of voice records, by index (push_labels.go): a body adds
// its records to them without hashing a label value.
type accountSeries struct {
	calls      *receiver.ChildIndex[prometheus.Counter] // callIndex
	keypresses *receiver.ChildIndex[prometheus.Counter] // keypress
	sip        *receiver.ChildIndex[prometheus.Counter] // sipClass
	terms      *receiver.ChildIndex[prometheus.Counter] // termination
}

// productNames are the products of voice records, by productSlot.
var productNames = [...]string{productIVR, productAIAgent}

// The combinations of laaffic_calls_total's closed labels.
const (
	voiceTypes   = len(voiceTypeNames)
	callStatuses = len(callStatusNames)
	callCombos   = len(productNames) * voiceTypes * callStatuses
)

// callIndex numbers a product slot, type and call status.
func callIndex(product int, t voiceType, s callStatus) int {
	return (product*voiceTypes+int(t))*callStatuses + int(s)
}

func newAccountSeries(m *pushMetrics, account string) *accountSeries {
	return &accountSeries{
		calls: receiver.NewChildIndex(callCombos, func(i int) prometheus.Counter {
			p, t, s := i/(voiceTypes*callStatuses), i/callStatuses%voiceTypes, i%callStatuses
			return m.calls.WithLabelValues(account, productNames[p], voiceTypeNames[t], callStatusNames[s])
		}),
		keypresses: receiver.NewChildIndex(len(keypressNames), func(i int) prometheus.Counter {
			return m.keypresses.WithLabelValues(account, keypressNames[i])
		}),
		sip: receiver.NewChildIndex(len(sipClassNames), func(i int) prometheus.Counter {
			return m.sip.WithLabelValues(account, sipClassNames[i])
		}),
		terms: receiver.NewChildIndex(len(terminationNames), func(i int) prometheus.Counter {
			return m.terminations.WithLabelValues(account, terminationNames[i])
		}),
	}
}

// account returns the series of account; the first time, it creates the
// account's small closed series at zero, so rate() and the alerts work
// before its first push.
func (l *pushRecorder) account(account string) *accountSeries {
	if a, ok := l.accounts.Load(account); ok {
		return a.(*accountSeries)
	}
	a, loaded := l.accounts.LoadOrStore(account, newAccountSeries(l.m, account))
	if !loaded {
		l.initAccount(account)
	}
	return a.(*accountSeries)
}

// initAccount creates an account's small closed series at zero.
func (l *pushRecorder) initAccount(account string) {
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

// currencyLabel: the listed currencies as they are, other codes under the
// cap; false for a code over the cap, whose amounts have no series of their
// own and are not counted (never added to "other": that would sum
// currencies).
func (l *pushRecorder) currencyLabel(c string) (string, bool) {
	for _, k := range laafficCurrencies {
		if c == k {
			return k, true
		}
	}
	v := l.currency.Value(c)
	return v, v != labelcap.Other
}

// amount is an amount and the currency label it is counted under, ok when
// the record has it in a currency with a series.
func (l *pushRecorder) amount(v receiver.OptFloat, currency string, bad *uint8) (receiver.OptFloat, string) {
	if !v.OK {
		return v, ""
	}
	label, ok := l.currencyLabel(currency)
	if !ok {
		*bad |= badCurrency
		return receiver.OptFloat{}, ""
	}
	return v, label
}

// scriptLabel maps a scriptId to its configured name, else keeps the id
// under the cap (folded: the cap folded it into "other"); no scriptId is
// "none".
func (l *pushRecorder) scriptLabel(id string) (label string, folded bool) {
	if m := l.scripts.Load(); m != nil && id != "" {
		if name, ok := (*m)[id]; ok {
			return name, false
		}
	}
	return cappedLabel(id, l.script)
}

// cappedLabel is receiver.Capped without an allow-list ("none" for no
// value, else the value if the cap admits it), and whether the cap folded
// the value into "other".
func cappedLabel(v string, c *labelcap.Cap) (label string, folded bool) {
	if v == "" {
		return receiver.ValueNone, false
	}
	label = c.Value(v)
	return label, label == labelcap.Other && v != labelcap.Other
}

// record counts the decoded body b posted for account, each kind on its
// own; fresh[i] tells whether the i-th key (pushBody.Keys) was claimed fresh.
func (l *pushRecorder) record(b *pushBatch, account string, _ time.Time, fresh []bool) (counted, duplicates int) {
	acc := l.account(account)
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
	if len(b.Calls) > 0 {
		series := bodySeries{k: &l.k, acc: acc, account: account}
		for j := range b.Calls {
			if next() {
				l.call(&b.Calls[j], &series)
			}
		}
		l.flush(&series)
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

// bodySeries is what the voice records of one body (one account) add to:
// the children whose labels are the account alone or the account and the
// product, resolved once per body, and the records per label combination
// of the families that count records, added to each child once per body
// (flush) instead of once per record. A child is resolved on its first
// use, so a series still appears only once it has a value. Amounts are
// added per record, in order, so a sum comes out as record by record;
// histogram values are observed in order too, a batch under one lock.
type bodySeries struct {
	k       *laafficChildren
	acc     *accountSeries
	account string

	ring, timeToAnswer, queueDelay, postDial observations
	aiCharged                                prometheus.Counter
	duration                                 [2]observations       // by productSlot
	exemplarOffered                          [2]bool               // by productSlot
	charged, baseCost, settlePay             [2]prometheus.Counter // by productSlot
	cost, scriptCost                         memo[[3]string, prometheus.Counter]
	scriptTalk                               memo[[2]string, prometheus.Counter]

	calls      [callCombos]uint32
	keypresses [len(keypressNames)]uint32
	sip        [len(sipClassNames)]uint32
	terms      [len(terminationNames)]uint32
	recalls    uint32

	billPeriods, intents, countries tally[uint32]
	scripts                         tally[scriptCounts]
}

// scriptCounts are a script's records by product slot and termination.
type scriptCounts [len(productNames)][len(terminationNames)]uint32

// productSlot numbers the products of voice records (productNames).
func productSlot(product string) int {
	if product == productAIAgent {
		return 1
	}
	return 0
}

// observations are a body's values for one histogram child, observed
// together (ObserveMany: one lock, not one per value) when the buffer
// fills or the body is flushed.
type observations struct {
	h *receiver.Histogram
	n int
	v [observeBatch]float64
}

// observeBatch bounds the values a body buffers per histogram child.
const observeBatch = 64

func (o *observations) add(v float64) {
	o.v[o.n] = v
	o.n++
	if o.n == len(o.v) {
		o.flush()
	}
}

func (o *observations) flush() {
	if o.n > 0 {
		o.h.ObserveMany(o.v[:o.n])
		o.n = 0
	}
}

// observeSet adds v for the account's child of c when v is set, resolving
// the child on first use.
func (s *bodySeries) observeSet(o *observations, c *receiver.Children[string, *receiver.Histogram], v receiver.OptFloat) {
	if !v.OK {
		return
	}
	if o.h == nil {
		o.h = c.Get(s.account)
	}
	o.add(v.V)
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

// countLabel counts one record whose open-ended label (capped by cp) has
// the raw value v: in t, or in its child of c at once when t is full.
func (s *bodySeries) countLabel(t *tally[uint32], v string, cp *labelcap.Cap, c *receiver.Children[[2]string, prometheus.Counter]) {
	e, found := t.entry(v)
	switch {
	case e == nil:
		label, _ := cappedLabel(v, cp)
		c.Get([2]string{s.account, label}).Inc()
		return
	case !found:
		e.label, e.folded = cappedLabel(v, cp)
	case e.folded:
		cp.Value(v) // the cap counts every folded occurrence
	}
	e.n++
}

// addLabels adds the records counted in t to their children of c.
func (s *bodySeries) addLabels(t *tally[uint32], c *receiver.Children[[2]string, prometheus.Counter]) {
	for i := range t.n {
		e := &t.e[i]
		c.Get([2]string{s.account, e.label}).Add(float64(e.n))
	}
}

func (l *pushRecorder) call(c *pushCall, s *bodySeries) {
	m, k, account := l.m, &l.k, s.account
	product := productSlot(c.Product)
	s.calls[callIndex(product, c.Type, c.CallStatus)]++
	if c.Duration.OK {
		o := &s.duration[product]
		if o.h == nil {
			o.h = k.duration.Get([2]string{account, c.Product})
		}
		// One exemplar offer per series and body: the records of a body
		// share a second, and a series takes at most one a second.
		if c.Exemplar != "" && !s.exemplarOffered[product] {
			s.exemplarOffered[product] = true
			o.flush() // the values before it go first, as they came
			l.exemplars.Observe(o.h, c.Duration.V, laafficIDLabel, c.Exemplar)
		} else {
			o.add(c.Duration.V)
		}
	}
	s.observeSet(&s.ring, k.ring, c.RingDuration)
	s.observeSet(&s.timeToAnswer, k.timeToAnswer, c.TimeToAnswer)
	s.observeSet(&s.queueDelay, k.queueDelay, c.QueueDelay)
	s.observeSet(&s.postDial, k.postDial, c.PostDialDelay)
	bad := c.BadFields
	cost, costCurrency := l.amount(c.Cost, c.CostCurrency, &bad)
	var fee receiver.OptFloat
	quoteCurrency := ""
	if c.Product == productAIAgent {
		fee, quoteCurrency = l.amount(c.AIQuoteFee, c.Currency, &bad)
	}
	if bad != 0 {
		for i, f := range laafficBadFields {
			if bad&(1<<i) != 0 {
				m.invalidFields.WithLabelValues(account, f).Inc()
			}
		}
	}
	if c.Charged.OK {
		s.productCounter(&s.charged, k.charged, c.Product).Add(c.Charged.V)
	}
	if cost.OK {
		s.cost.get(k.cost, [3]string{account, c.Product, costCurrency}).Add(cost.V)
	}
	if c.BaseCostUSD.OK {
		s.productCounter(&s.baseCost, k.baseCost, c.Product).Add(c.BaseCostUSD.V)
	}
	if c.SettlePay.OK {
		s.productCounter(&s.settlePay, k.settlePay, c.Product).Add(c.SettlePay.V)
	}
	s.keypresses[c.Keypress]++
	s.sip[c.SIPClass]++
	s.terms[c.Termination]++
	if c.BillPeriod != "" {
		s.countLabel(&s.billPeriods, c.BillPeriod, l.billPeriod, k.billPeriods)
	}
	// An AI-agent record may name its intent only by code: the code is
	// then the intent, so the call is not counted as having none.
	intent := c.Intent
	if intent == "" {
		intent = c.IntentCode
	}
	s.countLabel(&s.intents, intent, l.intent, k.intents)
	if c.Country != "" {
		s.countLabel(&s.countries, c.Country, l.country, k.destination)
	}
	if c.Recall {
		s.recalls++
	}

	if c.Product == productAIAgent {
		if fee.OK {
			m.aiCost.WithLabelValues(account, quoteCurrency).Add(fee.V)
		}
		if c.AICharged.OK {
			s.counter(&s.aiCharged, k.aiCharged).Add(c.AICharged.V)
		}
		m.aiIntentCodes.WithLabelValues(account, receiver.Capped(c.IntentCode, l.intentCode, nil, nil)).Inc()
	}

	script := l.scriptCall(c, s, product)
	if cost.OK {
		s.scriptCost.get(k.scriptCost, [3]string{account, script, costCurrency}).Add(cost.V)
	}
	if fee.OK {
		s.scriptCost.get(k.scriptCost, [3]string{account, script, quoteCurrency}).Add(fee.V)
	}
	if c.Duration.OK {
		s.scriptTalk.get(k.scriptTalk, [2]string{account, script}).Add(c.Duration.V)
	}
}

// scriptCall counts the record in its script's laaffic_script_calls_total
// and returns the script's label.
func (l *pushRecorder) scriptCall(c *pushCall, s *bodySeries, product int) string {
	e, found := s.scripts.entry(c.Script)
	switch {
	case e == nil:
		script, _ := l.scriptLabel(c.Script)
		l.k.scriptCalls.Get([4]string{s.account, script, c.Product, c.Termination.String()}).Inc()
		return script
	case !found:
		e.label, e.folded = l.scriptLabel(c.Script)
	case e.folded:
		l.script.Value(c.Script) // the cap counts every folded occurrence
	}
	e.n[product][c.Termination]++
	return e.label
}

// addTallied adds counts[i] to child i of x, touching only the children
// that counted something (a series appears once it has a value).
func addTallied(x *receiver.ChildIndex[prometheus.Counter], counts []uint32) {
	for i, n := range counts {
		if n > 0 {
			x.Get(i).Add(float64(n))
		}
	}
}

// flush adds the records s counted to their children.
func (l *pushRecorder) flush(s *bodySeries) {
	for _, o := range [...]*observations{&s.duration[0], &s.duration[1], &s.ring, &s.timeToAnswer, &s.queueDelay, &s.postDial} {
		o.flush()
	}
	a := s.acc
	addTallied(a.calls, s.calls[:])
	addTallied(a.keypresses, s.keypresses[:])
	addTallied(a.sip, s.sip[:])
	addTallied(a.terms, s.terms[:])
	if s.recalls > 0 {
		l.k.recalls.Get(s.account).Add(float64(s.recalls))
	}
	s.addLabels(&s.billPeriods, l.k.billPeriods)
	s.addLabels(&s.intents, l.k.intents)
	s.addLabels(&s.countries, l.k.destination)
	for i := range s.scripts.n {
		e := &s.scripts.e[i]
		for p := range e.n {
			for t, n := range e.n[p] {
				if n > 0 {
					l.k.scriptCalls.Get([4]string{s.account, e.label, productNames[p], terminationNames[t]}).Add(float64(n))
				}
			}
		}
	}
}

// tallySize bounds the distinct values of an open-ended label a body
// counts together; a body with more counts the rest record by record.
const tallySize = 8

// tally counts the records of one body per raw value of an open-ended
// label, with the label the value got (cappedLabel) on its first record.
type tally[N any] struct {
	e [tallySize]tallyEntry[N]
	n int
}

type tallyEntry[N any] struct {
	raw, label string
	folded     bool // the cap folded raw into "other"
	n          N
}

// entry returns the entry of raw value v: found, or new (its label still
// to set); nil when the tally is full. The values are the interner's
// shared strings, so a comparison mostly finds the same pointer.
func (t *tally[N]) entry(v string) (e *tallyEntry[N], found bool) {
	for i := range t.n {
		if t.e[i].raw == v {
			return &t.e[i], true
		}
	}
	if t.n == len(t.e) {
		return nil, false
	}
	e = &t.e[t.n]
	e.raw = v
	t.n++
	return e, false
}

// memoSize bounds the children a memo keeps.
const memoSize = 8

// memo keeps the children one body resolved by label values: a few string
// comparisons instead of hashing the values for a Children lookup.
type memo[K comparable, M any] struct {
	keys [memoSize]K
	vals [memoSize]M
	n    int
}

func (m *memo[K, M]) get(c *receiver.Children[K, M], k K) M {
	for i := range m.n {
		if m.keys[i] == k {
			return m.vals[i]
		}
	}
	v := c.Get(k)
	if m.n < memoSize {
		m.keys[m.n], m.vals[m.n] = k, v
		m.n++
	}
	return v
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
