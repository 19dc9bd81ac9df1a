package receiver

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Why this file: resolving a child of a metric vector with WithLabelValues
// validates every label value as UTF-8, hashes them, and looks the hash up
// under the vector's RWMutex, whose reader count is one cache line that
// every webhook goroutine writes. Per record that was ~13 % of the
// in-process handler's CPU (BENCHMARKS.md, "Where the CPU goes"). The
// recorder resolves the same few label combinations over and over, so it
// keeps the children it resolved in a read-mostly map keyed by the label
// values: a lookup is one lock-free atomic load and one Go map probe.
//
// Correct only because the receiver never deletes a child (no Reset or
// Delete on these vectors): a cached child is then the vector's child
// forever. Label values are the recorder's already capped values, so the
// caches are as bounded as the series; maxCachedChildren bounds them again.

// maxCachedChildren bounds each cache. Past it, new combinations are
// resolved through the vector every time (correct, just slower). A new
// entry copies the map (copy-on-write, so readers never lock), which is
// fine for the few hundred combinations a deployment has.
const maxCachedChildren = 2048

// children caches the children of one metric vector by label values K.
type children[K comparable, M any] struct {
	m       atomic.Pointer[map[K]M]
	mu      sync.Mutex // serialises writers
	resolve func(K) M  // the vector's WithLabelValues
}

func newChildren[K comparable, M any](resolve func(K) M) *children[K, M] {
	c := &children[K, M]{resolve: resolve}
	c.m.Store(&map[K]M{})
	return c
}

// get returns the child for k, resolving and caching it on first use.
func (c *children[K, M]) get(k K) M {
	if v, ok := (*c.m.Load())[k]; ok {
		return v
	}
	return c.miss(k)
}

func (c *children[K, M]) miss(k K) M {
	v := c.resolve(k) // may panic on invalid UTF-8 exactly as before; nothing is cached then
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.m.Load()
	if _, ok := old[k]; ok || len(old) >= maxCachedChildren {
		return v
	}
	m := make(map[K]M, len(old)+1)
	for kk, vv := range old {
		m[kk] = vv
	}
	m[k] = v
	c.m.Store(&m)
	return v
}

// Constructors for the label counts the recorder uses. The label values
// are passed as separate arguments, so nothing is allocated on a hit.

func counters1(v *prometheus.CounterVec) *children[string, prometheus.Counter] {
	return newChildren(func(k string) prometheus.Counter { return v.WithLabelValues(k) })
}

func counters2(v *prometheus.CounterVec) *children[[2]string, prometheus.Counter] {
	return newChildren(func(k [2]string) prometheus.Counter { return v.WithLabelValues(k[0], k[1]) })
}

func counters3(v *prometheus.CounterVec) *children[[3]string, prometheus.Counter] {
	return newChildren(func(k [3]string) prometheus.Counter { return v.WithLabelValues(k[0], k[1], k[2]) })
}

func counters4(v *prometheus.CounterVec) *children[[4]string, prometheus.Counter] {
	return newChildren(func(k [4]string) prometheus.Counter { return v.WithLabelValues(k[0], k[1], k[2], k[3]) })
}

func counters5(v *prometheus.CounterVec) *children[[5]string, prometheus.Counter] {
	return newChildren(func(k [5]string) prometheus.Counter {
		return v.WithLabelValues(k[0], k[1], k[2], k[3], k[4])
	})
}

func observers1(v *prometheus.HistogramVec) *children[string, prometheus.Observer] {
	return newChildren(func(k string) prometheus.Observer { return v.WithLabelValues(k) })
}

func observers2(v *prometheus.HistogramVec) *children[[2]string, prometheus.Observer] {
	return newChildren(func(k [2]string) prometheus.Observer { return v.WithLabelValues(k[0], k[1]) })
}

// recorderChildren are the recorder's caches, one per vector it counts per
// record.
type recorderChildren struct {
	// Per account only; resolved one by one (not all at a call's first
	// sight), so a series still appears only once it has a value.
	arDuration, arRing, arTalkRounds, arDialAttempts, arLag *children[string, prometheus.Observer]
	arWorkflow                                              *children[string, prometheus.Counter]

	arCalls                                    *children[[5]string, prometheus.Counter]
	arLineCalls, arRobotCalls, arCampaignCalls *children[[3]string, prometheus.Counter]
	arCampaignConn, arCampaignTalk             *children[[2]string, prometheus.Counter]
	arEventLabels, arRobotTransfer, arLagRej   *children[[2]string, prometheus.Counter]
	arRedials                                  *children[[3]string, prometheus.Counter]
	arAnswers                                  *children[[4]string, prometheus.Counter]
	arRobotTalk                                *children[[2]string, prometheus.Observer]
}

func newRecorderChildren(m *metrics) recorderChildren {
	return recorderChildren{
		arDuration:      observers1(m.arDuration),
		arRing:          observers1(m.arRing),
		arTalkRounds:    observers1(m.arTalkRounds),
		arDialAttempts:  observers1(m.arDialAttempts),
		arLag:           observers1(m.arLag),
		arWorkflow:      counters1(m.arWorkflow),
		arCalls:         counters5(m.arCalls),
		arLineCalls:     counters3(m.arLineCalls),
		arRobotCalls:    counters3(m.arRobotCalls),
		arCampaignCalls: counters3(m.arCampaignCalls),
		arCampaignConn:  counters2(m.arCampaignConn),
		arCampaignTalk:  counters2(m.arCampaignTalk),
		arRobotTalk:     observers2(m.arRobotTalk),
		arEventLabels:   counters2(m.arEventLabels),
		arRobotTransfer: counters2(m.arRobotTransfer),
		arLagRej:        counters2(m.arLagRejected),
		arRedials:       counters3(m.arRedials),
		arAnswers:       counters4(m.arAnswers),
	}
}
