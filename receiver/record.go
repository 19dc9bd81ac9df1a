package receiver

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/internal/labelcap"
)

// sourceMetrics are the self-metric children of one source, resolved once
// so the hot path does not hash label values per request.
type sourceMetrics struct {
	requests  map[string]prometheus.Counter
	accepted  prometheus.Counter // requests[outcomeAccepted], the usual one, without the lookup
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
	s.accepted = s.requests[outcomeAccepted]
	for _, r := range allReasons {
		s.reasons[r] = m.invalid.WithLabelValues(source, string(r))
	}
	return s
}

// record counts one decoded body of src posted for account: invalid
// records by reason, then (once the valid records' keys are claimed,
// claim.go) the vendor's own counting of fresh records and duplicates.
// When the claim fails it counts nothing and returns the error.
func (r *Receiver) record(src *source, body Body, account string, now time.Time) error {
	r.exemplars.tick(now)
	cl, err := r.claim(src, body, now)
	if err != nil {
		return err
	}
	defer cl.done()
	s := src.m
	for _, reason := range body.Invalid() {
		s.invalid.Inc()
		s.reasons[reason].Inc()
	}
	counted, duplicates := body.Record(account, now, cl.fresh)
	if counted > 0 {
		s.counted.Add(float64(counted))
	}
	if duplicates > 0 {
		s.duplicate.Add(float64(duplicates))
	}
	fresh := 0
	for _, f := range cl.fresh {
		if f {
			fresh++
		}
	}
	if fresh > 0 {
		src.adds.Add(uint64(fresh))
	}
	return nil
}

// request counts one webhook HTTP request with its outcome and handling
// time; an accepted one also moves the last-received gauge.
func (s *sourceMetrics) request(outcome string, start, now time.Time) {
	s.duration.Observe(now.Sub(start).Seconds())
	if outcome == outcomeAccepted {
		s.accepted.Inc()
		s.last.Set(float64(now.UnixNano()) / 1e9)
		return
	}
	s.requests[outcome].Inc()
}

// Capped returns the label value for an open-ended field: "none" when the
// vendor sent nothing, else the value if the allow-list (when set) and the
// cap admit it, else "other"; a value the allow-list refuses counts in
// folds.
func Capped(v string, c *labelcap.Cap, allow *map[string]string, folds prometheus.Counter) string {
	if v == "" {
		return ValueNone
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

// Exemplars gates exemplars: at most one per second per histogram series.
// An exemplar per observation is a large share of the recorder's CPU on
// big batches (a Labels map, label validation, a time.Now and a sorted
// insert under the histogram's lock, BENCHMARKS.md "Where the CPU goes"),
// while the client keeps only one exemplar per classic bucket and a few
// native ones, and Prometheus scrapes every 15 s or so: one per second is
// still far more than a scrape can carry. The first observation with an id
// in a second gets it.
//
// No clock is read per observation: second is the Unix second of the
// latest webhook body, set by the receiver from the request's `now`.
//
// gates holds, per series, 1 + the second of its last exemplar. It is a
// read-mostly copy-on-write map (children.go), not a sync.Map, whose lookup
// of an interface key showed in a live profile. A series past its
// bound (thousands of histogram series) gets a fresh gate each time, that
// is an exemplar per observation.
type Exemplars struct {
	second atomic.Int64
	gates  *Children[prometheus.Observer, *atomic.Int64]
}

func (e *Exemplars) init() {
	e.gates = NewChildren(func(prometheus.Observer) *atomic.Int64 { return new(atomic.Int64) })
}

// tick advances the exemplar clock to now's second (a load and, once a
// second, a store).
func (e *Exemplars) tick(now time.Time) {
	if s := now.Unix(); e.second.Load() != s {
		e.second.Store(s)
	}
}

// Observe records v in o, with the record's id as exemplar when it has one
// and the series is due for one. An id that is a phone number as people
// write it or holds an IP address (labelcap.PersonalID: a client put one
// where the id goes) is no exemplar: Prometheus would keep it as it keeps
// a label. A number alone is an id: vendors number their records.
func (e *Exemplars) Observe(o prometheus.Observer, v float64, idLabel, id string) {
	if id != "" {
		if eo, ok := o.(prometheus.ExemplarObserver); ok && e.due(o) && !labelcap.PersonalID(id) {
			// The histogram keeps its exemplar after the request; id may
			// be a slice of a string shared by a body's records, which a
			// copy does not keep alive. At most one per series a second.
			eo.ObserveWithExemplar(v, prometheus.Labels{idLabel: strings.Clone(id)})
			return
		}
	}
	o.Observe(v)
}

// due reports whether o may take an exemplar now, and if so claims the
// current second for it (one caller wins when several race).
func (e *Exemplars) due(o prometheus.Observer) bool {
	gate := e.gates.Get(o)
	next := e.second.Load() + 1
	last := gate.Load()
	return last != next && gate.CompareAndSwap(last, next)
}
