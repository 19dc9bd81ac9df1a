package dedup

import (
	"sync"
	"sync/atomic"
)

// minRingCap is the first ring allocation; growth is by 1.25x from there.
const minRingCap = 16

// shrinkBelow: a ring larger than this that falls under a quarter full after
// expiry is halved-or-more, so a past burst does not pin memory forever.
const shrinkBelow = 1024

// shard is one lock stripe. It holds two structures over the same entries:
//
//   - a FIFO ring (hashes, times) in insertion order. Times are
//     non-decreasing along the ring (see advance), so expiry and
//     oldest-first eviction both just pop the head. Each entry has a
//     sequence number: the head's is seq0, the next seq0+1, and so on
//     (uint32, wrapping).
//   - an open-addressing hash table (slots, linear probing) in which an
//     entry is its hash's top 32 bits and its sequence number. A slot is
//     live while that number is in the ring, so popping the head leaves
//     its slot stale without touching the table: in a table larger than
//     the CPU caches that touch would be a cache miss for every id
//     evicted or expired, as many as for the ids added. An add reuses the
//     first stale slot on its probe path; compact clears the stale slots
//     once they and the live ones fill three quarters of the table.
//
// A slot's 32 bits of hash both place it (home) and screen it; a match is
// confirmed against the ring's full hash, so the table decides nothing on
// its 32 bits alone.
//
// Invariant: every ring entry that is not a hole (a hash of 0, left by
// forget) has exactly one live slot, which leads to it; no other slot is
// live; stale counts the slots that are neither empty nor live; every held
// entry is unexpired as of clock.
type shard struct {
	mu sync.Mutex

	hashes []uint64 // ring storage, len == capacity
	times  []uint32 // seconds since epochUnix when the entry was added
	head   int      // index of the oldest entry
	n      int      // entries held, holes included
	seq0   uint32   // sequence number of the head entry
	holes  int      // ring entries forgotten (hash 0) but not yet popped

	slots []uint64 // hash table: key32<<32 | sequence; 0 = empty, tomb = stale
	stale int      // slots neither empty nor live
	// seqsSinceCompact bounds how far sequence numbers run between two
	// compactions, so that a stale slot's number cannot wrap around into
	// the ring's range (which would only cost a ring read, never a wrong
	// answer, but would keep the slot from being reused).
	seqsSinceCompact uint32

	warmed    uint64 // the sum of warm's reads, kept so that they happen
	clock     uint32 // latest time seen; entry times never exceed it
	window    uint32 // seconds
	limit     int    // max entries in this shard, >= 1
	evictions uint64

	// count and evicted mirror n-holes and evictions, published by unlock,
	// so Len and Evictions (read at every scrape) take no shard lock: a
	// scrape must not wait behind webhook goroutines adding ids.
	count   atomic.Int64
	evicted atomic.Uint64

	_ [64]byte // keep neighbouring shards' locks off this cache line
}

// tomb marks a slot whose entry was forgotten: a key32 of 0, which no
// entry has (key32 maps 0 to 1).
const tomb = 1

// maxSeqsBetweenCompactions is well below 2^32: see seqsSinceCompact.
const maxSeqsBetweenCompactions = 1 << 30

// key32 is the part of h a slot keeps: its top 32 bits, never 0.
func key32(h uint64) uint32 {
	if k := uint32(h >> 32); k != 0 {
		return k
	}
	return 1
}

// unlock publishes the counts and releases the shard; every holder that
// may change n, holes or evictions leaves through it.
func (sh *shard) unlock() {
	sh.count.Store(int64(sh.n - sh.holes))
	sh.evicted.Store(sh.evictions)
	sh.mu.Unlock()
}

// tableSize is the slot count for a ring of capacity c: with the ring full
// the live slots fill half the table, and compact keeps live and stale
// slots under three quarters of it, which keeps a miss (the common case, a
// new call id) at a few probes of 8 bytes and guarantees empty slots exist.
func tableSize(c int) int { return 2*c + 1 }

// crowded reports whether one more slot taken would leave live and stale
// slots filling more than three quarters of the table (so an add that
// compacts first always leaves an empty slot, even in a table of three),
// or sequence numbers ran far enough to need a compaction.
func (sh *shard) crowded() bool {
	return 4*(sh.n-sh.holes+sh.stale+1) > 3*len(sh.slots) || sh.seqsSinceCompact >= maxSeqsBetweenCompactions
}

// advance moves the shard clock forward to now and returns the time to use.
// A clock that steps back is ignored so ring times stay ordered.
func (sh *shard) advance(now uint32) uint32 {
	if now > sh.clock {
		sh.clock = now
	}
	return sh.clock
}

