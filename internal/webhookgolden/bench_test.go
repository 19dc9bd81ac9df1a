package webhookgolden

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"airudder_exporter/config"
)

// Benchmarks print figures; none of them asserts a speed (the machine is
// shared).

// BenchmarkRender renders /metrics with every receiver family populated.
func BenchmarkRender(b *testing.B) {
	tr := newGoldenReceiver(b, config.Webhooks{})
	populate(b, tr)
	h := promhttp.HandlerFor(tr.Reg, promhttp.HandlerOpts{})
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

// populate fills every family with a spread of label values.
func populate(tb testing.TB, tr *Receiver) {
	st := NewIDStamper(AiRudderCalls(10))
	for range 20 {
		if rec := tr.Post(pathAiRudder, st.Next()); rec.Code != http.StatusOK {
			tb.Fatal(rec.Code, rec.Body)
		}
	}
	lt := NewIDStamper(LaafficBatch(100))
	for range 5 {
		if rec := tr.Post(pathLaaffic, lt.Next()); rec.Code != http.StatusOK {
			tb.Fatal(rec.Code, rec.Body)
		}
	}
	tr.Post(pathAiRudder, []byte(`{"task_id":"t1","status":"finished"}`))
	tr.Post(pathAiRudder, []byte(`{"workflow_id":"w1","case_id":"c1","call_id":"wf1","result":"finished","duration":30}`))
	tr.Post(pathLaaffic, []byte(`[{"voiceId":"x1","callDuration":-1}]`))
}
