package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/exporter-toolkit/web"

	"airudder_exporter/airudder/airuddertest"
)

// newTestServer builds the real wiring from a config file, without
// listening: handlers are driven through httptest.
func newTestServer(t *testing.T, cfg string, o options) *server {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	o.configFile = path
	if o.defaultScrapeTO == 0 {
		o.defaultScrapeTO = 10 * time.Second
	}
	if o.telemetryPath == "" {
		o.telemetryPath = "/metrics"
	}
	empty := ""
	s, err := newServer(o, &web.FlagConfig{WebConfigFile: &empty, WebListenAddresses: &[]string{"127.0.0.1:0"}}, log.NewNopLogger(), log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.receiver.Close() })
	return s
}

// slowAPI is a fake AiRudder whose every answer takes d.
func slowAPI(t *testing.T, d time.Duration) string {
	t.Helper()
	fake := airuddertest.New("k", "s")
	fake.SetDelay(d)
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	return "airudder:\n  accounts:\n    - name: slow\n      base_url: " + srv.URL + "\n      app_key: k\n      app_secret: s\n      timeout: 5s\n"
}

// A dead-slow API must cost airudder_up 0 within the scrape's own deadline,
// never a hung /metrics.
func TestMetricsHonoursScrapeTimeoutHeader(t *testing.T) {
	s := newTestServer(t, slowAPI(t, 3*time.Second), options{timeoutOffset: 100 * time.Millisecond})
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "0.5")
	rec := httptest.NewRecorder()
	start := time.Now()
	s.metricsHandler().ServeHTTP(rec, req)
	took := time.Since(start)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `airudder_up{account="slow"} 0`) {
		t.Fatalf("code %d, want 200 with airudder_up 0; body:\n%.2000s", rec.Code, rec.Body.String())
	}
	// 0.4 s allowed; the API needs 3 s. Generous slack for a loaded machine,
	// still far below the API's delay.
	if took > 2500*time.Millisecond {
		t.Errorf("scrape took %v, longer than the announced timeout allows", took)
	}
}

// The in-flight limit is shared by all scrapes (the promhttp handler itself
// is per request, so its own limit would never trigger).
func TestMetricsInFlightLimitIsShared(t *testing.T) {
	s := newTestServer(t, slowAPI(t, 3*time.Second), options{defaultScrapeTO: 1500 * time.Millisecond})
	h := s.metricsHandler()
	codes := make(chan int, maxScrapesInFlight+5)
	var wg sync.WaitGroup
	for i := 0; i < maxScrapesInFlight+5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			codes <- rec.Code
		}()
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[http.StatusOK] > maxScrapesInFlight || n[http.StatusServiceUnavailable] == 0 {
		t.Fatalf("status counts %v: want at most %d OK and some 503", n, maxScrapesInFlight)
	}
}
