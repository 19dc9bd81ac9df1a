package webhookgolden

import (
	"bytes"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
	"airudder_exporter/receiver"
)

// Bounds gives, per family and label, how many distinct values the label
// may take.
type Bounds map[string]map[string]int

// CheckBounded reports every family of mfs with a label past its bound
// or more series than the product of its bounds. A family without bounds
// may have a handful of series at most, unless unbounded(name) says its
// size is checked elsewhere (histograms by bucket count).
func CheckBounded(t *testing.T, mfs []*dto.MetricFamily, bounds Bounds, unbounded func(name string) bool) {
	t.Helper()
	for _, mf := range mfs {
		name := mf.GetName()
		b, ok := bounds[name]
		if !ok {
			if n := len(mf.GetMetric()); n > 24 && !unbounded(name) {
				t.Errorf("%s: %d series", name, n)
			}
			continue
		}
		distinct := map[string]map[string]bool{}
		product := 1
		for label, max := range b {
			distinct[label] = map[string]bool{}
			product *= max
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if distinct[lp.GetName()] == nil {
					t.Errorf("%s: unexpected label %s", name, lp.GetName())
					continue
				}
				distinct[lp.GetName()][lp.GetValue()] = true
			}
		}
		for label, vals := range distinct {
			if len(vals) > b[label] {
				t.Errorf("%s{%s}: %d distinct values, bound %d", name, label, len(vals), b[label])
			}
		}
		if n := len(mf.GetMetric()); n > product {
			t.Errorf("%s: %d series, bound %d", name, n, product)
		}
	}
}

// Folded is the sum of airudder_exporter_label_values_folded_total.
func Folded(mfs []*dto.MetricFamily) float64 {
	folded := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "airudder_exporter_label_values_folded_total" {
			for _, m := range mf.GetMetric() {
				folded += m.GetCounter().GetValue()
			}
		}
	}
	return folded
}

// JSONRecords counts the records of body the way encoding/json reads it:
// the elements of the top-level listKey array, of a bare top-level array
// when bareList, else one for an object; ok is false when encoding/json
// refuses the body.
func JSONRecords(body []byte, listKey string, bareList bool) (n int, ok bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // 1e400 is a valid number, just not a float64
	if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(bytes.TrimRight(body, " \t\r\n"))) {
		return 0, false
	}
	switch top := v.(type) {
	case []any:
		if bareList {
			return len(top), true
		}
	case map[string]any:
		if l, ok := top[listKey].([]any); ok {
			return len(l), true
		}
		return 1, true
	}
	return 0, false
}

// FuzzCap is the max_label_values of a FuzzReceiver.
const FuzzCap = 5

// FuzzReceiver is one receiver shared by all iterations of a fuzz worker,
// so label values accumulate as they would in a long-running exporter.
type FuzzReceiver struct {
	once   sync.Once
	vendor receiver.Vendor
	reg    *prometheus.Registry
	mu     sync.Mutex
	runs   int
}

// Vendor returns the vendor the receiver serves, built by newVendor on
// first use.
func (f *FuzzReceiver) Vendor(t *testing.T, newVendor func() receiver.Vendor) receiver.Vendor {
	f.once.Do(func() {
		f.reg = prometheus.NewRegistry()
		f.vendor = newVendor()
		if _, err := receiver.New(config.Webhooks{MaxLabelValues: FuzzCap}, receiver.Options{Registerer: f.reg}, f.vendor); err != nil {
			t.Fatal(err)
		}
	})
	return f.vendor
}

// CheckLabels, every 200th call, fails unless every label stays within
// the bounds returned by bounds and every label value a record can set is
// printable.
func (f *FuzzReceiver) CheckLabels(t *testing.T, bounds func() Bounds) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs++
	if f.runs%200 != 0 {
		return
	}
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	all := bounds()
	for _, mf := range mfs {
		b := all[mf.GetName()]
		distinct := map[string]map[string]bool{}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if distinct[lp.GetName()] == nil {
					distinct[lp.GetName()] = map[string]bool{}
				}
				distinct[lp.GetName()][lp.GetValue()] = true
				if lp.GetName() != "metric" && lp.GetName() != "source" && lp.GetName() != "reason" &&
					lp.GetName() != "outcome" && !labelcap.Printable(lp.GetValue()) &&
					(lp.GetName() != "campaign" || lp.GetValue() != "") { // no campaign rules: empty by design
					t.Fatalf("%s: unprintable label value %q", mf.GetName(), lp.GetValue())
				}
			}
		}
		for label, vals := range distinct {
			if max, ok := b[label]; ok && len(vals) > max {
				t.Fatalf("%s{%s}: %d values > %d", mf.GetName(), label, len(vals), max)
			}
		}
	}
}

// RecordAll counts body's decoded records for the default account as if
// every key were fresh (no dedup: a fuzz input may repeat an id).
func RecordAll(body receiver.Body) {
	keys := body.Keys(nil)
	fresh := make([]bool, len(keys))
	for i := range fresh {
		fresh[i] = true
	}
	body.Record(config.DefaultWebhookAccount, time.Now(), fresh)
}
