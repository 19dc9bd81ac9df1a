package metricvec

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// A HistogramVec is a histogram family whose children write the same
// dto.Metric as client_golang's (classic and native buckets, the bucket
// limit, exemplars), but behind one mutex each instead of lock-free
// atomics. client_golang's Observe pays for its lock-freedom with four or
// five atomic writes to lines every core shares and a sync.Map lookup per
// native bucket; a webhook body observes a hundred values into the same
// child, and ObserveMany takes the lock once for all of them.
//
// What client_golang does with a timer (the reset it schedules once the
// bucket limit was hit before NativeHistogramMinResetDuration passed) is
// done here by the first Observe or Write at or after that time: a scrape
// sees the same. NativeHistogramMaxZeroThreshold (widening the zero
// bucket) and schemas finer than 4 (a bucket factor under 1.044) are not
// supported.
type HistogramVec struct {
	desc   *prometheus.Desc
	opts   prometheus.HistogramOpts
	labels []string

	bounds        []float64 // classic upper bounds, the implicit +Inf left out
	schema        int32     // the initial native schema; noNative for none
	zeroThreshold float64
	maxBuckets    int
	minReset      time.Duration
	exemplarTTL   time.Duration // of native exemplars; -1: none kept
	maxExemplars  int
	small         []smallValue // the buckets of the integers 0 to len-1

	now func() time.Time // time.Now but in tests

	children family[Histogram]
}

// smallValue is where an integer goes: its classic bucket and its native
// key in the initial schema. Durations in seconds, rounds and attempts are
// mostly small integers; a table saves searching two bucket lists.
type smallValue struct{ bucket, key int16 }

// smallValues is the size of the table: integers up to an hour and more.
const smallValues = 4096

const (
	noNative     = math.MinInt32
	maxSchema    = 4
	minSchema    = -4
	reservedName = "__"
)

// nativeBounds are client_golang's boundaries of a value's fraction (as
// math.Frexp splits it) per schema 0 to maxSchema, copied bit for bit:
// computing them could round differently, and a value on a boundary would
// then land in another bucket than client_golang puts it.
var nativeBounds = [maxSchema + 1][]float64{
	{0.5},
	{0.5, 0.7071067811865475},
	{0.5, 0.5946035575013605, 0.7071067811865475, 0.8408964152537144},
	{
		0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048,
		0.7071067811865475, 0.7711054127039704, 0.8408964152537144, 0.9170040432046711,
	},
	{
		0.5, 0.5221368912137069, 0.5452538663326288, 0.5693943173783458,
		0.5946035575013605, 0.620928906036742, 0.6484197773255048, 0.6771277734684463,
		0.7071067811865475, 0.7384130729697496, 0.7711054127039704, 0.805245165974627,
		0.8408964152537144, 0.8781260801866495, 0.9170040432046711, 0.9576032806985735,
	},
}

// NewHistogramVec returns an empty histogram family for opts with the
// given variable labels. It panics where client_golang's NewHistogramVec
// does, and on the options it does not support: constant labels, a
// maximum zero threshold, a schema finer than 4.
func NewHistogramVec(opts prometheus.HistogramOpts, labelNames []string) *HistogramVec {
	if len(opts.ConstLabels) > 0 {
		panic("metricvec: constant labels are not supported")
	}
	if opts.NativeHistogramMaxZeroThreshold != 0 {
		panic("metricvec: NativeHistogramMaxZeroThreshold is not supported")
	}
	if slices.Contains(labelNames, "le") {
		panic(`metricvec: "le" is not allowed as label name in histograms`)
	}
	name := prometheus.BuildFQName(opts.Namespace, opts.Subsystem, opts.Name)
	v := &HistogramVec{
		desc:       prometheus.NewDesc(name, opts.Help, labelNames, nil),
		opts:       opts,
		labels:     slices.Clone(labelNames),
		bounds:     slices.Clone(opts.Buckets),
		schema:     noNative,
		maxBuckets: int(opts.NativeHistogramMaxBucketNumber),
		minReset:   opts.NativeHistogramMinResetDuration,
		now:        time.Now,
		children:   newFamily[Histogram](labelNames),
	}
	if len(v.bounds) == 0 && opts.NativeHistogramBucketFactor <= 1 {
		v.bounds = slices.Clone(prometheus.DefBuckets)
	}
	if opts.NativeHistogramBucketFactor > 1 {
		v.schema = pickSchema(opts.NativeHistogramBucketFactor)
		if v.schema > maxSchema {
			panic(fmt.Sprintf("metricvec: a native bucket factor of %g (schema %d) is finer than supported", opts.NativeHistogramBucketFactor, v.schema))
		}
		switch {
		case opts.NativeHistogramZeroThreshold > 0:
			v.zeroThreshold = opts.NativeHistogramZeroThreshold
		case opts.NativeHistogramZeroThreshold == 0:
			v.zeroThreshold = prometheus.DefNativeHistogramZeroThreshold
		}
		v.exemplarTTL, v.maxExemplars = opts.NativeHistogramExemplarTTL, opts.NativeHistogramMaxExemplars
		if v.exemplarTTL == 0 {
			v.exemplarTTL = 5 * time.Minute
		}
		if v.maxExemplars == 0 {
			v.maxExemplars = 10
		}
		if v.maxExemplars < 0 {
			v.maxExemplars, v.exemplarTTL = 0, -1
		}
	}
	for i, b := range v.bounds {
		if i < len(v.bounds)-1 {
			if b >= v.bounds[i+1] {
				panic(fmt.Errorf("histogram buckets must be in increasing order: %f >= %f", b, v.bounds[i+1]))
			}
		} else if math.IsInf(b, +1) {
			v.bounds = v.bounds[:i]
		}
	}
	if len(v.bounds) < math.MaxInt16 {
		v.small = make([]smallValue, smallValues)
		for i := range v.small {
			s := smallValue{bucket: int16(findBucket(v.bounds, float64(i)))}
			if v.schema != noNative {
				s.key = int16(nativeKey(float64(i), v.schema))
			}
			v.small[i] = s
		}
	}
	return v
}

