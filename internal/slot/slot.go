// Package slot bounds how many requests do a piece of work at once. A
// request that finds every slot taken waits a little (a short burst is
// queued, not refused) and gives up after its wait or when its context ends.
package slot

import (
	"context"
	"time"
)

// Slots is a fixed number of slots. Its size never changes: a new size is a
// new Slots, and a holder that keeps the same size keeps its Slots so that
// a swap under load does not briefly allow twice the work.
type Slots struct{ c chan struct{} }

// New returns n slots (at least one).
func New(n int) *Slots { return &Slots{c: make(chan struct{}, max(n, 1))} }

// Size is the number of slots.
func (s *Slots) Size() int { return cap(s.c) }

// Acquire takes a slot, waiting at most wait for one to be released; false
// when none was free in time or ctx ended first. Every true must be paired
// with one Release.
func (s *Slots) Acquire(ctx context.Context, wait time.Duration) bool {
	select {
	case s.c <- struct{}{}:
		return true
	default:
	}
	if wait <= 0 {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case s.c <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// Release gives back a slot taken by Acquire.
func (s *Slots) Release() { <-s.c }
