package e2e

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// checkNativeHistograms scrapes the exporter with a second Prometheus,
// one with native histograms on: it asks for the protobuf format and keeps
// each webhook histogram that has native buckets as one native series,
// without its classic _bucket series (Prometheus 2.42 keeps only the
// native one). Its histogram_count of a family has to lie between the
// family's _count in the exporter's text answer just before and just after
// the scrape it keeps: the native buckets and the classic count come from
// the same observations.
func checkNativeHistograms(t *testing.T, st *stack) {
	native := *st
	native.promURL = startPrometheus(t, t.TempDir(), fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: native
    static_configs:
      - targets: [%q]
`, st.exporterAddr), "--enable-feature=native-histograms")
	for _, family := range []string{"airudder_call_duration_seconds", "laaffic_call_duration_seconds"} {
		waitFor(t, family+" stored as a native histogram", 45*time.Second, func() error {
			before, err := exporterCount(st, family)
			if err != nil {
				return err
			}
			// Past a whole scrape interval, the latest sample is from a
			// scrape after before was read.
			time.Sleep(2500 * time.Millisecond)
			res, err := native.query(fmt.Sprintf(`sum(histogram_count(%s))`, family))
			if err != nil {
				return err
			}
			after, err := exporterCount(st, family)
			if err != nil {
				return err
			}
			if len(res) != 1 {
				return fmt.Errorf("histogram_count of %s: %d samples, want 1", family, len(res))
			}
			s, _ := res[0].Value[1].(string)
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return fmt.Errorf("histogram_count of %s: %q: %v", family, s, err)
			}
			switch {
			case v > after:
				t.Fatalf("Prometheus counts %v %s observations, more than the exporter's %v after its scrape", v, family, after)
			case v < before || v == 0:
				return fmt.Errorf("Prometheus counts %v %s observations, the exporter %v before its scrape (a late scrape?)", v, family, before)
			}
			return nil
		})
		res, err := native.query(fmt.Sprintf(`count(%s_bucket)`, family))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 0 {
			t.Errorf("%s_bucket stored next to the native histogram: the exposition carried no native buckets", family)
		}
		res, err = native.query(fmt.Sprintf(`histogram_quantile(0.5, sum(%s)) > 0`, family))
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 {
			t.Errorf("histogram_quantile(0.5) of the native %s: %v, want one value above 0", family, res)
		}
	}
}

// exporterCount is the sum of family's _count series in the exporter's
// text answer.
func exporterCount(st *stack, family string) (float64, error) {
	b, err := st.scrape()
	if err != nil {
		return 0, err
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	mf := mfs[family]
	if mf == nil {
		return 0, fmt.Errorf("%s not exposed", family)
	}
	var n float64
	for _, m := range mf.GetMetric() {
		n += float64(m.GetHistogram().GetSampleCount())
	}
	return n, nil
}
