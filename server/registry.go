package server

import (
	"reflect"
	"slices"
	"strings"
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
//
// A collector that appends its family's exposition text itself (a
// textFamily) is gathered by Gather like any other, and left out by
// othersCollector: a text scrape writes it directly (render.go).
type Registry struct {
	checks *prometheus.Registry // Register and Unregister's checks
	gather *prometheus.Registry // holds the one collector of them all

	mu         sync.RWMutex
	collectors []registered // copied on write: Collect reads it unlocked
	texts      *textSet     // replaced on write
}

type registered struct {
	c     prometheus.Collector
	descs []string // the collector's descriptions, sorted (Unregister)
	text  bool     // c is a textFamily
}

// textFamily is a collector of one family that appends the family's text
// exposition exactly as expfmt encodes what Gather answers for it
// (metricvec.CounterVec). Only a family whose names need no quoting or
// escaping (LegacyNames) is written directly.
type textFamily interface {
	prometheus.Collector
	FamilyName() string
	LegacyNames() bool
	AppendText(b []byte, openMetrics bool) []byte
}

// textFamilies is a textFamily that writes several families, the ones one
// collector reads together (processCollector): FamilyNames, sorted, the
// first of them its FamilyName. No other family's name may fall between
// its first and its last, or its text would break the order of the answer.
type textFamilies interface {
	textFamily
	FamilyNames() []string
}

// familyNames are t's family names, sorted.
func familyNames(t textFamily) []string {
	if m, ok := t.(textFamilies); ok {
		return m.FamilyNames()
	}
	return []string{t.FamilyName()}
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{checks: prometheus.NewRegistry(), gather: prometheus.NewRegistry(), texts: newTextSet(nil)}
	r.gather.MustRegister(allCollectors{r: r, all: true})
	return r
}

// textSet is a registry's text families, sorted by name, with their names
// for the clash check of every scrape (textsClash).
type textSet struct {
	families []textFamily
	// names are the families' names, as counters: none flattens into
	// other names as a histogram does. The one family that does (the Go
	// collector's go_gc_duration_seconds summary) is first in its
	// collector's span, so a gathered name it would flatten into falls
	// inside the span, which the spans check.
	names map[string]dto.MetricType
	spans [][2]string // the first and last names of each textFamilies
	dup   bool        // two families share a name, or one's name is inside another's span
}

func newTextSet(families []textFamily) *textSet {
	slices.SortStableFunc(families, func(a, b textFamily) int { return strings.Compare(a.FamilyName(), b.FamilyName()) })
	t := &textSet{families: families, names: make(map[string]dto.MetricType, len(families))}
	for i, f := range families {
		names := familyNames(f)
		for _, name := range names {
			if _, dup := t.names[name]; dup {
				t.dup = true
			}
			t.names[name] = dto.MetricType_COUNTER
		}
		if len(names) < 2 {
			continue
		}
		span := [2]string{names[0], names[len(names)-1]}
		t.spans = append(t.spans, span)
		for j, g := range families {
			if j != i && slices.ContainsFunc(familyNames(g), func(n string) bool { return inside(span, n) }) {
				t.dup = true
			}
		}
	}
	return t
}

// inside reports whether name sorts strictly between span's first and last
// names.
func inside(span [2]string, name string) bool { return span[0] < name && name < span[1] }

func asTextFamily(c prometheus.Collector) (textFamily, bool) {
	t, ok := c.(textFamily)
	return t, ok && t.LegacyNames()
}

// Register registers c if client_golang's registry accepts it (its error,
// including an AlreadyRegisteredError naming the collector registered
// first, otherwise).
func (r *Registry) Register(c prometheus.Collector) error {
	if err := r.checks.Register(c); err != nil {
		return err
	}
	e := registered{c: c, descs: descriptions(c)}
	t, isText := asTextFamily(c)
	e.text = isText
	r.mu.Lock()
	r.collectors = append(slices.Clip(r.collectors), e)
	if isText {
		r.texts = newTextSet(append(slices.Clone(r.texts.families), t))
	}
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
		removed := r.collectors[i].c
		r.collectors = slices.Delete(slices.Clone(r.collectors), i, i+1)
		if j := slices.IndexFunc(r.texts.families, func(t textFamily) bool { return sameCollector(t, removed) }); j >= 0 {
			r.texts = newTextSet(slices.Delete(slices.Clone(r.texts.families), j, j+1))
		}
	}
	return true
}

// Gather collects every registered collector, checked and sorted as by
// prometheus.Registry.
func (r *Registry) Gather() ([]*dto.MetricFamily, error) { return r.gather.Gather() }

// othersCollector collects every registered collector but the text
// families, one after the other. It describes nothing: register it
// unchecked.
func (r *Registry) othersCollector() prometheus.Collector { return allCollectors{r: r} }

// textFamilies are the registered text families.
func (r *Registry) textFamilies() *textSet {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.texts
}

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

// allCollectors is the one collector of Registry.gather (all) and the
// othersCollector (all but the text families). It describes nothing (an
// unchecked collector): its collectors' descriptions were checked when they
// were registered on Registry.checks.
type allCollectors struct {
	r   *Registry
	all bool
}

func (allCollectors) Describe(chan<- *prometheus.Desc) {}

func (a allCollectors) Collect(ch chan<- prometheus.Metric) {
	a.r.mu.RLock()
	cs := a.r.collectors
	a.r.mu.RUnlock()
	for _, e := range cs {
		if a.all || !e.text {
			e.c.Collect(ch)
		}
	}
}
