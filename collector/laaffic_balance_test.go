package collector

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
	"airudder_exporter/internal/fakelaaffic"
	"airudder_exporter/internal/testkit"
)

const (
	laKey    = "la-api-key-0001"
	laSecret = "la-S3cr3t-never-logged"
	laAcct   = "ivr-eu"
)

// The documented test vector (vendor README §2.3).
func TestLaafficSignTestVector(t *testing.T) {
	const want = "05d7a50893e22a5c4bb3216ae3396c7c"
	if got := laafficSign("bDqJFiq9", "7bz1lzh9", 1630468800); got != want {
		t.Errorf("sign = %s, want %s", got, want)
	}
	if got := fakelaaffic.Sign("bDqJFiq9", "7bz1lzh9", "1630468800"); got != want {
		t.Errorf("fake's sign = %s, want %s", got, want)
	}
}

func TestDecodeLaafficBalance(t *testing.T) {
	for _, tc := range []struct {
		body                  string
		balance, gift, credit float64
		reason                string
	}{
		{`{"status":"0","reason":"success","balance":"99.990000","gift":"50.00000","credit":"0"}`, 99.99, 50, 0, ""},
		{`{"status":0,"balance":"1.5","gift":"0","credit":"-20.25"}`, 1.5, 0, -20.25, ""},
		{`{"status":"0","balance":12}`, 12, 0, 0, ""},
		{`{"status":"-1","reason":"auth"}`, 0, 0, 0, "auth"},
		{`{"status":-2}`, 0, 0, 0, "ip_not_allowed"},
		{`{"status":"-13"}`, 0, 0, 0, "locked"},
		{`{"status":-16}`, 0, 0, 0, "timestamp"},
		{`{"status":"-18"}`, 0, 0, 0, "system"},
		{`{"status":"-99"}`, 0, 0, 0, "api_other"},
		{`{"status":"0","balance":"1e3"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"NaN"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"0x10"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":" 5"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"5.","gift":"1"}`, 0, 0, 0, "decode"},
		{`{"status":"0","balance":"5","gift":"one"}`, 0, 0, 0, "decode"},
		{`{"status":"0"}`, 0, 0, 0, "decode"},
		{`{"balance":"5"}`, 0, 0, 0, "decode"},
		{`<html>`, 0, 0, 0, "decode"},
	} {
		b, ferr := DecodeLaafficBalance([]byte(tc.body))
		switch {
		case tc.reason != "" && (ferr == nil || ferr.reason != tc.reason):
			t.Errorf("%s: err %+v, want reason %s", tc.body, ferr, tc.reason)
		case tc.reason == "" && ferr != nil:
			t.Errorf("%s: %+v", tc.body, ferr)
		case tc.reason == "" && (b.Balance != tc.balance || b.Gift != tc.gift || b.Credit != tc.credit):
			t.Errorf("%s: %+v", tc.body, b)
		}
	}
}

// laEnv is one balance collector talking to one fake LAAFFIC API.
type laEnv struct {
	t     *testing.T
	fake  *fakelaaffic.Server
	clock *clock
	reg   *prometheus.Registry
	c     *Laaffic
	logs  *testkit.LogBuffer
}

func newLaEnv(t *testing.T, secret string, minInterval time.Duration) *laEnv {
	t.Helper()
	fake := fakelaaffic.New(laKey, laSecret)
	fake.SetBalance(99.99, 50, 0)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	e := &laEnv{t: t, fake: fake, clock: &clock{t: fixedStart}, reg: prometheus.NewPedanticRegistry(), logs: &testkit.LogBuffer{}}
	fake.SetClock(e.clock.Now)
	e.c = NewLaaffic(Options{
		Logger:     log.NewLogfmtLogger(e.logs),
		Registerer: e.reg,
		HTTPClient: &http.Client{},
		Now:        e.clock.Now,
	})
	e.c.ApplyConfig([]config.LaafficAccount{
		{Name: "webhooks-only"}, // no credentials: not read
		{Name: laAcct, BaseURL: srv.URL + "/", APIKey: laKey, APISecret: config.Secret(secret),
			MinInterval: config.Duration(minInterval), Timeout: config.Duration(2 * time.Second)},
	})
	t.Cleanup(func() { e.c.ApplyConfig(nil) })
	return e
}

