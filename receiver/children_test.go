package receiver

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// A cached child is the vector's own child, so counts land in the same
// series as WithLabelValues; past maxCachedChildren the cache stops
// growing and lookups still resolve the right child.
func TestChildrenCacheResolvesTheVectorsChildren(t *testing.T) {
	v := webhookCounter("c_total", "h", "a", "b")
	c := Counters2(v)
	for i := range maxCachedChildren + 10 {
		k := [2]string{fmt.Sprint("x", i), "y"}
		c.Get(k).Inc()
		c.Get(k).Inc()
		if got := c.Get(k); got != v.WithLabelValues(k[0], k[1]) {
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
// observed, and the next second takes a new exemplar. Both vendors' series
// go through the receiver's one gate.
func TestExemplarAtMostOncePerSecondPerSeries(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	n := 0
	for _, tc := range []struct {
		path, family string
		body         func(id string) string
	}{
		{pathGlobex, "globex_record_value", func(id string) string { return `[{"id":"` + id + `"}]` }},
		{pathAcme, "acme_record_value", func(id string) string { return `{"id":"` + id + `"}` }},
	} {
		post := func() string {
			t.Helper()
			n++
			id := fmt.Sprint("e", n) // ids unique across the cases
			if rec := tr.post(tc.path, []byte(tc.body(id))); rec.Code != 200 {
				t.Fatalf("%s: status %d: %s", tc.path, rec.Code, rec.Body)
			}
			return id
		}
		first := post()
		if got := bucketExemplar(t, tr.reg, tc.family, testIDLabel); got != first {
			t.Fatalf("%s: exemplar %q after the first record, want %q", tc.family, got, first)
		}
		post()
		tr.clock.Advance(500 * time.Millisecond)
		post()
		if got := bucketExemplar(t, tr.reg, tc.family, testIDLabel); got != first {
			t.Fatalf("%s: exemplar %q within the same second, want the first %q", tc.family, got, first)
		}
		tr.clock.Advance(time.Second)
		third := post()
		if got := bucketExemplar(t, tr.reg, tc.family, testIDLabel); got != third {
			t.Fatalf("%s: exemplar %q a second later, want %q", tc.family, got, third)
		}
		if c := testkit.Value(t, tr.reg, tc.family, "account", "default"); c != 4 {
			t.Fatalf("%s: count %v, want every record observed (4)", tc.family, c)
		}
		tr.clock.Advance(500 * time.Millisecond) // the next case starts on a whole second
	}
}

// An id that is a phone number as people write it or holds an IP address
// is observed without an exemplar: the exemplar would carry it into
// Prometheus. A number alone stays an exemplar: vendors number records.
func TestExemplarNeverCarriesAPhoneNumberOrIP(t *testing.T) {
	for _, id := range []string{"+6281234567890", "0812-3456-7890", "10.1.2.3", "call-7", "931888898"} {
		var e Exemplars
		e.init()
		e.tick(time.Unix(1000, 0))
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h", Buckets: []float64{1}})
		e.Observe(h, 0.5, "call_id", id)
		var m dto.Metric
		if err := h.Write(&m); err != nil {
			t.Fatal(err)
		}
		ex := m.GetHistogram().GetBucket()[0].GetExemplar()
		if want := id == "call-7" || id == "931888898"; (ex != nil) != want || m.GetHistogram().GetSampleCount() != 1 {
			t.Errorf("id %q: exemplar %v, %d observations; want an exemplar: %v, and the observation", id, ex, m.GetHistogram().GetSampleCount(), want)
		}
	}
}

// An exemplar keeps a copy of its id, not the string the id was sliced
// from (a body's ids may share one string): the histogram holds the
// exemplar long after the request.
func TestExemplarKeepsACopyOfTheID(t *testing.T) {
	var e Exemplars
	e.init()
	e.tick(time.Unix(1000, 0))
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "h", Help: "h", Buckets: []float64{1}})
	shared := strings.Repeat("x", 4096) + "call-7"
	id := shared[4096:]
	e.Observe(h, 0.5, "call_id", id)
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		t.Fatal(err)
	}
	ex := m.GetHistogram().GetBucket()[0].GetExemplar()
	if ex == nil || len(ex.GetLabel()) != 1 || ex.GetLabel()[0].GetValue() != id {
		t.Fatalf("exemplar %v, want call_id=%q", ex, id)
	}
	kept := unsafe.StringData(ex.GetLabel()[0].GetValue())
	start := uintptr(unsafe.Pointer(unsafe.StringData(shared)))
	if p := uintptr(unsafe.Pointer(kept)); p >= start && p < start+uintptr(len(shared)) {
		t.Errorf("the exemplar's id points into the shared string: it keeps all %d bytes alive", len(shared))
	}
}
