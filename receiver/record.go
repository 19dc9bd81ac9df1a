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

	arDedup, laDedup dedup.Store // claim.go: claim ids before counting
	dedupErrors      *prometheus.CounterVec
	arAdds, laAdds   atomic.Uint64 // ids added: tells the saver what changed
	ar, la           *sourceMetrics

	// Caps for open-ended labels, one per label (sized by max_label_values).
	resultLabel, question, verification, eventLabel *labelcap.Cap

	lf laafficRecorder // LAAFFIC caps and metrics (laaffic_record.go)

	// Allow-lists (webhooks.infocheck_questions / event_labels); nil or
	// empty means "any value, under the cap". Swapped whole on reload.
	questionAllow, eventLabelAllow atomic.Pointer[map[string]string]
	questionFolds, eventLabelFolds prometheus.Counter

	arDims // airudder_record.go

	// Children of the vectors counted per record, resolved once
	// (children.go).
	kids recorderChildren
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

func newRecorder(m *metrics, maxLabelValues int, arDedup, laDedup dedup.Store) *recorder {
	r := &recorder{m: m, arDedup: arDedup, laDedup: laDedup, dedupErrors: newDedupErrors(),
		kids: newRecorderChildren(m)}
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
	r.initAiRudder(m, maxLabelValues)
	return r
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

// observe records v, with the record's id as exemplar when it has one and
// the series is due for one (exemplarDue).
func observe(h prometheus.Histogram, v float64, idLabel, id string) {
	observeWith(h, v, idLabel, id)
}

// observeWith is observe for any Observer (a HistogramVec child).
func observeWith(o prometheus.Observer, v float64, idLabel, id string) {
	if id != "" {
		if eo, ok := o.(prometheus.ExemplarObserver); ok && exemplarDue(o) {
			eo.ObserveWithExemplar(v, prometheus.Labels{idLabel: id})
			return
		}
	}
	o.Observe(v)
}

// Exemplars at most once per second per histogram series. An exemplar per
// observation cost ~25 % of the recorder's CPU on LAAFFIC batches (a
// Labels map, label validation, a time.Now and a sorted insert under the
// histogram's lock, BENCHMARKS.md "Where the CPU goes"), while the client
// keeps only one exemplar per classic bucket and a few native ones, and
// Prometheus scrapes every 15 s or so: one per second is still far more
// than a scrape can carry. The first observation with an id in a second
// gets it.
//
// No clock is read per observation: exemplarSecond is the Unix second of
// the latest webhook body, set by the recorder from the request's `now`.
//
// exemplarGates holds, per series, 1 + the second of its last exemplar. It
// is a read-mostly copy-on-write map (children.go), not a sync.Map, whose
// lookup of an interface key showed at 4 % of a live LAAFFIC profile. A
// series past its bound (thousands of histogram series) gets a fresh gate
// each time, that is an exemplar per observation as before.
var (
	exemplarSecond atomic.Int64
	exemplarGates  = newChildren(func(prometheus.Observer) *atomic.Int64 { return new(atomic.Int64) })
)

// tickExemplarClock advances the exemplar clock to now's second (a load
// and, once a second, a store).
func tickExemplarClock(now time.Time) {
	if s := now.Unix(); exemplarSecond.Load() != s {
		exemplarSecond.Store(s)
	}
}

// exemplarDue reports whether o may take an exemplar now, and if so claims
// the current second for it (one caller wins when several race).
func exemplarDue(o prometheus.Observer) bool {
	gate := exemplarGates.get(o)
	next := exemplarSecond.Load() + 1
	last := gate.Load()
	return last != next && gate.CompareAndSwap(last, next)
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
