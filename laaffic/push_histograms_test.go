package laaffic

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// A body's values reach its histograms all of them and in record order,
// however many the body buffers per child (observeBatch): each histogram
// is what client_golang's would be after observing the same values one by
// one. The durations have decimals, so a value observed out of order or
// twice changes the sum's last bits.
func TestLaafficBodyHistogramsTakeEveryValueInOrder(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{})
	n := 2*observeBatch + 22
	durations, rings := make([]float64, n), make([]float64, n)
	parts := make([]string, n)
	for i := range parts {
		text := fmt.Sprintf("%d.%03d", i*104729%86399, i*389%1000)
		durations[i], _ = strconv.ParseFloat(text, 64)
		rings[i] = float64(i % 13)
		r := webhookgolden.LaafficRecord(0)
		r = strings.Replace(r, webhookgolden.IDPlaceholder, fmt.Sprintf("hist-%03d", i), 1)
		r = strings.Replace(r, `"callDuration":0`, `"callDuration":`+text, 1)
		r = strings.Replace(r, `"ringDuration":1`, fmt.Sprintf(`"ringDuration":%d`, int(rings[i])), 1)
		parts[i] = r
	}
	tr.PostOK(t, pushPath, []byte(`{"array":[`+strings.Join(parts, ",")+`]}`))
	if c := tr.Records(t, pushVendor, "counted"); c != float64(n) {
		t.Fatalf("counted %v records, want %d", c, n)
	}
	check := func(name string, buckets, values []float64, labels ...string) {
		t.Helper()
		ref := prometheus.NewHistogram(receiver.HistogramOpts(name, "reference", buckets))
		for _, v := range values {
			ref.Observe(v)
		}
		var want dto.Metric
		if err := ref.Write(&want); err != nil {
			t.Fatal(err)
		}
		got := testkit.Series(t, tr.Reg, name, labels...)
		if got == nil {
			t.Fatalf("%s%v not exposed", name, labels)
		}
		got = proto.Clone(got).(*dto.Metric)
		got.Label = nil
		for _, m := range []*dto.Metric{got, &want} {
			m.Histogram.CreatedTimestamp, m.Histogram.Exemplars = nil, nil
			for _, b := range m.Histogram.Bucket {
				b.Exemplar = nil
			}
		}
		if !proto.Equal(got, &want) {
			t.Errorf("%s%v is not client_golang's after the same %d values in order:\ngot  %s\nwant %s",
				name, labels, len(values), prototext.Format(got), prototext.Format(&want))
		}
	}
	account := []string{"account", config.DefaultWebhookAccount}
	check("laaffic_call_duration_seconds", receiver.CallDurationBuckets, durations, append(account, "product", productIVR)...)
	check("laaffic_ring_duration_seconds", receiver.RingBuckets, rings, account...)
}
