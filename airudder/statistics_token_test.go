package airudder

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"airudder_exporter/airudder/airuddertest"
	"airudder_exporter/internal/testkit"
)

// The request carries the documented headers, the token unchanged (it
// contains '+' and '/'), and the window in the account's zone.
func TestRequestShape(t *testing.T) {
	e := newStatEnv(t, withStatYAML("      window_days: 3\n"))
	if up := statUpOf(e.scrape()); up != 1 {
		t.Fatalf("up = %v, want 1", up)
	}
	ah := e.fake.LastAuthHeader()
	if ah.Get("User-Agent") != "Airudder" || !strings.HasPrefix(ah.Get("Content-Type"), "application/json") {
		t.Errorf("login headers: User-Agent %q, Content-Type %q", ah.Get("User-Agent"), ah.Get("Content-Type"))
	}
	h := e.fake.LastHeader()
	toks := e.fake.IssuedTokens()
	if len(toks) != 1 || !strings.ContainsAny(toks[0], "+/") {
		t.Fatalf("fake issued %d tokens; want one containing + and /", len(toks))
	}
	if got := h.Get("Authorization"); got != "Token "+toks[0] {
		t.Errorf("Authorization header does not carry the token as is")
	}
	if h.Get("User-Agent") != "Airudder" {
		t.Errorf("statistics User-Agent = %q", h.Get("User-Agent"))
	}
	q := e.fake.LastQuery()
	if got, want := q.Get("start_time"), "2025-11-10 00:00:00"; got != want {
		t.Errorf("start_time = %q, want %q", got, want)
	}
	if got, want := q.Get("end_time"), "2025-11-12 14:30:00"; got != want {
		t.Errorf("end_time = %q, want %q", got, want)
	}
}

func TestWindow(t *testing.T) {
	loc := pollLocation("Asia/Jakarta")
	// 23:30 UTC is already the next day in Jakarta (UTC+7).
	now := time.Date(2025, 3, 1, 23, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		days        int
		start, end  string
		loc         *time.Location
		description string
	}{
		{1, "2025-03-02 00:00:00", "2025-03-02 06:30:00", loc, "today in the account zone"},
		{2, "2025-03-01 00:00:00", "2025-03-02 06:30:00", loc, "yesterday and today"},
		{31, "2025-01-31 00:00:00", "2025-03-02 06:30:00", loc, "month boundary"},
		{1, "2025-03-01 00:00:00", "2025-03-01 23:30:00", nil, "nil zone is UTC"},
	} {
		s, e := statWindow(now, tc.loc, tc.days)
		if s != tc.start || e != tc.end {
			t.Errorf("%s: window = %s .. %s, want %s .. %s", tc.description, s, e, tc.start, tc.end)
		}
	}
}

// One login serves many fetches; after 20 h the token is replaced before
// the documented 24 h lifetime ends.
func TestTokenCachedAndRefreshedBefore24h(t *testing.T) {
	e := newStatEnv(t)
	for i := 0; i < 3; i++ {
		if up := statUpOf(e.scrape()); up != 1 {
			t.Fatalf("scrape %d: up = %v", i, up)
		}
		e.clock.Advance(31 * time.Second) // past min_interval: a new fetch each time
	}
	if got := e.fake.StatisticsRequests(); got != 3 {
		t.Fatalf("statistics requests = %d, want 3", got)
	}
	if got := e.fake.Logins(); got != 1 {
		t.Fatalf("logins = %d, want 1 (token cached)", got)
	}
	e.clock.Advance(19 * time.Hour)
	e.scrape()
	if got := e.fake.Logins(); got != 1 {
		t.Fatalf("logins after 19 h = %d, want 1", got)
	}
	e.clock.Advance(1*time.Hour + time.Minute)
	mfs := e.scrape()
	if got := e.fake.Logins(); got != 2 {
		t.Fatalf("logins after 20 h = %d, want 2 (refresh before 24 h)", got)
	}
	if got := testkit.FamilyValue(mfs, "airudder_logins_total", "account", statAccount, "outcome", "success"); got != 2 {
		t.Fatalf("airudder_logins_total{success} = %v, want 2", got)
	}
}

// A 401 (as HTTP status or as body code) makes the poller log in again
// once and retry once; the scrape still succeeds.
func TestReloginOnceOn401(t *testing.T) {
	for _, bodyCode := range []bool{false, true} {
		name := map[bool]string{false: "http_status", true: "body_code"}[bodyCode]
		t.Run(name, func(t *testing.T) {
			e := newStatEnv(t)
			e.fake.SetUnauthorizedAsBodyCode(bodyCode)
			e.scrape()
			e.fake.ExpireTokens()
			e.clock.Advance(time.Minute)
			mfs := e.scrape()
			if up := statUpOf(mfs); up != 1 {
				t.Fatalf("up = %v, want 1 after re-login", up)
			}
			if got := e.fake.Logins(); got != 2 {
				t.Fatalf("logins = %d, want 2", got)
			}
			if got := e.fake.StatisticsRequests(); got != 3 {
				t.Fatalf("statistics requests = %d, want 3 (ok, 401, retry)", got)
			}
			if got := testkit.FamilyValue(mfs, "airudder_api_requests_total", "account", statAccount, "endpoint", "statistics", "outcome", "unauthorized"); got != 1 {
				t.Fatalf("unauthorized statistics requests = %v, want 1", got)
			}
			if got := statTotalErrors(mfs); got != 0 {
				t.Fatalf("scrape errors = %v, want 0", got)
			}
		})
	}
}

// When every statistics call is refused, the poller logs in again once,
// retries once, then reports up 0 (reason unauthorized) without looping.
func TestUnauthorizedEveryCall(t *testing.T) {
	for _, f := range []airuddertest.Fault{{Status: http.StatusUnauthorized}, {Status: http.StatusOK, Code: 401}} {
		e := newStatEnv(t)
		e.fake.SetFault(airuddertest.Statistics, &f)
		mfs := e.scrape()
		if up := statUpOf(mfs); up != 0 {
			t.Fatalf("fault %+v: up = %v, want 0", f, up)
		}
		if got := statErrorsOf(mfs, statReasonUnauthorized); got != 1 {
			t.Fatalf("fault %+v: unauthorized errors = %v, want 1", f, got)
		}
		if l, s := e.fake.Logins(), e.fake.StatisticsRequests(); l != 2 || s != 2 {
			t.Fatalf("fault %+v: logins %d, statistics %d; want 2 and 2", f, l, s)
		}
	}
}
