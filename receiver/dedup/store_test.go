package dedup

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// The local set as a Store: claim reports new ids, duplicates (also within
// one batch), and a released claim lets the same ids be claimed again.
func TestSetClaimRelease(t *testing.T) {
	s := New(time.Hour, 5000)
	ctx := context.Background()
	keys := []string{"a", "b", "a", "c"}
	fresh := make([]bool, len(keys))
	tk, err := s.Claim(ctx, keys, t0, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, true, false, true}; fmt.Sprint(fresh) != fmt.Sprint(want) {
		t.Fatalf("fresh = %v, want %v", fresh, want)
	}
	// "b" claimed again by another body: a duplicate.
	other := make([]bool, 1)
	if _, err := s.Claim(ctx, []string{"b"}, t0, other); err != nil || other[0] {
		t.Fatalf("second claim of b: fresh=%v err=%v", other[0], err)
	}
	if err := s.Release(ctx, tk); err != nil {
		t.Fatal(err)
	}
	mustInvariants(t, s)
	if s.Len() != 0 {
		t.Fatalf("Len after release = %d, want 0", s.Len())
	}
	if _, err := s.Claim(ctx, keys, t0, fresh); err != nil || !fresh[0] || !fresh[1] || fresh[2] || !fresh[3] {
		t.Fatalf("claim after release: fresh=%v err=%v", fresh, err)
	}
}

// Releasing entries from the middle and the end of full rings keeps the
// ring and table consistent and the other entries remembered.
func TestSetReleaseKeepsOthers(t *testing.T) {
	s := New(time.Hour, 3000) // one shard: 3000/2 < 2*1024
	var all []string
	for i := range 2000 {
		all = append(all, fmt.Sprintf("id-%d", i))
	}
	fresh := make([]bool, len(all))
	for i, k := range all {
		s.Add(k, t0.Add(time.Duration(i)*time.Millisecond))
	}
	// Release every third id, as if each were its own failed claim.
	released := map[string]bool{}
	for i := 0; i < len(all); i += 3 {
		if err := s.Release(context.Background(), Ticket{keys: all[i : i+1], fresh: []bool{true}}); err != nil {
			t.Fatal(err)
		}
		released[all[i]] = true
	}
	mustInvariants(t, s)
	if _, err := s.Claim(context.Background(), all, t0.Add(time.Minute), fresh); err != nil {
		t.Fatal(err)
	}
	for i, k := range all {
		if fresh[i] != released[k] {
			t.Fatalf("%s: fresh=%v, released=%v", k, fresh[i], released[k])
		}
	}
	mustInvariants(t, s)
}

// A claim of many keys (several chunks, every shard, repeats within and
// across chunks, a set small enough to evict) answers exactly as Add key by
// key, and leaves the same set.
func TestSetClaimMatchesAdd(t *testing.T) {
	for _, max := range []int{1000, 100_000} {
		byClaim, byAdd := New(time.Hour, max), New(time.Hour, max)
		for round := range 20 {
			keys := make([]string, 300+round)
			for i := range keys {
				keys[i] = fmt.Sprintf("id-%d", (round*250+i%100*7)%2000) // keys 100.. repeat 0..
			}
			now := t0.Add(time.Duration(round) * time.Minute)
			fresh := make([]bool, len(keys))
			if _, err := byClaim.Claim(context.Background(), keys, now, fresh); err != nil {
				t.Fatal(err)
			}
			for i, k := range keys {
				if want := byAdd.Add(k, now); fresh[i] != want {
					t.Fatalf("max %d round %d: %s fresh=%v, Add says %v", max, round, k, fresh[i], want)
				}
			}
			mustInvariants(t, byClaim)
			if byClaim.Len() != byAdd.Len() || byClaim.Evictions() != byAdd.Evictions() {
				t.Fatalf("max %d round %d: len %d/%d evictions %d/%d", max, round,
					byClaim.Len(), byAdd.Len(), byClaim.Evictions(), byAdd.Evictions())
			}
		}
	}
}
