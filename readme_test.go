package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeMetricReferenceMatchesContract keeps README's metric reference
// equal to docs/METRICS.md, the contract the other tests check against.
func TestReadmeMetricReferenceMatchesContract(t *testing.T) {
	readme := mustReadFile(t, "README.md")
	doc := mustReadFile(t, "docs/METRICS.md")
	rows := regexp.MustCompile("(?m)^\\| `[a-z_:]+` \\|.*$")
	want := rows.FindAllString(string(doc), -1)
	if len(want) == 0 {
		t.Fatal("no metric rows in docs/METRICS.md")
	}
	for _, r := range want {
		if !strings.Contains(string(readme), r) {
			t.Errorf("README.md lacks (or has a stale copy of) the row:\n%s", r)
		}
	}
	if got := rows.FindAllString(string(readme), -1); len(got) != len(want) {
		t.Errorf("README.md has %d metric rows, docs/METRICS.md %d", len(got), len(want))
	}
}

// TestReadmeStartsWithTheTwoCommands: the first block is what a newcomer
// runs; keep it equal to what CI and the demo test exercise.
func TestReadmeStartsWithTheTwoCommands(t *testing.T) {
	b := mustReadFile(t, "README.md")
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(string(b))
	if block == nil || !strings.HasPrefix(block[1], "go run . --demo") || !strings.Contains(block[1], "\ngo test -race ./...") {
		t.Fatalf("README.md must start with `go run . --demo` and `go test -race ./...`, got %q", block)
	}
	ci := mustReadFile(t, ".ci/run")
	if !strings.Contains(string(ci), "go test -race -count=1 ./...") {
		t.Errorf(".ci/run does not run the README's test command")
	}
}

// config.yml and README state the same dedup memory per id (README's figure
// is the measured one, see receiver/dedup/doc.go).
func TestDedupBytesPerIDAgrees(t *testing.T) {
	cfg := mustReadFile(t, "config.yml")
	readme := mustReadFile(t, "README.md")
	c := regexp.MustCompile(`dedup_max_entries:.*\(about (\d+)-(\d+) bytes per id`).FindSubmatch(cfg)
	r := regexp.MustCompile(`about (\d+)–(\d+) bytes per remembered id`).FindSubmatch(readme)
	if c == nil || r == nil {
		t.Fatalf("bytes-per-id figure not found (config.yml: %v, README: %v)", c != nil, r != nil)
	}
	if string(c[1]) != string(r[1]) || string(c[2]) != string(r[2]) {
		t.Errorf("config.yml says %s-%s bytes per id, README %s–%s", c[1], c[2], r[1], r[2])
	}
}

// mustReadFile reads a file of the repository (tests run at its root); a
// missing file ends the test.
func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
