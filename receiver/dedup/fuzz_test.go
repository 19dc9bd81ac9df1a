package dedup

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// loadBytes writes data as a state file and loads it into a fresh set,
// checking the LoadFile contract: error => empty set; success => a set whose
// internal structures agree and that still works.
// path is reused across calls: fuzz calls in one process run one at a time,
// and a TempDir per call would dominate the cost of an exec.
func loadBytes(t *testing.T, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(time.Hour, 1500)
	s.Add("before", t0)
	now := t0.Add(time.Minute)
	err := s.LoadFile(path, now)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("content error not wrapping ErrCorrupt: %v", err)
		}
		if s.Len() != 0 {
			t.Fatalf("failed load left %d entries", s.Len())
		}
	}
	if err := s.checkInvariants(); err != nil {
		t.Fatal(err)
	}
	if s.Len() > 1500 {
		t.Fatalf("Len %d above maxEntries", s.Len())
	}
	if !s.Add("after-load", now) || s.Add("after-load", now) {
		t.Fatal("set unusable after load")
	}
}

func fuzzSeedFile(f *testing.F, n int) []byte {
	s := New(time.Hour, 1500)
	for i := range n {
		s.Add(fmt.Sprintf("k%d", i), t0.Add(time.Duration(i)*time.Second))
	}
	path := filepath.Join(f.TempDir(), "seed")
	if err := s.SaveFile(path); err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// FuzzLoad feeds arbitrary bytes as the state file.
func FuzzLoad(f *testing.F) {
	good := fuzzSeedFile(f, 20)
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(good[:headerSize])
	f.Add([]byte{})
	f.Add([]byte(fileMagic))
	path := filepath.Join(f.TempDir(), "state")
	f.Fuzz(func(t *testing.T, data []byte) {
		loadBytes(t, path, data)
	})
}

// FuzzLoadRecords wraps arbitrary records in a valid header and checksum, so
// the fuzzer reaches the checks behind the checksum (zero hash, duplicates,
// out-of-order and out-of-range times, more entries than fit).
func FuzzLoadRecords(f *testing.F) {
	good := fuzzSeedFile(f, 20)
	rel := uint32(t0.Unix() - epochUnix)
	f.Add(int64(epochUnix), good[headerSize:len(good)-trailerSize])
	f.Add(int64(epochUnix), append(record(7, rel+60), record(9, rel)...))
	f.Add(int64(epochUnix), append(record(7, rel), record(7, rel)...))
	f.Add(int64(0), record(1, 0xffffffff))
	path := filepath.Join(f.TempDir(), "state")
	f.Fuzz(func(t *testing.T, base int64, records []byte) {
		loadBytes(t, path, encodeState(base, records))
	})
}
