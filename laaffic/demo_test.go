package laaffic

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
	"airudder_exporter/receiver"
)

// The demo's LAAFFIC warm-up goes through the real receiver and gives every
// LAAFFIC family data, for both accounts, and spends from the balance.
func TestDemoWarmupFeedsEveryFamily(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	rc, err := receiver.New(config.Webhooks{
		LaafficAccounts: map[string]config.Secret{config.DefaultWebhookAccount: "", demoAccount: ""},
		LaafficScripts:  map[string]string{"123": demoScriptName},
	}, receiver.Options{Registerer: reg}, NewPushes())
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := rc.Handler()
	spent := 0.0
	g := &demoTraffic{Gen: demogen.New(time.Now), spend: func(v float64) { spent += v }}
	bodies := g.Warmup()
	for i := 0; i < 200; i++ {
		bodies = append(bodies, g.Next())
	}
	for _, w := range bodies {
		req := httptest.NewRequest(http.MethodPost, w.Path, bytes.NewReader(w.Body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", w.Path, rec.Code, rec.Body)
		}
	}
	if spent <= 0 {
		t.Error("the demo traffic spent nothing from the simulated balance")
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	accounts := map[string]map[string]bool{}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "laaffic_") {
			continue
		}
		for _, m := range mf.GetMetric() {
			v := m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
			if v == 0 {
				continue
			}
			for _, l := range m.GetLabel() {
				if l.GetName() == "account" {
					if accounts[mf.GetName()] == nil {
						accounts[mf.GetName()] = map[string]bool{}
					}
					accounts[mf.GetName()][l.GetValue()] = true
				}
			}
		}
	}
	for _, name := range []string{
		"laaffic_calls_total", "laaffic_ai_agent_cost_total", "laaffic_ai_agent_intent_codes_total",
		"laaffic_script_calls_total", "laaffic_script_cost_total", "laaffic_call_center_calls_total",
		"laaffic_call_center_agent_group_calls_total", "laaffic_call_center_talk_duration_seconds",
		"laaffic_agent_ringing_total", "laaffic_agent_ringing_unanswered_legs_total", "laaffic_cost_total",
		"laaffic_settle_pay_total", "laaffic_ai_agent_charged_duration_seconds_total", "laaffic_recalls_total",
	} {
		if !accounts[name][config.DefaultWebhookAccount] || !accounts[name][demoAccount] {
			t.Errorf("%s: non-zero for accounts %v, want default and %s", name, accounts[name], demoAccount)
		}
	}
	if !accounts["laaffic_invalid_fields_total"][config.DefaultWebhookAccount] {
		t.Error("the warm-up's answer-before-ringing record was not counted as an invalid field")
	}
}
