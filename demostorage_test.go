package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-kit/log"
)

// The image's data/ links to its state volume (and the image has no /tmp):
// an existing default directory is kept; a missing one becomes a temp dir.
func TestDemoStorageKeepsAnExistingDirectory(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(existing, 0o755); err != nil {
		t.Fatal(err)
	}
	o := options{storagePath: existing}
	cleanup, err := demoStorage(&o, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	cleanup()
	if o.storagePath != existing {
		t.Errorf("storage path = %q, want the existing %q", o.storagePath, existing)
	}
	if _, err := os.Stat(existing); err != nil {
		t.Errorf("cleanup removed the existing directory: %v", err)
	}

	missing := filepath.Join(t.TempDir(), "data")
	o = options{storagePath: missing}
	cleanup, err = demoStorage(&o, log.NewNopLogger())
	if err != nil {
		t.Fatal(err)
	}
	if o.storagePath == missing {
		t.Fatalf("a missing default directory was used instead of a temporary one")
	}
	tmp := o.storagePath
	cleanup()
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("temporary directory %s not removed: %v", tmp, err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("the missing default directory was created")
	}
}
