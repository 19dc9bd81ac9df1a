package receiver

import (
	"context"
	"errors"
	"io"
)

// The bodies held in memory at once are bounded by max_body_bytes_in_flight
// (settings.budget). A body's bytes are taken from it as they arrive, not as
// announced: a client that announces a large body and stalls holds only
// what it sent (plus the first read buffer), so stalled connections cannot
// starve the others of room, while a flood of real bodies waits for room,
// then gets 503.

// maxPrealloc bounds the read buffer grown from an announced length before
// any byte arrives: one allocation for the usual body, and a client that
// announces a large body and stalls holds no more than this.
const maxPrealloc = 64 << 10

// errNoRoom: the body did not fit in the in-flight budget within the wait.
var errNoRoom = errors.New("no room for the body within max_body_bytes_in_flight")

// bodyBudget is one request's share of the budget: what it took, released
// once when the request is done.
type bodyBudget struct {
	s    *settings
	ctx  context.Context
	used int64 // bytes read or inflated so far
	held int64 // bytes taken from the budget (>= used)
}

// take makes held cover n more bytes, waiting for room like a request
// without a slot; false when there was none in time.
func (b *bodyBudget) take(n int64) bool {
	b.used += n
	if b.used <= b.held {
		return true
	}
	need := b.used - b.held
	if !b.s.reserve(b.ctx, need) {
		return false
	}
	b.held += need
	return true
}

// release gives back everything taken.
func (b *bodyBudget) release() {
	if b.held > 0 {
		b.s.budget.Release(b.held)
		b.held, b.used = 0, 0
	}
}

// reader counts what r reads against the budget.
func (b *bodyBudget) reader(r io.Reader) io.Reader { return budgetReader{r: r, b: b} }

type budgetReader struct {
	r io.Reader
	b *bodyBudget
}

func (br budgetReader) Read(p []byte) (int, error) {
	n, err := br.r.Read(p)
	if n > 0 && !br.b.take(int64(n)) {
		return 0, errNoRoom
	}
	return n, err
}

// reserve takes n bytes of the in-flight body budget, waiting at most the
// queue wait for bodies in flight to finish; false when there was no room
// in time or ctx ended first.
func (s *settings) reserve(ctx context.Context, n int64) bool {
	if s.budget.TryAcquire(n) {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, s.queueWait)
	defer cancel()
	return s.budget.Acquire(ctx, n) == nil
}
