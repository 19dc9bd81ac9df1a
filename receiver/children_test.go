package receiver

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
)

// A cached child is the vector's own child, so counts land in the same
// series as WithLabelValues; past maxCachedChildren the cache stops
// growing and lookups still resolve the right child.
func TestChildrenCacheResolvesTheVectorsChildren(t *testing.T) {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c_total", Help: "h"}, []string{"a", "b"})
	c := counters2(v)
	for i := range maxCachedChildren + 10 {
		k := [2]string{fmt.Sprint("x", i), "y"}
		c.get(k).Inc()
		c.get(k).Inc()
		if got := c.get(k); got != v.WithLabelValues(k[0], k[1]) {
			t.Fatalf("child %v is not the vector's", k)
		}
	}
	if n := len(*c.m.Load()); n != maxCachedChildren {
		t.Fatalf("cache holds %d children, want the bound %d", n, maxCachedChildren)
	}
	for _, i := range []int{0, maxCachedChildren + 5} {
		var m dto.Metric
		if err := v.WithLabelValues(fmt.Sprint("x", i), "y").Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != 2 {
			t.Errorf("series x%d = %v, want 2", i, got)
		}
	}
}

// bucketExemplar returns the id label of the exemplar on the first bucket
// of the named histogram family (every test observation falls into it).
func bucketExemplar(t *testing.T, g prometheus.Gatherer, family, idLabel string) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != family {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetHistogram().GetBucket()[0].GetExemplar().GetLabel() {
				if l.GetName() == idLabel {
					return l.GetValue()
				}
			}
		}
	}
	return ""
}

// Exemplars are attached at most once per second per series (record.go):
// the first id of a second is kept, later ones of that second are only
// observed, and the next second takes a new exemplar.
func TestExemplarAtMostOncePerSecondPerSeries(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	for _, tc := range []struct {
		path, body, family, idLabel string
		labels                      []string
	}{
		{PathLaaffic, laafficRecord(0), "laaffic_call_duration_seconds", laafficIDLabel, []string{"account", "default", "product", "ivr"}},
		{PathAiRudder, airudderBody(1), "airudder_call_duration_seconds", airudderIDLabel, []string{"account", "default"}},
	} {
		st := newIDStamper(tc.body)
		st.n = uint64(time.Now().UnixNano()) // ids unique across the cases
		id := func() string { return string(st.body[st.offs[0] : st.offs[0]+len(idPlaceholder)]) }
		post := func() string {
			t.Helper()
			if rec := tr.post(tc.path, st.next()); rec.Code != 200 {
				t.Fatalf("%s: status %d: %s", tc.path, rec.Code, rec.Body)
			}
			return id()
		}
		first := post()
		if got := bucketExemplar(t, tr.reg, tc.family, tc.idLabel); got != first {
			t.Fatalf("%s: exemplar %q after the first call, want %q", tc.family, got, first)
		}
		post()
		tr.clock.Advance(500 * time.Millisecond)
		post()
		if got := bucketExemplar(t, tr.reg, tc.family, tc.idLabel); got != first {
			t.Fatalf("%s: exemplar %q within the same second, want the first %q", tc.family, got, first)
		}
		tr.clock.Advance(time.Second)
		third := post()
		if got := bucketExemplar(t, tr.reg, tc.family, tc.idLabel); got != third {
			t.Fatalf("%s: exemplar %q a second later, want %q", tc.family, got, third)
		}
		if n := counterValue(t, tr.reg, tc.family, tc.labels...); n != 4 {
			t.Fatalf("%s: count %v, want every call observed (4)", tc.family, n)
		}
		tr.clock.Advance(500 * time.Millisecond) // the next case starts on a whole second
	}
}
