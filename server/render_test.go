package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/encoding/protodelim"
	"google.golang.org/protobuf/proto"

	"airudder_exporter/internal/metricvec"
)

// fixedScraper is a poller whose scrape collector answers a constant up
// metric under name.
type fixedScraper struct{ name string }

func (s fixedScraper) ScrapeCollector(context.Context) prometheus.Collector {
	return fixedCollector{prometheus.NewDesc(s.name, "Whether the last fetch succeeded.", []string{"account"}, nil)}
}

type fixedCollector struct{ d *prometheus.Desc }

func (c fixedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.d }
func (c fixedCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.d, prometheus.GaugeValue, 1, "a")
	ch <- prometheus.MustNewConstMetric(c.d, prometheus.GaugeValue, 0, "b")
}

var renderLabelValues = []string{"a", "b", "z", "acct1", "acct10", `q"uote`, `back\slash`, "new\nline", "ünï", "日本", ""}

// renderTestServer is a server whose registry holds only deterministic
// collectors: text families before, between and after client_golang ones,
// an empty one, and client_golang counters, gauges, a histogram with an
// exemplar and a summary.
func renderTestServer(t testing.TB, scrapers ...Scraper) *Server {
	r := rand.New(rand.NewPCG(3, 4))
	reg := NewRegistry()
	for _, name := range []string{"aaa_first_total", "airudder_calls_total", "mmm_middle_total", "zzz_last_total", "bbb_empty_total"} {
		v := metricvec.NewCounterVec(prometheus.CounterOpts{Name: name, Help: `Calls "by" \ result` + "\nline two."}, []string{"result", "account"})
		if name != "bbb_empty_total" {
			for range 300 {
				v.WithLabelValues(renderLabelValues[r.IntN(len(renderLabelValues))]+fmt.Sprint(r.IntN(30)),
					renderLabelValues[r.IntN(len(renderLabelValues))]).Add(float64(r.IntN(3000000)) / float64(1+r.IntN(4)))
			}
		}
		reg.MustRegister(v)
	}
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ccc_client_golang_total", Help: "A client_golang family."}, []string{"l"})
	cv.WithLabelValues("x").Add(2.5)
	cv.WithLabelValues("a").Inc()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "nnn_gauge", Help: "A gauge."})
	g.Set(-3.25)
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ddd_duration_seconds", Help: "A histogram.", Buckets: []float64{1, 5},
		NativeHistogramBucketFactor: 1.1})
	h.(prometheus.ExemplarObserver).ObserveWithExemplar(0.5, prometheus.Labels{"id": "x1"})
	h.Observe(7)
	sm := prometheus.NewSummary(prometheus.SummaryOpts{Name: "sss_summary", Help: "A summary.", Objectives: map[float64]float64{0.5: 0.05}})
	sm.Observe(1)
	// Names only the UTF-8 scheme allows: escaped or quoted as the Accept
	// header asks, by client_golang's encoder (a metricvec family with such
	// names is gathered, not written directly).
	utf8Gauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ppp.dotted_gauge", Help: "A UTF-8 name."}, []string{"dotted.label"})
	utf8Gauge.WithLabelValues("v").Set(1)
	utf8Vec := metricvec.NewCounterVec(prometheus.CounterOpts{Name: "qqq.dotted_total", Help: "A UTF-8 name."}, []string{"l"})
	utf8Vec.WithLabelValues("v").Inc()
	reg.MustRegister(cv, g, h, sm, utf8Gauge, utf8Vec)
	return &Server{
		o:            Options{Scrapers: scrapers, DefaultScrapeTimeout: maxAnnouncedScrapeTimeout}, // no test waits that long
		logger:       log.NewNopLogger(),
		reg:          reg,
		scrapeAborts: prometheus.NewCounter(prometheus.CounterOpts{Name: "aborts_total", Help: "h"}),
	}
}

var renderAccepts = []string{
	openMetricsAccept,
	"application/openmetrics-text;version=0.0.1",
	"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8",
	"application/openmetrics-text;version=1.0.0;escaping=dots",
	"text/plain;version=0.0.4",
	"text/plain;version=0.0.4;escaping=values",
	"",
	"*/*",
	"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
	"application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=text",
}

