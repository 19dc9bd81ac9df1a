package airudder

import (
	"bytes"
	"context"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"airudder_exporter/internal/testkit"
)

var updateStatGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// scrapeGatherer returns what one scrape exposes: per-scrape collector and
// persistent counters together. The per-scrape registry comes first, so
// the counters include what this scrape's fetch did (the order the
// exporter must use too).
func (e *statEnv) scrapeGatherer() prometheus.Gatherer {
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e.in.ScrapeCollector(context.Background()))
	return prometheus.Gatherers{reg, e.counters()}
}

func checkStatGolden(t *testing.T, g prometheus.Gatherer, file string) {
	t.Helper()
	if *updateStatGolden {
		mfs, err := g.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Skipf("wrote %s", file) // comparing would gather (scrape) a second time
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := testutil.GatherAndCompare(g, f); err != nil {
		t.Fatal(err)
	}
}

// The vendor example, fetched from the fake with a fixed clock, must give
// exactly the golden exposition (every inbound family and self-metric).
func TestGoldenExposition(t *testing.T) {
	e := newStatEnv(t)
	checkStatGolden(t, e.scrapeGatherer(), "testdata/inbound.prom")

	// A second scrape inside min_interval serves the same numbers from the
	// cache, without a second upstream request.
	e.clock.Advance(10e9)
	mfs := e.scrape()
	if got := e.fake.StatisticsRequests(); got != 1 {
		t.Fatalf("statistics requests = %d, want 1", got)
	}
	if got := testkit.FamilyValue(mfs, "airudder_statistics_age_seconds", "account", statAccount); got != 10 {
		t.Fatalf("statistics age = %v, want 10", got)
	}
	if got := testkit.FamilyValue(mfs, "airudder_inbound_calls", "account", statAccount); got != 892 {
		t.Fatalf("cached calls = %v, want 892", got)
	}
}

// Every family the statistics poller can emit passes promlint.
func TestLint(t *testing.T) {
	e := newStatEnv(t)
	problems, err := testutil.GatherAndLint(e.scrapeGatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// Every metric under "Collector" in docs/METRICS.md is emitted for the
// vendor example, and nothing else with the airudder_ prefix.
func TestEveryDocumentedMetricIsEmitted(t *testing.T) {
	doc, err := os.ReadFile("../docs/METRICS.md")
	if err != nil {
		t.Skipf("docs not found: %v", err)
	}
	sec := string(doc)
	start := strings.Index(sec, "## Collector")
	end := strings.Index(sec, "## Receiver")
	if start < 0 || end < start {
		t.Fatal("cannot find the Collector section of METRICS.md")
	}
	want := map[string]bool{}
	for _, line := range strings.Split(sec[start:end], "\n") {
		if strings.HasPrefix(line, "| `") {
			name := strings.SplitN(line[3:], "`", 2)[0]
			want[name] = true
		}
	}
	if len(want) < 40 {
		t.Fatalf("parsed only %d metric names from METRICS.md", len(want))
	}
	e := newStatEnv(t)
	mfs := e.scrape()
	for name := range want {
		if mfs[name] == nil {
			t.Errorf("documented metric %s not emitted", name)
		}
	}
	for name := range mfs {
		if !want[name] {
			t.Errorf("metric %s emitted but not documented", name)
		}
	}
}
