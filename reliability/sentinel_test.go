package reliability

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"airudder_exporter/internal/testkit"
)

// sentinelMaster is the name the test's sentinels monitor.
const sentinelMaster = "dedup"

// TestSentinelFailover: a master, one replica and three sentinels (quorum
// 2), all real redis-server processes; the exporter finds the master
// through webhooks.redis.sentinel. Bodies are counted; once their dedup
// entries are on the replica the master is SIGKILLed. The sentinels
// promote the replica, the exporter follows it on its own within a bound
// (ready again, claims go through), and every body delivered before the
// failover is a duplicate when re-delivered after it: counted exactly once.
func TestSentinelFailover(t *testing.T) {
	skipShort(t)
	master := testkit.StartRedis(t)
	_, mPort, _ := net.SplitHostPort(master.Addr)
	replica := testkit.StartRedis(t, "--replicaof", "127.0.0.1", mPort)
	ctx := context.Background()
	mc := redis.NewClient(&redis.Options{Addr: master.Addr, Protocol: 2})
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr, Protocol: 2})
	defer mc.Close()
	defer rc.Close()
	if !waitFor(10*time.Second, func() bool {
		info, _ := rc.Info(ctx, "replication").Result()
		return strings.Contains(info, "master_link_status:up")
	}) {
		t.Fatal("replica not linked to the master within 10s")
	}
	var sentinels []string
	for range 3 {
		sentinels = append(sentinels, testkit.StartSentinel(t, master.Addr, sentinelMaster, 2, ""))
	}
	// The sentinels must know the replica (from the master's INFO) and
	// each other before a failover can elect one.
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinels[0], Protocol: 2})
	defer sc.Close()
	if !waitFor(20*time.Second, func() bool {
		reps, err1 := sc.Replicas(ctx, sentinelMaster).Result()
		sens, err2 := sc.Sentinels(ctx, sentinelMaster).Result()
		return err1 == nil && err2 == nil && len(reps) == 1 && len(sens) == 2
	}) {
		t.Fatal("sentinels did not discover the replica and each other within 20s")
	}

	cfg := fmt.Sprintf("webhooks:\n  token: %s\n  redis:\n    sentinel:\n      master_name: %s\n      addresses: [%s]\n    timeout: 500ms\n",
		replicaToken, sentinelMaster, strings.Join(sentinels, ", "))
	p := start(t, opts{config: cfg})
	g := newGen(t, "sentinel")
	client := &http.Client{Timeout: 10 * time.Second}
	unique := map[string]int{}
	var before, after []body
	for i := range 60 {
		b := g.mixedBody(i, 1+i%5)
		unique[b.path] += b.records
		if err := postUntilOK(client, p.hookURL(b.path, replicaToken), b.data); err != nil {
			t.Fatalf("body %d before the failover: %v", i, err)
		}
		before = append(before, b)
	}
	// Every claim acknowledged so far reaches the replica (asynchronous
	// replication, so wait for it): the failover below loses none of them.
	if !waitFor(5*time.Second, func() bool {
		m, r := mc.DBSize(ctx).Val(), rc.DBSize(ctx).Val()
		return m > 0 && m == r
	}) {
		t.Fatalf("dedup keys: master %d, replica %d; want equal and > 0", mc.DBSize(ctx).Val(), rc.DBSize(ctx).Val())
	}

	t0 := time.Now()
	master.Kill()
	// Deliveries go on through the failover as a vendor's would: a 503 is
	// retried until a 200, within the bound.
	const bound = 30 * time.Second
	for i := 60; i < 90; i++ {
		b := g.mixedBody(i, 1+i%5)
		unique[b.path] += b.records
		deadline := time.Now().Add(bound)
		for {
			code, err := post(client, p.hookURL(b.path, replicaToken), b.data)
			if err == nil && code == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("body %d: no 200 within %v of the master's death: %d %v", i, bound, code, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
		after = append(after, b)
	}
	if !waitReadyCode(p, 200, bound) {
		t.Fatalf("not ready within %v after the failover", bound)
	}
	took := time.Since(t0)
	a, err := sc.GetMasterAddrByName(ctx, sentinelMaster).Result()
	if err != nil || net.JoinHostPort(a[0], a[1]) != replica.Addr {
		t.Fatalf("master after the failover: %v %v, want the replica %s", a, err, replica.Addr)
	}
	t.Logf("failover: writes counted again and ready %v after the master was killed", took.Round(time.Millisecond))

	// Re-deliver everything: the bodies of before the failover are known to
	// the promoted replica (replicated), those of after it were claimed on it.
	for _, b := range append(before, after...) {
		if err := postUntilOK(client, p.hookURL(b.path, replicaToken), b.data); err != nil {
			t.Fatalf("re-delivery: %v", err)
		}
	}
	s := p.settledMetrics()
	for _, v := range vendors() {
		want := float64(unique[v.path])
		if c, d := s.records(v.source, "counted"), s.records(v.source, "duplicate"); c != want || d != want {
			t.Errorf("%s: counted %v, duplicate %v; want exactly %v each (once, and every re-delivery a duplicate)", v.source, c, d, want)
		}
	}
}
