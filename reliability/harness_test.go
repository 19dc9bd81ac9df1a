// Package reliability holds black-box tests of the exporter binary: it is
// built once with `go build`, started as a child process on loopback ports,
// driven over HTTP and signals, and judged only by its answers, its
// /metrics, its logs, its exit status and its state files.
package reliability

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// TestMain removes the built binary after the last test.
func TestMain(m *testing.M) { os.Exit(testkit.Main(m)) }

// skipShort: every test here runs the real binary for seconds.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the exporter binary under load; skipped with -short")
	}
}

// opts describe one exporter start.
type opts struct {
	config     string   // YAML written to <tmp>/config.yml (ignored when configPath is set)
	configPath string   // an existing config file (reload tests rewrite it)
	storage    string   // --storage.path; "" = a fresh temp dir
	args       []string // extra flags
	env        []string // extra environment
	// separateWebhooks starts a second listener (--webhook.listen-address).
	separateWebhooks bool
	// tlsClient, when set, makes the test talk HTTPS to the main listener
	// through this client; user/pass are sent to it as basic auth.
	tlsClient  *http.Client
	user, pass string
	// webhookTLS: the webhook listener speaks HTTPS (same trust as tlsClient).
	webhookTLS bool
	// notReady: start returns once /-/healthy answers, for a start that is
	// meant to be not ready (e.g. its Redis not reachable yet).
	notReady bool
	// wrapper runs the binary through a command that execs it in place
	// (e.g. prlimit --nofile=256:256), so the pid stays the exporter's.
	wrapper []string
}

// proc is a running exporter.
type proc struct {
	t          *testing.T
	cmd        *exec.Cmd
	addr       string // main listener
	hookAddr   string // where /webhooks/* are served
	storage    string
	configPath string
	logs       *testkit.LogBuffer
	client     *http.Client // for the main listener
	hookClient *http.Client
	scheme     string
	hookScheme string
	user, pass string
	exited     chan struct{}
	waitErr    error
}

