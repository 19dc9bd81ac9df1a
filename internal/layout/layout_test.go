package layout

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "airudder_exporter"

// vendors are the vendor homes; every other package of the module is
// machinery or tooling.
var vendors = []string{module + "/airudder", module + "/laaffic"}

// neutral packages must not depend on any vendor, directly or not.
var neutral = []string{
	module + "/collector",
	module + "/receiver",
	module + "/receiver/dedup",
	module + "/config",
	module + "/server",
	module + "/demo",
	module + "/internal/demogen",
	module + "/internal/labelcap",
	module + "/internal/metricvec",
	module + "/internal/jsonscan",
	module + "/internal/slot",
	module + "/mixin",
}

type pkg struct {
	ImportPath string
	GoFiles    []string
	Deps       []string
}

func list(t *testing.T, patterns ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json=ImportPath,GoFiles,Deps"}, patterns...)...)
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// isUnder reports whether path is pkg or one of its sub-packages.
func isUnder(path, pkg string) bool {
	return path == pkg || strings.HasPrefix(path, pkg+"/")
}

func TestNeutralPackagesImportNoVendor(t *testing.T) {
	pkgs := list(t, neutral...)
	if len(pkgs) != len(neutral) {
		t.Fatalf("go list found %d of the %d neutral packages", len(pkgs), len(neutral))
	}
	for _, p := range pkgs {
		for _, d := range p.Deps {
			for _, v := range vendors {
				if isUnder(d, v) {
					t.Errorf("%s depends on vendor package %s", p.ImportPath, d)
				}
			}
		}
	}
}

func TestVendorsDoNotImportEachOther(t *testing.T) {
	for _, p := range list(t, "./airudder/...", "./laaffic/...") {
		for _, v := range vendors {
			if isUnder(p.ImportPath, v) {
				continue
			}
			for _, d := range p.Deps {
				if isUnder(d, v) {
					t.Errorf("%s depends on the other vendor's package %s", p.ImportPath, d)
				}
			}
		}
	}
}

func TestPackageMainIsMainGoOnly(t *testing.T) {
	p := list(t, module)
	if len(p) != 1 {
		t.Fatalf("go list %s: %d packages", module, len(p))
	}
	if got := p[0].GoFiles; len(got) != 1 || got[0] != "main.go" {
		t.Errorf("package main has %v, want [main.go]", got)
	}
}

// TestVendorPackagesExist: the rules above pass vacuously when a vendor
// package is renamed away.
func TestVendorPackagesExist(t *testing.T) {
	for _, v := range vendors {
		if p := list(t, v); len(p) != 1 || len(p[0].GoFiles) == 0 {
			t.Errorf("vendor package %s missing", v)
		}
	}
}

// The dashboards and rules are built at development time: the exporter's
// binary carries neither the mixin nor the Grafana SDK.
func TestExporterDoesNotLinkTheMixin(t *testing.T) {
	p := list(t, module)
	if len(p) != 1 {
		t.Fatalf("go list %s: %d packages", module, len(p))
	}
	for _, d := range p[0].Deps {
		if isUnder(d, module+"/mixin") || strings.HasSuffix(d, "mixin") || strings.HasPrefix(d, "github.com/grafana/grafana-foundation-sdk") {
			t.Errorf("the exporter depends on %s", d)
		}
	}
}
