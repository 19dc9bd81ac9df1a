package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// These tests build the real binary and run it as a user would.

type exporterProc struct {
	cmd  *exec.Cmd
	addr string
	logs *testkit.LogBuffer
	done chan error
}

// startExporter runs the binary with args plus a free listen address and
// waits until /-/ready answers 200.
func startExporter(t *testing.T, env []string, args ...string) *exporterProc {
	t.Helper()
	return startExporterIn(t, "", env, append([]string{"--storage.path=" + t.TempDir()}, args...)...)
}

// startExporterIn is startExporter run in directory dir ("": this one),
// without a --storage.path of its own.
func startExporterIn(t *testing.T, dir string, env []string, args ...string) *exporterProc {
	t.Helper()
	p := &exporterProc{addr: testkit.FreeAddr(t), logs: &testkit.LogBuffer{}, done: make(chan error, 1)}
	args = append([]string{"--web.listen-address=" + p.addr}, args...)
	p.cmd = exec.Command(testkit.ExporterBinary(t), args...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("exporter logs:\n%s", p.logs.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + p.addr + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("exporter exited early: %v\n%s", err, p.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("exporter not ready within 15s\n%s", p.logs.String())
	return nil
}

func httpDo(t *testing.T, method, url string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// familiesFromDoc lists every metric name in docs/METRICS.md's tables.
func familiesFromDoc(t *testing.T) []string {
	t.Helper()
	b := mustReadFile(t, "docs/METRICS.md")
	re := regexp.MustCompile("(?m)^\\| `([a-z_:]+)` \\|")
	var out []string
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[1])
	}
	if len(out) < 50 {
		t.Fatalf("found only %d metric names in docs/METRICS.md", len(out))
	}
	return out
}

// TestDemoEndToEnd is the README's first command, checked: within 10 s of
// start every documented family has data and the demo account is up.
func TestDemoEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	p := startExporter(t, nil, "--demo", "--config.file=config.yml")
	checkDemoServesEveryFamily(t, p)
}

// The demo of a binary run far from the repository: no config.yml, no
// flag but --demo. It starts from the defaults, says where to look, and
// serves every family.
func TestDemoWithoutConfigFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	p := startExporterIn(t, dir, nil, "--demo")
	checkDemoServesEveryFamily(t, p)
	logs := p.logs.String()
	_, port, _ := net.SplitHostPort(p.addr)
	for _, want := range []string{"starting from the defaults", "http://127.0.0.1:" + port + "/metrics", "landing_page=http://127.0.0.1:" + port + "/"} {
		if !strings.Contains(logs, want) {
			t.Errorf("demo logs lack %q", want)
		}
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("the demo left files in its working directory: %v %v", entries, err)
	}
}

// A --config.file the user names must exist, demo or not; without --demo a
// missing default config.yml is an error too.
func TestMissingConfigFileIsAnError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for _, args := range [][]string{{"--demo", "--config.file=config.yml"}, {"--demo", "--config.file=nope.yml"}, {}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, testkit.ExporterBinary(t), append([]string{"--web.listen-address=" + testkit.FreeAddr(t), "--storage.path="}, args...)...)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "no such file or directory") {
			t.Errorf("%v in an empty directory: err %v, output:\n%s", args, err, out)
		}
	}
}

