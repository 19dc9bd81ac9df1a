package airuddermixin

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"airudder_exporter/mixin"
)

func buildAiRudder(t *testing.T, c *mixin.Config) *mixin.Output {
	t.Helper()
	out, err := mixin.Build(c, []mixin.Part{Part()})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func alertRule(t *testing.T, out *mixin.Output, name string) mixin.Rule {
	t.Helper()
	for _, g := range out.Groups() {
		for _, r := range g.Rules {
			if r.Alert == name {
				return r
			}
		}
	}
	t.Fatalf("no alert %s", name)
	return mixin.Rule{}
}

// The group names and the alerts in each are what the alert tests and the
// Helm chart's PrometheusRule refer to.
func TestPartGroupsAndAlerts(t *testing.T) {
	out := buildAiRudder(t, mixin.DefaultConfig())
	want := map[string]string{
		"airudder.recording": "",
		"airudder.api":       "AiRudderAccountDown AiRudderAPILoginFailures",
		"airudder.inbound":   "AiRudderInboundTransferSuccessLow AiRudderInboundTransferAttemptRatioHigh",
		"airudder.outbound":  "AiRudderOutboundFailureRatioHigh AiRudderOutboundUnreachableRatioHigh",
		"airudder.where":     "AiRudderSIPLineConnectRatioLow AiRudderRobotTransferRatioDropped AiRudderCampaignNoConnectedCalls",
	}
	groups := out.Groups()
	if len(groups) != len(want) || groups[0].Name != "airudder.recording" {
		t.Fatalf("groups %+v, want the recording group first and %d in all", groups, len(want))
	}
	recorded := map[string]bool{}
	for _, g := range groups {
		var alerts []string
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts = append(alerts, r.Alert)
			} else {
				recorded[r.Record] = true
			}
		}
		if got := strings.Join(alerts, " "); got != want[g.Name] {
			t.Errorf("group %s has alerts %q, want %q", g.Name, got, want[g.Name])
		}
	}
	for _, name := range []string{"account:airudder_calls:rate5m", "sip_line:airudder_sip_line_calls:rate15m", "robot:airudder_robot_transfers:rate1h"} {
		if !recorded[name] {
			t.Errorf("%s is not recorded", name)
		}
	}
}

// A threshold of the config reaches the expression and the text that
// quotes it.
func TestThresholdsReachExprAndDescription(t *testing.T) {
	c := mixin.DefaultConfig()
	c.Thresholds = map[string]float64{
		"airudder_outbound_failure_ratio_max":    0.4,
		"airudder_outbound_calls_min":            50,
		"airudder_sip_line_connect_ratio_factor": 0.25,
		"airudder_login_failures_15m_max":        5,
	}
	out := buildAiRudder(t, c)
	for _, tc := range []struct {
		alert, expr, description string
	}{
		{"AiRudderOutboundFailureRatioHigh", "> 0.4\n", "(threshold 40%, at least 50 calls)"},
		{"AiRudderOutboundUnreachableRatioHigh", "* 900 >= 50", "at least 50 calls)"},
		{"AiRudderSIPLineConnectRatioLow", "< 0.25 * (", "less than 25% of the connect ratio"},
		{"AiRudderAPILoginFailures", "[15m])) > 5", "(threshold: more than 5)"},
	} {
		r := alertRule(t, out, tc.alert)
		if !strings.Contains(r.Expr, tc.expr) {
			t.Errorf("%s expr does not contain %q:\n%s", tc.alert, tc.expr, r.Expr)
		}
		if !strings.Contains(r.Annotations.Description, tc.description) {
			t.Errorf("%s description does not contain %q: %s", tc.alert, tc.description, r.Annotations.Description)
		}
	}
}

// Every rule selects the config's job: the recording rules directly, the
// alerts also where they read a recorded series.
func TestJobSelectorInEveryRule(t *testing.T) {
	c := mixin.DefaultConfig()
	c.JobSelector = `job=~"airudder.*"`
	out := buildAiRudder(t, c)
	metric := regexp.MustCompile(`(?:[a-z_]+:)?airudder_[a-z0-9_:]*(\{job=~"airudder\.\*")?`)
	for _, g := range out.Groups() {
		for _, r := range g.Rules {
			for _, m := range metric.FindAllStringSubmatch(r.Expr, -1) {
				if m[1] == "" {
					t.Errorf("%s%s: %s is not selected by the config's job:\n%s", r.Record, r.Alert, m[0], r.Expr)
				}
			}
		}
	}
}

// A rate window that is also an alert's window records that rate once.
func TestRateWindowOfAnAlert(t *testing.T) {
	c := mixin.DefaultConfig()
	c.RateWindow = "15m"
	out := buildAiRudder(t, c)
	if !strings.Contains(string(out.Dashboards["airudder-outbound.json"]), "account_result:airudder_calls:rate15m") {
		t.Error("the outbound dashboard does not read the rates recorded over the config's window")
	}
}

// Panel ids are what links (viewPanel=<id>) point at; the account variable
// filters every panel.
func TestDashboardPanels(t *testing.T) {
	out := buildAiRudder(t, mixin.DefaultConfig())
	for file, panels := range map[string]int{"airudder-inbound.json": 40, "airudder-outbound.json": 45} {
		var d struct {
			UID    string
			Panels []struct {
				ID      int
				Type    string
				Targets []struct{ Expr string }
			}
		}
		if err := json.Unmarshal(out.Dashboards[file], &d); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if d.UID != strings.TrimSuffix(file, ".json") || len(d.Panels) != panels {
			t.Errorf("%s: uid %s, %d panels; want uid %s, %d panels", file, d.UID, len(d.Panels), strings.TrimSuffix(file, ".json"), panels)
		}
		for i, p := range d.Panels {
			if p.ID != i+1 {
				t.Errorf("%s: panel %d has id %d", file, i+1, p.ID)
			}
			for _, q := range p.Targets {
				if !strings.Contains(q.Expr, `account=~"$account"`) {
					t.Errorf("%s: panel %d query %s does not filter by account", file, p.ID, q.Expr)
				}
			}
		}
	}
}
