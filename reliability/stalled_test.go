package reliability

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stalledRequest sends a request line, headers announcing a body of 4 KiB
// and only the first few bytes of that body, then stalls. It returns the
// first answer line (empty if none) and how long until the server answered
// and until it closed the connection (0 if it did not within wait).
func stalledRequest(addr, method, pathQuery string, wait time.Duration) (status string, answered, closed time.Duration, err error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", 0, 0, err
	}
	defer conn.Close()
	t0 := time.Now()
	_ = conn.SetDeadline(t0.Add(wait))
	fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{\"a\":", method, pathQuery, addr)
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		return "", 0, 0, fmt.Errorf("no answer within %v: %v", wait, err)
	}
	answered = time.Since(t0)
	status = strings.TrimSpace(line)
	// Read the rest of the answer; the server must then close.
	if _, err := io.Copy(io.Discard, br); err != nil {
		return status, answered, 0, fmt.Errorf("answered %q but not closed within %v: %v", status, wait, err)
	}
	return status, answered, time.Since(t0), nil
}

// TestStalledBodiesAnsweredAndClosed: every answer written before the body
// is read (wrong or missing token, 404, 405, 503 overloaded, GET / and GET
// /metrics sent with a Content-Length) comes at once and closes the
// connection; before the fix net/http tried to drain the stalled body first
// and held the connection with no time limit.
func TestStalledBodiesAnsweredAndClosed(t *testing.T) {
	skipShort(t)
	const token = "stall-token"
	p := start(t, opts{config: "webhooks:\n  token: " + token + "\n  max_concurrent_requests: 1\n  read_timeout: 6s\n"})
	cases := []struct {
		name, method, path, want string
	}{
		{"wrong token", "POST", pathAR + "?token=nope", " 401 "},
		{"no token", "POST", pathLA, " 401 "},
		{"unknown path", "POST", "/webhooks/nope?token=" + token, " 404 "},
		{"wrong method", "PUT", pathAR + "?token=" + token, " 405 "},
		{"landing page with a body", "GET", "/", " 200 "},
		{"metrics with a body", "GET", "/metrics", " 400 "}, // a scrape has no body: refused before rendering
		{"healthy with a body", "GET", "/-/healthy", " 200 "},
		{"reload without lifecycle", "POST", "/-/reload", " 403 "},
	}
	for _, c := range cases {
		status, ans, closed, err := stalledRequest(p.addr, c.method, c.path, 4*time.Second)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !strings.Contains(status, c.want) {
			t.Errorf("%s: answered %q, want%s", c.name, status, c.want)
		}
		t.Logf("%s: %q after %v, closed after %v", c.name, status, ans.Round(time.Millisecond), closed.Round(time.Millisecond))
	}

	// Overloaded: one valid stalled body holds the only slot (read_timeout
	// 6 s); the next valid request waits at most 2 s for it, gets 503, and
	// its own unread body must not keep it waiting.
	holder := make(chan error, 1)
	go func() {
		_, _, _, err := stalledRequest(p.addr, "POST", pathAR+"?token="+token, 10*time.Second)
		holder <- err
	}()
	time.Sleep(300 * time.Millisecond)
	status, ans, _, err := stalledRequest(p.addr, "POST", pathAR+"?token="+token, 5*time.Second)
	if err != nil {
		t.Errorf("overloaded: %v", err)
	} else if !strings.Contains(status, " 503 ") {
		t.Errorf("overloaded: answered %q, want 503", status)
	} else {
		t.Logf("overloaded: %q after %v", status, ans.Round(time.Millisecond))
	}
	if err := <-holder; err != nil {
		t.Errorf("slot holder (valid stalled body): %v (want 408 and a close after read_timeout)", err)
	}
}

// fdCount counts the child's open file descriptors.
func (p *proc) fdCount() int {
	p.t.Helper()
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatalf("reading /proc fd: %v", err)
	}
	return len(es)
}

// attackConn is one hostile connection: stalled (headers and a partial body
// that never completes, or nothing at all) or slow (one header byte every
// 200 ms). It re-dials when the server closes it, like a determined
// attacker, until stop is closed.
func attackConn(addr string, kind int, stop <-chan struct{}, dials *int64, mu *sync.Mutex) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
		mu.Lock()
		*dials++
		mu.Unlock()
		if err != nil {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		closed := make(chan struct{})
		go func() {
			_, _ = io.Copy(io.Discard, conn)
			close(closed)
		}()
		switch kind {
		case 0: // webhook without a token, body stalled after 5 bytes
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"a\":", pathAR)
		case 1: // GET / announcing a body that never comes
			fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\nab")
		case 2: // connects and sends nothing
		case 3: // slow: trickles a header
		case 4: // GET /metrics announcing a body that never comes
			fmt.Fprintf(conn, "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\nab")
			go func() {
				fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n")
				for i := 0; i < 200; i++ {
					select {
					case <-closed:
						return
					case <-stop:
						return
					case <-time.After(200 * time.Millisecond):
					}
					if _, err := conn.Write([]byte("X")); err != nil {
						return
					}
				}
			}()
		}
		select {
		case <-stop:
			conn.Close()
			<-closed
			return
		case <-closed:
			conn.Close()
			// Re-dial after a pause: the attack keeps its size (each
			// client is connected most of the time) without turning into
			// a connection-rate flood, which no per-connection limit can
			// absorb.
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Second):
			}
		}
	}
}

