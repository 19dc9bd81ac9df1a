package receiver

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
)

// fakeClock is a settable clock for Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 12, 11, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testReceiver bundles a receiver with its registry and clock.
type testReceiver struct {
	*Receiver
	reg   *prometheus.Registry
	clock *fakeClock
	h     http.Handler
}

func newTestReceiver(t testing.TB, cfg config.Webhooks, storage string) *testReceiver {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	clock := newFakeClock()
	r, err := New(cfg, Options{Registerer: reg, StoragePath: storage, Now: clock.Now}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return &testReceiver{Receiver: r, reg: reg, clock: clock, h: r.Handler()}
}

// post sends body to path through the handler and returns the recorder.
func (tr *testReceiver) post(path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, req)
	return rec
}

// counterValue reads one series of a family from the registry (0 if absent).
func counterValue(t testing.TB, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			want := map[string]string{}
			for i := 0; i+1 < len(labels); i += 2 {
				want[labels[i]] = labels[i+1]
			}
			if len(want) != len(m.GetLabel()) {
				continue
			}
			for _, lp := range m.GetLabel() {
				if want[lp.GetName()] != lp.GetValue() {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue()
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount())
			}
		}
	}
	return 0
}

// One-record bodies of the test vendors (vendor_test.go).
const (
	acmeCall   = `{"items":[{"id":"call-1","kind":"A","n":5}]}`
	globexPush = `[{"id":"push-1","kind":"ivr","n":3}]`
)
