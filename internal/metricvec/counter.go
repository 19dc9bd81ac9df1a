// Package metricvec has a counter vector that renders its own text
// exposition. client_golang's Gather builds a dto.Metric per series,
// hashes its labels to check consistency and sorts every family on every
// scrape before the encoder formats it; for families of many series that
// is most of a scrape's CPU. A CounterVec keeps each child's label pairs
// rendered once, keeps its children sorted as client_golang sorts them
// (re-sorting only when a child was added), and appends the family in the
// exact bytes expfmt would write (AppendText). It is a prometheus.Collector
// all the same, and its children are prometheus.Counters, so registries,
// testutil and the protobuf format see no difference.
//
// The package also has a histogram vector (histogram.go) whose children
// write client_golang's dto.Metric behind one mutex, so that a webhook
// body's values go in under one lock (ObserveMany).
package metricvec

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// CounterVec is a counter family partitioned by label values. Children are
// never deleted: a child once returned counts into the family for good.
type CounterVec struct {
	desc   *prometheus.Desc
	opts   prometheus.CounterOpts
	name   string
	labels []string // label names in the order WithLabelValues takes values
	order  []int    // order[i]: the WithLabelValues index of the i-th label by name
	legacy bool     // the family and label names need no quoting or escaping

	// headers[om] are the family's # HELP and # TYPE lines, for the text
	// format (false) and OpenMetrics (true).
	headers [2]string

	children family[Counter]
	pending  []*Counter // added since the last sort, under children.mu

	sortMu   sync.Mutex                 // serialises re-sorting
	sorted   atomic.Pointer[[]*Counter] // every child but pending ones, in exposition order
	pendN    atomic.Int64               // len(pending), read without children.mu
	sizeHint atomic.Int64               // bytes of the last rendering
}

// NewCounterVec returns an empty counter family named opts' fully-qualified
// name with the given variable labels. It panics on constant labels: a
// family that needs them is client_golang's.
func NewCounterVec(opts prometheus.CounterOpts, labelNames []string) *CounterVec {
	if len(opts.ConstLabels) > 0 {
		panic("metricvec: constant labels are not supported")
	}
	name := prometheus.BuildFQName(opts.Namespace, opts.Subsystem, opts.Name)
	v := &CounterVec{
		desc:     prometheus.NewDesc(name, opts.Help, labelNames, nil),
		opts:     opts,
		name:     name,
		labels:   slices.Clone(labelNames),
		children: newFamily[Counter](labelNames),
	}
	v.order = make([]int, len(labelNames))
	for i := range v.order {
		v.order[i] = i
	}
	slices.SortStableFunc(v.order, func(a, b int) int { return cmp.Compare(labelNames[a], labelNames[b]) })
	v.legacy = model.LegacyValidation.IsValidMetricName(name)
	for _, l := range labelNames {
		v.legacy = v.legacy && model.LegacyValidation.IsValidLabelName(l)
	}
	v.headers[0] = Header(name, opts.Help, dto.MetricType_COUNTER, false)
	v.headers[1] = Header(name, opts.Help, dto.MetricType_COUNTER, true)
	v.sorted.Store(&[]*Counter{})
	return v
}

