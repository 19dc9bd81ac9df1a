package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The subset of the Grafana dashboard model the checks need. Schema
// validation proper is done by the Grafana Foundation SDK (dashboards_test.go).

type gfDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type gfTarget struct {
	RefID        string        `json:"refId"`
	Expr         string        `json:"expr"`
	LegendFormat string        `json:"legendFormat"`
	Datasource   *gfDatasource `json:"datasource"`
}

type gfOverride struct {
	Matcher struct {
		ID      string `json:"id"`
		Options any    `json:"options"`
	} `json:"matcher"`
	Properties []struct {
		ID    string `json:"id"`
		Value any    `json:"value"`
	} `json:"properties"`
}

type gfPanel struct {
	ID          int           `json:"id"`
	Type        string        `json:"type"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Datasource  *gfDatasource `json:"datasource"`
	GridPos     struct {
		H, W, X, Y int
	} `json:"gridPos"`
	FieldConfig struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
		Overrides []gfOverride `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []gfTarget `json:"targets"`
	Panels  []gfPanel  `json:"panels"` // collapsed rows keep their panels here
}

type gfVariable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Datasource *gfDatasource   `json:"datasource"`
	Definition string          `json:"definition"`
}

// QueryString returns the variable's query whether Grafana stored it as a
// string or as {"query": "..."}.
func (v gfVariable) QueryString() string {
	var s string
	if json.Unmarshal(v.Query, &s) == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	if json.Unmarshal(v.Query, &o) == nil {
		return o.Query
	}
	return ""
}

type gfDashboard struct {
	UID           string   `json:"uid"`
	Title         string   `json:"title"`
	Description   string   `json:"description"`
	Tags          []string `json:"tags"`
	SchemaVersion int      `json:"schemaVersion"`
	Templating    struct {
		List []gfVariable `json:"list"`
	} `json:"templating"`
	Panels []gfPanel `json:"panels"`
}

func (d gfDashboard) variable(name string) (gfVariable, bool) {
	for _, v := range d.Templating.List {
		if v.Name == name {
			return v, true
		}
	}
	return gfVariable{}, false
}

// allPanels flattens rows (expanded rows list their panels at top level,
// collapsed ones inside the row).
func (d gfDashboard) allPanels() []gfPanel {
	var out []gfPanel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

type dashboardFile struct {
	Name string // file name, e.g. airudder-inbound.json
	Raw  []byte
	D    gfDashboard
}

// expectedDashboards are the dashboards the project ships; a missing or an
// unexpected file fails the tests so that none escapes them.
var expectedDashboards = []string{
	"airudder-inbound.json", "airudder-outbound.json", "exporter-health.json", "laaffic-ivr.json",
}

func loadDashboards(t testing.TB) []dashboardFile {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "dashboards")
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	if strings.Join(names, ",") != strings.Join(expectedDashboards, ",") {
		t.Fatalf("dashboards/ holds %q, want %q", names, expectedDashboards)
	}
	var out []dashboardFile
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f := dashboardFile{Name: filepath.Base(p), Raw: raw}
		if err := json.Unmarshal(raw, &f.D); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out = append(out, f)
	}
	return out
}

// exprRef is one PromQL expression and where it comes from.
type exprRef struct {
	Where  string
	Expr   string
	Legend string
	// Dashboard is the dashboard it belongs to, nil for rules.
	Dashboard *gfDashboard
}

// panelExprs lists every panel target of the dashboard.
func panelExprs(f dashboardFile) []exprRef {
	var out []exprRef
	for _, p := range f.D.allPanels() {
		for _, tg := range p.Targets {
			out = append(out, exprRef{
				Where:     fmt.Sprintf("%s panel %d %q target %s", f.Name, p.ID, p.Title, tg.RefID),
				Expr:      tg.Expr,
				Legend:    tg.LegendFormat,
				Dashboard: &f.D,
			})
		}
	}
	return out
}

var labelValuesRE = regexp.MustCompile(`^\s*label_values\(\s*(.+?)\s*,\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$`)

// variableQuery splits label_values(selector, label).
func variableQuery(v gfVariable) (sel, label string, ok bool) {
	m := labelValuesRE.FindStringSubmatch(v.QueryString())
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

var grafanaVarRE = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)(?::[A-Za-z0-9_]+)?\}|\$([A-Za-z0-9_]+)`)

// expandGrafana replaces Grafana variables ($name, ${name}, ${name:fmt})
// the way Grafana would for one selected value. Unknown names stay, so that
// Prometheus rejects the query and the test names the culprit.
func expandGrafana(expr string, vars map[string]string) string {
	return grafanaVarRE.ReplaceAllStringFunc(expr, func(m string) string {
		sub := grafanaVarRE.FindStringSubmatch(m)
		name := sub[1] + sub[2]
		if v, ok := vars[name]; ok {
			return v
		}
		return m
	})
}

var legendLabelRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// legendLabels are the label names a legend format refers to.
func legendLabels(legend string) []string {
	var out []string
	for _, m := range legendLabelRE.FindAllStringSubmatch(legend, -1) {
		out = append(out, m[1])
	}
	return out
}