// TestStalledFloodWithFileLimit: 1000 stalled and 300 slow connections
// against the webhook listener (--webhook.listen-address, as README and the
// chart deploy it) of an exporter whose file limit is 256 (prlimit). Every
// scrape of /metrics on the metrics listener answers, at the first try: the
// connection cap of the flooded listener never takes a metrics connection.
// The exporter's descriptors stay under the limit, and SIGTERM with the
// attack still running exits 0 within --web.shutdown-timeout.
func TestStalledFloodWithFileLimit(t *testing.T) {
	skipShort(t)
	if _, err := exec.LookPath("prlimit"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prlimit (util-linux) missing in CI")
		}
		t.Skip("prlimit not installed")
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur < 2000 {
		t.Skipf("the test itself needs 2000 descriptors (limit %d)", rl.Cur)
	}
	const nofile = 256
	const stalled, slow = 1000, 300
	const shutdownTimeout = 5 * time.Second
	p := start(t, opts{
		config:           "webhooks:\n  token: flood-token\n  read_timeout: 5s\n",
		wrapper:          []string{"prlimit", fmt.Sprintf("--nofile=%d:%d", nofile, nofile)},
		args:             []string{"--web.shutdown-timeout=" + shutdownTimeout.String()},
		separateWebhooks: true,
	})
	fdIdle := p.fdCount()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var dials int64
	var mu sync.Mutex
	for i := 0; i < stalled+slow; i++ {
		kind := i % 3 // stalled: kinds 0..2, every tenth a GET /metrics
		if i%10 == 9 {
			kind = 4
		}
		if i >= stalled {
			kind = 3 // slow
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			attackConn(p.hookAddr, kind, stop, &dials, &mu)
		}()
	}
	stopAttack := func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}
	t.Cleanup(stopAttack)
	time.Sleep(2 * time.Second) // let the flood build up

	var lat []time.Duration
	var failures []string
	maxFD := 0
	client := noKeepAliveClient()
	probe := func() (time.Duration, error) {
		t0 := time.Now()
		resp, err := client.Get(p.url("/metrics"))
		d := time.Since(t0)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
		}
		return d, err
	}
	for i := 0; i < 30; i++ {
		d, err := probe()
		if err != nil {
			failures = append(failures, fmt.Sprintf("probe %d: %v after %v", i, err, d))
		} else {
			lat = append(lat, d)
		}
		maxFD = max(maxFD, p.fdCount())
		time.Sleep(200 * time.Millisecond)
	}
	mu.Lock()
	totalDials := dials
	mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("%d of 30 /metrics probes on the metrics listener failed during the webhook flood:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	if maxFD >= nofile {
		t.Errorf("exporter held %d descriptors, limit %d", maxFD, nofile)
	}
	if strings.Contains(p.logs.String(), "too many open files") {
		t.Errorf("the exporter ran out of descriptors:\n%s", tail(p.logs.String(), 2000))
	}
	if len(lat) > 0 {
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		t.Logf("flood of %d stalled + %d slow connections (%d dials), file limit %d: exporter fds %d idle, max %d; /metrics ok %d/30, latency min %v median %v max %v",
			stalled, slow, totalDials, nofile, fdIdle, maxFD, len(lat), lat[0].Round(time.Millisecond), lat[len(lat)/2].Round(time.Millisecond), lat[len(lat)-1].Round(time.Millisecond))
	}
	code, body, err := p.get("/metrics")
	if err != nil || code != 200 {
		t.Fatalf("/metrics during the flood: %d %v", code, err)
	}
	m, err := parseScrape(body)
	if err != nil {
		t.Fatal(err)
	}
	if n := m.sum("airudder_exporter_http_connections_dropped_total", map[string]string{"listener": "webhook"}); n == 0 {
		t.Error("the flood never reached the webhook listener's connection cap: the test proves nothing")
	}
	if n := m.sum("airudder_exporter_http_connections_dropped_total", map[string]string{"listener": "web"}); n > 0 {
		t.Errorf("%v connections of the metrics listener dropped by a flood on the webhook listener", n)
	}
	t.Logf("connections dropped by the cap: %v evicted, %v rejected; cap %v",
		m.sum("airudder_exporter_http_connections_dropped_total", map[string]string{"reason": "evicted"}),
		m.sum("airudder_exporter_http_connections_dropped_total", map[string]string{"reason": "rejected"}),
		m.sum("airudder_exporter_http_connections_limit", nil))

	// SIGTERM while the attack is still running.
	code, took := p.stop(shutdownTimeout + 5*time.Second)
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM under attack, want 0", code)
	}
	// Connections without a request in progress are closed at once, so
	// the stop does not wait out the timeout for them.
	if took > shutdownTimeout/2 {
		t.Errorf("SIGTERM took %v, --web.shutdown-timeout %v", took, shutdownTimeout)
	}
	t.Logf("SIGTERM under attack: exit %d after %v (--web.shutdown-timeout %v)", code, took.Round(time.Millisecond), shutdownTimeout)
	stopAttack()
}

// noKeepAliveClient dials anew for every probe, as a fresh scrape after a
// dropped keep-alive connection would.
func noKeepAliveClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}
