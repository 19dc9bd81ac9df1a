package server

import (
	"bytes"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func ourGoCollector(t *testing.T) *goCollector {
	t.Helper()
	c, ok := newGoCollector().(*goCollector)
	if !ok {
		t.Fatal("newGoCollector fell back to client_golang's: its families are not the ones goCollector reads")
	}
	return c
}

// The same families, help and types as client_golang's default Go
// collector, and the same values where they cannot move between two reads.
func TestGoCollectorExposesClientGolangsSeries(t *testing.T) {
	ours := ourGoCollector(t)
	_, theirsBefore := gatherText(t, collectors.NewGoCollector())
	ourText, ourMF := gatherText(t, ours)
	theirText, theirMF := gatherText(t, collectors.NewGoCollector())
	checkSameSeries(t, ourText, theirText)
	for _, name := range []string{"go_gc_gogc_percent", "go_gc_gomemlimit_bytes", "go_sched_gomaxprocs_threads", "go_info"} {
		if o, c := sampleValue(ourMF, name), sampleValue(theirMF, name); o != c {
			t.Errorf("%s = %v, client_golang's %v", name, o, c)
		}
	}
	if o := sampleValue(ourMF, "go_sched_gomaxprocs_threads"); o != float64(runtime.GOMAXPROCS(0)) {
		t.Errorf("go_sched_gomaxprocs_threads = %v, GOMAXPROCS %d", o, runtime.GOMAXPROCS(0))
	}
	// Moving, but not far between two reads; and never below what was
	// read before (the counters) or what must be (a goroutine, a thread).
	for _, name := range []string{"go_goroutines", "go_threads", "go_memstats_sys_bytes", "go_memstats_heap_sys_bytes", "go_memstats_stack_sys_bytes", "go_memstats_next_gc_bytes"} {
		o, c := sampleValue(ourMF, name), sampleValue(theirMF, name)
		if o < 1 || o > 2*c+64 || c > 2*o+64 {
			t.Errorf("%s = %v, client_golang's %v", name, o, c)
		}
	}
	// Threads are counted as created: never fewer later.
	if b, o, a := sampleValue(theirsBefore, "go_threads"), sampleValue(ourMF, "go_threads"), sampleValue(theirMF, "go_threads"); o < b || o > a {
		t.Errorf("go_threads = %v, client_golang's %v before and %v after", o, b, a)
	}
	_, later := gatherText(t, ours)
	for _, name := range []string{"go_memstats_alloc_bytes_total", "go_memstats_mallocs_total", "go_memstats_frees_total"} {
		if a, b := sampleValue(ourMF, name), sampleValue(later, name); a <= 0 && name != "go_memstats_frees_total" || b < a || sampleValue(theirMF, name) < a {
			t.Errorf("%s: %v, then %v; client_golang's in between %v", name, a, b, sampleValue(theirMF, name))
		}
	}
	runtime.GC()
	_, afterGC := gatherText(t, ours)
	gc := func(m map[string]*dto.MetricFamily) uint64 {
		return m["go_gc_duration_seconds"].GetMetric()[0].GetSummary().GetSampleCount()
	}
	if gc(afterGC) <= gc(ourMF) {
		t.Errorf("go_gc_duration_seconds_count %d after a GC, %d before", gc(afterGC), gc(ourMF))
	}
	if last := sampleValue(afterGC, "go_memstats_last_gc_time_seconds"); last < sampleValue(ourMF, "go_memstats_last_gc_time_seconds") || last < 1e9 {
		t.Errorf("go_memstats_last_gc_time_seconds %v after a GC", last)
	}
}

// The memstats families equal runtime.ReadMemStats read right after them:
// an oracle for which runtime/metrics classes each one sums.
func TestGoCollectorMemstatsAreReadMemStats(t *testing.T) {
	c := ourGoCollector(t)
	fields := map[string]func(*runtime.MemStats) uint64{
		"go_memstats_alloc_bytes":         func(m *runtime.MemStats) uint64 { return m.Alloc },
		"go_memstats_alloc_bytes_total":   func(m *runtime.MemStats) uint64 { return m.TotalAlloc },
		"go_memstats_buck_hash_sys_bytes": func(m *runtime.MemStats) uint64 { return m.BuckHashSys },
		"go_memstats_frees_total":         func(m *runtime.MemStats) uint64 { return m.Frees },
		"go_memstats_gc_sys_bytes":        func(m *runtime.MemStats) uint64 { return m.GCSys },
		"go_memstats_heap_alloc_bytes":    func(m *runtime.MemStats) uint64 { return m.HeapAlloc },
		"go_memstats_heap_idle_bytes":     func(m *runtime.MemStats) uint64 { return m.HeapIdle },
		"go_memstats_heap_inuse_bytes":    func(m *runtime.MemStats) uint64 { return m.HeapInuse },
		"go_memstats_heap_objects":        func(m *runtime.MemStats) uint64 { return m.HeapObjects },
		"go_memstats_heap_released_bytes": func(m *runtime.MemStats) uint64 { return m.HeapReleased },
		"go_memstats_heap_sys_bytes":      func(m *runtime.MemStats) uint64 { return m.HeapSys },
		"go_memstats_mallocs_total":       func(m *runtime.MemStats) uint64 { return m.Mallocs },
		"go_memstats_mcache_inuse_bytes":  func(m *runtime.MemStats) uint64 { return m.MCacheInuse },
		"go_memstats_mcache_sys_bytes":    func(m *runtime.MemStats) uint64 { return m.MCacheSys },
		"go_memstats_mspan_inuse_bytes":   func(m *runtime.MemStats) uint64 { return m.MSpanInuse },
		"go_memstats_mspan_sys_bytes":     func(m *runtime.MemStats) uint64 { return m.MSpanSys },
		"go_memstats_next_gc_bytes":       func(m *runtime.MemStats) uint64 { return m.NextGC },
		"go_memstats_other_sys_bytes":     func(m *runtime.MemStats) uint64 { return m.OtherSys },
		"go_memstats_stack_inuse_bytes":   func(m *runtime.MemStats) uint64 { return m.StackInuse },
		"go_memstats_stack_sys_bytes":     func(m *runtime.MemStats) uint64 { return m.StackSys },
		"go_memstats_sys_bytes":           func(m *runtime.MemStats) uint64 { return m.Sys },
	}
	// Exact when nothing runs between the two reads; a few tries absorb a
	// goroutine of another test allocating in between.
	var bad []string
	for range 5 {
		s := goSample{v: make([]float64, len(c.fams))}
		var m runtime.MemStats
		c.read(&s)
		runtime.ReadMemStats(&m)
		bad = bad[:0]
		for i, f := range c.fams {
			field, ok := fields[f.name]
			if !ok {
				continue
			}
			tolerance := 0.01*float64(field(&m)) + 4096 // bytes
			if !strings.Contains(f.name, "_bytes") {
				tolerance = 16 // objects
			}
			if got, want := s.v[i], float64(field(&m)); math.Abs(got-want) > tolerance {
				bad = append(bad, fmt.Sprintf("%s = %v, ReadMemStats %v", f.name, got, want))
			}
		}
		if len(bad) == 0 {
			break
		}
	}
	if len(bad) > 0 {
		t.Error(strings.Join(bad, "\n"))
	}
	for _, f := range c.fams {
		delete(fields, f.name)
	}
	if len(fields) > 0 {
		t.Errorf("families not exposed: %v", fields)
	}
}

// goValues is a collector of a fixed reading through the Go collector's own
// send.
type goValues struct {
	c *goCollector
	s *goSample
}

func (g goValues) Describe(ch chan<- *prometheus.Desc) { g.c.Describe(ch) }
func (g goValues) Collect(ch chan<- prometheus.Metric) { g.c.send(ch, g.s) }

// The Go collector's text is expfmt's encoding of what it collects, byte
// for byte, in both text formats, for values of every shape.
func TestGoCollectorAppendsExpfmtsText(t *testing.T) {
	c := ourGoCollector(t)
	var read goSample
	c.read(&read)
	fill := func(f func(i int) float64, count uint64) *goSample {
		s := &goSample{v: make([]float64, len(c.fams)), count: count}
		for i := range s.v {
			s.v[i] = f(i)
		}
		for i := range s.quantile {
			s.quantile[i] = f(len(s.v) + i)
		}
		return s
	}
	cases := []*goSample{
		&read,
		fill(func(int) float64 { return 0 }, 0),
		fill(func(i int) float64 { return float64(i) * 123456789.25 }, 12345678901),
		fill(func(i int) float64 { return 1e21 + float64(i) }, math.MaxUint64),
		fill(func(i int) float64 { return 0.01 * float64(i) }, 1),
		fill(func(i int) float64 { return 1e-9 * float64(i+1) }, 7),
	}
	for n, s := range cases {
		checkAppendsExpfmt(t, fmt.Sprintf("case %d", n), goValues{c, s}, func(b []byte, openMetrics bool) []byte {
			return c.appendValues(b, s, openMetrics)
		})
	}
}

// A client_golang collector with families this one does not read (more
// runtime metrics, as an upgrade might add) is kept as it is.
func TestGoCollectorFallsBackOnFamiliesItDoesNotKnow(t *testing.T) {
	more := collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsGC))
	if _, ok := goCollectorLike(more); ok {
		t.Error("a collector with more runtime/metrics families was taken over")
	}
	fewer := collectors.NewGoCollector(collectors.WithGoCollectorMemStatsMetricsDisabled())
	if _, ok := goCollectorLike(fewer); ok {
		t.Error("a collector without the memstats families was taken over")
	}
	if _, ok := goCollectorLike(collectors.NewGoCollector()); !ok {
		t.Error("the default collector was not taken over")
	}
}

// The server writes the Go families directly, in their place among the
// gathered ones: its answer is promhttp's, values apart, for every text
// format and escaping scheme asked for.
func TestScrapeWritesTheGoFamiliesAsPromhttp(t *testing.T) {
	checkScrapeWritesAsPromhttp(t, func(f textFamily) bool { _, ok := f.(*goCollector); return ok }, "go_memstats_alloc_bytes_total")
}

func BenchmarkGoCollector(b *testing.B) {
	c := newGoCollector()
	text, _ := c.(textFamily)
	b.Run("client_golang", func(b *testing.B) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector())
		var buf bytes.Buffer
		b.ReportAllocs()
		for b.Loop() {
			mfs, _ := reg.Gather()
			buf.Reset()
			for _, mf := range mfs {
				_, _ = expfmt.MetricFamilyToOpenMetrics(&buf, mf)
			}
		}
	})
	b.Run("own-text", func(b *testing.B) {
		if text == nil {
			b.Skip("fell back to client_golang's")
		}
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = text.AppendText(buf[:0], true)
		}
	})
}
