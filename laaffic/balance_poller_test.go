package laaffic

import (
	"context"
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

	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/laaffic/laaffictest"
)

// balanceStart is the tests' clock at the start.
var balanceStart = time.Date(2025, 11, 12, 14, 30, 0, 0, time.UTC)

const (
	balanceKey     = "la-api-key-0001"
	balanceSecret  = "la-S3cr3t-never-logged"
	balanceAccount = "ivr-eu"
)

// balanceEnv is one balance poller talking to one fake LAAFFIC API.
type balanceEnv struct {
	t     *testing.T
	fake  *laaffictest.Server
	clock *testkit.Clock
	reg   *prometheus.Registry
	c     *BalancePoller
	logs  *testkit.LogBuffer
}

func newBalanceEnv(t *testing.T, secret string, minInterval time.Duration) *balanceEnv {
	t.Helper()
	fake := laaffictest.New(balanceKey, balanceSecret)
	fake.SetBalance(99.99, 50, 0)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	e := &balanceEnv{t: t, fake: fake, clock: testkit.NewClock(balanceStart), reg: prometheus.NewPedanticRegistry(), logs: &testkit.LogBuffer{}}
	fake.SetClock(e.clock.Now)
	e.c = NewBalancePoller(collector.Options{
		Logger:     log.NewLogfmtLogger(e.logs),
		Registerer: e.reg,
		HTTPClient: &http.Client{},
		Now:        e.clock.Now,
	})
	e.c.ApplyConfig(&config.Config{Laaffic: config.Laaffic{Accounts: []config.LaafficAccount{
		{Name: "webhooks-only"}, // no credentials: not read
		{Name: balanceAccount, BaseURL: srv.URL + "/", APIKey: balanceKey, APISecret: config.Secret(secret),
			MinInterval: config.Duration(minInterval), Timeout: config.Duration(2 * time.Second)},
	}}})
	t.Cleanup(func() { e.c.ApplyConfig(&config.Config{}) })
	return e
}

func (e *balanceEnv) scrapeCtx(ctx context.Context) map[string]*dto.MetricFamily {
	e.t.Helper()
	return testkit.GatherScrape(e.t, e.c.ScrapeCollector(ctx), e.reg)
}

func (e *balanceEnv) scrape() map[string]*dto.MetricFamily { return e.scrapeCtx(context.Background()) }

func TestBalancePoller(t *testing.T) {
	e := newBalanceEnv(t, balanceSecret, time.Minute)
	mfs := e.scrape()
	for name, want := range map[string]float64{
		"laaffic_balance": 99.99, "laaffic_gift_balance": 50, "laaffic_credit_limit": 0,
		"laaffic_up": 1, "laaffic_scrape_collector_success": 1, "laaffic_balance_age_seconds": 0,
	} {
		if got := testkit.FamilyValue(mfs, name, "account", balanceAccount); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if n := testkit.FamilySeries(mfs, "laaffic_up"); n != 1 {
		t.Errorf("laaffic_up has %d series: an account without credentials must not be read", n)
	}
	// Cached for min_interval: a second scrape sends nothing.
	e.fake.Spend(10)
	e.clock.Advance(30 * time.Second)
	mfs = e.scrape()
	if r := e.fake.Requests(); r != 1 {
		t.Errorf("%d requests within min_interval, want 1", r)
	}
	if got := testkit.FamilyValue(mfs, "laaffic_balance", "account", balanceAccount); got != 99.99 {
		t.Errorf("cached balance = %v", got)
	}
	if got := testkit.FamilyValue(mfs, "laaffic_balance_age_seconds", "account", balanceAccount); got != 30 {
		t.Errorf("age = %v, want 30", got)
	}
	if got := testkit.FamilyValue(mfs, "laaffic_balance_fetches_total", "account", balanceAccount, "result", "shared"); got != 1 {
		t.Errorf("shared fetches = %v", got)
	}
	// After min_interval: fetched again, the spend is visible.
	e.clock.Advance(31 * time.Second)
	mfs = e.scrape()
	if got := testkit.FamilyValue(mfs, "laaffic_balance", "account", balanceAccount); math.Abs(got-89.99) > 1e-9 || e.fake.Requests() != 2 {
		t.Errorf("balance after spend = %v (requests %d)", got, e.fake.Requests())
	}
	// API errors: counted by reason, up 0, nothing else emitted.
	e.fake.SetStatus("-13", true)
	e.clock.Advance(time.Minute)
	mfs = e.scrape()
	if testkit.FamilyValue(mfs, "laaffic_up", "account", balanceAccount) != 0 ||
		testkit.FamilyValue(mfs, "laaffic_scrape_errors_total", "account", balanceAccount, "reason", "locked") != 1 ||
		!math.IsNaN(testkit.FamilyValue(mfs, "laaffic_balance", "account", balanceAccount)) {
		t.Errorf("locked account: up %v, errors %v, balance %v", testkit.FamilyValue(mfs, "laaffic_up", "account", balanceAccount),
			testkit.FamilyValue(mfs, "laaffic_scrape_errors_total", "account", balanceAccount, "reason", "locked"),
			testkit.FamilyValue(mfs, "laaffic_balance", "account", balanceAccount))
	}
	if got := testkit.FamilyValue(mfs, "laaffic_last_success_timestamp_seconds", "account", balanceAccount); got != float64(balanceStart.Add(61*time.Second).Unix()) {
		t.Errorf("last success = %v", got)
	}
	e.fake.SetStatus("", false)
	e.fake.SetHTTPStatus(http.StatusBadGateway)
	e.clock.Advance(time.Minute)
	if got := testkit.FamilyValue(e.scrape(), "laaffic_scrape_errors_total", "account", balanceAccount, "reason", "http_status"); got != 1 {
		t.Errorf("http_status errors = %v", got)
	}
	e.fake.SetHTTPStatus(0)
	e.fake.SetRawAnswer([]byte(`{"status":"0","balance":"lots"}`))
	e.clock.Advance(time.Minute)
	if got := testkit.FamilyValue(e.scrape(), "laaffic_scrape_errors_total", "account", balanceAccount, "reason", "decode"); got != 1 {
		t.Errorf("decode errors = %v", got)
	}
	testkit.MustNotContain(t, e.logs.String(), balanceKey, balanceSecret)
}

// An answer without gift or credit (absent or null) publishes no sample
// of that gauge, not 0, and counts the fetch as missing_data; the balance
// is still served and the account is up.
func TestBalancePollerMissingAmounts(t *testing.T) {
	e := newBalanceEnv(t, balanceSecret, time.Minute)
	for i, c := range []struct {
		body         string
		gift, credit float64
	}{
		{`{"code":"0","balance":"5"}`, math.NaN(), math.NaN()},
		{`{"status":"0","balance":"5","gift":null,"credit":"2"}`, math.NaN(), 2},
		{`{"status":"0","balance":"5","gift":"1","credit":"2"}`, 1, 2},
	} {
		e.fake.SetRawAnswer([]byte(c.body))
		mfs := e.scrape()
		value := func(name string) float64 { return testkit.FamilyValue(mfs, name, "account", balanceAccount) }
		if got := value("laaffic_balance"); got != 5 || value("laaffic_up") != 1 {
			t.Errorf("%s: balance %v, up %v", c.body, got, value("laaffic_up"))
		}
		for name, want := range map[string]float64{"laaffic_gift_balance": c.gift, "laaffic_credit_limit": c.credit} {
			if got := value(name); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("%s: %s = %v, want %v (NaN: no sample)", c.body, name, got, want)
			}
		}
		if got, want := testkit.FamilyValue(mfs, "laaffic_scrape_errors_total", "account", balanceAccount, "reason", "missing_data"), float64(min(i+1, 2)); got != want {
			t.Errorf("%s: missing_data errors = %v, want %v", c.body, got, want)
		}
		e.clock.Advance(time.Minute)
	}
	if !strings.Contains(e.logs.String(), "missing_fields=gift,credit") {
		t.Errorf("the log does not name the missing fields:\n%s", e.logs)
	}
}

