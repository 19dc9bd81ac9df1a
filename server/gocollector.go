package server

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/internal/metricvec"
)

// goCollector exposes the series of client_golang's default Go collector
// (same names, help, types and values) and writes their text itself. Through
// client_golang these few samples took a large share of an idle scrape's CPU
// and most of its allocations (BENCHMARKS.md): a fresh GCStats pause buffer,
// a map of quantiles, a const metric and a dto message per sample. Here the
// buffers are kept from one scrape to the next.
type goCollector struct {
	fams  []goFamily // in name order
	names []string

	mu      sync.Mutex // guards the reading buffers: concurrent scrapes share them
	gc      debug.GCStats
	samples []metrics.Sample // goRuntimeMetrics' order
}

// goFamily is one family as client_golang's collector describes it.
type goFamily struct {
	desc    *prometheus.Desc
	name    string
	typ     dto.MetricType
	labels  string    // `{version="go1.x"}` of go_info, else ""
	headers [2]string // the text format's and OpenMetrics' # HELP and # TYPE lines
	value   goValue   // how the value is read
	sum     []int     // goRMSums' entry of a goRM family
}

// goValue is where a family's value comes from.
type goValue int

const (
	goGCPauses goValue = iota // the summary
	goGoroutines
	goThreads
	goInfo
	goLastGC
	goRM // goRuntimeMetrics[...], summed: see goRMSums
)

// goRuntimeMetrics are the runtime/metrics samples the collector reads.
var goRuntimeMetrics = [...]string{
	"/gc/gogc:percent",                            // 0
	"/gc/gomemlimit:bytes",                        // 1
	"/sched/gomaxprocs:threads",                   // 2
	"/gc/heap/tiny/allocs:objects",                // 3
	"/gc/heap/allocs:objects",                     // 4
	"/gc/heap/frees:objects",                      // 5
	"/gc/heap/allocs:bytes",                       // 6
	"/gc/heap/objects:objects",                    // 7
	"/gc/heap/goal:bytes",                         // 8
	"/memory/classes/total:bytes",                 // 9
	"/memory/classes/heap/objects:bytes",          // 10
	"/memory/classes/heap/unused:bytes",           // 11
	"/memory/classes/heap/released:bytes",         // 12
	"/memory/classes/heap/free:bytes",             // 13
	"/memory/classes/heap/stacks:bytes",           // 14
	"/memory/classes/os-stacks:bytes",             // 15
	"/memory/classes/metadata/mspan/inuse:bytes",  // 16
	"/memory/classes/metadata/mspan/free:bytes",   // 17
	"/memory/classes/metadata/mcache/inuse:bytes", // 18
	"/memory/classes/metadata/mcache/free:bytes",  // 19
	"/memory/classes/profiling/buckets:bytes",     // 20
	"/memory/classes/metadata/other:bytes",        // 21
	"/memory/classes/other:bytes",                 // 22
}

// goRMSums are the families whose value is a sum of runtime/metrics
// samples (indexes into goRuntimeMetrics), as client_golang derives its
// MemStats from them (memStatsFromRM).
var goRMSums = map[string][]int{
	"go_gc_gogc_percent":              {0},
	"go_gc_gomemlimit_bytes":          {1},
	"go_sched_gomaxprocs_threads":     {2},
	"go_memstats_alloc_bytes":         {10},
	"go_memstats_alloc_bytes_total":   {6},
	"go_memstats_buck_hash_sys_bytes": {20},
	"go_memstats_frees_total":         {5, 3},
	"go_memstats_gc_sys_bytes":        {21},
	"go_memstats_heap_alloc_bytes":    {10},
	"go_memstats_heap_idle_bytes":     {12, 13},
	"go_memstats_heap_inuse_bytes":    {10, 11},
	"go_memstats_heap_objects":        {7},
	"go_memstats_heap_released_bytes": {12},
	"go_memstats_heap_sys_bytes":      {10, 11, 12, 13},
	"go_memstats_mallocs_total":       {4, 3},
	"go_memstats_mcache_inuse_bytes":  {18},
	"go_memstats_mcache_sys_bytes":    {18, 19},
	"go_memstats_mspan_inuse_bytes":   {16},
	"go_memstats_mspan_sys_bytes":     {16, 17},
	"go_memstats_next_gc_bytes":       {8},
	"go_memstats_other_sys_bytes":     {22},
	"go_memstats_stack_inuse_bytes":   {14},
	"go_memstats_stack_sys_bytes":     {14, 15},
	"go_memstats_sys_bytes":           {9},
}

