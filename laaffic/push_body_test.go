package laaffic

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// A body's values reach its histograms and counters all of them and in
// record order, however many the body buffers per histogram child
// (observeBatch): each histogram is what client_golang's would be after
// observing the same values one by one, each amount's counter what adding
// them one by one gives, bit for bit. The durations spread over a day and
// the amounts over four orders of magnitude, with decimals, so values
// taken in another order change the sums' last bits.
func TestLaafficBodyTakesEveryValueInOrder(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{})
	n := 2*observeBatch + 22
	durations, rings, costs, pays := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	parts := make([]string, n)
	for i := range parts {
		text := fmt.Sprintf("%d.%03d", i*104729%86399, i*389%1000)
		durations[i], _ = strconv.ParseFloat(text, 64)
		rings[i] = float64(i % 13)
		r := webhookgolden.LaafficRecord(0)
		r = strings.Replace(r, webhookgolden.IDPlaceholder, fmt.Sprintf("hist-%03d", i), 1)
		r = strings.Replace(r, `"callDuration":0`, `"callDuration":`+text, 1)
		r = strings.Replace(r, `"ringDuration":1`, fmt.Sprintf(`"ringDuration":%d`, int(rings[i])), 1)
		cost, pay := fmt.Sprintf("%d.%06d", i%7, i*7907%1000000), fmt.Sprintf("%d.%04d", i*31%500, i*389%10000)
		costs[i], _ = strconv.ParseFloat(cost, 64)
		pays[i], _ = strconv.ParseFloat(pay, 64)
		r = strings.Replace(r, `"cost":"0.007875"`, `"cost":"`+cost+`"`, 1)
		r = strings.Replace(r, `"settlePay":"1.2793"`, `"settlePay":"`+pay+`"`, 1)
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
	sum := func(name string, values []float64, labels ...string) {
		t.Helper()
		ref := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "reference"})
		for _, v := range values {
			ref.Add(v)
		}
		if got, want := testkit.Value(t, tr.Reg, name, labels...), testutil.ToFloat64(ref); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%s%v = %v, adding the same %d amounts one by one gives %v", name, labels, got, len(values), want)
		}
	}
	sum("laaffic_cost_total", costs, append(account, "product", productIVR, "currency", "EUR")...)
	sum("laaffic_settle_pay_total", pays, append(account, "product", productIVR, "currency", laafficSettlementCurrency)...)
}
