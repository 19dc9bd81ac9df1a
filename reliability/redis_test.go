package reliability

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// Two exporter processes sharing one real Redis for their dedup memory
// (webhooks.redis), as two replicas behind one webhook URL.

const replicaToken = "replica-token"

func startReplicas(t *testing.T, redisAddr string) [2]*proc {
	t.Helper()
	cfg := fmt.Sprintf("webhooks:\n  token: %s\n  redis:\n    address: %s\n    key_prefix: %q\n    timeout: 500ms\n",
		replicaToken, redisAddr, fmt.Sprintf("rel%d:", time.Now().UnixNano()))
	return [2]*proc{start(t, opts{config: cfg}), start(t, opts{config: cfg})}
}

// sumBoth adds one value over both replicas' settled scrapes.
func sumBoth(ss [2]scrape, f func(scrape) float64) float64 { return f(ss[0]) + f(ss[1]) }

// recordsBoth sums v's calls, counted and duplicate records over both
// replicas.
func recordsBoth(ss [2]scrape, v vendor) (calls, counted, dup float64) {
	calls = sumBoth(ss, func(s scrape) float64 { return s.sum(v.calls, nil) })
	counted = sumBoth(ss, func(s scrape) float64 { return s.records(v.source, "counted") })
	dup = sumBoth(ss, func(s scrape) float64 { return s.records(v.source, "duplicate") })
	return calls, counted, dup
}

func settledBoth(ps [2]*proc) [2]scrape {
	return [2]scrape{ps[0].settledMetrics(), ps[1].settledMetrics()}
}