// goOwnValues are the families read otherwise than from runtime/metrics.
var goOwnValues = map[string]goValue{
	"go_gc_duration_seconds":           goGCPauses,
	"go_goroutines":                    goGoroutines,
	"go_threads":                       goThreads,
	"go_info":                          goInfo,
	"go_memstats_last_gc_time_seconds": goLastGC,
}

// goQuantiles are the quantiles of go_gc_duration_seconds, in the order of
// GCStats.PauseQuantiles (minimum, quartiles, maximum).
var goQuantiles = [...]float64{0, 0.25, 0.5, 0.75, 1}

// newGoCollector returns the Go collector, or client_golang's when its
// families are not the ones this one knows how to read (a client_golang
// upgrade that adds or changes one): the series are the same either way.
func newGoCollector() prometheus.Collector {
	theirs := collectors.NewGoCollector()
	if c, ok := goCollectorLike(theirs); ok {
		return c
	}
	return theirs
}

// goCollectorLike builds the collector from what theirs describes and
// collects once; false when a family is not one it reads the same way.
func goCollectorLike(theirs prometheus.Collector) (*goCollector, bool) {
	reg := prometheus.NewPedanticRegistry()
	if reg.Register(theirs) != nil {
		return nil, false
	}
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != len(goRMSums)+len(goOwnValues) {
		return nil, false
	}
	c := &goCollector{samples: make([]metrics.Sample, len(goRuntimeMetrics))}
	for i, name := range goRuntimeMetrics {
		c.samples[i].Name = name
	}
	c.gc.PauseQuantiles = make([]time.Duration, len(goQuantiles))
	for _, mf := range mfs {
		f := goFamily{name: mf.GetName(), typ: mf.GetType()}
		if len(mf.GetMetric()) != 1 {
			return nil, false
		}
		m := mf.GetMetric()[0]
		pairs := m.GetLabel()
		if v, ok := goOwnValues[f.name]; ok {
			f.value = v
		} else if sum, ok := goRMSums[f.name]; ok {
			f.value, f.sum = goRM, sum
		} else {
			return nil, false
		}
		switch {
		case f.value == goGCPauses:
			if f.typ != dto.MetricType_SUMMARY || len(pairs) != 0 || !sameQuantiles(m.GetSummary().GetQuantile()) {
				return nil, false
			}
		case f.value == goInfo:
			if f.typ != dto.MetricType_GAUGE || len(pairs) != 1 || pairs[0].GetName() != "version" || pairs[0].GetValue() != runtime.Version() {
				return nil, false
			}
			f.labels = `{version="` + runtime.Version() + `"}`
		case f.typ != dto.MetricType_GAUGE && f.typ != dto.MetricType_COUNTER || len(pairs) != 0:
			return nil, false
		}
		var constLabels prometheus.Labels
		if f.value == goInfo {
			constLabels = prometheus.Labels{"version": runtime.Version()}
		}
		f.desc = prometheus.NewDesc(f.name, mf.GetHelp(), nil, constLabels)
		for om := range f.headers {
			f.headers[om] = metricvec.Header(f.name, mf.GetHelp(), f.typ, om == 1)
		}
		c.fams = append(c.fams, f)
		c.names = append(c.names, f.name)
	}
	if !slices.IsSorted(c.names) {
		return nil, false
	}
	return c, true
}

func sameQuantiles(qs []*dto.Quantile) bool {
	if len(qs) != len(goQuantiles) {
		return false
	}
	for i, q := range qs {
		if q.GetQuantile() != goQuantiles[i] {
			return false
		}
	}
	return true
}

// goSample is one reading of the families' values.
type goSample struct {
	v        []float64 // per family, in c.fams' order; the summary's sum
	count    uint64    // of the summary
	quantile [len(goQuantiles)]float64
}

