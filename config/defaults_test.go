package config

import (
	"reflect"
	"testing"
	"time"
)

// A hand-built Webhooks gets the defaults Load gives a file that leaves
// the fields out; negative numbers count as unset; set fields are kept.
func TestWebhooksWithDefaults(t *testing.T) {
	loaded := mustParse(t, "webhooks: {}\n").Webhooks
	for _, in := range []Webhooks{
		{},
		{MaxBodyBytes: -1, DedupWindow: -1, DedupMaxEntries: -1, MaxLabelValues: -1, MaxConcurrentRequests: -1, ReadTimeout: -1},
	} {
		got := in.WithDefaults()
		if got.MaxBodyBytes != loaded.MaxBodyBytes || got.DedupWindow != loaded.DedupWindow ||
			got.DedupMaxEntries != loaded.DedupMaxEntries || got.MaxLabelValues != loaded.MaxLabelValues ||
			got.MaxConcurrentRequests != loaded.MaxConcurrentRequests || got.ReadTimeout != loaded.ReadTimeout ||
			got.MaxBodyBytesInFlight != loaded.MaxBodyBytesInFlight ||
			!reflect.DeepEqual(got.TransferEventLabels, loaded.TransferEventLabels) {
			t.Errorf("%+v.WithDefaults() = %+v, want the defaults of a loaded file %+v", in, got, loaded)
		}
	}
	set := Webhooks{
		MaxBodyBytes: 2048, LaafficMaxBodyBytes: 4096, MaxBodyBytesInFlight: 8192, DedupWindow: Duration(time.Minute), DedupMaxEntries: 1000, MaxLabelValues: 3,
		MaxConcurrentRequests: 2, ReadTimeout: Duration(time.Second), TransferEventLabels: []string{},
	}
	if got := set.WithDefaults(); !reflect.DeepEqual(got, set) {
		t.Errorf("set fields changed: %+v, want %+v", got, set)
	}
	if got := loaded.WithDefaults(); !reflect.DeepEqual(got, loaded) {
		t.Errorf("a loaded section is not a fixed point: %+v, want %+v", got, loaded)
	}
}

// The LAAFFIC route's body limit: its own key when set, else the larger of
// max_body_bytes and its own default.
func TestLaafficMaxBodyBytes(t *testing.T) {
	for _, c := range []struct {
		src               string
		airudder, laaffic int64
	}{
		{"webhooks: {}\n", DefaultMaxBodyBytes, DefaultLaafficMaxBodyBytes},
		{"webhooks: {max_body_bytes: 2048}\n", 2048, DefaultLaafficMaxBodyBytes},
		{"webhooks: {max_body_bytes: 1048576}\n", 1 << 20, DefaultLaafficMaxBodyBytes},
		{"webhooks: {max_body_bytes: 16777216}\n", 16 << 20, 16 << 20},
		{"webhooks: {laaffic_max_body_bytes: 33554432}\n", DefaultMaxBodyBytes, 32 << 20},
		{"webhooks: {max_body_bytes: 2048, laaffic_max_body_bytes: 4096}\n", 2048, 4096},
	} {
		w := mustParse(t, c.src).Webhooks
		if w.MaxBodyBytes != c.airudder || w.LaafficMaxBodyBytes != c.laaffic {
			t.Errorf("%s: max_body_bytes %d, LAAFFIC %d; want %d and %d", c.src, w.MaxBodyBytes, w.LaafficMaxBodyBytes, c.airudder, c.laaffic)
		}
		if again := w.WithDefaults(); again.LaafficMaxBodyBytes != c.laaffic {
			t.Errorf("%s: defaults applied twice give %d", c.src, again.LaafficMaxBodyBytes)
		}
	}
	if (Webhooks{}).WithDefaults().LaafficMaxBodyBytes != DefaultLaafficMaxBodyBytes {
		t.Error("a hand-built section does not get the LAAFFIC default")
	}
}
