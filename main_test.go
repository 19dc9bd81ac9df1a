package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"

	"airudder_exporter/internal/testkit"
)

func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// A plain `go build` in a git checkout reports the commit it was built from.
// -buildvcs=true is explicit because the environment may set GOFLAGS to
// -buildvcs=false (then the stamp is absent, as for a tarball).
func TestPlainBuildReportsRevision(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	root := testkit.RepoRoot(t)
	head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI runs in a git clone, yet git rev-parse failed: %v", err)
		}
		t.Skipf("not a git checkout: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(root, ".git")); err != nil || !fi.IsDir() {
		// The go command stamps VCS information only where .git is a
		// directory; a `git worktree` has a .git file and gets no stamp.
		t.Skipf("%s/.git is not a directory (git worktree?): go build records no VCS stamp here", root)
	}
	bin := filepath.Join(t.TempDir(), "exporter")
	cmd := exec.Command(testkit.GoTool(), "build", "-buildvcs=true", "-o", bin, ".")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	if want := "revision: " + strings.TrimSpace(string(head)); !strings.Contains(string(out), want) {
		t.Errorf("--version does not say %q:\n%s", want, out)
	}
	if strings.Contains(string(out), "branch: ,") || strings.Contains(string(out), "build date:       \n") {
		t.Errorf("--version leaves branch or build date blank:\n%s", out)
	}
}

// Without -ldflags (as in this test binary) no version field is blank and
// the version is the tree's own.
func TestVersionFieldsNeverBlank(t *testing.T) {
	if version.Version != projectVersion {
		t.Errorf("version.Version = %q, want %q", version.Version, projectVersion)
	}
	for name, v := range map[string]string{"Version": version.Version, "Branch": version.Branch, "BuildDate": version.BuildDate} {
		if v == "" {
			t.Errorf("version.%s is blank", name)
		}
	}
}

// Lines from the exporter (go-kit) and from exporter-toolkit / net/http
// (slog) share one layout: level, ts, caller, msg.
func TestLogLinesShareOneFormat(t *testing.T) {
	var buf bytes.Buffer
	logger, slogger := newLogger("info", "logfmt", &buf)
	level.Info(logger).Log("msg", "from go-kit", "k", "v")
	slogger.Info("from slog", "address", "127.0.0.1:1", slog.Group("g", "a", 1))
	slogger.Debug("filtered by --log.level")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines (debug filtered), got %q", lines)
	}
	re := regexp.MustCompile(`^level=info ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z caller=main_test\.go:\d+ msg=`)
	for _, l := range lines {
		if !re.MatchString(l) {
			t.Errorf("line does not match %s:\n%s", re, l)
		}
	}
	if !strings.HasSuffix(lines[1], `msg="from slog" address=127.0.0.1:1 g.a=1`) {
		t.Errorf("slog attributes: %s", lines[1])
	}

	buf.Reset()
	logger, slogger = newLogger("info", "json", &buf)
	level.Warn(logger).Log("msg", "from go-kit")
	slogger.Warn("from slog")
	var keys []string
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %s", l)
		}
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		if m["level"] != "warn" || m["ts"] == nil || m["caller"] == nil || m["time"] != nil {
			t.Errorf("JSON line fields: %s", l)
		}
		sort.Strings(ks)
		keys = append(keys, strings.Join(ks, ","))
	}
	if len(keys) != 2 || keys[0] != keys[1] {
		t.Errorf("JSON lines carry different keys: %q", keys)
	}
}

func TestFlagValueErrorNamesTheFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := testkit.ExporterBinary(t)
	for _, c := range []struct{ arg, want string }{
		{"--log.level=verbose", "--log.level=verbose: enum value must be one of debug,info,warn,error"},
		{"--log.format=text", "--log.format=text:"},
		{"--scrape.timeout-offset=abc", "--scrape.timeout-offset=abc: time: invalid duration"},
		{"--no-such-flag", "unknown long flag '--no-such-flag'"},
	} {
		cmd := exec.Command(bin, c.arg)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%s: want exit status 2, got %v", c.arg, err)
		}
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%s: output %q does not contain %q", c.arg, out, c.want)
		}
	}
}

// The image's data/ links to its state volume (and the image has no /tmp):
// an existing default directory is kept; a missing one becomes a temp dir.
func TestDemoStorageKeepsAnExistingDirectory(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	o := options{storagePath: existing}
	cleanup, err := demoStorage(&o, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
	if o.storagePath != existing {
		t.Errorf("storage path = %q, want the existing %q", o.storagePath, existing)
	}
	if _, err := os.Stat(existing); err != nil {
		t.Errorf("cleanup removed the existing directory: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "data")
	o = options{storagePath: missing}
	cleanup, err = demoStorage(&o, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	if o.storagePath == missing {
		t.Fatalf("a missing default directory was used instead of a temporary one")
	}
	tmp := o.storagePath
	cleanup()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s not removed: %v", tmp, err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("the missing default directory was created")
	}
}
