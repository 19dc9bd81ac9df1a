package laaffic

import (
	"testing"

	"airudder_exporter/config"
	"airudder_exporter/internal/webhookgolden"
)

// pushRecords is the number of records b's body held.
func pushRecords(b *pushBatch) int {
	return len(b.Calls) + len(b.Center) + len(b.Ringing) + len(b.Invalid)
}

// pushPath is the route of LAAFFIC pushes of the default account.
const pushPath = "/webhooks/" + pushVendor

// newPushReceiver is a real receiver serving only LAAFFIC pushes, with the
// vendor's state for white-box checks.
func newPushReceiver(t testing.TB, cfg config.Webhooks) (*webhookgolden.Receiver, *pushRecorder) {
	t.Helper()
	v := NewPushes().(*pushRecorder)
	return webhookgolden.NewReceiver(t, cfg, v), v
}
