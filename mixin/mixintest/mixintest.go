// Package mixintest holds the checks every part of the mixin runs in its
// tests: it builds alone, its dashboards are what Grafana imports, and every
// rule selects the config's job.
package mixintest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"airudder_exporter/mixin"
)

// Build builds the parts with c or fails the test (Build's own checks:
// recorded names read and recorded, thresholds known).
func Build(t testing.TB, c *mixin.Config, parts ...mixin.Part) *mixin.Output {
	t.Helper()
	out, err := mixin.Build(c, parts)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Rule is the built rule with that alert or record name, or fails the test.
func Rule(t testing.TB, out *mixin.Output, name string) mixin.Rule {
	t.Helper()
	r, ok := out.Rule(name)
	if !ok {
		t.Fatalf("no rule %s", name)
	}
	return r
}

// CheckDashboards decodes every built dashboard strictly with the Grafana
// Foundation SDK (unknown fields, wrong types, each panel type's options),
// validates it, and checks that panel ids are unique.
func CheckDashboards(t testing.TB, out *mixin.Output) {
	t.Helper()
	plugins.RegisterDefaultPlugins()
	for file, raw := range out.Dashboards {
		var d dashboard.Dashboard
		if err := d.UnmarshalJSONStrict(raw); err != nil {
			t.Errorf("%s: strict decode: %v", file, err)
			continue
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", file, err)
		}
		seen := map[uint32]bool{}
		for _, p := range d.Panels {
			var id uint32
			switch {
			case p.Panel != nil && p.Panel.Id != nil:
				id = *p.Panel.Id
			case p.RowPanel != nil:
				id = p.RowPanel.Id
			default:
				t.Errorf("%s: panel without id", file)
				continue
			}
			if seen[id] {
				t.Errorf("%s: panel id %d used twice", file, id)
			}
			seen[id] = true
		}
	}
}

var (
	selectorRE = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*\{[^}]*\}`)
	quotedRE   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// CheckJobSelector builds the parts with jobSelector as the config's and
// checks that every rule selects something, every selector of every rule
// carries it, and no series of the part (a name starting with one of
// prefixes, or a recorded name) is read without a selector.
func CheckJobSelector(t testing.TB, jobSelector string, prefixes []string, parts ...mixin.Part) {
	t.Helper()
	c := mixin.DefaultConfig()
	c.JobSelector = jobSelector
	bare := regexp.MustCompile(`\b([a-z_]+:[a-z0-9_]+:[a-z0-9_]+|(?:` + strings.Join(prefixes, "|") + `)[a-z0-9_]*)\b([^{(a-z0-9_:]|$)`)
	for _, g := range Build(t, c, parts...).Groups() {
		for _, r := range g.Rules {
			if m := bare.FindStringSubmatch(quotedRE.ReplaceAllString(r.Expr, `""`)); m != nil {
				t.Errorf("%s%s reads %s without the job selector: %s", r.Alert, r.Record, m[1], r.Expr)
			}
			sels := selectorRE.FindAllString(r.Expr, -1)
			if len(sels) == 0 {
				t.Errorf("%s%s selects nothing by the job: %s", r.Alert, r.Record, r.Expr)
			}
			for _, s := range sels {
				if !strings.Contains(s, "{"+jobSelector) {
					t.Errorf("%s%s: selector %s ignores the job selector %s", r.Alert, r.Record, s, jobSelector)
				}
			}
		}
	}
}

// CheckThresholds builds the parts with thresholds overriding the defaults
// and checks that the text of each alert in want (expression, summary and
// description) holds every wanted string: the value reaches the rule and the
// words that quote it. It returns the build for further checks.
func CheckThresholds(t testing.TB, thresholds map[string]float64, want map[string][]string, parts ...mixin.Part) *mixin.Output {
	t.Helper()
	c := mixin.DefaultConfig()
	c.Thresholds = thresholds
	out := Build(t, c, parts...)
	for alert, texts := range want {
		r := Rule(t, out, alert)
		text := r.Expr + "\n" + r.Annotations.Summary + "\n" + r.Annotations.Description
		for _, w := range texts {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", alert, w, text)
			}
		}
	}
	return out
}

// CheckGroups builds the part alone and checks its rule groups and the
// dashboard files it writes: each of groups is "name: Alert1 Alert2" (the
// alerts of the group, in order; a recording group lists none). The group
// names and the alerts in each are what the promtool tests and the Helm
// chart's PrometheusRule refer to.
func CheckGroups(t testing.TB, part mixin.Part, dashboards []string, groups ...string) *mixin.Output {
	t.Helper()
	out := Build(t, mixin.DefaultConfig(), part)
	var got []string
	for _, g := range out.Groups() {
		line := g.Name + ":"
		for _, r := range g.Rules {
			if r.Alert != "" {
				line += " " + r.Alert
			}
		}
		got = append(got, line)
	}
	if strings.Join(got, "\n") != strings.Join(groups, "\n") {
		t.Errorf("groups:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(groups, "\n"))
	}
	for _, d := range dashboards {
		if _, ok := out.Dashboards[d]; !ok {
			t.Errorf("no dashboard %s", d)
		}
	}
	if len(out.Dashboards) != len(dashboards) {
		t.Errorf("%d dashboards built, want %v", len(out.Dashboards), dashboards)
	}
	return out
}
