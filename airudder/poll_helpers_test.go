package airudder

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/airudder/airuddertest"
	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

const (
	statAppKey    = "test-app-key-0001"
	statAppSecret = "S3cr3t-app-secret-do-not-log"
	statAccount   = "shop"
)

// pollStart is the golden clock: the vendor example's end_time, in the
// account's zone.
var pollStart = time.Date(2025, 11, 12, 14, 30, 0, 0, pollLocation("Asia/Jakarta"))

func pollLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// statEnv is one statistics poller talking to one fake AiRudder.
type statEnv struct {
	t     *testing.T
	fake  *airuddertest.Server
	srv   *httptest.Server
	clock *testkit.Clock
	reg   *prometheus.Registry
	in    *StatisticsPoller
	logs  *testkit.LogBuffer
	acct  config.Account
	// tls is the fake's server when withStatTLS was given (srv is nil).
	tls *testkit.SplitTLS
}

type statEnvOption func(*statEnvConfig)

type statEnvConfig struct {
	yaml      string // extra account keys, indented by 6 spaces
	transport http.RoundTripper
	secret    string
	timeout   string
	// wrap, when set, stands in front of the fake API.
	wrap             func(http.Handler) http.Handler
	maxResponseBytes int64
	tls              bool
}

func withStatYAML(s string) statEnvOption { return func(c *statEnvConfig) { c.yaml += s } }

func withStatTransport(rt http.RoundTripper) statEnvOption {
	return func(c *statEnvConfig) { c.transport = rt }
}

func withStatSecret(s string) statEnvOption { return func(c *statEnvConfig) { c.secret = s } }

func withStatTimeout(d string) statEnvOption { return func(c *statEnvConfig) { c.timeout = d } }

func withStatHandler(wrap func(http.Handler) http.Handler) statEnvOption {
	return func(c *statEnvConfig) { c.wrap = wrap }
}

// withStatTLS serves the fake over https, on a port that also takes (and
// keeps) plain connections: see testkit.SplitTLS.
func withStatTLS() statEnvOption { return func(c *statEnvConfig) { c.tls = true } }

func withStatMaxResponseBytes(n int64) statEnvOption {
	return func(c *statEnvConfig) { c.maxResponseBytes = n }
}

// statAccountConfig builds an account through the real config loader so the
// defaults are the production ones.
func statAccountConfig(t testing.TB, baseURL, secret, timeout, extra string) config.Account {
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
%s`, statAccount, baseURL, statAppKey, secret, timeout, extra)
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

func newStatEnv(t *testing.T, opts ...statEnvOption) *statEnv {
	t.Helper()
	ec := &statEnvConfig{secret: statAppSecret, timeout: "2s"}
	for _, o := range opts {
		o(ec)
	}
	fake := airuddertest.New(statAppKey, statAppSecret)
	var h http.Handler = fake
	if ec.wrap != nil {
		h = ec.wrap(fake)
	}
	e := &statEnv{
		t:     t,
		fake:  fake,
		clock: testkit.NewClock(pollStart),
		reg:   prometheus.NewPedanticRegistry(),
		logs:  &testkit.LogBuffer{},
	}
	hc := &http.Client{}
	baseURL := ""
	if ec.tls {
		e.tls = testkit.NewSplitTLS(t, h, nil)
		hc, baseURL = e.tls.Client(), e.tls.URL
	} else {
		e.srv = httptest.NewServer(h)
		t.Cleanup(e.srv.Close)
		baseURL = e.srv.URL
	}
	if ec.transport != nil {
		hc.Transport = ec.transport
	}
	e.in = NewStatisticsPoller(collector.Options{
		Logger:           log.NewLogfmtLogger(e.logs),
		Registerer:       e.reg,
		HTTPClient:       hc,
		MaxResponseBytes: ec.maxResponseBytes,
		Now:              e.clock.Now,
	})
	e.acct = statAccountConfig(t, baseURL, ec.secret, ec.timeout, ec.yaml)
	e.apply(e.acct)
	t.Cleanup(func() { e.apply() }) // cancels anything in flight
	return e
}

// counters gathers the persistent counters of e.reg without
// airudder_exporter_accounts, which counts configured accounts rather than
// describing one (TestStatisticsPollerCountsAccounts checks it).
func (e *statEnv) counters() prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := e.reg.Gather()
		out := mfs[:0]
		for _, mf := range mfs {
			if mf.GetName() != "airudder_exporter_accounts" {
				out = append(out, mf)
			}
		}
		return out, err
	})
}

// apply hands the poller a config holding accounts.
func (e *statEnv) apply(accounts ...config.Account) {
	e.in.ApplyConfig(&config.Config{AiRudder: config.AiRudder{Accounts: accounts}})
}

// scrapeCtx runs one scrape bounded by ctx and returns the per-scrape
// families merged with the persistent ones, as the exporter serves them.
func (e *statEnv) scrapeCtx(ctx context.Context) map[string]*dto.MetricFamily {
	e.t.Helper()
	return testkit.GatherScrape(e.t, e.in.ScrapeCollector(ctx), e.counters())
}

func (e *statEnv) scrape() map[string]*dto.MetricFamily {
	return e.scrapeCtx(context.Background())
}

func statUpOf(mfs map[string]*dto.MetricFamily) float64 {
	return testkit.FamilyValue(mfs, "airudder_up", "account", statAccount)
}

func statErrorsOf(mfs map[string]*dto.MetricFamily, reason string) float64 {
	return testkit.FamilyValue(mfs, "airudder_scrape_errors_total", "account", statAccount, "reason", reason)
}

// statTotalErrors sums airudder_scrape_errors_total over reasons.
func statTotalErrors(mfs map[string]*dto.MetricFamily) float64 {
	sum := 0.0
	for _, r := range statReasons {
		sum += statErrorsOf(mfs, r)
	}
	return sum
}
