package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/exporter-toolkit/web"

	"airudder_exporter/internal/testkit"
)

// newLoggedServer is newTestServer with a debug-level log buffer.
func newLoggedServer(t *testing.T, cfg string, o options) (*server, *testkit.LogBuffer, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	o.configFile = path
	o.defaultScrapeTO = 5 * time.Second
	o.telemetryPath = "/metrics"
	logs := &testkit.LogBuffer{}
	logger, base := newLogger("debug", "logfmt", logs)
	empty := ""
	s, err := newServer(o, &web.FlagConfig{WebConfigFile: &empty, WebListenAddresses: &[]string{"127.0.0.1:0"}}, logger, base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.receiver.Close() })
	return s, logs, path
}

func scrapeBody(t *testing.T, s *server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.metricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

// No webhook token: a warning at start and on every reload, and the gauge
// an alert can catch.
func TestWebhookAuthDisabledWarnsAndIsExposed(t *testing.T) {
	s, logs, path := newLoggedServer(t, "webhooks: {}\n", options{})
	const warn = "No webhook token configured"
	if n := strings.Count(logs.String(), warn); n != 1 {
		t.Errorf("%d warnings at start, want 1:\n%s", n, logs.String())
	}
	if m := scrapeBody(t, s); !strings.Contains(m, "airudder_exporter_webhook_auth_enabled 0") {
		t.Errorf("gauge not 0 without a token")
	}
	if err := os.WriteFile(path, []byte("webhooks:\n  token: t0ken-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.reload(); err != nil {
		t.Fatal(err)
	}
	if m := scrapeBody(t, s); !strings.Contains(m, "airudder_exporter_webhook_auth_enabled 1") {
		t.Errorf("gauge not 1 with a token")
	}
	if err := os.WriteFile(path, []byte("webhooks: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.reload(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), warn); n != 2 {
		t.Errorf("%d warnings after a reload back to no token, want 2", n)
	}
	if strings.Contains(logs.String(), "t0ken-value") {
		t.Errorf("token in the logs")
	}
}

// POST /-/reload is opt-in, like Prometheus' --web.enable-lifecycle.
func TestReloadEndpointNeedsLifecycle(t *testing.T) {
	for _, enabled := range []bool{false, true} {
		s, _, _ := newLoggedServer(t, "webhooks:\n  token: x\n", options{enableLifecycle: enabled})
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
	}
}

// A failed reload answers with the YAML path, never the value.
func TestReloadErrorDoesNotEchoValues(t *testing.T) {
	s, logs, path := newLoggedServer(t, "webhooks:\n  token: x\n", options{enableLifecycle: true})
	const secret = "PastedSecret-42"
	if err := os.WriteFile(path, []byte("webhooks:\n  token: x\n  dedup_window: "+secret+"\n"), 0o600); err != nil {
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
}

// brokenPipeWriter accepts the first n bytes, then fails every write as a
// client that hung up does.
type brokenPipeWriter struct {
	h http.Header
	n int
}

func (w *brokenPipeWriter) Header() http.Header { return w.h }
func (w *brokenPipeWriter) WriteHeader(int)     {}
func (w *brokenPipeWriter) Write(b []byte) (int, error) {
	if w.n <= 0 {
		return 0, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	}
	w.n -= len(b)
	return len(b), nil
}

// A scrape client hanging up is counted and logged once at debug level,
// not once per metric family at error level.
func TestScrapeClientHangUpLoggedOnce(t *testing.T) {
	s, logs, _ := newLoggedServer(t, "webhooks:\n  token: x\n", options{})
	h := s.metricsHandler()
	for i := 0; i < 3; i++ {
		h.ServeHTTP(&brokenPipeWriter{h: http.Header{}, n: 512}, httptest.NewRequest("GET", "/metrics", nil))
	}
	out := logs.String()
	if n := strings.Count(out, "level=error"); n != 0 {
		t.Errorf("%d error lines for client hang-ups:\n%s", n, out)
	}
	if n := strings.Count(out, "hung up"); n != 3 {
		t.Errorf("%d debug lines for 3 hang-ups, want 3:\n%s", n, out)
	}
	if m := scrapeBody(t, s); !strings.Contains(m, "airudder_exporter_scrape_client_aborts_total 3") {
		t.Errorf("aborts not counted:\n%s", grepLines(m, "aborts"))
	}
}

// Other promhttp errors stay errors, with a space after the colon.
func TestPromLoggerSpacing(t *testing.T) {
	s, logs, _ := newLoggedServer(t, "webhooks:\n  token: x\n", options{})
	p := &promLogger{l: s.logger, aborts: s.scrapeAborts}
	p.Println("error encoding and sending metric family:", errors.New("boom"))
	if !strings.Contains(logs.String(), `msg="error encoding and sending metric family: boom"`) {
		t.Errorf("log line: %s", logs.String())
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The guard closes a connection whose answer came before its body was read,
// without draining it; a fully read body keeps the connection alive.
func TestGuardClosesUnreadBodies(t *testing.T) {
	s, _, _ := newLoggedServer(t, "webhooks:\n  token: x\n", options{})
	mux, err := s.routes(true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = s.newHTTPServer(mux, new(sync.WaitGroup))
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /webhooks/airudder?token=wrong HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	buf := make([]byte, 4096)
	var got []byte
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if !strings.HasPrefix(string(got), "HTTP/1.1 401") || !strings.Contains(string(got), "Connection: close") {
		t.Errorf("answer %q, want 401 with Connection: close, then EOF", got)
	}
}
