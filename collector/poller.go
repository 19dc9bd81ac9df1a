// Package collector is the vendor-neutral half of polling a vendor API per
// configured account at scrape time. A vendor plugs in an identity and a
// fetch (see Vendor); the Poller owns the rest: the accounts and their hot
// reload, one upstream fetch per account in flight and its result cached
// for min_interval (fetchcache.go), each scrape bounded by its own
// deadline, the per-scrape self-metrics and the persistent error and fetch
// counters, the log line of a fetch and the redaction of the account's
// secrets in it.
//
// Flow: ScrapeCollector (one per /metrics request) → per account, in
// parallel: cached result younger than min_interval, or the one in-flight
// fetch, or a new Fetcher.Fetch → the fetched const metrics and the
// self-metrics. Const metrics are built once per fetch and shared by every
// scrape served from it.
package collector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
)

// Error reasons the Poller counts itself; every vendor's ErrorReasons
// include them.
const (
	// ReasonTimeout: the fetch or the scrape's deadline ran out.
	ReasonTimeout = "timeout"
	// ReasonDecode: an unreadable answer, or a fetch that panicked.
	ReasonDecode = "decode"
	// ReasonOutOfRange: a partial fetch; some values were numbers the
	// field cannot mean (a negative count, a ratio above 1). The Poller
	// never counts it itself, but both vendors do, and an alert or a
	// dashboard that selects it must find one name for them.
	ReasonOutOfRange = "out_of_range"
)

// Vendor is what a vendor plugs into a Poller for accounts configured as
// C, whose identity is K.
type Vendor[C any, K comparable] interface {
	// Identity returns the account's name (its `account` label value) and
	// what must stay equal across a reload for the account to keep its
	// state (cache, token); any other change of config is applied in place.
	Identity(cfg *C) (name string, id K)
	// MinInterval is how long one fetch's result serves the scrapes.
	MinInterval(cfg *C) time.Duration
	// NewFetcher returns the vendor half of an account of a new identity,
	// and creates the zero series of its counters in Family.Counters.
	NewFetcher(a *Account, cfg *C) Fetcher[C]
}

// Fetcher is the vendor half of one account.
type Fetcher[C any] interface {
	// Fetch does one upstream fetch with the account's current config; its
	// requests run on the Account's context, not a scrape's.
	Fetch(cfg *C, start time.Time) Fetched
	// Update takes a reloaded config of the same identity.
	Update(cfg *C)
	// Secrets are what the account's log lines must never carry.
	Secrets() []string
}

// Fetched is the outcome of one Fetch.
type Fetched struct {
	Metrics []prometheus.Metric // nil on failure
	Err     *FetchError         // nil on success
	// Partial holds the error reasons of a successful but incomplete
	// answer, each counted once.
	Partial []string
	// LogKV are key/value pairs added to the fetch's log line.
	LogKV []any
}

// FetchError is a failed fetch with its bounded `reason` label.
type FetchError struct {
	Reason string
	Msg    string
}

// Metric is the name and help text of one self-metric family.
type Metric struct{ Name, Help string }

// Family is what a vendor's Poller exposes and logs. Every metric has the
// label account; Errors also reason, Fetches also result (fetched, shared).
type Family struct {
	// Per-scrape gauges: whether the account's data was served (Up and
	// Success; Up is left out when its Name is empty), the time the scrape
	// spent on the account, the time of the last successful fetch and the
	// age of the data served.
	Up, Success, Duration, LastSuccess, Age Metric
	// ConstLabels are added to every self-metric, so several Pollers of one
	// vendor (one per endpoint) can share the self-metric names.
	ConstLabels prometheus.Labels
	// Persistent counters: failed fetches (and scrapes that gave up
	// waiting) by reason, scrapes by how their data was obtained.
	Errors, Fetches Metric
	// ErrorReasons are every reason Errors counts, created at zero for each
	// account.
	ErrorReasons []string
	// Counters are the vendor's own counters (first label account); the
	// series of a dropped account are deleted.
	Counters []*prometheus.CounterVec
	// Descs are the vendor's fetched metrics, sent by Describe.
	Descs []*prometheus.Desc
	// Log are the messages of the fetch log lines.
	Log LogMessages
}

