package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

var registerPlugins sync.Once

// validateDashboardSchema decodes raw strictly with the Grafana Foundation
// SDK (unknown fields, wrong types and missing required fields are errors,
// including panel options and custom field config of each panel type) and
// runs the SDK's validation.
func validateDashboardSchema(raw []byte) error {
	registerPlugins.Do(plugins.RegisterDefaultPlugins)
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(raw); err != nil {
		return err
	}
	return d.Validate()
}

func TestDashboardSchema(t *testing.T) {
	for _, f := range loadDashboards(t) {
		if err := validateDashboardSchema(f.Raw); err != nil {
			t.Errorf("%s does not match the Grafana dashboard schema: %v", f.Name, err)
		}
		for _, p := range f.D.allPanels() {
			if p.Type == "row" {
				continue
			}
			// Without a registered variant the SDK would accept any options.
			if _, ok := cog.ConfigForPanelcfgVariant(p.Type); !ok {
				t.Errorf("%s panel %d: the SDK knows no panel type %q", f.Name, p.ID, p.Type)
			}
		}
	}
}

// The schema check must be able to fail: break a valid dashboard in ways
// Grafana would not accept and expect errors.
func TestDashboardSchemaRejectsBrokenDashboards(t *testing.T) {
	f := loadDashboards(t)[0]
	mutations := map[string]func(m map[string]any){
		"unknown panel option": func(m map[string]any) {
			firstPanel(m, "timeseries")["options"].(map[string]any)["legendd"] = true
		},
		"wrong type for gridPos": func(m map[string]any) {
			firstPanel(m, "stat")["gridPos"] = "wide"
		},
		"unknown top-level field": func(m map[string]any) { m["panelz"] = []any{} },
		"panel without type": func(m map[string]any) {
			delete(firstPanel(m, "stat"), "type")
		},
		"bad custom field config": func(m map[string]any) {
			p := firstPanel(m, "timeseries")
			p["fieldConfig"].(map[string]any)["defaults"].(map[string]any)["custom"].(map[string]any)["lineWidth"] = "thick"
		},
	}
	for name, mutate := range mutations {
		var m map[string]any
		if err := json.Unmarshal(f.Raw, &m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		raw, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if err := validateDashboardSchema(raw); err == nil {
			t.Errorf("%s: schema validation accepted a dashboard with %s", f.Name, name)
		}
	}
}

func firstPanel(m map[string]any, typ string) map[string]any {
	for _, p := range m["panels"].([]any) {
		if pm := p.(map[string]any); pm["type"] == typ {
			return pm
		}
	}
	panic("no panel of type " + typ) // test fixture error: the dashboards define all types used here
}

var allowedPanelTypes = setOf("timeseries", "stat", "bargauge", "table")

const datasourceUID = "${datasource}"

// TestDashboardConventions enforces the house rules of the dashboards.
func TestDashboardConventions(t *testing.T) {
	uids := map[string]string{}
	for _, f := range loadDashboards(t) {
		d := f.D
		if d.UID == "" || d.Title == "" || len(d.Tags) == 0 || d.Description == "" {
			t.Errorf("%s: uid, title, description and tags must be set", f.Name)
		}
		if prev, dup := uids[d.UID]; dup {
			t.Errorf("%s: uid %q already used by %s", f.Name, d.UID, prev)
		}
		uids[d.UID] = f.Name
		if d.SchemaVersion != 39 {
			t.Errorf("%s: schemaVersion = %d, want 39", f.Name, d.SchemaVersion)
		}
		checkVariables(t, f)
		checkDatasourceRefs(t, f)
		checkPanels(t, f)
	}
}

func checkVariables(t *testing.T, f dashboardFile) {
	t.Helper()
	ds, ok := f.D.variable("datasource")
	if !ok || ds.Type != "datasource" || ds.QueryString() != "prometheus" {
		t.Errorf("%s: needs a variable \"datasource\" of type datasource querying prometheus", f.Name)
	}
	need := []string{"job", "instance"}
	if strings.HasPrefix(f.Name, "airudder-inbound") {
		need = append(need, "account")
	}
	for _, name := range need {
		v, ok := f.D.variable(name)
		if !ok {
			t.Errorf("%s: variable %q missing", f.Name, name)
			continue
		}
		sel, label, ok := variableQuery(v)
		if v.Type != "query" || !ok || label != name {
			t.Errorf("%s: variable %q must be a query variable label_values(<selector>, %s), got %q",
				f.Name, name, name, v.QueryString())
			continue
		}
		if v.Datasource == nil || v.Datasource.UID != datasourceUID {
			t.Errorf("%s: variable %q must use the datasource variable", f.Name, name)
		}
		if _, err := analyzePromQL(sel); err != nil {
			t.Errorf("%s: variable %q: %v", f.Name, name, err)
		}
	}
}

// checkDatasourceRefs walks the whole JSON: every datasource reference must
// be the datasource variable, and no uid other than the dashboard's own may
// appear (a hard-coded datasource uid breaks the import elsewhere).
func checkDatasourceRefs(t *testing.T, f dashboardFile) {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(f.Raw, &root); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				p := path + "." + k
				switch k {
				case "uid":
					if s, _ := c.(string); path != "" && s != datasourceUID {
						t.Errorf("%s: %s = %q: only %q may be used as a uid", f.Name, p, s, datasourceUID)
					}
				case "datasource":
					if m, ok := c.(map[string]any); ok && (m["type"] != "prometheus" || m["uid"] != datasourceUID) {
						t.Errorf("%s: %s = %v, want {type: prometheus, uid: %s}", f.Name, p, m, datasourceUID)
					}
				}
				walk(p, c)
			}
		case []any:
			for _, c := range x {
				walk(path+"[]", c)
			}
		}
	}
	walk("", root)
}