// promhttpAnswer is what promhttp, instrumented as the server's handler
// is, answers over the server's registries.
func promhttpAnswer(t testing.TB, s *Server, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	scrape := prometheus.NewRegistry()
	for _, sc := range s.o.Scrapers {
		scrape.MustRegister(sc.ScrapeCollector(req.Context()))
	}
	gather := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) { return gatherBoth(scrape, s.reg) })
	h := promhttp.InstrumentMetricHandler(s.reg, promhttp.HandlerFor(gather, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError, EnableOpenMetrics: true, DisableCompression: true,
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// scrapeAndPromhttp scrapes s with accept, then answers the same request
// with promhttp (promhttpAnswer): both bodies without promhttp's scrape
// counters; an answer that differs in status or content type fails t.
func scrapeAndPromhttp(t testing.TB, s *Server, accept string) (got, want []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", accept)
	g := httptest.NewRecorder()
	s.metricsHandler().ServeHTTP(g, req)
	w := promhttpAnswer(t, s, req)
	ct := w.Header().Get("Content-Type")
	if g.Code != w.Code || g.Header().Get("Content-Type") != ct {
		t.Errorf("answer %d %q, promhttp's %d %q", g.Code, g.Header().Get("Content-Type"), w.Code, ct)
	}
	return withoutHandlerFamilies(t, g.Body.Bytes(), ct), withoutHandlerFamilies(t, w.Body.Bytes(), ct)
}

// withoutHandlerFamilies drops promhttp's own scrape counters, which count
// the scrapes of the comparison itself.
func withoutHandlerFamilies(t testing.TB, body []byte, contentType string) []byte {
	t.Helper()
	if strings.Contains(contentType, "encoding=delimited") {
		var out bytes.Buffer
		r := bytes.NewReader(body)
		for {
			var mf dto.MetricFamily
			if err := protodelim.UnmarshalFrom(r, &mf); err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(mf.GetName(), "promhttp_metric_handler_") {
				if _, err := protodelim.MarshalTo(&out, &mf); err != nil {
					t.Fatal(err)
				}
			}
		}
		return out.Bytes()
	}
	var out bytes.Buffer
	skip := false
	for _, line := range strings.SplitAfter(string(body), "\n") {
		if strings.HasPrefix(line, "name: ") || strings.HasPrefix(line, "# HELP ") {
			skip = strings.Contains(line, "promhttp_metric_handler_")
		}
		if !skip && !strings.HasPrefix(line, "promhttp_metric_handler_") {
			out.WriteString(line)
		}
	}
	return out.Bytes()
}

// The server's answer is promhttp's, byte for byte, in every format.
func TestScrapeAnswersAsPromhttp(t *testing.T) {
	s := renderTestServer(t, fixedScraper{"airudder_up"}, fixedScraper{"laaffic_up"})
	h := s.metricsHandler()
	for _, accept := range renderAccepts {
		t.Run(accept, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			if accept != "" {
				req.Header.Set("Accept", accept)
			}
			got := httptest.NewRecorder()
			h.ServeHTTP(got, req)
			want := promhttpAnswer(t, s, req)
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
				t.Fatalf("answer %d %q, promhttp's %d %q", got.Code, got.Header().Get("Content-Type"), want.Code, want.Header().Get("Content-Type"))
			}
			ct := want.Header().Get("Content-Type")
			g, w := withoutHandlerFamilies(t, got.Body.Bytes(), ct), withoutHandlerFamilies(t, want.Body.Bytes(), ct)
			if len(w) < 10000 {
				t.Fatalf("promhttp's answer is short (%d bytes); the comparison would prove little", len(w))
			}
			if !bytes.Equal(g, w) {
				t.Errorf("answer differs from promhttp's\n got: %.3000s\nwant: %.3000s", g, w)
			}
			// The text formats were written directly, not by promhttp.
			bw := getScrapeBuffer()
			defer putScrapeBuffer(bw)
			direct, _ := newDirectRender(s.reg.(*Registry)).render(bw, expfmt.NegotiateIncludingOpenMetrics(req.Header), nil, &promLogger{l: s.logger, aborts: s.scrapeAborts})
			if wantDirect := !strings.Contains(ct, "protobuf"); direct != wantDirect {
				t.Errorf("written directly: %v, want %v", direct, wantDirect)
			}
		})
	}
}

// A scraper's family with a text family's name: both answers go through
// client_golang's checks, and say the same.
func TestScrapeNameClashAnswersAsPromhttp(t *testing.T) {
	for _, name := range []string{"airudder_calls_total", "mmm_middle", "ddd_duration_seconds_count"} {
		s := renderTestServer(t, fixedScraper{name})
		if g, w := scrapeAndPromhttp(t, s, openMetricsAccept); !bytes.Equal(g, w) {
			t.Errorf("%s: answer differs from promhttp's\n got: %.2000s\nwant: %.2000s", name, g, w)
		}
	}
}

func TestTextsClash(t *testing.T) {
	v := func(name string) textFamily {
		return metricvec.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "h"}, nil)
	}
	mf := func(name string, typ dto.MetricType) *dto.MetricFamily {
		return &dto.MetricFamily{Name: proto.String(name), Type: typ.Enum()}
	}
	gathered := []*dto.MetricFamily{mf("a_total", dto.MetricType_COUNTER), mf("h", dto.MetricType_HISTOGRAM)}
	for _, c := range []struct {
		texts []textFamily
		want  bool
	}{
		{nil, false},
		{[]textFamily{v("b_total"), v("c_total")}, false},
		{[]textFamily{v("a_total")}, true},
		{[]textFamily{v("h_count")}, true},
		{[]textFamily{v("h_bucket")}, true},
		{[]textFamily{v("b_total"), v("b_total")}, true},
	} {
		if got := textsClash(newTextSet(c.texts), gathered); got != c.want {
			t.Errorf("textsClash(%d texts) = %v, want %v", len(c.texts), got, c.want)
		}
	}
}

