package airudder

import (
	"os"
	"path/filepath"
	"testing"
)

func readWebhookFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// webhookRecords is the number of records b's body held.
func webhookRecords(b *webhookBatch) int { return len(b.Calls) + len(b.Tasks) + len(b.Invalid) }
