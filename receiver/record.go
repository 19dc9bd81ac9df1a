package receiver

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/internal/labelcap"
	"airudder_exporter/receiver/dedup"
)

// recorder is the one place that touches the receiver's counters and
// histograms. It never parses: it takes decoded events, drops the ones the
// dedup set has already seen, caps open-ended label values, and counts.
type recorder struct {
	m *metrics

	arDedup, laDedup *dedup.Set
	arAdds, laAdds   atomic.Uint64 // ids added: tells the saver what changed
	ar, la           *sourceMetrics

	// Caps for open-ended labels, one per label (sized by max_label_values).
	resultLabel, question, verification, eventLabel *labelcap.Cap

	lf laafficRecorder // LAAFFIC caps and metrics (laaffic_record.go)

	// Allow-lists (webhooks.infocheck_questions / event_labels); nil or
	// empty means "any value, under the cap". Swapped whole on reload.
	questionAllow, eventLabelAllow atomic.Pointer[map[string]string]
	questionFolds, eventLabelFolds prometheus.Counter
}

// sourceMetrics are the self-metric children of one source, resolved once
// so the hot path does not hash label values per request.
type sourceMetrics struct {
	requests  map[string]prometheus.Counter
	counted   prometheus.Counter
	duplicate prometheus.Counter
	invalid   prometheus.Counter
	reasons   map[InvalidReason]prometheus.Counter
	last      prometheus.Gauge
	duration  prometheus.Observer
}

func newSourceMetrics(m *metrics, source string) *sourceMetrics {
	s := &sourceMetrics{
		requests:  make(map[string]prometheus.Counter, len(requestOutcomes)),
		counted:   m.records.WithLabelValues(source, recordCounted),
		duplicate: m.records.WithLabelValues(source, recordDuplicate),
		invalid:   m.records.WithLabelValues(source, recordInvalid),
		reasons:   make(map[InvalidReason]prometheus.Counter, len(allReasons)),
		last:      m.lastReceived.WithLabelValues(source),
		duration:  m.requestDuration.WithLabelValues(source),
	}
	for _, o := range requestOutcomes {
		s.requests[o] = m.requests.WithLabelValues(source, o)
	}
	for _, r := range allReasons {
		s.reasons[r] = m.invalid.WithLabelValues(source, string(r))
	}
	return s
}

func newRecorder(m *metrics, maxLabelValues int, arDedup, laDedup *dedup.Set) *recorder {
	r := &recorder{m: m, arDedup: arDedup, laDedup: laDedup}
	r.ar = newSourceMetrics(m, sourceAiRudder)
	r.la = newSourceMetrics(m, sourceLaaffic)
	newCap := func(metric string) *labelcap.Cap {
		c := m.folded.WithLabelValues(metric)
		return labelcap.New(maxLabelValues, c.Inc)
	}
	r.resultLabel = newCap("airudder_calls_total")
	r.question = newCap("airudder_infocheck_answers_total")
	r.verification = newCap("airudder_infocheck_answers_total")
	r.eventLabel = newCap("airudder_call_event_labels_total")
	r.lf.init(m, maxLabelValues)
	r.questionFolds = m.folded.WithLabelValues("airudder_infocheck_answers_total")
	r.eventLabelFolds = m.folded.WithLabelValues("airudder_call_event_labels_total")
	r.initSeries()
	return r
}

// initSeries creates the series of small closed label sets at zero, so
// rate() and absent() work before the first webhook arrives.
func (r *recorder) initSeries() {
	m := r.m
	for _, s := range airudderTaskStatus {
		m.arTaskStatus.WithLabelValues(s)
	}
}

// setLimits applies a reload: cap sizes and allow-lists. Admitted values
// and every counter stay as they are.
func (r *recorder) setLimits(maxLabelValues int, questions, eventLabels []string) {
	for _, c := range []*labelcap.Cap{r.resultLabel, r.question, r.verification, r.eventLabel} {
		c.SetMax(maxLabelValues)
	}
	r.lf.setMax(maxLabelValues)
	r.questionAllow.Store(allowList(questions))
	r.eventLabelAllow.Store(allowList(eventLabels))
}

func allowList(vals []string) *map[string]string {
	if len(vals) == 0 {
		return nil
	}
	m := make(map[string]string, len(vals))
	for _, v := range vals {
		if v = strings.TrimSpace(v); labelcap.Printable(v) {
			m[v] = v
		}
	}
	return &m
}

// capped returns the label value for an open-ended field: "none" when the
// vendor sent nothing, else the value if the allow-list (when set) and the
// cap admit it, else "other".
func capped(v string, c *labelcap.Cap, allow *map[string]string, folds prometheus.Counter) string {
	if v == "" {
		return valNone
	}
	if allow != nil {
		if a, ok := (*allow)[v]; ok {
			return a
		}
		folds.Inc()
		return labelcap.Other
	}
	return c.Value(v)
}

// observe records v, with the record's id as exemplar when it has one.
func observe(h prometheus.Histogram, v float64, idLabel, id string) {
	if id == "" {
		h.Observe(v)
		return
	}
	h.(prometheus.ExemplarObserver).ObserveWithExemplar(v, prometheus.Labels{idLabel: id})
}

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

// request counts one webhook HTTP request of source with its outcome and
// handling time; an accepted one also moves the last-received gauge.
func (r *recorder) request(source, outcome string, start, now time.Time) {
	s := r.ar
	if source == sourceLaaffic {
		s = r.la
	}
	s.requests[outcome].Inc()
	s.duration.Observe(now.Sub(start).Seconds())
	if outcome == outcomeAccepted {
		s.last.Set(float64(now.UnixNano()) / 1e9)
	}
}
