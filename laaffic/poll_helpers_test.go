package laaffic

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/laaffic/laaffictest"
)

// pollOpsEnv is the operations pollers of one test account against a fake
// API, on a test clock.
type pollOpsEnv struct {
	t     *testing.T
	fake  *laaffictest.Server
	reg   *prometheus.Registry
	ps    []*OperationsPoller
	logs  *testkit.LogBuffer
	clock *testkit.Clock
}

func newPollOpsEnv(t *testing.T, hc *http.Client, baseURL string, fake *laaffictest.Server) *pollOpsEnv {
	t.Helper()
	e := &pollOpsEnv{t: t, fake: fake, reg: prometheus.NewPedanticRegistry(), logs: &testkit.LogBuffer{}, clock: testkit.NewClock(balanceStart)}
	fake.SetClock(e.clock.Now)
	o := collector.Options{Logger: log.NewLogfmtLogger(e.logs), Registerer: e.reg, HTTPClient: hc, Now: e.clock.Now}
	e.ps = []*OperationsPoller{NewSIPTrunksPoller(o), NewAgentsPoller(o), NewNumbersPoller(o), NewTasksPoller(o)}
	cfg := &config.Config{Laaffic: config.Laaffic{Accounts: []config.LaafficAccount{
		{Name: balanceAccount, BaseURL: baseURL, APIKey: balanceKey, APISecret: balanceSecret,
			MinInterval: config.Duration(time.Minute), Timeout: config.Duration(2 * time.Second)},
	}}}
	for _, p := range e.ps {
		p.ApplyConfig(cfg)
		t.Cleanup(func() { p.ApplyConfig(&config.Config{}) })
	}
	return e
}

// pollOpsScrape is one scrape of the operations pollers.
type pollOpsScrape struct {
	// value is the sample of family name with the test account's and the
	// given labels (0 when none).
	value func(name string, labels ...string) float64
	// series is the number of series of family name.
	series func(name string) int
	text   string // every family, for grepping
}

func (e *pollOpsEnv) scrape() pollOpsScrape {
	e.t.Helper()
	scrape := prometheus.NewPedanticRegistry()
	for _, p := range e.ps {
		if err := scrape.Register(p.ScrapeCollector(e.t.Context())); err != nil {
			e.t.Fatal(err)
		}
	}
	mfs := testkit.GatherScrape(e.t, scrape, e.reg)
	text := ""
	for _, mf := range mfs {
		text += mf.String()
	}
	return pollOpsScrape{
		value: func(name string, labels ...string) float64 {
			return testkit.FamilyValue(mfs, name, append([]string{"account", balanceAccount}, labels...)...)
		},
		series: func(name string) int { return testkit.FamilySeries(mfs, name) },
		text:   text,
	}
}
