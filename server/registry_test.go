package server

import (
	"errors"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func counters(n int) []prometheus.Collector {
	var cs []prometheus.Collector
	for i := range n {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c" + strconv.Itoa(i) + "_total", Help: "c"}, []string{"l"})
		c.WithLabelValues("b").Add(float64(i))
		c.WithLabelValues("a").Inc()
		cs = append(cs, c)
	}
	return cs
}

func TestRegistryGathersAsPrometheusRegistry(t *testing.T) {
	cs := counters(12)
	ours, theirs := NewRegistry(), prometheus.NewRegistry()
	ours.MustRegister(cs...)
	theirs.MustRegister(cs...)
	got, err := ours.Gather()
	if err != nil {
		t.Fatal(err)
	}
	want, err := theirs.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if g, w := exposition(t, got), exposition(t, want); g != w {
		t.Errorf("gathered\n%s\nprometheus.Registry gathered\n%s", g, w)
	}
}

func TestRegistryRegisterChecksAsPrometheusRegistry(t *testing.T) {
	r := NewRegistry()
	first := counters(1)[0]
	r.MustRegister(first)
	err := r.Register(counters(1)[0]) // the same metric again
	var are prometheus.AlreadyRegisteredError
	if !errors.As(err, &are) || are.ExistingCollector != first {
		t.Fatalf("second registration: %v, want AlreadyRegisteredError naming the first collector", err)
	}
	mfs, err := r.Gather()
	if err != nil || len(mfs) != 1 || len(mfs[0].GetMetric()) != 2 {
		t.Errorf("after a refused registration: %d families, %v; want the first collector's", len(mfs), err)
	}
}

func TestRegistryUnregister(t *testing.T) {
	r := NewRegistry()
	cs := counters(3)
	r.MustRegister(cs...)
	if !r.Unregister(cs[1]) {
		t.Fatal("Unregister of a registered collector: false")
	}
	if r.Unregister(cs[1]) {
		t.Error("second Unregister: true")
	}
	// By description, as prometheus.Registry: another collector of the same
	// metric.
	if !r.Unregister(counters(1)[0]) {
		t.Error("Unregister by an equal collector: false")
	}
	mfs, err := r.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 1 || mfs[0].GetName() != "c2_total" {
		t.Errorf("after unregistering c0 and c1: %v", exposition(t, mfs))
	}
	r.MustRegister(cs[1]) // free again
}

// overlapDetector notes whether its Collect ever runs while another one
// of the same detector does.
type overlapDetector struct {
	active, overlaps *atomic.Int32
}

func (overlapDetector) Describe(chan<- *prometheus.Desc) {}

func (d overlapDetector) Collect(chan<- prometheus.Metric) {
	if d.active.Add(1) > 1 {
		d.overlaps.Add(1)
	}
	for range 50 {
		runtime.Gosched()
	}
	d.active.Add(-1)
}

func TestRegistryCollectsOneCollectorAtATime(t *testing.T) {
	r := NewRegistry()
	var active, overlaps atomic.Int32
	for range 40 {
		r.MustRegister(&overlapDetector{&active, &overlaps})
	}
	for range 5 {
		if _, err := r.Gather(); err != nil {
			t.Fatal(err)
		}
	}
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d collections overlapped another", n)
	}
}
