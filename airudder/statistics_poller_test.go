package airudder

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// gatherUp runs one scrape off the test goroutine and returns airudder_up.
func (e *statEnv) gatherUp(ctx context.Context) (float64, error) {
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(e.in.ScrapeCollector(ctx)); err != nil {
		return 0, err
	}
	mfs, err := reg.Gather()
	if err != nil {
		return 0, err
	}
	for _, mf := range mfs {
		if mf.GetName() == "airudder_up" {
			return mf.GetMetric()[0].GetGauge().GetValue(), nil
		}
	}
	return 0, fmt.Errorf("no airudder_up")
}

// 20 concurrent scrapes (an HA pair times ten) share one login and one
// statistics request.
func TestConcurrentScrapesShareOneFetch(t *testing.T) {
	e := newStatEnv(t)
	e.fake.SetDelay(100 * time.Millisecond) // so the scrapes overlap the fetch
	const n = 20
	ups := make([]float64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ups[i], errs[i] = e.gatherUp(context.Background())
		}()
	}
	wg.Wait()
	for i := range ups {
		if errs[i] != nil || ups[i] != 1 {
			t.Fatalf("scrape %d: up %v err %v", i, ups[i], errs[i])
		}
	}
	if l, s := e.fake.Logins(), e.fake.StatisticsRequests(); l != 1 || s != 1 {
		t.Fatalf("logins %d, statistics requests %d; want 1 and 1", l, s)
	}
	mfs := e.scrape() // one more, from the cache
	if got := testkit.FamilyValue(mfs, "airudder_statistics_fetches_total", "result", "fetched"); got != 1 {
		t.Errorf("fetches{fetched} = %v, want 1", got)
	}
	if got := testkit.FamilyValue(mfs, "airudder_statistics_fetches_total", "result", "shared"); got != n {
		t.Errorf("fetches{shared} = %v, want %d", got, n)
	}
}

// A scrape whose deadline passes before the upstream answers reports up 0
// at once; the fetch goes on (it is not tied to that scrape) and the next
// scrape is served from it without a second upstream request.
func TestScrapeDeadlineDoesNotCancelFetch(t *testing.T) {
	e := newStatEnv(t)
	e.fake.SetDelay(500 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	mfs := e.scrapeCtx(ctx)
	if got := statUpOf(mfs); got != 0 {
		t.Fatalf("up = %v, want 0 (scrape deadline before the upstream answer)", got)
	}
	if got := statErrorsOf(mfs, statReasonTimeout); got != 1 {
		t.Fatalf("timeout errors = %v, want 1", got)
	}
	if statPresent(mfs, "airudder_inbound_calls") {
		t.Fatal("statistics emitted although none were fetched yet")
	}

	mfs = e.scrape() // no deadline: joins the in-flight fetch
	if got := statUpOf(mfs); got != 1 {
		t.Fatalf("second scrape: up = %v, want 1", got)
	}
	if got := e.fake.StatisticsRequests(); got != 1 {
		t.Fatalf("statistics requests = %d, want 1 (the first fetch was not cancelled)", got)
	}

	// An already expired context still triggers the fetch for later scrapes.
	e.fake.SetDelay(200 * time.Millisecond) // the fetch cannot win the race with the done ctx
	e.clock.Advance(time.Minute)
	done, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if got := statUpOf(e.scrapeCtx(done)); got != 0 {
		t.Fatalf("expired ctx: up = %v, want 0", got)
	}
	if got := statUpOf(e.scrape()); got != 1 || e.fake.StatisticsRequests() != 2 {
		t.Fatalf("after expired ctx: up %v, requests %d; want 1 and 2", got, e.fake.StatisticsRequests())
	}
}

// Reloads keep what an unchanged account owns, replace what changed, and
// delete the series of removed accounts; they may race with scrapes.
func TestApplyConfig(t *testing.T) {
	e := newStatEnv(t)
	e.scrape()

	// Same identity, other settings changed: token and cache are kept.
	changed := statAccountConfig(t, e.srv.URL, statAppSecret, "2s", "      min_interval: 1m\n      max_label_values: 5\n")
	e.apply(changed)
	e.clock.Advance(45 * time.Second) // within the new 1m interval
	if got := statUpOf(e.scrape()); got != 1 || e.fake.StatisticsRequests() != 1 {
		t.Fatalf("kept account: up %v, requests %d; want 1 and 1 (cache kept)", got, e.fake.StatisticsRequests())
	}
	e.clock.Advance(time.Minute)
	e.scrape()
	if got := e.fake.Logins(); got != 1 {
		t.Fatalf("logins = %d, want 1 (token kept across reload)", got)
	}

	// New secret: a new account state (fresh login, which the fake refuses).
	other := statAccountConfig(t, e.srv.URL, "another-secret-value", "2s", "")
	e.apply(other)
	mfs := e.scrape()
	if got := statUpOf(mfs); got != 0 || statErrorsOf(mfs, statReasonLogin) != 1 || e.fake.Logins() != 2 {
		t.Fatalf("new secret: up %v, login errors %v, logins %d", got, statErrorsOf(mfs, statReasonLogin), e.fake.Logins())
	}
	if got := testkit.FamilyValue(mfs, "airudder_api_requests_total", "endpoint", "statistics", "outcome", "success"); got != 0 {
		t.Fatalf("counters of the replaced account survived: %v", got)
	}

	// Removed: no series of the account remain.
	e.apply()
	mfs = e.scrape()
	for name, mf := range mfs {
		if len(mf.GetMetric()) > 0 {
			t.Errorf("series of a removed account remain in %s", name)
		}
	}

	// Reloads racing with scrapes (run with -race).
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			e.apply(e.acct)
		}()
		go func() {
			defer wg.Done()
			_, _ = e.gatherUp(context.Background())
		}()
	}
	wg.Wait()
}

// ApplyConfig counts the configured accounts by state, warns about each
// skipped one on every apply, and says once (until an account is enabled)
// that the poller has nothing to scrape.
func TestStatisticsPollerCountsAccounts(t *testing.T) {
	e := newStatEnv(t)
	skipped := config.Account{Name: "webhooks-only"}
	off := e.acct
	off.Name, off.Disabled = "paused", true
	state := func(s string) float64 {
		mfs, err := e.reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "airudder_exporter_accounts" {
				for _, m := range mf.GetMetric() {
					if m.GetLabel()[0].GetValue() == s {
						return m.GetGauge().GetValue()
					}
				}
			}
		}
		return -1
	}
	e.apply(e.acct, skipped, off)
	if state("enabled") != 1 || state("skipped") != 2 {
		t.Errorf("accounts: enabled %v, skipped %v; want 1 and 2", state("enabled"), state("skipped"))
	}
	e.apply(skipped)
	e.apply(skipped)
	if state("enabled") != 0 || state("skipped") != 1 {
		t.Errorf("accounts: enabled %v, skipped %v; want 0 and 1", state("enabled"), state("skipped"))
	}
	logs := e.logs.String()
	if n := strings.Count(logs, `msg="AiRudder account skipped" account=webhooks-only`); n != 3 {
		t.Errorf("skipped-account warnings = %d, want one per apply (3):\n%s", n, logs)
	}
	if n := strings.Count(logs, "collector disabled until credentials are given"); n != 1 {
		t.Errorf("disabled warnings = %d, want 1:\n%s", n, logs)
	}
	e.apply(e.acct)
	e.apply(skipped)
	if n := strings.Count(e.logs.String(), "collector disabled until credentials are given"); n != 2 {
		t.Errorf("disabled warnings after an enabled account came and went = %d, want 2", n)
	}
}
