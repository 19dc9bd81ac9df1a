package webhookgolden

import (
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/internal/jsonscan/jsonscantest"
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
		product := 1
		for _, max := range b {
			product *= max
		}
		for label, vals := range LabelValues(mf) {
			if max, ok := b[label]; !ok {
				t.Errorf("%s: unexpected label %s", name, label)
			} else if len(vals) > max {
				t.Errorf("%s{%s}: %d distinct values, bound %d", name, label, len(vals), max)
			}
		}
		if n := len(mf.GetMetric()); n > product {
			t.Errorf("%s: %d series, bound %d", name, n, product)
		}
	}
}

// LabelValues is the set of values of each label of mf.
func LabelValues(mf *dto.MetricFamily) map[string]map[string]bool {
	distinct := map[string]map[string]bool{}
	for _, m := range mf.GetMetric() {
		for _, lp := range m.GetLabel() {
			if distinct[lp.GetName()] == nil {
				distinct[lp.GetName()] = map[string]bool{}
			}
			distinct[lp.GetName()][lp.GetValue()] = true
		}
	}
	return distinct
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
		for label, vals := range LabelValues(mf) {
			if max, ok := b[label]; ok && len(vals) > max {
				t.Fatalf("%s{%s}: %d values > %d", mf.GetName(), label, len(vals), max)
			}
			for v := range vals {
				if label != "metric" && label != "source" && label != "reason" && label != "outcome" &&
					!labelcap.Printable(v) && (label != "campaign" || v != "") { // no campaign rules: empty by design
					t.Fatalf("%s: unprintable label value %q", mf.GetName(), v)
				}
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

// Refused checks a vendor's Decode of body that returned err (with records
// records decoded): a refused body yields no records, and a not-JSON
// refusal is for a body encoding/json refuses too, or one nested deeper
// than a jsonscan.Reader reads. It reports whether the body was refused.
func Refused(t *testing.T, body []byte, err error, records int) bool {
	t.Helper()
	if err == nil {
		return false
	}
	if records != 0 {
		t.Fatalf("error %v with %d records", err, records)
	}
	if errors.Is(err, receiver.ErrNotJSON) && json.Valid(body) && jsonscantest.Depth(body) <= jsonscan.MaxDepth {
		t.Fatalf("valid JSON refused: %q", body)
	}
	return true
}
