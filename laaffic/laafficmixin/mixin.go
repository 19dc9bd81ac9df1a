// Package laafficmixin is LAAFFIC's part of the mixin: the LAAFFIC
// dashboard, the recording rules it and the alerts read, and the LAAFFIC
// alerts.
package laafficmixin

import (
	"strconv"
	"strings"

	"airudder_exporter/mixin"
)

// Part is LAAFFIC's share of the dashboards and rules.
func Part() mixin.Part {
	return mixin.Part{
		Name:       "laaffic",
		Dashboards: func(c *mixin.Config) []*mixin.Dashboard { return []*mixin.Dashboard{ivrDashboard(c)} },
		Rules: func(c *mixin.Config) []mixin.RuleGroup {
			return []mixin.RuleGroup{recordingRules(c), callAlerts(c), balanceAlerts(c), operationsAlerts(c)}
		},
	}
}

// thresholds are the tunable values of the LAAFFIC alerts. The dashboard
// shows some of them too (colours, descriptions), so both read them from the
// config through here.
type thresholds struct {
	connectRatioMin      float64
	connectRatioMinCalls float64
	costPerHourMax       map[string]float64 // by currency
	balanceLow           float64
	balanceHoursLeftMin  float64
	transferDropFactor   float64
	transferMinAttempts  float64
	aiCostGrowthFactor   float64
	aiCostPerHourMin     float64
	unansweredMin        float64
	numberExpiryDays     float64
}

// budgetCurrencies are the currencies LaafficCostBurnHigh has a budget for:
// one term and one threshold each, so each budget can be tuned on its own.
var budgetCurrencies = []string{"USD", "EUR"}

func thresholdsOf(c *mixin.Config) thresholds {
	t := thresholds{
		connectRatioMin:      c.Threshold("laaffic_connect_ratio_min", 0.2),
		connectRatioMinCalls: c.Threshold("laaffic_connect_ratio_min_calls", 20),
		costPerHourMax:       map[string]float64{},
		balanceLow:           c.Threshold("laaffic_balance_low", 20),
		balanceHoursLeftMin:  c.Threshold("laaffic_balance_hours_left_min", 6),
		transferDropFactor:   c.Threshold("laaffic_transfer_ratio_drop_factor", 0.7),
		transferMinAttempts:  c.Threshold("laaffic_transfer_ratio_min_attempts", 20),
		aiCostGrowthFactor:   c.Threshold("laaffic_ai_agent_cost_growth_factor", 3),
		aiCostPerHourMin:     c.Threshold("laaffic_ai_agent_cost_per_hour_min", 1),
		unansweredMin:        c.Threshold("laaffic_agent_group_unanswered_min", 3),
		numberExpiryDays:     c.Threshold("laaffic_number_expiry_days", 7),
	}
	for _, cur := range budgetCurrencies {
		t.costPerHourMax[cur] = c.Threshold("laaffic_cost_per_hour_max_"+strings.ToLower(cur), 50)
	}
	return t
}

// num writes a threshold into PromQL or a text: shortest exact form.
func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// percent writes a ratio as a percentage for a text (0.2 → 20%).
func percent(v float64) string { return num(float64(int64(v*1e6+0.5))/1e4) + "%" }
