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
			!reflect.DeepEqual(got.TransferEventLabels, loaded.TransferEventLabels) {
			t.Errorf("%+v.WithDefaults() = %+v, want the defaults of a loaded file %+v", in, got, loaded)
		}
	}
	set := Webhooks{
		MaxBodyBytes: 2048, DedupWindow: Duration(time.Minute), DedupMaxEntries: 1000, MaxLabelValues: 3,
		MaxConcurrentRequests: 2, ReadTimeout: Duration(time.Second), TransferEventLabels: []string{},
	}
	if got := set.WithDefaults(); !reflect.DeepEqual(got, set) {
		t.Errorf("set fields changed: %+v, want %+v", got, set)
	}
	if got := loaded.WithDefaults(); !reflect.DeepEqual(got, loaded) {
		t.Errorf("a loaded section is not a fixed point: %+v, want %+v", got, loaded)
	}
}
