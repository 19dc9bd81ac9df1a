package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// promhttpCompresses reports whether promhttp, offering identity and
// gzip, compresses its answer to a request with this Accept-Encoding.
func promhttpCompresses(acceptEncoding string) bool {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "c_total", Help: "c"}))
	ref := promhttp.HandlerFor(reg, promhttp.HandlerOpts{OfferedCompressions: []promhttp.Compression{promhttp.Identity, promhttp.Gzip}})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header["Accept-Encoding"] = []string{acceptEncoding}
	rec := httptest.NewRecorder()
	ref.ServeHTTP(rec, req)
	return rec.Header().Get("Content-Encoding") == "gzip"
}

// promhttp's own negotiation is the reference: a handler that compresses
// itself answers gzip exactly when wantsGzip says so.
func TestWantsGzipNegotiatesAsPromhttp(t *testing.T) {
	for _, ae := range []string{
		"", "gzip", "GZIP", "identity", "*", "gzip, identity", "identity, gzip", "gzip;q=1.0, identity;q=0.5",
		"identity;q=0.5, gzip", "gzip;q=0", "gzip;q=0, *;q=0.1", "*;q=0", "identity;q=0", "deflate, gzip, br, zstd",
		"gzip ; q=0.8, identity;q=0.9", "gzip;q=0.85, *;q=0.8", "br;q=1, gzip;q=0.5", "gzip;level=1", ",gzip",
		"gzip;q=2", "gzip;q=.5", "x-gzip, gzip;q=0.001", "gzip;q=0.1234, identity;q=0.123",
	} {
		checkWantsGzip(t, ae)
	}
}

func checkWantsGzip(t *testing.T, acceptEncoding string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header["Accept-Encoding"] = []string{acceptEncoding}
	if want, got := promhttpCompresses(acceptEncoding), wantsGzip(req); got != want {
		t.Errorf("Accept-Encoding %q: wantsGzip %v, promhttp compresses: %v", acceptEncoding, got, want)
	}
}

func FuzzWantsGzip(f *testing.F) {
	for _, ae := range []string{"gzip", "identity;q=0.5, gzip", "gzip;q=0, *;q=0.1", "gzip;q=1.0001, identity;q=1"} {
		f.Add(ae)
	}
	f.Fuzz(checkWantsGzip)
}

func TestMetricsAnswerIsGzipCompressedWhenAccepted(t *testing.T) {
	s, _ := newTestServer(t, "webhooks: {}\n", Options{})
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t_calls_total", Help: "Calls."}, []string{"r"})
	c.WithLabelValues("a").Add(3)
	s.reg.MustRegister(c)
	scrape := func(ae string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.Header.Set("Accept", openMetricsAccept)
		if ae != "" {
			req.Header.Set("Accept-Encoding", ae)
		}
		rec := httptest.NewRecorder()
		s.metricsHandler().ServeHTTP(rec, req)
		return rec
	}
	plain := scrape("")
	if e := plain.Header().Get("Content-Encoding"); e != "" {
		t.Errorf("Content-Encoding %q without Accept-Encoding", e)
	}
	rec := scrape("gzip")
	if e := rec.Header().Get("Content-Encoding"); e != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", e)
	}
	if ct, want := rec.Header().Get("Content-Type"), plain.Header().Get("Content-Type"); ct != want {
		t.Errorf("Content-Type %q, identity answer's %q", ct, want)
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := withoutValues(string(body)), withoutValues(plain.Body.String()); got != want {
		t.Errorf("decompressed answer:\n%s\nidentity answer:\n%s", got, want)
	}
	if l := rec.Header().Get("Content-Length"); l == "" {
		t.Error("no Content-Length")
	}
}
