package receiver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// Redis not listening yet when the receiver starts: it starts anyway, not
// ready, answering 503; once a redis-server listens on that address it
// becomes ready and counts, with no restart.
func TestRedisUnreachableAtStart(t *testing.T) {
	srv := testkit.StartRedis(t)
	srv.Kill() // the address is known and nothing listens on it
	tr := newTestReceiver(t, redisWebhooks(srv.Addr), "")
	if tr.Ready() {
		t.Fatal("ready with nothing listening at the Redis address")
	}
	body := batch("s1", "s2")
	if rec := tr.post(pathGlobex, body); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("before Redis listens: %d %s, want 503", rec.Code, rec.Body)
	}
	srv.Start()
	waitReady(t, tr, true)
	if rec := tr.post(pathGlobex, body); rec.Code != http.StatusOK {
		t.Fatalf("once Redis listens: %d %s", rec.Code, rec.Body)
	}
	if rec := tr.post(pathGlobex, body); rec.Code != http.StatusOK {
		t.Fatalf("re-delivery: %d %s", rec.Code, rec.Body)
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", srcGlobex, "outcome", recordCounted); v != 2 {
		t.Errorf("counted = %v, want 2 (the re-delivery a duplicate)", v)
	}
}

// Refused credentials at start are a startup error that says so (and not
// the password); waiting would not fix them.
func TestRedisRefusedCredentialsAtStart(t *testing.T) {
	const pass = "right-redis-pass"
	srv := testkit.StartRedis(t, "--requirepass", pass)
	for _, given := range []string{"", "wrong-redis-pass"} {
		cfg := redisWebhooks(srv.Addr)
		cfg.Redis.Password = config.Secret(given)
		r, err := New(cfg, Options{Registerer: prometheus.NewPedanticRegistry()}, testVendors()...)
		if err == nil {
			_ = r.Close()
			t.Fatalf("password %q: started", given)
		}
		if !strings.Contains(err.Error(), "refused the credentials") || (given != "" && strings.Contains(err.Error(), given)) {
			t.Errorf("password %q: error %q, want a clear credentials error without the password", given, err)
		}
	}
	cfg := redisWebhooks(srv.Addr)
	cfg.Redis.Password = pass
	tr := newTestReceiver(t, cfg, "")
	waitReady(t, tr, true)
}

// Sentinels with a password of their own: the receiver finds the master
// with sentinel.password; without it, or with a wrong one, the start fails
// with the credentials error (which never holds the password).
func TestRedisSentinelCredentials(t *testing.T) {
	const pass = "right-sentinel-pass"
	master := testkit.StartRedis(t)
	sentinel := testkit.StartSentinel(t, master.Addr, "dedup", 1, pass)
	cfgWith := func(password string) config.Webhooks {
		cfg := redisWebhooks("")
		cfg.Redis.Sentinel = &config.RedisSentinel{MasterName: "dedup", Addresses: []string{sentinel}, Password: config.Secret(password)}
		return cfg
	}
	for _, given := range []string{"", "wrong-sentinel-pass"} {
		r, err := New(cfgWith(given), Options{Registerer: prometheus.NewPedanticRegistry()}, testVendors()...)
		if err == nil {
			_ = r.Close()
			t.Fatalf("sentinel password %q: started", given)
		}
		if !strings.Contains(err.Error(), "refused the credentials") || (given != "" && strings.Contains(err.Error(), given)) {
			t.Errorf("sentinel password %q: error %q, want a clear credentials error without the password", given, err)
		}
	}
	tr := newTestReceiver(t, cfgWith(pass), "")
	waitReady(t, tr, true)
	if rec := tr.post(pathGlobex, batch("s1")); rec.Code != http.StatusOK {
		t.Fatalf("through the sentinel: %d %s", rec.Code, rec.Body)
	}
	if keys, err := master.Do("DBSIZE"); err != nil || keys == "0" {
		t.Errorf("the master holds %q keys (%v): the claim did not reach it", keys, err)
	}
}

// The start line names the Redis it uses: address lists and the timeout as
// an operator reads them, not what logfmt makes of a slice or a duration.
func TestRedisStartLogNamesTheServers(t *testing.T) {
	for _, tc := range []struct {
		redis config.Redis
		want  string
	}{
		{config.Redis{ClusterAddresses: []string{"127.0.0.1:1", "127.0.0.1:2"}, KeyPrefix: "t:", Timeout: config.Duration(300 * time.Millisecond)},
			`cluster=127.0.0.1:1,127.0.0.1:2`},
		{config.Redis{Sentinel: &config.RedisSentinel{MasterName: "m", Addresses: []string{"127.0.0.1:3", "127.0.0.1:4"}}, KeyPrefix: "t:",
			Timeout: config.Duration(300 * time.Millisecond)}, `sentinel=127.0.0.1:3,127.0.0.1:4 master_name=m`},
	} {
		logs := &testkit.LogBuffer{}
		r, err := New(config.Webhooks{Redis: tc.redis}, Options{Registerer: prometheus.NewRegistry(), Logger: log.NewLogfmtLogger(logs)}, testVendors()...)
		if err != nil {
			t.Fatal(err)
		}
		_ = r.Close()
		line := ""
		for _, l := range strings.Split(logs.String(), "\n") {
			if strings.Contains(l, "dedup memory shared in Redis") {
				line = l
			}
		}
		if !strings.Contains(line, tc.want) || !strings.Contains(line, "timeout=300ms") || strings.Contains(line, "unsupported") {
			t.Errorf("start line %q, want %s and timeout=300ms", line, tc.want)
		}
	}
}
