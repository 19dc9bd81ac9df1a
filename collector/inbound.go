// Package collector scrapes the AiRudder inbound dashboard statistics API and
// exposes the numbers as Prometheus gauges; laaffic_balance.go does the same
// for the LAAFFIC balance, through the same fetchCache (fetchcache.go).
//
// Flow: ScrapeCollector (one per /metrics request) → per account: cached
// result younger than min_interval, or the one in-flight fetch
// (singleflight), or a new fetch → token (cached, refreshed after 20 h,
// one re-login on 401) → GET statistics → DecodeStatistics (tolerant,
// typed) → convertStatistics (const metrics, open-ended keys capped).
// Const metrics are built once per fetch and shared by every scrape served
// from it; persistent counters live in the Registerer given to NewInbound.
package collector

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
)

// Options configures an Inbound collector.
type Options struct {
	Logger     log.Logger            // nil → no logging
	Registerer prometheus.Registerer // persistent self-metrics are registered here once
	HTTPClient *http.Client          // nil → a client whose requests carry their own deadline
	Now        func() time.Time      // nil → time.Now (tests inject a clock)
}

// Inbound holds the accounts and their caches across scrapes.
type Inbound struct {
	opts Options
	m    *selfMetrics

	mu       sync.RWMutex
	accounts []*account // config order
}

// withDefaults fills the unset options: a nop logger, the shared HTTP
// client settings, the wall clock.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = newHTTPClient()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// NewInbound returns a collector with no accounts; call ApplyConfig.
func NewInbound(o Options) *Inbound {
	o = o.withDefaults()
	return &Inbound{opts: o, m: newSelfMetrics(o.Registerer)}
}

// ApplyConfig sets the accounts to scrape. Accounts whose name, base_url,
// app_key and app_secret are unchanged keep their token, cached statistics
// and label caps (other settings are updated in place); the rest are
// dropped, their in-flight requests cancelled and their counters deleted.
// Safe to call concurrently with scrapes.
func (c *Inbound) ApplyConfig(accounts []config.Account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := make(map[identity]*account, len(c.accounts))
	for _, a := range c.accounts {
		old[a.id] = a
	}
	kept := make(map[identity]bool, len(accounts))
	for i := range accounts {
		if id := identityOf(&accounts[i]); old[id] != nil {
			kept[id] = true
		}
	}
	// Drop before creating, so an account re-created under the same name
	// (new credentials) gets fresh series rather than deleted ones.
	for id, a := range old {
		if !kept[id] {
			a.drop()
		}
	}
	next := make([]*account, 0, len(accounts))
	for _, cfg := range accounts {
		if a := old[identityOf(&cfg)]; a != nil {
			a.update(cfg)
			next = append(next, a)
			continue
		}
		c.m.initAccount(cfg.Name)
		next = append(next, newAccount(cfg, &c.opts, c.m))
	}
	c.accounts = next
}

// ScrapeCollector returns a collector bound to one scrape: Collect waits
// for each account's statistics at most until ctx is done, then reports
// airudder_up 0 for accounts that did not answer in time (their fetch goes
// on and serves a later scrape).
func (c *Inbound) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return &scrape{in: c, ctx: ctx}
}

func (c *Inbound) snapshot() []*account {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]*account(nil), c.accounts...)
}

type scrape struct {
	in  *Inbound
	ctx context.Context
}

// Describe sends every descriptor the scrape may use.
func (s *scrape) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

// Collect gathers all accounts in parallel, each bounded by the scrape's
// deadline.
func (s *scrape) Collect(ch chan<- prometheus.Metric) {
	inParallel(s.in.snapshot(), func(a *account) { s.collectAccount(a, ch) })
}

// inParallel runs f for every item at once and waits for all: a scrape
// waits for its slowest account, not for the sum of them (both vendors'
// collectors).
func inParallel[T any](items []T, f func(T)) {
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(it)
		}()
	}
	wg.Wait()
}

func (s *scrape) collectAccount(a *account, ch chan<- prometheus.Metric) {
	begin := a.now()
	res := a.get(s.ctx)
	if res == nil {
		// The scrape's deadline came first; the fetch goes on.
		a.inc(a.m.errors, reasonTimeout)
	}
	emitScrape(ch, airudderSelfDescs, a.id.name, res, begin, a.now(), a.lastSuccessTime())
}

var airudderSelfDescs = selfDescs{up: upDesc, success: successDesc, duration: durationDesc, lastSuccess: lastSuccessDesc, age: ageDesc}
