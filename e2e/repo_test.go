package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// repoRoot is the module root: the tests run in e2e/.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from the e2e directory: %v", err)
	}
	return root
}

// readRepoFile reads a file of the repository given by its path elements
// below the module root; a missing file ends the test.
func readRepoFile(t testing.TB, elem ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(append([]string{repoRoot(t)}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
