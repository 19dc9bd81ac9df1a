package receiver

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"airudder_exporter/config"
)

// Benchmarks print figures; none of them asserts a speed (the machine is
// shared). Every iteration carries new ids, so each record goes the whole
// way: decode, dedup (a miss), record.

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// allocsPerRecord reports heap allocations per record around fn.
func allocsPerRecord(b *testing.B, records int, fn func()) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	if b.N > 0 && records > 0 {
		b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*records), "allocs/record")
	}
}

func benchDecodeAiRudder(b *testing.B, calls int) {
	st := newIDStamper(airudderBody(calls))
	var d arDecoder
	var batch AiRudderBatch
	b.ReportAllocs()
	b.SetBytes(int64(len(st.body)))
	allocsPerRecord(b, calls, func() {
		for b.Loop() {
			if err := d.decode(st.next(), &batch); err != nil || len(batch.Calls) != calls {
				b.Fatalf("decode: %v, %d calls", err, len(batch.Calls))
			}
		}
	})
}

func benchDecodeLaaffic(b *testing.B, body string, records int) {
	st := newIDStamper(body)
	var d laDecoder
	var batch LaafficBatch
	b.ReportAllocs()
	b.SetBytes(int64(len(st.body)))
	allocsPerRecord(b, records, func() {
		for b.Loop() {
			if err := d.decode(st.next(), &batch); err != nil || len(batch.Calls) != records {
				b.Fatalf("decode: %v, %d calls %v", err, len(batch.Calls), batch.Invalid)
			}
		}
	})
}

// Decoders alone (no dedup, no metrics).
func BenchmarkDecodeAiRudderSingle(b *testing.B)  { benchDecodeAiRudder(b, 1) }
func BenchmarkDecodeAiRudderBatch10(b *testing.B) { benchDecodeAiRudder(b, 10) }
func BenchmarkDecodeLaafficSingle(b *testing.B)   { benchDecodeLaaffic(b, laafficRecord(0), 1) }
func BenchmarkDecodeLaafficBatch100(b *testing.B) { benchDecodeLaaffic(b, laafficBatchBody(100), 100) }

// Decode + dedup + record, called directly.
func benchDirectAiRudder(b *testing.B, calls int) {
	tr := newTestReceiver(b, config.Webhooks{}, "")
	st := newIDStamper(airudderBody(calls))
	var d arDecoder
	var batch AiRudderBatch
	now := tr.clock.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(st.body)))
	allocsPerRecord(b, calls, func() {
		for b.Loop() {
			if err := d.decode(st.next(), &batch); err != nil {
				b.Fatal(err)
			}
			tr.rec.airudder(&batch, "default", now)
		}
	})
	if got := counterValue(b, tr.reg, "airudder_exporter_webhook_records_total", "source", "airudder", "outcome", "duplicate"); got != 0 {
		b.Fatalf("%v duplicates: ids not unique", got)
	}
}

func benchDirectLaaffic(b *testing.B, body string, records int) {
	tr := newTestReceiver(b, config.Webhooks{}, "")
	st := newIDStamper(body)
	var d laDecoder
	var batch LaafficBatch
	now := tr.clock.Now()
	b.ReportAllocs()
	b.SetBytes(int64(len(st.body)))
	allocsPerRecord(b, records, func() {
		for b.Loop() {
			if err := d.decode(st.next(), &batch); err != nil {
				b.Fatal(err)
			}
			tr.rec.laaffic(&batch, "default", now)
		}
	})
}

func BenchmarkAiRudderSingle(b *testing.B)  { benchDirectAiRudder(b, 1) }
func BenchmarkAiRudderBatch10(b *testing.B) { benchDirectAiRudder(b, 10) }
func BenchmarkLaafficSingle(b *testing.B)   { benchDirectLaaffic(b, laafficRecord(0), 1) }
func BenchmarkLaafficBatch100(b *testing.B) { benchDirectLaaffic(b, laafficBatchBody(100), 100) }

