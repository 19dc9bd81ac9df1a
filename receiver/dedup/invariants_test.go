package dedup

import (
	"fmt"
	"slices"
)

// checkInvariants verifies, for every shard, that the ring and the table hold
// the same hashes without duplicates, ring times are ordered and not after
// the shard clock, and the shard respects its limit.
func (s *Set) checkInvariants() error {
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		err := sh.check(i, s.mask)
		sh.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

func (sh *shard) check(idx int, mask uint64) error {
	if sh.n > sh.limit || sh.n > len(sh.hashes) || len(sh.hashes) != len(sh.times) {
		return fmt.Errorf("shard %d: n=%d limit=%d cap=%d/%d", idx, sh.n, sh.limit, len(sh.hashes), len(sh.times))
	}
	// The lock-free mirrors read by Len and Evictions (every scrape).
	if sh.count.Load() != int64(sh.n) || sh.evicted.Load() != sh.evictions {
		return fmt.Errorf("shard %d: published count %d / evictions %d, held %d / %d",
			idx, sh.count.Load(), sh.evicted.Load(), sh.n, sh.evictions)
	}
	if sh.n > 0 && len(sh.slots) <= sh.n {
		return fmt.Errorf("shard %d: table %d slots for %d entries", idx, len(sh.slots), sh.n)
	}
	inTable := 0
	for _, v := range sh.slots {
		if v != 0 {
			inTable++
		}
	}
	if inTable != sh.n {
		return fmt.Errorf("shard %d: table holds %d, ring %d", idx, inTable, sh.n)
	}
	seen := make(map[uint64]bool, sh.n)
	times := make([]uint32, 0, sh.n)
	for k := 0; k < sh.n; k++ {
		j := (sh.head + k) % len(sh.hashes)
		h, t := sh.hashes[j], sh.times[j]
		if h == 0 || h&mask != uint64(idx) {
			return fmt.Errorf("shard %d: hash %#x does not belong here", idx, h)
		}
		if seen[h] {
			return fmt.Errorf("shard %d: duplicate %#x in ring", idx, h)
		}
		seen[h] = true
		if _, found := sh.probe(h); !found {
			return fmt.Errorf("shard %d: %#x in ring but not found in table", idx, h)
		}
		if t > sh.clock {
			return fmt.Errorf("shard %d: time %d after clock %d", idx, t, sh.clock)
		}
		times = append(times, t)
	}
	if !slices.IsSorted(times) {
		return fmt.Errorf("shard %d: ring times out of order", idx)
	}
	return nil
}
