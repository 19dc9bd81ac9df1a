package receiver

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Why this file: resolving a child of a metric vector with WithLabelValues
// validates every label value as UTF-8, hashes them, and looks the hash up
// under the vector's RWMutex, whose reader count is one cache line that
// every webhook goroutine writes: per record, a visible share of the
// in-process handler's CPU (BENCHMARKS.md, "Where the CPU goes"). A vendor
// resolves the same few label combinations over and over, so it
// keeps the children it resolved in a read-mostly map keyed by the label
// values: a lookup is one lock-free atomic load and one Go map probe.
//
// Correct only because the receiver never deletes a child (no Reset or
// Delete on the vectors vendors count into): a cached child is then the vector's child
// forever. Label values are already capped values, so the
// caches are as bounded as the series; maxCachedChildren bounds them again.

// maxCachedChildren bounds each cache. Past it, new combinations are
// resolved through the vector every time (correct, just slower). A new
// entry copies the map (copy-on-write, so readers never lock), which is
// fine for the few hundred combinations a deployment has.
const maxCachedChildren = 2048

// Children caches the children of one metric vector by label values K.
type Children[K comparable, M any] struct {
	m       atomic.Pointer[map[K]M]
	mu      sync.Mutex // serialises writers
	resolve func(K) M  // the vector's WithLabelValues
}

// NewChildren returns a cache resolving a missing child with resolve.
func NewChildren[K comparable, M any](resolve func(K) M) *Children[K, M] {
	c := &Children[K, M]{resolve: resolve}
	c.m.Store(&map[K]M{})
	return c
}

// Get returns the child for k, resolving and caching it on first use.
func (c *Children[K, M]) Get(k K) M {
	if v, ok := (*c.m.Load())[k]; ok {
		return v
	}
	return c.miss(k)
}

func (c *Children[K, M]) miss(k K) M {
	v := c.resolve(k) // may panic on invalid UTF-8 like WithLabelValues; nothing is cached then
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

// Constructors for the label counts vendors use: Counters<n> and
// Observers<n> cache the children of a vector with n labels. The label
// values are an array key, so nothing is allocated on a hit.

func Counters1(v *CounterVec) *Children[string, prometheus.Counter] {
	return NewChildren(func(k string) prometheus.Counter { return v.WithLabelValues(k) })
}

func Counters2(v *CounterVec) *Children[[2]string, prometheus.Counter] {
	return NewChildren(func(k [2]string) prometheus.Counter { return v.WithLabelValues(k[0], k[1]) })
}

func Counters3(v *CounterVec) *Children[[3]string, prometheus.Counter] {
	return NewChildren(func(k [3]string) prometheus.Counter { return v.WithLabelValues(k[0], k[1], k[2]) })
}

func Counters4(v *CounterVec) *Children[[4]string, prometheus.Counter] {
	return NewChildren(func(k [4]string) prometheus.Counter { return v.WithLabelValues(k[0], k[1], k[2], k[3]) })
}

func Observers1(v *HistogramVec) *Children[string, *Histogram] {
	return NewChildren(func(k string) *Histogram { return v.WithLabelValues(k) })
}

func Observers2(v *HistogramVec) *Children[[2]string, *Histogram] {
	return NewChildren(func(k [2]string) *Histogram { return v.WithLabelValues(k[0], k[1]) })
}

// ObserveSet observes v into the histogram child of c for account when v
// is set.
func ObserveSet(c *Children[string, *Histogram], account string, v OptFloat) {
	if v.OK {
		c.Get(account).Observe(v.V)
	}
}
