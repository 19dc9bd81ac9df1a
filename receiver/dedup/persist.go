package dedup

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
)

// State file format, version 1, all integers little-endian:
//
//	header  32 bytes: magic "AIRDEDUP" | version u32 | flags u32 (0) |
//	                  base i64 (Unix seconds that entry times count from) |
//	                  count u64
//	entries count * 12 bytes: hash u64 | time u32 (seconds since base)
//	trailer  8 bytes: xxhash64(header || le64(xxhash64(entries)))
//
// The checksum covers the header too (a flipped base would shift every
// expiry). It is computed over the entry digest rather than the raw bytes
// so the writer can stream entries and fill the header (count) last.
// Entries are written shard by shard, each in time order.
const (
	fileMagic    = "AIRDEDUP"
	fileVersion  = 1
	headerSize   = 32
	recordSize   = 12
	trailerSize  = 8
	maxFileCount = 1 << 27 // well above the 50M config maximum
	// maxBaseAbs keeps base+time far from int64 overflow.
	maxBaseAbs = 1 << 40
)

// ErrCorrupt is wrapped by every LoadFile error caused by the file's
// content (as opposed to I/O), so callers can tell the two apart.
var ErrCorrupt = errors.New("dedup: corrupt state file")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// SaveFile writes the set to path atomically: a temporary file in the same
// directory is written, fsynced and renamed over path, then the directory is
// fsynced. Shards are snapshotted one at a time under their lock (encoding a
// shard is a memory copy of ~12 bytes per entry), and all I/O happens with
// no lock held, so Add is never blocked on the disk.
func (s *Set) SaveFile(path string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPrefix(path)+"*")
	if err != nil {
		return fmt.Errorf("dedup: save: %w", err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if err == nil {
			return
		}
		_ = f.Close() // may already be closed; the first error is the one to report
		if !renamed {
			_ = os.Remove(tmp)
		}
	}()

	w := bufio.NewWriterSize(f, 1<<16)
	if _, err = w.Write(make([]byte, headerSize)); err != nil { // placeholder, filled in below
		return fmt.Errorf("dedup: save: %w", err)
	}
	entries := xxhash.New()
	var buf []byte
	var count uint64
	for i := range s.shards {
		buf = s.shards[i].encode(buf[:0])
		count += uint64(len(buf) / recordSize)
		_, _ = entries.Write(buf) // hash.Hash.Write never fails
		if _, err = w.Write(buf); err != nil {
			return fmt.Errorf("dedup: save: %w", err)
		}
	}
	hdr := makeHeader(epochUnix, count)
	if _, err = w.Write(binary.LittleEndian.AppendUint64(nil, checksum(hdr, entries.Sum64()))); err != nil {
		return fmt.Errorf("dedup: save: %w", err)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("dedup: save: %w", err)
	}
	if _, err = f.WriteAt(hdr, 0); err != nil {
		return fmt.Errorf("dedup: save: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("dedup: save: fsync: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("dedup: save: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("dedup: save: %w", err)
	}
	renamed = true
	if err = syncDir(dir); err != nil {
		return fmt.Errorf("dedup: save: fsync dir: %w", err)
	}
	return nil
}

// tempPrefix starts the name of SaveFile's temporary file for path; the
// rest is os.CreateTemp's random digits.
func tempPrefix(path string) string { return filepath.Base(path) + ".tmp-" }

// RemoveTempFiles deletes the temporary files of path's saves that never
// got renamed: a process killed mid-save (SIGKILL, OOM kill) leaves one,
// as large as the state, and nothing else ever removes it, so repeated
// crashes would fill the volume until every save fails. Call it only
// while no SaveFile of path can be running (at start, before the first
// save): it would remove that save's file too. It returns the names
// removed, and the first error (the others are still tried).
func RemoveTempFiles(path string) ([]string, error) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("dedup: remove temporary files: %w", err)
	}
	var removed []string
	var first error
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if first == nil {
				first = fmt.Errorf("dedup: remove temporary file: %w", err)
			}
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, first
}