func checkPanels(t *testing.T, f dashboardFile) {
	t.Helper()
	ids := map[int]bool{}
	_, hasAccount := f.D.variable("account")
	for _, p := range f.D.allPanels() {
		if p.ID <= 0 || ids[p.ID] {
			t.Errorf("%s: panel %q has a missing or duplicate id %d", f.Name, p.Title, p.ID)
		}
		ids[p.ID] = true
		if g := p.GridPos; g.W < 1 || g.H < 1 || g.X < 0 || g.X+g.W > 24 {
			t.Errorf("%s panel %d: gridPos %+v outside the 24-column grid", f.Name, p.ID, g)
		}
		if p.Type == "row" {
			continue
		}
		where := fmt.Sprintf("%s panel %d %q", f.Name, p.ID, p.Title)
		if !allowedPanelTypes[p.Type] {
			t.Errorf("%s: type %q, want one of timeseries, stat, bargauge, table", where, p.Type)
		}
		if p.Title == "" || strings.TrimSpace(p.Description) == "" {
			t.Errorf("%s: title and description must be set", where)
		}
		if p.FieldConfig.Defaults.Unit == "" {
			t.Errorf("%s: fieldConfig.defaults.unit must be set", where)
		}
		for _, o := range p.FieldConfig.Overrides {
			for _, prop := range o.Properties {
				if s, _ := prop.Value.(string); prop.ID == "unit" && s == "" {
					t.Errorf("%s: empty unit override", where)
				}
			}
		}
		if p.Datasource == nil || p.Datasource.UID != datasourceUID {
			t.Errorf("%s: panel datasource must be the datasource variable", where)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s: no targets", where)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("%s: missing or duplicate refId %q", where, tg.RefID)
			}
			refs[tg.RefID] = true
			checkTargetExpr(t, where+" target "+tg.RefID, tg.Expr, hasAccount)
		}
	}
}

// checkTargetExpr: every selector filtered by job and instance (and account
// where the dashboard has that variable), every range is $__rate_interval.
func checkTargetExpr(t *testing.T, where, expr string, hasAccount bool) {
	t.Helper()
	info, err := analyzePromQL(expr)
	if err != nil {
		t.Errorf("%s: %v in %s", where, err, expr)
		return
	}
	if len(info.Selectors) == 0 {
		t.Errorf("%s: no metric selector in %s", where, expr)
	}
	for _, s := range info.Selectors {
		want := [][2]string{{"job", "$job"}, {"instance", "$instance"}}
		if hasAccount {
			want = append(want, [2]string{"account", "$account"})
		}
		for _, w := range want {
			if !info.hasMatcher(s, w[0], "=~", w[1]) {
				t.Errorf("%s: selector %s lacks %s=~%q", where, s.Metric, w[0], w[1])
			}
		}
	}
	for _, r := range info.Ranges {
		if r != "$__rate_interval" {
			t.Errorf("%s: range [%s], want [$__rate_interval]", where, r)
		}
	}
}