// pickSchema is client_golang's choice of schema for a bucket factor.
func pickSchema(factor float64) int32 {
	floor := math.Floor(math.Log2(math.Log2(factor)))
	switch {
	case floor <= -8:
		return 8
	case floor >= 4:
		return minSchema
	default:
		return -int32(floor)
	}
}

// Describe sends the family's description.
func (v *HistogramVec) Describe(ch chan<- *prometheus.Desc) { ch <- v.desc }

// Collect sends every child, in no particular order: a registry sorts a
// family's metrics.
func (v *HistogramVec) Collect(ch chan<- prometheus.Metric) {
	v.children.mu.RLock()
	children := make([]*Histogram, 0, len(v.children.m))
	for _, h := range v.children.m {
		children = append(children, h)
	}
	v.children.mu.RUnlock()
	for _, h := range children {
		ch <- h
	}
}

// WithLabelValues returns the child for the label values, creating it on
// first use. It panics, as client_golang's does, on a wrong number of
// values or a value that is not valid UTF-8.
func (v *HistogramVec) WithLabelValues(lvs ...string) *Histogram {
	h, err := v.GetMetricWithLabelValues(lvs...)
	if err != nil {
		panic(err)
	}
	return h
}

// GetMetricWithLabelValues is WithLabelValues returning client_golang's
// error instead of panicking.
func (v *HistogramVec) GetMetricWithLabelValues(lvs ...string) (*Histogram, error) {
	return v.children.child(lvs, func() error {
		_, err := prometheus.NewHistogramVec(v.opts, v.labels).GetMetricWithLabelValues(lvs...)
		return err
	}, func() *Histogram {
		return &Histogram{
			vec:        v,
			labelPairs: prometheus.MakeLabelPairs(v.desc, lvs),
			buckets:    make([]uint64, len(v.bounds)),
			exemplars:  make([]*dto.Exemplar, len(v.bounds)+1),
			schema:     v.schema,
			pos:        windowFor(v.schema),
			neg:        windowFor(v.schema),
			created:    v.now(),
		}
	})
}

// A Histogram is a child of a HistogramVec.
type Histogram struct {
	vec        *HistogramVec
	labelPairs []*dto.LabelPair

	mu        sync.Mutex
	count     uint64
	sum       float64
	buckets   []uint64 // classic, per bound, not cumulative; +Inf is the rest of count
	schema    int32
	zeroCount uint64
	pos, neg  nativeBuckets
	created   time.Time // the last reset
	resetAt   time.Time // a reset due then; zero: none due
	exemplars []*dto.Exemplar
	native    []*dto.Exemplar // by value
}

// Desc is the family's description.
func (h *Histogram) Desc() *prometheus.Desc { return h.vec.desc }

// Describe sends the family's description.
func (h *Histogram) Describe(ch chan<- *prometheus.Desc) { ch <- h.vec.desc }

// Collect sends the histogram.
func (h *Histogram) Collect(ch chan<- prometheus.Metric) { ch <- h }

