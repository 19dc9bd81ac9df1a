package dedup

import (
	"math"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
)

// epochUnix is the fixed zero of the uint32 "seconds" stored per entry
// (2020-01-01T00:00:00Z). Fixed rather than per-process so that persisted
// times mean the same thing after a restart; uint32 seconds last until 2156.
const epochUnix = 1577836800

// maxShards bounds lock striping. The exporter runs on few cores; 32 shards
// make lock contention negligible while each shard stays large enough for
// per-shard oldest-first eviction to approximate global oldest-first.
const maxShards = 32

// minShardEntries is the smallest per-shard share of maxEntries for which a
// set is split further; small sets keep one shard so that eviction order is
// exact.
const minShardEntries = 1024

// Set remembers keys for a window, in bounded memory, to drop re-delivered
// webhooks. The zero value is not usable; call New. All methods are safe for
// concurrent use.
type Set struct {
	// limitsMu serialises SetLimits and LoadFile so that a reload cannot
	// interleave with a load that is sizing shards from the limits.
	limitsMu   sync.Mutex
	window     uint32 // seconds, >= 1
	maxEntries int    // >= 1

	mask   uint64 // len(shards)-1; len(shards) is a power of two
	shards []shard
}

// New returns an empty Set that remembers each key for window (rounded up to
// whole seconds, at least 1 s) and holds at most maxEntries keys (at least 1),
// dropping the oldest when full.
func New(window time.Duration, maxEntries int) *Set {
	if maxEntries < 1 {
		maxEntries = 1
	}
	n := 1
	for n < maxShards && maxEntries/(n*2) >= minShardEntries {
		n *= 2
	}
	s := &Set{shards: make([]shard, n), mask: uint64(n - 1)}
	s.SetLimits(window, maxEntries)
	return s
}

// hashKey maps a key to the 64-bit id that is actually stored. 0 marks an
// empty table slot, so it is folded onto 1 (one extra colliding value out of
// 2^64 — immaterial next to the collision note in doc.go).
func hashKey(key string) uint64 {
	h := xxhash.Sum64String(key)
	if h == 0 {
		h = 1
	}
	return h
}

// toSec converts wall time to seconds since epochUnix, saturating at both
// ends so that absurd clocks cannot wrap around.
func toSec(t time.Time) uint32 {
	u := t.Unix() - epochUnix
	switch {
	case u < 0:
		return 0
	case u > math.MaxUint32:
		return math.MaxUint32
	}
	return uint32(u)
}

// windowSec rounds a window up to whole seconds, within [1, MaxUint32].
func windowSec(d time.Duration) uint32 {
	if d <= 0 {
		return 1
	}
	sec := (d + time.Second - 1) / time.Second
	if sec > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(sec)
}

func (s *Set) shardFor(h uint64) *shard { return &s.shards[h&s.mask] }

// shardLimit splits maxEntries over the shards so the shares sum to exactly
// maxEntries (or to len(shards) if maxEntries is smaller: every shard keeps
// room for at least one entry).
func (s *Set) shardLimit(i, maxEntries int) int {
	n := len(s.shards)
	l := maxEntries / n
	if i < maxEntries%n {
		l++
	}
	return max(l, 1)
}

// Add records key as seen at now. It returns true if the key was new (or its
// previous sighting is older than the window) and false if it is a duplicate
// still inside the window. Adding a new key to a full shard drops the shard's
// oldest key and counts an eviction. Time never runs backwards inside a
// shard: an earlier now is treated as the latest now seen.
func (s *Set) Add(key string, now time.Time) (added bool) {
	h := hashKey(key)
	sec := toSec(now)
	sh := s.shardFor(h)
	sh.mu.Lock()
	added = sh.add(h, sec)
	sh.unlock()
	return added
}

// addChunk is how many keys addAll orders by shard at a time (its
// bookkeeping lives on the stack).
const addChunk = 128

// addAll sets fresh[i] to Add(keys[i], now) for every key. The keys are
// hashed first and taken shard by shard, each shard locked once per chunk
// of keys instead of once per key (a lock, an unlock and the publishing of
// the counts are atomic operations, each a barrier the adds' memory
// accesses cannot be overlapped across). Keys of one shard keep their
// order, so a key repeated in keys is fresh once.
func (s *Set) addAll(keys []string, now time.Time, fresh []bool) {
	sec := toSec(now)
	var (
		hs    [addChunk]uint64
		order [addChunk]uint8 // chunk indexes, grouped by shard
		start [maxShards + 1]uint8
	)
	for base := 0; base < len(keys); base += addChunk {
		chunk := keys[base:min(base+addChunk, len(keys))]
		start = [maxShards + 1]uint8{}
		for i, k := range chunk {
			hs[i] = hashKey(k)
			start[hs[i]&s.mask+1]++
		}
		for g := 1; g <= len(s.shards); g++ {
			start[g] += start[g-1]
		}
		next := start
		for i := range chunk {
			g := hs[i] & s.mask
			order[next[g]] = uint8(i)
			next[g]++
		}
		for g := range s.shards {
			idx := order[start[g]:start[g+1]]
			if len(idx) == 0 {
				continue
			}
			sh := &s.shards[g]
			sh.mu.Lock()
			sh.warm(&hs, idx)
			for _, i := range idx {
				fresh[base+int(i)] = sh.add(hs[i], sec)
			}
			sh.unlock()
		}
	}
}

// Len returns the number of remembered keys. Expiry is lazy (performed by
// Add on the shard it touches, and by Sweep), so the count may include keys
// whose window has passed but that were not swept yet; call Sweep first for
// an exact figure. It takes no lock: each shard's count as of its last
// change.
func (s *Set) Len() int {
	total := 0
	for i := range s.shards {
		total += int(s.shards[i].count.Load())
	}
	return total
}

// Sweep drops every key whose window has passed at now and returns Len.
// Not needed for correctness (Add never reports an expired key as a
// duplicate); it keeps an entries gauge honest during quiet periods.
//
// It is called at every scrape, so it never waits for a shard: a shard
// whose lock is held is skipped (its holder is busy with it, and Add
// expires the shard it touches anyway), and its count is the last
// published one.
func (s *Set) Sweep(now time.Time) int {
	sec := toSec(now)
	for i := range s.shards {
		sh := &s.shards[i]
		if !sh.mu.TryLock() {
			continue
		}
		sh.expire(sh.advance(sec))
		sh.unlock()
	}
	return s.Len()
}

// Evictions returns how many keys were dropped before their window ended
// because maxEntries was reached (by Add, by SetLimits shrinking, or by
// LoadFile finding more live keys than fit). Lock-free, like Len.
func (s *Set) Evictions() uint64 {
	var total uint64
	for i := range s.shards {
		total += s.shards[i].evicted.Load()
	}
	return total
}

// SetLimits applies a configuration reload. A new window applies to keys
// already remembered (expiry is measured from when a key was added). A
// smaller maxEntries evicts the oldest keys at once and releases memory; a
// larger one takes effect as keys arrive. The shard count is fixed at New.
func (s *Set) SetLimits(window time.Duration, maxEntries int) {
	if maxEntries < 1 {
		maxEntries = 1
	}
	w := windowSec(window)
	s.limitsMu.Lock()
	defer s.limitsMu.Unlock()
	s.window, s.maxEntries = w, maxEntries
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		sh.window = w
		sh.setLimit(s.shardLimit(i, maxEntries))
		sh.unlock()
	}
}