// add is Set.Add under the shard lock.
func (sh *shard) add(h uint64, now uint32) bool {
	now = sh.advance(now)
	sh.expire(now)
	i, found := sh.probe(h)
	if found {
		return false
	}
	// Evicting leaves slots stale where they lie: i stays a free slot on
	// h's path.
	for sh.n-sh.holes >= sh.limit {
		sh.evictOldest()
	}
	if sh.n == len(sh.hashes) || sh.crowded() {
		// Either step may move table entries, so the probe is redone.
		if sh.n == len(sh.hashes) {
			sh.grow()
		}
		if sh.crowded() {
			sh.compact()
		}
		i, _ = sh.probe(h)
	}
	if sh.slots[i] != 0 {
		sh.stale--
	}
	sh.slots[i] = uint64(key32(h))<<32 | uint64(sh.seq0+uint32(sh.n))
	sh.push(h, now)
	return true
}

// warm reads, before the adds of the chunk keys idx (hashes in hs), the
// table slots those adds will probe. In a table larger than the CPU caches
// each of these reads is a cache miss; one add after another waits for them
// one at a time, while these reads do not depend on each other, so the CPU
// has many in flight at once and the adds then find the lines in cache. The
// sum is kept so the reads are not optimised away.
func (sh *shard) warm(hs *[addChunk]uint64, idx []uint8) {
	if len(sh.slots) == 0 {
		return
	}
	var sum uint64
	for _, i := range idx {
		sum += sh.slots[sh.home(key32(hs[i]))]
	}
	sh.warmed = sum
}

// expire drops entries whose window has passed at now.
func (sh *shard) expire(now uint32) {
	popped := false
	for sh.n > 0 && now-sh.times[sh.head] >= sh.window {
		sh.pop()
		popped = true
	}
	if popped && len(sh.hashes) > shrinkBelow && sh.n < len(sh.hashes)/4 {
		sh.resize(max(sh.n*2, minRingCap))
	}
}

// evictOldest drops the oldest entry before its window ended (and the
// holes before it, which count for nothing).
func (sh *shard) evictOldest() {
	for sh.n > 0 {
		hole := sh.hashes[sh.head] == 0
		sh.pop()
		if !hole {
			sh.evictions++
			return
		}
	}
}

// setLimit applies a new per-shard maximum, evicting and releasing memory
// when it shrinks.
func (sh *shard) setLimit(limit int) {
	sh.limit = limit
	for sh.n-sh.holes > limit {
		sh.evictOldest()
	}
	if len(sh.hashes) > limit {
		sh.resize(min(limit, max(sh.n+sh.n/4, minRingCap)))
	}
}

func (sh *shard) push(h uint64, t uint32) {
	i := sh.head + sh.n
	if i >= len(sh.hashes) {
		i -= len(sh.hashes)
	}
	sh.hashes[i], sh.times[i] = h, t
	sh.n++
	sh.seqsSinceCompact++
}

// pop drops the head entry. Its slot goes stale where it lies: the
// sequence number it holds leaves the ring's range.
func (sh *shard) pop() {
	if sh.hashes[sh.head] == 0 {
		sh.holes-- // its slot is a tomb already
	} else {
		sh.stale++
	}
	sh.head++
	if sh.head == len(sh.hashes) {
		sh.head = 0
	}
	sh.n--
	sh.seq0++
}

// grow enlarges the ring by 1.25x (not 2x: memory per entry right after a
// growth step is what the <= 48 B/id target is about), capped at the limit.
// The table grows ahead of the ring, to 1.5 times its capacity (capped at
// the limit's size): a ring step only copies the ring, while a table
// rebuild re-probes every entry, so the table is rebuilt every other ring
// step instead of at each. (A shard's table is at most a few MB, so those
// probes mostly hit the CPU caches.)
func (sh *shard) grow() {
	c := len(sh.hashes)
	nc := max(c+c/4, minRingCap)
	nc = min(nc, sh.limit)
	nc = max(nc, sh.n+1)
	sh.relay(nc)
	if tableSize(nc) > len(sh.slots) {
		sh.rebuildTable(max(nc, min(c+c/2, sh.limit)))
	}
}

// resize re-lays the ring without its holes into capacity c (at least the
// entries held) with the head at 0 and rebuilds the table from the ring,
// sized for that.
func (sh *shard) resize(c int) {
	if sh.holes > 0 {
		sh.dropHoles()
	}
	c = max(c, sh.n)
	sh.relay(c)
	sh.rebuildTable(c)
}

