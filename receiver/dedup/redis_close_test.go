package dedup

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// A graceful stop with a confirm and a release queued (Redis failed them a
// moment ago and answers again): Close applies both before closing, so
// other replicas see the counted records done and the failed body's
// record free, instead of answering them 503 (in_flight) until the pending
// TTL and then counting the confirmed records again. No health check runs
// meanwhile: only Close can have flushed them.
func TestRedisCloseFlushesQueuedConfirmAndRelease(t *testing.T) {
	srv := testkit.StartRedis(t)
	r := NewRedis(RedisOptions{Address: srv.Addr, Timeout: 2 * time.Second, healthyPeriod: time.Hour, unhealthyPeriod: time.Hour})
	s := r.Store("close:", "laaffic", time.Hour)
	waitHealthy(t, r, true)
	_, counted := claimPending(t, s, "counted")
	_, failed := claimPending(t, s, "failed")
	queueConfirm(r, s, counted)
	r.queue(pendingOp{store: s, t: failed}, errors.New("connection reset by peer"))

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	other := newTestRedis(t, srv.Addr)
	if v, _ := keyState(t, other.client, s.key("counted")); v != "d" {
		t.Errorf("counted record after Close: %q, want done", v)
	}
	if v, _ := keyState(t, other.client, s.key("failed")); v != "" {
		t.Errorf("record of the failed body after Close: %q, want released", v)
	}
	os := other.Store("close:", "laaffic", time.Hour)
	if _, err := os.Claim(context.Background(), []string{"counted", "failed"}, time.Now(), make([]bool, 2)); err != nil {
		t.Fatalf("another replica's claim after Close: %v, want no error (nothing in flight)", err)
	}
}

// newSilentRedis answers PING and never answers a script: a Redis that
// hangs (or a network that drops its replies).
func newSilentRedis(t *testing.T) *respServer {
	return newRESPServer(t, func(args []string) string {
		switch args[0] {
		case "PING":
			return "+PONG\r\n"
		case "EVALSHA", "EVAL":
			return ""
		}
		return unknownCommand
	})
}

// unflushed records what Close reported it could not flush.
type unflushed struct {
	mu            sync.Mutex
	release, conf int
	calls         int
	lastErr       error
}

func (u *unflushed) report(rel, conf int, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.release += rel
	u.conf += conf
	u.calls++
	u.lastErr = err
}

func (u *unflushed) get() (rel, conf, calls int, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.release, u.conf, u.calls, u.lastErr
}

// ticket is a claimed ticket of keys, as Claim returns it.
func ticket(s *RedisStore, token string, ids ...string) Ticket {
	t := Ticket{token: token, fresh: make([]bool, len(ids))}
	for i, id := range ids {
		t.keys = append(t.keys, s.key(id))
		t.fresh[i] = true
	}
	return t
}

// Close's last flush runs against a Redis that does not answer: it gives
// up when the shutdown deadline (ctx) ends, well before the Redis timeout
// (a minute here), and reports the keys it could not flush.
func TestRedisCloseGivesUpAtDeadlineAndReportsUnflushed(t *testing.T) {
	f := newSilentRedis(t)
	var u unflushed
	r := NewRedis(RedisOptions{Address: f.addr, Timeout: time.Minute, healthyPeriod: time.Hour, unhealthyPeriod: time.Hour, OnUnflushed: u.report})
	s := r.Store("close:", "laaffic", time.Hour)
	waitHealthy(t, r, true)
	queueConfirm(r, s, ticket(s, "t1", "a", "b"))
	r.queue(pendingOp{store: s, t: ticket(s, "t2", "c")}, errors.New("connection reset by peer"))

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- r.CloseContext(ctx) }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close still running 20s after its 200ms deadline")
	}
	if f.scripts() == 0 {
		t.Error("Close sent no script: no last attempt to flush")
	}
	rel, conf, calls, err := u.get()
	if rel != 1 || conf != 2 || calls != 1 {
		t.Fatalf("reported unflushed: %d release keys, %d confirm keys in %d calls; want 1 and 2 in 1", rel, conf, calls)
	}
	if ErrorReason(err) != "timeout" {
		t.Errorf("reported error %v (reason %q), want a timeout", err, ErrorReason(err))
	}
	if r.Pending() != 0 {
		t.Errorf("%d keys still queued after Close", r.Pending())
	}

	// A handler that outlived the HTTP drain confirms after Close: nothing
	// will retry it, so it is reported rather than queued.
	s.Confirm(context.Background(), ticket(s, "t3", "d"))
	if rel, conf, calls, _ := u.get(); rel != 1 || conf != 3 || calls != 2 {
		t.Errorf("confirm after Close: reported %d release and %d confirm keys in %d calls; want 1 and 3 in 2", rel, conf, calls)
	}
}

// Once Close began its last flush, a claim (a handler that outlived the
// HTTP drain) is refused at once: it neither waits for the flush nor
// claims keys whose release or confirm nothing would flush.
func TestRedisClaimRefusedOnceCloseBegan(t *testing.T) {
	f := newSilentRedis(t)
	r := NewRedis(RedisOptions{Address: f.addr, Timeout: time.Minute, healthyPeriod: time.Hour, unhealthyPeriod: time.Hour})
	s := r.Store("close:", "laaffic", time.Hour)
	waitHealthy(t, r, true)
	queueConfirm(r, s, ticket(s, "t1", "a"))

	// The flush hangs until hangUp below (or the deadline, far beyond).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	closed := make(chan error, 1)
	go func() { closed <- r.CloseContext(ctx) }()
	defer func() { f.hangUp(); <-closed }()
	deadline := time.Now().Add(10 * time.Second)
	for f.scripts() == 0 { // the last flush is under way, and hangs
		if time.Now().After(deadline) {
			t.Fatal("Close sent no script within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}

	claimed := make(chan error, 1)
	go func() {
		_, err := s.Claim(context.Background(), []string{"b"}, time.Now(), make([]bool, 1))
		claimed <- err
	}()
	select {
	case err := <-claimed:
		if err == nil {
			t.Fatal("claim during Close succeeded")
		}
		if ErrorReason(err) != "unavailable" {
			t.Errorf("claim during Close: %v (reason %q), want unavailable", err, ErrorReason(err))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("claim during Close still waiting after 20s")
	}
	select {
	case <-closed:
		t.Error("Close returned before the claim was refused: the claim waited for the flush")
	default:
	}
	if n := f.scripts(); n != 1 {
		t.Errorf("%d scripts sent, want only Close's flush (the claim sent none)", n)
	}
}