func (e *laEnv) scrapeCtx(ctx context.Context) map[string]*dto.MetricFamily {
	e.t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(e.c.ScrapeCollector(ctx)); err != nil {
		e.t.Fatal(err)
	}
	mfs, err := prometheus.Gatherers{reg, e.reg}.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

func (e *laEnv) scrape() map[string]*dto.MetricFamily { return e.scrapeCtx(context.Background()) }

func TestLaafficBalanceCollector(t *testing.T) {
	e := newLaEnv(t, laSecret, time.Minute)
	mfs := e.scrape()
	for name, want := range map[string]float64{
		"laaffic_balance": 99.99, "laaffic_gift_balance": 50, "laaffic_credit_limit": 0,
		"laaffic_up": 1, "laaffic_scrape_collector_success": 1, "laaffic_balance_age_seconds": 0,
	} {
		if got := value(mfs, name, "account", laAcct); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if n := seriesCount(mfs, "laaffic_up"); n != 1 {
		t.Errorf("laaffic_up has %d series: an account without credentials must not be read", n)
	}
	// Cached for min_interval: a second scrape sends nothing.
	e.fake.Spend(10)
	e.clock.Advance(30 * time.Second)
	mfs = e.scrape()
	if r := e.fake.Requests(); r != 1 {
		t.Errorf("%d requests within min_interval, want 1", r)
	}
	if got := value(mfs, "laaffic_balance", "account", laAcct); got != 99.99 {
		t.Errorf("cached balance = %v", got)
	}
	if got := value(mfs, "laaffic_balance_age_seconds", "account", laAcct); got != 30 {
		t.Errorf("age = %v, want 30", got)
	}
	if got := value(mfs, "laaffic_balance_fetches_total", "account", laAcct, "result", "shared"); got != 1 {
		t.Errorf("shared fetches = %v", got)
	}
	// After min_interval: fetched again, the spend is visible.
	e.clock.Advance(31 * time.Second)
	mfs = e.scrape()
	if got := value(mfs, "laaffic_balance", "account", laAcct); math.Abs(got-89.99) > 1e-9 || e.fake.Requests() != 2 {
		t.Errorf("balance after spend = %v (requests %d)", got, e.fake.Requests())
	}
	// API errors: counted by reason, up 0, nothing else emitted.
	e.fake.SetStatus("-13", true)
	e.clock.Advance(time.Minute)
	mfs = e.scrape()
	if value(mfs, "laaffic_up", "account", laAcct) != 0 ||
		value(mfs, "laaffic_scrape_errors_total", "account", laAcct, "reason", "locked") != 1 ||
		!math.IsNaN(value(mfs, "laaffic_balance", "account", laAcct)) {
		t.Errorf("locked account: up %v, errors %v, balance %v", value(mfs, "laaffic_up", "account", laAcct),
			value(mfs, "laaffic_scrape_errors_total", "account", laAcct, "reason", "locked"),
			value(mfs, "laaffic_balance", "account", laAcct))
	}
	if got := value(mfs, "laaffic_last_success_timestamp_seconds", "account", laAcct); got != float64(fixedStart.Add(61*time.Second).Unix()) {
		t.Errorf("last success = %v", got)
	}
	e.fake.SetStatus("", false)
	e.fake.SetHTTPStatus(http.StatusBadGateway)
	e.clock.Advance(time.Minute)
	if got := value(e.scrape(), "laaffic_scrape_errors_total", "account", laAcct, "reason", "http_status"); got != 1 {
		t.Errorf("http_status errors = %v", got)
	}
	e.fake.SetHTTPStatus(0)
	e.fake.SetRawAnswer([]byte(`{"status":"0","balance":"lots"}`))
	e.clock.Advance(time.Minute)
	if got := value(e.scrape(), "laaffic_scrape_errors_total", "account", laAcct, "reason", "decode"); got != 1 {
		t.Errorf("decode errors = %v", got)
	}
	mustNotContain(t, e.logs.String(), laKey, laSecret)
}

// A wrong secret gives a wrong signature: the API answers -1. Neither the
// key nor either secret reaches the log.
func TestLaafficBalanceWrongSecret(t *testing.T) {
	const wrong = "la-wrong-secret-also-never-logged"
	e := newLaEnv(t, wrong, time.Minute)
	mfs := e.scrape()
	if value(mfs, "laaffic_up", "account", laAcct) != 0 ||
		value(mfs, "laaffic_scrape_errors_total", "account", laAcct, "reason", "auth") != 1 {
		t.Errorf("wrong secret: up %v", value(mfs, "laaffic_up", "account", laAcct))
	}
	mustNotContain(t, e.logs.String(), laKey, laSecret, wrong)
	if e.logs.String() == "" {
		t.Error("the failure was not logged at all")
	}
}

// Concurrent scrapes share one request; a scrape whose deadline passes
// answers up 0 at once while the request goes on and serves the next one.
func TestLaafficBalanceSharedFetchAndDeadline(t *testing.T) {
	e := newLaEnv(t, laSecret, time.Minute)
	e.fake.SetDelay(300 * time.Millisecond)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := value(e.scrape(), "laaffic_up", "account", laAcct); got != 1 {
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
	if value(mfs, "laaffic_up", "account", laAcct) != 0 ||
		value(mfs, "laaffic_scrape_errors_total", "account", laAcct, "reason", "timeout") != 1 {
		t.Errorf("deadline: up %v", value(mfs, "laaffic_up", "account", laAcct))
	}
	// The request went on; once it is done the next scrape is served from it.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && math.IsNaN(value(e.scrapeCtx(ctx), "laaffic_balance", "account", laAcct)) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := value(e.scrape(), "laaffic_balance", "account", laAcct); got != 7 || e.fake.Requests() != 2 {
		t.Errorf("after the slow request: balance %v, requests %d (want 7, 2)", got, e.fake.Requests())
	}
}

// A reload that drops the account removes its counters.
func TestLaafficBalanceReload(t *testing.T) {
	e := newLaEnv(t, laSecret, time.Minute)
	e.scrape()
	e.c.ApplyConfig(nil)
	mfs := e.scrape()
	for _, name := range []string{"laaffic_scrape_errors_total", "laaffic_balance_fetches_total", "laaffic_up"} {
		if n := seriesCount(mfs, name); n != 0 {
			t.Errorf("%s: %d series after the account was removed", name, n)
		}
	}
}
