// Package health is the exporter's own part of the mixin: the "AiRudder
// exporter / Health" dashboard and the rules about the exporter itself
// (availability, config, webhooks, dedup state).
package health

import "airudder_exporter/mixin"

// Part is the exporter's share of the dashboards and rules.
func Part() mixin.Part {
	return mixin.Part{
		Name: "exporter",
		Dashboards: func(c *mixin.Config) []*mixin.Dashboard {
			return []*mixin.Dashboard{healthDashboard(c)}
		},
		Rules: func(c *mixin.Config) []mixin.RuleGroup {
			return []mixin.RuleGroup{recordingRules(c), availabilityAlerts(c), webhookAlerts(c)}
		},
	}
}
