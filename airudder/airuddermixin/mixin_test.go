package airuddermixin

import (
	"encoding/json"
	"strings"
	"testing"

	"airudder_exporter/mixin"
	"airudder_exporter/mixin/mixintest"
)

func TestPartGroupsAndAlerts(t *testing.T) {
	out := mixintest.CheckGroups(t, Part(), []string{"airudder-inbound.json", "airudder-outbound.json"},
		"airudder.recording:",
		"airudder.api: AiRudderAccountDown AiRudderAPILoginFailures",
		"airudder.inbound: AiRudderInboundTransferSuccessLow AiRudderInboundTransferAttemptRatioHigh",
		"airudder.outbound: AiRudderOutboundFailureRatioHigh AiRudderOutboundUnreachableRatioHigh",
		"airudder.where: AiRudderSIPLineConnectRatioLow AiRudderRobotTransferRatioDropped AiRudderCampaignNoConnectedCalls")
	for _, name := range []string{"account:airudder_calls:rate5m", "sip_line:airudder_sip_line_calls:rate15m", "robot:airudder_robot_transfers:rate1h"} {
		if r, ok := out.Rule(name); !ok || r.Record == "" {
			t.Errorf("%s is not recorded", name)
		}
	}
}

func TestThresholdsComeFromTheConfig(t *testing.T) {
	mixintest.CheckThresholds(t, map[string]float64{
		"airudder_outbound_failure_ratio_max":    0.4,
		"airudder_outbound_calls_min":            50,
		"airudder_sip_line_connect_ratio_factor": 0.25,
		"airudder_login_failures_15m_max":        5,
	}, map[string][]string{
		"AiRudderOutboundFailureRatioHigh":     {"> 0.4\n", "(threshold 40%, at least 50 calls)"},
		"AiRudderOutboundUnreachableRatioHigh": {"* 900 >= 50", "at least 50 calls)"},
		"AiRudderSIPLineConnectRatioLow":       {"< 0.25 * (", "less than 25% of the connect ratio"},
		"AiRudderAPILoginFailures":             {"[15m])) > 5", "(threshold: more than 5)"},
	}, Part())
}

// A rate window that is also an alert's window records that rate once.
func TestRateWindowOfAnAlert(t *testing.T) {
	c := mixin.DefaultConfig()
	c.RateWindow = "15m"
	out := mixintest.Build(t, c, Part())
	if !strings.Contains(string(out.Dashboards["airudder-outbound.json"]), "account_result:airudder_calls:rate15m") {
		t.Error("the outbound dashboard does not read the rates recorded over the config's window")
	}
}

// Panel ids are what links (viewPanel=<id>) point at; the account variable
// filters every panel.
func TestDashboardPanels(t *testing.T) {
	out := mixintest.Build(t, mixin.DefaultConfig(), Part())
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
