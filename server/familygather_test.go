package server

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/proto"
)

// collectorsOf is one unchecked collector of cs.
type collectorsOf []prometheus.Collector

func (collectorsOf) Describe(chan<- *prometheus.Desc) {}
func (cs collectorsOf) Collect(ch chan<- prometheus.Metric) {
	for _, c := range cs {
		c.Collect(ch)
	}
}

// registryAnswer is what a prometheus.Registry holding c answers.
func registryAnswer(t *testing.T, c prometheus.Collector) ([]*dto.MetricFamily, error) {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	return reg.Gather()
}

// familyGatherer answers what the registry answers, for families of every
// type, constant labels, labels out of order, exemplars, timestamps, the Go
// and process collectors, metrics of one family from several collectors;
// the same again on the next Gather.
func TestFamilyGathererAnswersAsTheRegistry(t *testing.T) {
	s, _ := newTestServer(t, "airudder:\n  accounts: []\n", Options{})
	long := s.reg.(*Registry).othersCollector()
	cv := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cv_total", Help: "Counters."}, []string{"l", "k"})
	cv.WithLabelValues("x", "2").Add(2.5)
	cv.WithLabelValues("a", "1").Inc()
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: "duration_seconds", Help: "A histogram.", Buckets: []float64{1, 5}, NativeHistogramBucketFactor: 1.1})
	h.(prometheus.ExemplarObserver).ObserveWithExemplar(0.5, prometheus.Labels{"id": "x1"})
	h.Observe(7)
	sm := prometheus.NewSummary(prometheus.SummaryOpts{Name: "a_summary", Help: "A summary.", Objectives: map[float64]float64{0.5: 0.05}})
	sm.Observe(1)
	unsorted := prometheus.NewDesc("unsorted_labels", "Labels given out of order.", []string{"zz", "aa"}, prometheus.Labels{"mm": "const"})
	stamped := prometheus.NewDesc("stamped", "With timestamps.", []string{"l"}, nil)
	same := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "same_family", Help: "From two collectors."}, []string{"k"})
	same.WithLabelValues("b").Set(2)
	other := prometheus.NewDesc("same_family", "From two collectors.", []string{"k"}, nil)
	extra := collectorsOf{
		cv, h, sm, same,
		constCollector{
			prometheus.MustNewConstMetric(unsorted, prometheus.GaugeValue, 1, "z2", "a1"),
			prometheus.MustNewConstMetric(unsorted, prometheus.GaugeValue, 2, "z1", "a2"),
			prometheus.NewMetricWithTimestamp(time.Unix(5, 0), prometheus.MustNewConstMetric(stamped, prometheus.CounterValue, 1, "x")),
			prometheus.NewMetricWithTimestamp(time.Unix(4, 0), prometheus.MustNewConstMetric(stamped, prometheus.CounterValue, 1, "x")),
			prometheus.MustNewConstMetric(stamped, prometheus.CounterValue, 1, "x"),
			prometheus.MustNewConstMetric(other, prometheus.GaugeValue, 1, "a"),
			prometheus.MustNewConstHistogram(prometheus.NewDesc("hist", "A histogram.", nil, prometheus.Labels{"c": "v"}), 3, 6, map[float64]uint64{1: 1, 5: 2}),
			prometheus.MustNewConstSummary(prometheus.NewDesc("summ", "A summary.", []string{"l"}, nil), 3, 6, map[float64]float64{0.5: 2}, "x"),
			prometheus.MustNewConstMetric(prometheus.NewDesc("untyped_one", "Untyped.", nil, nil), prometheus.UntypedValue, 7),
		},
	}
	c := collectorsOf{long, extra}
	g := newFamilyGatherer()
	for round := range 3 {
		want, err := registryAnswer(t, c)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := g.gather(c)
		if !ok {
			t.Fatalf("round %d: familyGatherer could not gather", round)
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d families, registry %d", round, len(got), len(want))
		}
		for i := range want {
			w, g := proto.Clone(want[i]).(*dto.MetricFamily), proto.Clone(got[i]).(*dto.MetricFamily)
			if strings.HasPrefix(w.GetName(), "go_") { // the Go runtime collector's values move
				for _, m := range append(w.Metric, g.Metric...) {
					m.Gauge, m.Counter, m.Summary = nil, nil, nil // moving values
				}
			}
			if !proto.Equal(w, g) {
				t.Errorf("round %d: family %d\n got: %v\nwant: %v", round, i, g, w)
			}
		}
	}
}

