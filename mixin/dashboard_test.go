package mixin

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func exampleDashboard(c *Config) *Dashboard {
	d := c.NewDashboard("example.json", "example", "Example", "An example.", "airudder-exporter")
	d.Variable("account", "Account", `label_values(airudder_calls_total{job=~"$job", instance=~"$instance"}, account)`)
	d.Row("Overview")
	d.Add(
		Stat("Up", "Is it up.", "short", Q(d.S("airudder_up"), "{{account}}")).
			ValueTexts(ValueText{"0", "DOWN", "red"}, ValueText{"1", "UP", "green"}).
			Thresholds(Base("red"), From(1, "green")),
		BarGauge("Stories", "Calls by story.", "short", Q(Sum(By("story"), d.S("airudder_inbound_story_calls")), "{{story}}")),
	)
	d.Row("Calls")
	d.Add(
		d.RateBy("Calls by result", "Per second.", "cps", "airudder_calls_total", "result").Stacked(),
		d.Ratio("Connect ratio", "Connected share.", 0.01, d.S("airudder_calls_total", `ring_type="normal"`), d.S("airudder_calls_total", `ring_type!="null"`)),
		d.Quantiles("Talk time", "Quantiles.", "s", "airudder_call_duration_seconds_bucket", nil, 0.5, 0.9, 0.99),
		d.Gauge("Funds", "Balance.", "none", "max", "laaffic_balance", "account").UnitByName("USD", "currencyUSD"),
		Table("Build", "Versions.", "short", Q(d.S("airudder_exporter_build_info"), "")).Columns([]string{"job"}, map[string]string{"Value": "n"}),
	)
	return d
}

// The SDK's strict decoding (unknown fields, wrong types, options of each
// panel type) and validation are what Grafana's import checks.
func TestDashboardJSONIsValidGrafanaSchema(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	raw, err := exampleDashboard(DefaultConfig()).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(raw); err != nil {
		t.Fatalf("strict decode: %v\n%s", err, raw)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	var m struct {
		Panels []struct {
			ID      int    `json:"id"`
			Type    string `json:"type"`
			GridPos struct{ X, Y, W, H int }
			Targets []struct{ Expr string }
		}
		Templating struct{ List []struct{ Name string } }
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var vars []string
	for _, v := range m.Templating.List {
		vars = append(vars, v.Name)
	}
	if got := strings.Join(vars, ","); got != "datasource,job,instance,account" {
		t.Errorf("variables %s", got)
	}
	wantTypes := "row stat bargauge row timeseries timeseries timeseries timeseries table"
	var types []string
	for i, p := range m.Panels {
		types = append(types, p.Type)
		if p.ID != i+1 {
			t.Errorf("panel %d (%s) has id %d", i, p.Type, p.ID)
		}
		for _, q := range p.Targets {
			if !strings.Contains(q.Expr, `instance=~"$instance"`) || !strings.Contains(q.Expr, `account=~"$account"`) {
				t.Errorf("panel %d query %q does not filter by the variables", p.ID, q.Expr)
			}
		}
	}
	if got := strings.Join(types, " "); got != wantTypes {
		t.Errorf("panel types %s, want %s", got, wantTypes)
	}
	// Layout: 12-wide panels two per line, the row below the stats.
	if p := m.Panels[5]; p.GridPos.X != 12 || p.GridPos.Y != m.Panels[4].GridPos.Y {
		t.Errorf("second 12-wide panel at %+v, want beside the first %+v", p.GridPos, m.Panels[4].GridPos)
	}
	if p := m.Panels[6]; p.GridPos.X != 0 || p.GridPos.Y != m.Panels[4].GridPos.Y+8 {
		t.Errorf("third 12-wide panel at %+v, want on the next line", p.GridPos)
	}
}
