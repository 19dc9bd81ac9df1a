package dedup

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// savedFile fills a set with n keys "k0".."k<n-1>" added one second apart
// from t0 and saves it, returning the path.
func savedFile(t *testing.T, n int) string {
	t.Helper()
	s := New(3*time.Hour, 10_000)
	for i := range n {
		s.Add(fmt.Sprintf("k%d", i), t0.Add(time.Duration(i)*time.Second))
	}
	path := filepath.Join(t.TempDir(), "dedup.state")
	if err := s.SaveFile(path); err != nil {
		t.Fatalf("SaveFile: %v", err)
	}
	return path
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := savedFile(t, 500)
	s := New(3*time.Hour, 10_000)
	if err := s.LoadFile(path, t0.Add(10*time.Minute)); err != nil {
		t.Fatalf("LoadFile: %v", err)
	}
	if got := s.Len(); got != 500 {
		t.Fatalf("Len after load = %d, want 500", got)
	}
	mustInvariants(t, s)
	for i := range 500 {
		if s.Add(fmt.Sprintf("k%d", i), t0.Add(10*time.Minute)) {
			t.Fatalf("k%d not remembered across save/load", i)
		}
	}
	if !s.Add("fresh", t0.Add(10*time.Minute)) {
		t.Fatal("a key never saved is reported as duplicate")
	}
}

func TestLoadKeepsOriginalTimes(t *testing.T) {
	path := savedFile(t, 1) // k0 added at t0
	s := New(3*time.Hour, 10_000)
	if err := s.LoadFile(path, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Expiry is measured from the original add, not from the load.
	if !s.Add("k0", t0.Add(3*time.Hour)) {
		t.Fatal("loaded entry outlived its original window")
	}
}

func TestLoadSkipsExpired(t *testing.T) {
	path := savedFile(t, 100) // k0 at t0 ... k99 at t0+99s
	s := New(3*time.Hour, 10_000)
	// At t0+3h+50s, k0..k50 are expired; k51..k99 live.
	now := t0.Add(3*time.Hour + 50*time.Second)
	if err := s.LoadFile(path, now); err != nil {
		t.Fatal(err)
	}
	if got := s.Len(); got != 49 {
		t.Fatalf("Len = %d, want 49 live entries", got)
	}
	if !s.Add("k50", now) || s.Add("k51", now) {
		t.Fatal("expiry boundary wrong after load")
	}
}

func TestLoadIntoSmallerSetEvictsOldest(t *testing.T) {
	path := savedFile(t, 2000)
	s := New(3*time.Hour, 1000) // one shard: exact order
	if err := s.LoadFile(path, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1000 || s.Evictions() != 1000 {
		t.Fatalf("len=%d evictions=%d, want 1000/1000", s.Len(), s.Evictions())
	}
	if s.Add("k1999", t0.Add(time.Hour)) || !s.Add("k999", t0.Add(time.Hour)) {
		t.Fatal("load did not keep the newest entries")
	}
	mustInvariants(t, s)
}

func TestLoadAcrossShardCounts(t *testing.T) {
	// Saved by a 32-shard set, loaded by a 4-shard one: the file order is
	// per source shard, so the loader must re-sort by time.
	big := New(3*time.Hour, 2_000_000)
	for i := range 3000 {
		big.Add(fmt.Sprintf("k%d", i), t0.Add(time.Duration(i)*time.Second))
	}
	path := filepath.Join(t.TempDir(), "state")
	if err := big.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	small := New(3*time.Hour, 8192)
	if len(small.shards) == len(big.shards) {
		t.Fatalf("test needs different shard counts, both %d", len(big.shards))
	}
	if err := small.LoadFile(path, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if small.Len() != 3000 {
		t.Fatalf("Len = %d, want 3000", small.Len())
	}
	mustInvariants(t, small)
}

func TestLoadFutureTimesClampedToNow(t *testing.T) {
	path := savedFile(t, 10) // times t0..t0+9s
	s := New(time.Hour, 1000)
	loadAt := t0.Add(-24 * time.Hour) // clock went back a day across restart
	if err := s.LoadFile(path, loadAt); err != nil {
		t.Fatal(err)
	}
	if s.Len() != 10 {
		t.Fatalf("Len = %d, want 10", s.Len())
	}
	// Clamped to loadAt, so they expire one window after it rather than
	// being pinned until the clock catches up with t0.
	if !s.Add("k0", loadAt.Add(time.Hour)) {
		t.Fatal("entry from the future was not clamped to load time")
	}
	mustInvariants(t, s)
}

func TestLoadMissingFile(t *testing.T) {
	s := New(time.Hour, 1000)
	s.Add("x", t0)
	if err := s.LoadFile(filepath.Join(t.TempDir(), "nope"), t0); err != nil {
		t.Fatalf("missing file: %v, want nil", err)
	}
	if s.Len() != 0 {
		t.Fatalf("Len = %d after loading a missing file, want 0 (replaced)", s.Len())
	}
	if !s.Add("a", t0) || s.Add("a", t0) {
		t.Fatal("set unusable after loading a missing file")
	}
}

func TestLoadBadFiles(t *testing.T) {
	good, err := os.ReadFile(savedFile(t, 300))
	if err != nil {
		t.Fatal(err)
	}
	mod := func(f func(b []byte) []byte) []byte {
		return f(append([]byte(nil), good...))
	}
	cases := map[string][]byte{
		"empty":            {},
		"header only":      good[:headerSize],
		"truncated record": good[:len(good)-trailerSize-5],
		"no trailer":       good[:len(good)-trailerSize],
		"truncated 1 byte": good[:len(good)-1],
		"extra byte":       append(append([]byte(nil), good...), 0),
		"flipped entry":    mod(func(b []byte) []byte { b[headerSize+100] ^= 0x01; return b }),
		"flipped trailer":  mod(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }),
		"flipped base":     mod(func(b []byte) []byte { b[16] ^= 0x04; return b }),
		"wrong magic":      mod(func(b []byte) []byte { b[0] = 'X'; return b }),
		"wrong version": mod(func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[8:], fileVersion+1)
			return b
		}),
		"flags set": mod(func(b []byte) []byte { b[12] = 1; return b }),
		"count too high": mod(func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[24:], 301)
			return b
		}),
		"garbage": []byte("this is not a dedup state file at all, not at all"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			s := New(3*time.Hour, 10_000)
			s.Add("pre-existing", t0)
			err := s.LoadFile(path, t0.Add(time.Hour))
			if err == nil {
				t.Fatal("LoadFile succeeded on a bad file")
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("error %v does not wrap ErrCorrupt", err)
			}
			if s.Len() != 0 {
				t.Fatalf("Len = %d after failed load, want 0", s.Len())
			}
			if !s.Add("k1", t0.Add(time.Hour)) || !s.Add("pre-existing", t0.Add(time.Hour)) {
				t.Fatal("set not left empty after failed load")
			}
			mustInvariants(t, s)
		})
	}
}

