package dedup

import (
	"errors"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// waitPending waits until no release or confirm is queued.
func waitPending(t *testing.T, r *Redis, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for r.Pending() != want {
		if time.Now().After(deadline) {
			t.Fatalf("%d keys queued after %v, want %d", r.Pending(), within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// queueConfirm queues the confirm of tk as Confirm does when Redis fails
// it. Called directly, it lands while Redis is known healthy: the outcome
// of a confirm (or a claim's release) that fails just as a health-check
// PING succeeds, which no test can time from outside.
func queueConfirm(r *Redis, s *RedisStore, tk Ticket) {
	r.queue(pendingOp{store: s, t: tk, confirm: true, window: s.window.Load()}, errors.New("connection reset by peer"))
}

// Work queued while Redis answers: /-/ready must say "not ready" until it
// is flushed (other replicas answer its records 503 meanwhile), and the
// health loop must flush it at the fast interval rather than wait for the
// slow one (an hour here, so only the fast one can flush it in time).
func TestRedisQueuedWorkNotReadyAndFlushedAtFastInterval(t *testing.T) {
	srv := testkit.StartRedis(t)
	r := NewRedis(RedisOptions{Address: srv.Addr, Timeout: 2 * time.Second, healthyPeriod: time.Hour})
	t.Cleanup(func() { _ = r.Close() })
	s := r.Store("q:", "laaffic", time.Hour)
	waitHealthy(t, r, true)

	_, tk := claimPending(t, s, "a", "b")
	queueConfirm(r, s, tk)
	if r.Healthy() {
		t.Error("healthy (ready) with a confirm queued")
	}
	waitPending(t, r, 0, 10*time.Second)
	waitHealthy(t, r, true)
	for _, k := range []string{"a", "b"} {
		if v, _ := keyState(t, r.client, s.key(k)); v != "d" {
			t.Errorf("key %s after the flush: %q, want done", k, v)
		}
	}
}

// A successful claim of one vendor says Redis answers, not that the other
// vendor's queued confirm went through: the replica stays not ready.
func TestRedisClaimOfOneVendorKeepsNotReadyWhileOthersWorkQueued(t *testing.T) {
	srv := testkit.StartRedis(t)
	// No health check after the first: only the claim can change health.
	r := NewRedis(RedisOptions{Address: srv.Addr, Timeout: 2 * time.Second, healthyPeriod: time.Hour, unhealthyPeriod: time.Hour})
	t.Cleanup(func() { _ = r.Close() })
	laaffic, airudder := r.Store("q:", "laaffic", time.Hour), r.Store("q:", "airudder", time.Hour)
	waitHealthy(t, r, true)

	_, tk := claimPending(t, laaffic, "a")
	queueConfirm(r, laaffic, tk)
	claim(t, airudder, "x")
	if r.Healthy() {
		t.Errorf("healthy (ready) with %d keys of another vendor queued", r.Pending())
	}
	if r.Pending() != 1 {
		t.Fatalf("%d keys queued, want laaffic's 1 (a claim flushes only its own vendor's)", r.Pending())
	}
}
