package server

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"airudder_exporter/internal/metricvec"
)

// openMetricsAccept is the Accept header Prometheus scrapes with.
const openMetricsAccept = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4"

// processCPU is the CPU time (user + system) the process has used.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchScrape serves b.N scrapes of h and reports the process CPU per
// scrape and per sample line of the answer (gathering runs on goroutines
// of its own, so wall time alone would miss part of it).
func benchScrape(b *testing.B, h http.Handler, acceptEncoding string) {
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", openMetricsAccept)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("scrape answered %d: %s", rec.Code, rec.Body)
	}
	answer := rec.Body.Bytes()
	if rec.Header().Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(rec.Body)
		if err != nil {
			b.Fatal(err)
		}
		if answer, err = io.ReadAll(zr); err != nil {
			b.Fatal(err)
		}
	}
	samples := 0
	for _, line := range bytesLines(answer) {
		if len(line) > 0 && line[0] != '#' {
			samples++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU(b)
	for i := 0; i < b.N; i++ {
		w := discardWriter{header: http.Header{}}
		h.ServeHTTP(&w, req)
	}
	cpu := processCPU(b) - cpu0
	b.StopTimer()
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(samples), "samples")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(samples), "cpu-ns/sample")
}

func bytesLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != '\n' {
			i++
		}
		out = append(out, b[:i])
		if i < len(b) {
			i++
		}
		b = b[i:]
	}
	return out
}

var (
	vendorLikeOpts   = prometheus.CounterOpts{Name: "airudder_webhook_calls_total", Help: "Calls by account and result."}
	vendorLikeLabels = []string{"account", "result"}
)

// discardWriter is a ResponseWriter that throws the answer away.
type discardWriter struct{ header http.Header }

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(p []byte) (int, error) { return io.Discard.Write(p) }

// BenchmarkScrape: a /metrics scrape through the server's handler, its
// answer plain and gzip-compressed, with the default collectors alone (Go
// runtime, process, build info, the server's own), and with a vendor-like
// family of 4 000 and of 80 000 series: a metricvec family, as the
// exporter's webhook families are ("server"), and a client_golang one
// ("server-client_golang"); then the server's process collector,
// client_golang's and the Go runtime collector each alone behind promhttp.
func BenchmarkScrape(b *testing.B) {
	families := map[string]func() (prometheus.Collector, func(...string) prometheus.Counter){
		"server": func() (prometheus.Collector, func(...string) prometheus.Counter) {
			v := metricvec.NewCounterVec(vendorLikeOpts, vendorLikeLabels)
			return v, func(lvs ...string) prometheus.Counter { return v.WithLabelValues(lvs...) }
		},
		"server-client_golang": func() (prometheus.Collector, func(...string) prometheus.Counter) {
			v := prometheus.NewCounterVec(vendorLikeOpts, vendorLikeLabels)
			return v, v.WithLabelValues
		},
	}
	for _, family := range []string{"server", "server-client_golang"} {
		for _, enc := range []string{"", "gzip"} {
			prefix := family
			if enc != "" {
				prefix += "-" + enc
			}
			for _, series := range []int{0, 4000, 80000} {
				if family != "server" && series == 0 {
					continue // the same as server/vendor-series=0
				}
				b.Run(prefix+"/vendor-series="+strconv.Itoa(series), func(b *testing.B) {
					s, _ := newTestServer(b, "airudder:\n  accounts: []\n", Options{})
					if series > 0 {
						v, child := families[family]()
						for i := 0; i < series; i++ {
							child(fmt.Sprintf("acct%d", i%20), fmt.Sprintf("result-%d", i)).Add(float64(i))
						}
						s.reg.MustRegister(v)
					}
					benchScrape(b, s.metricsHandler(), enc)
				})
			}
		}
	}
	for name, c := range map[string]prometheus.Collector{
		"process-collector":               newProcessCollector(),
		"client_golang-process-collector": collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		"go-collector":                    collectors.NewGoCollector(),
	} {
		b.Run(name, func(b *testing.B) {
			reg := prometheus.NewRegistry()
			reg.MustRegister(c)
			benchScrape(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}), "")
		})
	}
}
