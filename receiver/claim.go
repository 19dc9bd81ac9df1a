package receiver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"airudder_exporter/receiver/dedup"
)

// Claiming a body's record ids before counting them is what makes a record
// count exactly once, also across replicas sharing a Redis: the recorder
// first claims every valid record's id of the body in one dedup.Store call
// (one Redis round trip), then counts the fresh ones, then confirms the
// claim (claimed.done: a second round trip marking them counted). When the
// claim fails, or finds a record still being counted by another request
// (dedup.ErrInFlight), nothing of the body is counted (not even its invalid
// records), the store has released what it claimed, and the handler
// answers 503 so the vendor retries the whole body later. A failed confirm
// is counted and retried by the store; the body is still answered 200.

// errDedupUnavailable wraps a failed claim for the handler.
var errDedupUnavailable = errors.New("dedup store unavailable")

// newDedupErrors is airudder_exporter_dedup_errors_total.
func newDedupErrors(sources []string) *CounterVec {
	v := webhookCounter("airudder_exporter_dedup_errors_total",
		"Webhook bodies whose record ids could not be claimed in the shared dedup store (Redis), answered 503 so the vendor retries, by reason (timeout, unavailable, redis_error; in_flight: a record still being counted by another request); and counted bodies whose claim could not be confirmed (confirm_failed, answered 200, retried by the store).",
		"source", "reason")
	for _, s := range sources {
		for _, reason := range dedup.ErrorReasons {
			v.WithLabelValues(s, reason)
		}
	}
	return v
}

// claimed is the result of one claim: fresh[i] for the i-th key, read in
// the order the keys were added.
type claimed struct {
	keys  []string
	fresh []bool
	// Set by a successful claim, for the confirm in done.
	errs  *CounterVec
	store dedup.Store
	name  string
	tk    dedup.Ticket
}

var claimPool = sync.Pool{New: func() any { return new(claimed) }}

// done confirms a successful claim (its fresh records have been counted
// by now) and returns the buffers to the pool; c is unusable afterwards.
func (c *claimed) done() {
	if c.store != nil {
		// Background, like the claim; the store bounds the wait. A failure
		// is logged and retried by the store: the records stay counted.
		if err := c.store.Confirm(context.Background(), c.tk); err != nil {
			c.errs.WithLabelValues(c.name, dedup.ReasonConfirmFailed).Inc()
		}
	}
	clear(c.keys) // do not pin the ids of the body
	c.keys, c.fresh = c.keys[:0], c.fresh[:0]
	c.errs, c.store, c.name, c.tk = nil, nil, "", dedup.Ticket{}
	claimPool.Put(c)
}

// claim claims the keys of body in the store of src; on error it has
// counted the reason and returned the buffers.
func (r *Receiver) claim(src *source, body Body, now time.Time) (*claimed, error) {
	c := claimPool.Get().(*claimed)
	c.keys = body.Keys(c.keys)
	c.fresh = append(c.fresh[:0], make([]bool, len(c.keys))...)
	// Not the request's context: a vendor that hangs up after sending the
	// body still gets its records counted, as without Redis. The store
	// bounds the wait with its own timeout.
	tk, err := src.store.Claim(context.Background(), c.keys, now, c.fresh)
	if err != nil {
		r.m.dedupErrors.WithLabelValues(src.name, dedup.ErrorReason(err)).Inc()
		c.done()
		return nil, fmt.Errorf("%w: %w", errDedupUnavailable, err)
	}
	c.errs, c.store, c.name, c.tk = r.m.dedupErrors, src.store, src.name, tk
	return c, nil
}
