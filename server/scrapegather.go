package server

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// directRender renders the text scrapes over a *Registry. A scrape is
// gathered in one go: the scrape's collectors, then long's collectors other
// than its text families, by a familyGatherer, or by a prometheus.Registry
// when that one cannot. Each Gather of a prometheus.Registry allocates two
// metric channels of a thousand entries, and a registry made per scrape its
// maps and a registration goroutine besides; the gatherers are kept in a
// pool, and concurrent scrapes each take their own.
type directRender struct {
	long *Registry
	pool sync.Pool // of *scrapeGatherer
}

func newDirectRender(long *Registry) *directRender {
	d := &directRender{long: long}
	d.pool.New = func() any {
		c := &scrapeThenLong{long: long.othersCollector()}
		reg := prometheus.NewRegistry()
		reg.MustRegister(c) // unchecked: its collectors were checked when registered
		return &scrapeGatherer{fam: newFamilyGatherer(), reg: reg, c: c}
	}
	return d
}

// render gathers the scrape's collectors and long's, and writes the answer
// in format, a text format (renderText). When it cannot (a gathering error,
// a name clash: promhttp answers, with client_golang's messages), it writes
// nothing, reports false, and returns the scrape's collectors' metrics
// gathered alone, without collecting them again: collecting them is the
// upstream fetch.
func (d *directRender) render(bw *scrapeBuffer, format expfmt.Format, scrapers scrapeCollectors, pl *promLogger) (bool, gathered) {
	g := d.pool.Get().(*scrapeGatherer)
	defer d.put(g)
	g.c.scrapers = scrapers
	mfs, legacyNames := g.fam.gather(g.c) // it gathers legacy names only
	if !legacyNames {
		g.c.replay = true
		var err error
		if mfs, err = g.reg.Gather(); err != nil {
			return false, gatherOnce(replayCollector(g.c.recorded))
		}
	}
	if renderText(bw, format, mfs, legacyNames, d.long.textFamilies(), pl) {
		return true, gathered{}
	}
	return false, gatherOnce(replayCollector(g.c.recorded))
}

func (d *directRender) put(g *scrapeGatherer) {
	g.c.scrapers = nil
	g.c.replay = false
	clear(g.c.recorded) // the pool does not keep a scrape's metrics alive
	g.c.recorded = g.c.recorded[:0]
	d.pool.Put(g)
}

// scrapeGatherer gathers one scrapeThenLong: fam, or reg (which holds c).
type scrapeGatherer struct {
	fam *familyGatherer
	reg *prometheus.Registry
	c   *scrapeThenLong
}

// scrapeThenLong collects the scrape's collectors first and the long-lived
// ones after them, on the gathering goroutine: the long-lived request
// counters the fetch increments are collected once the fetch is done, so
// they include this scrape's requests. The scrape's metrics are recorded,
// and sent again instead of collected again once replay is set: collecting
// them is the upstream fetch.
type scrapeThenLong struct {
	scrapers scrapeCollectors
	long     prometheus.Collector
	recorded []prometheus.Metric
	replay   bool
	fetched  chan prometheus.Metric // kept from one scrape to the next
}

func (*scrapeThenLong) Describe(chan<- *prometheus.Desc) {}

func (c *scrapeThenLong) Collect(ch chan<- prometheus.Metric) {
	if c.replay {
		replayCollector(c.recorded).Collect(ch)
	} else if len(c.scrapers) > 0 {
		if c.fetched == nil {
			c.fetched = make(chan prometheus.Metric, 64)
		}
		collectAll(c.scrapers, c.fetched, func(m prometheus.Metric) {
			c.recorded = append(c.recorded, m)
			ch <- m
		})
	}
	c.long.Collect(ch)
}

// replayCollector sends metrics already collected.
type replayCollector []prometheus.Metric

func (replayCollector) Describe(chan<- *prometheus.Desc) {}

func (r replayCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range r {
		ch <- m
	}
}

// gatherOnce gathers c (unchecked) in a registry of its own.
func gatherOnce(c prometheus.Collector) gathered {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	return gathered{mfs, err}
}
