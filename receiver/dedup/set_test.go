package dedup

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func mustInvariants(t *testing.T, s *Set) {
	t.Helper()
	if err := s.checkInvariants(); err != nil {
		t.Fatal(err)
	}
}

func TestAddThenDuplicate(t *testing.T) {
	s := New(time.Hour, 1000)
	if !s.Add("call-1", t0) {
		t.Fatal("first Add of call-1 = false, want true")
	}
	if s.Add("call-1", t0.Add(time.Minute)) {
		t.Fatal("second Add of call-1 = true, want false (duplicate)")
	}
	if !s.Add("call-2", t0) {
		t.Fatal("Add of a different key = false, want true")
	}
	if s.Add("call-2", t0) {
		t.Fatal("second Add of call-2 = true, want false")
	}
	if got := s.Len(); got != 2 {
		t.Fatalf("Len = %d, want 2", got)
	}
	if got := s.Evictions(); got != 0 {
		t.Fatalf("Evictions = %d, want 0", got)
	}
	mustInvariants(t, s)
}

func TestEmptyKeyIsAKey(t *testing.T) {
	s := New(time.Hour, 1000)
	if !s.Add("", t0) || s.Add("", t0) {
		t.Fatal("empty key not deduplicated like any other")
	}
}

func TestExpiryAfterWindow(t *testing.T) {
	s := New(3*time.Hour, 1000)
	s.Add("a", t0)
	s.Add("b", t0.Add(time.Hour))
	if s.Add("a", t0.Add(3*time.Hour-time.Second)) {
		t.Fatal("a re-added 1 s before its window ended: want duplicate")
	}
	if !s.Add("a", t0.Add(3*time.Hour)) {
		t.Fatal("a re-added exactly one window later: want new")
	}
	// b (added at +1h) is still inside its window at +3h.
	if s.Add("b", t0.Add(3*time.Hour)) {
		t.Fatal("b still inside its window: want duplicate")
	}
	if got := s.Sweep(t0.Add(4 * time.Hour)); got != 1 {
		t.Fatalf("Sweep at +4h left %d entries, want 1 (a, re-added at +3h)", got)
	}
	if got := s.Sweep(t0.Add(7 * time.Hour)); got != 0 {
		t.Fatalf("Sweep at +7h left %d entries, want 0", got)
	}
	if s.Evictions() != 0 {
		t.Fatalf("expiry counted as eviction: %d", s.Evictions())
	}
	mustInvariants(t, s)
}

func TestClockGoingBackwardsDoesNotReorder(t *testing.T) {
	s := New(time.Hour, 1000)
	s.Add("late", t0.Add(30*time.Minute))
	// A step back is treated as "now = latest seen", so this entry expires
	// with the clock it was clamped to, not 30 min early.
	s.Add("early", t0)
	if s.Add("early", t0.Add(89*time.Minute)) {
		t.Fatal("early expired before a window measured from the clamped clock")
	}
	if !s.Add("early", t0.Add(90*time.Minute)) {
		t.Fatal("early not expired one window after the clamped clock")
	}
	mustInvariants(t, s)
}

func TestEvictionOldestFirst(t *testing.T) {
	s := New(time.Hour, 3) // small: one shard, so order is exact
	for i, k := range []string{"k1", "k2", "k3"} {
		s.Add(k, t0.Add(time.Duration(i)*time.Second))
	}
	if !s.Add("k4", t0.Add(3*time.Second)) {
		t.Fatal("k4 not added")
	}
	if got := s.Evictions(); got != 1 {
		t.Fatalf("Evictions = %d, want 1", got)
	}
	if got := s.Len(); got != 3 {
		t.Fatalf("Len = %d, want 3", got)
	}
	// k1 was oldest and is gone; k2..k4 remain.
	for _, k := range []string{"k2", "k3", "k4"} {
		if s.Add(k, t0.Add(4*time.Second)) {
			t.Fatalf("%s was evicted; want only the oldest (k1) gone", k)
		}
	}
	if !s.Add("k1", t0.Add(5*time.Second)) {
		t.Fatal("k1 still remembered after eviction")
	}
	if got := s.Evictions(); got != 2 { // re-adding k1 evicted k2
		t.Fatalf("Evictions = %d, want 2", got)
	}
	mustInvariants(t, s)
}

