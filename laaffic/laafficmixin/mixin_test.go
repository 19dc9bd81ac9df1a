package laafficmixin

import (
	"strings"
	"testing"

	"airudder_exporter/mixin"
)

func buildPart(t *testing.T, c *mixin.Config) *mixin.Output {
	t.Helper()
	out, err := mixin.Build(c, []mixin.Part{Part()})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func rule(t *testing.T, out *mixin.Output, name string) mixin.Rule {
	t.Helper()
	for _, g := range out.Groups() {
		for _, r := range g.Rules {
			if r.Alert == name || r.Record == name {
				return r
			}
		}
	}
	t.Fatalf("no rule %s", name)
	return mixin.Rule{}
}

// Build fails on a recording rule nobody reads and on a recorded name read
// but not recorded: the part must pass on its own.
func TestPartBuildsAlone(t *testing.T) {
	out := buildPart(t, mixin.DefaultConfig())
	var names []string
	for _, g := range out.Groups() {
		names = append(names, g.Name)
	}
	if got := strings.Join(names, ","); got != "laaffic.recording,laaffic,laaffic.balance,laaffic.operations" {
		t.Errorf("groups %s", got)
	}
	if _, ok := out.Dashboards["laaffic-ivr.json"]; !ok {
		t.Errorf("dashboards %v, want laaffic-ivr.json", out.Dashboards)
	}
}

func TestThresholdsComeFromTheConfig(t *testing.T) {
	c := mixin.DefaultConfig()
	c.Thresholds = map[string]float64{"laaffic_balance_low": 50, "laaffic_cost_per_hour_max_eur": 80, "laaffic_connect_ratio_min": 0.35}
	out := buildPart(t, c)

	low := rule(t, out, "LaafficBalanceLow")
	if !strings.HasSuffix(low.Expr, " < 50") || !strings.Contains(low.Annotations.Description, "threshold 50)") {
		t.Errorf("LaafficBalanceLow ignores its threshold: %s / %s", low.Expr, low.Annotations.Description)
	}
	burn := rule(t, out, "LaafficCostBurnHigh").Expr
	if !strings.Contains(burn, `currency="EUR"}[30m])) * 3600 > 80`) || !strings.Contains(burn, `currency="USD"}[30m])) * 3600 > 50`) {
		t.Errorf("LaafficCostBurnHigh budgets are not per currency:\n%s", burn)
	}
	connect := rule(t, out, "LaafficConnectRatioLow")
	if !strings.Contains(connect.Expr, "< 0.35") || !strings.Contains(connect.Annotations.Description, "threshold 35%") {
		t.Errorf("LaafficConnectRatioLow ignores its threshold: %s / %s", connect.Expr, connect.Annotations.Description)
	}
	if !strings.Contains(string(out.Dashboards["laaffic-ivr.json"]), `"value": 0.35`) {
		t.Error("the Connect ratio panel does not turn green at the alert's threshold")
	}

	c.Thresholds = map[string]float64{"laaffic_balance_lwo": 50}
	if _, err := mixin.Build(c, []mixin.Part{Part()}); err == nil {
		t.Error("a misspelt threshold key was accepted")
	}
}

// Every selector of every rule goes through the config's job selector.
func TestRulesSelectTheConfiguredJob(t *testing.T) {
	c := mixin.DefaultConfig()
	c.JobSelector = `job=~"laaffic-.*"`
	for _, g := range buildPart(t, c).Groups() {
		for _, r := range g.Rules {
			if n := strings.Count(r.Expr, "{"); n == 0 || n != strings.Count(r.Expr, `{job=~"laaffic-.*"`) {
				t.Errorf("%s%s: a selector without the job selector:\n%s", r.Alert, r.Record, r.Expr)
			}
		}
	}
}

func TestPercent(t *testing.T) {
	for v, want := range map[float64]string{0.2: "20%", 0.7: "70%", 0.035: "3.5%", 1: "100%"} {
		if got := percent(v); got != want {
			t.Errorf("percent(%v) = %s, want %s", v, got, want)
		}
	}
}
