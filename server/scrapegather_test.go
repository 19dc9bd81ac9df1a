package server

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// countingScraper's collector sends metrics and counts its collections; on
// each it adds one to fetches, a long-lived counter, before sending.
type countingScraper struct {
	metrics  []prometheus.Metric
	collects *atomic.Int64
	fetches  prometheus.Counter
}

func (c countingScraper) ScrapeCollector(context.Context) prometheus.Collector { return c }
func (c countingScraper) Describe(ch chan<- *prometheus.Desc)                  { ch <- c.metrics[0].Desc() }
func (c countingScraper) Collect(ch chan<- prometheus.Metric) {
	c.collects.Add(1)
	c.fetches.Inc()
	for _, m := range c.metrics {
		ch <- m
	}
}

func newCountingScraper(t *testing.T, s *Server, metrics ...prometheus.Metric) countingScraper {
	fetches := prometheus.NewCounter(prometheus.CounterOpts{Name: "fetches_total", Help: "Fetches."})
	s.reg.MustRegister(fetches)
	return countingScraper{metrics: metrics, collects: new(atomic.Int64), fetches: fetches}
}

// A text scrape collects each scraper once, and the long-lived metrics
// after it: the fetch counter of the first scrape already counts it.
func TestTextScrapeCollectsScrapersOnceBeforeTheLongLived(t *testing.T) {
	s := renderTestServer(t)
	up := prometheus.NewDesc("airudder_up", "Up.", []string{"account"}, nil)
	sc := newCountingScraper(t, s, prometheus.MustNewConstMetric(up, prometheus.GaugeValue, 1, "a"))
	s.o.Scrapers = []Scraper{sc}
	h := s.metricsHandler()
	for i, want := range []string{"fetches_total 1.0\n", "fetches_total 2.0\n"} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", openMetricsAccept)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body := rec.Body.String()
		if !strings.Contains(body, "\n"+want) || !strings.Contains(body, "\nairudder_up{account=\"a\"} 1.0\n") {
			t.Fatalf("scrape %d: want %q and the scraper's series in:\n%.3000s", i+1, want, body)
		}
		if n := sc.collects.Load(); n != int64(i+1) {
			t.Fatalf("scrape %d: scraper collected %d times in all", i+1, n)
		}
	}
}

// A scrape whose combined gathering fails (a scraper's series collected
// twice, a scraper's family clashing with a long-lived one) answers what
// promhttp answers over the two registries, with the scraper collected once.
func TestTextScrapeGatheringErrorAnswersAsPromhttp(t *testing.T) {
	dup := prometheus.NewDesc("airudder_up", "Up.", []string{"account"}, nil)
	clash := prometheus.NewDesc("nnn_gauge", "Another help.", nil, nil)
	for name, metrics := range map[string][]prometheus.Metric{
		"duplicate series": {prometheus.MustNewConstMetric(dup, prometheus.GaugeValue, 1, "a"), prometheus.MustNewConstMetric(dup, prometheus.GaugeValue, 0, "a")},
		"help clash":       {prometheus.MustNewConstMetric(clash, prometheus.GaugeValue, 1)},
	} {
		t.Run(name, func(t *testing.T) {
			s := renderTestServer(t)
			sc := newCountingScraper(t, s, metrics...)
			s.o.Scrapers = []Scraper{sc}
			g, w := scrapeAndPromhttp(t, s, openMetricsAccept)
			if n := sc.collects.Load(); n != 2 {
				t.Fatalf("scraper collected %d times by the server and promhttp, want once each", n)
			}
			// promhttp's scrape counted one more fetch.
			w = bytes.Replace(w, []byte("fetches_total 2.0"), []byte("fetches_total 1.0"), 1)
			if !bytes.Equal(g, w) {
				t.Errorf("answer differs from promhttp's\n got: %.2000s\nwant: %.2000s", g, w)
			}
		})
	}
}

// Concurrent text scrapes each gather their own scrape's collectors.
func TestConcurrentTextScrapesGatherTheirOwnScrapers(t *testing.T) {
	s := renderTestServer(t, boundScraper{})
	h := s.metricsHandler()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 20 {
				account := string(rune('a' + i))
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				req = req.WithContext(context.WithValue(req.Context(), accountKey{}, account))
				req.Header.Set("Accept", openMetricsAccept)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if n := strings.Count(rec.Body.String(), "\nbound_up{"); n != 1 || !strings.Contains(rec.Body.String(), `bound_up{account="`+account+`"} 1.0`) {
					t.Errorf("scrape for %s: %d bound_up series:\n%s", account, n, grepLines(rec.Body.String(), "bound_up"))
					return
				}
			}
		})
	}
	wg.Wait()
}

type accountKey struct{}

// boundScraper's collector sends one series labelled with the account its
// scrape's context carries.
type boundScraper struct{}

var boundUp = prometheus.NewDesc("bound_up", "Up.", []string{"account"}, nil)

func (boundScraper) ScrapeCollector(ctx context.Context) prometheus.Collector {
	account, _ := ctx.Value(accountKey{}).(string)
	return constScraper{prometheus.MustNewConstMetric(boundUp, prometheus.GaugeValue, 1, account)}
}
