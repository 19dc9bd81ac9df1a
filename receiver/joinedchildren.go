package receiver

import (
	"strings"

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
	c *Children[string, M]
}

// joinedKeyRoom is the stack room for a joined key, enough for the usual
// few short values; a longer key is joined on the heap. (The room is
// zeroed on every lookup, so more is not free.)
const joinedKeyRoom = 128

// NewJoinedChildren returns a cache resolving a missing child with resolve.
func NewJoinedChildren[M any](resolve func([]string) M) *JoinedChildren[M] {
	return &JoinedChildren[M]{c: NewChildren(func(k string) M {
		return resolve(strings.Split(k, "\xff"))
	})}
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
	if v, ok := (*c.c.m.Load())[string(k)]; ok { // no allocation: the compiler special-cases this lookup
		return v
	}
	return c.c.miss(string(k))
}

// JoinedCounters caches the children of a counter vector of several
// labels.
func JoinedCounters(v *CounterVec) *JoinedChildren[prometheus.Counter] {
	return NewJoinedChildren(func(vals []string) prometheus.Counter { return v.WithLabelValues(vals...) })
}

// JoinedObservers caches the children of a histogram vector of several
// labels.
func JoinedObservers(v *HistogramVec) *JoinedChildren[*Histogram] {
	return NewJoinedChildren(func(vals []string) *Histogram { return v.WithLabelValues(vals...) })
}
