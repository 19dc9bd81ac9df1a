package dedup

import (
	"math/bits"
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
//     oldest-first eviction both just pop the head.
//   - an open-addressing hash table (slots) of the same hashes for O(1)
//     membership, linear probing, backward-shift deletion (no tombstones),
//     sized so its load factor stays <= 0.7.
//
// Invariant: the ring and the table hold exactly the same set of hashes,
// without duplicates; every held entry is unexpired as of clock.
type shard struct {
	mu sync.Mutex

	hashes []uint64 // ring storage, len == capacity
	times  []uint32 // seconds since epochUnix when the entry was added
	head   int      // index of the oldest entry
	n      int      // entries held

	slots []uint64 // hash table; 0 = empty slot

	warmed    uint64 // the sum of warm's reads, kept so that they happen
	clock     uint32 // latest time seen; entry times never exceed it
	window    uint32 // seconds
	limit     int    // max entries in this shard, >= 1
	evictions uint64

	// count and evicted mirror n and evictions, published by unlock, so
	// Len and Evictions (read at every scrape) take no shard lock: a scrape
	// must not wait behind webhook goroutines adding ids.
	count   atomic.Int64
	evicted atomic.Uint64

	_ [64]byte // keep neighbouring shards' locks off this cache line
}

// unlock publishes the counts and releases the shard; every holder that
// may change n or evictions leaves through it.
func (sh *shard) unlock() {
	sh.count.Store(int64(sh.n))
	sh.evicted.Store(sh.evictions)
	sh.mu.Unlock()
}

// tableSize is the slot count for a ring of capacity c: load factor <= 0.7
// when the ring is full, which keeps a miss (the common case, a new call id)
// at ~6 probes of 8 bytes on average, and guarantees empty slots exist.
func tableSize(c int) int { return c*10/7 + 1 }

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
	if sh.n >= sh.limit || sh.n == len(sh.hashes) {
		// Either step moves table entries, so the probe is redone.
		for sh.n >= sh.limit {
			sh.evictOldest()
		}
		if sh.n == len(sh.hashes) {
			sh.grow()
		}
		i, _ = sh.probe(h)
	}
	sh.slots[i] = h
	sh.push(h, now)
	return true
}

// warm reads, before the adds of the chunk keys idx (hashes in hs), the
// table slots those adds will probe and those of the oldest entries they
// will evict or expire. In a table larger than the CPU caches each of these
// reads is a cache miss; one add after another waits for them one at a time,
// while these reads do not depend on each other, so the CPU has many in
// flight at once and the adds then find the lines in cache. The sum is kept
// so the reads are not optimised away.
func (sh *shard) warm(hs *[addChunk]uint64, idx []uint8, now uint32) {
	if len(sh.slots) == 0 {
		return
	}
	var sum uint64
	for _, i := range idx {
		sum += sh.slots[sh.home(hs[i])]
	}
	now = max(now, sh.clock)
	over := sh.n + len(idx) - sh.limit // entries the adds will evict, at most
	for j := range min(len(idx), sh.n) {
		k := sh.head + j
		if k >= len(sh.hashes) {
			k -= len(sh.hashes)
		}
		if j >= over && now-sh.times[k] < sh.window {
			break
		}
		sum += sh.slots[sh.home(sh.hashes[k])]
	}
	sh.warmed = sum
}

// expire drops entries whose window has passed at now.
func (sh *shard) expire(now uint32) {
	popped := false
	for sh.n > 0 && now-sh.times[sh.head] >= sh.window {
		sh.remove(sh.hashes[sh.head])
		sh.pop()
		popped = true
	}
	if popped && len(sh.hashes) > shrinkBelow && sh.n < len(sh.hashes)/4 {
		sh.resize(max(sh.n*2, minRingCap))
	}
}

// evictOldest drops the head entry before its window ended.
func (sh *shard) evictOldest() {
	sh.remove(sh.hashes[sh.head])
	sh.pop()
	sh.evictions++
}

// setLimit applies a new per-shard maximum, evicting and releasing memory
// when it shrinks.
func (sh *shard) setLimit(limit int) {
	sh.limit = limit
	for sh.n > limit {
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
}

func (sh *shard) pop() {
	sh.head++
	if sh.head == len(sh.hashes) {
		sh.head = 0
	}
	sh.n--
}

// grow enlarges the ring by 1.25x (not 2x: memory per entry right after a
// growth step is what the <= 48 B/id target is about), capped at the limit.
// The table grows by 2x (capped at the limit's size), ahead of the ring: a
// ring step only copies the ring, while a table rebuild re-probes every
// entry at a random place, so the table is rebuilt once per three ring
// steps instead of at each.
func (sh *shard) grow() {
	c := len(sh.hashes)
	nc := max(c+c/4, minRingCap)
	nc = min(nc, sh.limit)
	nc = max(nc, sh.n+1)
	sh.relay(nc)
	if tableSize(nc) > len(sh.slots) {
		sh.rebuildTable(max(nc, min(2*c, sh.limit)))
	}
}

// resize re-lays the ring into capacity c (>= n) with the head at 0 and
// rebuilds the table from the ring, sized for c.
func (sh *shard) resize(c int) {
	sh.relay(c)
	sh.rebuildTable(c)
}

// relay re-lays the ring into capacity c (>= n) with the head at 0; the
// table is unchanged.
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
// and fills it from the ring. It reports false if the ring holds a hash
// twice (only possible for entries read from a file).
func (sh *shard) rebuildTable(c int) bool {
	sh.slots = make([]uint64, tableSize(c))
	for k := 0; k < sh.n; k++ {
		j := sh.head + k
		if j >= len(sh.hashes) {
			j -= len(sh.hashes)
		}
		h := sh.hashes[j]
		i, found := sh.probe(h)
		if found {
			return false
		}
		sh.slots[i] = h
	}
	return true
}

// home is h's preferred slot: Lemire's multiply-shift range reduction, so
// the table size need not be a power of two (growth by 1.25x). It uses the
// high bits of h; the shard index uses the low bits, so the two are
// independent.
func (sh *shard) home(h uint64) int {
	hi, _ := bits.Mul64(h, uint64(len(sh.slots)))
	return int(hi)
}

// probe returns the slot holding h (found) or the empty slot where h would
// go. The table always has empty slots; the loop bound is only a guard.
func (sh *shard) probe(h uint64) (int, bool) {
	n := len(sh.slots)
	if n == 0 {
		return 0, false
	}
	i := sh.home(h)
	for range n {
		switch sh.slots[i] {
		case h:
			return i, true
		case 0:
			return i, false
		}
		i++
		if i == n {
			i = 0
		}
	}
	return 0, false // unreachable while the load factor is < 1
}

// remove deletes h from the table with backward-shift deletion: later
// entries of the probe run move up so lookups never need tombstones.
func (sh *shard) remove(h uint64) {
	i, found := sh.probe(h)
	if !found {
		return
	}
	n := len(sh.slots)
	j := i
	for range n {
		j++
		if j == n {
			j = 0
		}
		v := sh.slots[j]
		if v == 0 {
			break
		}
		k := sh.home(v)
		// v stays if its home lies cyclically in (i, j]: moving it to i
		// would put it before its home and make it unreachable.
		if i <= j {
			if i < k && k <= j {
				continue
			}
		} else if i < k || k <= j {
			continue
		}
		sh.slots[i] = v
		i = j
	}
	sh.slots[i] = 0
}
