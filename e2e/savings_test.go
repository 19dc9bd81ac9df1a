package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRecordingRulesSavings prints what the recording rules cost (the series
// they add) and save (the samples a refresh of each dashboard reads), on the
// real Prometheus with the demo's data. The committed dashboards are compared
// with the same dashboards at E2E_SAVINGS_BASE, a revision whose panels
// computed everything from the raw series; every panel target runs as the
// range query Grafana would send, with stats=all. Figures only (for README):
// skipped unless E2E_SAVINGS_BASE is set, e.g.
//
//	E2E_SAVINGS_BASE=<rev> go test -count=1 -run TestRecordingRulesSavings -v ./e2e/
func TestRecordingRulesSavings(t *testing.T) {
	base := os.Getenv("E2E_SAVINGS_BASE")
	if base == "" {
		t.Skip("set E2E_SAVINGS_BASE to a revision with raw-query dashboards to measure")
	}
	wait := 3 * time.Minute
	if s := os.Getenv("E2E_SAVINGS_WAIT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		wait = d
	}
	st := startStack(t)
	t.Logf("letting the demo's data accumulate for %v", wait)
	time.Sleep(wait)

	const window, step = 2 * time.Minute, 15 * time.Second
	end := time.Now()
	vars := st.grafanaVars()
	var totalRaw, totalRec int64
	for _, f := range loadDashboards(t) {
		old, err := exec.Command("git", "-C", repoRoot(t), "show", base+":dashboards/"+f.Name).Output()
		if err != nil {
			t.Fatalf("git show %s:dashboards/%s: %v", base, f.Name, err)
		}
		of := dashboardFile{Name: f.Name, Raw: old}
		if err := json.Unmarshal(old, &of.D); err != nil {
			t.Fatal(err)
		}
		raw := st.samplesRead(t, panelExprs(of), vars, end.Add(-window), end, step)
		rec := st.samplesRead(t, panelExprs(f), vars, end.Add(-window), end, step)
		totalRaw, totalRec = totalRaw+raw, totalRec+rec
		t.Logf("%-24s samples read per refresh: raw queries %9d, recorded %9d (%.1f×)", f.Name, raw, rec, float64(raw)/float64(max(rec, 1)))
	}
	t.Logf("%-24s samples read per refresh: raw queries %9d, recorded %9d (%.1f×) — range %v, step %v, scrape 1s", "all dashboards", totalRaw, totalRec, float64(totalRaw)/float64(max(totalRec, 1)), window, step)

	res, err := st.query(`count by (__name__) ({__name__=~"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+"})`)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Metric["__name__"] < res[j].Metric["__name__"] })
	var recSeries int
	for _, r := range res {
		n, _ := strconv.Atoi(fmt.Sprint(r.Value[1]))
		recSeries += n
		t.Logf("  %-60s %5d series", r.Metric["__name__"], n)
	}
	all, err := st.query(`count({job="` + jobName + `"})`)
	if err != nil || len(all) == 0 {
		t.Fatalf("count of the exporter's series: %v", err)
	}
	t.Logf("recording rules: %d rules, %d series with the demo, beside %v series scraped from the exporter", len(res), recSeries, all[0].Value[1])
	if totalRec >= totalRaw {
		t.Errorf("recorded dashboards read %d samples, raw ones %d: the rules save nothing", totalRec, totalRaw)
	}
}

// samplesRead runs every target as a range query and sums the samples
// Prometheus loaded for it (stats.samples.totalQueryableSamples).
func (s *stack) samplesRead(t *testing.T, refs []exprRef, vars map[string]string, start, end time.Time, step time.Duration) int64 {
	t.Helper()
	var total int64
	for _, r := range refs {
		q := url.Values{
			"query": {expandGrafana(r.Expr, vars)},
			"start": {strconv.FormatInt(start.Unix(), 10)},
			"end":   {strconv.FormatInt(end.Unix(), 10)},
			"step":  {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)},
			"stats": {"all"},
		}
		b, err := s.get(s.promURL + "/api/v1/query_range?" + q.Encode())
		if err != nil {
			t.Fatalf("%s: %v", r.Where, err)
		}
		var resp struct {
			Data struct {
				Stats struct {
					Samples struct {
						TotalQueryableSamples int64 `json:"totalQueryableSamples"`
					} `json:"samples"`
				} `json:"stats"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &resp); err != nil {
			t.Fatalf("%s: %v", r.Where, err)
		}
		if !strings.Contains(string(b), "totalQueryableSamples") {
			t.Fatalf("%s: Prometheus returned no query stats", r.Where)
		}
		total += resp.Data.Stats.Samples.TotalQueryableSamples
	}
	return total
}
