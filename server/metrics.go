package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/internal/slot"
)

// maxAnnouncedScrapeTimeout is the longest scrape timeout a client may
// announce; a longer one (or a non-finite one) is not a Prometheus
// setting but a broken or hostile client, and gets the default. It also
// keeps the conversion to a Duration from overflowing.
const maxAnnouncedScrapeTimeout = time.Hour

// scrapeTimeout is how long this /metrics request may wait for upstream
// data: Prometheus' announced timeout minus an offset, so the answer
// arrives before Prometheus gives up on the scrape.
func scrapeTimeout(r *http.Request, offset, def time.Duration) time.Duration {
	v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return def
	}
	secs, err := strconv.ParseFloat(v, 64)
	// NaN fails every comparison: only a value inside the range passes.
	if err != nil || !(secs > 0 && secs <= maxAnnouncedScrapeTimeout.Seconds()) {
		return def
	}
	t := time.Duration(secs*float64(time.Second)) - offset
	if min := 100 * time.Millisecond; t < min {
		// An offset larger than the timeout would leave no time at all;
		// keep a sliver so cached data can still be served.
		t = min
	}
	return t
}

// maxScrapesInFlight bounds concurrent /metrics renders; a request that
// finds no slot waits up to scrapeSlotWait (a burst of clients must not
// turn Prometheus' scrape into a 503), then gets 503 as promhttp's own
// MaxRequestsInFlight would answer.
const (
	maxScrapesInFlight = 20
	scrapeSlotWait     = time.Second
)

// metricsHandler gathers the long-lived registry plus the scrapers'
// collectors bound to this scrape's deadline, so a slow upstream API costs
// its up metric 0, never a failed scrape. The promhttp handler, when one
// answers, is built per request (its gatherer holds the request's
// deadline), so the in-flight limit is kept here, shared.
func (s *Server) metricsHandler() http.Handler {
	opts := promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true, // exemplars on the duration histograms
		// The buffered answer is compressed by metricsHandler (gzip.go).
		DisableCompression: true,
	}
	slots := slot.New(maxScrapesInFlight)
	scrapers := s.registrableScrapers()
	formats := newFormatCache()
	var direct *directRender
	if long, ok := s.reg.(*Registry); ok {
		direct = newDirectRender(long)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		// A scrape has no body. A GET announcing one is a client holding the
		// connection (or probing): answered at once and closed, without
		// spending a render on it.
		if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
			http.Error(w, "a scrape request has no body", http.StatusBadRequest)
			return
		}
		if !slots.Acquire(r.Context(), scrapeSlotWait) {
			http.Error(w, fmt.Sprintf("limit of concurrent requests reached (%d), try again later", maxScrapesInFlight), http.StatusServiceUnavailable)
			return
		}
		released := false
		defer func() {
			if !released {
				slots.Release()
			}
		}()
		timeout := scrapeTimeout(r, s.o.ScrapeTimeoutOffset, s.o.DefaultScrapeTimeout)
		// The connection is held for the scrape's own deadline, not the
		// server's read timeout (whose expiry during a long scrape would
		// cancel the request), and its answer may take writeGrace to send.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(timeout + writeGrace))
		_ = rc.SetWriteDeadline(time.Now().Add(timeout + writeGrace))
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		bound := make(scrapeCollectors, len(scrapers))
		for i, sc := range scrapers {
			bound[i] = sc.ScrapeCollector(ctx)
		}
		pl := &promLogger{l: s.logger, aborts: s.scrapeAborts} // per scrape: logs a hang-up once
		// The answer is rendered into a buffer and the slot given back
		// before it is sent: a client that requests /metrics and then does
		// not read (a stalled attacker, a stuck proxy) must hold its own
		// connection until the write deadline, not one of the slots every
		// real scrape needs. The buffer is one answer per connection, and
		// connections are capped (--web.max-connections).
		bw := getScrapeBuffer()
		defer putScrapeBuffer(bw)
		format := formats.negotiate(r.Header)
		// The scrape's collectors are collected first, once: collecting them
		// runs the fetch, so the request counters collected after them
		// already include this scrape. A text answer is written directly
		// (render.go); promhttp writes any other.
		var (
			rendered bool
			scraped  gathered
		)
		if direct != nil && isTextFormat(format) {
			rendered, scraped = direct.render(bw, format, bound, pl)
		} else {
			scraped = gatherOnce(bound)
		}
		if !rendered {
			reqOpts := opts
			reqOpts.ErrorLog = pl
			gather := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return gatherBoth(scraped, s.reg) })
			promhttp.HandlerFor(gather, reqOpts).ServeHTTP(bw, r)
		}
		if (bw.status == 0 || bw.status == http.StatusOK) && wantsGzip(r) {
			bw.gzipBody()
		}
		slots.Release()
		released = true
		// Sending gets writeGrace from now, however long the client
		// announced its scrape to be: the announced timeout bounds the
		// render, and a client that announces an hour and then does not
		// read must not hold its connection (and this buffer) for an hour.
		_ = rc.SetWriteDeadline(time.Now().Add(writeGrace))
		// The answer depends on both headers: a cache between scraper and
		// exporter must not give one client's gzip or protobuf to another.
		w.Header().Set("Vary", "Accept, Accept-Encoding")
		bw.sendTo(w, pl)
	})
	return promhttp.InstrumentMetricHandler(s.reg, h)
}

