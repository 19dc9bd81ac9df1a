package laaffic

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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

// apiLimitsPoller is what every LAAFFIC poller offers.
type apiLimitsPoller interface {
	ApplyConfig(*config.Config)
	ScrapeCollector(context.Context) prometheus.Collector
}

// apiLimitsPollers builds every LAAFFIC poller, by the name of its error
// counter's endpoint ("" for the balance).
var apiLimitsPollers = map[string]func(collector.Options) apiLimitsPoller{
	"":           func(o collector.Options) apiLimitsPoller { return NewBalancePoller(o) },
	"sip_trunks": func(o collector.Options) apiLimitsPoller { return NewSIPTrunksPoller(o) },
	"agents":     func(o collector.Options) apiLimitsPoller { return NewAgentsPoller(o) },
	"numbers":    func(o collector.Options) apiLimitsPoller { return NewNumbersPoller(o) },
	"tasks":      func(o collector.Options) apiLimitsPoller { return NewTasksPoller(o) },
}

// apiLimitsScrape runs one scrape of the poller made by mk against h with
// an answer cap of maxBody, and returns the families and the logs.
func apiLimitsScrape(t *testing.T, mk func(collector.Options) apiLimitsPoller, h http.Handler, maxBody int64) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	reg := prometheus.NewPedanticRegistry()
	logs := &testkit.LogBuffer{}
	p := mk(collector.Options{Logger: log.NewLogfmtLogger(logs), Registerer: reg, HTTPClient: &http.Client{},
		MaxResponseBytes: maxBody, Now: func() time.Time { return balanceStart }})
	p.ApplyConfig(&config.Config{Laaffic: config.Laaffic{Accounts: []config.LaafficAccount{
		{Name: balanceAccount, BaseURL: srv.URL, APIKey: balanceKey, APISecret: balanceSecret,
			MinInterval: config.Duration(time.Minute), Timeout: config.Duration(2 * time.Second)},
	}}})
	defer p.ApplyConfig(&config.Config{})
	return testkit.GatherScrape(t, p.ScrapeCollector(t.Context()), reg), logs.String()
}

// apiLimitsErrors reads the error counter of endpoint for reason.
func apiLimitsErrors(mfs map[string]*dto.MetricFamily, endpoint, reason string) float64 {
	if endpoint == "" {
		return testkit.FamilyValue(mfs, "laaffic_scrape_errors_total", "account", balanceAccount, "reason", reason)
	}
	return testkit.FamilyValue(mfs, "laaffic_operations_scrape_errors_total", "account", balanceAccount, "endpoint", endpoint, "reason", reason)
}

// No LAAFFIC endpoint sends its key and signature to another host: a
// redirect there is refused, counted as redirect and logged with the
// target host only; a redirect to the same host is followed.
func TestAPIClientRedirects(t *testing.T) {
	for endpoint, mk := range apiLimitsPollers {
		t.Run("cross-host "+endpoint, func(t *testing.T) {
			var leaked atomic.Int64
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked.Add(1) }))
			defer other.Close()
			mfs, logs := apiLimitsScrape(t, mk, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path+"?steal=1", http.StatusFound)
			}), 0)
			if got := apiLimitsErrors(mfs, endpoint, apiReasonRedirect); got != 1 {
				t.Errorf("redirect errors = %v, want 1", got)
			}
			if n := leaked.Load(); n != 0 {
				t.Errorf("the other host received %d requests", n)
			}
			if !strings.Contains(logs, strings.TrimPrefix(other.URL, "http://")) || strings.Contains(logs, "steal") {
				t.Errorf("the log must name the target host only:\n%s", logs)
			}
		})
		t.Run("same host "+endpoint, func(t *testing.T) {
			fake := laaffictest.New(balanceKey, balanceSecret)
			fake.SetClock(func() time.Time { return balanceStart })
			fake.SetBalance(1, 0, 0)
			fake.SetOperations(pollOpsState())
			mfs, logs := apiLimitsScrape(t, mk, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("moved") == "" {
					http.Redirect(w, r, r.URL.Path+"?moved=1", http.StatusTemporaryRedirect)
					return
				}
				fake.ServeHTTP(w, r)
			}), 0)
			for _, r := range apiErrorReasons {
				if got := apiLimitsErrors(mfs, endpoint, r); got != 0 {
					t.Errorf("errors{reason=%q} = %v, want 0; logs:\n%s", r, got, logs)
				}
			}
		})
	}
}

// An answer one byte over the cap is refused with its own reason, from
// every endpoint.
func TestAPIClientAnswerOverCap(t *testing.T) {
	const limit = 4 << 10
	for endpoint, mk := range apiLimitsPollers {
		t.Run(endpoint, func(t *testing.T) {
			mfs, _ := apiLimitsScrape(t, mk, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"status":"0","x":"`+strings.Repeat("x", limit-20)+`"}`)
			}), limit)
			if got := apiLimitsErrors(mfs, endpoint, apiReasonTooLarge); got != 1 {
				t.Errorf("too_large errors = %v, want 1", got)
			}
		})
	}
}
