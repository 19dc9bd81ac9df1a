package collector

import (
	"context"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/internal/fakeairudder"
)

// faultDialer fails dials on demand: "refused" dials a closed loopback
// port (a real ECONNREFUSED), "dns" returns a *net.DNSError without any
// real DNS lookup; "" dials normally.
type faultDialer struct {
	mode   atomic.Value // string
	closed string       // address nobody listens on
}

func newFaultDialer(t *testing.T) *faultDialer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &faultDialer{closed: l.Addr().String()}
	_ = l.Close()
	d.mode.Store("")
	return d
}

func (d *faultDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	switch d.mode.Load().(string) {
	case "refused":
		return nd.DialContext(ctx, network, d.closed)
	case "dns":
		return nil, &net.DNSError{Err: "no such host", Name: "api.airudder.invalid", IsNotFound: true}
	}
	return nd.DialContext(ctx, network, addr)
}

// transport dials through d for every request (no keep-alive, so a fault
// applies to the next request even if a connection was open).
func (d *faultDialer) transport() *http.Transport {
	return &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
}

// mutateFixture returns the vendor example after f changed it.
func mutateFixture(t testing.TB, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fakeairudder.Fixture(), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// obj walks m along keys (objects only).
func obj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func present(mfs map[string]*dto.MetricFamily, name string) bool {
	return !math.IsNaN(value(mfs, name, "account", testAccount))
}

// The fault table (issue 6): every way the upstream can fail. Each case
// must not panic, must report up 0 (or up 1 with partial data), count one
// bounded reason, and recover on the next good answer without a restart.
func TestFaults(t *testing.T) {
	fixture := fakeairudder.Fixture()
	html := []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")
	cases := []struct {
		name    string
		fault   func(e *env, d *faultDialer)
		wantUp  float64
		reason  string
		check   func(t *testing.T, mfs map[string]*dto.MetricFamily)
		timeout bool // uses the short account timeout
	}{
		{name: "connection refused", reason: reasonNetwork,
			fault: func(e *env, d *faultDialer) { d.mode.Store("refused") }},
		{name: "dns failure", reason: reasonNetwork,
			fault: func(e *env, d *faultDialer) { d.mode.Store("dns") }},
		{name: "timeout", reason: reasonTimeout, timeout: true,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Delay: time.Minute})
			}},
		{name: "login timeout", reason: reasonTimeout, timeout: true,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Auth, &fakeairudder.Fault{Delay: time.Minute})
			}},
		{name: "slow body", reason: reasonTimeout, timeout: true,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Body: fixture, BodyDelay: time.Minute})
			}},
		{name: "5xx", reason: reasonHTTPStatus,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Status: 503})
			}},
		{name: "5xx with html", reason: reasonHTTPStatus,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Status: 502, Body: html, ContentType: "text/html"})
			}},
		{name: "401 on every call", reason: reasonUnauthorized,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Status: 401})
			}},
		{name: "token endpoint down", reason: reasonLogin,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Auth, &fakeairudder.Fault{Status: 500})
			}},
		{name: "credentials refused", reason: reasonLogin,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Auth, &fakeairudder.Fault{Status: 200, Code: 403})
			}},
		{name: "login answer without token", reason: reasonLogin,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Auth, &fakeairudder.Fault{Body: []byte(`{"code":200,"status":"OK","data":{}}`)})
			}},
		{name: "html instead of json", reason: reasonDecode,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Body: html, ContentType: "text/html"})
			}},
		{name: "truncated json", reason: reasonDecode,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Body: fixture[:len(fixture)/2]})
			}},
		{name: "empty body", reason: reasonDecode,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Body: []byte{}})
			}},
		{name: "code not 200 with http 200", reason: reasonAPICode,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetFault(fakeairudder.Statistics, &fakeairudder.Fault{Status: 200, Code: 500})
			}},
		{name: "no data at all", reason: reasonMissingData,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetStatisticsBody([]byte(`{"code":200,"status":"OK"}`))
			}},
		{name: "missing offline section", reason: reasonMissingData, wantUp: 1,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetStatisticsBody(mutateFixture(t, func(m map[string]any) { delete(obj(m, "data"), "offline") }))
			},
			check: func(t *testing.T, mfs map[string]*dto.MetricFamily) {
				if present(mfs, "airudder_inbound_tickets") || present(mfs, "airudder_inbound_today_max_concurrent_calls") {
					t.Error("offline metrics emitted without an offline section")
				}
				if !present(mfs, "airudder_inbound_calls") || !present(mfs, "airudder_inbound_today_timestamp_seconds") {
					t.Error("realtime metrics missing")
				}
			}},
		{name: "empty lists", reason: reasonMissingData, wantUp: 1,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetStatisticsBody(mutateFixture(t, func(m map[string]any) {
					obj(m, "data", "realtime", "daily")["data_list"] = []any{}
					obj(m, "data", "realtime", "hourly")["data_list"] = []any{}
					delete(obj(m, "data", "offline"), "daily") // this one is missing, counted
				}))
			},
			check: func(t *testing.T, mfs map[string]*dto.MetricFamily) {
				if present(mfs, "airudder_inbound_today_calls") || present(mfs, "airudder_inbound_current_hour_calls") ||
					present(mfs, "airudder_inbound_today_timestamp_seconds") {
					t.Error("today/current hour metrics emitted from empty lists")
				}
				if !present(mfs, "airudder_inbound_calls") {
					t.Error("window totals missing")
				}
			}},
		{name: "wrong types", reason: reasonDecode, wantUp: 1,
			fault: func(e *env, d *faultDialer) {
				e.fake.SetStatisticsBody(mutateFixture(t, func(m map[string]any) {
					total := obj(m, "data", "realtime", "total")
					total["total_calls"] = "lots"
					total["valid_calls"] = "756"   // numeric string: accepted
					total["avg_robot_score"] = 3.5 // float: accepted
					total["story_distribution"] = []any{1, 2}
					total["intention_distribution"] = map[string]any{"A": "x", "B": 5}
					obj(m, "data", "offline", "total")["ticket_count"] = true
					obj(m, "data", "offline")["daily"] = "nope"
					obj(m, "data", "realtime", "hourly")["data_list"] = []any{"x", map[string]any{"time": 5}}
				}))
			},
			check: func(t *testing.T, mfs map[string]*dto.MetricFamily) {
				if present(mfs, "airudder_inbound_calls") || present(mfs, "airudder_inbound_story_calls") ||
					present(mfs, "airudder_inbound_tickets") || present(mfs, "airudder_inbound_current_hour_calls") {
					t.Error("a wrongly typed value was emitted")
				}
				if got := value(mfs, "airudder_inbound_valid_calls", "account", testAccount); got != 756 {
					t.Errorf("valid_calls from numeric string = %v, want 756", got)
				}
				if got := value(mfs, "airudder_inbound_robot_score_average", "account", testAccount); got != 3.5 {
					t.Errorf("avg_robot_score = %v, want 3.5", got)
				}
				if got := value(mfs, "airudder_inbound_intention_calls", "account", testAccount, "intention", "B"); got != 5 ||
					seriesCount(mfs, "airudder_inbound_intention_calls") != 1 {
					t.Errorf("intention_distribution: want only B=5")
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newFaultDialer(t)
			opts := []envOption{withTransport(d.transport())}
			if tc.timeout {
				opts = append(opts, withTimeout("200ms"))
			}
			e := newEnv(t, opts...)
			tc.fault(e, d)

			mfs := e.scrape()
			if got := upOf(mfs); got != tc.wantUp {
				t.Fatalf("up = %v, want %v", got, tc.wantUp)
			}
			if got := errorsOf(mfs, tc.reason); got != 1 {
				t.Fatalf("scrape errors{reason=%q} = %v, want 1", tc.reason, got)
			}
			if got := totalErrors(mfs); got != 1 {
				t.Fatalf("scrape errors over all reasons = %v, want 1", got)
			}
			if tc.check != nil {
				tc.check(t, mfs)
			}

			// A cached failure is served until min_interval has passed,
			// without another upstream request or error count.
			before := e.fake.StatisticsRequests() + e.fake.Logins()
			e.clock.Advance(10 * time.Second)
			mfs = e.scrape()
			if got := upOf(mfs); got != tc.wantUp || totalErrors(mfs) != 1 {
				t.Fatalf("cached: up %v errors %v, want %v and 1", got, totalErrors(mfs), tc.wantUp)
			}
			if after := e.fake.StatisticsRequests() + e.fake.Logins(); after != before {
				t.Fatalf("cached failure caused %d upstream requests", after-before)
			}

			// Recovery: the next good answer after min_interval.
			d.mode.Store("")
			e.fake.SetFault(fakeairudder.Statistics, nil)
			e.fake.SetFault(fakeairudder.Auth, nil)
			e.fake.SetStatisticsBody(nil)
			e.clock.Advance(time.Minute)
			mfs = e.scrape()
			if got := upOf(mfs); got != 1 {
				t.Fatalf("after recovery: up = %v, want 1", got)
			}
			if got := value(mfs, "airudder_inbound_calls", "account", testAccount); got != 892 {
				t.Fatalf("after recovery: calls = %v, want 892", got)
			}
			if got := totalErrors(mfs); got != 1 {
				t.Fatalf("after recovery: errors = %v, want still 1", got)
			}
		})
	}
}
