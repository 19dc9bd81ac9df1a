package server

import (
	"reflect"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Registry is the exporter's long-lived registry. Registering on it runs
// client_golang's checks, as on a prometheus.Registry; gathering collects
// all its collectors one after the other on one goroutine. A
// prometheus.Registry collects each collector on a goroutine of its own and
// yields the gathering goroutine once per collector started (a Gosched, to
// the back of the global run queue): under webhook load, a scrape waits
// once per collector behind every runnable handler goroutine.
type Registry struct {
	checks *prometheus.Registry // Register and Unregister's checks
	gather *prometheus.Registry // holds the one collector of them all

	mu         sync.RWMutex
	collectors []registered // copied on write: Collect reads it unlocked
}

type registered struct {
	c     prometheus.Collector
	descs []string // the collector's descriptions, sorted (Unregister)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{checks: prometheus.NewRegistry(), gather: prometheus.NewRegistry()}
	r.gather.MustRegister(allCollectors{r})
	return r
}

// Register registers c if client_golang's registry accepts it (its error,
// including an AlreadyRegisteredError naming the collector registered
// first, otherwise).
func (r *Registry) Register(c prometheus.Collector) error {
	if err := r.checks.Register(c); err != nil {
		return err
	}
	e := registered{c: c, descs: descriptions(c)}
	r.mu.Lock()
	r.collectors = append(slices.Clip(r.collectors), e)
	r.mu.Unlock()
	return nil
}

// MustRegister registers each collector and panics at the first error.
func (r *Registry) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// Unregister unregisters the collector with c's descriptions, as
// prometheus.Registry does (it need not be c itself).
func (r *Registry) Unregister(c prometheus.Collector) bool {
	if !r.checks.Unregister(c) {
		return false
	}
	descs := descriptions(c)
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.collectors, func(e registered) bool { return sameCollector(e.c, c) })
	if i < 0 {
		i = slices.IndexFunc(r.collectors, func(e registered) bool { return slices.Equal(e.descs, descs) })
	}
	if i >= 0 {
		r.collectors = slices.Delete(slices.Clone(r.collectors), i, i+1)
	}
	return true
}

// Gather collects every registered collector, checked and sorted as by
// prometheus.Registry.
func (r *Registry) Gather() ([]*dto.MetricFamily, error) { return r.gather.Gather() }

// sameCollector compares two collectors without panicking on a dynamic
// type that == cannot compare.
func sameCollector(a, b prometheus.Collector) bool {
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

func descriptions(c prometheus.Collector) []string {
	ch := make(chan *prometheus.Desc)
	go func() {
		c.Describe(ch)
		close(ch)
	}()
	var out []string
	for d := range ch {
		out = append(out, d.String())
	}
	slices.Sort(out)
	return out
}

// allCollectors is the one collector of Registry.gather. It describes
// nothing (an unchecked collector): its collectors' descriptions were
// checked when they were registered on Registry.checks.
type allCollectors struct{ r *Registry }

func (allCollectors) Describe(chan<- *prometheus.Desc) {}

func (a allCollectors) Collect(ch chan<- prometheus.Metric) {
	a.r.mu.RLock()
	cs := a.r.collectors
	a.r.mu.RUnlock()
	for _, e := range cs {
		e.c.Collect(ch)
	}
}
