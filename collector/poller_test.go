package collector

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/internal/testkit"
)

// testAccount is the config of a test vendor's account.
type testAccount struct {
	name, secret string
	minInterval  time.Duration
}

// testVendor fetches a gauge whose value is the number of fetches, or
// fails, blocks or panics on demand.
type testVendor struct {
	fetches atomic.Int64
	fail    atomic.Pointer[FetchError]
	panics  atomic.Bool
	block   chan struct{} // when set, a fetch waits for it
	desc    *prometheus.Desc
}

func (*testVendor) Identity(c *testAccount) (string, [2]string) {
	return c.name, [2]string{c.name, c.secret}
}

func (*testVendor) MinInterval(c *testAccount) time.Duration { return c.minInterval }

func (v *testVendor) NewFetcher(a *Account, c *testAccount) Fetcher[testAccount] {
	return &testFetcher{v: v, a: a, secret: c.secret}
}

type testFetcher struct {
	v      *testVendor
	a      *Account
	secret string
}

func (f *testFetcher) Update(*testAccount) {}
func (f *testFetcher) Secrets() []string   { return []string{f.secret} }

func (f *testFetcher) Fetch(c *testAccount, _ time.Time) Fetched {
	n := f.v.fetches.Add(1)
	if f.v.block != nil {
		<-f.v.block
	}
	if f.v.panics.Load() {
		panic("boom " + f.secret)
	}
	if e := f.v.fail.Load(); e != nil {
		return Fetched{Err: e}
	}
	return Fetched{Metrics: []prometheus.Metric{
		prometheus.MustNewConstMetric(f.v.desc, prometheus.GaugeValue, float64(n), c.name),
	}}
}

var testFamily = Family{
	Up:           Metric{"test_up", "up"},
	Success:      Metric{"test_scrape_collector_success", "success"},
	Duration:     Metric{"test_scrape_collector_duration_seconds", "duration"},
	LastSuccess:  Metric{"test_last_success_timestamp_seconds", "last success"},
	Age:          Metric{"test_age_seconds", "age"},
	Errors:       Metric{"test_scrape_errors_total", "errors"},
	Fetches:      Metric{"test_fetches_total", "fetches"},
	ErrorReasons: []string{ReasonTimeout, ReasonDecode, "refused"},
	Log:          LogMessages{Fetched: "fetched", Recovered: "recovered", Failed: "failed", Panicked: "panicked"},
}

type pollerEnv struct {
	t      *testing.T
	v      *testVendor
	p      *Poller[testAccount, [2]string]
	reg    *prometheus.Registry
	clock  *testkit.Clock
	logs   *testkit.LogBuffer
	config []testAccount
}

func newPollerEnv(t *testing.T, v *testVendor) *pollerEnv {
	v.desc = prometheus.NewDesc("test_value", "value", []string{"account"}, nil)
	f := testFamily
	f.Descs = []*prometheus.Desc{v.desc}
	e := &pollerEnv{t: t, v: v, reg: prometheus.NewPedanticRegistry(),
		clock: testkit.NewClock(time.Unix(1e9, 0)), logs: &testkit.LogBuffer{}}
	e.p = NewPoller[testAccount, [2]string](Options{
		Logger: log.NewLogfmtLogger(e.logs), Registerer: e.reg, Now: e.clock.Now,
	}, v, f)
	e.config = []testAccount{{name: "a", secret: "secret-a", minInterval: time.Minute}}
	e.p.ApplyConfig(e.config)
	t.Cleanup(func() { e.p.ApplyConfig(nil) })
	return e
}

func (e *pollerEnv) scrapeCtx(ctx context.Context) func(name string, labels ...string) float64 {
	mfs := testkit.GatherScrape(e.t, e.p.ScrapeCollector(ctx), e.reg)
	return func(name string, labels ...string) float64 {
		return testkit.FamilyValue(mfs, name, append([]string{"account", "a"}, labels...)...)
	}
}

func (e *pollerEnv) scrape() func(name string, labels ...string) float64 {
	return e.scrapeCtx(context.Background())
}

// A fetch's result serves every scrape for min_interval; then a new fetch.
func TestPollerCachesForMinInterval(t *testing.T) {
	e := newPollerEnv(t, &testVendor{})
	got := e.scrape()
	if got("test_value") != 1 || got("test_up") != 1 || got("test_scrape_collector_success") != 1 || got("test_age_seconds") != 0 {
		t.Fatalf("first scrape: value %v up %v", got("test_value"), got("test_up"))
	}
	e.clock.Advance(30 * time.Second)
	got = e.scrape()
	if got("test_value") != 1 || got("test_age_seconds") != 30 || got("test_fetches_total", "result", "shared") != 1 {
		t.Errorf("cached scrape: value %v age %v shared %v", got("test_value"), got("test_age_seconds"), got("test_fetches_total", "result", "shared"))
	}
	if got("test_last_success_timestamp_seconds") != 1e9 {
		t.Errorf("last success = %v", got("test_last_success_timestamp_seconds"))
	}
	e.clock.Advance(31 * time.Second)
	if got = e.scrape(); got("test_value") != 2 || got("test_fetches_total", "result", "fetched") != 2 {
		t.Errorf("after min_interval: value %v fetched %v", got("test_value"), got("test_fetches_total", "result", "fetched"))
	}
}

