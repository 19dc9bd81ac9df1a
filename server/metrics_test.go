package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestScrapeTimeout(t *testing.T) {
	mk := func(v string) *http.Request {
		r, _ := http.NewRequestWithContext(context.Background(), "GET", "/metrics", nil)
		if v != "" {
			r.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", v)
		}
		return r
	}
	off, def := 500*time.Millisecond, 10*time.Second
	for _, c := range []struct {
		hdr  string
		want time.Duration
	}{
		{"", def}, {"garbage", def}, {"-3", def}, {"10", 9500 * time.Millisecond},
		{"1.5", time.Second}, {"0.2", 100 * time.Millisecond}, {"3600", time.Hour - 500*time.Millisecond},
		{"NaN", def}, {"nan", def}, {"+Inf", def}, {"-Inf", def}, {"Infinity", def}, {"1e300", def},
		{"3600.001", def}, {"9223372036.854775807", def}, {"-0", def},
	} {
		if got := scrapeTimeout(mk(c.hdr), off, def); got != c.want {
			t.Errorf("header %q: got %v, want %v", c.hdr, got, c.want)
		}
	}
}

// slowScraper stands for a poller whose upstream API answers after delay:
// its collector reports up 1 when the answer came, 0 when the scrape's
// deadline came first.
type slowScraper struct{ delay time.Duration }

var slowUp = prometheus.NewDesc("airudder_up", "Whether the last fetch succeeded.", []string{"account"}, nil)

func (s slowScraper) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return slowCollector{ctx: ctx, delay: s.delay}
}

type slowCollector struct {
	ctx   context.Context
	delay time.Duration
}

func (c slowCollector) Describe(ch chan<- *prometheus.Desc) { ch <- slowUp }
func (c slowCollector) Collect(ch chan<- prometheus.Metric) {
	up := 1.0
	select {
	case <-time.After(c.delay):
	case <-c.ctx.Done():
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(slowUp, prometheus.GaugeValue, up, "slow")
}

func scrapeBody(t *testing.T, s *Server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	s.metricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("/metrics = %d", rec.Code)
	}
	return rec.Body.String()
}

// /metrics is read with GET or HEAD; another method is a 405 that names
// them, and costs no render. Every answer says it varies with Accept and
// Accept-Encoding, so a cache in between keeps formats apart.
func TestMetricsMethodsAndVary(t *testing.T) {
	s, _ := newTestServer(t, "webhooks: {}\n", Options{})
	h := s.metricsHandler()
	for method, want := range map[string]int{"GET": 200, "HEAD": 200, "POST": 405, "PUT": 405, "DELETE": 405, "OPTIONS": 405} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/metrics", nil))
		if rec.Code != want {
			t.Errorf("%s /metrics = %d, want %d", method, rec.Code, want)
		}
		if want == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s /metrics: Allow %q, want GET, HEAD", method, rec.Header().Get("Allow"))
		}
		if want == 200 && rec.Header().Get("Vary") != "Accept, Accept-Encoding" {
			t.Errorf("%s /metrics: Vary %q, want Accept, Accept-Encoding", method, rec.Header().Get("Vary"))
		}
	}
}

// A dead-slow API must cost its up metric 0 within the scrape's own
// deadline, never a hung /metrics.
func TestMetricsHonoursScrapeTimeoutHeader(t *testing.T) {
	s, _ := newTestServer(t, "webhooks: {}\n", Options{ScrapeTimeoutOffset: 100 * time.Millisecond, Scrapers: []Scraper{slowScraper{3 * time.Second}}})
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "0.5")
	rec := httptest.NewRecorder()
	start := time.Now()
	s.metricsHandler().ServeHTTP(rec, req)
	took := time.Since(start)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `airudder_up{account="slow"} 0`) {
		t.Fatalf("code %d, want 200 with airudder_up 0; body:\n%.2000s", rec.Code, rec.Body.String())
	}
	// 0.4 s allowed; the API needs 3 s. Generous slack for a loaded machine,
	// still far below the API's delay.
	if took > 2500*time.Millisecond {
		t.Errorf("scrape took %v, longer than the announced timeout allows", took)
	}
}

