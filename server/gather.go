package server

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// gatherBoth gathers the scrape's own registry and the long-lived one into
// what prometheus.Gatherers{scrape, long} answers. Gatherers checks every
// metric of both again (a label hash per series) and sorts the whole answer
// again, though each registry has already checked and sorted its own. When
// the two answers share no family name and no name one of them would
// flatten into (a histogram's _bucket, _count, _sum), no series can clash
// across them and the sorted answers merge as they are; otherwise (and on
// any error, so the messages stay Gatherers') they go through Gatherers.
func gatherBoth(scrape, long prometheus.Gatherer) ([]*dto.MetricFamily, error) {
	a, errA := scrape.Gather()
	b, errB := long.Gather()
	if errA == nil && errB == nil && disjointFamilies(a, b) {
		return mergeByName(a, b), nil
	}
	return prometheus.Gatherers{gathered{a, errA}, gathered{b, errB}}.Gather()
}

// gathered is an answer already gathered.
type gathered struct {
	mfs []*dto.MetricFamily
	err error
}

func (g gathered) Gather() ([]*dto.MetricFamily, error) { return g.mfs, g.err }

// disjointFamilies reports whether no family of a has the name of one of b,
// and no family of either has a name the other's histograms or summaries
// are flattened into.
func disjointFamilies(a, b []*dto.MetricFamily) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	names := func(mfs []*dto.MetricFamily) map[string]dto.MetricType {
		m := make(map[string]dto.MetricType, len(mfs))
		for _, mf := range mfs {
			m[mf.GetName()] = mf.GetType()
		}
		return m
	}
	na, nb := names(a), names(b)
	return !collidesWith(a, nb) && !collidesWith(b, na)
}

// collidesWith reports whether a family of mfs has a name in other, or is
// one of other's flattened names, or flattens into one of other's names.
func collidesWith(mfs []*dto.MetricFamily, other map[string]dto.MetricType) bool {
	for _, mf := range mfs {
		name := mf.GetName()
		if _, ok := other[name]; ok {
			return true
		}
		for _, suffix := range []string{"_count", "_sum", "_bucket"} {
			if base, ok := strings.CutSuffix(name, suffix); ok {
				if t, ok := other[base]; ok && (t == dto.MetricType_SUMMARY || t == dto.MetricType_HISTOGRAM) {
					return true
				}
			}
		}
		if t := mf.GetType(); t == dto.MetricType_SUMMARY || t == dto.MetricType_HISTOGRAM {
			for _, suffix := range []string{"_count", "_sum", "_bucket"} {
				if _, ok := other[name+suffix]; ok {
					return true
				}
			}
		}
	}
	return false
}

// mergeByName merges two answers sorted by family name, without common
// names, into one sorted by name.
func mergeByName(a, b []*dto.MetricFamily) []*dto.MetricFamily {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	out := make([]*dto.MetricFamily, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].GetName() < b[0].GetName() {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