// checkDemoServesEveryFamily: within 10 s of start every documented family
// has data and the demo account is up.
func checkDemoServesEveryFamily(t *testing.T, p *exporterProc) {
	t.Helper()
	want := familiesFromDoc(t)
	var body string
	var missing []string
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = httpDo(t, "GET", "http://"+p.addr+"/metrics", nil)
		missing = missing[:0]
		for _, name := range want {
			if !hasSample(body, name) {
				missing = append(missing, name)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(missing) > 0 {
		t.Errorf("families without samples 10 s after start: %v", missing)
	}
	if !strings.Contains(body, `airudder_up{account="demo"} 1`) {
		t.Errorf(`airudder_up{account="demo"} 1 not on /metrics`)
	}
	if strings.Contains(p.logs.String(), "demo-app-key") {
		t.Errorf("the demo app key appears in the logs")
	}
}

// hasSample reports whether the exposition has a sample of family name
// (histograms: its _count).
func hasSample(body, name string) bool {
	for _, n := range []string{name, name + "_count"} {
		if strings.Contains(body, "\n"+n+"{") || strings.Contains(body, "\n"+n+" ") {
			return true
		}
	}
	return false
}

func TestNoCredentialsStartsAndSaysSo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	env := []string{"AIRUDDER_APP_KEY=", "AIRUDDER_APP_SECRET=", "WEBHOOK_TOKEN="}
	p := startExporter(t, env, "--config.file=config.yml")
	code, body := httpDo(t, "GET", "http://"+p.addr+"/metrics", nil)
	if code != 200 || !strings.Contains(body, "airudder_exporter_build_info{") {
		t.Fatalf("/metrics = %d, build_info missing", code)
	}
	if strings.Contains(body, "airudder_up{") {
		t.Errorf("no account is configured, yet airudder_up is exposed")
	}
	if n := strings.Count(p.logs.String(), "collector disabled until credentials are given"); n != 1 {
		t.Errorf("want exactly one 'collector disabled' log line, got %d:\n%s", n, p.logs.String())
	}
}

func TestEndpointsAndReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	good := "webhooks:\n  token: s3cr3t-webhook-token\n"
	if err := os.WriteFile(cfgPath, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, nil, "--config.file="+cfgPath, "--web.enable-lifecycle")
	base := "http://" + p.addr

	for _, c := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/-/healthy", 200}, {"GET", "/-/ready", 200}, {"GET", "/", 200},
		{"GET", "/-/reload", 405}, {"PUT", "/-/reload", 405}, {"POST", "/-/healthy", 405},
		{"GET", "/webhooks/airudder", 405}, {"POST", "/webhooks/airudder", 401},
		// Unclean webhook paths are the receiver's counted 404, not the
		// mux's redirect (a redirected POST would be lost).
		{"POST", "/webhooks//airudder", 404}, {"POST", "/webhooks/airudder/../laaffic", 404},
	} {
		if code, _ := httpDo(t, c.method, base+c.path, nil); code != c.want {
			t.Errorf("%s %s = %d, want %d", c.method, c.path, code, c.want)
		}
	}
	if _, landing := httpDo(t, "GET", base+"/", nil); strings.Contains(landing, "s3cr3t") {
		t.Errorf("landing page shows the webhook token")
	}

	// A bad file: 500 with the reason, old config kept, metric says so.
	if err := os.WriteFile(cfgPath, []byte("webhooks:\n  tokn: x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, body := httpDo(t, "POST", base+"/-/reload", nil)
	if code != 500 || !strings.Contains(body, "tokn") {
		t.Errorf("reload of a bad file = %d %q, want 500 naming the bad key", code, body)
	}
	_, m := httpDo(t, "GET", base+"/metrics", nil)
	if !strings.Contains(m, "airudder_exporter_config_last_reload_successful 0") {
		t.Errorf("last_reload_successful not 0 after a failed reload")
	}
	if code, _ := httpDo(t, "POST", base+"/webhooks/laaffic?token=s3cr3t-webhook-token", nil); code == 401 {
		t.Errorf("old token no longer accepted after a failed reload")
	}

	// A good file whose webhooks.redis takes a restart: refused the same way.
	if err := os.WriteFile(cfgPath, []byte(good+"  redis:\n    address: 127.0.0.1:1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, body := httpDo(t, "POST", base+"/-/reload", nil); code != 500 || !strings.Contains(body, "webhooks.redis") {
		t.Errorf("reload turning on Redis = %d %q, want 500 naming webhooks.redis", code, body)
	}

	// SIGHUP with a good file: token changes, metric back to 1.
	if err := os.WriteFile(cfgPath, []byte("webhooks:\n  token: new-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, m = httpDo(t, "GET", base+"/metrics", nil)
		if strings.Contains(m, "airudder_exporter_config_last_reload_successful 1") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(m, "airudder_exporter_config_last_reload_successful 1") {
		t.Fatalf("SIGHUP did not reload")
	}
	if code, _ := httpDo(t, "POST", base+"/webhooks/laaffic?token=s3cr3t-webhook-token", nil); code != 401 {
		t.Errorf("old token still accepted after reload: %d", code)
	}
	if strings.Contains(p.logs.String(), "s3cr3t-webhook-token") || strings.Contains(p.logs.String(), "new-token") {
		t.Errorf("a webhook token appears in the logs")
	}

	// Graceful stop on SIGTERM: exits 0 within the shutdown timeout.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err // for Cleanup
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("no exit within 20 s of SIGTERM")
	}
}

func TestConfigCheckFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := testkit.ExporterBinary(t)
	out, err := exec.Command(bin, "--config.check", "--config.file=config.yml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Errorf("--config.check on config.yml: %v %s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	os.WriteFile(bad, []byte("airudder:\n  acounts: []\n"), 0o600)
	out, err = exec.Command(bin, "--config.check", "--config.file="+bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "acounts") {
		t.Errorf("--config.check on a bad file: err=%v out=%s (want non-zero exit naming the key)", err, out)
	}
	out, err = exec.Command(bin, "--version").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "airudder_exporter, version") {
		t.Errorf("--version: %v %s", err, out)
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
		if code, body := testkit.HTTPGet("http://" + addr + "/metrics"); code == 200 && strings.Contains(body, `airudder_exporter_webhook_requests_total{`) {
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

// --web.systemd-socket serves on the socket systemd passes (fd 3,
// LISTEN_FDS/LISTEN_PID) instead of opening --web.listen-address.
func TestSystemdSocketActivation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to set LISTEN_PID to the exporter's own pid")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f, err := l.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	unused := testkit.FreeAddr(t)
	logs := &testkit.LogBuffer{}
	// exec keeps the shell's pid, which is what LISTEN_PID must name.
	cmd := exec.Command(sh, "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"`, testkit.ExporterBinary(t),
		"--web.systemd-socket", "--web.listen-address="+unused, "--config.file=config.yml", "--storage.path="+t.TempDir())
	cmd.ExtraFiles = []*os.File{f} // fd 3
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })

	addr := l.Addr().String()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, _ := testkit.HTTPGet("http://" + addr + "/-/ready")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready on the activated socket %s within 15s:\n%s", addr, logs.String())
		}
		select {
		case err := <-done:
			t.Fatalf("exporter exited: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	if code, body := testkit.HTTPGet("http://" + addr + "/metrics"); code != 200 || len(body) == 0 {
		t.Errorf("/metrics on the activated socket = %d", code)
	}
	if c, err := net.DialTimeout("tcp", unused, time.Second); err == nil {
		c.Close()
		t.Errorf("--web.listen-address %s is listening too; with --web.systemd-socket only the passed socket may be", unused)
	}
}
