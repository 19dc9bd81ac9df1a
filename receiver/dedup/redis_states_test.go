package dedup

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"airudder_exporter/internal/testkit"
)

// keyState reads a key's value and remaining life directly.
func keyState(t *testing.T, c redis.UniversalClient, key string) (string, time.Duration) {
	t.Helper()
	ctx := context.Background()
	v, err := c.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", 0
	}
	if err != nil {
		t.Fatal(err)
	}
	ttl, err := c.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	return v, ttl
}

// The two states: a claim leaves keys pending ("p:<token>", pending TTL);
// while pending, a body holding one of them on any replica is in flight
// (nothing of it claimed, its own fresh keys freed); Confirm makes them
// done ("d", dedup window), after which they are duplicates.
func TestRedisPendingThenDone(t *testing.T) {
	srv := testkit.StartRedis(t)
	r1, r2 := newTestRedis(t, srv.Addr), newTestRedis(t, srv.Addr)
	s1, s2 := r1.Store("st:", "laaffic", time.Hour), r2.Store("st:", "laaffic", time.Hour)
	ctx := context.Background()

	fresh, tk := claimPending(t, s1, "a", "b")
	if fmt.Sprint(fresh) != "[true true]" {
		t.Fatalf("first claim %v", fresh)
	}
	v, ttl := keyState(t, r1.client, s1.key("a"))
	if !strings.HasPrefix(v, "p:") || ttl <= DefaultPendingTTL-time.Second || ttl > DefaultPendingTTL {
		t.Fatalf("after the claim: value %q, PTTL %v; want pending, about %v", v, ttl, DefaultPendingTTL)
	}

	// Another replica's retry of an overlapping body, and this replica's
	// own (a second request): in flight, not duplicates.
	for name, s := range map[string]*RedisStore{"other replica": s2, "same replica": s1} {
		_, err := s.Claim(ctx, []string{"new-" + name, "b"}, time.Now(), make([]bool, 2))
		if !errors.Is(err, ErrInFlight) || ErrorReason(err) != ReasonInFlight {
			t.Fatalf("%s: claim of a pending key: %v (reason %q), want ErrInFlight", name, err, ErrorReason(err))
		}
		if v, _ := keyState(t, r1.client, s1.key("new-"+name)); v != "" {
			t.Errorf("%s: the in-flight body's own fresh key was kept (%q), want released", name, v)
		}
	}
	if !r2.Healthy() {
		t.Error("in flight made the store unhealthy: it is not an outage")
	}

	if err := s1.Confirm(ctx, tk); err != nil {
		t.Fatal(err)
	}
	v, ttl = keyState(t, r1.client, s1.key("b"))
	if v != "d" || ttl <= time.Hour-time.Minute || ttl > time.Hour {
		t.Fatalf("after confirm: value %q, PTTL %v; want done for the 1h window", v, ttl)
	}
	if fresh, _ := claim(t, s2, "new", "b", "a"); fmt.Sprint(fresh) != "[true false false]" {
		t.Fatalf("after confirm: %v, want [true false false]", fresh)
	}
	// The fresh key of that ticket is done too.
	if v, _ := keyState(t, r1.client, s2.key("new")); v != "d" {
		t.Fatalf("new key after claim+confirm: %q", v)
	}
}

// A replica that claimed and died before confirming (or a Redis crash that
// kept a claim whose answer was lost): the pending claim blocks retries
// only until the pending TTL ends, then the retry counts.
func TestRedisPendingExpires(t *testing.T) {
	srv := testkit.StartRedis(t)
	// The pending TTL leaves the retry below time to be refused on a
	// loaded machine; the sleep is measured from the claim.
	const pendingTTL = 1500 * time.Millisecond
	dead := NewRedis(RedisOptions{Address: srv.Addr, Timeout: 2 * time.Second, PendingTTL: pendingTTL})
	ds := dead.Store("exp:", "airudder", time.Hour)
	claimed := time.Now()
	claimPending(t, ds, "call")
	_ = dead.Close() // never confirms

	s := newTestRedis(t, srv.Addr).Store("exp:", "airudder", time.Hour)
	if _, err := s.Claim(context.Background(), []string{"call"}, time.Now(), make([]bool, 1)); !errors.Is(err, ErrInFlight) {
		t.Fatalf("retry while the claim is pending: %v, want ErrInFlight", err)
	}
	time.Sleep(time.Until(claimed.Add(pendingTTL + 200*time.Millisecond)))
	if fresh, _ := claim(t, s, "call"); !fresh[0] {
		t.Fatal("retry after the pending TTL: duplicate, want counted")
	}
	if fresh, _ := claim(t, s, "call"); fresh[0] {
		t.Fatal("confirmed call fresh again")
	}
}