func TestDuplicateDoesNotEvict(t *testing.T) {
	s := New(time.Hour, 2)
	s.Add("a", t0)
	s.Add("b", t0)
	for range 10 {
		s.Add("a", t0)
		s.Add("b", t0)
	}
	if s.Evictions() != 0 || s.Len() != 2 {
		t.Fatalf("duplicates changed the set: evictions=%d len=%d", s.Evictions(), s.Len())
	}
}

func TestShardedSetStaysWithinMaxEntries(t *testing.T) {
	const max = 50_000
	s := New(time.Hour, max)
	if len(s.shards) < 2 {
		t.Fatalf("want a sharded set for %d entries, got %d shard(s)", max, len(s.shards))
	}
	for i := range 3 * max {
		s.Add(fmt.Sprintf("id-%d", i), t0)
	}
	if got := s.Len(); got != max {
		t.Fatalf("Len = %d, want exactly %d once every shard is full", got, max)
	}
	if got := s.Evictions(); got != 2*max {
		t.Fatalf("Evictions = %d, want %d", got, 2*max)
	}
	// The most recent keys survive; the first ones are gone.
	if s.Add(fmt.Sprintf("id-%d", 3*max-1), t0) {
		t.Fatal("newest key was evicted")
	}
	if !s.Add("id-0", t0) {
		t.Fatal("oldest key survived 2*max newer insertions")
	}
	mustInvariants(t, s)
}

func TestSetLimitsShrinkAndGrow(t *testing.T) {
	s := New(time.Hour, 100)
	for i := range 100 {
		s.Add(fmt.Sprintf("k%d", i), t0.Add(time.Duration(i)*time.Second))
	}
	s.SetLimits(time.Hour, 10)
	if got := s.Len(); got != 10 {
		t.Fatalf("Len after shrink = %d, want 10", got)
	}
	if got := s.Evictions(); got != 90 {
		t.Fatalf("Evictions after shrink = %d, want 90", got)
	}
	now := t0.Add(200 * time.Second)
	for i := 90; i < 100; i++ { // newest ten kept
		if s.Add(fmt.Sprintf("k%d", i), now) {
			t.Fatalf("k%d (among the newest) was evicted by the shrink", i)
		}
	}
	if !s.Add("k89", now) { // new again, so it evicts k90: still 10 held
		t.Fatal("k89 survived a shrink to 10")
	}
	mustInvariants(t, s)

	s.SetLimits(time.Hour, 1000)
	before := s.Evictions()
	for i := range 500 {
		s.Add(fmt.Sprintf("g%d", i), now)
	}
	if s.Evictions() != before {
		t.Fatalf("grown set evicted: %d -> %d", before, s.Evictions())
	}
	if got := s.Len(); got != 510 {
		t.Fatalf("Len = %d, want 510", got)
	}
	mustInvariants(t, s)
}

func TestSetLimitsWindowAppliesToExisting(t *testing.T) {
	s := New(3*time.Hour, 1000)
	s.Add("a", t0)
	s.SetLimits(time.Hour, 1000)
	if !s.Add("a", t0.Add(time.Hour)) {
		t.Fatal("shorter window not applied to an entry added before the reload")
	}
	s.SetLimits(5*time.Hour, 1000)
	if s.Add("a", t0.Add(5*time.Hour)) { // re-added at +1h, window now 5h
		t.Fatal("longer window not applied")
	}
}