// Header renders a family's # HELP and # TYPE lines as expfmt does for a
// counter, gauge or summary: OpenMetrics names a counter family without
// its _total suffix (or types it unknown without one) and escapes double
// quotes in the help text.
func Header(name, help string, typ dto.MetricType, openMetrics bool) string {
	var b strings.Builder
	t := " gauge\n"
	switch typ {
	case dto.MetricType_COUNTER:
		t = " counter\n"
		if openMetrics {
			if base, ok := strings.CutSuffix(name, "_total"); ok {
				name = base
			} else {
				t = " unknown\n"
			}
		}
	case dto.MetricType_SUMMARY:
		t = " summary\n"
	}
	b.WriteString("# HELP ")
	b.WriteString(name)
	b.WriteByte(' ')
	b.WriteString(escape(help, openMetrics))
	b.WriteString("\n# TYPE ")
	b.WriteString(name)
	b.WriteString(t)
	return b.String()
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	valueEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escape(s string, quotes bool) string {
	if quotes {
		return valueEscaper.Replace(s)
	}
	return helpEscaper.Replace(s)
}

// FamilyName is the family's name.
func (v *CounterVec) FamilyName() string { return v.name }

// LegacyNames reports whether the family's and labels' names are valid in
// the legacy (pre-UTF-8) scheme: expfmt writes them unquoted and unescaped
// under every escaping scheme, as AppendText does. A family with other
// names is left to client_golang's encoder.
func (v *CounterVec) LegacyNames() bool { return v.legacy }

// Describe sends the family's description.
func (v *CounterVec) Describe(ch chan<- *prometheus.Desc) { ch <- v.desc }

// Collect sends every child.
func (v *CounterVec) Collect(ch chan<- prometheus.Metric) {
	for _, c := range v.snapshot() {
		ch <- c
	}
}

// WithLabelValues returns the child for the label values, in the order of
// the label names given to NewCounterVec, creating it on first use. It
// panics, as client_golang's does, on a wrong number of values or a value
// that is not valid UTF-8.
func (v *CounterVec) WithLabelValues(lvs ...string) *Counter {
	c, err := v.GetMetricWithLabelValues(lvs...)
	if err != nil {
		panic(err)
	}
	return c
}

// GetMetricWithLabelValues is WithLabelValues returning client_golang's
// error instead of panicking.
func (v *CounterVec) GetMetricWithLabelValues(lvs ...string) (*Counter, error) {
	return v.children.child(lvs, func() error {
		_, err := prometheus.NewCounterVec(v.opts, v.labels).GetMetricWithLabelValues(lvs...)
		return err
	}, func() *Counter {
		c := v.newChild(lvs)
		v.pending = append(v.pending, c)
		v.pendN.Store(int64(len(v.pending)))
		return c
	})
}

// newChild renders the child's label pairs once, sorted by label name as
// client_golang sorts a metric's label pairs.
func (v *CounterVec) newChild(lvs []string) *Counter {
	c := &Counter{
		vec:     v,
		values:  make([]string, len(lvs)),
		pairs:   make([]*dto.LabelPair, len(lvs)),
		created: timestamppb.New(time.Now()),
	}
	var b strings.Builder
	b.WriteString(v.name)
	for i, j := range v.order {
		val := strings.Clone(lvs[j])
		c.values[i] = val
		c.pairs[i] = &dto.LabelPair{Name: proto.String(v.labels[j]), Value: proto.String(val)}
		if i == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(v.labels[j])
		b.WriteString(`="`)
		b.WriteString(escape(val, true))
		b.WriteByte('"')
	}
	if len(lvs) > 0 {
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	c.prefix = b.String()
	if len(lvs) == 0 {
		c.pairs = nil
	}
	return c
}

// snapshot is every child in exposition order. The children added since
// the last call are sorted and merged in; otherwise it is one load.
func (v *CounterVec) snapshot() []*Counter {
	if v.pendN.Load() == 0 {
		return *v.sorted.Load()
	}
	v.sortMu.Lock()
	defer v.sortMu.Unlock()
	v.children.mu.Lock()
	added := v.pending
	v.pending = nil
	v.pendN.Store(0)
	v.children.mu.Unlock()
	old := *v.sorted.Load()
	if len(added) == 0 {
		return old
	}
	slices.SortFunc(added, compareChildren)
	merged := make([]*Counter, 0, len(old)+len(added))
	for len(old) > 0 && len(added) > 0 {
		if compareChildren(added[0], old[0]) < 0 {
			merged, added = append(merged, added[0]), added[1:]
		} else {
			merged, old = append(merged, old[0]), old[1:]
		}
	}
	merged = append(append(merged, old...), added...)
	v.sorted.Store(&merged)
	return merged
}

// compareChildren orders children as client_golang orders a family's
// metrics: by label values, label by label in label-name order.
func compareChildren(a, b *Counter) int {
	for i, av := range a.values {
		if c := strings.Compare(av, b.values[i]); c != 0 {
			return c
		}
	}
	return 0
}

// AppendText appends the family in the text exposition format, OpenMetrics
// when openMetrics is set, exactly as expfmt encodes what Gather answers
// for it; nothing when it has no child (Gather leaves it out). Only for a
// family with LegacyNames.
func (v *CounterVec) AppendText(b []byte, openMetrics bool) []byte {
	cs := v.snapshot()
	if len(cs) == 0 {
		return b
	}
	if hint := int(v.sizeHint.Load()); cap(b)-len(b) < hint {
		b = slices.Grow(b, hint+hint/8)
	}
	start := len(b)
	om := 0
	if openMetrics {
		om = 1
	}
	b = append(b, v.headers[om]...)
	for _, c := range cs {
		b = append(b, c.prefix...)
		b = AppendFloat(b, c.get(), openMetrics)
		b = append(b, '\n')
	}
	v.sizeHint.Store(int64(len(b) - start))
	return b
}

// AppendFloat appends f as expfmt writes a sample value: Go's shortest
// 'g' formatting, with NaN and ±Inf spelled as Prometheus does, and in
// OpenMetrics a ".0" on a value that has neither a point nor an exponent.
func AppendFloat(b []byte, f float64, openMetrics bool) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, +1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	case f == 0:
		// Also -0, which expfmt writes as 0.
		b = append(b, '0')
	case f == math.Trunc(f) && math.Abs(f) < 1e6:
		// 'g' writes an integer below 1e6 in plain digits.
		b = strconv.AppendInt(b, int64(f), 10)
	default:
		n := len(b)
		b = strconv.AppendFloat(b, f, 'g', -1, 64)
		if !openMetrics || slices.ContainsFunc(b[n:], func(c byte) bool { return c == '.' || c == 'e' }) {
			return b
		}
	}
	if openMetrics {
		b = append(b, '.', '0')
	}
	return b
}

