package laaffic

import (
	"os"
	"path/filepath"
	"testing"
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
