package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// stack is the exporter binary in --demo mode plus a real Prometheus that
// scrapes it every second and evaluates the alert rules every second.
type stack struct {
	exporterAddr string // 127.0.0.1:port, also the `instance` label
	promURL      string
	client       *http.Client
}

const jobName = "airudder_exporter"

// buildExporter compiles the repository's main package.
func buildExporter(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "airudder_exporter")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testkit.GoTool(), "build", "-o", bin, ".")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build of the exporter failed: %v\n%s", err, out)
	}
	return bin
}

// startProcess runs a child until the test ends; on cleanup it gets SIGTERM,
// then SIGKILL after 5 s. Its output is logged when the test failed.
func startProcess(t *testing.T, name, dir, bin string, args ...string) *testkit.LogBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out := &testkit.LogBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if t.Failed() {
			t.Logf("%s output:\n%s", name, tail(out.String(), 4000))
		}
	})
	return out
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// waitFor polls cond every 250 ms until it returns nil or the deadline
// passes, then fails with the last error.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s: %v", timeout, what, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func startStack(t *testing.T) *stack {
	t.Helper()
	dir := t.TempDir()
	root := repoRoot(t)
	st := &stack{exporterAddr: testkit.FreeAddr(t), client: &http.Client{Timeout: 10 * time.Second}}

	began := time.Now()
	bin := buildExporter(t, dir)
	t.Logf("exporter built in %v", time.Since(began).Round(time.Millisecond))
	expDir := filepath.Join(dir, "exporter")
	if err := os.Mkdir(expDir, 0o755); err != nil {
		t.Fatal(err)
	}
	startProcess(t, "exporter", expDir, bin,
		"--demo",
		"--web.listen-address="+st.exporterAddr,
		"--config.file="+filepath.Join(root, "config.yml"),
		"--storage.path="+filepath.Join(expDir, "data"),
		"--log.level=warn")
	waitFor(t, "the exporter to serve /metrics", 30*time.Second, func() error {
		_, err := st.get("http://" + st.exporterAddr + "/metrics")
		return err
	})

	st.promURL = startPrometheus(t, dir, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - %q
scrape_configs:
  - job_name: %s
    static_configs:
      - targets: [%q]
`, filepath.Join(alertsDir(t), rulesFile), jobName, st.exporterAddr))
	waitFor(t, "the first scrape of the exporter", 30*time.Second, func() error {
		res, err := st.query(fmt.Sprintf(`up{job=%q} == 1`, jobName))
		if err == nil && len(res) == 0 {
			err = fmt.Errorf("no successful scrape yet")
		}
		return err
	})
	t.Logf("exporter and Prometheus up, first scrape stored, %v after start", time.Since(began).Round(time.Millisecond))
	return st
}

// startPrometheus runs Prometheus on loopback with the configuration cfg
// (its files under dir) and flags until the test ends, and returns its URL
// once it is ready.
func startPrometheus(t *testing.T, dir, cfg string, flags ...string) string {
	t.Helper()
	promBin := findBinary(t, "E2E_PROMETHEUS", "prometheus")
	dir, err := os.MkdirTemp(dir, "prometheus")
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := testkit.FreeAddr(t)
	startProcess(t, "prometheus", dir, promBin, append([]string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + filepath.Join(dir, "tsdb"),
		"--web.listen-address=" + addr,
		"--log.level=warn"}, flags...)...)
	u := "http://" + addr
	client := &http.Client{Timeout: 10 * time.Second}
	waitFor(t, "Prometheus to be ready", 30*time.Second, func() error {
		resp, err := client.Get(u + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/-/ready: %s", resp.Status)
		}
		return nil
	})
	return u
}

func (s *stack) get(u string) ([]byte, error) {
	resp, err := s.client.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("GET %s: %s: %s", u, resp.Status, tail(string(b), 300))
	}
	return b, nil
}

// scrape fetches the exporter's /metrics in the classic text format (what
// promtool check metrics reads).
func (s *stack) scrape() ([]byte, error) {
	return s.get("http://" + s.exporterAddr + "/metrics")
}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

// query runs an instant query; an error status or a non-vector result is an
// error.
func (s *stack) query(q string) ([]promSample, error) {
	b, err := s.get(s.promURL + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("status %s: %s", r.Status, r.Error)
	}
	switch r.Data.ResultType {
	case "vector":
		var v []promSample
		err := json.Unmarshal(r.Data.Result, &v)
		return v, err
	case "scalar":
		var v [2]any
		err := json.Unmarshal(r.Data.Result, &v)
		return []promSample{{Value: v}}, err
	default:
		return nil, fmt.Errorf("unexpected result type %q", r.Data.ResultType)
	}
}

type promRule struct {
	Name      string `json:"name"`
	Type      string `json:"type"`
	Health    string `json:"health"`
	LastError string `json:"lastError"`
	State     string `json:"state"`
}

func (s *stack) rules() ([]promRule, error) {
	b, err := s.get(s.promURL + "/api/v1/rules")
	if err != nil {
		return nil, err
	}
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Groups []struct {
				Rules []promRule `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("rules API status %q", r.Status)
	}
	var out []promRule
	for _, g := range r.Data.Groups {
		out = append(out, g.Rules...)
	}
	return out, nil
}

// grafanaVars are the values Grafana would substitute when the dashboards
// look at the demo: its job, its instance, the demo account, and intervals
// suited to a 1 s scrape interval.
func (s *stack) grafanaVars() map[string]string {
	return map[string]string{
		"job":             jobName,
		"instance":        strings.ReplaceAll(s.exporterAddr, ".", `\\.`),
		"account":         "demo",
		"robot":           ".*", // multi-select variables at "All"
		"sip_line":        ".*",
		"campaign":        ".*",
		"script":          ".*",
		"datasource":      "prometheus",
		"__rate_interval": "1m",
		"__interval":      "15s",
		"__range":         "5m",
	}
}
