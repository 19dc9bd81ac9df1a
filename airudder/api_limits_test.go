package airudder

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"airudder_exporter/internal/testkit"
)

// statRequestsOf reads airudder_api_requests_total of the test account.
func statRequestsOf(e *statEnv, endpoint, outcome string) float64 {
	return testkit.FamilyValue(e.scrape(), "airudder_api_requests_total", "account", statAccount, "endpoint", endpoint, "outcome", outcome)
}

// A login redirected to another host must not carry the app key and
// secret there: the redirect is an error of its own reason, logged with
// the configured host, never the target's (the upstream's text).
func TestAPILoginRefusesCrossHostRedirect(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		leaked = append(leaked, r.URL.Path+" "+string(b))
		mu.Unlock()
	}))
	defer other.Close()
	e := newStatEnv(t, withStatHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == apiAuthPath {
				http.Redirect(w, r, other.URL+apiAuthPath+"?steal=1", http.StatusTemporaryRedirect)
				return
			}
			next.ServeHTTP(w, r)
		})
	}))
	mfs := e.scrape()
	if got := statUpOf(mfs); got != 0 {
		t.Fatalf("up = %v, want 0", got)
	}
	if got := statErrorsOf(mfs, statReasonRedirect); got != 1 || statTotalErrors(mfs) != 1 {
		t.Fatalf("scrape errors{reason=redirect} = %v (all reasons %v), want 1", got, statTotalErrors(mfs))
	}
	if got := statRequestsOf(e, apiEndpointAuth, apiOutcomeRedirect); got != 1 {
		t.Fatalf("api requests{auth,redirect_refused} = %v, want 1", got)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) != 0 {
		t.Fatalf("the other host received %q", leaked)
	}
	logs := e.logs.String()
	if strings.Contains(logs, strings.TrimPrefix(other.URL, "http://")) || strings.Contains(logs, "steal") ||
		strings.Contains(logs, statAppSecret) || !strings.Contains(logs, strings.TrimPrefix(e.srv.URL, "http://")) {
		t.Fatalf("log must name the configured host only:\n%s", logs)
	}
}

// A login or a statistics request redirected from the https base URL to
// http on the same host and port sends nothing in clear: not the app key
// and secret of the login's body (a 307 replays it), not the token.
func TestAPIRefusesRedirectToPlainHTTP(t *testing.T) {
	for _, path := range []string{apiAuthPath, apiStatisticsPath} {
		t.Run(path, func(t *testing.T) {
			var e *statEnv
			e = newStatEnv(t, withStatTLS(), withStatHandler(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == path {
						http.Redirect(w, r, e.tls.PlainURL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
						return
					}
					next.ServeHTTP(w, r)
				})
			}))
			mfs := e.scrape()
			if got := statErrorsOf(mfs, statReasonRedirect); got != 1 || statTotalErrors(mfs) != 1 {
				t.Errorf("scrape errors{reason=redirect} = %v (all reasons %v), want 1", got, statTotalErrors(mfs))
			}
			if got, conns := e.tls.Plain(); conns != 0 {
				t.Errorf("%d plain connections received %q", conns, got)
			}
			testkit.MustNotContain(t, e.logs.String(), statAppSecret)
		})
	}
}

// A redirect to the same host is followed, for the login and the
// statistics alike.
func TestAPIFollowsSameHostRedirects(t *testing.T) {
	e := newStatEnv(t, withStatHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("moved") == "" {
				q := r.URL.Query()
				q.Set("moved", "1")
				http.Redirect(w, r, r.URL.Path+"?"+q.Encode(), http.StatusTemporaryRedirect)
				return
			}
			next.ServeHTTP(w, r)
		})
	}))
	if got := statUpOf(e.scrape()); got != 1 {
		t.Fatalf("up = %v, want 1; logs:\n%s", got, e.logs.String())
	}
}

// An answer one byte over the cap, from the login or the statistics, is an
// error counted as too_large.
func TestAPIAnswerOverCap(t *testing.T) {
	const limit = 8 << 10
	for _, path := range []string{apiAuthPath, apiStatisticsPath} {
		t.Run(path, func(t *testing.T) {
			e := newStatEnv(t, withStatMaxResponseBytes(limit), withStatHandler(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == path {
						w.Header().Set("Content-Type", "application/json")
						_, _ = io.WriteString(w, `{"code":200,"data":"`+strings.Repeat("x", limit-21)+`"}`)
						return
					}
					next.ServeHTTP(w, r)
				})
			}))
			mfs := e.scrape()
			if got := statErrorsOf(mfs, statReasonTooLarge); got != 1 || statTotalErrors(mfs) != 1 {
				t.Fatalf("scrape errors{reason=too_large} = %v (all reasons %v), want 1", got, statTotalErrors(mfs))
			}
			endpoint := apiEndpointStatistics
			if path == apiAuthPath {
				endpoint = apiEndpointAuth
			}
			if got := statRequestsOf(e, endpoint, apiOutcomeTooLarge); got != 1 {
				t.Fatalf("api requests{%s,too_large} = %v, want 1", endpoint, got)
			}
		})
	}
}
