package e2e

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// mayBeEmpty lists panel targets (by "<file> panel <id>" prefix) whose result
// can legitimately be empty during the short demo window. Keep it tiny and
// say why for each entry.
var mayBeEmpty = map[string]string{}

// recordedMayBeEmpty lists recording rules (by name) whose series can
// legitimately be absent during the short demo window, with the reason.
var recordedMayBeEmpty = map[string]string{}

// TestLive runs the exporter in --demo mode under a real Prometheus and
// checks every dashboard query, every variable, every rule, the exposition
// itself and that dashboards and rules only use what the exporter exposes.
func TestLive(t *testing.T) {
	if testing.Short() {
		t.Skip("live end-to-end test skipped in -short mode")
	}
	st := startStack(t)

	// The demo promises data for every contract family within 10 s; every
	// later check depends on it, so wait for it first (bounded).
	var exposition []byte
	contract := contractCatalog(t)
	waitFor(t, "every metric family of docs/METRICS.md on /metrics", 30*time.Second, func() error {
		b, err := st.scrape()
		if err != nil {
			return err
		}
		exposition = b
		cat, err := scrapeCatalog(b)
		if err != nil {
			return err
		}
		if missing := missingSeries(contract, cat); len(missing) > 0 {
			return fmt.Errorf("missing: %s", strings.Join(missing, ", "))
		}
		return nil
	})

	t.Logf("every contract family exposed (%d bytes of exposition)", len(exposition))

	t.Run("PromtoolCheckMetrics", func(t *testing.T) {
		out := runPromtool(t, exposition, "check", "metrics")
		if strings.TrimSpace(out) != "" {
			t.Errorf("promtool check metrics found problems:\n%s", out)
		}
	})

	t.Run("QueriesUseExposedMetricsAndLabels", func(t *testing.T) {
		cat, err := scrapeCatalog(exposition)
		if err != nil {
			t.Fatal(err)
		}
		checkQueriesAgainst(t, cat)
	})

	t.Run("NativeHistograms", func(t *testing.T) { checkNativeHistograms(t, st) })
	t.Run("PanelQueriesReturnData", func(t *testing.T) { checkPanelQueries(t, st) })
	t.Run("VariableQueriesReturnValues", func(t *testing.T) { checkVariableQueries(t, st) })
	t.Run("RulesHealthy", func(t *testing.T) { checkRulesHealthy(t, st) })
	t.Run("RecordedSeriesHaveData", func(t *testing.T) { checkRecordedSeries(t, st) })
	t.Run("NoAvailabilityAlerts", func(t *testing.T) {
		res, err := st.query(`ALERTS{alertname=~"AiRudderExporterDown|AiRudderExporterAbsent|AiRudderAccountDown|AiRudderAPILoginFailures|AiRudderExporterConfigReloadFailed"}`)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			t.Errorf("healthy demo raised %v", r.Metric)
		}
	})
}

// scrapeCatalog turns a text exposition into a catalog of series names and
// their label names; histograms (and summaries) get their suffixed series.
func scrapeCatalog(b []byte) (*catalog, error) {
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := newCatalog()
	for name, mf := range families {
		if len(mf.GetMetric()) == 0 {
			continue
		}
		var labels []string
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				labels = append(labels, lp.GetName())
			}
		}
		switch mf.GetType().String() {
		case "HISTOGRAM", "GAUGE_HISTOGRAM":
			c.add(name, true, labels...)
		case "SUMMARY":
			c.add(name, false, append(labels, "quantile")...)
			c.add(name+"_sum", false, labels...)
			c.add(name+"_count", false, labels...)
		default:
			c.add(name, false, labels...)
		}
	}
	return c, nil
}