// A wrong secret gives a wrong signature: the API answers -1. Neither the
// key nor either secret reaches the log.
func TestBalancePollerWrongSecret(t *testing.T) {
	const wrong = "la-wrong-secret-also-never-logged"
	e := newBalanceEnv(t, wrong, time.Minute)
	mfs := e.scrape()
	if testkit.FamilyValue(mfs, "laaffic_up", "account", balanceAccount) != 0 ||
		testkit.FamilyValue(mfs, "laaffic_scrape_errors_total", "account", balanceAccount, "reason", "auth") != 1 {
		t.Errorf("wrong secret: up %v", testkit.FamilyValue(mfs, "laaffic_up", "account", balanceAccount))
	}
	testkit.MustNotContain(t, e.logs.String(), balanceKey, balanceSecret, wrong)
	if e.logs.String() == "" {
		t.Error("the failure was not logged at all")
	}
}

// Concurrent scrapes share one request; a scrape whose deadline passes
// answers up 0 at once while the request goes on and serves the next one.
func TestBalancePollerSharedFetchAndDeadline(t *testing.T) {
	e := newBalanceEnv(t, balanceSecret, time.Minute)
	e.fake.SetDelay(300 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := testkit.FamilyValue(e.scrape(), "laaffic_up", "account", balanceAccount); got != 1 {
				t.Errorf("concurrent scrape: up %v", got)
			}
		}()
	}
	wg.Wait()
	if r := e.fake.Requests(); r != 1 {
		t.Errorf("8 concurrent scrapes sent %d requests, want 1", r)
	}

	e.clock.Advance(2 * time.Minute)
	e.fake.SetBalance(7, 0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	mfs := e.scrapeCtx(ctx)
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("scrape waited %v past its 50ms deadline", d)
	}
	if testkit.FamilyValue(mfs, "laaffic_up", "account", balanceAccount) != 0 ||
		testkit.FamilyValue(mfs, "laaffic_scrape_errors_total", "account", balanceAccount, "reason", "timeout") != 1 {
		t.Errorf("deadline: up %v", testkit.FamilyValue(mfs, "laaffic_up", "account", balanceAccount))
	}
	// The request went on; once it is done the next scrape is served from it.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && math.IsNaN(testkit.FamilyValue(e.scrapeCtx(ctx), "laaffic_balance", "account", balanceAccount)) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := testkit.FamilyValue(e.scrape(), "laaffic_balance", "account", balanceAccount); got != 7 || e.fake.Requests() != 2 {
		t.Errorf("after the slow request: balance %v, requests %d (want 7, 2)", got, e.fake.Requests())
	}
}

// A reload that drops the account removes its counters.
func TestBalancePollerReload(t *testing.T) {
	e := newBalanceEnv(t, balanceSecret, time.Minute)
	e.scrape()
	e.c.ApplyConfig(&config.Config{})
	mfs := e.scrape()
	for _, name := range []string{"laaffic_scrape_errors_total", "laaffic_balance_fetches_total", "laaffic_up"} {
		if n := testkit.FamilySeries(mfs, name); n != 0 {
			t.Errorf("%s: %d series after the account was removed", name, n)
		}
	}
}
