package reliability

import (
	"bufio"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// slowResult is what one slow connection saw.
type slowResult struct {
	status string        // first answer line, "" if none
	closed time.Duration // from the first byte sent until the server answered or closed
	err    string
}

// TestSlowLoris: 50 connections trickle a webhook body one byte every
// 100 ms and 10 more trickle their headers. With webhooks.read_timeout 2s
// each slow body must be cut off (408 or close) within the timeout plus
// slack, slow headers by the server's 10 s ReadHeaderTimeout, while
// /metrics keeps answering 200 and a normal webhook still gets through.
func TestSlowLoris(t *testing.T) {
	skipShort(t)
	const token = "sl-token"
	const readTimeout = 2 * time.Second
	p := start(t, opts{config: "webhooks:\n  token: " + token + "\n  read_timeout: 2s\n"})
	g := newGen(t, "sl")
	bodyTemplate := g.mixedBody(0, 1)

	const slowBodies, slowHeaders = 50, 10
	results := make([]slowResult, slowBodies+slowHeaders)
	var wg sync.WaitGroup
	for i := 0; i < slowBodies+slowHeaders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i < slowBodies {
				results[i] = slowBody(p.hookAddr, pathAR+"?token="+token, bodyTemplate.data)
			} else {
				results[i] = slowHeader(p.hookAddr)
			}
		}()
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()

	// Probe /metrics (and a normal webhook) while the attack runs.
	var lat []time.Duration
	var probeErrs []string
	normalOK := 0
	time.Sleep(300 * time.Millisecond) // let the slow connections open
probe:
	for i := 0; i < 200; i++ {
		t0 := time.Now()
		code, _, err := p.get("/metrics")
		d := time.Since(t0)
		lat = append(lat, d)
		if err != nil || code != 200 || d > 5*time.Second {
			probeErrs = append(probeErrs, fmt.Sprintf("GET /metrics: %d %v in %v", code, err, d))
		}
		if i%10 == 0 {
			b := g.mixedBody(i, 2)
			if code, err := post(p.hookClient, p.hookURL(b.path, token), b.data); err == nil && code == 200 {
				normalOK++
			} else {
				probeErrs = append(probeErrs, fmt.Sprintf("normal webhook during the attack: %d %v", code, err))
			}
		}
		select {
		case <-allDone:
			break probe
		case <-time.After(100 * time.Millisecond):
		}
	}
	select {
	case <-allDone:
	case <-time.After(20 * time.Second):
		t.Fatal("slow connections still open 20 s into the test")
	}

	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("slow loris: %d /metrics probes during the attack: min %v, median %v, p95 %v, max %v; %d normal webhooks accepted",
		len(lat), lat[0].Round(time.Microsecond), lat[len(lat)/2].Round(time.Microsecond),
		lat[len(lat)*95/100].Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond), normalOK)
	for _, e := range probeErrs {
		t.Error(e)
	}
	if normalOK == 0 {
		t.Error("no normal webhook got through during the attack")
	}

	var bodyCut, headCut []time.Duration
	for i, r := range results {
		limit := readTimeout + 5*time.Second
		kind := "slow body"
		if i >= slowBodies {
			limit, kind = 10*time.Second+5*time.Second, "slow header"
		}
		if r.err != "" && r.status == "" && !strings.Contains(r.err, "closed") {
			t.Errorf("%s connection %d: %s", kind, i, r.err)
			continue
		}
		if r.closed > limit {
			t.Errorf("%s connection %d held for %v, limit %v", kind, i, r.closed, limit)
		}
		if i < slowBodies {
			bodyCut = append(bodyCut, r.closed)
			if r.status != "" && !strings.Contains(r.status, " 408 ") {
				t.Errorf("slow body connection %d answered %q, want 408 or a close", i, r.status)
			}
		} else {
			headCut = append(headCut, r.closed)
		}
	}
	if len(bodyCut) > 0 && len(headCut) > 0 {
		t.Logf("slow bodies cut after %v..%v (read_timeout %v); slow headers cut after %v..%v (ReadHeaderTimeout 10s); first answer of a slow body: %q",
			minDur(bodyCut).Round(time.Millisecond), maxDur(bodyCut).Round(time.Millisecond), readTimeout,
			minDur(headCut).Round(time.Millisecond), maxDur(headCut).Round(time.Millisecond), results[0].status)
	}

	s := p.settledMetrics()
	ar := s.sum("airudder_exporter_webhook_requests_total", map[string]string{"source": "airudder"})
	arOK := s.sum("airudder_exporter_webhook_requests_total", map[string]string{"source": "airudder", "outcome": "accepted"})
	if ar-arOK != slowBodies {
		t.Errorf("airudder webhook requests not accepted = %v, want %d (one per cut slow body); outcomes: %v",
			ar-arOK, slowBodies, s.values("airudder_exporter_webhook_requests_total", "outcome"))
	}
	if got := s.records("airudder", "counted") + s.records("laaffic", "counted"); got != float64(2*normalOK) {
		t.Errorf("records counted = %v, want %d (only the normal webhooks; a cut body counts nothing)", got, 2*normalOK)
	}
}

// slowBody sends complete headers, then one body byte every 100 ms, and
// waits for the server to answer or close. It never finishes the body.
func slowBody(addr, pathQuery string, data []byte) slowResult {
	req := rawRequest(addr, pathQuery, data, len(data))
	head := req[:len(req)-len(data)]
	return slow(addr, head, data)
}

// slowHeader sends a request line, then a header one byte at a time.
func slowHeader(addr string) slowResult {
	first := []byte("POST " + pathAR + " HTTP/1.1\r\nHost: " + addr + "\r\n")
	return slow(addr, first, []byte("X-Slow: "+strings.Repeat("a", 200)))
}

func slow(addr string, first, trickle []byte) slowResult {
	var r slowResult
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		r.err = err.Error()
		return r
	}
	defer conn.Close()
	t0 := time.Now()
	_ = conn.SetDeadline(t0.Add(30 * time.Second)) // the test's own bound
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		line, err := bufio.NewReader(conn).ReadString('\n')
		r.closed = time.Since(t0)
		r.status = strings.TrimSpace(line)
		if err != nil && r.status == "" {
			r.err = "server closed: " + err.Error()
		}
	}()
	if _, err := conn.Write(first); err != nil {
		<-answered
		return r
	}
	for i := 0; i < len(trickle); i++ {
		select {
		case <-answered:
			return r
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := conn.Write(trickle[i : i+1]); err != nil {
			break // the server closed: the reader reports it
		}
	}
	<-answered
	return r
}

func minDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

func maxDur(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
