package airudder

import (
	"math"
	"testing"

	"airudder_exporter/internal/testkit"
)

// Impossible statistics (a negative count, a ratio outside 0..1, a score
// outside 1..5, a negative distribution value) are not exposed; the fetch
// counts one scrape error with reason out_of_range, and every valid value
// of the same answer is still exposed.
func TestOutOfRangeStatisticsAreCountedNotExposed(t *testing.T) {
	e := newStatEnv(t)
	e.fake.SetStatisticsBody(statMutateFixture(t, func(m map[string]any) {
		tot := statObj(m, "data", "realtime", "total")
		tot["total_calls"] = -5
		tot["attempted_transfer_rate"] = 1.7
		tot["transfer_success_rate"] = -0.1
		tot["avg_robot_score"] = 7
		tot["story_distribution"] = map[string]any{"greeting": 4, "billing": -3}
	}))
	mfs := e.scrape()
	if got := statUpOf(mfs); got != 1 {
		t.Fatalf("up = %v, want 1 (partial data)", got)
	}
	for _, name := range []string{
		"airudder_inbound_calls",
		"airudder_inbound_transfer_attempt_ratio",
		"airudder_inbound_transfer_success_ratio",
		"airudder_inbound_robot_score_average",
	} {
		if v := testkit.FamilyValue(mfs, name); !math.IsNaN(v) {
			t.Errorf("%s = %v exposed, want it absent", name, v)
		}
	}
	if v := testkit.FamilyValue(mfs, "airudder_inbound_story_calls", "story", "billing"); !math.IsNaN(v) {
		t.Errorf("negative story value exposed: %v", v)
	}
	if v := testkit.FamilyValue(mfs, "airudder_inbound_story_calls", "story", "greeting"); v != 4 {
		t.Errorf("valid story = %v, want 4", v)
	}
	if v := testkit.FamilyValue(mfs, "airudder_inbound_valid_calls"); math.IsNaN(v) || v < 0 {
		t.Errorf("valid value of the same answer not exposed: %v", v)
	}
	if v := testkit.FamilyValue(mfs, "airudder_scrape_errors_total", "reason", "out_of_range"); v != 1 {
		t.Errorf("scrape errors out_of_range = %v, want 1 (once per fetch)", v)
	}
}
