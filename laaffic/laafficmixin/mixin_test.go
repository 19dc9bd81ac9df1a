package laafficmixin

import (
	"strings"
	"testing"

	"airudder_exporter/mixin"
	"airudder_exporter/mixin/mixintest"
)

func TestPartGroupsAndAlerts(t *testing.T) {
	mixintest.CheckGroups(t, Part(), []string{"laaffic-ivr.json"},
		"laaffic.recording:",
		"laaffic: LaafficConnectRatioLow LaafficCostBurnHigh",
		"laaffic.balance: LaafficBalanceLow LaafficBalanceRunsOutSoon LaafficAccountDown LaafficTransferRatioDropping LaafficAIAgentCostHigh",
		"laaffic.operations: LaafficSIPTrunkDown LaafficAgentGroupUnstaffed LaafficNumberExpiringSoon LaafficNumberExpiredInUse LaafficTaskStalled LaafficTaskSubmitFailed")
}

func TestThresholdsComeFromTheConfig(t *testing.T) {
	out := mixintest.CheckThresholds(t, map[string]float64{
		"laaffic_balance_low": 50, "laaffic_cost_per_hour_max_eur": 80, "laaffic_connect_ratio_min": 0.35,
	}, map[string][]string{
		"LaafficBalanceLow":      {" < 50\n", "threshold 50)"},
		"LaafficCostBurnHigh":    {`currency="EUR"}[30m])) * 3600 > 80`, `currency="USD"}[30m])) * 3600 > 50`},
		"LaafficConnectRatioLow": {"< 0.35", "threshold 35%"},
	}, Part())
	if !strings.Contains(string(out.Dashboards["laaffic-ivr.json"]), `"value": 0.35`) {
		t.Error("the Connect ratio panel does not turn green at the alert's threshold")
	}

	c := mixin.DefaultConfig()
	c.Thresholds = map[string]float64{"laaffic_balance_lwo": 50}
	if _, err := mixin.Build(c, []mixin.Part{Part()}); err == nil {
		t.Error("a misspelt threshold key was accepted")
	}
}

func TestPercent(t *testing.T) {
	for v, want := range map[float64]string{0.2: "20%", 0.7: "70%", 0.035: "3.5%", 1: "100%"} {
		if got := percent(v); got != want {
			t.Errorf("percent(%v) = %s, want %s", v, got, want)
		}
	}
}
