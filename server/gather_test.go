package server

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

func exposition(t *testing.T, mfs []*dto.MetricFamily) string {
	t.Helper()
	var b bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// registryOf registers, in order, a counter vector per name (a histogram
// for names starting with "h_"), each with two series.
func registryOf(names ...string) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	for _, n := range names {
		if n[:2] == "h_" {
			h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: n, Help: "h"}, []string{"l"})
			h.WithLabelValues("x").Observe(1)
			h.WithLabelValues("y").Observe(2)
			reg.MustRegister(h)
			continue
		}
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: n, Help: "c"}, []string{"l"})
		c.WithLabelValues("y").Add(2)
		c.WithLabelValues("x").Add(1)
		reg.MustRegister(c)
	}
	return reg
}

func TestGatherBothAnswersAsGatherers(t *testing.T) {
	for _, tc := range []struct {
		name         string
		scrape, long []string
	}{
		{"nothing scraped", nil, []string{"b_total", "a_total"}},
		{"disjoint, interleaved", []string{"m_total", "c_total"}, []string{"z_total", "b_total", "h_lat"}},
		{"one family in both", []string{"a_total", "same_total"}, []string{"same_total", "b_total"}},
		{"a counter named as a histogram's count", []string{"h_lat_count"}, []string{"h_lat"}},
		{"a histogram whose bucket is a counter", []string{"h_x"}, []string{"h_x_bucket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scrape, long := registryOf(tc.scrape...), registryOf(tc.long...)
			want, wantErr := prometheus.Gatherers{scrape, long}.Gather()
			got, err := gatherBoth(scrape, long)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Errorf("error %v, Gatherers' %v", err, wantErr)
			}
			if g, w := exposition(t, got), exposition(t, want); g != w {
				t.Errorf("answer\n%s\nGatherers'\n%s", g, w)
			}
		})
	}
}

func TestDisjointFamilies(t *testing.T) {
	gather := func(names ...string) []*dto.MetricFamily {
		mfs, err := registryOf(names...).Gather()
		if err != nil {
			t.Fatal(err)
		}
		return mfs
	}
	for _, tc := range []struct {
		a, b []string
		want bool
	}{
		{[]string{"a_total"}, []string{"b_total"}, true},
		{[]string{"a_total"}, []string{"a_total"}, false},
		{[]string{"h_lat_sum"}, []string{"h_lat"}, false},
		{[]string{"h_lat"}, []string{"h_lat_bucket"}, false},
		{[]string{"h_lat"}, []string{"h_lat_total"}, true},
	} {
		if got := disjointFamilies(gather(tc.a...), gather(tc.b...)); got != tc.want {
			t.Errorf("disjointFamilies(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// withoutValues keeps the HELP, TYPE and the series names with their labels
// of an exposition.
func withoutValues(text string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			out = append(out, line)
			continue
		}
		out = append(out, line[:strings.LastIndexByte(line, ' ')])
	}
	return strings.Join(out, "\n")
}

// gatherText renders c's families as the text exposition, and returns the
// families by name.
func gatherText(t *testing.T, c prometheus.Collector) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	var b bytes.Buffer
	byName := map[string]*dto.MetricFamily{}
	for _, mf := range pedanticGather(t, c) {
		if _, err := expfmt.MetricFamilyToText(&b, mf); err != nil {
			t.Fatal(err)
		}
		byName[mf.GetName()] = mf
	}
	return b.String(), byName
}

// pedanticGather is what a pedantic registry gathers of c.
func pedanticGather(t *testing.T, c prometheus.Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return mfs
}

// checkSameSeries checks that two expositions differ in values only.
func checkSameSeries(t *testing.T, ours, clientGolangs string) {
	t.Helper()
	if got, want := withoutValues(ours), withoutValues(clientGolangs); got != want {
		t.Fatalf("exposition without values differs:\n--- ours\n%s\n--- client_golang\n%s", got, want)
	}
}

// sampleValue is the value of the first sample of a counter or gauge
// family.
func sampleValue(mfs map[string]*dto.MetricFamily, name string) float64 {
	m := mfs[name].GetMetric()[0]
	if m.GetCounter() != nil {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

// checkAppendsExpfmt checks that appendText writes what expfmt encodes of
// what c collects, byte for byte, in the text format and in OpenMetrics.
func checkAppendsExpfmt(t *testing.T, name string, c prometheus.Collector, appendText func(b []byte, openMetrics bool) []byte) {
	t.Helper()
	mfs := pedanticGather(t, c)
	for _, ft := range []expfmt.FormatType{expfmt.TypeTextPlain, expfmt.TypeOpenMetrics} {
		var want bytes.Buffer
		enc := expfmt.NewEncoder(&want, expfmt.NewFormat(ft))
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
		if got := appendText(nil, ft == expfmt.TypeOpenMetrics); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%s, format %v:\n got: %s\nwant: %s", name, ft, got, want.Bytes())
		}
	}
}

// checkScrapeWritesAsPromhttp checks that the server has a text family
// ours says is the one under test, and that its answer is promhttp's,
// values apart, for every text format and escaping scheme asked for, with
// a sample of family in it.
func checkScrapeWritesAsPromhttp(t *testing.T, ours func(textFamily) bool, family string) {
	t.Helper()
	s, _ := newTestServer(t, "airudder:\n  accounts: []\n", Options{})
	if !slices.ContainsFunc(s.reg.(*Registry).textFamilies().families, ours) {
		t.Fatalf("the collector of %s is not a text family of the registry", family)
	}
	for _, accept := range renderAccepts {
		if strings.Contains(accept, "protobuf") {
			continue
		}
		got, want := scrapeAndPromhttp(t, s, accept)
		g, w := withoutValues(string(got)), withoutValues(string(want))
		if g != w || !strings.Contains(g, "\n"+family+"\n") {
			t.Errorf("%s: answer differs from promhttp's, values apart\n got: %s\nwant: %s", accept, g, w)
		}
	}
}