// encode appends the shard's entries, oldest first, as file records.
func (sh *shard) encode(buf []byte) []byte {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	buf = slices.Grow(buf, sh.n*recordSize)
	for k := 0; k < sh.n; k++ {
		j := sh.head + k
		if j >= len(sh.hashes) {
			j -= len(sh.hashes)
		}
		if sh.hashes[j] == 0 {
			continue // forgotten
		}
		buf = binary.LittleEndian.AppendUint64(buf, sh.hashes[j])
		buf = binary.LittleEndian.AppendUint32(buf, sh.times[j])
	}
	return buf
}

// syncDir makes the rename durable: without it a crash can leave the
// directory entry pointing at the old file (or none).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func makeHeader(base int64, count uint64) []byte {
	h := make([]byte, 0, headerSize)
	h = append(h, fileMagic...)
	h = binary.LittleEndian.AppendUint32(h, fileVersion)
	h = binary.LittleEndian.AppendUint32(h, 0)
	h = binary.LittleEndian.AppendUint64(h, uint64(base))
	h = binary.LittleEndian.AppendUint64(h, count)
	return h
}

func checksum(hdr []byte, entriesSum uint64) uint64 {
	d := xxhash.New()
	_, _ = d.Write(hdr)
	_, _ = d.Write(binary.LittleEndian.AppendUint64(nil, entriesSum))
	return d.Sum64()
}

// LoadFile replaces the set's content with the state saved at path, as seen
// at now: entries whose window has passed are skipped, entry times later
// than now are clamped to now (so a bad clock cannot pin entries forever),
// and if more live entries exist than fit, the oldest are evicted.
//
// A missing file is not an error: the set is left empty. Any other problem
// (I/O, truncation, bad checksum, wrong magic or version, ...) returns an
// error and leaves the set empty, so the caller can log and carry on; errors
// about the file's content wrap ErrCorrupt.
func (s *Set) LoadFile(path string, now time.Time) error {
	s.limitsMu.Lock()
	defer s.limitsMu.Unlock()
	nowSec := toSec(now)
	staged, err := s.readState(path, nowSec)
	if err != nil {
		staged = make([]shard, len(s.shards))
	}
	for i := range s.shards {
		sh, st := &s.shards[i], &staged[i]
		sh.mu.Lock()
		sh.hashes, sh.times, sh.head, sh.n, sh.seq0, sh.holes = st.hashes, st.times, st.head, st.n, st.seq0, st.holes
		sh.slots, sh.stale, sh.seqsSinceCompact = st.slots, st.stale, st.seqsSinceCompact
		sh.evictions += st.evictions
		sh.advance(nowSec)
		sh.unlock()
	}
	return err
}

// readState parses and validates the file into fresh shards shaped like
// s's. It reads the file twice: first only to verify size and checksum
// (so a garbage file costs no memory), then to build the shards.
func (s *Set) readState(path string, nowSec uint32) ([]shard, error) {
	staged := make([]shard, len(s.shards))
	// Stat before opening: opening a FIFO would block until a writer came.
	if st, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return staged, nil
	} else if err == nil && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("dedup: load: %s is not a regular file", path)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return staged, nil
	}
	if err != nil {
		return nil, fmt.Errorf("dedup: load: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("dedup: load: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("dedup: load: %s is not a regular file", path)
	}
	base, count, err := readHeader(f, st.Size())
	if err != nil {
		return nil, err
	}
	sum, err := entriesSum(io.NewSectionReader(f, headerSize, int64(count)*recordSize))
	if err != nil {
		return nil, fmt.Errorf("dedup: load: %w", err)
	}
	if err := verifyTrailer(f, base, count, sum); err != nil {
		return nil, err
	}

	// Second pass: the content is now trusted to be what a writer wrote.
	r := bufio.NewReaderSize(io.NewSectionReader(f, headerSize, int64(count)*recordSize), 1<<16)
	again := xxhash.New()
	var rec [recordSize]byte
	for range count {
		if _, err := io.ReadFull(r, rec[:]); err != nil {
			return nil, fmt.Errorf("dedup: load: %w", err)
		}
		_, _ = again.Write(rec[:])
		h := binary.LittleEndian.Uint64(rec[:8])
		if h == 0 {
			return nil, corrupt("zero hash")
		}
		t := entryTime(base, binary.LittleEndian.Uint32(rec[8:]), nowSec)
		sh := &staged[h&s.mask]
		if nowSec-t >= s.window {
			continue // expired while the exporter was down
		}
		sh.hashes = append(sh.hashes, h)
		sh.times = append(sh.times, t)
	}
	if again.Sum64() != sum {
		return nil, fmt.Errorf("dedup: load: %s changed while being read", path)
	}
	for i := range staged {
		if err := staged[i].finishLoad(s.shardLimit(i, s.maxEntries), s.window); err != nil {
			return nil, err
		}
	}
	return staged, nil
}

