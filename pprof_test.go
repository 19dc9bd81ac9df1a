package main

import (
	"strings"
	"testing"

	"airudder_exporter/internal/testkit"
)

// /debug/pprof/ is served where /metrics is, and never on the separate
// vendor-facing webhook listener.
func TestPprofOnMetricsListenerOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	hook := testkit.FreeAddr(t)
	p := startExporter(t, nil, "--config.file=config.yml", "--webhook.listen-address="+hook)

	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap?debug=1", "/debug/pprof/goroutine?debug=1"} {
		code, body := httpDo(t, "GET", "http://"+p.addr+path, nil)
		if code != 200 || len(body) == 0 {
			t.Errorf("metrics listener %s = %d (%d bytes), want 200", path, code, len(body))
		}
	}
	if _, body := httpDo(t, "GET", "http://"+p.addr+"/debug/pprof/", nil); !strings.Contains(body, "goroutine") {
		t.Errorf("pprof index lists no goroutine profile")
	}
	if _, landing := httpDo(t, "GET", "http://"+p.addr+"/", nil); !strings.Contains(landing, "debug/pprof/heap") {
		t.Errorf("landing page does not link the heap profile")
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/heap", "/metrics"} {
		if code, _ := httpDo(t, "GET", "http://"+hook+path, nil); code != 404 {
			t.Errorf("webhook listener %s = %d, want 404", path, code)
		}
	}
	// The webhook listener still does its job.
	if code, _ := httpDo(t, "POST", "http://"+hook+"/webhooks/airudder", nil); code == 404 {
		t.Errorf("webhook listener does not serve /webhooks/airudder")
	}
}
