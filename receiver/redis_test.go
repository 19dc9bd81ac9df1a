package receiver

import (
	"encoding/json"
	"fmt"
	"net/http"
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

// laBatch is a LAAFFIC {"array"} body of ids, plus one invalid record.
func laBatch(ids ...string) []byte {
	parts := make([]string, 0, len(ids)+1)
	for i, id := range ids {
		parts = append(parts, strings.Replace(laafficRecord(i), idPlaceholder, id, 1))
	}
	parts = append(parts, `"not an object"`)
	return []byte(`{"array":[` + strings.Join(parts, ",") + `]}`)
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

	if rec := a.post(PathLaaffic, laBatch("v1", "v2")); rec.Code != http.StatusOK {
		t.Fatalf("a: %d %s", rec.Code, rec.Body)
	}
	if rec := b.post(PathLaaffic, laBatch("v2", "v3")); rec.Code != http.StatusOK {
		t.Fatalf("b: %d %s", rec.Code, rec.Body)
	}
	// Same AiRudder call on both.
	ar := []byte(strings.Replace(airudderBody(1), idPlaceholder, "c1", 1))
	a.post(PathAiRudder, ar)
	b.post(PathAiRudder, ar)

	count := func(tr *testReceiver, src, outcome string) float64 {
		return counterValue(t, tr.reg, "airudder_exporter_webhook_records_total", "source", src, "outcome", outcome)
	}
	if got := count(a, sourceLaaffic, recordCounted) + count(b, sourceLaaffic, recordCounted); got != 3 {
		t.Errorf("laaffic records counted across replicas = %v, want 3 (v1 v2 v3)", got)
	}
	if got := count(b, sourceLaaffic, recordDuplicate); got != 1 {
		t.Errorf("duplicates on b = %v, want 1 (v2)", got)
	}
	if got := count(a, sourceAiRudder, recordCounted) + count(b, sourceAiRudder, recordCounted); got != 1 {
		t.Errorf("airudder calls counted across replicas = %v, want 1", got)
	}
	// Nothing goes to the local set or a state file with Redis.
	if n := a.arDedup.Len() + a.laDedup.Len(); n != 0 {
		t.Errorf("local dedup set holds %d ids with Redis configured", n)
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

	body := laBatch("x1", "x2")
	rec := tr.post(PathLaaffic, body)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Fatalf("with Redis down: %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	var e struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, "dedup store unavailable") {
		t.Errorf("body %q: want a JSON reason", rec.Body)
	}
	for _, outcome := range []string{recordCounted, recordInvalid, recordDuplicate} {
		if v := counterValue(t, tr.reg, "airudder_exporter_webhook_records_total", "source", sourceLaaffic, "outcome", outcome); v != 0 {
			t.Errorf("records %s = %v during the outage, want 0", outcome, v)
		}
	}
	if v := counterValue(t, tr.reg, "airudder_exporter_dedup_errors_total", "source", sourceLaaffic, "reason", "unavailable"); v != 1 {
		t.Errorf("dedup_errors_total{unavailable} = %v, want 1", v)
	}
	if v := counterValue(t, tr.reg, "airudder_exporter_webhook_requests_total", "source", sourceLaaffic, "outcome", outcomeDedupUnavailable); v != 1 {
		t.Errorf("requests{dedup_unavailable} = %v, want 1", v)
	}
	if tr.Ready() {
		t.Error("ready while Redis is down")
	}

	srv.Start()
	waitReady(t, tr, true)
	if rec := tr.post(PathLaaffic, body); rec.Code != http.StatusOK {
		t.Fatalf("retry after recovery: %d %s", rec.Code, rec.Body)
	}
	if v := counterValue(t, tr.reg, "airudder_exporter_webhook_records_total", "source", sourceLaaffic, "outcome", recordCounted); v != 2 {
		t.Errorf("counted after the retry = %v, want 2", v)
	}
	if v := counterValue(t, tr.reg, "airudder_exporter_webhook_records_total", "source", sourceLaaffic, "outcome", recordInvalid); v != 1 {
		t.Errorf("invalid after the retry = %v, want 1 (counted once, with the body that was accepted)", v)
	}
}

// Without an address the receiver is ready at once and uses the local set.
func TestNoRedisIsLocal(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	if !tr.Ready() {
		t.Fatal("not ready without Redis")
	}
	tr.post(PathLaaffic, laBatch("l1"))
	if tr.laDedup.Len() != 1 {
		t.Fatalf("local set holds %d ids, want 1", tr.laDedup.Len())
	}
	if fmt.Sprint(tr.redis) != "<nil>" {
		t.Fatal("a Redis store exists without webhooks.redis.address")
	}
}
