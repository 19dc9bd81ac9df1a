package metricvec

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

// The exporter's bucket layouts and histogram options (receiver/metrics.go),
// copied rather than imported: package receiver imports this one.
var (
	callDurationBuckets = []float64{1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800, 3600}
	ringBuckets         = []float64{1, 2, 3, 5, 10, 15, 20, 30, 45, 60}
	requestBuckets      = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
)

// receiverOpts are receiver.HistogramOpts: classic buckets plus native ones
// of factor 1.1 (schema 3), at most 100 of them, reset at most hourly.
func receiverOpts(name string, buckets []float64) prometheus.HistogramOpts {
	return prometheus.HistogramOpts{
		Name:                            name,
		Help:                            "A histogram under test.",
		Buckets:                         buckets,
		NativeHistogramBucketFactor:     1.1,
		NativeHistogramMaxBucketNumber:  100,
		NativeHistogramMinResetDuration: time.Hour,
	}
}

type histConfig struct {
	name string
	opts prometheus.HistogramOpts
}

// histConfigs are the option sets the differential tests run: the
// exporter's, and ones that reach the other paths of client_golang's
// histogram (no bucket limit, a limit small enough that the resolution is
// halved over and over, classic buckets only, native buckets only, a zero
// threshold of zero, other schemas, more than 35 classic bounds).
func histConfigs() []histConfig {
	with := func(o prometheus.HistogramOpts, f func(*prometheus.HistogramOpts)) prometheus.HistogramOpts {
		f(&o)
		return o
	}
	call := receiverOpts("test_call_duration_seconds", callDurationBuckets)
	return []histConfig{
		{"receiver call durations", call},
		{"receiver request durations", receiverOpts("test_request_duration_seconds", requestBuckets)},
		{"no bucket limit", with(call, func(o *prometheus.HistogramOpts) { o.NativeHistogramMaxBucketNumber = 0 })},
		{"at most 8 native buckets", with(call, func(o *prometheus.HistogramOpts) { o.NativeHistogramMaxBucketNumber = 8 })},
		{"at most 8 native buckets, no reset duration", with(call, func(o *prometheus.HistogramOpts) {
			o.NativeHistogramMaxBucketNumber = 8
			o.NativeHistogramMinResetDuration = 0
		})},
		{"at most 1 native bucket", with(call, func(o *prometheus.HistogramOpts) { o.NativeHistogramMaxBucketNumber = 1 })},
		{"classic only, default buckets", prometheus.HistogramOpts{Name: "test_classic", Help: "Classic."}},
		{"classic only, 50 bounds ending in +Inf", prometheus.HistogramOpts{
			Name: "test_classic_many", Help: "Classic.",
			Buckets: append(prometheus.LinearBuckets(-500, 100, 50), math.Inf(1)),
		}},
		{"native only, zero threshold zero", prometheus.HistogramOpts{
			Name: "test_native", Help: "Native.",
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramZeroThreshold:    prometheus.NativeHistogramZeroThresholdZero,
			NativeHistogramMaxBucketNumber:  20,
			NativeHistogramMinResetDuration: time.Hour,
		}},
		{"schema 0, zero threshold 0.5", prometheus.HistogramOpts{
			Name: "test_ring", Help: "Ring.", Buckets: ringBuckets,
			NativeHistogramBucketFactor:    2,
			NativeHistogramZeroThreshold:   0.5,
			NativeHistogramMaxBucketNumber: 30,
		}},
		{"schema -1, at most 3 native buckets", prometheus.HistogramOpts{
			Name: "test_coarse", Help: "Coarse.", Buckets: []float64{1},
			NativeHistogramBucketFactor:     4,
			NativeHistogramMaxBucketNumber:  3,
			NativeHistogramMinResetDuration: time.Hour,
		}},
		{"schema 4", with(call, func(o *prometheus.HistogramOpts) { o.NativeHistogramBucketFactor = 1.05 })},
	}
}

// fakeClock is a settable clock for both histograms under comparison. Its
// AfterFunc stands in for time.AfterFunc in client_golang's histogram:
// Advance runs a timer, at its time, when the clock passes it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
}

type fakeTimer struct {
	at time.Time
	f  func()
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 4, 5, 6, 7, 8000, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) *time.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timers = append(c.timers, fakeTimer{c.now.Add(d), f})
	return nil // client_golang does not use it
}

// Advance moves the clock on by d, running each timer due by then at its
// time, earliest first.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		next := -1
		for i, tm := range c.timers {
			if !tm.at.After(target) && (next == -1 || tm.at.Before(c.timers[next].at)) {
				next = i
			}
		}
		if next == -1 {
			c.now = target
			c.mu.Unlock()
			return
		}
		tm := c.timers[next]
		c.timers = slices.Delete(c.timers, next, next+1)
		if tm.at.After(c.now) {
			c.now = tm.at
		}
		c.mu.Unlock()
		tm.f()
	}
}

// withClientClock gives client_golang's histogram options the clock c.
// client_golang keeps its clock and timer hooks in unexported fields of
// HistogramOpts (now, afterFunc); they are set through reflection so that
// both histograms see the same times and client_golang's scheduled reset
// can be run when the clock passes it.
func withClientClock(t testing.TB, opts prometheus.HistogramOpts, c *fakeClock) prometheus.HistogramOpts {
	t.Helper()
	o := reflect.ValueOf(&opts).Elem()
	for name, fn := range map[string]any{"now": c.Now, "afterFunc": c.AfterFunc} {
		f := o.FieldByName(name)
		if !f.IsValid() || f.Type() != reflect.TypeOf(fn) {
			t.Fatalf("prometheus.HistogramOpts has no field %s of type %T any more: update withClientClock for this client_golang", name, fn)
		}
		reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(fn))
	}
	return opts
}

// histPair is a client_golang histogram and a metricvec one, built from the
// same options and fed the same observations.
type histPair struct {
	t     testing.TB
	clock *fakeClock // nil: each on the real clock, timestamps not compared
	cg    prometheus.Metric
	cgObs prometheus.Observer
	cgEx  prometheus.ExemplarObserver
	mv    *Histogram
}

var pairLabels = []string{"account", "kind"}

func newHistPair(t testing.TB, opts prometheus.HistogramOpts, clock *fakeClock) *histPair {
	t.Helper()
	cgOpts := opts
	if clock != nil {
		cgOpts = withClientClock(t, opts, clock)
	}
	cgVec := prometheus.NewHistogramVec(cgOpts, pairLabels)
	mvVec := NewHistogramVec(opts, pairLabels)
	if clock != nil {
		mvVec.now = clock.Now
	}
	cg := cgVec.WithLabelValues("acct1", "call")
	return &histPair{
		t:     t,
		clock: clock,
		cg:    cg.(prometheus.Metric),
		cgObs: cg,
		cgEx:  cg.(prometheus.ExemplarObserver),
		mv:    mvVec.WithLabelValues("acct1", "call"),
	}
}

