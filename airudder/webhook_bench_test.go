package airudder

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// Benchmarks print figures; none of them asserts a speed (the machine is
// shared). Every iteration carries new ids, so each record goes the whole
// way: decode, dedup (a miss), record.

func benchDecodeAiRudder(b *testing.B, calls int) {
	st := webhookgolden.NewIDStamper(webhookgolden.AiRudderCalls(calls))
	var d arDecoder
	batch := webhookBatch{strs: receiver.NewInterner(64)}
	b.ReportAllocs()
	b.SetBytes(int64(len(st.Body)))
	webhookgolden.AllocsPerRecord(b, calls, func() {
		for b.Loop() {
			if err := d.decode(st.Next(), &batch); err != nil || len(batch.Calls) != calls {
				b.Fatalf("decode: %v, %d calls", err, len(batch.Calls))
			}
		}
	})
}

// The decoder alone (no dedup, no metrics).
func BenchmarkDecodeAiRudderSingle(b *testing.B)  { benchDecodeAiRudder(b, 1) }
func BenchmarkDecodeAiRudderBatch10(b *testing.B) { benchDecodeAiRudder(b, 10) }

// Decode + record through the vendor's Body, called directly (no dedup).
func BenchmarkAiRudderSingle(b *testing.B) {
	webhookgolden.BenchBody(b, NewWebhooks(), webhookgolden.AiRudderCalls(1), 1)
}
func BenchmarkAiRudderBatch10(b *testing.B) {
	webhookgolden.BenchBody(b, NewWebhooks(), webhookgolden.AiRudderCalls(10), 10)
}

// The whole request through the receiver's HTTP handler.
func BenchmarkHandlerAiRudderSingle(b *testing.B) {
	webhookgolden.BenchHandler(b, NewWebhooks(), webhookPath, webhookgolden.AiRudderCalls(1), 1)
}
func BenchmarkHandlerAiRudderBatch10(b *testing.B) {
	webhookgolden.BenchHandler(b, NewWebhooks(), webhookPath, webhookgolden.AiRudderCalls(10), 10)
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoopback compares a real HTTP server on 127.0.0.1 that only
// reads the body ("bare") with the receiver ("receiver"), both posted the
// single-call AiRudder webhook by parallel keep-alive clients. The ratio of
// their ns/op is the receiver's throughput relative to a bare server.
func BenchmarkLoopback(b *testing.B) {
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"application/json"}
		_, _ = w.Write([]byte("{}"))
	})
	b.Run("bare", func(b *testing.B) { benchLoopback(b, bare) })
	b.Run("receiver", func(b *testing.B) {
		tr, _ := newWebhookReceiver(b, config.Webhooks{})
		benchLoopback(b, tr.Handler)
	})
}

func benchLoopback(b *testing.B, h http.Handler) {
	srv := httptest.NewServer(h)
	defer srv.Close()
	tp := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tp.CloseIdleConnections()
	client := &http.Client{Transport: tp}
	url := srv.URL + webhookPath
	body := webhookgolden.AiRudderCalls(1)
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
		st := webhookgolden.NewIDStamper(body)
		st.Start(seq.Add(1) << 40) // disjoint id ranges per goroutine
		rd := bytes.NewReader(nil)
		for pb.Next() {
			rd.Reset(st.Next())
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