// The same through the HTTP handler (httptest.NewRecorder).
func benchHandler(b *testing.B, path, body string, records int) {
	tr := newTestReceiver(b, config.Webhooks{Token: "s3cret"}, "")
	st := newIDStamper(body)
	rd := bytes.NewReader(nil)
	req := httptest.NewRequest(http.MethodPost, path+"?token=s3cret", nil)
	req.RemoteAddr = "127.0.0.1:40000"
	b.ReportAllocs()
	b.SetBytes(int64(len(st.body)))
	allocsPerRecord(b, records, func() {
		for b.Loop() {
			data := st.next()
			rd.Reset(data)
			req.Body = io.NopCloser(rd)
			req.ContentLength = int64(len(data))
			rec := httptest.NewRecorder()
			tr.h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
}

func BenchmarkHandlerAiRudderSingle(b *testing.B) {
	benchHandler(b, PathAiRudder, airudderBody(1), 1)
}
func BenchmarkHandlerAiRudderBatch10(b *testing.B) {
	benchHandler(b, PathAiRudder, airudderBody(10), 10)
}
func BenchmarkHandlerLaafficSingle(b *testing.B) {
	benchHandler(b, PathLaaffic, laafficRecord(0), 1)
}
func BenchmarkHandlerLaafficBatch100(b *testing.B) {
	benchHandler(b, PathLaaffic, laafficBatchBody(100), 100)
}

// BenchmarkRender renders /metrics with every receiver family populated.
func BenchmarkRender(b *testing.B) {
	tr := newTestReceiver(b, config.Webhooks{}, "")
	populate(b, tr)
	h := promhttp.HandlerFor(tr.reg, promhttp.HandlerOpts{})
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
func populate(tb testing.TB, tr *testReceiver) {
	st := newIDStamper(airudderBody(10))
	for range 20 {
		if rec := tr.post(PathAiRudder, st.next()); rec.Code != http.StatusOK {
			tb.Fatal(rec.Code, rec.Body)
		}
	}
	lt := newIDStamper(laafficBatchBody(100))
	for range 5 {
		if rec := tr.post(PathLaaffic, lt.next()); rec.Code != http.StatusOK {
			tb.Fatal(rec.Code, rec.Body)
		}
	}
	tr.post(PathAiRudder, []byte(`{"task_id":"t1","status":"finished"}`))
	tr.post(PathAiRudder, []byte(`{"workflow_id":"w1","case_id":"c1","call_id":"wf1","result":"finished","duration":30}`))
	tr.post(PathLaaffic, []byte(`[{"voiceId":"x1","callDuration":-1}]`))
}

// BenchmarkLoopback compares a real HTTP server on 127.0.0.1 that only
// reads the body ("bare") with the receiver ("receiver"), both posted the
// single-call AiRudder webhook by parallel keep-alive clients. The ratio of
// their ns/op is the receiver's throughput relative to a bare server.
func BenchmarkLoopback(b *testing.B) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = jsonContentType
		_, _ = w.Write(okBody)
	})
	b.Run("bare", func(b *testing.B) { benchLoopback(b, bare) })
	b.Run("receiver", func(b *testing.B) {
		tr := newTestReceiver(b, config.Webhooks{}, "")
		benchLoopback(b, tr.h)
	})
}

func benchLoopback(b *testing.B, h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	tp := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tp.CloseIdleConnections()
	client := &http.Client{Transport: tp}
	url := srv.URL + PathAiRudder
	body := airudderBody(1)
	var seq atomic.Uint64
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.SetParallelism(4)
	cpu0 := cpuTime()
	defer func() {
		// CPU time (client and server together) per request: on a busy
		// shared machine a steadier figure than wall time per op.
		b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}()
	b.RunParallel(func(pb *testing.PB) {
		st := newIDStamper(body)
		st.n = seq.Add(1) << 40 // disjoint id ranges per goroutine
		rd := bytes.NewReader(nil)
		for pb.Next() {
			rd.Reset(st.next())
			resp, err := client.Post(url, "application/json", rd)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}