func (p *histPair) observe(v float64) {
	p.cgObs.Observe(v)
	p.mv.Observe(v)
}

func (p *histPair) observeMany(vs []float64) {
	for _, v := range vs {
		p.cgObs.Observe(v)
	}
	p.mv.ObserveMany(vs)
}

func (p *histPair) observeWithExemplar(v float64, l prometheus.Labels) {
	p.cgEx.ObserveWithExemplar(v, l)
	p.mv.ObserveWithExemplar(v, l)
}

// check fails unless both histograms write the same dto.Metric: exactly
// so on a shared clock; on real clocks but for the created timestamp and
// the exemplars' timestamps.
func (p *histPair) check(what string) {
	p.t.Helper()
	exact := p.clock != nil
	want := normalized(writeMetric(p.t, p.cg), exact)
	got := normalized(writeMetric(p.t, p.mv), exact)
	if !proto.Equal(got, want) {
		p.t.Fatalf("%s: metricvec's histogram differs from client_golang's\n%s", what, protoDiff(got, want))
	}
}

func writeMetric(t testing.TB, m prometheus.Metric) *dto.Metric {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return &out
}

// normalized is a copy of m with its exemplars' labels sorted by name
// (client_golang orders them as it ranges over the Labels map) and, unless
// exact, without the created timestamp and the exemplars' timestamps.
func normalized(m *dto.Metric, exact bool) *dto.Metric {
	m = proto.Clone(m).(*dto.Metric)
	h := m.GetHistogram()
	if h == nil {
		return m
	}
	fix := func(e *dto.Exemplar) {
		if e == nil {
			return
		}
		slices.SortFunc(e.Label, func(a, b *dto.LabelPair) int { return cmp.Compare(a.GetName(), b.GetName()) })
		if !exact {
			e.Timestamp = nil
		}
	}
	for _, b := range h.Bucket {
		fix(b.Exemplar)
	}
	for _, e := range h.Exemplars {
		fix(e)
	}
	if !exact {
		h.CreatedTimestamp = nil
	}
	return m
}

// protoDiff shows where got and want first differ, in prototext.
func protoDiff(got, want proto.Message) string {
	opts := prototext.MarshalOptions{Multiline: true}
	g := strings.Split(opts.Format(got), "\n")
	w := strings.Split(opts.Format(want), "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	window := func(lines []string) string {
		lo, hi := max(0, i-8), min(len(lines), i+8)
		var b strings.Builder
		for j := lo; j < hi; j++ {
			mark := "  "
			if j == i {
				mark = "> "
			}
			fmt.Fprintf(&b, "%s%4d %s\n", mark, j+1, lines[j])
		}
		return b.String()
	}
	return fmt.Sprintf("first difference at line %d (got %d lines, want %d)\n--- got (metricvec):\n%s--- want (client_golang):\n%s",
		i+1, len(g), len(w), window(g), window(w))
}

// nativeBoundary is a boundary of a native bucket of schema 1 to 4, or
// the float next to it on either side: client_golang's table of boundaries
// and a computation of them may differ in the last bit.
func nativeBoundary(r *rand.Rand) float64 {
	s := 1 + r.IntN(4)
	j := r.IntN(1 << s)
	v := math.Ldexp(math.Exp2(float64(j)/float64(int(1)<<s)), r.IntN(80)-40)
	switch r.IntN(3) {
	case 1:
		v = math.Nextafter(v, math.Inf(1))
	case 2:
		v = math.Nextafter(v, 0)
	}
	return v
}

var tinyValues = []float64{
	0, math.Copysign(0, -1), 1e-130, -1e-130, 5e-324, -5e-324, 1e-300, 2.2250738585072014e-308,
	prometheus.DefNativeHistogramZeroThreshold, -prometheus.DefNativeHistogramZeroThreshold,
	math.Nextafter(prometheus.DefNativeHistogramZeroThreshold, 1), math.Nextafter(prometheus.DefNativeHistogramZeroThreshold, 0),
	0.5, math.Nextafter(0.5, 1), -0.5,
}

var hugeValues = []float64{
	1e300, -1e300, math.MaxFloat64, -math.MaxFloat64, 1e308, math.Nextafter(math.MaxFloat64, 0),
	math.Ldexp(1, 1023), -math.Ldexp(1, 1023), math.Ldexp(1, 1022),
}

// randomValue is an observation: mostly integers up to 4000 as call
// durations are, and fractions; then values on classic bounds and native
// bucket boundaries, tiny, negative and huge values, and with wild the
// ±Inf and NaN that make the sum infinite or NaN.
func randomValue(r *rand.Rand, bounds []float64, wild bool) float64 {
	switch k := r.IntN(24); {
	case k < 7:
		return float64(r.IntN(4001))
	case k == 7:
		// Integers about the ends of a table of small ones an
		// implementation may keep.
		return float64(r.IntN(40)-20) + []float64{0, 256, 1024, 4096, 8192, 32768, 65536, 1 << 31, 1 << 53}[r.IntN(9)]
	case k < 11:
		return r.Float64() * 10
	case k == 11:
		return tinyValues[r.IntN(len(tinyValues))]
	case k == 12:
		return -float64(r.IntN(4001)) - r.Float64()
	case k == 13:
		return hugeValues[r.IntN(len(hugeValues))]
	case k < 16 && len(bounds) > 0:
		v := bounds[r.IntN(len(bounds))]
		switch r.IntN(3) {
		case 1:
			v = math.Nextafter(v, math.Inf(1))
		case 2:
			v = math.Nextafter(v, math.Inf(-1))
		}
		return v
	case k < 18:
		v := math.Ldexp(1, r.IntN(2100)-1075)
		if r.IntN(4) == 0 {
			v = -v
		}
		return v
	case k < 20:
		v := nativeBoundary(r)
		if r.IntN(4) == 0 {
			v = -v
		}
		return v
	case k < 22:
		return math.Exp(r.NormFloat64() * 30)
	case wild:
		return []float64{math.Inf(1), math.Inf(-1), math.NaN()}[r.IntN(3)]
	default:
		return float64(r.IntN(100))
	}
}

func randomValues(r *rand.Rand, bounds []float64, n int) []float64 {
	wild := r.IntN(3) == 0
	vs := make([]float64, n)
	for i := range vs {
		vs[i] = randomValue(r, bounds, wild)
	}
	return vs
}