// constCollector sends constant metrics.
type constCollector []prometheus.Metric

func (constCollector) Describe(chan<- *prometheus.Desc) {}
func (c constCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c {
		ch <- m
	}
}

// familyGatherer leaves every metric set the registry finds an error in to
// the registry (and some it does not check as the registry does).
func TestFamilyGathererLeavesErrorsToTheRegistry(t *testing.T) {
	d := prometheus.NewDesc("fam", "Help.", []string{"l"}, nil)
	gauge := func(desc *prometheus.Desc, v float64, lvs ...string) prometheus.Metric {
		return prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, lvs...)
	}
	hist := prometheus.MustNewConstHistogram(prometheus.NewDesc("h", "A histogram.", nil, nil), 1, 1, nil)
	summ := prometheus.MustNewConstSummary(prometheus.NewDesc("s", "A summary.", nil, nil), 1, 1, nil)
	for name, c := range map[string]struct {
		metrics       []prometheus.Metric
		registryFails bool
	}{
		"series twice":      {[]prometheus.Metric{gauge(d, 1, "a"), gauge(d, 2, "a")}, true},
		"help differs":      {[]prometheus.Metric{gauge(d, 1, "a"), gauge(prometheus.NewDesc("fam", "Other.", []string{"l"}, nil), 1, "b")}, true},
		"type differs":      {[]prometheus.Metric{gauge(d, 1, "a"), prometheus.MustNewConstMetric(d, prometheus.CounterValue, 1, "b")}, true},
		"histogram _count":  {[]prometheus.Metric{hist, gauge(prometheus.NewDesc("h_count", "c", nil, nil), 1)}, true},
		"_bucket histogram": {[]prometheus.Metric{gauge(prometheus.NewDesc("h_bucket", "c", nil, nil), 1), hist}, true},
		"summary _sum":      {[]prometheus.Metric{summ, gauge(prometheus.NewDesc("s_sum", "c", nil, nil), 1)}, true},
		"invalid desc":      {[]prometheus.Metric{prometheus.NewInvalidMetric(prometheus.NewInvalidDesc(errors.New("bad")), errors.New("bad"))}, true},
		"not utf-8":         {[]prometheus.Metric{rawMetric{d, "l", "\xff"}}, true},
		"quantile label":    {[]prometheus.Metric{rawSummary{rawMetric{prometheus.NewDesc("s", "A summary.", []string{"quantile"}, nil), "quantile", "x"}}}, true},
		"reserved label":    {[]prometheus.Metric{rawMetric{d, "__l", "x"}}, true},
		"utf-8 label name":  {[]prometheus.Metric{gauge(prometheus.NewDesc("n", "n", []string{"dotted.name"}, nil), 1, "x")}, false},
		"utf-8 metric name": {[]prometheus.Metric{gauge(prometheus.NewDesc("dotted.name", "n", nil, nil), 1)}, false},
	} {
		t.Run(name, func(t *testing.T) {
			cc := constCollector(c.metrics)
			if _, err := registryAnswer(t, cc); (err != nil) != c.registryFails {
				t.Fatalf("registry error %v, want one: %v", err, c.registryFails)
			}
			if _, ok := newFamilyGatherer().gather(cc); ok {
				t.Error("familyGatherer gathered")
			}
		})
	}
}

// The server's own collectors are gathered by the familyGatherer.
func TestFamilyGathererGathersTheServersCollectors(t *testing.T) {
	s, _ := newTestServer(t, "airudder:\n  accounts: []\n", Options{})
	if _, ok := newFamilyGatherer().gather(s.reg.(*Registry).othersCollector()); !ok {
		t.Error("familyGatherer could not gather the server's collectors")
	}
}

// rawMetric is a gauge of desc with one label, unchecked.
type rawMetric struct {
	desc        *prometheus.Desc
	name, value string
}

func (m rawMetric) Desc() *prometheus.Desc { return m.desc }
func (m rawMetric) Write(out *dto.Metric) error {
	out.Label = []*dto.LabelPair{{Name: proto.String(m.name), Value: proto.String(m.value)}}
	out.Gauge = &dto.Gauge{Value: proto.Float64(1)}
	return nil
}

// rawSummary is a rawMetric written as a summary.
type rawSummary struct{ rawMetric }

func (m rawSummary) Write(out *dto.Metric) error {
	_ = m.rawMetric.Write(out)
	out.Gauge, out.Summary = nil, &dto.Summary{SampleCount: proto.Uint64(1), SampleSum: proto.Float64(1)}
	return nil
}