// Observe adds v.
func (h *Histogram) Observe(v float64) {
	h.mu.Lock()
	h.dueReset()
	h.observe(v)
	h.mu.Unlock()
}

// ObserveMany adds the values of vs in order, as Observe on each would,
// under one lock.
func (h *Histogram) ObserveMany(vs []float64) {
	if len(vs) == 0 {
		return
	}
	h.mu.Lock()
	h.dueReset()
	for _, v := range vs {
		h.observe(v)
	}
	h.mu.Unlock()
}

// ObserveWithExemplar adds v with an exemplar of labels l. Exemplar
// labels client_golang would refuse (with a panic) are dropped: v is
// observed all the same.
func (h *Histogram) ObserveWithExemplar(v float64, l prometheus.Labels) {
	var e *dto.Exemplar
	if l != nil {
		e = h.newExemplar(v, l)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dueReset()
	bucket := h.observe(v)
	if e == nil {
		return
	}
	h.exemplars[bucket] = e
	if h.vec.schema != noNative && h.vec.exemplarTTL != -1 && !math.IsNaN(v) {
		h.addNativeExemplar(e)
	}
}

func (h *Histogram) newExemplar(v float64, l prometheus.Labels) *dto.Exemplar {
	ts := timestamppb.New(h.vec.now())
	if ts.CheckValid() != nil {
		return nil
	}
	pairs := make([]*dto.LabelPair, 0, len(l))
	runes := 0
	for name, value := range l {
		// client_golang checks names with model.NameValidationScheme,
		// which nothing here changes from UTF-8.
		if !model.UTF8Validation.IsValidLabelName(name) || strings.HasPrefix(name, reservedName) || !utf8.ValidString(value) {
			return nil
		}
		runes += utf8.RuneCountInString(name) + utf8.RuneCountInString(value)
		pairs = append(pairs, &dto.LabelPair{Name: proto.String(name), Value: proto.String(value)})
	}
	if runes > prometheus.ExemplarMaxRunes {
		return nil
	}
	return &dto.Exemplar{Value: proto.Float64(v), Timestamp: ts, Label: pairs}
}

// findBucket is the classic bucket of v among bounds: len(bounds) for
// +Inf.
func findBucket(bounds []float64, v float64) int {
	for i, bound := range bounds {
		if v <= bound {
			return i
		}
	}
	return len(bounds)
}

// observe adds v and keeps to the native bucket limit as client_golang
// does after each observation. h.mu is held.
func (h *Histogram) observe(v float64) int {
	var bucket, key int
	if i := int(v); float64(i) == v && uint(i) < uint(len(h.vec.small)) {
		s := h.vec.small[i]
		bucket, key = int(s.bucket), int(s.key)
		for range h.vec.schema - h.schema {
			key = halvedKey(key)
		}
	} else {
		bucket = findBucket(h.vec.bounds, v)
		if h.vec.schema != noNative && !math.IsNaN(v) {
			key = nativeKeyOf(v, h.schema)
		}
	}
	h.add(v, bucket, key)
	if h.vec.schema == noNative || math.IsNaN(v) || h.vec.maxBuckets == 0 || h.pos.n+h.neg.n <= h.vec.maxBuckets {
		return bucket
	}
	if h.vec.minReset > 0 && h.resetAt.IsZero() {
		if now := h.vec.now(); now.Sub(h.created) >= h.vec.minReset {
			// The bucket limit is hit long enough after the last reset:
			// start over, from the latest value.
			h.reset(now)
			h.add(v, bucket, nativeKeyOf(v, h.schema))
			return bucket
		}
		// Not yet: the reset is due then, and until then the resolution
		// halves.
		h.resetAt = h.created.Add(h.vec.minReset)
	}
	h.halveResolution()
	return bucket
}

// add counts v in its classic bucket and, unless it is NaN, in its native
// one, key.
func (h *Histogram) add(v float64, bucket, key int) {
	if bucket < len(h.buckets) {
		h.buckets[bucket]++
	}
	h.sum += v
	h.count++
	if h.vec.schema == noNative || math.IsNaN(v) {
		return
	}
	switch z := h.vec.zeroThreshold; {
	case v > z:
		h.pos.add(key, 1)
	case v < -z:
		h.neg.add(key, 1)
	default:
		h.zeroCount++
	}
}

// nativeKey is the native bucket of a (≥ 0, finite) in schema.
func nativeKey(a float64, schema int32) int {
	frac, exp := math.Frexp(a)
	if schema > 0 {
		bounds := nativeBounds[schema]
		return sort.SearchFloat64s(bounds, frac) + (exp-1)*len(bounds)
	}
	key := exp
	if frac == 0.5 {
		key--
	}
	offset := (1 << -schema) - 1
	return (key + offset) >> -schema
}

// nativeKeyOf is the native bucket of v (not NaN) in schema: client_golang
// counts ±Inf one bucket past ±MaxFloat64's.
func nativeKeyOf(v float64, schema int32) int {
	if math.IsInf(v, 0) {
		return nativeKey(math.MaxFloat64, schema) + 1
	}
	return nativeKey(math.Abs(v), schema)
}

// halveResolution merges native buckets pairwise (one schema lower), as
// client_golang does when the limit is hit and no reset is allowed yet;
// nothing at the lowest schema.
func (h *Histogram) halveResolution() {
	if h.schema == minSchema {
		return
	}
	h.schema--
	h.pos, h.neg = h.pos.halved(h.schema), h.neg.halved(h.schema)
}

// halvedKey is the key one schema lower of the bucket that holds key.
func halvedKey(key int) int {
	if key > 0 {
		key++
	}
	return key / 2
}

// nativeBuckets counts the native buckets of one sign by key: those of
// values from 1/4 to 2^30 in a window, the rare others in a map. A value's
// bucket in the window is one add, where client_golang's is a sync.Map
// lookup. Worst case, a window of 2 KiB per child with a value.
type nativeBuckets struct {
	lo  int      // the key of win[0]
	win []uint64 // windowSize, allocated with the first value in it
	out map[int]uint64
	n   int // buckets with a value
}

const windowSize = 256

func windowFor(schema int32) nativeBuckets {
	if schema > 0 {
		return nativeBuckets{lo: -2 << schema}
	}
	return nativeBuckets{lo: -2}
}

func (b *nativeBuckets) add(key int, n uint64) {
	if i := key - b.lo; uint(i) < windowSize {
		if b.win == nil {
			b.win = make([]uint64, windowSize)
		}
		if b.win[i] == 0 {
			b.n++
		}
		b.win[i] += n
		return
	}
	if b.out == nil {
		b.out = map[int]uint64{}
	}
	if b.out[key] == 0 {
		b.n++
	}
	b.out[key] += n
}

// each calls f on every bucket with a value, by key.
func (b *nativeBuckets) each(f func(key int, n uint64)) {
	keys := make([]int, 0, len(b.out))
	for k := range b.out {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	i := 0
	for ; i < len(keys) && keys[i] < b.lo; i++ {
		f(keys[i], b.out[keys[i]])
	}
	for j, n := range b.win {
		if n > 0 {
			f(b.lo+j, n)
		}
	}
	for ; i < len(keys); i++ {
		f(keys[i], b.out[keys[i]])
	}
}

// halved is b one schema lower, schema.
func (b *nativeBuckets) halved(schema int32) nativeBuckets {
	out := windowFor(schema)
	b.each(func(key int, n uint64) { out.add(halvedKey(key), n) })
	return out
}

// dueReset resets the histogram when a reset scheduled by the bucket
// limit is due, as of when client_golang's timer would have done it.
// h.mu is held.
func (h *Histogram) dueReset() {
	if !h.resetAt.IsZero() && !h.vec.now().Before(h.resetAt) {
		h.reset(h.resetAt)
	}
}

// reset empties the histogram, its exemplars kept as client_golang keeps
// them. h.mu is held.
func (h *Histogram) reset(now time.Time) {
	h.count, h.sum, h.zeroCount = 0, 0, 0
	clear(h.buckets)
	h.schema = h.vec.schema
	h.pos, h.neg = windowFor(h.schema), windowFor(h.schema)
	h.created = now
	h.resetAt = time.Time{}
}

// Write fills m as client_golang's histogram does.
func (h *Histogram) Write(m *dto.Metric) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dueReset()
	his := &dto.Histogram{
		Bucket:           make([]*dto.Bucket, len(h.buckets)),
		SampleCount:      proto.Uint64(h.count),
		SampleSum:        proto.Float64(h.sum),
		CreatedTimestamp: timestamppb.New(h.created),
	}
	m.Histogram = his
	m.Label = h.labelPairs
	var cum uint64
	for i, bound := range h.vec.bounds {
		cum += h.buckets[i]
		his.Bucket[i] = &dto.Bucket{CumulativeCount: proto.Uint64(cum), UpperBound: proto.Float64(bound), Exemplar: h.exemplars[i]}
	}
	if e := h.exemplars[len(h.buckets)]; e != nil {
		his.Bucket = append(his.Bucket, &dto.Bucket{CumulativeCount: proto.Uint64(h.count), UpperBound: proto.Float64(math.Inf(1)), Exemplar: e})
	}
	if h.vec.schema == noNative {
		return nil
	}
	his.ZeroThreshold = proto.Float64(h.vec.zeroThreshold)
	his.Schema = proto.Int32(h.schema)
	his.ZeroCount = proto.Uint64(h.zeroCount)
	his.NegativeSpan, his.NegativeDelta = spans(&h.neg)
	his.PositiveSpan, his.PositiveDelta = spans(&h.pos)
	if h.vec.zeroThreshold == 0 && h.zeroCount == 0 && len(his.PositiveSpan) == 0 && len(his.NegativeSpan) == 0 {
		// A no-op span keeps an empty native histogram from looking classic.
		his.PositiveSpan = []*dto.BucketSpan{{Offset: proto.Int32(0), Length: proto.Uint32(0)}}
	}
	if h.vec.exemplarTTL != -1 {
		his.Exemplars = append(his.Exemplars, h.native...)
	}
	return nil
}

// spans encodes native buckets as client_golang does: gaps of one or two
// empty buckets stay inside a span.
func spans(b *nativeBuckets) ([]*dto.BucketSpan, []int64) {
	if b.n == 0 {
		return nil, nil
	}
	var (
		spans  []*dto.BucketSpan
		deltas []int64
		prev   int64
		next   int
	)
	appendDelta := func(n int64) {
		*spans[len(spans)-1].Length++
		deltas = append(deltas, n-prev)
		prev = n
	}
	b.each(func(k int, n uint64) {
		gap := int32(k - next)
		if len(spans) == 0 || gap > 2 {
			spans = append(spans, &dto.BucketSpan{Offset: proto.Int32(gap), Length: proto.Uint32(0)})
		} else {
			for range gap {
				appendDelta(0)
			}
		}
		appendDelta(int64(n))
		next = k + 1
	})
	return spans, deltas
}

// addNativeExemplar keeps e among at most maxExemplars native exemplars,
// sorted by value, by client_golang's rule: while there is room, e is
// inserted; then it replaces the oldest if that one is older than the TTL,
// and otherwise one of the pair of exemplars closest in log value (the
// older, or the neighbour e would be closest to), keeping them spread.
func (h *Histogram) addNativeExemplar(e *dto.Exemplar) {
	ex := h.native
	if len(ex) < h.vec.maxExemplars {
		i := 0
		for i < len(ex) && *e.Value >= *ex[i].Value {
			i++
		}
		h.native = slices.Insert(ex, i, e)
		return
	}
	if len(ex) == 1 {
		ex[0] = e
		return
	}
	var (
		oldest    time.Time
		oldestIdx = -1
		minDiff   = -1.0
		insertIdx = -1
		replace   = -1
		cur, prev float64
	)
	for i, x := range ex {
		if oldestIdx == -1 || x.Timestamp.AsTime().Before(oldest) {
			oldest, oldestIdx = x.Timestamp.AsTime(), i
		}
		if insertIdx == -1 && *e.Value <= *x.Value {
			insertIdx = i
		}
		prev, cur = cur, math.Log(x.GetValue())
		if i == 0 {
			continue
		}
		if d := math.Abs(cur - prev); minDiff == -1 || d < minDiff {
			minDiff = d
			if ex[i].Timestamp.AsTime().Before(ex[i-1].Timestamp.AsTime()) {
				replace = i
			} else {
				replace = i - 1
			}
		}
	}
	if insertIdx == -1 {
		insertIdx = len(ex)
	}
	if oldestIdx != -1 && e.Timestamp.AsTime().Sub(oldest) > h.vec.exemplarTTL {
		replace = oldestIdx
	} else {
		l := math.Log(e.GetValue())
		if insertIdx > 0 {
			if d := math.Abs(l - math.Log(ex[insertIdx-1].GetValue())); d < minDiff {
				minDiff, replace = d, insertIdx-1
			}
		}
		if insertIdx < len(ex) {
			if d := math.Abs(math.Log(ex[insertIdx].GetValue()) - l); d < minDiff {
				replace = insertIdx
			}
		}
	}
	switch {
	case replace == insertIdx:
		ex[insertIdx] = e
	case replace < insertIdx:
		copy(ex[replace:], ex[replace+1:insertIdx])
		ex[insertIdx-1] = e
	default:
		copy(ex[insertIdx+1:replace+1], ex[insertIdx:replace])
		ex[insertIdx] = e
	}
}