// LogMessages are the `msg` of a vendor's fetch log lines.
type LogMessages struct {
	Fetched   string // every fetch, at debug
	Recovered string // the first success after a failure, at info
	Failed    string // a failure or a partial answer after another state, at warn
	Panicked  string // a Fetch that panicked, at error
}

// Poller holds a vendor's accounts and their caches across scrapes.
type Poller[C any, K comparable] struct {
	opts   Options
	vendor Vendor[C, K]
	m      *pollMetrics

	mu       sync.RWMutex
	accounts []*account[C, K] // config order
}

// pollMetrics are a Poller's self-metrics, shared by its accounts.
type pollMetrics struct {
	fam                                     *Family
	up, success, duration, lastSuccess, age *prometheus.Desc
	errors, fetches                         *prometheus.CounterVec
}

// NewPoller returns a Poller with no accounts; call ApplyConfig.
func NewPoller[C any, K comparable](o Options, v Vendor[C, K], f Family) *Poller[C, K] {
	o = o.withDefaults()
	gauge := func(m Metric) *prometheus.Desc {
		if m.Name == "" {
			return nil
		}
		return prometheus.NewDesc(m.Name, m.Help, []string{"account"}, f.ConstLabels)
	}
	m := &pollMetrics{
		fam: &f,
		up:  gauge(f.Up), success: gauge(f.Success), duration: gauge(f.Duration),
		lastSuccess: gauge(f.LastSuccess), age: gauge(f.Age),
		errors: Register(o.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: f.Errors.Name, Help: f.Errors.Help, ConstLabels: f.ConstLabels,
		}, []string{"account", "reason"})),
		fetches: Register(o.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: f.Fetches.Name, Help: f.Fetches.Help, ConstLabels: f.ConstLabels,
		}, []string{"account", "result"})),
	}
	return &Poller[C, K]{opts: o, vendor: v, m: m}
}