// feedPair observes vs into both histograms, into metricvec's one value at
// a time or in chunks of ObserveMany, and compares them at random points.
// Writes that are not compared happen too: client_golang's Write swaps
// its hot and cold counts, metricvec's may do a reset that was due.
func feedPair(p *histPair, r *rand.Rand, vs []float64) {
	p.t.Helper()
	for step := 0; len(vs) > 0; step++ {
		switch k := r.IntN(40); {
		case k == 0:
			p.check(fmt.Sprintf("step %d", step))
		case k == 1:
			writeMetric(p.t, p.cg)
		case k == 2:
			writeMetric(p.t, p.mv)
		case k == 3:
			p.mv.ObserveMany(nil)
		case k < 16:
			n := 1 + r.IntN(min(len(vs), 120))
			p.observeMany(vs[:n])
			vs = vs[n:]
		default:
			p.observe(vs[0])
			vs = vs[1:]
		}
	}
	p.check("after the last observation")
}

// fixedSequences are observations TestHistogramMatchesClientGolang runs
// before random ones: NaN among finite values (the sum is NaN, no native
// bucket counts it), each infinity alone, both zeros, nothing at all.
var fixedSequences = [][]float64{
	{1, math.NaN(), 2},
	{math.Inf(1), 3},
	{math.Inf(-1)},
	{0, math.Copysign(0, -1)},
	{},
}

func TestHistogramMatchesClientGolang(t *testing.T) {
	for _, c := range histConfigs() {
		t.Run(c.name, func(t *testing.T) {
			for i, vs := range fixedSequences {
				p := newHistPair(t, c.opts, nil)
				for _, v := range vs {
					p.observe(v)
				}
				p.check(fmt.Sprintf("fixed sequence %d %v, one at a time", i, vs))
				p = newHistPair(t, c.opts, nil)
				p.observeMany(vs)
				p.check(fmt.Sprintf("fixed sequence %d %v, ObserveMany", i, vs))
			}
			for seed := range uint64(8) {
				r := rand.New(rand.NewPCG(seed, 0x5eed))
				p := newHistPair(t, c.opts, nil)
				p.check("before any observation")
				vs := randomValues(r, c.opts.Buckets, 1+r.IntN(400))
				func() {
					defer func() {
						if t.Failed() {
							t.Logf("seed %d, values %v", seed, vs)
						}
					}()
					feedPair(p, r, vs)
				}()
				if t.Failed() {
					return
				}
			}
		})
	}
}

// TestHistogramNativeBoundariesMatchClientGolang observes every native
// bucket boundary of schemas 4 to -4 over a range of exponents, and the
// floats next to them, one histogram per schema without a bucket limit.
func TestHistogramNativeBoundariesMatchClientGolang(t *testing.T) {
	for _, factor := range []float64{1.05, 1.1, 1.2, 1.5, 2, 4, 16, 256, 65536} {
		t.Run(fmt.Sprintf("factor=%g", factor), func(t *testing.T) {
			opts := prometheus.HistogramOpts{Name: "test_boundaries", Help: "Boundaries.", NativeHistogramBucketFactor: factor}
			p := newHistPair(t, opts, nil)
			var vs []float64
			for s := range 5 {
				for j := range 1 << s {
					for _, e := range []int{-1074, -1060, -1022, -1021, -130, -127, -126, -10, -1, 0, 1, 2, 11, 12, 100, 1022, 1023} {
						v := math.Ldexp(math.Exp2(float64(j)/float64(int(1)<<s)), e)
						vs = append(vs, v, math.Nextafter(v, 0), math.Nextafter(v, math.Inf(1)), -v)
					}
				}
			}
			vs = append(vs, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1))
			p.observeMany(vs)
			p.check("boundaries observed")
		})
	}
}

// TestHistogramObserveManyMatchesObserve compares two metricvec histograms
// on one clock, one fed by Observe, the other by ObserveMany.
func TestHistogramObserveManyMatchesObserve(t *testing.T) {
	for _, c := range histConfigs() {
		t.Run(c.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(7, 7))
			clock := newFakeClock()
			one, many := NewHistogramVec(c.opts, nil), NewHistogramVec(c.opts, nil)
			one.now, many.now = clock.Now, clock.Now
			h1, hm := one.WithLabelValues(), many.WithLabelValues()
			vs := randomValues(r, c.opts.Buckets, 2000)
			for len(vs) > 0 {
				n := 1 + r.IntN(min(len(vs), 100))
				for _, v := range vs[:n] {
					h1.Observe(v)
				}
				hm.ObserveMany(vs[:n])
				vs = vs[n:]
				clock.Advance(time.Duration(r.IntN(20)) * time.Minute)
			}
			if got, want := writeMetric(t, hm), writeMetric(t, h1); !proto.Equal(got, want) {
				t.Fatalf("ObserveMany differs from Observe on each value\n%s", protoDiff(got, want))
			}
		})
	}
}

func exemplarLabels(r *rand.Rand, i int) prometheus.Labels {
	switch r.IntN(5) {
	case 0:
		return prometheus.Labels{}
	case 1:
		return prometheus.Labels{"trace_id": fmt.Sprintf("%032x", i), "span_id": fmt.Sprint(i), "ünïcödé": "日本語"}
	default:
		return prometheus.Labels{"trace_id": fmt.Sprint(i)}
	}
}

func exemplarValue(r *rand.Rand, bounds []float64) float64 {
	switch r.IntN(10) {
	case 0:
		return []float64{math.Inf(1), math.Inf(-1), math.NaN(), 0, -3, 1e300}[r.IntN(6)]
	case 1:
		if len(bounds) > 0 {
			return bounds[r.IntN(len(bounds))]
		}
	}
	return float64(r.IntN(4001)) + float64(r.IntN(4))/4
}

// TestHistogramExemplarsMatchClientGolang observes up to 10 values with
// exemplars among plain observations, on real clocks: the classic buckets'
// exemplars (the +Inf bucket written when it has one) and the native ones
// must match but for their timestamps.
func TestHistogramExemplarsMatchClientGolang(t *testing.T) {
	for _, c := range histConfigs() {
		t.Run(c.name, func(t *testing.T) {
			for seed := range uint64(6) {
				r := rand.New(rand.NewPCG(seed, 0xe8))
				p := newHistPair(t, c.opts, nil)
				for i := range 1 + r.IntN(10) {
					p.observe(float64(r.IntN(4001)))
					p.observeWithExemplar(exemplarValue(r, c.opts.Buckets), exemplarLabels(r, i))
					if r.IntN(3) == 0 {
						p.check(fmt.Sprintf("seed %d, exemplar %d", seed, i))
					}
				}
				p.observeWithExemplar(5, nil) // no exemplar, only the value
				p.check(fmt.Sprintf("seed %d, the end", seed))
			}
		})
	}
}

