// Package airuddermixin is AiRudder's part of the mixin: the inbound and
// outbound dashboards, the recording rules they and the alerts read, and
// the AiRudder alerts.
package airuddermixin

import "airudder_exporter/mixin"

// Part is AiRudder's share of the dashboards and rules.
func Part() mixin.Part {
	return mixin.Part{
		Name: "airudder",
		Dashboards: func(c *mixin.Config) []*mixin.Dashboard {
			return []*mixin.Dashboard{inboundDashboard(c), outboundDashboard(c)}
		},
		Rules: func(c *mixin.Config) []mixin.RuleGroup {
			return []mixin.RuleGroup{
				recordingGroup(c), apiGroup(c), inboundGroup(c), outboundGroup(c), whereGroup(c),
			}
		},
	}
}
