package receiver

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// testReceiver bundles a receiver with its registry and clock.
type testReceiver struct {
	*Receiver
	reg   *prometheus.Registry
	clock *testkit.Clock
	h     http.Handler
}

func newTestReceiver(t testing.TB, cfg config.Webhooks, storage string) *testReceiver {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	clock := testkit.NewClock(time.Date(2025, 12, 11, 10, 0, 0, 0, time.UTC))
	r, err := New(cfg, Options{Registerer: reg, StoragePath: storage, Now: clock.Now}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return &testReceiver{Receiver: r, reg: reg, clock: clock, h: r.Handler()}
}

// post sends body to path through the handler and returns the recorder.
func (tr *testReceiver) post(path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	return testkit.PostJSON(tr.h, path, body, hdr...)
}

// One-record bodies of the test vendors (vendor_test.go).
const (
	acmeCall   = `{"items":[{"id":"call-1","kind":"A","n":5}]}`
	globexPush = `[{"id":"push-1","kind":"ivr","n":3}]`
)