// TestHistogramNativeExemplarReplacementMatchesClientGolang observes many
// values with exemplars on a clock shared with client_golang, so that the
// native exemplars beyond the maximum replace others by the same rule
// (TTL expiry of the oldest, else the older of the closest pair by log
// value, else a neighbour of the new value).
func TestHistogramNativeExemplarReplacementMatchesClientGolang(t *testing.T) {
	base := receiverOpts("test_exemplars", callDurationBuckets)
	for _, c := range []struct {
		name string
		max  int
		ttl  time.Duration
	}{
		{"defaults (10, 5m)", 0, 0},
		{"at most 1", 1, 0},
		{"at most 3, TTL 1m", 3, time.Minute},
		{"at most 5, negative TTL", 5, -time.Second},
		{"none kept", -1, 0},
		{"TTL of -1ns keeps none", 4, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := base
			opts.NativeHistogramMaxExemplars, opts.NativeHistogramExemplarTTL = c.max, c.ttl
			for seed := range uint64(5) {
				r := rand.New(rand.NewPCG(seed, 0xe9))
				clock := newFakeClock()
				p := newHistPair(t, opts, clock)
				for i := range 50 {
					clock.Advance(time.Duration(r.IntN(4)) * time.Duration(r.IntN(90)) * time.Second)
					v := float64(1 + r.IntN(4000))
					switch r.IntN(12) {
					case 0:
						v = -v
					case 1:
						v = 0
					case 2:
						v = math.NaN()
					case 3:
						v = math.Inf(1)
					}
					p.observeWithExemplar(v, prometheus.Labels{"trace_id": fmt.Sprint(i)})
					if r.IntN(8) == 0 {
						p.check(fmt.Sprintf("seed %d, exemplar %d", seed, i))
					}
				}
				p.check(fmt.Sprintf("seed %d, the end", seed))
			}
		})
	}
}

// nativeExemplarValues are the values of the native exemplars h writes.
func nativeExemplarValues(t *testing.T, h prometheus.Metric) []float64 {
	t.Helper()
	var vs []float64
	for _, e := range writeMetric(t, h).GetHistogram().GetExemplars() {
		vs = append(vs, e.GetValue())
	}
	return vs
}

// TestHistogramNativeExemplarReplacement checks the replacement of native
// exemplars, at most 3, in hand-computed cases (and that client_golang
// computes the same).
func TestHistogramNativeExemplarReplacement(t *testing.T) {
	type obs struct {
		at time.Duration // since the start
		v  float64
	}
	for _, c := range []struct {
		name string
		obs  []obs
		want []float64
	}{
		{"room left: inserted in value order", []obs{{0, 100}, {time.Second, 1}, {2 * time.Second, 2}}, []float64{1, 2, 100}},
		{"full: the older of the closest pair goes (lower one older)",
			[]obs{{0, 1}, {time.Second, 2}, {2 * time.Second, 100}, {3 * time.Second, 1000}}, []float64{2, 100, 1000}},
		{"full: the older of the closest pair goes (higher one older)",
			[]obs{{0, 2}, {time.Second, 1}, {2 * time.Second, 100}, {3 * time.Second, 1000}}, []float64{1, 100, 1000}},
		{"full: a new value closest to its lower neighbour replaces it",
			[]obs{{0, 1}, {time.Second, 5}, {2 * time.Second, 100}, {3 * time.Second, 101}}, []float64{1, 5, 101}},
		{"full: a new value closest to its upper neighbour replaces it",
			[]obs{{0, 1}, {time.Second, 5}, {2 * time.Second, 100}, {3 * time.Second, 99}}, []float64{1, 5, 99}},
		{"full: the oldest goes once older than the TTL",
			[]obs{{0, 100}, {time.Second, 1}, {2 * time.Second, 2}, {5*time.Minute + time.Millisecond, 1000}}, []float64{1, 2, 1000}},
		{"full: the oldest stays when exactly as old as the TTL",
			[]obs{{0, 100}, {time.Second, 1}, {2 * time.Second, 2}, {5 * time.Minute, 1000}}, []float64{2, 100, 1000}},
	} {
		t.Run(c.name, func(t *testing.T) {
			opts := receiverOpts("test_exemplars", nil)
			opts.NativeHistogramMaxExemplars = 3
			clock := newFakeClock()
			start := clock.Now()
			p := newHistPair(t, opts, clock)
			for i, o := range c.obs {
				clock.Advance(start.Add(o.at).Sub(clock.Now()))
				p.observeWithExemplar(o.v, prometheus.Labels{"i": fmt.Sprint(i)})
			}
			if got := nativeExemplarValues(t, p.mv); !slices.Equal(got, c.want) {
				t.Errorf("metricvec keeps native exemplars %v, want %v", got, c.want)
			}
			if got := nativeExemplarValues(t, p.cg); !slices.Equal(got, c.want) {
				t.Errorf("client_golang keeps native exemplars %v: the case is computed wrong (want %v)", got, c.want)
			}
			p.check("the end")
		})
	}
	t.Run("at most 1: the new one replaces it", func(t *testing.T) {
		opts := receiverOpts("test_exemplars", nil)
		opts.NativeHistogramMaxExemplars = 1
		p := newHistPair(t, opts, newFakeClock())
		p.observeWithExemplar(3, prometheus.Labels{"a": "1"})
		p.observeWithExemplar(30, prometheus.Labels{"a": "2"})
		if got := nativeExemplarValues(t, p.mv); !slices.Equal(got, []float64{30}) {
			t.Errorf("native exemplars %v, want [30]", got)
		}
		p.check("the end")
	})
}