// Concurrent scrapes share one fetch; a scrape whose deadline passes first
// reports up 0 and a timeout at once, and the fetch goes on for the next.
func TestPollerSharesOneFetchAndKeepsItPastDeadline(t *testing.T) {
	v := &testVendor{block: make(chan struct{})}
	e := newPollerEnv(t, v)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	got := e.scrapeCtx(ctx)
	if got("test_up") != 0 || got("test_scrape_errors_total", "reason", ReasonTimeout) != 1 {
		t.Fatalf("deadline: up %v timeouts %v", got("test_up"), got("test_scrape_errors_total", "reason", ReasonTimeout))
	}
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := e.scrape(); got("test_value") != 1 {
				t.Errorf("concurrent scrape: value %v", got("test_value"))
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	close(v.block)
	wg.Wait()
	if n := v.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1 shared by every scrape", n)
	}
}

// A failure is counted by its reason and warned about once per state
// change, with the account's secret redacted; a panicking fetch is a
// decode failure, not a crash.
func TestPollerFailuresAndPanics(t *testing.T) {
	v := &testVendor{}
	e := newPollerEnv(t, v)
	v.fail.Store(&FetchError{Reason: "refused", Msg: "upstream said no to secret-a"})
	for i := 0; i < 3; i++ {
		got := e.scrape()
		if got("test_up") != 0 || got("test_scrape_errors_total", "reason", "refused") != float64(i+1) {
			t.Fatalf("failure %d: up %v refused %v", i, got("test_up"), got("test_scrape_errors_total", "reason", "refused"))
		}
		e.clock.Advance(time.Minute)
	}
	v.fail.Store(nil)
	v.panics.Store(true)
	if got := e.scrape(); got("test_up") != 0 || got("test_scrape_errors_total", "reason", ReasonDecode) != 1 {
		t.Errorf("panic: up %v decode %v", got("test_up"), got("test_scrape_errors_total", "reason", ReasonDecode))
	}
	v.panics.Store(false)
	e.clock.Advance(time.Minute)
	if got := e.scrape(); got("test_up") != 1 {
		t.Errorf("recovery: up %v", got("test_up"))
	}
	logs := e.logs.String()
	if n := strings.Count(logs, "level=warn"); n != 1 {
		t.Errorf("warnings = %d, want 1 (one per state change):\n%s", n, logs)
	}
	if !strings.Contains(logs, "msg=panicked") || !strings.Contains(logs, "msg=recovered") {
		t.Errorf("missing panic or recovery line:\n%s", logs)
	}
	testkit.MustNotContain(t, logs, "secret-a")
}

// A reload keeps an account of the same identity (and its cache), replaces
// one whose identity changed (fresh series), deletes a removed one's
// series, and a dropped account's late fetch re-creates none.
func TestPollerApplyConfig(t *testing.T) {
	v := &testVendor{}
	e := newPollerEnv(t, v)
	e.scrape()
	e.config[0].minInterval = 2 * time.Minute
	e.p.ApplyConfig(e.config)
	e.clock.Advance(90 * time.Second)
	if got := e.scrape(); got("test_value") != 1 {
		t.Errorf("same identity: value %v, want the cached 1 (new min_interval applied)", got("test_value"))
	}

	e.config[0].secret = "secret-b"
	e.p.ApplyConfig(e.config)
	got := e.scrape()
	if got("test_value") != 2 || got("test_fetches_total", "result", "shared") != 0 {
		t.Errorf("new identity: value %v shared %v, want a fresh fetch and fresh counters", got("test_value"), got("test_fetches_total", "result", "shared"))
	}

	v.block = make(chan struct{})
	e.clock.Advance(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	e.scrapeCtx(ctx) // a fetch now blocks in flight
	e.p.ApplyConfig(nil)
	close(v.block)
	time.Sleep(20 * time.Millisecond) // the late fetch finishes
	mfs, err := e.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if len(mf.GetMetric()) > 0 {
			t.Errorf("series of a removed account remain in %s", mf.GetName())
		}
	}
}

// Two Pollers whose Families differ only in their const labels share the
// self-metric names on one registry; without an Up name no up gauge is sent.
func TestPollerConstLabelsWithoutUp(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	var scrapes []prometheus.Collector
	for _, endpoint := range []string{"one", "two"} {
		v := &testVendor{desc: prometheus.NewDesc("test_value_"+endpoint, "value", []string{"account"}, nil)}
		f := testFamily
		f.Up = Metric{}
		f.ConstLabels = prometheus.Labels{"endpoint": endpoint}
		f.Descs = []*prometheus.Desc{v.desc}
		p := NewPoller[testAccount, [2]string](Options{Registerer: reg}, v, f)
		p.ApplyConfig([]testAccount{{name: "a", secret: "secret-a", minInterval: time.Minute}})
		t.Cleanup(func() { p.ApplyConfig(nil) })
		scrapes = append(scrapes, p.ScrapeCollector(context.Background()))
	}
	scrape := prometheus.NewPedanticRegistry()
	for _, c := range scrapes {
		if err := scrape.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	mfs := testkit.GatherScrape(t, scrape, reg)
	for _, endpoint := range []string{"one", "two"} {
		if got := testkit.FamilyValue(mfs, "test_scrape_collector_success", "account", "a", "endpoint", endpoint); got != 1 {
			t.Errorf("success{endpoint=%s} = %v", endpoint, got)
		}
		if got := testkit.FamilyValue(mfs, "test_fetches_total", "account", "a", "endpoint", endpoint, "result", "fetched"); got != 1 {
			t.Errorf("fetches{endpoint=%s} = %v", endpoint, got)
		}
	}
	if n := testkit.FamilySeries(mfs, "test_up"); n != 0 {
		t.Errorf("test_up has %d series, want none", n)
	}
}
