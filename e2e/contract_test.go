package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// catalog maps every series name a query may use to its label names. It is
// built from docs/METRICS.md (the contract, static test) or from a /metrics
// scrape of the running exporter (live test).
type catalog struct {
	series   map[string]map[string]bool
	prefixes []string // families documented by prefix only (go_*, process_*)
}

func newCatalog() *catalog { return &catalog{series: map[string]map[string]bool{}} }

// add registers a family; histograms expand to _bucket (with le), _sum, _count.
func (c *catalog) add(name string, histogram bool, labels ...string) {
	put := func(n string, extra ...string) {
		m := c.series[n]
		if m == nil {
			m = map[string]bool{}
			c.series[n] = m
		}
		for _, l := range append(labels, extra...) {
			m[l] = true
		}
	}
	if !histogram {
		put(name)
		return
	}
	put(name+"_bucket", "le")
	put(name + "_sum")
	put(name + "_count")
}

// targetLabels are attached by Prometheus to every scraped series.
var targetLabels = setOf("job", "instance")

func (c *catalog) labels(metric string) (map[string]bool, bool) {
	if m, ok := c.series[metric]; ok {
		return m, true
	}
	if metric == "up" { // written by Prometheus itself for every target
		return map[string]bool{}, true
	}
	for _, p := range c.prefixes {
		if strings.HasPrefix(metric, p) {
			return nil, true // any label: not documented one by one
		}
	}
	return nil, false
}

func (c *catalog) hasLabel(metric, label string) bool {
	if targetLabels[label] || label == "__name__" {
		return true
	}
	ls, ok := c.labels(metric)
	return ok && (ls == nil || ls[label])
}

// problems lists every metric the expression names that the catalog lacks,
// every matcher label the metric lacks, and every grouping or legend label
// that none of the expression's metrics has.
func (c *catalog) problems(ref exprRef, expr string) []string {
	info, err := analyzePromQL(expr)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", ref.Where, err)}
	}
	var out []string
	var known []string
	for _, s := range info.Selectors {
		if s.Metric == "" {
			out = append(out, fmt.Sprintf("%s: selector without a metric name", ref.Where))
			continue
		}
		if _, ok := c.labels(s.Metric); !ok {
			out = append(out, fmt.Sprintf("%s: unknown metric %s", ref.Where, s.Metric))
			continue
		}
		known = append(known, s.Metric)
		for _, m := range s.Matchers {
			if !c.hasLabel(s.Metric, m.Label) {
				out = append(out, fmt.Sprintf("%s: metric %s has no label %q", ref.Where, s.Metric, m.Label))
			}
		}
	}
	onSome := func(label string) bool {
		for _, m := range known {
			if c.hasLabel(m, label) {
				return true
			}
		}
		return len(known) == 0 // already reported as unknown metrics
	}
	for _, l := range info.Grouping {
		if !onSome(l) {
			out = append(out, fmt.Sprintf("%s: grouping label %q is on none of %v", ref.Where, l, known))
		}
	}
	for _, l := range legendLabels(ref.Legend) {
		if !onSome(l) {
			out = append(out, fmt.Sprintf("%s: legend label %q is on none of %v", ref.Where, l, known))
		}
	}
	return out
}

var (
	mdRowRE      = regexp.MustCompile("^\\|\\s*`([a-z_:][a-z0-9_:]*)`\\s*\\|")
	mdBacktickRE = regexp.MustCompile("`([A-Za-z_][A-Za-z0-9_]*)`")
	identRE      = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	mdPrefixRE   = regexp.MustCompile("`([a-z_]+_)\\*`")
)

// contractCatalog reads docs/METRICS.md: table rows "| `name` | type |
// labels | meaning |". Collector sections add `account` ("All carry
// `account`"); a labels cell without backticks is a plain comma list.
func contractCatalog(t testing.TB) *catalog {
	t.Helper()
	raw := readRepoFile(t, "docs", "METRICS.md")
	c := newCatalog()
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			section = line
		}
		for _, m := range mdPrefixRE.FindAllStringSubmatch(line, -1) {
			c.prefixes = append(c.prefixes, m[1]) // "plus `go_*`, `process_*`"
		}
		m := mdRowRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 5 {
			t.Fatalf("METRICS.md: row with too few cells: %s", line)
		}
		typ, labelCell := strings.TrimSpace(cells[2]), cells[3]
		var labels []string
		for _, l := range mdBacktickRE.FindAllStringSubmatch(labelCell, -1) {
			labels = append(labels, l[1])
		}
		if len(labels) == 0 {
			for _, l := range strings.Split(labelCell, ",") {
				if l = strings.TrimSpace(l); identRE.MatchString(l) {
					labels = append(labels, l)
				}
			}
		}
		if strings.HasPrefix(section, "## Collector") {
			labels = append(labels, "account")
		}
		c.add(m[1], typ == "histogram", labels...)
	}
	if len(c.series) < 50 {
		t.Fatalf("METRICS.md: only %d series parsed; has the table format changed?", len(c.series))
	}
	return c
}