// ApplyConfig sets the accounts to poll. Accounts whose identity is
// unchanged keep their state (their config is replaced in place); the rest
// are dropped, their in-flight requests cancelled and their counters
// deleted. Safe to call concurrently with scrapes.
func (p *Poller[C, K]) ApplyConfig(accounts []C) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := make(map[K]*account[C, K], len(p.accounts))
	for _, a := range p.accounts {
		old[a.id] = a
	}
	kept := make(map[K]bool, len(accounts))
	for i := range accounts {
		if _, id := p.vendor.Identity(&accounts[i]); old[id] != nil {
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
	next := make([]*account[C, K], 0, len(accounts))
	for i := range accounts {
		cfg := accounts[i]
		name, id := p.vendor.Identity(&cfg)
		if a := old[id]; a != nil {
			delete(old, id) // a second account of the same identity gets its own state
			a.cfg.Store(&cfg)
			a.fetcher.Update(&cfg)
			next = append(next, a)
			continue
		}
		next = append(next, p.newAccount(name, id, &cfg))
	}
	p.accounts = next
}

func (p *Poller[C, K]) newAccount(name string, id K, cfg *C) *account[C, K] {
	ctx, cancel := context.WithCancel(context.Background())
	a := &account[C, K]{
		Account: Account{
			name: name, ctx: ctx, cancel: cancel,
			logger: log.With(p.opts.Logger, "account", name),
			hc:     p.opts.HTTPClient, maxBody: p.opts.MaxResponseBytes, now: p.opts.Now,
		},
		id: id,
		p:  p,
	}
	for _, r := range p.m.fam.ErrorReasons {
		p.m.errors.WithLabelValues(name, r)
	}
	p.m.fetches.WithLabelValues(name, "fetched")
	p.m.fetches.WithLabelValues(name, "shared")
	a.cfg.Store(cfg)
	a.fetcher = p.vendor.NewFetcher(&a.Account, cfg)
	return a
}

func (p *Poller[C, K]) snapshot() []*account[C, K] {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return append([]*account[C, K](nil), p.accounts...)
}

// Account is one polled account as its vendor's Fetcher sees it.
type Account struct {
	name   string
	logger log.Logger
	hc     *http.Client
	// maxBody caps one upstream answer (Options.MaxResponseBytes).
	maxBody int64
	now     func() time.Time
	// ctx is cancelled when a reload drops the account, ending its
	// in-flight requests.
	ctx    context.Context
	cancel context.CancelFunc

	// dropMu/dropped stop a dropped account's late fetch from re-creating
	// the counter series ApplyConfig deleted.
	dropMu  sync.RWMutex
	dropped bool
}

// Name is the account's `account` label value.
func (a *Account) Name() string { return a.name }

// Context ends when the account is dropped; upstream requests run on it.
func (a *Account) Context() context.Context { return a.ctx }

// Now is the Poller's clock.
func (a *Account) Now() time.Time { return a.now() }

// Logger logs with the account's name.
func (a *Account) Logger() log.Logger { return a.logger }

// Inc increments the account's series of vec (the account's name, then
// labels), unless the account was dropped.
func (a *Account) Inc(vec *prometheus.CounterVec, labels ...string) {
	a.dropMu.RLock()
	defer a.dropMu.RUnlock()
	if a.dropped {
		return
	}
	if len(labels) == 1 {
		vec.WithLabelValues(a.name, labels[0]).Inc()
		return
	}
	vec.WithLabelValues(append([]string{a.name}, labels...)...).Inc()
}

// account is the Poller's state of one account: its config, swapped by a
// reload of the same identity, and what lives as long as the identity.
type account[C any, K comparable] struct {
	Account
	id      K
	p       *Poller[C, K]
	cfg     atomic.Pointer[C]
	fetcher Fetcher[C]
	cache   fetchCache

	mu       sync.Mutex
	logState string // last logged state, so failures warn once per change
}

// drop cancels in-flight requests and deletes the account's counter series.
func (a *account[C, K]) drop() {
	a.cancel()
	a.dropMu.Lock()
	defer a.dropMu.Unlock()
	a.dropped = true
	l := prometheus.Labels{"account": a.name}
	a.p.m.errors.DeletePartialMatch(l)
	a.p.m.fetches.DeletePartialMatch(l)
	for _, c := range a.p.m.fam.Counters {
		c.DeletePartialMatch(l)
	}
}

// get returns the result for one scrape through the account's fetchCache:
// cached, in flight or newly fetched; nil when ctx ended first.
func (a *account[C, K]) get(ctx context.Context) *result {
	m := a.p.m
	return a.cache.get(ctx, fetchHooks{
		now:         a.now,
		minInterval: a.p.vendor.MinInterval(a.cfg.Load()),
		fetch:       a.fetch,
		shared:      func() { a.Inc(m.fetches, "shared") },
		panicked: func(p any) *result {
			_ = level.Error(a.logger).Log("msg", m.fam.Log.Panicked, "panic", a.redact(fmt.Sprint(p)))
			a.Inc(m.errors, ReasonDecode)
			return &result{started: a.now(), done: a.now(), err: &FetchError{Reason: ReasonDecode, Msg: "internal error"}}
		},
	})
}

// fetch does one upstream fetch, counts and logs it (get caches it).
func (a *account[C, K]) fetch() *result {
	m := a.p.m
	start := a.now()
	a.Inc(m.fetches, "fetched")
	f := a.fetcher.Fetch(a.cfg.Load(), start)
	res := &result{started: start, metrics: f.Metrics, err: f.Err}
	if f.Err != nil {
		res.metrics = nil
		a.Inc(m.errors, f.Err.Reason)
	} else {
		for _, r := range f.Partial {
			a.Inc(m.errors, r)
		}
	}
	res.done = a.now()
	a.logFetch(res, &f)
	return res
}

// redact removes every secret of the account from s. Error texts are built
// without secrets; this is the second line of defence.
func (a *account[C, K]) redact(s string) string {
	for _, secret := range a.fetcher.Secrets() {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

// logFetch logs every fetch at debug, and a failure (or partial data) at
// warn only when the state changes, so a long outage logs once.
func (a *account[C, K]) logFetch(res *result, f *Fetched) {
	msgs := &a.p.m.fam.Log
	state := "ok"
	switch {
	case res.err != nil:
		state = res.err.Reason
	case len(f.Partial) > 0:
		state = "partial"
	}
	a.mu.Lock()
	prev := a.logState
	a.logState = state
	a.mu.Unlock()

	kv := []any{"msg", msgs.Fetched, "state", state, "duration", res.done.Sub(res.started)}
	kv = append(kv, f.LogKV...)
	if res.err != nil {
		kv = append(kv, "reason", res.err.Reason, "err", a.redact(res.err.Msg))
	}
	switch {
	case state == prev || (state == "ok" && prev == ""):
		_ = level.Debug(a.logger).Log(kv...)
	case state == "ok":
		kv[1] = msgs.Recovered
		_ = level.Info(a.logger).Log(append(kv, "previous_state", prev)...)
	default:
		kv[1] = msgs.Failed
		_ = level.Warn(a.logger).Log(kv...)
	}
}

// ScrapeCollector returns a collector bound to one scrape: Collect waits
// for each account's data at most until ctx is done, then reports up 0 for
// the accounts that did not answer in time (their fetch goes on and serves
// a later scrape).
func (p *Poller[C, K]) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return &scrape[C, K]{p: p, ctx: ctx}
}

type scrape[C any, K comparable] struct {
	p   *Poller[C, K]
	ctx context.Context
}

// Describe sends every descriptor the scrape may use.
func (s *scrape[C, K]) Describe(ch chan<- *prometheus.Desc) {
	m := s.p.m
	for _, d := range m.fam.Descs {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{m.up, m.success, m.duration, m.lastSuccess, m.age} {
		if d != nil {
			ch <- d
		}
	}
}

// Collect gathers all accounts in parallel, each bounded by the scrape's
// deadline: a scrape waits for its slowest account, not for the sum.
func (s *scrape[C, K]) Collect(ch chan<- prometheus.Metric) {
	var wg sync.WaitGroup
	for _, a := range s.p.snapshot() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.collectAccount(a, ch)
		}()
	}
	wg.Wait()
}

// collectAccount sends what one scrape reports for an account: the
// result's metrics and their age when it succeeded, up and success (0 when
// the fetch failed or the scrape's deadline came first), the time the
// scrape spent, and the time of the last success.
func (s *scrape[C, K]) collectAccount(a *account[C, K], ch chan<- prometheus.Metric) {
	m := s.p.m
	begin := a.now()
	res := a.get(s.ctx)
	if res == nil {
		// The scrape's deadline came first; the fetch goes on.
		a.Inc(m.errors, ReasonTimeout)
	}
	now := a.now()
	gauge := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, a.name)
	}
	up := 0.0
	if res != nil && res.err == nil {
		up = 1
		for _, metric := range res.metrics {
			ch <- metric
		}
		gauge(m.age, now.Sub(res.done).Seconds())
	}
	if m.up != nil {
		gauge(m.up, up)
	}
	gauge(m.success, up)
	gauge(m.duration, now.Sub(begin).Seconds())
	if last := a.cache.lastSuccessTime(); !last.IsZero() {
		gauge(m.lastSuccess, float64(last.UnixNano())/1e9)
	}
}
