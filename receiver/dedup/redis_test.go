package dedup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"airudder_exporter/internal/testkit"
)

// newTestRedis connects a Redis (a "replica") to srv. Its timeout is far
// above what a command takes, even on a loaded machine under -race: tests
// of the timeout itself set their own.
func newTestRedis(t *testing.T, addr string) *Redis {
	t.Helper()
	r := NewRedis(RedisOptions{Address: addr, Timeout: 2 * time.Second})
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// claim claims keys and confirms the claim, as the recorder does around
// counting the fresh records.
func claim(t *testing.T, s Store, keys ...string) ([]bool, Ticket) {
	t.Helper()
	fresh, tk := claimPending(t, s, keys...)
	if err := s.Confirm(context.Background(), tk); err != nil {
		t.Fatalf("Confirm(%v): %v", keys, err)
	}
	return fresh, tk
}

// claimPending claims keys without confirming: a body being counted.
func claimPending(t *testing.T, s Store, keys ...string) ([]bool, Ticket) {
	t.Helper()
	fresh := make([]bool, len(keys))
	tk, err := s.Claim(context.Background(), keys, time.Now(), fresh)
	if err != nil {
		t.Fatalf("Claim(%v): %v", keys, err)
	}
	return fresh, tk
}

// commandCalls reads INFO commandstats: calls of one command so far.
func commandCalls(t *testing.T, c redis.UniversalClient, cmd string) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`cmdstat_` + cmd + `:calls=(\d+)`).FindStringSubmatch(info)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func TestRedisClaimDuplicateAcrossReplicas(t *testing.T) {
	srv := testkit.StartRedis(t)
	a := newTestRedis(t, srv.Addr).Store("test:", "laaffic", time.Hour)
	b := newTestRedis(t, srv.Addr).Store("test:", "laaffic", time.Hour)
	other := newTestRedis(t, srv.Addr).Store("test:", "airudder", time.Hour)

	fresh, _ := claim(t, a, "v1", "v2", "v1")
	if fmt.Sprint(fresh) != "[true true false]" {
		t.Fatalf("first claim: %v, want [true true false] (repeat inside a batch is a duplicate)", fresh)
	}
	// The other replica sees both as duplicates, and a new one as new.
	if fresh, _ = claim(t, b, "v2", "v3", "v1"); fmt.Sprint(fresh) != "[false true false]" {
		t.Fatalf("claim on the second replica: %v, want [false true false]", fresh)
	}
	// Vendors do not share ids: the same id of the other vendor is new.
	if fresh, _ = claim(t, other, "v1"); !fresh[0] {
		t.Fatal("airudder id v1 reported duplicate of laaffic v1")
	}
}

