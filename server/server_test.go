package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	toolkitweb "github.com/prometheus/exporter-toolkit/web"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// newTestServer builds a Server from a config file, without listening:
// handlers are driven through httptest. Its log (debug level) is returned.
func newTestServer(t testing.TB, cfgYAML string, o Options) (*Server, *testkit.LogBuffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(path, []byte(cfgYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.LogBuffer{}
	o.Logger = level.NewFilter(log.NewLogfmtLogger(logs), level.AllowDebug())
	o.Slog = slog.New(slog.NewTextHandler(logs, nil))
	o.Registry = NewRegistry()
	o.ConfigFile = path
	if o.DefaultScrapeTimeout == 0 {
		o.DefaultScrapeTimeout = 10 * time.Second
	}
	if o.TelemetryPath == "" {
		o.TelemetryPath = "/metrics"
	}
	if o.Apply == nil {
		o.Apply = func(*config.Config) {}
	}
	if o.Webhooks == nil {
		o.Webhooks = http.NotFoundHandler()
	}
	if o.Web == nil {
		empty := ""
		o.Web = &toolkitweb.FlagConfig{WebConfigFile: &empty, WebListenAddresses: &[]string{"127.0.0.1:0"}}
	}
	return New(o, cfg), logs
}

// POST /-/reload is opt-in, like Prometheus' --web.enable-lifecycle.
func TestReloadEndpointNeedsLifecycle(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		applied := 0
		s, _ := newTestServer(t, "webhooks:\n  token: x\n", Options{EnableLifecycle: enabled, Apply: func(*config.Config) { applied++ }})
		mux, err := s.routes(true)
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("POST", "/-/reload", nil))
		want := map[bool]int{false: 403, true: 200}[enabled]
		if rec.Code != want {
			t.Errorf("lifecycle %v: POST /-/reload = %d %q, want %d", enabled, rec.Code, rec.Body.String(), want)
		}
		if !enabled && !strings.Contains(rec.Body.String(), "--web.enable-lifecycle") {
			t.Errorf("403 body %q does not say how to enable it", rec.Body.String())
		}
		if wantApplied := map[bool]int{false: 1, true: 2}[enabled]; applied != wantApplied {
			t.Errorf("lifecycle %v: config applied %d times, want %d (start, then the reload)", enabled, applied, wantApplied)
		}
	}
}

// A failed reload answers with the YAML path, never the value.
func TestReloadErrorDoesNotEchoValues(t *testing.T) {
	s, logs := newTestServer(t, "webhooks:\n  token: x\n", Options{EnableLifecycle: true})
	const secret = "PastedSecret-42"
	if err := os.WriteFile(s.o.ConfigFile, []byte("webhooks:\n  token: x\n  dedup_window: "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mux, err := s.routes(true)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("POST", "/-/reload", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "webhooks.dedup_window") {
		t.Errorf("reload = %d %q, want 500 naming webhooks.dedup_window", rec.Code, rec.Body.String())
	}
	if strings.Contains(rec.Body.String(), secret) || strings.Contains(logs.String(), secret) {
		t.Errorf("the value comes back: body %q, logs:\n%s", rec.Body.String(), logs.String())
	}
	if m := scrapeBody(t, s); !strings.Contains(m, "airudder_exporter_config_last_reload_successful 0") {
		t.Errorf("last_reload_successful not 0 after a failed reload")
	}
}

// A config the components cannot apply without a restart (Check) is
// refused as a config that does not load: 500 with the reason, the gauge
// at 0, the running config kept.
func TestReloadRefusedByCheck(t *testing.T) {
	applied := 0
	refuse := errors.New("webhooks.redis changed: takes a restart")
	var check error
	s, _ := newTestServer(t, "webhooks:\n  token: x\n", Options{EnableLifecycle: true,
		Apply: func(*config.Config) { applied++ },
		Check: func(*config.Config) error { return check }})
	mux, err := s.routes(true)
	if err != nil {
		t.Fatal(err)
	}
	reload := func() *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("POST", "/-/reload", nil))
		return rec
	}
	check = refuse
	if rec := reload(); rec.Code != 500 || !strings.Contains(rec.Body.String(), "webhooks.redis") {
		t.Errorf("refused reload = %d %q, want 500 naming webhooks.redis", rec.Code, rec.Body.String())
	}
	if applied != 1 {
		t.Errorf("config applied %d times, want once (at start): the refused one must not be", applied)
	}
	if m := scrapeBody(t, s); !strings.Contains(m, "airudder_exporter_config_last_reload_successful 0") {
		t.Error("last_reload_successful not 0 after a refused reload")
	}
	check = nil
	if rec := reload(); rec.Code != 200 || applied != 2 {
		t.Errorf("accepted reload = %d, applied %d times; want 200 and 2", rec.Code, applied)
	}
	if m := scrapeBody(t, s); !strings.Contains(m, "airudder_exporter_config_last_reload_successful 1") {
		t.Error("last_reload_successful not back to 1")
	}
}

// The demo augments every reloaded config.
func TestReloadAppliesTheDemoToTheLoadedConfig(t *testing.T) {
	var got *config.Config
	d := &fakeDemo{}
	s, _ := newTestServer(t, "webhooks:\n  token: x\n", Options{Demo: d, Apply: func(c *config.Config) { got = c }})
	if err := s.reload(); err != nil {
		t.Fatal(err)
	}
	if d.augmented != 1 || got == nil || got.Webhooks.Token != "augmented" {
		t.Errorf("augmented %d times, applied token %v; want the demo's config applied", d.augmented, got)
	}
}

