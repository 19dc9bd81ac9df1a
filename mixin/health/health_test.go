package health

import (
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"airudder_exporter/mixin"
)

func build(t *testing.T, c *mixin.Config) *mixin.Output {
	t.Helper()
	out, err := mixin.Build(c, []mixin.Part{Part()})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The Health dashboard is what Grafana imports: strictly decoded and
// validated by the SDK, with unique panel ids.
func TestDashboardIsValidGrafanaSchema(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	raw := build(t, mixin.DefaultConfig()).Dashboards["exporter-health.json"]
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(raw); err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	seen := map[uint32]string{}
	for _, p := range d.Panels {
		var id uint32
		var title string
		switch {
		case p.Panel != nil && p.Panel.Id != nil:
			id, title = *p.Panel.Id, *p.Panel.Title
		case p.RowPanel != nil:
			id, title = p.RowPanel.Id, *p.RowPanel.Title
		default:
			t.Fatalf("panel without id: %+v", p)
		}
		if other, dup := seen[id]; dup {
			t.Errorf("id %d taken by %q and %q", id, other, title)
		}
		seen[id] = title
	}
}

var selectorRE = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}`)

// Every alert and recording rule reads the config's job, and every
// threshold comes from the config.
func TestRulesFollowTheConfig(t *testing.T) {
	c := mixin.DefaultConfig()
	c.JobSelector = `job="ar"`
	c.Thresholds = map[string]float64{
		"health_webhooks_stopped_seconds":      7200,
		"health_webhook_invalid_records_ratio": 0.05,
		"health_dedup_state_unsaved_seconds":   900,
	}
	rules := map[string]mixin.Rule{}
	for _, g := range build(t, c).Groups() {
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			rules[name] = r
			sels := selectorRE.FindAllString(r.Expr, -1)
			if len(sels) == 0 {
				t.Errorf("%s selects nothing by the job: %s", name, r.Expr)
			}
			for _, s := range sels {
				if !strings.Contains(s, `job="ar"`) {
					t.Errorf("%s: selector %s ignores the job selector", name, s)
				}
			}
		}
	}
	for alert, want := range map[string][]string{
		"AiRudderWebhooksStopped":            {"> 7200", "over 2 hours", "threshold 2h"},
		"AiRudderWebhookInvalidRecords":      {"> 0.05", "over 5 % of its records", ">= 5"},
		"AiRudderExporterDedupStateNotSaved": {"> 900", "threshold 15 minutes"},
	} {
		r, ok := rules[alert]
		if !ok {
			t.Fatalf("no alert %s", alert)
		}
		text := r.Expr + " " + r.Annotations.Summary + " " + r.Annotations.Description
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", alert, w, text)
			}
		}
	}
}