// An orphaned pending key written by hand (as a crashed claim leaves it):
// the body is in flight (nothing of it claimed) until the key expires,
// then every record of it is fresh.
func TestRedisOrphanedPendingKey(t *testing.T) {
	srv := testkit.StartRedis(t)
	r := newTestRedis(t, srv.Addr)
	s := r.Store("orph:", "laaffic", time.Hour)
	ctx := context.Background()
	set := time.Now()
	if err := r.client.Set(ctx, s.key("orphan"), "p:x", 1500*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	keys := []string{"one", "orphan", "two"}
	_, err := s.Claim(ctx, keys, time.Now(), make([]bool, 3))
	if !errors.Is(err, ErrInFlight) {
		t.Fatalf("claim over an orphan: %v, want ErrInFlight", err)
	}
	for _, k := range []string{"one", "two"} {
		if v, _ := keyState(t, r.client, s.key(k)); v != "" {
			t.Fatalf("key %s left as %q after an in-flight claim", k, v)
		}
	}
	if v, _ := keyState(t, r.client, s.key("orphan")); v != "p:x" {
		t.Fatalf("the orphan was touched: %q", v)
	}
	time.Sleep(time.Until(set.Add(1700 * time.Millisecond)))
	if fresh, _ := claim(t, s, keys...); fmt.Sprint(fresh) != "[true true true]" {
		t.Fatalf("after the orphan expired: %v, want all fresh", fresh)
	}
}

// Values of the earlier one-state format (a bare token, no "p:") read as
// done: an upgrade does not count those ids again.
func TestRedisOldFormatIsDone(t *testing.T) {
	srv := testkit.StartRedis(t)
	r := newTestRedis(t, srv.Addr)
	s := r.Store("old:", "laaffic", time.Hour)
	if err := r.client.Set(context.Background(), s.key("legacy"), "Ab12Cd34.7", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if fresh, _ := claim(t, s, "legacy"); fresh[0] {
		t.Fatal("a key of the old format was claimed again")
	}
}

// Confirm fails (Redis gone after the claim): the error is reported, the
// confirm is queued, the store is unhealthy; once Redis answers (AOF kept
// the pending keys) the queued confirm makes them done, so the body's
// records stay duplicates beyond the pending TTL.
func TestRedisConfirmQueuedWhenRedisDown(t *testing.T) {
	srv := testkit.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	var confErrs atomic.Int32
	// The pending TTL outlasts a restart of Redis on a loaded machine: the
	// queued confirm must find the pending keys.
	r := NewRedis(RedisOptions{Address: srv.Addr, Timeout: 300 * time.Millisecond, PendingTTL: 30 * time.Second,
		OnConfirmError: func(int, error) { confErrs.Add(1) }})
	t.Cleanup(func() { _ = r.Close() })
	s := r.Store("conf:", "laaffic", time.Hour)
	_, tk := claimPending(t, s, "x", "y")

	srv.Kill()
	if err := s.Confirm(context.Background(), tk); err == nil {
		t.Fatal("confirm succeeded with Redis down")
	}
	if confErrs.Load() != 1 || r.Pending() != 2 {
		t.Fatalf("confirm errors %d, pending %d; want the confirm queued", confErrs.Load(), r.Pending())
	}
	if r.Healthy() {
		t.Error("healthy with a confirm pending")
	}
	srv.Start()
	waitHealthy(t, r, true)
	if r.Pending() != 0 {
		t.Fatalf("%d keys still pending after recovery", r.Pending())
	}
	for _, k := range []string{"x", "y"} {
		if v, ttl := keyState(t, r.client, s.key(k)); v != "d" || ttl < time.Hour-time.Minute {
			t.Fatalf("key %s after the queued confirm: %q, PTTL %v; want done for the window", k, v, ttl)
		}
	}
	// Done for the window (checked above), so past the pending TTL too.
	if fresh, _ := claim(t, s, "x", "y"); fmt.Sprint(fresh) != "[false false]" {
		t.Fatalf("after recovery: %v, want duplicates", fresh)
	}
}