// A non-finite or absurd announced timeout is answered within the default
// timeout, as if none had been announced. A real connection: its read and
// write deadlines come from the timeout too.
func TestMetricsIgnoresAbsurdScrapeTimeoutHeader(t *testing.T) {
	s, _ := newTestServer(t, "webhooks: {}\n", Options{DefaultScrapeTimeout: 300 * time.Millisecond, ScrapeTimeoutOffset: 500 * time.Millisecond,
		Scrapers: []Scraper{slowScraper{3 * time.Second}}})
	srv := httptest.NewServer(s.metricsHandler())
	defer srv.Close()
	for _, v := range []string{"NaN", "+Inf", "-Inf", "1e300", "-5", "9223372036.9"} {
		t.Run(v, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
			req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", v)
			start := time.Now()
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer resp.Body.Close()
			body, err := httputil.DumpResponse(resp, true)
			if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), `airudder_up{account="slow"} 0`) {
				t.Fatalf("code %d (%v), want 200 with airudder_up 0; body:\n%.2000s", resp.StatusCode, err, body)
			}
			// 0.3 s allowed; the API needs 3 s.
			if took := time.Since(start); took > 2500*time.Millisecond {
				t.Errorf("scrape took %v, longer than the default timeout allows", took)
			}
		})
	}
}

// The in-flight limit is shared by all scrapes (the promhttp handler itself
// is per request, so its own limit would never trigger).
func TestMetricsInFlightLimitIsShared(t *testing.T) {
	s, _ := newTestServer(t, "webhooks: {}\n", Options{DefaultScrapeTimeout: 1500 * time.Millisecond, Scrapers: []Scraper{slowScraper{3 * time.Second}}})
	h := s.metricsHandler()
	codes := make(chan int, maxScrapesInFlight+5)
	var wg sync.WaitGroup
	for i := 0; i < maxScrapesInFlight+5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			codes <- rec.Code
		}()
	}
	wg.Wait()
	close(codes)
	n := map[int]int{}
	for c := range codes {
		n[c]++
	}
	if n[http.StatusOK] > maxScrapesInFlight || n[http.StatusServiceUnavailable] == 0 {
		t.Fatalf("status counts %v: want at most %d OK and some 503", n, maxScrapesInFlight)
	}
}

// brokenPipeWriter accepts the first n bytes, then fails every write as a
// client that hung up does.
type brokenPipeWriter struct {
	h http.Header
	n int
}

func (w *brokenPipeWriter) Header() http.Header { return w.h }
func (w *brokenPipeWriter) WriteHeader(int)     {}
func (w *brokenPipeWriter) Write(b []byte) (int, error) {
	if w.n <= 0 {
		return 0, &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	}
	w.n -= len(b)
	return len(b), nil
}

// A scrape client hanging up is counted and logged once at debug level,
// not once per metric family at error level.
func TestScrapeClientHangUpLoggedOnce(t *testing.T) {
	s, logs := newTestServer(t, "webhooks:\n  token: x\n", Options{})
	h := s.metricsHandler()
	for i := 0; i < 3; i++ {
		// Gone before the first piece: the test server's answer is one piece.
		h.ServeHTTP(&brokenPipeWriter{h: http.Header{}, n: 0}, httptest.NewRequest("GET", "/metrics", nil))
	}
	out := logs.String()
	if n := strings.Count(out, "level=error"); n != 0 {
		t.Errorf("%d error lines for client hang-ups:\n%s", n, out)
	}
	if n := strings.Count(out, "hung up"); n != 3 {
		t.Errorf("%d debug lines for 3 hang-ups, want 3:\n%s", n, out)
	}
	if m := scrapeBody(t, s); !strings.Contains(m, "airudder_exporter_scrape_client_aborts_total 3") {
		t.Errorf("aborts not counted:\n%s", grepLines(m, "aborts"))
	}
}