// missingSeries: contract series (not prefix families) absent from got.
func missingSeries(contract, got *catalog) []string {
	var out []string
	for name := range contract.series {
		if _, ok := got.series[name]; !ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// checkPanelQueries: every panel target, with Grafana's variables filled in,
// must run and return at least one series. Data accumulates while the demo
// runs, so queries are retried until they all pass or 40 s have gone by.
func checkPanelQueries(t *testing.T, st *stack) {
	vars := st.grafanaVars()
	var refs []exprRef
	for _, f := range loadDashboards(t) {
		refs = append(refs, panelExprs(f)...)
	}
	pending := map[int]string{} // index → last failure
	for i := range refs {
		pending[i] = "not run"
	}
	deadline := time.Now().Add(40 * time.Second)
	for round := 0; len(pending) > 0 && time.Now().Before(deadline); round++ {
		if round > 0 {
			time.Sleep(2 * time.Second)
		}
		for i := range pending {
			q := expandGrafana(refs[i].Expr, vars)
			res, err := st.query(q)
			switch {
			case err != nil:
				pending[i] = fmt.Sprintf("query failed: %v\n\t%s", err, q)
			case len(res) == 0:
				pending[i] = "empty result\n\t" + q
			default:
				delete(pending, i)
				if testing.Verbose() && os.Getenv("E2E_SHOW_VALUES") != "" {
					t.Logf("%s = %v %v (%d series)", refs[i].Where, res[0].Metric, res[0].Value[1], len(res))
				}
			}
		}
	}
	var idx []int
	for i := range pending {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	for _, i := range idx {
		if why, ok := allowedEmpty(refs[i].Where); ok && strings.HasPrefix(pending[i], "empty") {
			t.Logf("%s: empty, allowed: %s", refs[i].Where, why)
			continue
		}
		t.Errorf("%s: %s", refs[i].Where, pending[i])
	}
	t.Logf("%d panel queries checked, %d failing", len(refs), len(pending))
}

func allowedEmpty(where string) (string, bool) {
	for prefix, why := range mayBeEmpty {
		if strings.HasPrefix(where, prefix+" ") {
			return why, true
		}
	}
	return "", false
}

// checkVariableQueries: label_values(selector, label) must find values, and
// the demo's own job/instance/account must be among them.
func checkVariableQueries(t *testing.T, st *stack) {
	vars := st.grafanaVars()
	want := map[string]string{"job": jobName, "instance": st.exporterAddr, "account": "demo", "script": "collections-v2"}
	for _, f := range loadDashboards(t) {
		for _, v := range f.D.Templating.List {
			sel, label, ok := variableQuery(v)
			if !ok {
				continue
			}
			q := fmt.Sprintf("count by (%s) (%s)", label, expandGrafana(sel, vars))
			res, err := st.query(q)
			if err != nil {
				t.Errorf("%s variable %s: %v (%s)", f.Name, v.Name, err, q)
				continue
			}
			// Labels without a known demo value (robot, sip_line, campaign
			// ...) must at least offer one non-empty value.
			found := false
			for _, r := range res {
				if w, ok := want[label]; ok {
					found = found || r.Metric[label] == w
				} else {
					found = found || r.Metric[label] != ""
				}
			}
			if !found {
				t.Errorf("%s variable %s: %s does not offer %q (got %v)", f.Name, v.Name, q, want[label], res)
			}
		}
	}
}

// checkRulesHealthy: wait until Prometheus has evaluated every rule once,
// then every rule must report health "ok".
func checkRulesHealthy(t *testing.T, st *stack) {
	f := loadRules(t)
	want := len(f.alerts()) + len(f.records())
	var rules []promRule
	waitFor(t, "every rule to be evaluated", 20*time.Second, func() error {
		var err error
		rules, err = st.rules()
		if err != nil {
			return err
		}
		if len(rules) != want {
			return fmt.Errorf("Prometheus loaded %d rules, the file has %d", len(rules), want)
		}
		for _, r := range rules {
			if r.Health == "unknown" || r.Health == "" {
				return fmt.Errorf("rule %s not evaluated yet", r.Name)
			}
		}
		return nil
	})
	for _, r := range rules {
		if r.Health != "ok" {
			t.Errorf("rule %s: health %q: %s", r.Name, r.Health, r.LastError)
		}
	}
	t.Logf("%d rules evaluated, all checked for health", len(rules))
}

// checkRecordedSeries: every recording rule writes at least one series with
// the demo's data (retried while the rate windows fill, as panel queries are).
func checkRecordedSeries(t *testing.T, st *stack) {
	pending := map[string]string{}
	for _, r := range loadRules(t).records() {
		pending[r.Record] = "not run"
	}
	total := len(pending)
	deadline := time.Now().Add(40 * time.Second)
	for round := 0; len(pending) > 0 && time.Now().Before(deadline); round++ {
		if round > 0 {
			time.Sleep(2 * time.Second)
		}
		for name := range pending {
			res, err := st.query(name)
			switch {
			case err != nil:
				pending[name] = err.Error()
			case len(res) == 0:
				pending[name] = "no series"
			default:
				delete(pending, name)
			}
		}
	}
	names := make([]string, 0, len(pending))
	for name := range pending {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if why, ok := recordedMayBeEmpty[name]; ok && pending[name] == "no series" {
			t.Logf("recording rule %s: no series, allowed: %s", name, why)
			continue
		}
		t.Errorf("recording rule %s: %s", name, pending[name])
	}
	t.Logf("%d recording rules checked, %d without data", total, len(pending))
}
