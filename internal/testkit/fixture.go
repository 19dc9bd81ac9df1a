package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// ReadFile is the content of the file at the joined path elems (a
// package's fixtures: "testdata", name), failing tb when it cannot be read.
func ReadFile(tb testing.TB, elems ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(elems...))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
