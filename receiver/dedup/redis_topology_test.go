package dedup

import (
	"context"
	"slices"
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
