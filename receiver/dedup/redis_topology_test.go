package dedup

import (
	"context"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"airudder_exporter/internal/testkit"
)

// A client may send the claim script twice with one token (its reply was
// lost and a Cluster client retried another node): the second run must
// answer what the first did, not take the body's own pending keys for
// duplicates (which would drop the records uncounted).
func TestRedisClaimScriptTwiceAnswersTheSame(t *testing.T) {
	srv := testkit.StartRedis(t)
	r := newTestRedis(t, srv.Addr)
	keys := []string{"twice:a", "twice:b", "twice:a"}
	want := []int64{1, 1, 0}
	for run := 1; run <= 2; run++ {
		got, err := claimScript.Run(context.Background(), r.client, keys, pendingValue("tok"), 10_000).Int64Slice()
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("run %d: %v, %v; want %v", run, got, err, want)
		}
	}
	got, err := claimScript.Run(context.Background(), r.client, keys[:1], pendingValue("other"), 10_000).Int64Slice()
	if err != nil || !slices.Equal(got, []int64{2}) {
		t.Fatalf("another token: %v, %v; want [2] (in flight)", got, err)
	}
}

// startClusterNode runs a one-node Redis Cluster owning every slot: real
// cluster mode, where a script whose keys hash to different slots fails
// with CROSSSLOT.
func startClusterNode(t *testing.T) *testkit.Redis {
	t.Helper()
	srv := testkit.StartRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	if reply, err := srv.Do("CLUSTER", "ADDSLOTSRANGE", "0", "16383"); err != nil || reply != "+OK" {
		t.Fatalf("CLUSTER ADDSLOTSRANGE: %q %v", reply, err)
	}
	c := redis.NewClient(&redis.Options{Addr: srv.Addr, Protocol: 2})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := c.ClusterInfo(context.Background()).Result()
		if err == nil && strings.Contains(info, "cluster_state:ok") {
			return srv
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ok within 10s: %q %v", info, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// On a Cluster every key of a vendor carries the hash tag {<vendor>}, so a
// 100-record body is one script on one slot, and dedup works as on one
// server.
func TestRedisClusterKeysShareOneSlot(t *testing.T) {
	srv := startClusterNode(t)
	r := NewRedis(RedisOptions{Cluster: []string{srv.Addr}, Timeout: time.Second})
	t.Cleanup(func() { _ = r.Close() })
	s := r.Store("cl:", "laaffic", time.Hour)
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = "voice-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + time.Now().Format(".000000000") + "-" + string(rune('A'+i/26))
	}
	fresh, _ := claim(t, s, ids...)
	for i, f := range fresh {
		if !f {
			t.Fatalf("record %d not fresh on first claim", i)
		}
	}
	fresh, _ = claim(t, s, ids...)
	for i, f := range fresh {
		if f {
			t.Fatalf("record %d fresh again on the second claim", i)
		}
	}
	if k := s.key(ids[0]); !strings.HasPrefix(k, "cl:{laaffic}:") {
		t.Errorf("cluster key %q, want the prefix cl:{laaffic}:", k)
	}
	waitHealthy(t, r, true)
	if plain := NewRedis(RedisOptions{Address: srv.Addr}).Store("cl:", "laaffic", time.Hour); strings.Contains(plain.key("x"), "{") {
		t.Errorf("a single server's keys carry a hash tag: %q", plain.key("x"))
	}
}

// Refused credentials are told apart from an outage: a start can fail on
// the first and wait out the second.
func TestRedisIsAuthError(t *testing.T) {
	const pass = "s3cr3t-start-pass"
	withPass := testkit.StartRedis(t, "--requirepass", pass)
	down := testkit.StartRedis(t)
	down.Kill()
	ping := func(addr, password string) error {
		r := NewRedis(RedisOptions{Address: addr, Password: password, Timeout: 300 * time.Millisecond})
		defer r.Close()
		return r.Ping(context.Background())
	}
	for _, tc := range []struct {
		name, addr, pass string
		auth             bool
	}{
		{"wrong password", withPass.Addr, "wrong", true},
		{"no password", withPass.Addr, "", true},
		{"right password", withPass.Addr, pass, false},
		{"nothing listening", down.Addr, pass, false},
	} {
		err := ping(tc.addr, tc.pass)
		if IsAuthError(err) != tc.auth {
			t.Errorf("%s: IsAuthError(%v) = %v, want %v", tc.name, err, !tc.auth, tc.auth)
		}
		if tc.name == "right password" && err != nil {
			t.Errorf("right password: %v", err)
		}
	}
}

// startCluster runs a Redis Cluster of n masters as real redis-server
// processes, each persisting every write (a killed node comes back with its
// keys): the slots split evenly, the nodes introduced to each other, and
// every node seeing cluster_state:ok.
func startCluster(t *testing.T, n int) []*testkit.Redis {
	t.Helper()
	nodes := make([]*testkit.Redis, n)
	for i := range nodes {
		nodes[i] = testkit.StartRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--appendonly", "yes", "--appendfsync", "always")
		from, to := i*16384/n, (i+1)*16384/n-1
		if reply, err := nodes[i].Do("CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(from), strconv.Itoa(to)); err != nil || reply != "+OK" {
			t.Fatalf("node %d: CLUSTER ADDSLOTSRANGE %d %d: %q %v", i, from, to, reply, err)
		}
	}
	for _, other := range nodes[1:] {
		host, port, _ := net.SplitHostPort(other.Addr)
		if reply, err := nodes[0].Do("CLUSTER", "MEET", host, port); err != nil || reply != "+OK" {
			t.Fatalf("CLUSTER MEET %s: %q %v", other.Addr, reply, err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, node := range nodes {
		c := redis.NewClient(&redis.Options{Addr: node.Addr, Protocol: 2})
		for {
			info, err := c.ClusterInfo(context.Background()).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)) {
				break
			}
			if time.Now().After(deadline) {
				c.Close()
				t.Fatalf("node %s: cluster not ok with %d nodes within 20s: %q %v", node.Addr, n, info, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
	return nodes
}

// Three masters, the client seeded with the one that owns neither vendor's
// slot: each vendor's keys (one hash tag) live on the node owning its slot,
// reached through MOVED; dedup holds across the nodes; and the death of one
// node stops only the vendor whose slot it owns.
func TestRedisClusterOfThreeMasters(t *testing.T) {
	nodes := startCluster(t, 3)
	ctx := context.Background()
	// CRC16 of the hash tags: airudder → slot 7218 (second node), laaffic →
	// 12979 (third node).
	owner := map[string]*testkit.Redis{"airudder": nodes[1], "laaffic": nodes[2]}
	for vendor, slot := range map[string]string{"airudder": ":7218", "laaffic": ":12979"} {
		if reply, _ := nodes[0].Do("CLUSTER", "KEYSLOT", "{"+vendor+"}"); reply != slot {
			t.Fatalf("CLUSTER KEYSLOT {%s} = %q, want %s", vendor, reply, slot)
		}
	}
	r := NewRedis(RedisOptions{Cluster: []string{nodes[0].Addr}, Timeout: 500 * time.Millisecond})
	t.Cleanup(func() { _ = r.Close() })
	stores := map[string]Store{}
	for vendor := range owner {
		stores[vendor] = r.Store("cl:", vendor, time.Hour)
	}
	ids := []string{"call-1", "call-2", "call-3"}
	for vendor, s := range stores {
		for round, want := range []bool{true, false} {
			fresh, _ := claim(t, s, ids...)
			for i, f := range fresh {
				if f != want {
					t.Fatalf("%s round %d: record %d fresh = %v, want %v", vendor, round, i, f, want)
				}
			}
		}
	}
	for vendor, node := range owner {
		for _, n := range nodes {
			c := redis.NewClient(&redis.Options{Addr: n.Addr, Protocol: 2})
			keys, err := c.Keys(ctx, "cl:{"+vendor+"}:*").Result()
			c.Close()
			if err != nil {
				t.Fatal(err)
			}
			if want := n == node; (len(keys) == len(ids)) != want || (!want && len(keys) != 0) {
				t.Errorf("%s: node %s holds %d of its keys; want all %d on its slot's owner %s only", vendor, n.Addr, len(keys), len(ids), node.Addr)
			}
		}
	}

	owner["laaffic"].Kill()
	fresh := make([]bool, 1)
	if _, err := stores["laaffic"].Claim(ctx, []string{"call-4"}, time.Now(), fresh); err == nil {
		t.Error("laaffic claimed with its slot's owner dead")
	}
	if f, _ := claim(t, stores["airudder"], "call-4"); !f[0] {
		t.Error("airudder: a new call is not fresh while another vendor's node is down")
	}

	// The node comes back with its slots (nodes.conf in its dir): the
	// queued release of the failed claim is applied, and the call that
	// claim held is fresh for laaffic, counted once.
	owner["laaffic"].Start()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := stores["laaffic"].Claim(ctx, []string{"call-5"}, time.Now(), fresh)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("laaffic: no claim within 15s of its node's return: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := r.Pending(); n != 0 {
		t.Errorf("%d keys still pending after the node's return", n)
	}
	if f, _ := claim(t, stores["laaffic"], "call-4"); !f[0] {
		t.Error("laaffic: the call of the failed claim is not fresh after the node's return")
	}
	if f, _ := claim(t, stores["laaffic"], "call-1"); f[0] {
		t.Error("laaffic: a call counted before the outage is fresh again")
	}
}
