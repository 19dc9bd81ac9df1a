package webhookgolden

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	rtmetrics "runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"airudder_exporter/airudder"
	"airudder_exporter/config"
	"airudder_exporter/laaffic"
	"airudder_exporter/receiver"
)

// BenchmarkScrapeUnderLoad renders /metrics (OpenMetrics, as Prometheus
// asks for it) while goroutines post AiRudder single-call and LAAFFIC
// batch webhooks through the handler as fast as they can, with the real
// clock (exemplar timestamps). It reports the scrape latency percentiles;
// run it with -cpuprofile / -mutexprofile / -blockprofile to see where a
// scrape waits behind the hot path (BENCHMARKS.md, "/metrics under load").
func BenchmarkScrapeUnderLoad(b *testing.B) {
	for _, load := range []int{0, 2} {
		name := map[int]string{0: "idle", 2: "load"}[load]
		b.Run(name, func(b *testing.B) { benchScrapeUnderLoad(b, load) })
	}
}

func benchScrapeUnderLoad(b *testing.B, loaders int) {
	reg := prometheus.NewRegistry()
	r, err := receiver.New(config.Webhooks{}, receiver.Options{Registerer: reg}, airudder.NewWebhooks(), laaffic.NewPushes())
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	h := r.Handler()
	// Fill every family first, as a running exporter has.
	populate(b, &Receiver{Receiver: r, Reg: reg, Handler: h})

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var posted, failed atomic.Int64
	var seq atomic.Uint64
	for i := 0; i < loaders; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			path, st := pathAiRudder, NewIDStamper(AiRudderCalls(1))
			if i%2 == 1 {
				path, st = pathLaaffic, NewIDStamper(LaafficBatch(100))
			}
			st.Start(seq.Add(1) << 40)
			rd := bytes.NewReader(nil)
			req := httptest.NewRequest(http.MethodPost, path, nil)
			req.RemoteAddr = "127.0.0.1:40000"
			for {
				select {
				case <-stop:
					return
				default:
				}
				rd.Reset(st.Next())
				req.Body = io.NopCloser(rd)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					failed.Add(1)
				}
				posted.Add(1)
			}
		}(i)
	}
	mh := promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
	sreq := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	sreq.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
	var lat []time.Duration
	time.Sleep(50 * time.Millisecond) // let the loaders start
	// Where a scrape's time goes besides its own CPU: waiting to be
	// scheduled (runnable, no P free) and waiting for locks, from the
	// runtime's own accounting over the measured loop.
	rm := []rtmetrics.Sample{{Name: "/sched/latencies:seconds"}, {Name: "/sync/mutex/wait/total:seconds"}, {Name: "/gc/cycles/total:gc-cycles"}}
	rtmetrics.Read(rm)
	sched0 := rm[0].Value.Float64Histogram()
	sched0 = &rtmetrics.Float64Histogram{Counts: slices.Clone(sched0.Counts), Buckets: sched0.Buckets}
	mutex0, gc0 := rm[1].Value.Float64(), rm[2].Value.Uint64()
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		rec := httptest.NewRecorder()
		mh.ServeHTTP(rec, sreq)
		lat = append(lat, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
	rtmetrics.Read(rm)
	sched1 := rm[0].Value.Float64Histogram()
	mutexWait, gcs := rm[1].Value.Float64()-mutex0, rm[2].Value.Uint64()-gc0
	close(stop)
	wg.Wait()
	b.ReportMetric(histQuantile(sched0, sched1, 0.99)*1e3, "sched-wait-p99-ms")
	b.ReportMetric(mutexWait*1e3/float64(b.N), "mutex-wait-ms/scrape")
	b.ReportMetric(float64(gcs)/float64(b.N), "gc/scrape")
	if failed.Load() > 0 {
		b.Fatalf("%d webhook posts failed", failed.Load())
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
	if loaders > 0 {
		b.ReportMetric(float64(posted.Load())/float64(b.N), "posts/scrape")
	}
}

// histQuantile is the q-quantile (bucket upper bound) of the observations
// between two reads of a runtime/metrics histogram.
func histQuantile(before, after *rtmetrics.Float64Histogram, q float64) float64 {
	var total uint64
	d := make([]uint64, len(after.Counts))
	for i := range after.Counts {
		d[i] = after.Counts[i] - before.Counts[i]
		total += d[i]
	}
	if total == 0 {
		return 0
	}
	want := uint64(q * float64(total))
	var cum uint64
	for i, c := range d {
		cum += c
		if cum > want {
			return after.Buckets[i+1]
		}
	}
	return after.Buckets[len(after.Buckets)-1]
}
