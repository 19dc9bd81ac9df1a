package dedup

import (
	"fmt"
	"slices"
)

// checkInvariants verifies, for every shard, that the ring and the table hold
// the same hashes without duplicates (the table's live slots lead to the
// ring's entries other than holes, and the stale ones are counted), ring times are ordered and not after
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
	if sh.n-sh.holes > sh.limit || sh.n > len(sh.hashes) || len(sh.hashes) != len(sh.times) {
		return fmt.Errorf("shard %d: n=%d limit=%d cap=%d/%d", idx, sh.n, sh.limit, len(sh.hashes), len(sh.times))
	}
	// The lock-free mirrors read by Len and Evictions (every scrape).
	if sh.count.Load() != int64(sh.n-sh.holes) || sh.evicted.Load() != sh.evictions {
		return fmt.Errorf("shard %d: published count %d / evictions %d, held %d / %d",
			idx, sh.count.Load(), sh.evicted.Load(), sh.n, sh.evictions)
	}
	if sh.n > 0 && len(sh.slots) < tableSize(len(sh.hashes)) {
		return fmt.Errorf("shard %d: table %d slots for a ring of %d", idx, len(sh.slots), len(sh.hashes))
	}
	// Every live slot leads to a ring entry with its key; the others are
	// counted as stale; some are empty.
	live, stale, empty := 0, 0, 0
	for _, v := range sh.slots {
		switch {
		case v == 0:
			empty++
		case !sh.live(v):
			stale++
		default:
			live++
			if h := sh.hashes[sh.ringIndex(uint32(v))]; h == 0 || key32(h) != uint32(v>>32) {
				return fmt.Errorf("shard %d: slot %#x leads to ring hash %#x", idx, v, h)
			}
		}
	}
	if len(sh.slots) > 0 && empty == 0 {
		return fmt.Errorf("shard %d: no empty slot", idx)
	}
	if stale != sh.stale {
		return fmt.Errorf("shard %d: %d stale slots, counted %d", idx, stale, sh.stale)
	}
	seen := make(map[uint64]bool, sh.n)
	times := make([]uint32, 0, sh.n)
	holes := 0
	for k := 0; k < sh.n; k++ {
		j := (sh.head + k) % len(sh.hashes)
		h, t := sh.hashes[j], sh.times[j]
		if t > sh.clock {
			return fmt.Errorf("shard %d: time %d after clock %d", idx, t, sh.clock)
		}
		times = append(times, t)
		if h == 0 {
			holes++
			continue
		}
		if h&mask != uint64(idx) {
			return fmt.Errorf("shard %d: hash %#x does not belong here", idx, h)
		}
		if seen[h] {
			return fmt.Errorf("shard %d: duplicate %#x in ring", idx, h)
		}
		seen[h] = true
		if i, found := sh.probe(h); !found || uint32(sh.slots[i]) != sh.seq0+uint32(k) {
			return fmt.Errorf("shard %d: %#x in ring but not found in table", idx, h)
		}
	}
	if holes != sh.holes || live != sh.n-holes {
		return fmt.Errorf("shard %d: %d holes (counted %d), %d live slots for %d entries", idx, holes, sh.holes, live, sh.n-holes)
	}
	if !slices.IsSorted(times) {
		return fmt.Errorf("shard %d: ring times out of order", idx)
	}
	return nil
}
