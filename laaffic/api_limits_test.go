package laaffic

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

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

// apiLimitsErrors runs one scrape of the poller of endpoint against h with
// an answer cap of maxBody (0: the default), and returns its error
// counter by reason.
func apiLimitsErrors(t *testing.T, endpoint string, h http.Handler, maxBody int64) func(reason string) float64 {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	return apiLimitsScrape(t, endpoint, srv.URL, &http.Client{}, maxBody, nil)
}

// apiLimitsScrape is apiLimitsErrors against baseURL, through hc, logging
// to logger (nil: none).
func apiLimitsScrape(t *testing.T, endpoint, baseURL string, hc *http.Client, maxBody int64, logger log.Logger) func(reason string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	p := apiLimitsPollers[endpoint](collector.Options{Logger: logger, Registerer: reg, HTTPClient: hc,
		MaxResponseBytes: maxBody, Now: testkit.NewClock(balanceStart).Now})
	p.ApplyConfig(&config.Config{Laaffic: config.Laaffic{Accounts: []config.LaafficAccount{
		{Name: balanceAccount, BaseURL: baseURL, APIKey: balanceKey, APISecret: balanceSecret,
			// Room for a fetch of several MiB under the race detector.
			MinInterval: config.Duration(60e9), Timeout: config.Duration(10e9)},
	}}})
	defer p.ApplyConfig(&config.Config{})
	mfs := testkit.GatherScrape(t, p.ScrapeCollector(t.Context()), reg)
	return func(reason string) float64 {
		if endpoint == "" {
			return testkit.FamilyValue(mfs, "laaffic_scrape_errors_total", "account", balanceAccount, "reason", reason)
		}
		return testkit.FamilyValue(mfs, "laaffic_operations_scrape_errors_total", "account", balanceAccount, "endpoint", endpoint, "reason", reason)
	}
}

// No LAAFFIC endpoint sends its key and signature to another host, or in
// clear to its own: a redirect there, or from https to http, is refused
// and counted as redirect; a redirect to the same origin is followed.
func TestAPIClientRedirects(t *testing.T) {
	for endpoint := range apiLimitsPollers {
		t.Run("cross-host "+endpoint, func(t *testing.T) {
			leaked := make(chan string, 16)
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				leaked <- r.Header.Get("Api-Key")
			}))
			defer other.Close()
			errs := apiLimitsErrors(t, endpoint, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path+"?steal=1", http.StatusFound)
			}), 0)
			if got := errs(apiReasonRedirect); got != 1 {
				t.Errorf("redirect errors = %v, want 1", got)
			}
			if n := len(leaked); n != 0 {
				t.Errorf("the other host received %d requests", n)
			}
		})
		t.Run("https to http "+endpoint, func(t *testing.T) {
			var srv *testkit.SplitTLS
			srv = testkit.NewSplitTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, srv.PlainURL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			}), nil)
			errs := apiLimitsScrape(t, endpoint, srv.URL, srv.Client(), 0, nil)
			if got := errs(apiReasonRedirect); got != 1 {
				t.Errorf("redirect errors = %v, want 1", got)
			}
			if got, conns := srv.Plain(); conns != 0 {
				t.Errorf("%d plain connections received %q", conns, got)
			}
		})
		t.Run("same host "+endpoint, func(t *testing.T) {
			fake := laaffictest.New(balanceKey, balanceSecret)
			fake.SetClock(testkit.NewClock(balanceStart).Now)
			fake.SetBalance(1, 0, 0)
			fake.SetOperations(pollOpsState())
			errs := apiLimitsErrors(t, endpoint, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Query().Get("moved") == "" {
					http.Redirect(w, r, r.URL.Path+"?moved=1", http.StatusTemporaryRedirect)
					return
				}
				fake.ServeHTTP(w, r)
			}), 0)
			for _, r := range apiErrorReasons {
				if got := errs(r); got != 0 {
					t.Errorf("errors{reason=%q} = %v, want 0", r, got)
				}
			}
		})
	}
}

// An answer one byte over the cap is refused with its own reason, from
// every endpoint.
func TestAPIClientAnswerOverCap(t *testing.T) {
	const limit = 4 << 10
	for endpoint := range apiLimitsPollers {
		t.Run(endpoint, func(t *testing.T) {
			errs := apiLimitsErrors(t, endpoint, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"status":"0","x":"` + strings.Repeat("x", limit-20) + `"}`))
			}), limit)
			if got := errs(apiReasonTooLarge); got != 1 {
				t.Errorf("too_large errors = %v, want 1", got)
			}
		})
	}
}

// No LAAFFIC endpoint logs text the upstream chose: a phone number or a
// password put in a Location header, a status line, an error page or the
// envelope's status stays out of the log line, which still names the
// failure's class and the configured host.
func TestAPIErrorsLogNoUpstreamText(t *testing.T) {
	const phone, password = "628123456789", "hunter2"
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop?phone="+phone+"&sipPassword="+password, http.StatusFound)
	}))
	defer loop.Close()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html>phone=" + phone + " password=" + password + "</html>"))
	}))
	defer page.Close()
	status := func(v string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"status":` + v + `,"code":` + v + `,"reason":"` + phone + `","msg":"` + password + `"}`))
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	for _, c := range []struct {
		name, url, reason, class string
	}{
		{"redirect loop", loop.URL, apiReasonNetwork, "too many redirects"},
		{"status line", testkit.RawHTTPServer(t, "HTTP/1.1 "+password+" "+phone+"\r\n\r\n"), apiReasonNetwork, "malformed response"},
		{"error page", page.URL, apiReasonHTTPStatus, "HTTP 502"},
		{"text status", status(`"` + password + `"`), apiReasonOtherStatus, "LAAFFIC status"},
		{"long status", status(phone), apiReasonOtherStatus, "LAAFFIC status"},
	} {
		for endpoint := range apiLimitsPollers {
			t.Run(c.name+" "+endpoint, func(t *testing.T) {
				logs := &testkit.LogBuffer{}
				errs := apiLimitsScrape(t, endpoint, c.url, &http.Client{}, 0, log.NewLogfmtLogger(logs))
				if got := errs(c.reason); got != 1 {
					t.Errorf("errors{reason=%q} = %v, want 1", c.reason, got)
				}
				host := strings.TrimPrefix(c.url, "http://")
				if !strings.Contains(logs.String(), c.class) || (c.reason == apiReasonNetwork && !strings.Contains(logs.String(), host)) {
					t.Errorf("the log does not name %q (and %s):\n%s", c.class, host, logs)
				}
				testkit.MustNotContain(t, logs.String(), phone, password, phone[:8], "loop")
			})
		}
	}
}