// TestReplicasShareDedupInRedis: every body goes to one replica; a third
// of them are delivered again to the other replica (a vendor retry after a
// lost answer), some of those after a first delivery whose answer was
// really cut. Summed over both replicas every call counts exactly once.
func TestReplicasShareDedupInRedis(t *testing.T) {
	skipShort(t)
	srv := testkit.StartRedis(t)
	ps := startReplicas(t, srv.Addr)
	g := newGen(t, "replicas")
	rnd := rand.New(rand.NewPCG(12, 2))

	type job struct {
		b        body
		first    int  // replica of the first delivery
		again    bool // delivered again to the other replica
		cutFirst int  // the first delivery loses its answer (cut flavour)
	}
	unique := map[string]int{}
	var jobs []job
	againRecords := map[string]int{}
	for i := range 600 {
		b := g.mixedBody(i, 1+rnd.IntN(10))
		unique[b.path] += b.records
		j := job{b: b, first: rnd.IntN(2), again: rnd.IntN(3) == 0}
		if j.again {
			againRecords[b.path] += b.records
			if rnd.IntN(2) == 0 {
				j.cutFirst = 1 + rnd.IntN(numCutFlavours)
			}
		}
		jobs = append(jobs, j)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	tiny := &http.Client{Timeout: time.Millisecond}
	work := make(chan job)
	var failures atomic.Int32
	var firstErr atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				p, other := ps[j.first], ps[1-j.first]
				url := p.hookURL(j.b.path, replicaToken)
				var err error
				if j.cutFirst != cutNone {
					cutDelivery(tiny, p.hookAddr, j.b.path+"?token="+replicaToken, url, delivery{body: j.b, cut: j.cutFirst})
				} else {
					err = postUntilOK(client, url, j.b.data)
				}
				if err == nil && j.again {
					err = postUntilOK(client, other.hookURL(j.b.path, replicaToken), j.b.data)
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d bodies never got a 200: %v", n, firstErr.Load())
	}
	took := time.Since(t0)
	ss := settledBoth(ps)
	for _, c := range vendors() {
		want := float64(unique[c.path])
		calls, counted, dup := recordsBoth(ss, c)
		t.Logf("%s: unique sent %v; summed over both replicas: %s %v, counted %v (%v + %v), duplicate %v; delivered again %d records",
			c.source, want, c.calls, calls, counted, ss[0].records(c.source, "counted"), ss[1].records(c.source, "counted"), dup, againRecords[c.path])
		if calls != want || counted != want {
			t.Errorf("%s: %s summed %v, counted %v; want exactly the %v unique records", c.source, c.calls, calls, counted, want)
		}
		// A cut first delivery may not have been processed, so its second
		// delivery may count instead of being a duplicate.
		if dup > float64(againRecords[c.path]) || dup < float64(againRecords[c.path])/3 {
			t.Errorf("%s: %v duplicates, want at most the %d records delivered again (and most of them)", c.source, dup, againRecords[c.path])
		}
		for i, s := range ss {
			if s.records(c.source, "counted") == 0 {
				t.Errorf("replica %d counted no %s record: the load was not spread", i, c.source)
			}
			if v := s.records(c.source, "invalid"); v != 0 {
				t.Errorf("replica %d: %v invalid records", i, v)
			}
		}
	}
	t.Logf("two replicas + Redis: %d bodies (%d records) in %v", len(jobs), unique[pathAR]+unique[pathLA], took.Round(time.Millisecond))
}

// TestRedisRestartMidLoad: Redis (AOF, fsync always: acknowledged claims
// survive a crash) is SIGKILLed while 8 clients post to both replicas and
// restarted 1.5 s later. Bodies answered 503 meanwhile are retried on the
// other replica, as a vendor would. Claims Redis applied but could not
// answer survive the restart as pending: their bodies' retries are in
// flight (503) until released or expired, never duplicates. Nothing is lost
// (every unique record counted), nothing doubled (no more), the outage is
// visible (503s, dedup_errors_total, /-/ready), and after it every body
// re-delivered once more is a duplicate on either replica.
func TestRedisRestartMidLoad(t *testing.T) {
	skipShort(t)
	srv := testkit.StartRedis(t, "--appendonly", "yes", "--appendfsync", "always")
	ps := startReplicas(t, srv.Addr)
	g := newGen(t, "redisrestart")

	var bodies []body
	unique := map[string]int{}
	for i := range 900 {
		b := g.mixedBody(i, 1+i%10)
		unique[b.path] += b.records
		bodies = append(bodies, b)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	// deliver retries on the other replica after a non-200, like a vendor
	// whose retry lands anywhere behind the load balancer (bounded). 503s
	// are retried for 40 s: longer than the outage plus the 10 s a claim
	// orphaned by the crash (applied, answer lost) may hold its records
	// in flight.
	deliver := func(i int, b body) (retries int, err error) {
		deadline := time.Now().Add(40 * time.Second)
		for k := 0; ; k++ {
			code, err := post(client, ps[(i+k)%2].hookURL(b.path, replicaToken), b.data)
			if err == nil && code == http.StatusOK {
				return k, nil
			}
			if time.Now().After(deadline) {
				return k, fmt.Errorf("no 200 within 40s: last %d %v", code, err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	}

	var accepted, retried atomic.Int32
	outage := make(chan string, 1)
	go func() {
		for accepted.Load() < int32(len(bodies)/3) {
			time.Sleep(5 * time.Millisecond)
		}
		srv.Kill()
		notReady := waitReadyCode(ps[0], 503, 5*time.Second)
		time.Sleep(1500 * time.Millisecond)
		srv.Start()
		readyAgain := waitReadyCode(ps[0], 200, 10*time.Second) && waitReadyCode(ps[1], 200, 10*time.Second)
		outage <- fmt.Sprintf("killed at %d accepted bodies; /-/ready went 503: %v, back to 200: %v", accepted.Load(), notReady, readyAgain)
	}()

	work := make(chan int)
	var failures atomic.Int32
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				n, err := deliver(i, bodies[i])
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				if n > 0 {
					retried.Add(1)
				}
				accepted.Add(1)
			}
		}()
	}
	for i := range bodies {
		work <- i
	}
	close(work)
	wg.Wait()
	var how string
	select {
	case how = <-outage:
	case <-time.After(20 * time.Second):
		t.Fatal("the Redis outage never finished")
	}
	t.Log(how)
	if n := failures.Load(); n > 0 {
		t.Fatalf("%d bodies never got a 200: %v", n, firstErr.Load())
	}
	if !waitReadyCode(ps[0], 200, time.Second) {
		t.Fatalf("replica 0 not ready after the outage (%s)", how)
	}

	ss := settledBoth(ps)
	unavailable := sumBoth(ss, func(s scrape) float64 {
		return s.sum("airudder_exporter_webhook_requests_total", map[string]string{"outcome": "dedup_unavailable"})
	})
	dedupErr := func(reason string) float64 {
		return sumBoth(ss, func(s scrape) float64 {
			if reason == "" {
				return s.sum("airudder_exporter_dedup_errors_total", nil)
			}
			return s.sum("airudder_exporter_dedup_errors_total", map[string]string{"reason": reason})
		})
	}
	// confirm_failed bodies were counted and answered 200; every other
	// dedup error is a 503.
	confirmFailed, inFlight := dedupErr("confirm_failed"), dedupErr("in_flight")
	dedupErrs := dedupErr("") - confirmFailed
	t.Logf("during the outage: %v requests answered 503 dedup_unavailable (%v of them in_flight), dedup_errors_total %v (+ %v confirm_failed, answered 200), %d bodies needed a retry",
		unavailable, inFlight, dedupErrs, confirmFailed, retried.Load())
	if unavailable == 0 || dedupErrs != unavailable || retried.Load() == 0 {
		t.Errorf("outage not visible: %v 503s, %v dedup errors (want equal and > 0), %d retried bodies", unavailable, dedupErrs, retried.Load())
	}
	check := func(phase string, ss [2]scrape, wantDup map[string]int) {
		for _, c := range vendors() {
			want := float64(unique[c.path])
			calls, counted, dup := recordsBoth(ss, c)
			t.Logf("%s %s: unique posted %v; both replicas: %s %v, counted %v, duplicate %v", phase, c.source, want, c.calls, calls, counted, dup)
			if calls != want || counted != want {
				t.Errorf("%s %s: counted %v (%s %v), want exactly the %v unique records: lost or doubled", phase, c.source, counted, c.calls, calls, want)
			}
			if dup != float64(wantDup[c.path]) {
				t.Errorf("%s %s: %v duplicates, want %d", phase, c.source, dup, wantDup[c.path])
			}
		}
	}
	check("after the load", ss, map[string]int{})

	// Late retries of everything, each to the replica that did not take
	// the first delivery: Redis kept every claim across its restart.
	for i, b := range bodies {
		if code, err := post(client, ps[(i+1)%2].hookURL(b.path, replicaToken), b.data); err != nil || code != 200 {
			t.Fatalf("re-delivery %d: %d %v", i, code, err)
		}
	}
	check("after re-delivering every body", settledBoth(ps), unique)
}

// waitReadyCode polls /-/ready until it answers code.
func waitReadyCode(p *proc, code int, limit time.Duration) bool {
	return waitFor(limit, func() bool {
		c, _, err := p.get("/-/ready")
		return err == nil && c == code
	})
}

// waitFor polls cond every 50 ms until it holds or limit passes.
func waitFor(limit time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

// TestRedisUnreachableAtStart: the exporter starts while nothing listens
// at webhooks.redis.address. It serves /metrics, reports not ready with
// the reason, answers webhooks 503; once redis-server listens there it is
// ready and counts, without a restart.
func TestRedisUnreachableAtStart(t *testing.T) {
	skipShort(t)
	srv := testkit.StartRedis(t)
	srv.Kill() // keep its address: nothing listens there until Start
	cfg := fmt.Sprintf("webhooks:\n  token: %s\n  redis:\n    address: %s\n    timeout: 500ms\n", replicaToken, srv.Addr)
	p := start(t, opts{config: cfg, notReady: true})
	code, reason, err := p.get("/-/ready")
	if err != nil || code != 503 || !strings.Contains(reason, "Redis") {
		t.Fatalf("/-/ready before Redis listens: %d %q %v; want 503 naming Redis", code, reason, err)
	}
	if s := p.metrics(); s.sum("airudder_exporter_dedup_errors_total", nil) != 0 {
		t.Errorf("dedup errors before any webhook: %v", s.sum("airudder_exporter_dedup_errors_total", nil))
	}
	g := newGen(t, "redisstart")
	b := g.mixedBody(0, 3)
	client := &http.Client{Timeout: 10 * time.Second}
	if code, err := post(client, p.hookURL(b.path, replicaToken), b.data); err != nil || code != 503 {
		t.Fatalf("webhook before Redis listens: %d %v, want 503", code, err)
	}
	srv.Start()
	if !waitReadyCode(p, 200, 10*time.Second) {
		t.Fatal("not ready within 10s of Redis listening")
	}
	for range 2 {
		if code, err := post(client, p.hookURL(b.path, replicaToken), b.data); err != nil || code != 200 {
			t.Fatalf("webhook once Redis listens: %d %v", code, err)
		}
	}
	s := p.settledMetrics()
	source := vendors()[0].source
	if b.path == pathLA {
		source = vendors()[1].source
	}
	if c, d := s.records(source, "counted"), s.records(source, "duplicate"); c != 3 || d != 3 {
		t.Errorf("%s: counted %v, duplicate %v; want 3 and 3", source, c, d)
	}
}
