package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// ReadTestdata returns the file name under the package's testdata/ (tests
// run in their package's directory); a missing file ends the test.
func ReadTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
