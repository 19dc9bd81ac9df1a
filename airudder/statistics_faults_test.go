package airudder

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

	"airudder_exporter/airudder/airuddertest"
	"airudder_exporter/internal/testkit"
)

// statFaultDialer fails dials on demand: "refused" dials a closed loopback
// port (a real ECONNREFUSED), "dns" returns a *net.DNSError without any
// real DNS lookup; "" dials normally.
type statFaultDialer struct {
	mode   atomic.Value // string
	closed string       // address nobody listens on
}

func newStatFaultDialer(t *testing.T) *statFaultDialer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &statFaultDialer{closed: l.Addr().String()}
	_ = l.Close()
	d.mode.Store("")
	return d
}

func (d *statFaultDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
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
func (d *statFaultDialer) transport() *http.Transport {
	return &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}
}

// statMutateFixture returns the vendor example after f changed it.
func statMutateFixture(t testing.TB, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(airuddertest.Fixture(), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// statObj walks m along keys (objects only).
func statObj(m map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		m = m[k].(map[string]any)
	}
	return m
}

func statPresent(mfs map[string]*dto.MetricFamily, name string) bool {
	return !math.IsNaN(testkit.FamilyValue(mfs, name, "account", statAccount))
}

// The fault table: every way the upstream can fail. Each case
// must not panic, must report up 0 (or up 1 with partial data), count one
// bounded reason, and recover on the next good answer without a restart.
func TestFaults(t *testing.T) {
	fixture := airuddertest.Fixture()
	html := []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")
	cases := []struct {
		name    string
		fault   func(e *statEnv, d *statFaultDialer)
		wantUp  float64
		reason  string
		check   func(t *testing.T, mfs map[string]*dto.MetricFamily)
		timeout bool // uses the short account timeout
	}{
		{name: "connection refused", reason: statReasonNetwork,
			fault: func(e *statEnv, d *statFaultDialer) { d.mode.Store("refused") }},
		{name: "dns failure", reason: statReasonNetwork,
			fault: func(e *statEnv, d *statFaultDialer) { d.mode.Store("dns") }},
		{name: "timeout", reason: statReasonTimeout, timeout: true,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Delay: time.Minute})
			}},
		{name: "login timeout", reason: statReasonTimeout, timeout: true,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Auth, &airuddertest.Fault{Delay: time.Minute})
			}},
		{name: "slow body", reason: statReasonTimeout, timeout: true,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Body: fixture, BodyDelay: time.Minute})
			}},
		{name: "5xx", reason: statReasonHTTPStatus,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 503})
			}},
		{name: "5xx with html", reason: statReasonHTTPStatus,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 502, Body: html, ContentType: "text/html"})
			}},
		{name: "401 on every call", reason: statReasonUnauthorized,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 401})
			}},
		{name: "token endpoint down", reason: statReasonLogin,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Auth, &airuddertest.Fault{Status: 500})
			}},
		{name: "credentials refused", reason: statReasonLogin,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Auth, &airuddertest.Fault{Status: 200, Code: 403})
			}},
		{name: "login answer without token", reason: statReasonLogin,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Auth, &airuddertest.Fault{Body: []byte(`{"code":200,"status":"OK","data":{}}`)})
			}},
		{name: "html instead of json", reason: statReasonDecode,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Body: html, ContentType: "text/html"})
			}},
		{name: "truncated json", reason: statReasonDecode,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Body: fixture[:len(fixture)/2]})
			}},
		{name: "empty body", reason: statReasonDecode,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Body: []byte{}})
			}},
		{name: "code not 200 with http 200", reason: statReasonAPICode,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 200, Code: 500})
			}},
		{name: "no data at all", reason: statReasonMissingData,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetStatisticsBody([]byte(`{"code":200,"status":"OK"}`))
			}},
		{name: "missing offline section", reason: statReasonMissingData, wantUp: 1,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetStatisticsBody(statMutateFixture(t, func(m map[string]any) { delete(statObj(m, "data"), "offline") }))
			},
			check: func(t *testing.T, mfs map[string]*dto.MetricFamily) {
				if statPresent(mfs, "airudder_inbound_tickets") || statPresent(mfs, "airudder_inbound_today_max_concurrent_calls") {
					t.Error("offline metrics emitted without an offline section")
				}
				if !statPresent(mfs, "airudder_inbound_calls") || !statPresent(mfs, "airudder_inbound_today_timestamp_seconds") {
					t.Error("realtime metrics missing")
				}
			}},
		{name: "empty lists", reason: statReasonMissingData, wantUp: 1,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetStatisticsBody(statMutateFixture(t, func(m map[string]any) {
					statObj(m, "data", "realtime", "daily")["data_list"] = []any{}
					statObj(m, "data", "realtime", "hourly")["data_list"] = []any{}
					delete(statObj(m, "data", "offline"), "daily") // this one is missing, counted
				}))
			},
			check: func(t *testing.T, mfs map[string]*dto.MetricFamily) {
				if statPresent(mfs, "airudder_inbound_today_calls") || statPresent(mfs, "airudder_inbound_current_hour_calls") ||
					statPresent(mfs, "airudder_inbound_today_timestamp_seconds") {
					t.Error("today/current hour metrics emitted from empty lists")
				}
				if !statPresent(mfs, "airudder_inbound_calls") {
					t.Error("window totals missing")
				}
			}},
		{name: "wrong types", reason: statReasonDecode, wantUp: 1,
			fault: func(e *statEnv, d *statFaultDialer) {
				e.fake.SetStatisticsBody(statMutateFixture(t, func(m map[string]any) {
					total := statObj(m, "data", "realtime", "total")
					total["total_calls"] = "lots"
					total["valid_calls"] = "756"   // numeric string: accepted
					total["avg_robot_score"] = 3.5 // float: accepted
					total["story_distribution"] = []any{1, 2}
					total["intention_distribution"] = map[string]any{"A": "x", "B": 5}
					statObj(m, "data", "offline", "total")["ticket_count"] = true
					statObj(m, "data", "offline")["daily"] = "nope"
					statObj(m, "data", "realtime", "hourly")["data_list"] = []any{"x", map[string]any{"time": 5}}
				}))
			},
			check: func(t *testing.T, mfs map[string]*dto.MetricFamily) {
				if statPresent(mfs, "airudder_inbound_calls") || statPresent(mfs, "airudder_inbound_story_calls") ||
					statPresent(mfs, "airudder_inbound_tickets") || statPresent(mfs, "airudder_inbound_current_hour_calls") {
					t.Error("a wrongly typed value was emitted")
				}
				if got := testkit.FamilyValue(mfs, "airudder_inbound_valid_calls", "account", statAccount); got != 756 {
					t.Errorf("valid_calls from numeric string = %v, want 756", got)
				}
				if got := testkit.FamilyValue(mfs, "airudder_inbound_robot_score_average", "account", statAccount); got != 3.5 {
					t.Errorf("avg_robot_score = %v, want 3.5", got)
				}
				if got := testkit.FamilyValue(mfs, "airudder_inbound_intention_calls", "account", statAccount, "intention", "B"); got != 5 ||
					testkit.FamilySeries(mfs, "airudder_inbound_intention_calls") != 1 {
					t.Errorf("intention_distribution: want only B=5")
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := newStatFaultDialer(t)
			opts := []statEnvOption{withStatTransport(d.transport())}
			if tc.timeout {
				opts = append(opts, withStatTimeout("200ms"))
			}
			e := newStatEnv(t, opts...)
			tc.fault(e, d)

			mfs := e.scrape()
			if got := statUpOf(mfs); got != tc.wantUp {
				t.Fatalf("up = %v, want %v", got, tc.wantUp)
			}
			if got := statErrorsOf(mfs, tc.reason); got != 1 {
				t.Fatalf("scrape errors{reason=%q} = %v, want 1", tc.reason, got)
			}
			if got := statTotalErrors(mfs); got != 1 {
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
			if got := statUpOf(mfs); got != tc.wantUp || statTotalErrors(mfs) != 1 {
				t.Fatalf("cached: up %v errors %v, want %v and 1", got, statTotalErrors(mfs), tc.wantUp)
			}
			if after := e.fake.StatisticsRequests() + e.fake.Logins(); after != before {
				t.Fatalf("cached failure caused %d upstream requests", after-before)
			}

			// Recovery: the next good answer after min_interval.
			d.mode.Store("")
			e.fake.SetFault(airuddertest.Statistics, nil)
			e.fake.SetFault(airuddertest.Auth, nil)
			e.fake.SetStatisticsBody(nil)
			e.clock.Advance(time.Minute)
			mfs = e.scrape()
			if got := statUpOf(mfs); got != 1 {
				t.Fatalf("after recovery: up = %v, want 1", got)
			}
			if got := testkit.FamilyValue(mfs, "airudder_inbound_calls", "account", statAccount); got != 892 {
				t.Fatalf("after recovery: calls = %v, want 892", got)
			}
			if got := statTotalErrors(mfs); got != 1 {
				t.Fatalf("after recovery: errors = %v, want still 1", got)
			}
		})
	}
}
