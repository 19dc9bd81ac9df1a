package reliability

import (
	"sort"
	"strings"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// series is one label set of a family: counters and gauges carry their
// value, histograms their sample count.
type series struct {
	labels map[string]string
	value  float64
	// samples is how many exposition lines the label set takes (buckets,
	// _sum and _count for a histogram).
	samples int
}

// scrape maps a family name to its series.
type scrape map[string][]series

// parseScrape reads the Prometheus text format as served without an Accept
// header.
func parseScrape(body string) (scrape, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	out := scrape{}
	for name, mf := range fams {
		for _, m := range mf.GetMetric() {
			s := series{labels: map[string]string{}, samples: 1}
			for _, lp := range m.GetLabel() {
				s.labels[lp.GetName()] = lp.GetValue()
			}
			switch {
			case m.GetCounter() != nil:
				s.value = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				s.value = m.GetGauge().GetValue()
			case m.GetHistogram() != nil:
				s.value = float64(m.GetHistogram().GetSampleCount())
				s.samples = len(m.GetHistogram().GetBucket()) + 2
			case m.GetSummary() != nil:
				s.value = float64(m.GetSummary().GetSampleCount())
				s.samples = len(m.GetSummary().GetQuantile()) + 2
			case m.GetUntyped() != nil:
				s.value = m.GetUntyped().GetValue()
			}
			out[name] = append(out[name], s)
		}
	}
	return out, nil
}

// sum adds the values of name's series whose labels include match.
func (s scrape) sum(name string, match map[string]string) float64 {
	var total float64
next:
	for _, se := range s[name] {
		for k, v := range match {
			if se.labels[k] != v {
				continue next
			}
		}
		total += se.value
	}
	return total
}

// values lists the distinct values of one label of a family, sorted.
func (s scrape) values(name, label string) []string {
	seen := map[string]bool{}
	for _, se := range s[name] {
		if v, ok := se.labels[label]; ok {
			seen[v] = true
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// samples counts exposition lines of the families whose name has prefix.
func (s scrape) samples(prefix string) int {
	n := 0
	for name, ss := range s {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		for _, se := range ss {
			n += se.samples
		}
	}
	return n
}

// labelSets counts label sets of the families whose name has prefix.
func (s scrape) labelSets(prefix string) int {
	n := 0
	for name, ss := range s {
		if strings.HasPrefix(name, prefix) {
			n += len(ss)
		}
	}
	return n
}

// records is airudder_exporter_webhook_records_total{source,outcome}.
func (s scrape) records(source, outcome string) float64 {
	return s.sum("airudder_exporter_webhook_records_total", map[string]string{"source": source, "outcome": outcome})
}
