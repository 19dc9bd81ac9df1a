package receiver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

func redisWebhooks(addr string) config.Webhooks {
	return config.Webhooks{Redis: config.Redis{
		Address: addr, KeyPrefix: "t:", Timeout: config.Duration(300 * time.Millisecond),
	}}
}

// batch is a {"items"} body of records with ids, plus one invalid record.
func batch(ids ...string) []byte {
	parts := make([]string, 0, len(ids)+1)
	for i, id := range ids {
		parts = append(parts, `{"id":"`+id+`","kind":"k`+strconv.Itoa(i%3)+`","n":`+strconv.Itoa(i)+`}`)
	}
	parts = append(parts, `"not an object"`)
	return []byte(`{"items":[` + strings.Join(parts, ",") + `]}`)
}

func waitReady(t *testing.T, tr *testReceiver, want bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for tr.Ready() != want {
		if time.Now().After(deadline) {
			t.Fatalf("Ready() still %v after 5s", !want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two receivers (replicas) sharing one Redis: a retry landing on the other
// replica is a duplicate, and each id is counted once in total.
func TestRedisSharedAcrossReplicas(t *testing.T) {
	srv := testkit.StartRedis(t)
	a := newTestReceiver(t, redisWebhooks(srv.Addr), t.TempDir())
	b := newTestReceiver(t, redisWebhooks(srv.Addr), t.TempDir())
	waitReady(t, a, true)

	if rec := a.post(pathGlobex, batch("v1", "v2")); rec.Code != http.StatusOK {
		t.Fatalf("a: %d %s", rec.Code, rec.Body)
	}
	if rec := b.post(pathGlobex, batch("v2", "v3")); rec.Code != http.StatusOK {
		t.Fatalf("b: %d %s", rec.Code, rec.Body)
	}
	// Same acme record on both.
	ar := []byte(`{"id":"c1"}`)
	a.post(pathAcme, ar)
	b.post(pathAcme, ar)

	count := func(tr *testReceiver, src, outcome string) float64 {
		return testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", src, "outcome", outcome)
	}
	if got := count(a, srcGlobex, recordCounted) + count(b, srcGlobex, recordCounted); got != 3 {
		t.Errorf("globex records counted across replicas = %v, want 3 (v1 v2 v3)", got)
	}
	if got := count(b, srcGlobex, recordDuplicate); got != 1 {
		t.Errorf("duplicates on b = %v, want 1 (v2)", got)
	}
	if got := count(a, srcAcme, recordCounted) + count(b, srcAcme, recordCounted); got != 1 {
		t.Errorf("acme records counted across replicas = %v, want 1", got)
	}
	// Nothing goes to the local set or a state file with Redis.
	n := 0
	for _, s := range a.order {
		n += s.set.Len()
	}
	if n != 0 {
		t.Errorf("local dedup set holds %d ids with Redis configured", n)
	}
	if fams := stateFamilies(t, a.reg); len(fams) != 0 {
		t.Errorf("dedup state families with Redis (nothing is saved): %v", fams)
	}
}

// Redis down: 503 with a JSON reason and Retry-After, nothing of the body
// counted (not even its invalid record), the error counted by reason, not
// ready; Redis back: ready again without intervention, and the retry counts.
func TestRedisOutage503ThenRecovery(t *testing.T) {
	srv := testkit.StartRedis(t)
	tr := newTestReceiver(t, redisWebhooks(srv.Addr), "")
	waitReady(t, tr, true)
	srv.Kill()

	body := batch("x1", "x2")
	rec := tr.post(pathGlobex, body)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("with Redis down: %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	var e struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, "dedup store unavailable") {
		t.Errorf("body %q: want a JSON reason", rec.Body)
	}
	for _, outcome := range []string{recordCounted, recordInvalid, recordDuplicate} {
		if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", srcGlobex, "outcome", outcome); v != 0 {
			t.Errorf("records %s = %v during the outage, want 0", outcome, v)
		}
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_dedup_errors_total", "source", srcGlobex, "reason", "unavailable"); v != 1 {
		t.Errorf("dedup_errors_total{unavailable} = %v, want 1", v)
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_requests_total", "source", srcGlobex, "outcome", outcomeDedupUnavailable); v != 1 {
		t.Errorf("requests{dedup_unavailable} = %v, want 1", v)
	}
	if tr.Ready() {
		t.Error("ready while Redis is down")
	}

	srv.Start()
	waitReady(t, tr, true)
	if rec := tr.post(pathGlobex, body); rec.Code != http.StatusOK {
		t.Fatalf("retry after recovery: %d %s", rec.Code, rec.Body)
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", srcGlobex, "outcome", recordCounted); v != 2 {
		t.Errorf("counted after the retry = %v, want 2", v)
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", srcGlobex, "outcome", recordInvalid); v != 1 {
		t.Errorf("invalid after the retry = %v, want 1 (counted once, with the body that was accepted)", v)
	}
}

// Without an address the receiver is ready at once and uses the local set.
func TestNoRedisIsLocal(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	if !tr.Ready() {
		t.Fatal("not ready without Redis")
	}
	tr.post(pathGlobex, batch("l1"))
	if n := tr.sources[srcGlobex].set.Len(); n != 1 {
		t.Fatalf("local set holds %d ids, want 1", n)
	}
	if fmt.Sprint(tr.redis) != "<nil>" {
		t.Fatal("a Redis store exists without webhooks.redis.address")
	}
}

// A reload may change the dedup window, not the dedup store: every change
// of webhooks.redis (or turning it on or off) is refused, since the running
// process would keep its connection and keys and a reload would report
// settings that are not in force.
func TestCheckConfigRefusesRedisChanges(t *testing.T) {
	srv := testkit.StartRedis(t)
	withRedis := newTestReceiver(t, redisWebhooks(srv.Addr), t.TempDir())
	local := newTestReceiver(t, config.Webhooks{}, t.TempDir())

	same := redisWebhooks(srv.Addr)
	same.DedupWindow = config.Duration(2 * time.Hour)
	if err := withRedis.CheckConfig(same); err != nil {
		t.Errorf("the same Redis with another dedup window: %v", err)
	}
	if err := local.CheckConfig(config.Webhooks{DedupWindow: config.Duration(time.Hour)}); err != nil {
		t.Errorf("no Redis before or after: %v", err)
	}
	for name, c := range map[string]func(*config.Webhooks){
		"address":    func(w *config.Webhooks) { w.Redis.Address = "127.0.0.1:1" },
		"key prefix": func(w *config.Webhooks) { w.Redis.KeyPrefix = "other:" },
		"password":   func(w *config.Webhooks) { w.Redis.Password = "rotated" },
		"timeout":    func(w *config.Webhooks) { w.Redis.Timeout = config.Duration(time.Second) },
		"db":         func(w *config.Webhooks) { w.Redis.DB = 3 },
		"off":        func(w *config.Webhooks) { w.Redis = config.Redis{} },
	} {
		w := redisWebhooks(srv.Addr)
		c(&w)
		if err := withRedis.CheckConfig(w); err == nil || !strings.Contains(err.Error(), "webhooks.redis") {
			t.Errorf("%s changed: %v, want a refusal naming webhooks.redis", name, err)
		}
	}
	if err := local.CheckConfig(redisWebhooks(srv.Addr)); err == nil {
		t.Error("Redis turned on by a reload: accepted")
	}
}
