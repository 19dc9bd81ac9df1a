package metricvec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// callDurations are integer call durations in seconds, most of a few
// minutes, some of an hour: what a webhook body's records observe.
func callDurations(n int) []float64 {
	r := rand.New(rand.NewPCG(1, 1))
	vs := make([]float64, n)
	for i := range vs {
		vs[i] = math.Min(math.Round(r.ExpFloat64()*120), 4000)
	}
	return vs
}

// benchObservers are the two histograms a benchmark compares, with the
// exporter's options: client_golang's child and metricvec's.
func benchObservers() []struct {
	name string
	new  func() prometheus.Observer
} {
	opts := receiverOpts("bench_call_duration_seconds", callDurationBuckets)
	labels := []string{"account", "outcome"}
	return []struct {
		name string
		new  func() prometheus.Observer
	}{
		{"impl=client_golang", func() prometheus.Observer {
			return prometheus.NewHistogramVec(opts, labels).WithLabelValues("acct1", "answered")
		}},
		{"impl=metricvec", func() prometheus.Observer {
			return NewHistogramVec(opts, labels).WithLabelValues("acct1", "answered")
		}},
	}
}

func BenchmarkHistogramObserve(b *testing.B) {
	vs := callDurations(1024)
	for _, o := range benchObservers() {
		b.Run(o.name, func(b *testing.B) {
			h := o.new()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				h.Observe(vs[i&1023])
			}
		})
		b.Run(o.name+"/parallel", func(b *testing.B) {
			h := o.new()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					h.Observe(vs[i&1023])
				}
			})
		})
	}
}

// BenchmarkHistogramObserveMany100 observes a webhook body's 100 call
// durations per op: one ObserveMany against 100 Observe calls.
func BenchmarkHistogramObserveMany100(b *testing.B) {
	vs := callDurations(100 * 64)
	for _, o := range benchObservers() {
		h := o.new()
		body := func(i int) {
			j := i % 64 * 100
			if m, ok := h.(*Histogram); ok {
				m.ObserveMany(vs[j : j+100])
				return
			}
			for _, v := range vs[j : j+100] {
				h.Observe(v)
			}
		}
		b.Run(o.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				body(i)
			}
		})
		b.Run(o.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					body(i)
				}
			})
		})
	}
}