// start runs the binary and waits until /-/ready answers 200 (with
// o.notReady: until /-/healthy does).
func start(t *testing.T, o opts) *proc {
	t.Helper()
	p := &proc{
		t:          t,
		addr:       testkit.FreeAddr(t),
		storage:    o.storage,
		configPath: o.configPath,
		logs:       &testkit.LogBuffer{},
		exited:     make(chan struct{}),
		scheme:     "http",
		hookScheme: "http",
		user:       o.user,
		pass:       o.pass,
	}
	if p.storage == "" {
		p.storage = t.TempDir()
	}
	if p.configPath == "" {
		p.configPath = filepath.Join(t.TempDir(), "config.yml")
		writeFile(t, p.configPath, o.config)
	}
	p.client = &http.Client{Timeout: 30 * time.Second}
	if o.tlsClient != nil {
		p.client, p.scheme = o.tlsClient, "https"
	}
	p.hookClient, p.hookAddr, p.hookScheme = p.client, p.addr, p.scheme
	args := []string{
		"--web.listen-address=" + p.addr,
		"--storage.path=" + p.storage,
		"--config.file=" + p.configPath,
	}
	if o.separateWebhooks {
		p.hookAddr = testkit.FreeAddr(t)
		args = append(args, "--webhook.listen-address="+p.hookAddr)
		p.hookClient = &http.Client{Timeout: 30 * time.Second}
		if o.webhookTLS {
			p.hookClient, p.hookScheme = o.tlsClient, "https"
		}
	}
	args = append(args, o.args...)
	argv := append(append(append([]string(nil), o.wrapper...), testkit.ExporterBinary(t)), args...)
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Env = append(os.Environ(), o.env...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Kill() // only this child, by its own pid
			<-p.exited
		}
		if t.Failed() {
			t.Logf("exporter logs (%s):\n%s", p.addr, tail(p.logs.String(), 8000))
		}
	})
	probe := "/-/ready"
	if o.notReady {
		probe = "/-/healthy"
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if code, _, err := p.get(probe); err == nil && code == 200 {
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("exporter exited early: %v\n%s", p.waitErr, p.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("exporter not ready within 15s\n%s", p.logs.String())
	return nil
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "...\n" + s[len(s)-n:]
}

// url is a URL on the main listener.
func (p *proc) url(path string) string { return p.scheme + "://" + p.addr + path }

// hookURL is a webhook URL with ?token= (when token is not empty).
func (p *proc) hookURL(path, token string) string {
	u := p.hookScheme + "://" + p.hookAddr + path
	if token != "" {
		u += "?token=" + token
	}
	return u
}

// get does a GET on the main listener, with basic auth when configured.
func (p *proc) get(path string) (int, string, error) {
	return p.callMain(http.MethodGet, path)
}

// postPlain POSTs an empty body to the main listener, with basic auth when
// configured.
func (p *proc) postPlain(path string) (int, string, error) {
	return p.callMain(http.MethodPost, path)
}

// callMain sends a request without a body to the main listener and reads the
// whole answer.
func (p *proc) callMain(method, path string) (int, string, error) {
	req, err := http.NewRequest(method, p.url(path), nil)
	if err != nil {
		return 0, "", err
	}
	if p.user != "" {
		req.SetBasicAuth(p.user, p.pass)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// post sends body to a full URL and drains the answer.
func post(c *http.Client, url string, body []byte, hdr ...string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// postUntilOK re-sends body like a vendor retrying, until a 200 (bounded).
func postUntilOK(c *http.Client, url string, body []byte) error {
	var last string
	for attempt := 1; attempt <= 8; attempt++ {
		code, err := post(c, url, body)
		if err == nil && code == 200 {
			return nil
		}
		last = fmt.Sprintf("status %d, err %v", code, err)
		time.Sleep(time.Duration(attempt) * 50 * time.Millisecond)
	}
	return fmt.Errorf("no 200 after 8 attempts; last: %s", last)
}

// metrics scrapes and parses /metrics; a failure ends the test.
func (p *proc) metrics() scrape {
	p.t.Helper()
	code, body, err := p.get("/metrics")
	if err != nil || code != 200 {
		p.t.Fatalf("GET /metrics: %d %v", code, err)
	}
	s, err := parseScrape(body)
	if err != nil {
		p.t.Fatalf("parsing /metrics: %v", err)
	}
	return s
}

// settledMetrics scrapes until the webhook request counters stop moving,
// so requests whose client gave up early have finished on the server.
func (p *proc) settledMetrics() scrape {
	p.t.Helper()
	prev := -1.0
	var s scrape
	for i := 0; i < 50; i++ {
		s = p.metrics()
		n := s.sum("airudder_exporter_webhook_requests_total", nil)
		if n == prev {
			return s
		}
		prev = n
		time.Sleep(200 * time.Millisecond)
	}
	return s
}

// signal sends sig to this child.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// stop sends SIGTERM and waits up to limit; it returns the exit code and
// how long the exit took.
func (p *proc) stop(limit time.Duration) (int, time.Duration) {
	p.t.Helper()
	t0 := time.Now()
	p.signal(syscall.SIGTERM)
	return p.waitExit(t0, limit)
}

func (p *proc) waitExit(t0 time.Time, limit time.Duration) (int, time.Duration) {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode(), time.Since(t0)
	case <-time.After(limit):
		p.t.Fatalf("no exit within %v", limit)
		return -1, 0
	}
}

// rssKiB reads the child's resident set size from /proc.
func (p *proc) rssKiB() int {
	p.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("reading /proc status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				p.t.Fatalf("VmRSS line %q: %v", line, err)
			}
			return n
		}
	}
	p.t.Fatal("no VmRSS in /proc status")
	return 0
}

// tlsClientFor trusts exactly the given certificate (PEM).
func tlsClientFor(t *testing.T, certPEM []byte) *http.Client {
	t.Helper()
	pool := certPool(t, certPEM)
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
	}
}