func TestConcurrentAddCountsEachKeyOnce(t *testing.T) {
	const (
		workers = 8
		keys    = 20_000
	)
	s := New(time.Hour, 100_000)
	var trues atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			// Every worker walks all keys from a different offset, so
			// each key is raced by all workers.
			for i := range keys {
				k := (i + w*keys/workers) % keys
				if s.Add(fmt.Sprintf("call-%d", k), t0) {
					trues.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if got := trues.Load(); got != keys {
		t.Fatalf("%d Adds returned true, want exactly %d (one per distinct key)", got, keys)
	}
	if s.Len() != keys {
		t.Fatalf("Len = %d, want %d", s.Len(), keys)
	}
	mustInvariants(t, s)
}

func TestConcurrentWithSaveAndReload(t *testing.T) {
	s := New(time.Hour, 5000)
	path := t.TempDir() + "/state"
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 5000 {
				s.Add(fmt.Sprintf("%d-%d", w, i), t0.Add(time.Duration(i)*time.Millisecond))
			}
		})
	}
	wg.Go(func() {
		for i := range 5 {
			if err := s.SaveFile(path); err != nil {
				t.Error(err)
			}
			s.SetLimits(time.Hour, 3000+i*1000)
			_ = s.Len()
			_ = s.Evictions()
		}
	})
	wg.Wait()
	mustInvariants(t, s)
}

func TestNewClampsLimits(t *testing.T) {
	s := New(0, 0)
	if !s.Add("a", t0) || !s.Add("b", t0) {
		t.Fatal("Add failed on a minimal set")
	}
	if s.Len() != 1 || s.Evictions() != 1 {
		t.Fatalf("maxEntries 0 should act as 1: len=%d evictions=%d", s.Len(), s.Evictions())
	}
	if !s.Add("b", t0.Add(time.Second)) {
		t.Fatal("window 0 should act as 1 s")
	}
}

func TestShrinkReleasesRingAfterExpiry(t *testing.T) {
	s := New(time.Minute, 100_000)
	for i := range 50_000 {
		s.Add(fmt.Sprintf("b%d", i), t0)
	}
	peak := 0
	for i := range s.shards {
		peak += len(s.shards[i].hashes)
	}
	s.Sweep(t0.Add(time.Hour))
	for i := range 8 {
		s.Add(fmt.Sprintf("after%d", i), t0.Add(time.Hour))
	}
	after := 0
	for i := range s.shards {
		after += len(s.shards[i].hashes)
	}
	if after*4 > peak {
		t.Fatalf("ring capacity %d after expiring a burst (peak %d): memory not released", after, peak)
	}
	mustInvariants(t, s)
}

// A scrape reads Len, Evictions and Sweep; none of them may wait for a
// shard whose lock a webhook goroutine holds.
func TestScrapeReadsDoNotWaitForShardLocks(t *testing.T) {
	s := New(time.Minute, 64*1024) // several shards
	for i := range 1000 {
		s.Add(fmt.Sprint("id-", i), t0)
	}
	if len(s.shards) < 2 {
		t.Fatalf("want several shards, have %d", len(s.shards))
	}
	held := &s.shards[0]
	held.mu.Lock()
	done := make(chan [3]uint64, 1)
	go func() {
		// Past the window: every shard but the held one is swept empty.
		n := s.Sweep(t0.Add(2 * time.Minute))
		done <- [3]uint64{uint64(n), uint64(s.Len()), s.Evictions()}
	}()
	var got [3]uint64
	select {
	case got = <-done:
	case <-time.After(5 * time.Second):
		held.mu.Unlock()
		t.Fatal("Sweep/Len/Evictions waited for a held shard lock")
	}
	want := uint64(held.n) // the held shard was skipped, its count stays published
	held.mu.Unlock()
	if want == 0 {
		t.Fatal("test needs ids in shard 0")
	}
	if got[0] != want || got[1] != want || got[2] != 0 {
		t.Fatalf("Sweep, Len, Evictions = %v, want %d, %d, 0", got, want, want)
	}
	// Once the lock is free, the next Sweep expires that shard too.
	if n := s.Sweep(t0.Add(2 * time.Minute)); n != 0 {
		t.Fatalf("Sweep after unlock = %d, want 0", n)
	}
	mustInvariants(t, s)
}
