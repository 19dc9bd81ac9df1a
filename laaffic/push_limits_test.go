package laaffic

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// pushBatchOf returns a bare-array batch of IVR records at least size
// bytes long, and how many records it holds.
func pushBatchOf(size int) ([]byte, int) {
	var sb strings.Builder
	sb.WriteByte('[')
	n := 0
	for sb.Len() < size {
		if n > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"voiceId":"v%07d","type":1,"callDuration":30,"cost":"0.0125","currency":"USD","callStatus":50}`, n)
		n++
	}
	sb.WriteByte(']')
	return []byte(sb.String()), n
}

// A LAAFFIC batch over webhooks.max_body_bytes but within the LAAFFIC
// route's own limit is counted; one over that limit is refused with 413
// and counted as too_large for the source.
func TestPushBodyLimit(t *testing.T) {
	twoMiB, records := pushBatchOf(2 << 20)
	for _, c := range []struct {
		name string
		cfg  config.Webhooks
		body []byte
		want int
	}{
		{"default limit", config.Webhooks{}, twoMiB, http.StatusOK},
		{"max_body_bytes 1 MiB does not lower it", config.Webhooks{MaxBodyBytes: 1 << 20}, twoMiB, http.StatusOK},
		{"laaffic_max_body_bytes", config.Webhooks{LaafficMaxBodyBytes: 1 << 20}, twoMiB, http.StatusRequestEntityTooLarge},
		{"over the default", config.Webhooks{}, func() []byte { b, _ := pushBatchOf(config.DefaultLaafficMaxBodyBytes + 1); return b }(), http.StatusRequestEntityTooLarge},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, _ := newPushReceiver(t, c.cfg)
			if rec := tr.Post(pushPath, c.body); rec.Code != c.want {
				t.Fatalf("status %d, want %d", rec.Code, c.want)
			}
			tooLarge := testkit.Value(t, tr.Reg, "airudder_exporter_webhook_requests_total", "source", pushVendor, "outcome", "too_large")
			counted := tr.Records(t, pushVendor, "counted")
			if c.want == http.StatusOK && (counted != float64(records) || tooLarge != 0) {
				t.Errorf("counted %v of %d records, too_large %v", counted, records, tooLarge)
			}
			if c.want != http.StatusOK && (counted != 0 || tooLarge != 1) {
				t.Errorf("counted %v, too_large %v; want 0 and 1", counted, tooLarge)
			}
		})
	}
}
