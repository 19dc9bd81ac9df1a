package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"

	"airudder_exporter/internal/testkit"
)

func TestFillVersionFromBuildInfo(t *testing.T) {
	saved := [4]string{version.Version, version.Revision, version.Branch, version.BuildDate}
	t.Cleanup(func() {
		version.Version, version.Revision, version.Branch, version.BuildDate = saved[0], saved[1], saved[2], saved[3]
	})
	stamp := func(mainVersion, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Version: mainVersion}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "52cb4c4d0f1e"}, {Key: "vcs.modified", Value: modified},
			{Key: "vcs.time", Value: "2026-11-30T10:00:00Z"},
		}}
	}
	for _, c := range []struct {
		name                    string
		bi                      *debug.BuildInfo
		ldflags                 [4]string
		version, revision, date string
	}{
		{"no stamp", nil, [4]string{}, projectVersion, "unknown", ""},
		{"clean checkout", stamp("(devel)", "false"), [4]string{}, projectVersion, "52cb4c4d0f1e", "2026-11-30T10:00:00Z"},
		{"dirty checkout", stamp("v0.0.0-20261130100000-52cb4c4d0f1e+dirty", "true"), [4]string{}, projectVersion, "52cb4c4d0f1e-dirty", "2026-11-30T10:00:00Z"},
		{"tagged module", stamp("v0.2.0", "false"), [4]string{}, "0.2.0", "52cb4c4d0f1e", "2026-11-30T10:00:00Z"},
		{"ldflags win", stamp("v0.2.0", "true"), [4]string{"9.9.9", "abc", "release", "20261201"}, "9.9.9", "abc", "20261201"},
	} {
		version.Version, version.Revision, version.Branch, version.BuildDate = c.ldflags[0], c.ldflags[1], c.ldflags[2], c.ldflags[3]
		fillVersion(c.bi)
		if version.Version != c.version || version.Revision != c.revision || version.BuildDate != c.date || version.Branch == "" {
			t.Errorf("%s: version=%q revision=%q date=%q branch=%q; want %q %q %q, branch not empty",
				c.name, version.Version, version.Revision, version.BuildDate, version.Branch, c.version, c.revision, c.date)
		}
	}
}

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

// Lines from the exporter (go-kit) and from exporter-toolkit / net/http
// (slog) share one layout: level, ts, caller, msg.
func TestLogLinesShareOneFormat(t *testing.T) {
	var buf bytes.Buffer
	logger, base := newLogger("info", "logfmt", &buf)
	level.Info(logger).Log("msg", "from go-kit", "k", "v")
	slogFor(base).Info("from slog", "address", "127.0.0.1:1", slog.Group("g", "a", 1))
	slogFor(base).Debug("filtered by --log.level")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines (debug filtered), got %q", lines)
	}
	re := regexp.MustCompile(`^level=info ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z caller=roughedges_test\.go:\d+ msg=`)
	for _, l := range lines {
		if !re.MatchString(l) {
			t.Errorf("line does not match %s:\n%s", re, l)
		}
	}
	if !strings.HasSuffix(lines[1], `msg="from slog" address=127.0.0.1:1 g.a=1`) {
		t.Errorf("slog attributes: %s", lines[1])
	}

	buf.Reset()
	logger, base = newLogger("info", "json", &buf)
	level.Warn(logger).Log("msg", "from go-kit")
	slogFor(base).Warn("from slog")
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

// `go run . --demo` from a checkout must not leave data/ behind: without
// --storage.path the demo keeps its dedup memory in a temporary directory
// and removes it on exit.
func TestDemoKeepsStateOutOfTheWorkingDirectory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	cwd := t.TempDir()
	cfg, err := filepath.Abs("config.yml")
	if err != nil {
		t.Fatal(err)
	}
	addr := testkit.FreeAddr(t)
	logs := &testkit.LogBuffer{}
	cmd := exec.Command(testkit.ExporterBinary(t), "--demo", "--config.file="+cfg, "--web.listen-address="+addr)
	cmd.Dir = cwd
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	// Wait until demo traffic has been received, so state exists to save.
	re := regexp.MustCompile(`msg="Demo: webhook dedup memory kept in a temporary directory[^"]*" path=(\S+)`)
	var stateDir string
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(logs.String()); m != nil && stateDir == "" {
			stateDir = m[1]
		}
		if code, body := httpGet("http://" + addr + "/metrics"); code == 200 && strings.Contains(body, `airudder_exporter_webhook_requests_total{`) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if stateDir == "" {
		t.Fatalf("no log line naming the demo's temporary directory:\n%s", logs.String())
	}
	if !strings.HasPrefix(stateDir, os.TempDir()) {
		t.Errorf("demo state dir %s is not under %s", stateDir, os.TempDir())
	}
	if _, err := os.Stat(stateDir); err != nil {
		t.Errorf("demo state dir while running: %v", err)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("exit: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no exit within 20s of SIGTERM")
	}
	entries, _ := os.ReadDir(cwd)
	if len(entries) != 0 {
		t.Errorf("the demo wrote into its working directory: %v", entries)
	}
	if _, err := os.Stat(stateDir); !os.IsNotExist(err) {
		t.Errorf("temporary state dir %s still there after exit (%v)", stateDir, err)
		_ = os.RemoveAll(stateDir)
	}
}

func httpGet(url string) (int, string) {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// config.yml and README state the same dedup memory per id (README's figure
// is the measured one, see receiver/dedup/doc.go).
func TestDedupBytesPerIDAgrees(t *testing.T) {
	cfg, err := os.ReadFile("config.yml")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	c := regexp.MustCompile(`dedup_max_entries:.*\(about (\d+)-(\d+) bytes per id`).FindSubmatch(cfg)
	r := regexp.MustCompile(`about (\d+)–(\d+) bytes per remembered id`).FindSubmatch(readme)
	if c == nil || r == nil {
		t.Fatalf("bytes-per-id figure not found (config.yml: %v, README: %v)", c != nil, r != nil)
	}
	if string(c[1]) != string(r[1]) || string(c[2]) != string(r[2]) {
		t.Errorf("config.yml says %s-%s bytes per id, README %s–%s", c[1], c[2], r[1], r[2])
	}
}
