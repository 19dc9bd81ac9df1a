package receiver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// No webhook token: a warning at start and on every reload, and the gauge
// an alert can catch.
func TestApplyConfigWarnsWithoutWebhookToken(t *testing.T) {
	logs := &testkit.LogBuffer{}
	logger := log.NewLogfmtLogger(logs)
	reg := prometheus.NewRegistry()
	rcv, err := New(config.Webhooks{}, Options{Logger: logger, Registerer: reg}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rcv.Close() })
	path := filepath.Join(t.TempDir(), "config.yml")
	load := func(yaml string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		rcv.ApplyConfig(cfg.Webhooks) // as the owner does at start and on every reload
	}
	authEnabled := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "airudder_exporter_webhook_auth_enabled" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("airudder_exporter_webhook_auth_enabled not exposed")
		return -1
	}
	const warn = "No webhook token configured"
	load("webhooks: {}\n")
	if n := strings.Count(logs.String(), warn); n != 1 {
		t.Errorf("%d warnings at start, want 1:\n%s", n, logs.String())
	}
	if v := authEnabled(); v != 0 {
		t.Errorf("gauge %v, want 0 without a token", v)
	}
	load("webhooks:\n  token: t0ken-value\n")
	if v := authEnabled(); v != 1 {
		t.Errorf("gauge %v, want 1 with a token", v)
	}
	load("webhooks: {}\n")
	if n := strings.Count(logs.String(), warn); n != 2 {
		t.Errorf("%d warnings after a reload back to no token, want 2", n)
	}
	if strings.Contains(logs.String(), "t0ken-value") {
		t.Errorf("token in the logs")
	}
}