// registrableScrapers are the scrapers whose scrape collectors register
// together; each other one is logged and left out. A scrape collector's
// descriptions do not depend on the scrape, so checking them once stands
// for every scrape, which then spends no registration (a goroutine and the
// checks of every description, per scraper) on them.
func (s *Server) registrableScrapers() []Scraper {
	check := prometheus.NewRegistry()
	var ok []Scraper
	for _, sc := range s.o.Scrapers {
		if err := check.Register(sc.ScrapeCollector(context.Background())); err != nil {
			level.Error(s.logger).Log("msg", "Cannot register scrape collector", "err", err)
			continue
		}
		ok = append(ok, sc)
	}
	return ok
}

// scrapeCollectors are one scrape's collectors, collected as one collector
// (registered unchecked): a prometheus.Registry starts a goroutine per
// collector and yields the gathering goroutine after each (to the back of
// the run queue, behind every busy webhook handler). They are collected concurrently all
// the same: each may wait for its upstream API until the scrape's deadline,
// and a scrape waits for the slowest, not for the sum.
type scrapeCollectors []prometheus.Collector

func (scrapeCollectors) Describe(chan<- *prometheus.Desc) {}

func (cs scrapeCollectors) Collect(ch chan<- prometheus.Metric) {
	if len(cs) == 0 {
		return
	}
	var wg sync.WaitGroup
	for _, c := range cs[1:] {
		wg.Go(func() { c.Collect(ch) })
	}
	cs[0].Collect(ch)
	wg.Wait()
}

// promLogger receives promhttp's errors for one scrape. A client that hangs
// up mid-answer (curl | head, a Prometheus scrape timeout) makes every
// further write fail, once per metric family: that is not an error of the
// exporter, so it is counted and logged once, at debug level.
type promLogger struct {
	l       log.Logger
	aborts  prometheus.Counter
	aborted bool // one scrape is served by one goroutine
}

func (p *promLogger) Println(v ...any) {
	for _, a := range v {
		if err, ok := a.(error); ok && clientGone(err) {
			if !p.aborted {
				p.aborted = true
				p.aborts.Inc()
				level.Debug(p.l).Log("msg", "Scrape client hung up before the answer was complete", "err", err)
			}
			return
		}
	}
	if p.aborted {
		return // follow-on errors of the same hang-up
	}
	// Sprintln puts a space between every operand (Sprint does not between
	// a string and an error: "family:write ...").
	level.Error(p.l).Log("msg", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// clientGone tells a write to a client that went away from a real error.
func clientGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, http.ErrHandlerTimeout) || errors.Is(err, context.Canceled)
}
