package receiver

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// JoinedChildren is Children for a vector of several labels, keyed by its
// label values joined into one string on the stack: a lookup hashes and
// compares one short string, where an array key hashes and compares each
// value on its own (a fifth less time per lookup with five labels,
// BenchmarkChildrenLookup). The values are joined with 0xFF, as
// metricvec joins them: a byte no valid UTF-8 holds, and label values must
// be valid UTF-8 (the vector refuses others, and nothing is cached then),
// so two combinations of one vector never share a key.
type JoinedChildren[M any] struct {
	m       atomic.Pointer[map[string]M]
	mu      sync.Mutex       // serialises writers
	resolve func([]string) M // the vector's WithLabelValues
}

// joinedKeyRoom is the stack room for a joined key, enough for the usual
// few short values; a longer key is joined on the heap. (The room is
// zeroed on every lookup, so more is not free.)
const joinedKeyRoom = 128

// NewJoinedChildren returns a cache resolving a missing child with resolve.
func NewJoinedChildren[M any](resolve func([]string) M) *JoinedChildren[M] {
	c := &JoinedChildren[M]{resolve: resolve}
	c.m.Store(&map[string]M{})
	return c
}

// Get returns the child for the label values vals, resolving and caching
// it on first use.
func (c *JoinedChildren[M]) Get(vals ...string) M {
	var room [joinedKeyRoom]byte
	k := room[:0]
	for i, v := range vals {
		if i > 0 {
			k = append(k, 0xFF)
		}
		k = append(k, v...)
	}
	if v, ok := (*c.m.Load())[string(k)]; ok { // no allocation: the compiler special-cases this lookup
		return v
	}
	return c.miss(string(k), vals)
}

func (c *JoinedChildren[M]) miss(k string, vals []string) M {
	v := c.resolve(append([]string(nil), vals...)) // may panic like WithLabelValues; nothing is cached then
	c.mu.Lock()
	defer c.mu.Unlock()
	old := *c.m.Load()
	if _, ok := old[k]; ok || len(old) >= maxCachedChildren {
		return v
	}
	m := make(map[string]M, len(old)+1)
	for kk, vv := range old {
		m[kk] = vv
	}
	m[k] = v
	c.m.Store(&m)
	return v
}

// JoinedCounters caches the children of a counter vector of several
// labels.
func JoinedCounters(v *CounterVec) *JoinedChildren[prometheus.Counter] {
	return NewJoinedChildren(func(vals []string) prometheus.Counter { return v.WithLabelValues(vals...) })
}

// JoinedObservers caches the children of a histogram vector of several
// labels.
func JoinedObservers(v *prometheus.HistogramVec) *JoinedChildren[prometheus.Observer] {
	return NewJoinedChildren(func(vals []string) prometheus.Observer { return v.WithLabelValues(vals...) })
}
