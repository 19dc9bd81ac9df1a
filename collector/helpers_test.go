package collector

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
	"airudder_exporter/internal/fakeairudder"
	"airudder_exporter/internal/testkit"
)

const (
	testAppKey    = "test-app-key-0001"
	testAppSecret = "S3cr3t-app-secret-do-not-log"
	testAccount   = "shop"
)

// fixedStart is the golden clock: the vendor example's end_time, in the
// account's zone.
var fixedStart = time.Date(2025, 11, 12, 14, 30, 0, 0, mustLoc("Asia/Jakarta"))

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// clock is a settable time source shared by the collector under test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is one collector talking to one fake AiRudder.
type env struct {
	t     *testing.T
	fake  *fakeairudder.Server
	srv   *httptest.Server
	clock *clock
	reg   *prometheus.Registry
	in    *Inbound
	logs  *testkit.LogBuffer
	acct  config.Account
}

type envOption func(*envConfig)

type envConfig struct {
	yaml      string // extra account keys, indented by 6 spaces
	transport http.RoundTripper
	secret    string
	timeout   string
}

func withYAML(s string) envOption { return func(c *envConfig) { c.yaml += s } }

func withTransport(rt http.RoundTripper) envOption {
	return func(c *envConfig) { c.transport = rt }
}

func withSecret(s string) envOption { return func(c *envConfig) { c.secret = s } }

func withTimeout(d string) envOption { return func(c *envConfig) { c.timeout = d } }

// accountConfig builds an account through the real config loader so the
// defaults are the production ones.
func accountConfig(t testing.TB, baseURL, secret, timeout, extra string) config.Account {
	t.Helper()
	if !strings.Contains(extra, "min_interval:") {
		extra += "      min_interval: 30s\n"
	}
	y := fmt.Sprintf(`airudder:
  accounts:
    - name: %s
      base_url: %s
      app_key: %s
      app_secret: %q
      timezone: Asia/Jakarta
      timeout: %s
%s`, testAccount, baseURL, testAppKey, secret, timeout, extra)
	c, err := config.Parse([]byte(y))
	if err != nil {
		t.Fatalf("config: %v\n%s", err, y)
	}
	en, _ := c.EnabledAccounts()
	if len(en) != 1 {
		t.Fatalf("want 1 enabled account, got %d", len(en))
	}
	return en[0]
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	ec := &envConfig{secret: testAppSecret, timeout: "2s"}
	for _, o := range opts {
		o(ec)
	}
	fake := fakeairudder.New(testAppKey, testAppSecret)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	e := &env{
		t:     t,
		fake:  fake,
		srv:   srv,
		clock: &clock{t: fixedStart},
		reg:   prometheus.NewPedanticRegistry(),
		logs:  &testkit.LogBuffer{},
	}
	hc := &http.Client{}
	if ec.transport != nil {
		hc.Transport = ec.transport
	}
	e.in = NewInbound(Options{
		Logger:     log.NewLogfmtLogger(e.logs),
		Registerer: e.reg,
		HTTPClient: hc,
		Now:        e.clock.Now,
	})
	e.acct = accountConfig(t, srv.URL, ec.secret, ec.timeout, ec.yaml)
	e.in.ApplyConfig([]config.Account{e.acct})
	t.Cleanup(func() { e.in.ApplyConfig(nil) }) // cancels anything in flight
	return e
}

// scrapeCtx runs one scrape bounded by ctx and returns the per-scrape
// families merged with the persistent ones, as the exporter serves them.
func (e *env) scrapeCtx(ctx context.Context) map[string]*dto.MetricFamily {
	e.t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(e.in.ScrapeCollector(ctx)); err != nil {
		e.t.Fatalf("register scrape collector: %v", err)
	}
	mfs, err := prometheus.Gatherers{reg, e.reg}.Gather()
	if err != nil {
		e.t.Fatalf("gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

func (e *env) scrape() map[string]*dto.MetricFamily {
	return e.scrapeCtx(context.Background())
}

// value returns the value of the sample of name whose labels include want
// (label pairs "k", "v", ...), or NaN when there is none.
func value(mfs map[string]*dto.MetricFamily, name string, want ...string) float64 {
	mf := mfs[name]
	if mf == nil {
		return math.NaN()
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if have[want[i]] != want[i+1] {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		}
	}
	return math.NaN()
}

func upOf(mfs map[string]*dto.MetricFamily) float64 {
	return value(mfs, "airudder_up", "account", testAccount)
}

func errorsOf(mfs map[string]*dto.MetricFamily, reason string) float64 {
	return value(mfs, "airudder_scrape_errors_total", "account", testAccount, "reason", reason)
}

// totalErrors sums airudder_scrape_errors_total over reasons.
func totalErrors(mfs map[string]*dto.MetricFamily) float64 {
	sum := 0.0
	for _, r := range allReasons {
		sum += errorsOf(mfs, r)
	}
	return sum
}

// seriesCount is the number of series of name.
func seriesCount(mfs map[string]*dto.MetricFamily, name string) int {
	if mf := mfs[name]; mf != nil {
		return len(mf.GetMetric())
	}
	return 0
}

func mustNotContain(t *testing.T, haystack string, needles ...string) {
	t.Helper()
	for _, n := range needles {
		if n != "" && strings.Contains(haystack, n) {
			t.Errorf("output contains a secret (%d chars, starting %q)", len(n), n[:min(3, len(n))])
		}
	}
}
