package receiver

import "time"

// LAAFFIC recording: the only code touching the LAAFFIC metrics.

// initLaafficSeries creates the small closed LAAFFIC series at zero.
func (r *recorder) initLaafficSeries() {
	m := r.m.la
	for _, c := range laafficCurrencies {
		m.cost.WithLabelValues(c)
		m.settlePay.WithLabelValues(c)
	}
	for _, t := range []string{"success", "failure", valUnknown} {
		m.terminations.WithLabelValues(t)
	}
}

// laaffic counts one decoded LAAFFIC body posted for account, like airudder.
func (r *recorder) laaffic(b *LaafficBatch, account string, now time.Time) {
	s := r.la
	for _, reason := range b.Invalid {
		s.invalid.Inc()
		s.reasons[reason].Inc()
	}
	for i := range b.Calls {
		c := &b.Calls[i]
		if !r.laDedup.Add(c.Key, now) {
			s.duplicate.Inc()
			continue
		}
		r.laAdds.Add(1)
		r.laafficCall(c)
		s.counted.Inc()
	}
}

func (r *recorder) laafficCall(c *LaafficCall) {
	m := r.m.la
	m.calls.WithLabelValues(c.Type, c.CallStatus).Inc()
	if c.Duration.OK {
		observe(m.duration, c.Duration.V, laafficIDLabel, c.Exemplar)
	}
	if c.RingDuration.OK {
		m.ring.Observe(c.RingDuration.V)
	}
	if c.TimeToAnswer.OK {
		m.timeToAnswer.Observe(c.TimeToAnswer.V)
	}
	if c.QueueDelay.OK {
		m.queueDelay.Observe(c.QueueDelay.V)
	}
	if c.PostDialDelay.OK {
		m.postDialDelay.Observe(c.PostDialDelay.V)
	}
	if c.Charged.OK {
		m.charged.Add(c.Charged.V)
	}
	if c.Cost.OK {
		m.cost.WithLabelValues(c.CostCurrency).Add(c.Cost.V)
	}
	if c.BaseCostUSD.OK {
		m.baseCost.Add(c.BaseCostUSD.V)
	}
	if c.SettlePay.OK {
		m.settlePay.WithLabelValues(c.SettleCurrency).Add(c.SettlePay.V)
	}
	m.keypresses.WithLabelValues(c.Keypress).Inc()
	m.sip.WithLabelValues(c.SIPClass).Inc()
	m.terminations.WithLabelValues(c.Termination).Inc()
	if c.BillPeriod != "" {
		m.billPeriods.WithLabelValues(r.billPeriod.Value(c.BillPeriod)).Inc()
	}
	m.intents.WithLabelValues(capped(c.Intent, r.intent, nil, nil)).Inc()
	if c.Country != "" {
		m.destinations.WithLabelValues(r.country.Value(c.Country)).Inc()
	}
	if c.Recall {
		m.recalls.Inc()
	}
}
