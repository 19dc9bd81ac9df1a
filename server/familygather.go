package server

import (
	"hash/maphash"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
)

// familyGatherer gathers one unchecked collector into what a
// prometheus.Registry holding it alone answers, for a collector whose
// metrics pass every check of the registry: then the answer is the same,
// family for family, metric for metric. It reports false on anything the
// registry would report as an error, and on anything it does not check as
// the registry does (a description it cannot read, a label name outside
// the legacy scheme): the registry then gathers, with its own messages.
//
// It keeps its metric channel and its maps from one Gather to the next (a
// prometheus.Registry allocates a channel of a thousand metrics twice per
// Gather), so one familyGatherer serves one Gather at a time.
type familyGatherer struct {
	ch     chan prometheus.Metric
	descs  map[*prometheus.Desc]descInfo
	byName map[string]*dto.MetricFamily
	series map[uint64]struct{} // the series' hashes, as the registry keeps them
	seed   maphash.Seed
	key    []byte
	names  []string
	out    []*dto.MetricFamily // valid until the next gather
}

// descInfo is what a description gives its family: the name and help (and
// the pointers to them the families share: nothing writes a gathered
// family's name or help), or ok false for a description the registry would
// refuse.
type descInfo struct {
	name, help       string
	namePtr, helpPtr *string
	ok               bool
}

// metricTypes are the families' type pointers, shared as the names are.
var metricTypes = func() map[dto.MetricType]*dto.MetricType {
	m := map[dto.MetricType]*dto.MetricType{}
	for t := range dto.MetricType_name {
		m[dto.MetricType(t)] = dto.MetricType(t).Enum()
	}
	return m
}()

// maxCachedDescs bounds the descriptions remembered: a collector that
// makes new descriptions on every Collect is gathered by the registry.
const maxCachedDescs = 4096

func newFamilyGatherer() *familyGatherer {
	return &familyGatherer{
		ch:     make(chan prometheus.Metric, 256),
		descs:  map[*prometheus.Desc]descInfo{},
		byName: map[string]*dto.MetricFamily{},
		series: map[uint64]struct{}{},
		seed:   maphash.MakeSeed(),
	}
}

// endOfCollect follows a collector's last metric on the channel.
type endOfCollect struct{ prometheus.Metric }

// collectAll collects c on a goroutine of its own into ch (a channel kept
// from one call to the next) and hands each metric to each, in order, until
// c is done.
func collectAll(c prometheus.Collector, ch chan prometheus.Metric, each func(prometheus.Metric)) {
	go func() {
		c.Collect(ch)
		ch <- endOfCollect{}
	}()
	for m := range ch {
		if _, end := m.(endOfCollect); end {
			return
		}
		each(m)
	}
}

// gather collects c and answers its families sorted by name, each one's
// metrics sorted as the registry sorts them, in a slice valid until the
// next gather; false (with c collected to the end all the same) when the
// registry has to gather.
func (g *familyGatherer) gather(c prometheus.Collector) ([]*dto.MetricFamily, bool) {
	ok := true
	collectAll(c, g.ch, func(m prometheus.Metric) { ok = ok && g.add(m) })
	defer func() {
		clear(g.byName)
		clear(g.series)
	}()
	if !ok {
		return nil, false
	}
	g.names = g.names[:0]
	for name := range g.byName {
		g.names = append(g.names, name)
	}
	sort.Strings(g.names)
	clear(g.out)
	g.out = g.out[:0]
	for _, name := range g.names {
		mf := g.byName[name]
		sort.Sort(metricSorter(mf.Metric))
		g.out = append(g.out, mf)
	}
	return g.out, true
}

// add adds m to its family as processMetric does, reporting false where
// processMetric fails or where add does not check as it does.
func (g *familyGatherer) add(m prometheus.Metric) bool {
	d := g.desc(m.Desc())
	if !d.ok {
		return false
	}
	dm := &dto.Metric{}
	if err := m.Write(dm); err != nil {
		return false
	}
	var typ dto.MetricType
	switch {
	case dm.Gauge != nil:
		typ = dto.MetricType_GAUGE
	case dm.Counter != nil:
		typ = dto.MetricType_COUNTER
	case dm.Summary != nil:
		typ = dto.MetricType_SUMMARY
	case dm.Untyped != nil:
		typ = dto.MetricType_UNTYPED
	case dm.Histogram != nil:
		typ = dto.MetricType_HISTOGRAM
	default:
		return false
	}
	mf, exists := g.byName[d.name]
	if exists {
		// A metric of several types is a type the family does not have.
		if mf.GetHelp() != d.help || mf.GetType() != typ || setTypes(dm) != 1 {
			return false
		}
	} else {
		if setTypes(dm) != 1 || flattenClash(d.name, typ, g.byName) {
			return false
		}
		mf = &dto.MetricFamily{Name: d.namePtr, Help: d.helpPtr, Type: metricTypes[typ]}
		g.byName[d.name] = mf
	}
	if !g.consistent(mf, dm) {
		return false
	}
	mf.Metric = append(mf.Metric, dm)
	return true
}

// setTypes is how many of the type fields of m are set.
func setTypes(m *dto.Metric) int {
	n := 0
	for _, set := range []bool{m.Gauge != nil, m.Counter != nil, m.Summary != nil, m.Untyped != nil, m.Histogram != nil} {
		if set {
			n++
		}
	}
	return n
}