// Concurrent claims of the same ids from two replicas: every id is fresh
// for exactly one of them.
func TestRedisClaimRace(t *testing.T) {
	srv := testkit.StartRedis(t)
	stores := []*RedisStore{
		newTestRedis(t, srv.Addr).Store("race:", "airudder", time.Hour),
		newTestRedis(t, srv.Addr).Store("race:", "airudder", time.Hour),
	}
	const ids, workers = 2000, 8
	var wins [ids]atomic.Int32
	var inFlight atomic.Int32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			s := stores[w%2]
			for start := 0; start < ids; start += 50 {
				keys := make([]string, 50)
				for i := range keys {
					keys[i] = "id-" + strconv.Itoa(start+i)
				}
				fresh := make([]bool, len(keys))
				// The other replica counting an overlapping body: retry,
				// as the vendor would after the 503 (bounded).
				var tk Ticket
				var err error
				for try := 0; try < 200; try++ {
					if tk, err = s.Claim(context.Background(), keys, time.Now(), fresh); !errors.Is(err, ErrInFlight) {
						break
					}
					inFlight.Add(1)
					time.Sleep(time.Millisecond)
				}
				if err != nil {
					t.Error(err)
					return
				}
				if err := s.Confirm(context.Background(), tk); err != nil {
					t.Error(err)
					return
				}
				for i, f := range fresh {
					if f {
						wins[start+i].Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	for i := range wins {
		if n := wins[i].Load(); n != 1 {
			t.Fatalf("id-%d claimed %d times, want exactly 1", i, n)
		}
	}
	t.Logf("%d claims found a body in flight on the other replica and were retried", inFlight.Load())
}

func TestRedisTTLIsTheWindow(t *testing.T) {
	srv := testkit.StartRedis(t)
	r := newTestRedis(t, srv.Addr)
	s := r.Store("ttl:", "airudder", 3*time.Hour)
	claim(t, s, "call-1")
	ttl, err := r.client.PTTL(context.Background(), s.key("call-1")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 3*time.Hour-time.Minute || ttl > 3*time.Hour {
		t.Fatalf("PTTL = %v, want just under 3h", ttl)
	}
	// A short window really expires: the id is new again afterwards.
	s.SetWindow(200 * time.Millisecond)
	claim(t, s, "call-2")
	if fresh, _ := claim(t, s, "call-2"); fresh[0] {
		t.Fatal("call-2 fresh twice inside its window")
	}
	time.Sleep(400 * time.Millisecond)
	if fresh, _ := claim(t, s, "call-2"); !fresh[0] {
		t.Fatal("call-2 still a duplicate after its window")
	}
	// Keys hide the id: prefix, vendor, 16 hex digits.
	if k := s.key("call-1"); !regexp.MustCompile(`^ttl:airudder:[0-9a-f]{16}$`).MatchString(k) {
		t.Errorf("key %q", k)
	}
}

// Release deletes only what the ticket's claim holds: not the keys it saw
// as duplicates, and not a key that meanwhile belongs to another claim.
func TestRedisReleaseOnlyOwnClaims(t *testing.T) {
	srv := testkit.StartRedis(t)
	r1, r2 := newTestRedis(t, srv.Addr), newTestRedis(t, srv.Addr)
	s1, s2 := r1.Store("rel:", "laaffic", time.Hour), r2.Store("rel:", "laaffic", time.Hour)
	ctx := context.Background()

	claim(t, s2, "held-by-2")
	fresh, tk := claimPending(t, s1, "mine", "held-by-2")
	if !fresh[0] || fresh[1] {
		t.Fatalf("fresh = %v", fresh)
	}
	if err := s1.Release(ctx, tk); err != nil {
		t.Fatal(err)
	}
	if fresh, _ = claim(t, s2, "mine", "held-by-2"); !fresh[0] || fresh[1] {
		t.Fatalf("after release: %v, want mine released and held-by-2 still held", fresh)
	}

	// The key of an old ticket expired (here: deleted) and was claimed by
	// replica 2: releasing the old ticket must leave replica 2's claim.
	_, old := claimPending(t, s1, "reused")
	if err := r1.client.Del(ctx, s1.key("reused")).Err(); err != nil {
		t.Fatal(err)
	}
	claim(t, s2, "reused")
	if err := s1.Release(ctx, old); err != nil {
		t.Fatal(err)
	}
	if fresh, _ = claim(t, s1, "reused"); fresh[0] {
		t.Fatal("a stale release deleted another replica's claim")
	}
}

// pipelineCounter counts what the client sends: pipelines and single
// commands.
type pipelineCounter struct{ pipelines, singles atomic.Int32 }

func (p *pipelineCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (p *pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() != "ping" { // the health loop's
			p.singles.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (p *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		p.pipelines.Add(1)
		return next(ctx, cmds)
	}
}

// A 100-record LAAFFIC body: the claim is one round trip (one script run
// setting 100 pending keys), the confirm after counting one more.
func TestRedisBatchIsOneRoundTrip(t *testing.T) {
	srv := testkit.StartRedis(t)
	r := newTestRedis(t, srv.Addr)
	s := r.Store("rt:", "laaffic", time.Hour)
	claim(t, s, "warm-up") // connection set-up and script loading are not the claim's cost
	before := commandCalls(t, r.client, "set")
	var pc pipelineCounter
	r.client.AddHook(&pc)
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = "voice-" + strconv.Itoa(i)
	}
	fresh, tk := claimPending(t, s, keys...)
	for i, f := range fresh {
		if !f {
			t.Fatalf("key %d not fresh", i)
		}
	}
	p, c := pc.pipelines.Load(), pc.singles.Load()
	if p != 0 || c != 1 {
		t.Fatalf("claim of 100 ids sent %d pipelines and %d single commands, want 0 and 1", p, c)
	}
	if d := commandCalls(t, r.client, "set") - before; d != 100 {
		t.Fatalf("Redis executed %d SETs for the claim, want 100", d)
	}
	c0 := pc.singles.Load() // after the INFO above
	if err := s.Confirm(context.Background(), tk); err != nil {
		t.Fatal(err)
	}
	if p, c := pc.pipelines.Load(), pc.singles.Load()-c0; p != 0 || c != 1 {
		t.Fatalf("confirm sent %d pipelines and %d single commands, want 0 and 1", p, c)
	}
	if d := commandCalls(t, r.client, "set") - before; d != 200 {
		t.Fatalf("Redis executed %d SETs for claim + confirm, want 200", d)
	}
}

// Redis down: claim fails fast with a counted reason, health turns false;
// Redis back: health recovers by itself and claims work, with the memory
// kept (AOF) so earlier ids are still duplicates.
func TestRedisOutageAndRecovery(t *testing.T) {
	srv := testkit.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	r := newTestRedis(t, srv.Addr)
	s := r.Store("out:", "airudder", time.Hour)
	claim(t, s, "before")
	waitHealthy(t, r, true)

	srv.Kill()
	start := time.Now()
	_, err := s.Claim(context.Background(), []string{"during"}, time.Now(), make([]bool, 1))
	if err == nil {
		t.Fatal("claim succeeded with Redis down")
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("claim took %v with Redis down, want it to fail within the timeout (2s) plus slack", el)
	}
	if got := ErrorReason(err); got != "unavailable" {
		t.Errorf("ErrorReason(%v) = %q, want unavailable", err, got)
	}
	if r.Healthy() {
		t.Error("healthy after a failed claim")
	}

	srv.Start()
	waitHealthy(t, r, true)
	if fresh, _ := claim(t, s, "before", "during"); fresh[0] || !fresh[1] {
		t.Fatalf("after restart: %v, want before=duplicate (AOF kept it), during=new (its claim failed)", fresh)
	}
}

func waitHealthy(t *testing.T, r *Redis, want bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for r.Healthy() != want {
		if time.Now().After(deadline) {
			t.Fatalf("Healthy() still %v after 5s", !want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A Redis that accepts connections but never answers: the claim gives up
// after the timeout with reason "timeout".
func TestRedisSlowIsTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			go func() { _, _ = io.Copy(io.Discard, c) }() // read, never answer
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	r := NewRedis(RedisOptions{Address: l.Addr().String(), Timeout: 300 * time.Millisecond})
	t.Cleanup(func() { _ = r.Close() })
	s := r.Store("slow:", "laaffic", time.Hour)
	start := time.Now()
	_, err = s.Claim(context.Background(), []string{"x", "y"}, time.Now(), make([]bool, 2))
	el := time.Since(start)
	if err == nil {
		t.Fatal("claim against a silent server succeeded")
	}
	if got := ErrorReason(err); got != "timeout" {
		t.Errorf("ErrorReason(%v) = %q, want timeout", err, got)
	}
	if el < 250*time.Millisecond || el > 5*time.Second {
		t.Errorf("claim returned after %v, want about the 300ms timeout", el)
	}
	if r.Healthy() {
		t.Error("healthy while Redis does not answer")
	}
}

// replyCutter forwards client → Redis, but while cut is set it drops
// Redis's replies and closes the client side: the commands are applied and
// the client never learns it (a reply lost in a crash or a network cut).
type replyCutter struct {
	l   net.Listener
	cut atomic.Bool
}

func newReplyCutter(t *testing.T, target string) *replyCutter {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &replyCutter{l: l}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c, target)
		}
	}()
	return p
}

func (p *replyCutter) serve(c net.Conn, target string) {
	defer c.Close()
	u, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer u.Close()
	go func() { _, _ = io.Copy(u, c) }()
	buf := make([]byte, 32<<10)
	for {
		n, err := u.Read(buf)
		if n > 0 {
			if p.cut.Load() {
				return // reply dropped, client connection closed
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// The hard case: the SETs were applied but the replies were lost, and the
// release cannot get through either. The keys are queued; while queued the
// store refuses to claim (503, the vendor retries) and reports unhealthy;
// once Redis answers again the queue is flushed, and the retry counts.
func TestRedisLostReplyClaimsAreReleased(t *testing.T) {
	srv := testkit.StartRedis(t)
	cutter := newReplyCutter(t, srv.Addr)
	var relErrs atomic.Int32
	r := NewRedis(RedisOptions{Address: cutter.l.Addr().String(), Timeout: 300 * time.Millisecond,
		OnReleaseError: func(int, error) { relErrs.Add(1) }})
	t.Cleanup(func() { _ = r.Close() })
	s := r.Store("lost:", "laaffic", time.Hour)
	claim(t, s, "warm-up")

	direct := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	defer direct.Close()
	ctx := context.Background()

	cutter.cut.Store(true)
	keys := []string{"a", "b", "c"}
	if _, err := s.Claim(ctx, keys, time.Now(), make([]bool, 3)); err == nil {
		t.Fatal("claim succeeded without replies")
	}
	// Applied in Redis although the claim failed: orphans.
	if n, err := direct.Exists(ctx, s.key("a"), s.key("b"), s.key("c")).Result(); err != nil || n != 3 {
		t.Fatalf("orphaned keys in Redis: %d (%v), want 3 (the test must produce the hard case)", n, err)
	}
	if relErrs.Load() == 0 || r.Pending() != 3 {
		t.Fatalf("release errors %d, pending %d; want the failed release queued", relErrs.Load(), r.Pending())
	}
	if r.Healthy() {
		t.Error("healthy with releases pending")
	}
	if _, err := s.Claim(ctx, []string{"x"}, time.Now(), make([]bool, 1)); err == nil {
		t.Fatal("claimed while orphans of this process are still held")
	}

	cutter.cut.Store(false)
	waitHealthy(t, r, true)
	if n, _ := direct.Exists(ctx, s.key("a"), s.key("b"), s.key("c")).Result(); n != 0 || r.Pending() != 0 {
		t.Fatalf("after recovery %d orphaned keys remain, %d pending", n, r.Pending())
	}
	if fresh, _ := claim(t, s, keys...); fmt.Sprint(fresh) != "[true true true]" {
		t.Fatalf("the vendor's retry: %v, want all counted", fresh)
	}
}

func TestErrorReasonIsBounded(t *testing.T) {
	for _, err := range []error{context.DeadlineExceeded, redis.ErrPoolTimeout, errors.New("dial tcp: connection refused"), io.EOF} {
		got := ErrorReason(err)
		ok := false
		for _, r := range ErrorReasons {
			ok = ok || r == got
		}
		if !ok {
			t.Errorf("ErrorReason(%v) = %q, not in %v", err, got, ErrorReasons)
		}
	}
}

// A Redis with a password: the right one works, a wrong one fails as a
// Redis error reply whose text does not carry the password.
func TestRedisAuth(t *testing.T) {
	const pass = "s3cr3t-redis-pass"
	srv := testkit.StartRedis(t, "--requirepass", pass)
	good := NewRedis(RedisOptions{Address: srv.Addr, Password: pass, Timeout: 300 * time.Millisecond})
	defer good.Close()
	if fresh, _ := claim(t, good.Store("auth:", "airudder", time.Hour), "a"); !fresh[0] {
		t.Fatal("authenticated claim not fresh")
	}
	bad := NewRedis(RedisOptions{Address: srv.Addr, Password: "wrong-" + pass, Timeout: 300 * time.Millisecond})
	defer bad.Close()
	_, err := bad.Store("auth:", "airudder", time.Hour).Claim(context.Background(), []string{"b"}, time.Now(), make([]bool, 1))
	if err == nil {
		t.Fatal("claim with a wrong password succeeded")
	}
	if got := ErrorReason(err); got != "redis_error" {
		t.Errorf("ErrorReason(%v) = %q, want redis_error", err, got)
	}
	if strings.Contains(err.Error(), pass) {
		t.Errorf("error reveals the password: %v", err)
	}
}