type fakeDemo struct{ augmented int }

func (d *fakeDemo) Augment(c *config.Config) *config.Config {
	d.augmented++
	c.Webhooks.Token = "augmented"
	return c
}
func (d *fakeDemo) RunTraffic(context.Context, string, string) {}
func (d *fakeDemo) Close()                                     {}

// Readiness: the components' reason is told.
func TestReadyReportsTheComponentsReason(t *testing.T) {
	var notReady error
	s, _ := newTestServer(t, "webhooks:\n  token: x\n", Options{Ready: func() error { return notReady }})
	mux, err := s.routes(true)
	if err != nil {
		t.Fatal(err)
	}
	get := func() (int, string) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest("GET", "/-/ready", nil))
		return rec.Code, rec.Body.String()
	}
	if code, _ := get(); code != 503 {
		t.Errorf("before Run: /-/ready = %d, want 503", code)
	}
	s.ready.Store(true)
	if code, _ := get(); code != 200 {
		t.Errorf("/-/ready = %d, want 200", code)
	}
	notReady = io.ErrUnexpectedEOF
	if code, body := get(); code != 503 || !strings.Contains(body, "Not ready: "+io.ErrUnexpectedEOF.Error()) {
		t.Errorf("/-/ready = %d %q, want 503 with the reason", code, body)
	}
}

// /debug/pprof/ is served where /metrics is, and never on the separate
// vendor-facing webhook listener.
func TestPprofOnMetricsListenerOnly(t *testing.T) {
	main, hook := testkit.FreeAddr(t), testkit.FreeAddr(t)
	empty, no := "", false
	webhooks := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
	s, logs := newTestServer(t, "webhooks:\n  token: x\n", Options{
		Web:                  &toolkitweb.FlagConfig{WebConfigFile: &empty, WebListenAddresses: &[]string{main}, WebSystemdSocket: &no},
		WebhookListenAddress: hook, Webhooks: webhooks, ShutdownTimeout: 5 * time.Second, MaxConnections: 64,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if code, _ := testkit.HTTPGet("http://" + main + "/-/ready"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not ready within 10s")
		}
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1"} {
		code, body := testkit.HTTPGet("http://" + main + path)
		if code != 200 || len(body) == 0 {
			t.Errorf("metrics listener %s = %d (%d bytes), want 200", path, code, len(body))
		}
	}
	if _, body := testkit.HTTPGet("http://" + main + "/debug/pprof/"); !strings.Contains(body, "goroutine") {
		t.Errorf("pprof index lists no goroutine profile")
	}
	if _, landing := testkit.HTTPGet("http://" + main + "/"); !strings.Contains(landing, "debug/pprof/heap") {
		t.Errorf("landing page does not link the heap profile")
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap", "/metrics"} {
		if code, _ := testkit.HTTPGet("http://" + hook + path); code != 404 {
			t.Errorf("webhook listener %s = %d, want 404", path, code)
		}
	}
	// The webhook listener still does its job.
	resp, err := http.Post("http://"+hook+"/webhooks/airudder", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("webhook listener POST /webhooks/airudder = %d, want the webhook handler's 202", resp.StatusCode)
	}
}

// A profile taken over some seconds holds its connection busy; a second
// profile request meanwhile is answered 429 at once, so profiles cannot
// fill the connection cap, and once the first is done the next is served.
func TestPprofServesOneProfileAtATime(t *testing.T) {
	s, _ := newTestServer(t, "webhooks: {}\n", Options{})
	mux, err := s.routes(false)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	// A profile of a minute, cut short below by cancelling its request
	// (pprof stops at the request's end).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	startFirst := func() chan int {
		done := make(chan int, 1)
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/debug/pprof/allocs?seconds=60", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		return done
	}
	first := startFirst()
	// Once the first is being taken, every other profile is refused at
	// once, whichever its path. (A probe that takes the slot before the
	// first arrives has the first refused: it is started again.)
	busy := false
	for deadline := time.Now().Add(10 * time.Second); !busy && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case code := <-first:
			if code != http.StatusTooManyRequests {
				t.Fatalf("minute-long profile answered %d at once", code)
			}
			first = startFirst()
			continue
		default:
		}
		code, _ := testkit.HTTPGet(srv.URL + "/debug/pprof/goroutine?debug=1")
		busy = code == http.StatusTooManyRequests
	}
	if !busy {
		t.Fatal("no 429 within 10 s of a minute-long profile starting")
	}
	for _, path := range []string{"/debug/pprof/heap?seconds=2", "/debug/pprof/profile?seconds=2", "/debug/pprof/trace?seconds=2", "/debug/pprof/cmdline", "/debug/pprof/symbol", "/debug/pprof/"} {
		if code, _ := testkit.HTTPGet(srv.URL + path); code != http.StatusTooManyRequests {
			t.Errorf("%s during another profile = %d, want 429", path, code)
		}
	}
	cancel()
	<-first
	// The slot is free again once the first request has ended.
	var code int
	for deadline := time.Now().Add(10 * time.Second); code != http.StatusOK && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		code, _ = testkit.HTTPGet(srv.URL + "/debug/pprof/goroutine?debug=1")
	}
	if code != http.StatusOK {
		t.Errorf("profile after the first ended = %d, want 200", code)
	}
}