// TestHistogramInvalidExemplarIsDroppedAndValueCounted gives exemplar
// labels client_golang refuses (it counts the value, then panics) and some
// it accepts: metricvec must not panic, must count the value, and must
// write what client_golang then writes. A name starting with a digit is
// valid: client_golang checks names by model.NameValidationScheme, UTF-8.
func TestHistogramInvalidExemplarIsDroppedAndValueCounted(t *testing.T) {
	for _, c := range []struct {
		name   string
		labels prometheus.Labels
		valid  bool // to client_golang
	}{
		{"name starting with a digit", prometheus.Labels{"0bad": "x"}, true},
		{"reserved name", prometheus.Labels{"__name__": "x"}, false},
		{"empty name", prometheus.Labels{"": "x"}, false},
		{"name not UTF-8", prometheus.Labels{"a\xffb": "x"}, false},
		{"value not UTF-8", prometheus.Labels{"trace_id": "a\xffb"}, false},
		{"value of 200 runes", prometheus.Labels{"trace_id": strings.Repeat("x", 200)}, false},
		{"128 runes in all", prometheus.Labels{"id": strings.Repeat("ü", 126)}, true},
		{"129 runes in all", prometheus.Labels{"id": strings.Repeat("ü", 127)}, false},
		{"129 runes over two labels", prometheus.Labels{"a": strings.Repeat("b", 63), "c": strings.Repeat("d", 64)}, false},
		{"one valid label, one invalid", prometheus.Labels{"trace_id": "1", "span_id": "\xff"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newHistPair(t, receiverOpts("test_call_duration_seconds", callDurationBuckets), newFakeClock())
			p.observeWithExemplar(7, prometheus.Labels{"trace_id": "before"})
			// client_golang counts the value, then panics on the labels.
			refused := func() (refused bool) {
				defer func() { refused = recover() != nil }()
				p.cgEx.ObserveWithExemplar(42, c.labels)
				return false
			}()
			if refused == c.valid {
				t.Errorf("client_golang refused the labels: %t; the case says they are valid: %t", refused, c.valid)
			}
			func() {
				defer func() {
					if e := recover(); e != nil {
						t.Fatalf("ObserveWithExemplar(42, %q) panicked: %v", c.labels, e)
					}
				}()
				p.mv.ObserveWithExemplar(42, c.labels)
			}()
			m := writeMetric(t, p.mv).GetHistogram()
			if m.GetSampleCount() != 2 || m.GetSampleSum() != 49 {
				t.Fatalf("count %d, sum %g after observing 7 and 42; want 2 and 49", m.GetSampleCount(), m.GetSampleSum())
			}
			p.check(fmt.Sprintf("exemplar refused by client_golang: %t", refused))
		})
	}
}

// pairHistogram is what the metricvec side of p writes.
func pairHistogram(t *testing.T, p *histPair) *dto.Histogram {
	t.Helper()
	return writeMetric(t, p.mv).GetHistogram()
}

// TestHistogramLazyReset exceeds the bucket limit before the minimum reset
// duration, so the resolution goes down and a reset is due at the last
// reset plus that duration; then the clock passes it. client_golang runs
// the reset from a timer at that time; metricvec at the first Observe or
// Write from then on, as of then: both write the same, created timestamp
// included.
func TestHistogramLazyReset(t *testing.T) {
	opts := receiverOpts("test_call_duration_seconds", callDurationBuckets)
	opts.NativeHistogramMaxBucketNumber = 8
	clock := newFakeClock()
	t0 := clock.Now()
	p := newHistPair(t, opts, clock)
	wantHist := func(what string, count uint64, sum float64, schema int32, created time.Time) {
		t.Helper()
		p.check(what)
		h := pairHistogram(t, p)
		if h.GetSampleCount() != count || h.GetSampleSum() != sum || h.GetSchema() != schema || !h.GetCreatedTimestamp().AsTime().Equal(created) {
			t.Fatalf("%s: count %d, sum %g, schema %d, created %v; want %d, %g, %d, %v", what,
				h.GetSampleCount(), h.GetSampleSum(), h.GetSchema(), h.GetCreatedTimestamp().AsTime(), count, sum, schema, created)
		}
	}
	wantHist("new", 0, 0, 3, t0)

	// 1 to 12 fall in 12 native buckets of schema 3: the 9th exceeds the
	// limit 30 minutes after creation. The reset is due at t0+1h.
	clock.Advance(30 * time.Minute)
	p.observeWithExemplar(2, prometheus.Labels{"trace_id": "kept over resets"})
	for v := 1; v <= 12; v++ {
		p.observe(float64(v))
	}
	if h := pairHistogram(t, p); h.GetSchema() >= 3 {
		t.Fatalf("schema %d after exceeding the bucket limit, want it below 3", h.GetSchema())
	}
	p.check("bucket limit exceeded, no reset yet")
	clock.Advance(29*time.Minute + 59*time.Second)
	p.check("a second before the reset is due")
	if h := pairHistogram(t, p); h.GetSampleCount() != 13 {
		t.Fatalf("count %d a second before the reset, want 13", h.GetSampleCount())
	}

	// A Write after the reset was due shows it done at t0+1h.
	clock.Advance(5 * time.Minute)
	wantHist("Write after the reset was due", 0, 0, 3, t0.Add(time.Hour))
	if h := pairHistogram(t, p); len(h.GetPositiveSpan()) != 0 || h.GetZeroCount() != 0 || h.GetBucket()[0].GetCumulativeCount() != 0 {
		t.Fatalf("buckets left after the reset: %v", h)
	}

	// Exceeded again after the reset: due at t0+2h; an Observe exactly
	// then is counted after the reset.
	clock.Advance(5 * time.Minute)
	for v := 1; v <= 12; v++ {
		p.observe(float64(v))
	}
	p.check("bucket limit exceeded again")
	clock.Advance(t0.Add(2 * time.Hour).Sub(clock.Now()))
	p.observe(7)
	wantHist("Observe exactly when the reset is due", 1, 7, 3, t0.Add(2*time.Hour))

	// Exceeded more than an hour after the last reset, with no reset due:
	// the histogram starts over from the value that exceeded the limit.
	clock.Advance(time.Hour + time.Minute)
	now := clock.Now()
	for v := 1; v <= 8; v++ {
		p.observe(float64(v)) // 8 buckets with 7's: at the limit
	}
	wantHist("at the limit", 9, 43, 3, t0.Add(2*time.Hour))
	p.observe(9)
	wantHist("limit exceeded an hour after the last reset", 1, 9, 3, now)
	for v := 10; v <= 12; v++ {
		p.observe(float64(v))
	}
	wantHist("after the reset on exceeding the limit", 4, 42, 3, now)

	// And the next reset is due an hour after that one.
	for v := 13; v <= 30; v++ {
		p.observe(float64(v))
	}
	clock.Advance(59 * time.Minute)
	p.check("before the next reset is due")
	clock.Advance(time.Minute)
	wantHist("the next reset", 0, 0, 3, now.Add(time.Hour))
}