// allQueryExprs: every panel target, every variable selector and every rule
// expression, unexpanded (Grafana variables sit only in strings and ranges,
// which the scanner skips).
func allQueryExprs(t testing.TB) []exprRef {
	t.Helper()
	var out []exprRef
	for _, f := range loadDashboards(t) {
		out = append(out, panelExprs(f)...)
		for _, v := range f.D.Templating.List {
			if sel, label, ok := variableQuery(v); ok {
				out = append(out, exprRef{
					Where:  fmt.Sprintf("%s variable %s", f.Name, v.Name),
					Expr:   sel,
					Legend: "{{" + label + "}}",
				})
			}
		}
	}
	rules := loadRules(t)
	for _, r := range rules.records() {
		out = append(out, exprRef{Where: "recording rule " + r.Record, Expr: r.Expr})
	}
	for _, r := range rules.alerts() {
		out = append(out, exprRef{Where: "rule " + r.Alert, Expr: r.Expr})
	}
	return out
}

// addRecorded adds the series the recording rules write: each keeps the
// labels its outer aggregation groups by, or, without grouping, the labels
// of the series it reads. Rules are taken in file order, so a rule may read
// one recorded before it.
func (c *catalog) addRecorded(rules []rule) error {
	for _, r := range rules {
		info, err := analyzePromQL(r.Expr)
		if err != nil {
			return fmt.Errorf("recording rule %s: %v", r.Record, err)
		}
		labels := info.Grouping
		if len(labels) == 0 {
			for _, s := range info.Selectors {
				ls, _ := c.labels(s.Metric)
				for l := range ls {
					labels = append(labels, l)
				}
			}
		}
		c.add(r.Record, false, labels...)
	}
	return nil
}

// TestQueriesUseContractMetrics fails when a dashboard or rule names a metric
// or label that docs/METRICS.md does not define.
func TestQueriesUseContractMetrics(t *testing.T) {
	checkQueriesAgainst(t, contractCatalog(t))
}

// checkQueriesAgainst fails the test once for every metric or label that a
// dashboard or rule names and c does not hold, in a stable order.
func checkQueriesAgainst(t *testing.T, c *catalog) {
	t.Helper()
	if err := c.addRecorded(loadRules(t).records()); err != nil {
		t.Fatal(err)
	}
	var problems []string
	for _, ref := range allQueryExprs(t) {
		problems = append(problems, c.problems(ref, ref.Expr)...)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// The checker must be able to fail.
func TestCatalogProblems(t *testing.T) {
	c := newCatalog()
	c.add("calls_total", false, "result")
	c.add("duration_seconds", true)
	c.prefixes = []string{"go_"}
	ok := []string{
		`sum by (result) (rate(calls_total{job="j", result="x"}[1m]))`,
		`histogram_quantile(0.9, sum by (le, instance) (rate(duration_seconds_bucket[1m])))`,
		`go_goroutines{instance="a"} and on (instance) up`,
	}
	for i, e := range ok {
		legend := ""
		if i == 0 {
			legend = "{{result}} {{instance}}"
		}
		if p := c.problems(exprRef{Where: e, Legend: legend}, e); len(p) > 0 {
			t.Errorf("unexpected problems: %v", p)
		}
	}
	bad := map[string]string{
		`rate(calls{result="x"}[1m])`:                     "unknown metric calls",
		`rate(calls_total{reason="x"}[1m])`:               `has no label "reason"`,
		`sum by (le) (calls_total)`:                       `grouping label "le"`,
		`duration_seconds_sum{le="1"}`:                    `has no label "le"`,
		`sum without (reason) (rate(calls_total[1m]))`:    `grouping label "reason"`,
		`{__name__="calls_total"}`:                        "selector without a metric name",
		`sum by (result) (rate(calls_total{result=x}[1m]`: "expected a quoted value",
	}
	for e, want := range bad {
		p := c.problems(exprRef{Where: e}, e)
		if !strings.Contains(strings.Join(p, "\n"), want) {
			t.Errorf("%s: problems %q, want one containing %q", e, p, want)
		}
	}
	if p := c.problems(exprRef{Where: "legend", Legend: "{{ reason }}"}, `calls_total`); len(p) != 1 {
		t.Errorf("legend label not on the metric: problems %q, want one", p)
	}
}

// Recorded series carry the labels their rule groups by, and no others.
func TestCatalogAddRecorded(t *testing.T) {
	c := newCatalog()
	c.add("calls_total", false, "account", "result", "robot")
	err := c.addRecorded([]rule{
		{Record: "account:calls:rate5m", Expr: `sum by (job, instance, account, result) (rate(calls_total[5m]))`},
		{Record: "account:calls:connect_ratio", Expr: `account:calls:rate5m{result="ok"} / account:calls:rate5m`},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{
		`sum by (result) (account:calls:rate5m{account="a"})`,
		`account:calls:connect_ratio{account="a", result="ok"}`,
	} {
		if p := c.problems(exprRef{Where: e}, e); len(p) > 0 {
			t.Errorf("unexpected problems: %v", p)
		}
	}
	e := `sum by (robot) (account:calls:rate5m)`
	if p := c.problems(exprRef{Where: e}, e); len(p) != 1 || !strings.Contains(p[0], `grouping label "robot"`) {
		t.Errorf("a label the rule aggregated away: problems %q, want one about robot", p)
	}
	if p := c.problems(exprRef{Where: "x"}, `account:calls:rate1h`); len(p) != 1 {
		t.Errorf("an unrecorded name: problems %q, want one", p)
	}
}
