// Package laafficmixin is LAAFFIC's part of the mixin: the LAAFFIC
// dashboard, the recording rules it and the alerts read, and the LAAFFIC
// alerts.
package laafficmixin

import "airudder_exporter/mixin"

// Part is LAAFFIC's share of the dashboards and rules.
func Part() mixin.Part {
	return mixin.Part{Name: "laaffic"}
}