// TestHistogramLazyResetMatchesClientGolang runs random observations on a
// clock shared with client_golang, with a small bucket limit and a short
// minimum reset duration, so that resolution cuts, scheduled resets and
// resets on exceeding the limit all happen many times.
func TestHistogramLazyResetMatchesClientGolang(t *testing.T) {
	for _, maxBuckets := range []uint32{1, 5, 12} {
		t.Run(fmt.Sprintf("at most %d buckets", maxBuckets), func(t *testing.T) {
			opts := receiverOpts("test_resets", ringBuckets)
			opts.NativeHistogramMaxBucketNumber = maxBuckets
			opts.NativeHistogramMinResetDuration = 10 * time.Minute
			for seed := range uint64(5) {
				r := rand.New(rand.NewPCG(seed, 0x7e5e7))
				clock := newFakeClock()
				p := newHistPair(t, opts, clock)
				for step := range 200 {
					switch k := r.IntN(10); {
					case k == 0:
						clock.Advance(time.Duration(r.IntN(15)) * time.Minute)
					case k == 1:
						p.check(fmt.Sprintf("seed %d, step %d", seed, step))
					case k == 2:
						p.observeWithExemplar(float64(r.IntN(100)), prometheus.Labels{"step": fmt.Sprint(step)})
					case k < 5:
						p.observeMany([]float64{float64(r.IntN(100)), float64(r.IntN(3000)), r.Float64()})
					default:
						p.observe(float64(r.IntN(200)))
					}
				}
				p.check(fmt.Sprintf("seed %d, the end", seed))
			}
		})
	}
}

func testVecs(t *testing.T, clock *fakeClock, opts prometheus.HistogramOpts, labels ...string) (*prometheus.HistogramVec, *HistogramVec) {
	t.Helper()
	mv := NewHistogramVec(opts, labels)
	mv.now = clock.Now
	return prometheus.NewHistogramVec(withClientClock(t, opts, clock), labels), mv
}

func encodeGathered(t *testing.T, g prometheus.Gatherer, format expfmt.Format, options ...expfmt.EncoderOption) []byte {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, format, options...)
	for _, mf := range mfs {
		err = errors.Join(err, enc.Encode(mf))
	}
	if c, ok := enc.(expfmt.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	if err != nil {
		t.Fatalf("encoding %s: %v", format, err)
	}
	return buf.Bytes()
}

// TestHistogramExpositionMatchesClientGolang registers metricvec families
// and client_golang ones of the same options in two pedantic registries,
// observes the same into both, and compares every exposition format byte
// for byte (on one clock, so created timestamps and exemplars match too).
func TestHistogramExpositionMatchesClientGolang(t *testing.T) {
	clock := newFakeClock()
	cgReg, mvReg := prometheus.NewPedanticRegistry(), prometheus.NewPedanticRegistry()
	type family struct {
		cg *prometheus.HistogramVec
		mv *HistogramVec
	}
	var families []family
	for i, c := range histConfigs() {
		opts := c.opts
		opts.Name = fmt.Sprintf("test_family_%d_seconds", i)
		opts.Help = c.name + ` with "quotes" and \backslash`
		cg, mv := testVecs(t, clock, opts, "account", "kind")
		if err := cgReg.Register(cg); err != nil {
			t.Fatal(err)
		}
		if err := mvReg.Register(mv); err != nil {
			t.Fatalf("registering a metricvec HistogramVec: %v", err)
		}
		families = append(families, family{cg, mv})
	}
	r := rand.New(rand.NewPCG(1, 2))
	lvs := [][]string{{"acct2", "x"}, {"acct1", "y"}, {"acct1", "x"}, {`quo"te`, "new\nline"}, {"", "ünïcödé"}, {"acct10", "x"}}
	for _, f := range families {
		for i, lv := range lvs {
			cg, mv := f.cg.WithLabelValues(lv...), f.mv.WithLabelValues(lv...)
			if i == 0 {
				continue // a child never observed
			}
			for range r.IntN(30) {
				v := randomValue(r, ringBuckets, false)
				cg.Observe(v)
				mv.Observe(v)
			}
			if r.IntN(2) == 0 {
				v := float64(r.IntN(4000))
				l := prometheus.Labels{"trace_id": fmt.Sprint(r.IntN(1000))}
				cg.(prometheus.ExemplarObserver).ObserveWithExemplar(v, l)
				mv.ObserveWithExemplar(v, l)
			}
			clock.Advance(time.Second)
		}
	}
	for _, f := range []struct {
		name    string
		format  expfmt.Format
		options []expfmt.EncoderOption
	}{
		{"text 0.0.4", expfmt.FmtText, nil},
		{"OpenMetrics 1.0.0", expfmt.FmtOpenMetrics_1_0_0, nil},
		{"OpenMetrics 0.0.1", expfmt.FmtOpenMetrics_0_0_1, nil},
		{"OpenMetrics with _created lines", expfmt.FmtOpenMetrics_1_0_0, []expfmt.EncoderOption{expfmt.WithCreatedLines()}},
		{"protobuf delimited", expfmt.FmtProtoDelim, nil},
		{"protobuf text", expfmt.FmtProtoText, nil},
	} {
		t.Run(f.name, func(t *testing.T) {
			want := encodeGathered(t, cgReg, f.format, f.options...)
			got := encodeGathered(t, mvReg, f.format, f.options...)
			if !bytes.Equal(got, want) {
				g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				i := 0
				for i < len(g) && i < len(w) && g[i] == w[i] {
					i++
				}
				t.Fatalf("exposition differs from client_golang's at line %d\n got: %q\nwant: %q", i+1,
					g[min(i, len(g)-1)], w[min(i, len(w)-1)])
			}
		})
	}
}

