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
// once when the request is done. It lives in the request's pooled work, and
// reads for it itself, so counting a body allocates nothing.
type bodyBudget struct {
	s    *settings
	ctx  context.Context
	used int64     // bytes read or inflated so far
	held int64     // bytes taken from the budget (>= used)
	r    io.Reader // what reader counts
	lim  io.LimitedReader
}

func (b *bodyBudget) start(s *settings, ctx context.Context) {
	*b = bodyBudget{s: s, ctx: ctx}
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

// release gives back everything taken, and forgets the request.
func (b *bodyBudget) release() {
	if b.held > 0 {
		b.s.budget.Release(b.held)
	}
	*b = bodyBudget{}
}

// reader counts what r reads against the budget (one reader at a time: the
// body, then the inflated body).
func (b *bodyBudget) reader(r io.Reader) io.Reader {
	b.r = r
	return b
}

// limited is reader over at most max+1 bytes of r: reading more than max
// bytes tells a body over its limit (the pooled reader saves the
// allocation of an io.LimitReader or http.MaxBytesReader per request).
func (b *bodyBudget) limited(r io.Reader, max int64) io.Reader {
	b.lim = io.LimitedReader{R: r, N: max + 1}
	return b.reader(&b.lim)
}

func (b *bodyBudget) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if n > 0 && !b.take(int64(n)) {
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
