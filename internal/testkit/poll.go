package testkit

import (
	"math"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// GatherScrape registers the per-scrape collector c in a fresh registry and
// gathers it before persistent (the order the exporter uses: the counters
// then include what this scrape's fetch did), by family name.
func GatherScrape(t testing.TB, c prometheus.Collector, persistent prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatalf("register scrape collector: %v", err)
	}
	mfs, err := prometheus.Gatherers{reg, persistent}.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// FamilyValue returns the value of the first gauge or counter sample of
// name whose labels include want (label pairs "k", "v", ...), or NaN when
// there is none.
func FamilyValue(mfs map[string]*dto.MetricFamily, name string, want ...string) float64 {
	mf := mfs[name]
	if mf == nil {
		return math.NaN()
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if have[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		}
	}
	return math.NaN()
}

// FamilySeries is the number of series of name.
func FamilySeries(mfs map[string]*dto.MetricFamily, name string) int {
	if mf := mfs[name]; mf != nil {
		return len(mf.GetMetric())
	}
	return 0
}

// MustNotContain fails t for each secret found in haystack, without
// printing the secret.
func MustNotContain(t testing.TB, haystack string, secrets ...string) {
	t.Helper()
	for _, n := range secrets {
		if n != "" && strings.Contains(haystack, n) {
			t.Errorf("output contains a secret (%d chars, starting %q)", len(n), n[:min(3, len(n))])
		}
	}
}
