package receiver

import "time"

// airudder counts one decoded AiRudder body posted for account: invalid
// records by reason, duplicates (dedup Add happens here, for valid records
// only, right before they are counted), and the rest.
func (r *recorder) airudder(b *AiRudderBatch, account string, now time.Time) {
	s := r.ar
	for _, reason := range b.Invalid {
		s.invalid.Inc()
		s.reasons[reason].Inc()
	}
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if !r.arDedup.Add(t.Key, now) {
			s.duplicate.Inc()
			continue
		}
		r.arAdds.Add(1)
		r.m.arTaskStatus.WithLabelValues(t.Status).Inc()
		s.counted.Inc()
	}
	for i := range b.Calls {
		c := &b.Calls[i]
		if !r.arDedup.Add(c.Key, now) {
			s.duplicate.Inc()
			continue
		}
		r.arAdds.Add(1)
		r.airudderCall(c)
		s.counted.Inc()
	}
}

func (r *recorder) airudderCall(c *AiRudderCall) {
	m := r.m
	rl := capped(c.ResultLabel, r.resultLabel, nil, nil)
	m.arCalls.WithLabelValues(c.Result, rl, c.HangupType, c.RingType).Inc()
	if c.Duration.OK {
		observe(m.arDuration, c.Duration.V, airudderIDLabel, c.Exemplar)
	}
	if c.RingTime.OK {
		m.arRing.Observe(c.RingTime.V)
	}
	if c.TalkRounds.OK {
		m.arTalkRounds.Observe(c.TalkRounds.V)
	}
	if c.DialAttempts.OK {
		m.arDialAttempts.Observe(c.DialAttempts.V)
	}
	for _, rd := range c.Redials {
		m.arRedials.WithLabelValues(rd.RingType, rd.HangupType).Inc()
	}
	if len(c.Answers) > 0 {
		allow := r.questionAllow.Load()
		for _, a := range c.Answers {
			q := capped(a.Question, r.question, allow, r.questionFolds)
			v := oneOf(a.Verification, airudderVerification)
			if v == valOther {
				v = r.verification.Value(a.Verification)
			}
			m.arAnswers.WithLabelValues(q, v, a.Answered).Inc()
		}
	}
	if len(c.EventLabels) > 0 {
		allow := r.eventLabelAllow.Load()
		for _, l := range c.EventLabels {
			m.arEventLabels.WithLabelValues(capped(l, r.eventLabel, allow, r.eventLabelFolds)).Inc()
		}
	}
	if c.Workflow {
		m.arWorkflow.Inc()
	}
}