func TestLoadDirectoryIsError(t *testing.T) {
	s := New(time.Hour, 1000)
	if err := s.LoadFile(t.TempDir(), t0); err == nil {
		t.Fatal("loading a directory succeeded")
	}
}

func TestSaveLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	s := New(time.Hour, 1000)
	s.Add("a", t0)
	path := filepath.Join(dir, "dedup.state")
	for range 2 { // second save replaces the first
		if err := s.SaveFile(path); err != nil {
			t.Fatal(err)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != "dedup.state" {
		names := []string{}
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only dedup.state", names)
	}
	if fi, _ := ents[0].Info(); fi.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestSaveEmptySet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	if err := New(time.Hour, 1000).SaveFile(path); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != headerSize+trailerSize {
		t.Fatalf("empty save: %v size %d", err, fi.Size())
	}
	s := New(time.Hour, 1000)
	if err := s.LoadFile(path, t0); err != nil || s.Len() != 0 {
		t.Fatalf("load empty save: %v len %d", err, s.Len())
	}
}

func TestSaveIntoMissingDirectory(t *testing.T) {
	s := New(time.Hour, 1000)
	s.Add("a", t0)
	if err := s.SaveFile(filepath.Join(t.TempDir(), "no", "such", "dir", "state")); err == nil {
		t.Fatal("save into a nonexistent directory succeeded")
	}
}

func TestSaveIntoReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	s := New(time.Hour, 1000)
	s.Add("a", t0)
	if err := s.SaveFile(filepath.Join(dir, "state")); err == nil {
		t.Fatal("save into a read-only directory succeeded")
	}
}

// Root (as in CI containers) ignores permissions; a regular file standing
// where the directory should be fails for everyone.
func TestSaveUnderAFileFails(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(time.Hour, 1000)
	if err := s.SaveFile(filepath.Join(notDir, "state")); err == nil {
		t.Fatal("save under a regular file succeeded")
	}
}

// encodeState builds a state file with a valid checksum around arbitrary
// records, to reach the checks that sit behind the checksum.
func encodeState(base int64, records []byte) []byte {
	count := uint64(len(records) / recordSize)
	records = records[:count*recordSize]
	hdr := makeHeader(base, count)
	out := append(append([]byte(nil), hdr...), records...)
	return binary.LittleEndian.AppendUint64(out, checksum(hdr, entriesSumBytes(records)))
}

func entriesSumBytes(b []byte) uint64 {
	sum, _ := entriesSum(bytesReader(b))
	return sum
}

func record(h uint64, t uint32) []byte {
	return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint64(nil, h), t)
}

func TestLoadValidChecksumBadContent(t *testing.T) {
	rel := uint32(t0.Unix() - epochUnix)
	cases := map[string]struct {
		base int64
		recs []byte
	}{
		"zero hash":     {epochUnix, record(0, rel)},
		"duplicate":     {epochUnix, append(record(42, rel), record(42, rel+1)...)},
		"absurd base":   {1 << 50, record(42, rel)},
		"negative base": {-(1 << 50), record(42, rel)},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state")
			if err := os.WriteFile(path, encodeState(c.base, c.recs), 0o600); err != nil {
				t.Fatal(err)
			}
			s := New(3*time.Hour, 1000)
			err := s.LoadFile(path, t0.Add(time.Minute))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("err = %v, want ErrCorrupt", err)
			}
			if s.Len() != 0 {
				t.Fatalf("Len = %d, want 0", s.Len())
			}
		})
	}
}

func TestLoadOtherBase(t *testing.T) {
	// A writer with another base (a future format change) is honoured.
	base := t0.Unix() - 100
	path := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(path, encodeState(base, append(record(hashKey("a"), 100), record(hashKey("b"), 50)...)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := New(time.Hour, 1000)
	if err := s.LoadFile(path, t0); err != nil {
		t.Fatal(err)
	}
	if s.Add("a", t0.Add(59*time.Minute)) || !s.Add("b", t0.Add(59*time.Minute+10*time.Second)) {
		t.Fatal("entry times not taken relative to the file's base")
	}
	mustInvariants(t, s)
}