// spanFamilies is a collector of several text families, named names.
type spanFamilies struct {
	*metricvec.CounterVec
	names []string
}

func (s spanFamilies) FamilyNames() []string { return s.names }

// A gathered family, or another text family, named between the first and
// the last name of a collector of several text families clashes: the
// collector's text would break the order of the answer.
func TestTextsClashInsideASpan(t *testing.T) {
	span := spanFamilies{metricvec.NewCounterVec(prometheus.CounterOpts{Name: "p_a_total", Help: "h"}, nil), []string{"p_a_total", "p_c", "p_e"}}
	mf := func(name string) *dto.MetricFamily {
		return &dto.MetricFamily{Name: proto.String(name), Type: dto.MetricType_GAUGE.Enum()}
	}
	for _, c := range []struct {
		texts    []textFamily
		gathered string
		want     bool
	}{
		{[]textFamily{span}, "p_b", true},
		{[]textFamily{span}, "p_d", true},
		{[]textFamily{span}, "p_c", true},
		{[]textFamily{span}, "p_f", false},
		{[]textFamily{span}, "p_", false},
		{[]textFamily{span, metricvec.NewCounterVec(prometheus.CounterOpts{Name: "p_d_total", Help: "h"}, nil)}, "z", true},
		{[]textFamily{span, metricvec.NewCounterVec(prometheus.CounterOpts{Name: "p_f_total", Help: "h"}, nil)}, "z", false},
	} {
		if got := textsClash(newTextSet(c.texts), []*dto.MetricFamily{mf(c.gathered)}); got != c.want {
			t.Errorf("textsClash(%d texts, %s) = %v, want %v", len(c.texts), c.gathered, got, c.want)
		}
	}
}

// Children added while scraping: every answer is a valid, sorted
// exposition (run with -race).
func TestScrapeWhileAddingChildren(t *testing.T) {
	s := renderTestServer(t)
	v := metricvec.NewCounterVec(prometheus.CounterOpts{Name: "growing_total", Help: "h"}, []string{"k"})
	s.reg.MustRegister(v)
	h := s.metricsHandler()
	adders := make(chan struct{}, 2)
	for w := range cap(adders) {
		go func() {
			defer func() { adders <- struct{}{} }()
			for i := range 3000 {
				v.WithLabelValues(fmt.Sprint(w, "-", i%1000)).Inc()
			}
		}()
	}
	for range 20 {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", "text/plain;version=0.0.4")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		p := expfmt.NewTextParser(model.UTF8Validation)
		if _, err := p.TextToMetricFamilies(rec.Body); err != nil {
			t.Fatalf("answer does not parse: %v", err)
		}
	}
	for range cap(adders) {
		<-adders
	}
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	got := httptest.NewRecorder()
	h.ServeHTTP(got, req)
	want := promhttpAnswer(t, s, req)
	if g, w := withoutHandlerFamilies(t, got.Body.Bytes(), ""), withoutHandlerFamilies(t, want.Body.Bytes(), ""); !bytes.Equal(g, w) {
		t.Error("answer after the additions differs from promhttp's")
	}
	if n := strings.Count(got.Body.String(), "\ngrowing_total{"); n != 2000 {
		t.Errorf("%d growing_total series, want 2000", n)
	}
}

// A text family unregistered is no longer written; registered again, it is.
func TestUnregisteredTextFamilyIsNotWritten(t *testing.T) {
	s := renderTestServer(t)
	v := metricvec.NewCounterVec(prometheus.CounterOpts{Name: "gone_total", Help: "h"}, []string{"k"})
	v.WithLabelValues("x").Inc()
	scrape := func() string {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", openMetricsAccept)
		rec := httptest.NewRecorder()
		s.metricsHandler().ServeHTTP(rec, req)
		return rec.Body.String()
	}
	s.reg.MustRegister(v)
	if !strings.Contains(scrape(), "\ngone_total{k=\"x\"} 1.0\n") {
		t.Fatal("registered family not written")
	}
	if !s.reg.Unregister(metricvec.NewCounterVec(prometheus.CounterOpts{Name: "gone_total", Help: "h"}, []string{"k"})) {
		t.Fatal("Unregister by an equal collector failed")
	}
	if strings.Contains(scrape(), "gone_total") {
		t.Error("unregistered family still written")
	}
	s.reg.MustRegister(v)
	if !strings.Contains(scrape(), "\ngone_total{k=\"x\"} 1.0\n") {
		t.Error("family registered again not written")
	}
}
