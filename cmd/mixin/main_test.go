package main

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"airudder_exporter/mixin"
	"airudder_exporter/mixin/mixintest"
)

// Every part's dashboards are what Grafana imports, and every rule of every
// part selects the config's job, whatever it is.
func TestPartsFollowTheConventions(t *testing.T) {
	mixintest.CheckDashboards(t, mixintest.Build(t, mixin.DefaultConfig(), parts()...))
	mixintest.CheckJobSelector(t, `job=~"voice-.*"`, []string{"airudder_", "laaffic_", "up"}, parts()...)
}

// The committed dashboards/ and alerts/ are exactly what the generator
// writes with the default config (`go generate ./...` regenerates them).
func TestCommittedFilesAreGenerated(t *testing.T) {
	out, err := mixin.Build(mixin.DefaultConfig(), parts())
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join("..", "..")
	committed, _ := filepath.Glob(filepath.Join(root, "dashboards", "*.json"))
	var names []string
	for _, f := range committed {
		names = append(names, filepath.Base(f))
	}
	var want []string
	for name := range out.Dashboards {
		want = append(want, name)
	}
	sort.Strings(want)
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("dashboards/ holds %v, the generator writes %v", names, want)
	}
	stale := func(path string, generated []byte) {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, generated) {
			t.Errorf("%s differs from what cmd/mixin writes (%v): run go generate ./...", path, err)
		}
	}
	for name, raw := range out.Dashboards {
		stale(filepath.Join(root, "dashboards", name), raw)
	}
	stale(filepath.Join(root, "alerts", mixin.RulesFile), out.Rules)
}

// run writes where it is told, with the config it is given.
func TestRunWritesWithOwnConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "mixin.yml")
	if err := os.WriteFile(cfg, []byte("job_selector: job=\"voice\"\nrate_window: 2m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(cfg, filepath.Join(dir, "d"), filepath.Join(dir, "a"), false); err != nil {
		t.Fatal(err)
	}
	rules, err := os.ReadFile(filepath.Join(dir, "a", mixin.RulesFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rules), `job="voice"`) || strings.Contains(string(rules), `job="airudder_exporter"`) || strings.Contains(string(rules), ":rate5m") {
		t.Errorf("rules not built with the config's selector and window")
	}
	dashboards, _ := filepath.Glob(filepath.Join(dir, "d", "*.json"))
	if len(dashboards) == 0 {
		t.Error("no dashboard written")
	}
	for _, f := range dashboards {
		raw, _ := os.ReadFile(f)
		if bytes.Contains(raw, []byte(":rate5m")) {
			t.Errorf("%s reads a rate5m series the 2m config does not record", f)
		}
	}
	// Into a directory that also holds other dashboards: a stale generated
	// one goes, someone else's stays.
	stale := filepath.Join(dir, "d", "renamed.json")
	foreign := filepath.Join(dir, "d", "team-dashboard.json")
	if err := os.WriteFile(stale, []byte(`{"uid":"old","tags":["airudder-exporter"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(foreign, []byte(`{"uid":"team","tags":["team"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(cfg, filepath.Join(dir, "d"), filepath.Join(dir, "a"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a generated dashboard no part builds was kept (%v)", err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Errorf("another dashboard in the directory was removed: %v", err)
	}
	if err := run(filepath.Join(dir, "missing.yml"), dir, dir, false); err == nil {
		t.Error("a missing config file was accepted")
	}
}
