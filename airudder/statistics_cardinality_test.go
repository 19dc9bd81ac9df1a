package airudder

import (
	"fmt"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/internal/testkit"
)

func statSumOf(mfs map[string]*dto.MetricFamily, name string) float64 {
	sum := 0.0
	if mf := mfs[name]; mf != nil {
		for _, m := range mf.GetMetric() {
			sum += m.GetGauge().GetValue()
		}
	}
	return sum
}

// statManyStories is the vendor example with n distinct story keys starting at
// offset, plus a key literally named "other" (which must merge with the
// folded values instead of becoming a duplicate series).
func statManyStories(t *testing.T, n, offset int) ([]byte, float64) {
	sum := 0.0
	b := statMutateFixture(t, func(m map[string]any) {
		d := map[string]any{"other": 7}
		sum = 7
		for i := 0; i < n; i++ {
			d[fmt.Sprintf("story_%04d", offset+i)] = i + 1
			sum += float64(i + 1)
		}
		statObj(m, "data", "realtime", "total")["story_distribution"] = d
	})
	return b, sum
}

func TestStoryCardinalityIsCapped(t *testing.T) {
	const max = 50
	e := newStatEnv(t, withStatYAML(fmt.Sprintf("      max_label_values: %d\n", max)))
	body, want := statManyStories(t, 500, 0)
	e.fake.SetStatisticsBody(body)
	mfs := e.scrape() // the pedantic registry fails on duplicate series
	if got := statUpOf(mfs); got != 1 {
		t.Fatalf("up = %v", got)
	}
	if n := testkit.FamilySeries(mfs, "airudder_inbound_story_calls"); n > max+1 || n < max {
		t.Fatalf("story series = %d, want %d..%d", n, max, max+1)
	}
	if got := statSumOf(mfs, "airudder_inbound_story_calls"); got != want {
		t.Fatalf("sum of story series = %v, want %v (values conserved)", got, want)
	}
	// The busiest stories got the slots.
	if v := testkit.FamilyValue(mfs, "airudder_inbound_story_calls", "story", "story_0499"); v != 500 {
		t.Fatalf("busiest story = %v, want its own series with 500", v)
	}
	folded := testkit.FamilyValue(mfs, "airudder_inbound_label_values_folded_total", "metric", statStoryMetric)
	if folded != 500-max {
		t.Fatalf("folded = %v, want %d", folded, 500-max)
	}

	// A later response with 500 new keys: the keys of the first answer are
	// gone, so the busiest new ones take the slots; still at most max+1
	// series, and the total is still conserved.
	body, want = statManyStories(t, 500, 10000)
	e.fake.SetStatisticsBody(body)
	e.clock.Advance(time.Minute)
	mfs = e.scrape()
	if n := testkit.FamilySeries(mfs, "airudder_inbound_story_calls"); n > max+1 || n < max {
		t.Fatalf("second response: story series = %d, want %d..%d", n, max, max+1)
	}
	if v := testkit.FamilyValue(mfs, "airudder_inbound_story_calls", "story", "story_10499"); v != 500 {
		t.Fatalf("second response: busiest new story = %v, want its own series with 500", v)
	}
	if got := statSumOf(mfs, "airudder_inbound_story_calls"); got != want {
		t.Fatalf("second response: sum = %v, want %v", got, want)
	}
}

// One upstream answer with 100 000 story keys must not leave the real
// stories in "other" until a restart: the next answer's stories get their
// own series again, and no answer exposes more than max+1 story series.
func TestStoryCapRecoversAfterJunkAnswer(t *testing.T) {
	const max = 20
	e := newStatEnv(t, withStatYAML(fmt.Sprintf("      max_label_values: %d\n", max)))
	junk, _ := statManyStories(t, 100_000, 0)
	e.fake.SetStatisticsBody(junk)
	mfs := e.scrape()
	if n := testkit.FamilySeries(mfs, "airudder_inbound_story_calls"); n > max+1 {
		t.Fatalf("junk answer: %d story series, cap %d", n, max)
	}
	real := statMutateFixture(t, func(m map[string]any) {
		statObj(m, "data", "realtime", "total")["story_distribution"] = map[string]any{"greeting": 5, "billing": 3, "complaint": 1}
	})
	e.fake.SetStatisticsBody(real)
	e.clock.Advance(time.Minute)
	mfs = e.scrape()
	for story, want := range map[string]float64{"greeting": 5, "billing": 3, "complaint": 1} {
		if v := testkit.FamilyValue(mfs, "airudder_inbound_story_calls", "story", story); v != want {
			t.Errorf("after the junk answer: story %q = %v, want %v (still folded?)", story, v, want)
		}
	}
	if n := testkit.FamilySeries(mfs, "airudder_inbound_story_calls"); n != 3 {
		t.Errorf("after the junk answer: %d story series, want 3", n)
	}
}

// Keys that cannot be label values (empty, too long, control characters)
// fold into "other" and are summed with it.
func TestUnprintableKeysFold(t *testing.T) {
	e := newStatEnv(t)
	e.fake.SetStatisticsBody(statMutateFixture(t, func(m map[string]any) {
		statObj(m, "data", "offline", "total")["transfer_reason_distribution"] = map[string]any{
			"": 1, "bad\nkey": 2, string(make([]byte, 100)): 4, "ok": 8, "other": 16,
		}
	}))
	mfs := e.scrape()
	if got := testkit.FamilyValue(mfs, "airudder_inbound_transfer_reason_calls", "reason", "other"); got != 23 {
		t.Fatalf("other = %v, want 23", got)
	}
	if got := testkit.FamilyValue(mfs, "airudder_inbound_transfer_reason_calls", "reason", "ok"); got != 8 {
		t.Fatalf("ok = %v, want 8", got)
	}
	if n := testkit.FamilySeries(mfs, "airudder_inbound_transfer_reason_calls"); n != 2 {
		t.Fatalf("series = %d, want 2", n)
	}
}