// dropHoles closes the ring over its holes; the table no longer matches it.
func (sh *shard) dropHoles() {
	kept := 0
	for k := range sh.n {
		j, to := sh.head+k, sh.head+kept
		if j >= len(sh.hashes) {
			j -= len(sh.hashes)
		}
		if to >= len(sh.hashes) {
			to -= len(sh.hashes)
		}
		if sh.hashes[j] != 0 {
			sh.hashes[to], sh.times[to] = sh.hashes[j], sh.times[j]
			kept++
		}
	}
	sh.n, sh.holes = kept, 0
}

// relay re-lays the ring into capacity c (>= n) with the head at 0; the
// table is unchanged (sequence numbers do not depend on where the ring
// starts).
func (sh *shard) relay(c int) {
	hs := make([]uint64, c)
	ts := make([]uint32, c)
	// The entries are at most two runs of the old ring: head to its end,
	// then its start.
	first := min(sh.n, len(sh.hashes)-sh.head)
	copy(hs, sh.hashes[sh.head:sh.head+first])
	copy(ts, sh.times[sh.head:sh.head+first])
	copy(hs[first:], sh.hashes[:sh.n-first])
	copy(ts[first:], sh.times[:sh.n-first])
	sh.hashes, sh.times, sh.head = hs, ts, 0
}

// rebuildTable sizes the table for c entries (at least the ring capacity)
// and fills it from the ring, without stale slots. It reports false if the
// ring holds a hash twice (only possible for entries read from a file).
func (sh *shard) rebuildTable(c int) bool {
	sh.slots = make([]uint64, tableSize(c))
	sh.stale, sh.seqsSinceCompact = 0, 0
	for k := 0; k < sh.n; k++ {
		j := sh.head + k
		if j >= len(sh.hashes) {
			j -= len(sh.hashes)
		}
		h := sh.hashes[j]
		if h == 0 {
			continue
		}
		i, found := sh.probe(h)
		if found {
			return false
		}
		sh.slots[i] = uint64(key32(h))<<32 | uint64(sh.seq0+uint32(k))
	}
	return true
}

// compact empties the stale slots in place. It walks the table once from
// an empty slot, so no probe run wraps past its start, and moves each live
// slot to the first empty slot from its home: the slots before it are done
// by then, and moving it only empties a slot after every one placed so
// far, so no run is broken. The walk reads the table in order, which the
// CPU prefetches; only the moves are scattered, and they stay in a run.
func (sh *shard) compact() {
	n := len(sh.slots)
	start := 0
	for sh.slots[start] != 0 {
		start++ // the table always has empty slots
	}
	for step := 1; step <= n; step++ {
		i := start + step
		if i >= n {
			i -= n
		}
		v := sh.slots[i]
		if v == 0 {
			continue
		}
		sh.slots[i] = 0
		if !sh.live(v) {
			continue
		}
		j := sh.home(uint32(v >> 32))
		for sh.slots[j] != 0 {
			j++
			if j == n {
				j = 0
			}
		}
		sh.slots[j] = v
	}
	sh.stale, sh.seqsSinceCompact = 0, 0
}

// live reports whether slot v (not empty) leads to a ring entry.
func (sh *shard) live(v uint64) bool {
	return v>>32 != 0 && uint32(v)-sh.seq0 < uint32(sh.n)
}

// home is the preferred slot of a key32: Lemire's multiply-shift range
// reduction, so the table size need not be a power of two. It uses the
// high bits of the hash; the shard index uses the low bits, so the two are
// independent.
func (sh *shard) home(k uint32) int {
	return int(uint64(k) * uint64(len(sh.slots)) >> 32)
}

// probe returns the live slot leading to h (found), or else the slot where
// h would go: the first stale one on its probe path, or the empty one that
// ends the path. The table always has empty slots; the loop bound is only
// a guard.
func (sh *shard) probe(h uint64) (int, bool) {
	n := len(sh.slots)
	if n == 0 {
		return 0, false
	}
	k := key32(h)
	i := sh.home(k)
	free := -1
	for range n {
		v := sh.slots[i]
		switch {
		case v == 0:
			if free < 0 {
				free = i
			}
			return free, false
		case !sh.live(v):
			if free < 0 {
				free = i
			}
		case uint32(v>>32) == k && sh.hashes[sh.ringIndex(uint32(v))] == h:
			return i, true
		}
		i++
		if i == n {
			i = 0
		}
	}
	return max(free, 0), false // unreachable while the table has empty slots
}

// ringIndex is where in the ring the entry with sequence number seq lies.
func (sh *shard) ringIndex(seq uint32) int {
	j := sh.head + int(seq-sh.seq0)
	if j >= len(sh.hashes) {
		j -= len(sh.hashes)
	}
	return j
}
