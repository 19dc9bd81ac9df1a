package receiver

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestChildIndexResolvesOnceOnFirstUse(t *testing.T) {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "x_total", Help: "x"}, []string{"n"})
	names := []string{"a", "b", "c"}
	resolved := 0
	x := NewChildIndex(len(names), func(i int) prometheus.Counter {
		resolved++
		return v.WithLabelValues(names[i])
	})
	x.Get(1).Inc()
	x.Get(1).Add(2)
	if resolved != 1 {
		t.Errorf("resolved %d times, want once", resolved)
	}
	if got := testutil.ToFloat64(v.WithLabelValues("b")); got != 3 {
		t.Errorf("b = %v, want 3", got)
	}
	// Only the used combination is a series.
	ch := make(chan prometheus.Metric, 8)
	v.Collect(ch)
	if len(ch) != 1 {
		t.Errorf("%d series, want 1", len(ch))
	}
}