// TestHistogramExpositionWithoutCreatedLines compares the text exposition
// with client_golang's on real clocks, where only _created lines may
// differ.
func TestHistogramExpositionWithoutCreatedLines(t *testing.T) {
	opts := receiverOpts("test_call_duration_seconds", callDurationBuckets)
	cg, mv := prometheus.NewHistogramVec(opts, []string{"account"}), NewHistogramVec(opts, []string{"account"})
	cgReg, mvReg := prometheus.NewPedanticRegistry(), prometheus.NewPedanticRegistry()
	cgReg.MustRegister(cg)
	mvReg.MustRegister(mv)
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		account := fmt.Sprint("acct", r.IntN(4))
		v := float64(r.IntN(4000))
		cg.WithLabelValues(account).Observe(v)
		mv.WithLabelValues(account).Observe(v)
	}
	dropCreated := func(b []byte) string {
		var keep []string
		for l := range strings.SplitSeq(string(b), "\n") {
			if !strings.Contains(l, "_created") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	for _, format := range []expfmt.Format{expfmt.FmtText, expfmt.FmtOpenMetrics_1_0_0} {
		want := dropCreated(encodeGathered(t, cgReg, format, expfmt.WithCreatedLines()))
		got := dropCreated(encodeGathered(t, mvReg, format, expfmt.WithCreatedLines()))
		if got != want {
			t.Fatalf("%s: exposition differs\n got: %s\nwant: %s", format, got, want)
		}
	}
}

func TestHistogramCollectAndCompare(t *testing.T) {
	v := NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "test", Name: "wait_seconds", Help: "Waits.", Buckets: []float64{1, 5},
	}, []string{"account"})
	a := v.WithLabelValues("a")
	a.ObserveMany([]float64{0.5, 3, 7})
	v.WithLabelValues("b").Observe(1)
	const want = `
# HELP test_wait_seconds Waits.
# TYPE test_wait_seconds histogram
test_wait_seconds_bucket{account="a",le="1"} 1
test_wait_seconds_bucket{account="a",le="5"} 2
test_wait_seconds_bucket{account="a",le="+Inf"} 3
test_wait_seconds_sum{account="a"} 10.5
test_wait_seconds_count{account="a"} 3
test_wait_seconds_bucket{account="b",le="1"} 1
test_wait_seconds_bucket{account="b",le="5"} 1
test_wait_seconds_bucket{account="b",le="+Inf"} 1
test_wait_seconds_sum{account="b"} 1
test_wait_seconds_count{account="b"} 1
`
	if err := testutil.CollectAndCompare(v, strings.NewReader(want), "test_wait_seconds"); err != nil {
		t.Errorf("CollectAndCompare(vec): %v", err)
	}
	if err := testutil.CollectAndCompare(v, strings.NewReader(strings.Replace(want, "10.5", "10", 1)), "test_wait_seconds"); err == nil {
		t.Errorf("CollectAndCompare(vec) accepts a wrong sum")
	}
	wantA := want[:strings.Index(want, `test_wait_seconds_bucket{account="b"`)]
	if err := testutil.CollectAndCompare(a, strings.NewReader(wantA), "test_wait_seconds"); err != nil {
		t.Errorf("CollectAndCompare(child): %v", err)
	}
	if n := testutil.CollectAndCount(v); n != 2 {
		t.Errorf("CollectAndCount = %d, want 2", n)
	}
	if err := testutil.CollectAndCompare(v, strings.NewReader(want)); err != nil {
		t.Errorf("CollectAndCompare without names: %v", err)
	}
	if problems, err := testutil.CollectAndLint(v); err != nil || len(problems) > 0 {
		t.Errorf("CollectAndLint: %v %v", problems, err)
	}
}

func TestHistogramVecLabelValuesLikeClientGolang(t *testing.T) {
	opts := receiverOpts("test_labels", callDurationBuckets)
	cg, mv := prometheus.NewHistogramVec(opts, []string{"account", "kind"}), NewHistogramVec(opts, []string{"account", "kind"})
	for _, lvs := range [][]string{{"a", "b"}, {"a"}, {"a", "b", "c"}, {}, {"\xff", "b"}, {"a", "b\xfe"}, {"", ""}} {
		_, cgErr := cg.GetMetricWithLabelValues(lvs...)
		h, mvErr := mv.GetMetricWithLabelValues(lvs...)
		if (cgErr == nil) != (mvErr == nil) || cgErr != nil && cgErr.Error() != mvErr.Error() {
			t.Errorf("GetMetricWithLabelValues(%q): error %v, client_golang's %v", lvs, mvErr, cgErr)
		}
		if (h == nil) != (mvErr != nil) {
			t.Errorf("GetMetricWithLabelValues(%q) = %v, %v", lvs, h, mvErr)
		}
		panicked := func() (p bool) {
			defer func() { p = recover() != nil }()
			mv.WithLabelValues(lvs...)
			return false
		}()
		if panicked != (cgErr != nil) {
			t.Errorf("WithLabelValues(%q) panicked: %t, want %t", lvs, panicked, cgErr != nil)
		}
	}
	if mv.WithLabelValues("x", "y") != mv.WithLabelValues("x", "y") {
		t.Errorf("WithLabelValues returns a new child for the same values")
	}
	if mv.WithLabelValues("x", "y") == mv.WithLabelValues("x", "z") || mv.WithLabelValues("xy", "") == mv.WithLabelValues("x", "y") {
		t.Errorf("WithLabelValues returns one child for different values")
	}
	h := mv.WithLabelValues("x", "y")
	var desc *prometheus.Desc
	ch := make(chan *prometheus.Desc, 1)
	mv.Describe(ch)
	desc = <-ch
	if h.Desc() != desc || desc.String() != prometheus.NewDesc("test_labels", opts.Help, []string{"account", "kind"}, nil).String() {
		t.Errorf("Desc %v, Describe %v", h.Desc(), desc)
	}
}

func TestNewHistogramVecPanics(t *testing.T) {
	panics := func(f func()) (p bool) {
		defer func() { p = recover() != nil }()
		f()
		return false
	}
	opts := receiverOpts("test_panics", callDurationBuckets)
	for _, c := range []struct {
		name   string
		mutate func(*prometheus.HistogramOpts)
		labels []string
	}{
		{"constant labels", func(o *prometheus.HistogramOpts) { o.ConstLabels = prometheus.Labels{"a": "b"} }, nil},
		{"maximum zero threshold", func(o *prometheus.HistogramOpts) { o.NativeHistogramMaxZeroThreshold = 1 }, nil},
		{"le label", func(*prometheus.HistogramOpts) {}, []string{"account", "le"}},
		{"buckets out of order", func(o *prometheus.HistogramOpts) { o.Buckets = []float64{1, 3, 2} }, nil},
		{"repeated bucket", func(o *prometheus.HistogramOpts) { o.Buckets = []float64{1, 1} }, nil},
	} {
		o := opts
		c.mutate(&o)
		// client_golang panics when the first child is made; metricvec may
		// panic sooner.
		if !panics(func() { NewHistogramVec(o, c.labels).WithLabelValues(make([]string, len(c.labels))...) }) {
			t.Errorf("%s: no panic", c.name)
		}
	}
}

// nativePopulation is the number of observations in h's native buckets,
// the zero bucket included.
func nativePopulation(h *dto.Histogram) uint64 {
	n := h.GetZeroCount()
	for _, deltas := range [][]int64{h.GetPositiveDelta(), h.GetNegativeDelta()} {
		var c int64
		for _, d := range deltas {
			c += d
			n += uint64(c)
		}
	}
	return n
}

