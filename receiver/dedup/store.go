package dedup

import (
	"context"
	"time"
)

// Store is the dedup memory of one vendor, behind which the receiver's
// recorder claims a body's record ids before counting them. Two
// implementations: *Set (this process's bounded set, persisted to a state
// file) and *RedisStore (one Redis shared by every replica).
//
// Exactly once hinges on the claim: a record is counted only by the caller
// whose Claim reported it fresh, and a claim that cannot be completed is
// undone, so the vendor's retry of that body is counted instead.
type Store interface {
	// Claim marks every key as seen at now. For each i it sets fresh[i]
	// (len(fresh) >= len(keys)) to true when keys[i] was new and is now
	// claimed by this call, false when it is a duplicate inside the window
	// (a key repeated within keys is fresh once). On error nothing is
	// claimed: the store has released, or queued for release, whatever it
	// set; fresh is then meaningless and the caller must count nothing.
	// ErrInFlight (Redis only) means some key is claimed by another
	// request that has not confirmed it yet: retry later.
	Claim(ctx context.Context, keys []string, now time.Time, fresh []bool) (Ticket, error)
	// Confirm tells the store that the ticket's fresh records were
	// counted: with Redis their pending claims become done and are kept
	// for the dedup window (until then a retry of them is in flight). On
	// error the store retries later by itself; the records stay counted.
	// *Set claims are final at once: Confirm is a no-op.
	Confirm(ctx context.Context, t Ticket) error
	// Release forgets the keys the ticket's Claim reported fresh, and only
	// while they are still held by that claim, so a retry of a body that
	// failed after Claim is counted. Best effort: an error means the keys
	// stay claimed until released later or their window ends.
	Release(ctx context.Context, t Ticket) error
}

// Ticket identifies one successful Claim for Release. It refers to the
// caller's keys and fresh slices, which must stay unchanged until Release
// returns (or the ticket is dropped).
type Ticket struct {
	keys  []string
	fresh []bool
	token string // the Redis value of this claim; "" for *Set
}

var _ Store = (*Set)(nil)

// Claim implements Store with Add for every key (addAll); it never fails.
func (s *Set) Claim(_ context.Context, keys []string, now time.Time, fresh []bool) (Ticket, error) {
	s.addAll(keys, now, fresh)
	return Ticket{keys: keys, fresh: fresh[:len(keys)]}, nil
}

// Confirm implements Store: a *Set claim is final already.
func (s *Set) Confirm(context.Context, Ticket) error { return nil }

// Release implements Store: the ticket's fresh keys are forgotten. Within
// one process nobody else can have claimed them meanwhile (a concurrent
// Claim of the same key saw a duplicate), so no token check is needed.
func (s *Set) Release(_ context.Context, t Ticket) error {
	for i, k := range t.keys {
		if t.fresh[i] {
			s.forget(k)
		}
	}
	return nil
}

// forget removes key if remembered.
func (s *Set) forget(key string) {
	h := hashKey(key)
	sh := s.shardFor(h)
	sh.mu.Lock()
	sh.forget(h)
	sh.unlock()
}

// forget removes h: its slot becomes a tomb and its ring entry a hole,
// which keeps its place (and the ring's time order) until it is popped.
func (sh *shard) forget(h uint64) {
	i, found := sh.probe(h)
	if !found {
		return
	}
	sh.hashes[sh.ringIndex(uint32(sh.slots[i]))] = 0
	sh.slots[i] = tomb
	sh.holes++
	sh.stale++
}
