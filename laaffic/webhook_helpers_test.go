package laaffic

import (
	"os"
	"path/filepath"
	"testing"

	"airudder_exporter/config"
	"airudder_exporter/internal/webhookgolden"
)

func readPushFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

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
