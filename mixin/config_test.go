package mixin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// examplePart asks for one threshold and records one rate that its alert
// reads, like a vendor's part does.
func examplePart() Part {
	return Part{
		Name: "example",
		Rules: func(c *Config) []RuleGroup {
			rate := c.RecordRate("account", "example_calls_total", "account", "result")
			return []RuleGroup{
				{Name: "example.recording", Rules: []Rule{rate}},
				{Name: "example", Rules: []Rule{c.Alert(Alert{
					Name:        "ExampleFailing",
					Expr:        Sum(By("job", "instance", "account"), c.RateName("account", "example_calls_total")+`{result="failed"}`) + " > " + formatFloat(c.Threshold("example_ratio", 0.5)),
					For:         "5m",
					Severity:    "warning",
					Summary:     "s",
					Description: "d {{ $value }}",
				})}},
			}
		},
	}
}

// One file per rule of the config, each refused with a reason naming it
// (the valid file is the positive control).
func TestLoadConfigRefusesInvalidFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid-*.yml")
	if err != nil || len(files) < 5 {
		t.Fatalf("invalid config files %v (%v)", files, err)
	}
	want := map[string]string{
		"invalid-unknown-key.yml":                "job_selektor",
		"invalid-job-selector-braces.yml":        "without braces",
		"invalid-job-selector-not-a-matcher.yml": "job_selector",
		"invalid-rate-window.yml":                "rate_window",
		"invalid-threshold-not-a-number.yml":     "high",
		"invalid-threshold-unknown.yml":          "unknown thresholds exampel_ratio",
	}
	for _, f := range files {
		name := filepath.Base(f)
		c, err := LoadConfig(f)
		if err == nil {
			_, err = Build(c, []Part{examplePart()})
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if w, ok := want[name]; !ok || !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q, want one containing %q", name, err, w)
		}
	}
	if _, err := LoadConfig("testdata/missing.yml"); err == nil || !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}

// Changing the config changes every rule consistently: selector, recorded
// names, runbook links and thresholds.
func TestConfigAppliesToEveryRule(t *testing.T) {
	c, err := LoadConfig("testdata/valid.yml")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Build(c, []Part{examplePart()})
	if err != nil {
		t.Fatal(err)
	}
	rules := string(out.Rules)
	for _, want := range []string{
		`record: account:example_calls:rate2m`,
		`rate(example_calls_total{job=~"voice-.*", namespace="calls"}[2m])`,
		`account:example_calls:rate2m{result="failed"}) > 0.25`,
		`runbook_url: https://git.example.com/ops/airudder_exporter/blob/main/RUNBOOK.md#examplefailing`,
	} {
		if !strings.Contains(rules, want) {
			t.Errorf("rules lack %q:\n%s", want, rules)
		}
	}
	if strings.Contains(rules, "airudder_exporter\"") || strings.Contains(rules, "rate5m") {
		t.Errorf("a default survived the config:\n%s", rules)
	}
	if got := c.ThresholdDefaults(); got["example_ratio"] != 0.5 {
		t.Errorf("threshold defaults %v, want example_ratio 0.5", got)
	}
}

// A recording rule no panel or alert reads, or a recorded name nobody
// records, fails the build.
func TestBuildChecksRecordedNames(t *testing.T) {
	unread := Part{Name: "x", Rules: func(c *Config) []RuleGroup {
		return []RuleGroup{{Name: "x", Rules: []Rule{c.RecordRate("account", "x_total", "account")}}}
	}}
	if _, err := Build(DefaultConfig(), []Part{unread}); err == nil || !strings.Contains(err.Error(), "read by no panel or alert: account:x:rate5m") {
		t.Errorf("unread recording rule: %v", err)
	}
	unrecorded := Part{Name: "y", Dashboards: func(c *Config) []*Dashboard {
		d := c.NewDashboard("y.json", "y", "Y", "y")
		d.Add(d.RateBy("Rate", "r", "cps", "account:y:rate5m", "account"))
		return []*Dashboard{d}
	}}
	if _, err := Build(DefaultConfig(), []Part{unrecorded}); err == nil || !strings.Contains(err.Error(), "read but not recorded: account:y:rate5m") {
		t.Errorf("unrecorded name: %v", err)
	}
	// A label value that looks like a recorded name is not one.
	quoted := Part{Name: "z", Dashboards: func(c *Config) []*Dashboard {
		d := c.NewDashboard("z.json", "z", "Z", "z")
		d.Add(d.RateBy("Rate", "r", "cps", "z_total", "account"), TimeSeries("Q", "q", "short", Q(d.S("z", `v="a:b:c"`), "")))
		return []*Dashboard{d}
	}}
	if _, err := Build(DefaultConfig(), []Part{quoted}); err != nil {
		t.Errorf("quoted a:b:c taken for a recorded name: %v", err)
	}
}