// read takes one reading into s.
func (c *goCollector) read(s *goSample) {
	if cap(s.v) < len(c.fams) {
		s.v = make([]float64, len(c.fams))
	}
	s.v = s.v[:len(c.fams)]
	c.mu.Lock()
	defer c.mu.Unlock()
	metrics.Read(c.samples)
	debug.ReadGCStats(&c.gc)
	for i := range c.fams {
		f := &c.fams[i]
		switch f.value {
		case goGCPauses:
			s.v[i] = c.gc.PauseTotal.Seconds()
			s.count = uint64(c.gc.NumGC)
			for q, d := range c.gc.PauseQuantiles {
				s.quantile[q] = d.Seconds()
			}
		case goGoroutines:
			s.v[i] = float64(runtime.NumGoroutine())
		case goThreads:
			n, _ := runtime.ThreadCreateProfile(nil)
			s.v[i] = float64(n)
		case goInfo:
			s.v[i] = 1
		case goLastGC:
			s.v[i] = float64(c.gc.LastGC.UnixNano()) / 1e9
		case goRM:
			var sum uint64
			for _, j := range f.sum {
				sum += c.rmUint(j)
			}
			s.v[i] = float64(sum)
		}
	}
}

// rmUint is sample j as client_golang reads it: a float sample (none of the
// ones read here today) truncated, an unsupported one 0.
func (c *goCollector) rmUint(j int) uint64 {
	switch v := c.samples[j].Value; v.Kind() {
	case metrics.KindUint64:
		return v.Uint64()
	case metrics.KindFloat64:
		return uint64(v.Float64())
	}
	return 0
}

// Describe sends the families' descriptions.
func (c *goCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, f := range c.fams {
		ch <- f.desc
	}
}

// Collect sends the families from one reading.
func (c *goCollector) Collect(ch chan<- prometheus.Metric) {
	var s goSample
	c.read(&s)
	c.send(ch, &s)
}

func (c *goCollector) send(ch chan<- prometheus.Metric, s *goSample) {
	for i, f := range c.fams {
		switch f.typ {
		case dto.MetricType_SUMMARY:
			q := make(map[float64]float64, len(goQuantiles))
			for j, x := range goQuantiles {
				q[x] = s.quantile[j]
			}
			ch <- prometheus.MustNewConstSummary(f.desc, s.count, s.v[i], q)
		case dto.MetricType_COUNTER:
			ch <- prometheus.MustNewConstMetric(f.desc, prometheus.CounterValue, s.v[i])
		default:
			ch <- prometheus.MustNewConstMetric(f.desc, prometheus.GaugeValue, s.v[i])
		}
	}
}

// FamilyName is the first of FamilyNames.
func (c *goCollector) FamilyName() string { return c.names[0] }

// FamilyNames are the families' names, sorted.
func (c *goCollector) FamilyNames() []string { return c.names }

// LegacyNames: the names need no quoting.
func (*goCollector) LegacyNames() bool { return true }

// AppendText appends the families Collect sends, in name order, as expfmt
// encodes them.
func (c *goCollector) AppendText(b []byte, openMetrics bool) []byte {
	var s goSample
	var v [64]float64
	s.v = v[:0]
	c.read(&s)
	return c.appendValues(b, &s, openMetrics)
}

func (c *goCollector) appendValues(b []byte, s *goSample, openMetrics bool) []byte {
	om := 0
	if openMetrics {
		om = 1
	}
	for i, f := range c.fams {
		b = append(b, f.headers[om]...)
		if f.typ == dto.MetricType_SUMMARY {
			for j, x := range goQuantiles {
				b = append(b, f.name...)
				b = append(b, `{quantile="`...)
				b = metricvec.AppendFloat(b, x, openMetrics)
				b = append(b, `"} `...)
				b = metricvec.AppendFloat(b, s.quantile[j], openMetrics)
				b = append(b, '\n')
			}
			b = append(b, f.name...)
			b = append(b, "_sum "...)
			b = metricvec.AppendFloat(b, s.v[i], openMetrics)
			b = append(b, '\n')
			b = append(b, f.name...)
			b = append(b, "_count "...)
			if openMetrics {
				b = strconv.AppendUint(b, s.count, 10)
			} else {
				b = metricvec.AppendFloat(b, float64(s.count), false)
			}
			b = append(b, '\n')
			continue
		}
		b = append(b, f.name...)
		b = append(b, f.labels...)
		b = append(b, ' ')
		b = metricvec.AppendFloat(b, s.v[i], openMetrics)
		b = append(b, '\n')
	}
	return b
}