// flattenClash is checkSuffixCollisions: a new family named name of type
// typ clashes with a family gathered before it whose name it would be
// flattened into, or that would be flattened into it.
func flattenClash(name string, typ dto.MetricType, byName map[string]*dto.MetricFamily) bool {
	for _, suffix := range []string{"_count", "_sum", "_bucket"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if mf, ok := byName[base]; ok {
				t := mf.GetType()
				if t == dto.MetricType_HISTOGRAM || t == dto.MetricType_SUMMARY && suffix != "_bucket" {
					return true
				}
			}
			break
		}
	}
	if typ != dto.MetricType_HISTOGRAM && typ != dto.MetricType_SUMMARY {
		return false
	}
	for _, suffix := range []string{"_count", "_sum", "_bucket"} {
		if _, ok := byName[name+suffix]; ok && (typ == dto.MetricType_HISTOGRAM || suffix != "_bucket") {
			return true
		}
	}
	return false
}

// consistent is checkMetricConsistency: the labels' names distinct, valid
// (here: in the legacy scheme) and sorted (a copy sorted otherwise, as
// the registry sorts it), their values UTF-8, no quantile label on a
// summary, and no series collected twice.
func (g *familyGatherer) consistent(mf *dto.MetricFamily, m *dto.Metric) bool {
	if !sort.IsSorted(labelPairSorter(m.Label)) {
		sorted := make([]*dto.LabelPair, len(m.Label))
		copy(sorted, m.Label)
		sort.Sort(labelPairSorter(sorted))
		m.Label = sorted
	}
	key := append(g.key[:0], mf.GetName()...)
	previous := ""
	for _, lp := range m.Label {
		name, value := lp.GetName(), lp.GetValue()
		if name == previous || !model.LegacyValidation.IsValidLabelName(name) || strings.HasPrefix(name, model.ReservedLabelPrefix) ||
			m.Summary != nil && name == model.QuantileLabel || !utf8.ValidString(value) {
			return false
		}
		previous = name
		key = append(key, 0xff)
		key = append(key, name...)
		key = append(key, 0xff)
		key = strconv.AppendQuote(key, value)
	}
	if m.TimestampMs != nil {
		key = append(key, 0xff)
		key = strconv.AppendInt(key, m.GetTimestampMs(), 10)
	}
	g.key = key
	h := maphash.Bytes(g.seed, key)
	if _, dup := g.series[h]; dup {
		return false
	}
	g.series[h] = struct{}{}
	return true
}

// desc reads d's name and help from its String, once per description; a
// description with an error, or one that does not read as expected, is
// not ok.
func (g *familyGatherer) desc(d *prometheus.Desc) descInfo {
	if info, ok := g.descs[d]; ok {
		return info
	}
	info := readDesc(d)
	if len(g.descs) < maxCachedDescs {
		g.descs[d] = info
	}
	return info
}

func readDesc(d *prometheus.Desc) descInfo {
	s, ok := strings.CutPrefix(d.String(), "Desc{fqName: ")
	if !ok {
		return descInfo{}
	}
	quotedName, err := strconv.QuotedPrefix(s)
	if err != nil {
		return descInfo{}
	}
	s, ok = strings.CutPrefix(s[len(quotedName):], ", help: ")
	if !ok {
		return descInfo{}
	}
	quotedHelp, err := strconv.QuotedPrefix(s)
	if err != nil {
		return descInfo{}
	}
	name, err1 := strconv.Unquote(quotedName)
	help, err2 := strconv.Unquote(quotedHelp)
	if err1 != nil || err2 != nil || !model.LegacyValidation.IsValidMetricName(name) {
		return descInfo{}
	}
	// A description with an error makes a constant metric fail with it
	// whatever the label values; one without takes as many values as it
	// has variable labels.
	vars := strings.Count(s[len(quotedHelp):], ",") // an upper bound of the variable labels
	for n := 0; n <= vars+1; n++ {
		if _, err := prometheus.NewConstMetric(d, prometheus.UntypedValue, 0, make([]string, n)...); err == nil {
			return descInfo{name: name, help: help, namePtr: &name, helpPtr: &help, ok: true}
		}
	}
	return descInfo{}
}

// labelPairSorter sorts label pairs by name, as client_golang's internal
// LabelPairSorter.
type labelPairSorter []*dto.LabelPair

func (s labelPairSorter) Len() int           { return len(s) }
func (s labelPairSorter) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s labelPairSorter) Less(i, j int) bool { return s[i].GetName() < s[j].GetName() }

// metricSorter sorts a family's metrics as client_golang's internal
// MetricSorter (with sort.Sort, as NormalizeMetricFamilies: the same
// input order gives the same answer, also for metrics it deems equal).
type metricSorter []*dto.Metric

func (s metricSorter) Len() int      { return len(s) }
func (s metricSorter) Swap(i, j int) { s[i], s[j] = s[j], s[i] }
func (s metricSorter) Less(i, j int) bool {
	if len(s[i].Label) != len(s[j].Label) {
		return len(s[i].Label) < len(s[j].Label)
	}
	for n, lp := range s[i].Label {
		vi, vj := lp.GetValue(), s[j].Label[n].GetValue()
		if vi != vj {
			return vi < vj
		}
	}
	if s[i].TimestampMs == nil {
		return false
	}
	if s[j].TimestampMs == nil {
		return true
	}
	return s[i].GetTimestampMs() < s[j].GetTimestampMs()
}
