//go:build unix

package dedup

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestLoadFIFOIsErrorNotHang(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	s := New(time.Hour, 1000)
	if err := s.LoadFile(path, t0); err == nil {
		t.Fatal("loading a FIFO succeeded")
	}
}