// Other promhttp errors stay errors, with a space after the colon.
func TestPromLoggerSpacing(t *testing.T) {
	s, logs := newTestServer(t, "webhooks:\n  token: x\n", Options{})
	p := &promLogger{l: s.logger, aborts: s.scrapeAborts}
	p.Println("error encoding and sending metric family:", errors.New("boom"))
	if !strings.Contains(logs.String(), `msg="error encoding and sending metric family: boom"`) {
		t.Errorf("log line: %s", logs.String())
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// meetingScraper's collector reports whether the collector of its peer
// was running at the same time (met 1) or the scrape's deadline came first
// (met 0).
type meetingScraper struct {
	name       string
	self, peer chan struct{} // closed when the collector starts
}

func (m meetingScraper) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return meetingCollector{m, ctx}
}

type meetingCollector struct {
	meetingScraper
	ctx context.Context
}

func (c meetingCollector) desc() *prometheus.Desc {
	return prometheus.NewDesc("t_met_"+c.name, "Whether the peer's collector ran alongside.", nil, nil)
}

func (c meetingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc() }
func (c meetingCollector) Collect(ch chan<- prometheus.Metric) {
	close(c.self)
	met := 1.0
	select {
	case <-c.peer:
	case <-c.ctx.Done():
		met = 0
	}
	ch <- prometheus.MustNewConstMetric(c.desc(), prometheus.GaugeValue, met)
}

func TestMetricsCollectsScrapersConcurrently(t *testing.T) {
	a, b := make(chan struct{}), make(chan struct{})
	s, _ := newTestServer(t, "webhooks: {}\n", Options{DefaultScrapeTimeout: 5 * time.Second, Scrapers: []Scraper{
		meetingScraper{"a", a, b}, meetingScraper{"b", b, a},
	}})
	rec := httptest.NewRecorder()
	s.metricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{"t_met_a 1", "t_met_b 1"} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("no %s in:\n%.3000s", want, rec.Body.String())
		}
	}
}

func TestMetricsLeavesOutAScraperThatCannotRegister(t *testing.T) {
	conflicting := prometheus.NewDesc("airudder_up", "Another help.", []string{"account"}, nil)
	s, logs := newTestServer(t, "webhooks: {}\n", Options{DefaultScrapeTimeout: 5 * time.Second, Scrapers: []Scraper{
		slowScraper{0}, constScraper{prometheus.MustNewConstMetric(conflicting, prometheus.GaugeValue, 7, "x")},
	}})
	h := s.metricsHandler()
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if body := rec.Body.String(); rec.Code != 200 || !strings.Contains(body, `airudder_up{account="slow"} 1`) || strings.Contains(body, "Another help") {
			t.Fatalf("code %d; want the first scraper's series and not the conflicting one's:\n%.3000s", rec.Code, body)
		}
	}
	if n := strings.Count(logs.String(), "Cannot register scrape collector"); n != 1 {
		t.Errorf("logged %d times, want once:\n%s", n, logs.String())
	}
}

// constScraper's collector sends one metric.
type constScraper struct{ m prometheus.Metric }

func (c constScraper) ScrapeCollector(context.Context) prometheus.Collector { return c }
func (c constScraper) Describe(ch chan<- *prometheus.Desc)                  { ch <- c.m.Desc() }
func (c constScraper) Collect(ch chan<- prometheus.Metric)                  { ch <- c.m }

// deadlineRecorder is a ResponseRecorder that notes the write deadline in
// effect when the first byte of the answer is written.
type deadlineRecorder struct {
	*httptest.ResponseRecorder
	deadline, atFirstWrite time.Time
}

func (d *deadlineRecorder) SetWriteDeadline(t time.Time) error { d.deadline = t; return nil }
func (d *deadlineRecorder) SetReadDeadline(time.Time) error    { return nil }
func (d *deadlineRecorder) Write(b []byte) (int, error) {
	if d.atFirstWrite.IsZero() {
		d.atFirstWrite = d.deadline
	}
	return d.ResponseRecorder.Write(b)
}

// The answer is sent under writeGrace from the end of the render, whatever
// scrape timeout the client announced: a client announcing an hour and not
// reading would otherwise hold its connection and its rendered answer for
// an hour.
func TestMetricsSendDeadlineIgnoresAnnouncedTimeout(t *testing.T) {
	s, _ := newTestServer(t, "webhooks: {}\n", Options{})
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "3600")
	rec := &deadlineRecorder{ResponseRecorder: httptest.NewRecorder()}
	s.metricsHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.atFirstWrite.IsZero() {
		t.Fatalf("code %d, deadline at the first write %v; want 200 under a write deadline", rec.Code, rec.atFirstWrite)
	}
	if limit := time.Now().Add(writeGrace + 5*time.Second); rec.atFirstWrite.After(limit) {
		t.Errorf("answer sent under a write deadline %v from now, want at most writeGrace (%v)", time.Until(rec.atFirstWrite).Round(time.Second), writeGrace)
	}
}
