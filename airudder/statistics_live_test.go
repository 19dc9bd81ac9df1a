package airudder

import (
	"strings"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// The fake's live mode (used by --demo) must be something the poller
// reads completely: today's entry, the current hour, growing calls,
// ratios in 0..1, and no decode problems.
func TestLiveFakeThroughCollector(t *testing.T) {
	e := newStatEnv(t, withStatYAML("      window_days: 3\n"))
	loc := e.acct.Location
	e.clock.Set(time.Date(2025, 11, 12, 10, 20, 0, 0, loc))
	e.fake.SetLive(e.clock.Now)

	mfs := e.scrape()
	if got := statUpOf(mfs); got != 1 {
		t.Fatalf("up = %v", got)
	}
	if got := statTotalErrors(mfs); got != 0 {
		t.Fatalf("scrape errors = %v, want 0 (logs: %s)", got, e.logs.String())
	}
	day := time.Date(2025, 11, 12, 0, 0, 0, 0, loc)
	if got := testkit.FamilyValue(mfs, "airudder_inbound_today_timestamp_seconds"); got != float64(day.Unix()) {
		t.Fatalf("today = %v, want %v", got, day.Unix())
	}
	hour := time.Date(2025, 11, 12, 10, 0, 0, 0, loc)
	if got := testkit.FamilyValue(mfs, "airudder_inbound_current_hour_timestamp_seconds"); got != float64(hour.Unix()) {
		t.Fatalf("current hour = %v, want %v", got, hour.Unix())
	}
	today1 := testkit.FamilyValue(mfs, "airudder_inbound_today_calls")
	window1 := testkit.FamilyValue(mfs, "airudder_inbound_calls")
	if !(today1 > 0 && window1 > today1) {
		t.Fatalf("today %v, window %v: want 0 < today < window (3 days)", today1, window1)
	}
	for name, mf := range mfs {
		if !strings.HasSuffix(name, "_ratio") {
			continue
		}
		for _, m := range mf.GetMetric() {
			if v := m.GetGauge().GetValue(); v < 0 || v > 1 {
				t.Errorf("%s = %v outside 0..1", name, v)
			}
		}
	}

	e.clock.Advance(5 * time.Hour)
	mfs = e.scrape()
	if today2 := testkit.FamilyValue(mfs, "airudder_inbound_today_calls"); today2 <= today1 {
		t.Fatalf("calls did not grow through the day: %v then %v", today1, today2)
	}
	if got := testkit.FamilyValue(mfs, "airudder_inbound_current_hour_timestamp_seconds"); got != float64(hour.Add(5*time.Hour).Unix()) {
		t.Fatalf("current hour did not move: %v", got)
	}
	if got := e.fake.Logins(); got != 1 {
		t.Fatalf("logins = %d, want 1", got)
	}
}