// Counter is one child of a CounterVec: a prometheus.Counter.
type Counter struct {
	// The value is kept as client_golang's counter keeps it, integer
	// increments apart from fractional ones, so the sums are the same.
	valBits atomic.Uint64
	valInt  atomic.Uint64

	vec     *CounterVec
	prefix  string   // name{labels} and the space before the value
	values  []string // label values in label-name order
	pairs   []*dto.LabelPair
	created *timestamppb.Timestamp
}

var _ prometheus.Counter = (*Counter)(nil)

// Add adds v, which must not be negative (it panics, as a client_golang
// counter does).
func (c *Counter) Add(v float64) {
	if v < 0 {
		panic(errors.New("counter cannot decrease in value"))
	}
	ival := uint64(v)
	if float64(ival) == v {
		c.valInt.Add(ival)
		return
	}
	for {
		old := c.valBits.Load()
		if c.valBits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+v)) {
			return
		}
	}
}

// Inc adds one.
func (c *Counter) Inc() { c.valInt.Add(1) }

func (c *Counter) get() float64 {
	return math.Float64frombits(c.valBits.Load()) + float64(c.valInt.Load())
}

// Desc is the family's description.
func (c *Counter) Desc() *prometheus.Desc { return c.vec.desc }

// Write fills m as client_golang's counter does.
func (c *Counter) Write(m *dto.Metric) error {
	m.Label = c.pairs
	m.Counter = &dto.Counter{Value: proto.Float64(c.get()), CreatedTimestamp: c.created}
	return nil
}

// Describe sends the family's description.
func (c *Counter) Describe(ch chan<- *prometheus.Desc) { ch <- c.vec.desc }

// Collect sends the child itself.
func (c *Counter) Collect(ch chan<- prometheus.Metric) { ch <- c }
