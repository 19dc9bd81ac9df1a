package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

const rulesFile = "airudder_exporter.rules.yml"

type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func (f ruleFile) alerts() []rule { return f.filter(func(r rule) bool { return r.Alert != "" }) }

func (f ruleFile) records() []rule { return f.filter(func(r rule) bool { return r.Record != "" }) }

func (f ruleFile) filter(keep func(rule) bool) []rule {
	var out []rule
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if keep(r) {
				out = append(out, r)
			}
		}
	}
	return out
}

func alertsDir(t testing.TB) string { return filepath.Join(repoRoot(t), "alerts") }

func loadRules(t testing.TB) ruleFile {
	t.Helper()
	raw := readRepoFile(t, "alerts", rulesFile)
	var f ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	if len(f.alerts()) == 0 {
		t.Fatalf("%s: no alerts", rulesFile)
	}
	return f
}

// requiredAlerts are the alerts the project promises (docs, runbook); a
// rename or removal must be deliberate.
var requiredAlerts = []string{
	"AiRudderExporterDown", "AiRudderAccountDown", "AiRudderAPILoginFailures",
	"AiRudderInboundTransferSuccessLow", "AiRudderInboundTransferAttemptRatioHigh",
	"AiRudderOutboundFailureRatioHigh", "LaafficConnectRatioLow", "LaafficCostBurnHigh",
	"AiRudderWebhooksStopped", "AiRudderWebhookInvalidRecords",
	"LaafficBalanceLow", "LaafficBalanceRunsOutSoon", "LaafficAccountDown",
	"LaafficTransferRatioDropping", "LaafficAIAgentCostHigh",
	"AiRudderWebhookEncryptedWithoutKey",
	"AiRudderExporterDedupStateNotSaved", "AiRudderExporterDedupStateNotLoaded",
	"LaafficSIPTrunkDown", "LaafficAgentGroupUnstaffed", "LaafficNumberExpiringSoon",
	"LaafficNumberExpiredInUse", "LaafficTaskStalled", "LaafficTaskSubmitFailed",
	"AiRudderWebhookBodyTooLarge",
}

// One-word headings are alert sections; prose sections ("Using these rules") have spaces.
var runbookHeadingRE = regexp.MustCompile(`(?m)^## (\S+)\s*$`)

func TestAlertRuleConventions(t *testing.T) {
	rules := loadRules(t).alerts()
	runbook := readRepoFile(t, "RUNBOOK.md")
	sections := map[string]bool{}
	for _, m := range runbookHeadingRE.FindAllStringSubmatch(string(runbook), -1) {
		sections[m[1]] = true
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.Alert] {
			t.Errorf("alert %s defined twice", r.Alert)
		}
		seen[r.Alert] = true
		if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
			t.Errorf("%s: severity label %q, want critical, warning or info", r.Alert, s)
		}
		for _, a := range []string{"summary", "description", "runbook_url"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("%s: annotation %s missing", r.Alert, a)
			}
		}
		if !strings.Contains(r.Annotations["description"], "$value") {
			t.Errorf("%s: description must show the value ($value)", r.Alert)
		}
		anchor := "RUNBOOK.md#" + strings.ToLower(r.Alert)
		if !strings.HasSuffix(r.Annotations["runbook_url"], anchor) {
			t.Errorf("%s: runbook_url %q must end with %q", r.Alert, r.Annotations["runbook_url"], anchor)
		}
		if !sections[r.Alert] {
			t.Errorf("%s: RUNBOOK.md has no section \"## %s\"", r.Alert, r.Alert)
		}
	}
	for _, a := range requiredAlerts {
		if !seen[a] {
			t.Errorf("required alert %s is missing", a)
		}
	}
	for s := range sections {
		if !seen[s] {
			t.Errorf("RUNBOOK.md section %q belongs to no alert", s)
		}
	}
}

type ruleTestFile struct {
	Tests []struct {
		Name           string `yaml:"name"`
		AlertRuleTests []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

// TestEveryAlertHasUnitTests: each alert must be shown both firing and
// silent in the promtool tests.
func TestEveryAlertHasUnitTests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(alertsDir(t), "*.rules.test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var f ruleTestFile
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var one ruleTestFile
		if err := yaml.Unmarshal(raw, &one); err != nil {
			t.Fatal(err)
		}
		f.Tests = append(f.Tests, one.Tests...)
	}
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range f.Tests {
		for _, a := range tc.AlertRuleTests {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	for _, r := range loadRules(t).alerts() {
		if !fires[r.Alert] {
			t.Errorf("%s: no promtool test case where it fires", r.Alert)
		}
		if !silent[r.Alert] {
			t.Errorf("%s: no promtool test case where it stays silent", r.Alert)
		}
	}
}

// promtoolPath finds promtool ($E2E_PROMTOOL, PATH, /usr/bin) or skips.
func promtoolPath(t testing.TB) string {
	t.Helper()
	return findBinary(t, "E2E_PROMTOOL", "promtool")
}

func findBinary(t testing.TB, env, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if p := "/usr/bin/" + name; fileExists(p) {
		return p
	}
	t.Skipf("%s not found (set $%s, or install it: apt-get install prometheus); skipping", name, env)
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func runPromtool(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtoolPath(t), args...)
	cmd.Dir = alertsDir(t)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestPromtoolCheckRules(t *testing.T) {
	out := runPromtool(t, nil, "check", "rules", rulesFile)
	if !strings.Contains(out, "SUCCESS") {
		t.Fatalf("promtool check rules did not report success:\n%s", out)
	}
}

// TestPromtoolTestRules runs every alerts/*.rules.test.yml (one per home,
// and the week file whose rules look a week back).
func TestPromtoolTestRules(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(alertsDir(t), "*.rules.test.yml"))
	if err != nil || len(files) < 2 {
		t.Fatalf("test files %v (%v): want one per home and the week file", files, err)
	}
	for _, f := range files {
		out := runPromtool(t, nil, "test", "rules", filepath.Base(f))
		if !strings.Contains(out, "SUCCESS") {
			t.Fatalf("promtool test rules %s did not report success:\n%s", filepath.Base(f), out)
		}
	}
}