// TestHistogramConcurrentObserveAndWrite observes integers from several
// goroutines, by Observe, ObserveMany and ObserveWithExemplar, while
// others Write and Collect. Every Write must be consistent (native
// buckets add up to the count, classic ones are cumulative), and at the
// end count, sum and classic buckets are exactly what was observed.
func TestHistogramConcurrentObserveAndWrite(t *testing.T) {
	vec := NewHistogramVec(receiverOpts("test_concurrent", callDurationBuckets), []string{"account"})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	vec.now = func() time.Time { return start }
	h := vec.WithLabelValues("a")
	const workers, perWorker = 4, 3000
	bounds := callDurationBuckets
	type tally struct {
		count   uint64
		sum     int64
		buckets []uint64 // non-cumulative, +Inf last
	}
	tallies := make([]tally, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 9))
			tl := tally{buckets: make([]uint64, len(bounds)+1)}
			add := func(v float64) {
				tl.count++
				tl.sum += int64(v)
				i, _ := slices.BinarySearch(bounds, v)
				tl.buckets[i]++
			}
			for n := 0; n < perWorker; {
				switch r.IntN(4) {
				case 0:
					vs := make([]float64, min(1+r.IntN(100), perWorker-n))
					for i := range vs {
						vs[i] = float64(r.IntN(4001))
						add(vs[i])
					}
					h.ObserveMany(vs)
					n += len(vs)
				case 1:
					v := float64(r.IntN(4001))
					add(v)
					h.ObserveWithExemplar(v, prometheus.Labels{"worker": fmt.Sprint(w)})
					n++
				default:
					v := float64(r.IntN(4001))
					add(v)
					h.Observe(v)
					n++
				}
				if r.IntN(200) == 0 {
					vec.WithLabelValues(fmt.Sprint("acct", r.IntN(20))).Observe(1)
				}
			}
			tallies[w] = tl
		})
	}
	done := make(chan struct{})
	errs := make(chan error, 1)
	report := func(err error) {
		select {
		case errs <- err:
		default: // one is enough
		}
	}
	var writers sync.WaitGroup
	writers.Go(func() {
		var last uint64
		for {
			select {
			case <-done:
				return
			default:
			}
			var m dto.Metric
			if err := h.Write(&m); err != nil {
				report(err)
				return
			}
			hist := m.GetHistogram()
			count := hist.GetSampleCount()
			var cum uint64
			for _, b := range hist.GetBucket() {
				if math.IsInf(b.GetUpperBound(), 1) && b.GetCumulativeCount() != count {
					report(fmt.Errorf("+Inf bucket (written for its exemplar) holds %d, count is %d", b.GetCumulativeCount(), count))
					return
				}
				if b.GetCumulativeCount() < cum {
					report(fmt.Errorf("classic buckets not cumulative: %v", hist.GetBucket()))
					return
				}
				cum = b.GetCumulativeCount()
			}
			switch {
			case cum > count:
				report(fmt.Errorf("classic buckets count %d observations of %d", cum, count))
			case nativePopulation(hist) != count:
				report(fmt.Errorf("native buckets hold %d observations, count is %d", nativePopulation(hist), count))
			case count < last:
				report(fmt.Errorf("count went down from %d to %d", last, count))
			case hist.GetSampleSum() != math.Trunc(hist.GetSampleSum()):
				report(fmt.Errorf("sum %g of integers is not one", hist.GetSampleSum()))
			default:
				last = count
				continue
			}
			return
		}
	})
	writers.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			ch := make(chan prometheus.Metric, 64)
			go func() { vec.Collect(ch); close(ch) }()
			for m := range ch {
				var out dto.Metric
				if err := m.Write(&out); err != nil {
					report(err)
				}
			}
		}
	})
	wg.Wait()
	close(done)
	writers.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	want := tally{buckets: make([]uint64, len(bounds)+1)}
	for _, tl := range tallies {
		want.count += tl.count
		want.sum += tl.sum
		for i, n := range tl.buckets {
			want.buckets[i] += n
		}
	}
	hist := writeMetric(t, h).GetHistogram()
	if hist.GetSampleCount() != want.count || hist.GetSampleSum() != float64(want.sum) {
		t.Fatalf("count %d, sum %g; observed %d values summing to %d", hist.GetSampleCount(), hist.GetSampleSum(), want.count, want.sum)
	}
	var cum uint64
	for i, b := range hist.GetBucket()[:len(bounds)] {
		cum += want.buckets[i]
		if b.GetCumulativeCount() != cum || b.GetUpperBound() != bounds[i] {
			t.Fatalf("bucket le=%g holds %d, want le=%g holding %d", b.GetUpperBound(), b.GetCumulativeCount(), bounds[i], cum)
		}
	}
	if nativePopulation(hist) != want.count {
		t.Fatalf("native buckets hold %d observations, want %d", nativePopulation(hist), want.count)
	}
}

// floatBytes encodes vs as FuzzHistogramMatchesClientGolang decodes them.
func floatBytes(vs ...float64) []byte {
	b := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}
	return b
}

// FuzzHistogramMatchesClientGolang decodes values (8 bytes each, the bits
// of a float64) and a chunking: each chunking byte is a Write and compare
// when 0, else ObserveMany of its value mod 32 values (Observe of one when
// that is 1); the rest of the values go in one ObserveMany. config picks
// one of histConfigs.
func FuzzHistogramMatchesClientGolang(f *testing.F) {
	f.Add(uint8(0), floatBytes(1, 2, 3, 4000, 0.5, 1e-130, 0, -7), []byte{1, 3, 0, 2})
	f.Add(uint8(3), floatBytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 1e300, -1e300), []byte{1, 1, 1, 1, 0, 5, 0})
	f.Add(uint8(5), floatBytes(math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, -math.MaxFloat64, 5e-324), []byte{2, 0, 4})
	f.Add(uint8(6), floatBytes(0.005, 0.01, 10, 10.000000000000002, math.NaN()), []byte{})
	f.Add(uint8(8), floatBytes(0, math.Copysign(0, -1), 2.938735877055719e-39, 1, 0.5, 0.25), []byte{0, 1, 0, 1, 0})
	f.Add(uint8(9), floatBytes(0.5, 0.4999999999999999, 1, 2, 4, 1024), []byte{6})
	f.Add(uint8(10), floatBytes(1, 16, 256, 65536, 1<<20, -1, -16), []byte{1, 1, 1, 1, 1, 1, 1, 0})
	f.Add(uint8(11), floatBytes(1.0905077326652577, 1.0442737824274138, 1.0442737824274136, 3), []byte{33})
	configs := histConfigs()
	f.Fuzz(func(t *testing.T, config uint8, values []byte, chunking []byte) {
		c := configs[int(config)%len(configs)]
		vs := make([]float64, 0, len(values)/8)
		for len(values) >= 8 && len(vs) < 4096 {
			vs = append(vs, math.Float64frombits(binary.LittleEndian.Uint64(values)))
			values = values[8:]
		}
		if len(chunking) > 512 {
			chunking = chunking[:512]
		}
		p := newHistPair(t, c.opts, nil)
		for step, b := range chunking {
			switch n := min(int(b%32), len(vs)); {
			case b == 0:
				p.check(fmt.Sprintf("chunk %d", step))
			case n == 1 && b%32 == 1:
				p.observe(vs[0])
			default:
				p.observeMany(vs[:n])
			}
			vs = vs[min(int(b%32), len(vs)):]
		}
		p.observeMany(vs)
		p.check("the end")
	})
}