// readHeader validates the fixed header against the file size.
func readHeader(f io.ReaderAt, size int64) (base int64, count uint64, err error) {
	if size < headerSize+trailerSize {
		return 0, 0, corrupt("%d bytes is shorter than header and trailer", size)
	}
	var hdr [headerSize]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, 0, fmt.Errorf("dedup: load: %w", err)
	}
	if string(hdr[:8]) != fileMagic {
		return 0, 0, corrupt("bad magic %q", hdr[:8])
	}
	if v := binary.LittleEndian.Uint32(hdr[8:]); v != fileVersion {
		return 0, 0, corrupt("unsupported version %d (want %d)", v, fileVersion)
	}
	if fl := binary.LittleEndian.Uint32(hdr[12:]); fl != 0 {
		return 0, 0, corrupt("unknown flags %#x", fl)
	}
	base = int64(binary.LittleEndian.Uint64(hdr[16:]))
	if base > maxBaseAbs || base < -maxBaseAbs {
		return 0, 0, corrupt("implausible base time %d", base)
	}
	count = binary.LittleEndian.Uint64(hdr[24:])
	payload := uint64(size - headerSize - trailerSize)
	if count > maxFileCount || payload != count*recordSize {
		return 0, 0, corrupt("header says %d entries, file holds %d payload bytes (truncated?)", count, payload)
	}
	return base, count, nil
}

func entriesSum(r io.Reader) (uint64, error) {
	d := xxhash.New()
	if _, err := io.Copy(d, r); err != nil {
		return 0, err
	}
	return d.Sum64(), nil
}

func verifyTrailer(f io.ReaderAt, base int64, count uint64, sum uint64) error {
	var tr [trailerSize]byte
	if _, err := f.ReadAt(tr[:], headerSize+int64(count)*recordSize); err != nil {
		return fmt.Errorf("dedup: load: %w", err)
	}
	if got, want := binary.LittleEndian.Uint64(tr[:]), checksum(makeHeader(base, count), sum); got != want {
		return corrupt("checksum mismatch")
	}
	return nil
}

// entryTime converts a file time to seconds since epochUnix, clamped to
// [0, now].
func entryTime(base int64, t uint32, nowSec uint32) uint32 {
	abs := base + int64(t) - epochUnix
	switch {
	case abs < 0:
		return 0
	case abs > int64(nowSec):
		return nowSec
	}
	return uint32(abs)
}

// finishLoad turns the appended entries into a valid shard: time order,
// within limit (oldest evicted), ring and table built, no duplicates.
func (sh *shard) finishLoad(limit int, window uint32) error {
	sh.window, sh.limit = window, limit
	if !slices.IsSorted(sh.times) {
		// Only if the file came from a set with another shard count.
		sort.Stable(byTime{sh.hashes, sh.times})
	}
	drop := max(len(sh.hashes)-limit, 0)
	sh.evictions = uint64(drop)
	sh.n = len(sh.hashes) - drop
	// Copy into a right-sized ring: the append slack and the dropped
	// prefix are released.
	hs, ts := sh.hashes[drop:], sh.times[drop:]
	c := min(max(sh.n+sh.n/4, minRingCap), max(limit, sh.n))
	sh.hashes, sh.times, sh.head = make([]uint64, c), make([]uint32, c), 0
	copy(sh.hashes, hs)
	copy(sh.times, ts)
	if !sh.rebuildTable(c) {
		return corrupt("duplicate entry")
	}
	return nil
}

// byTime sorts the parallel ring slices by time.
type byTime struct {
	h []uint64
	t []uint32
}

func (b byTime) Len() int           { return len(b.t) }
func (b byTime) Less(i, j int) bool { return b.t[i] < b.t[j] }
func (b byTime) Swap(i, j int) {
	b.h[i], b.h[j] = b.h[j], b.h[i]
	b.t[i], b.t[j] = b.t[j], b.t[i]
}
