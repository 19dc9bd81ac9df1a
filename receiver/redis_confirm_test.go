package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/receiver/dedup"
)

// A replica that claimed a record and died before confirming it leaves a
// pending claim: a body holding that record is answered 503 (in_flight,
// nothing of it counted, the replica stays ready) until the claim expires;
// the vendor's retry after that counts every record once.
func TestRedisInFlightBody503ThenCounted(t *testing.T) {
	srv := testkit.StartRedis(t)
	tr := newTestReceiver(t, redisWebhooks(srv.Addr), "")
	waitReady(t, tr, true)

	dead := dedup.NewRedis(dedup.RedisOptions{Address: srv.Addr, Timeout: 300 * time.Millisecond, PendingTTL: 500 * time.Millisecond})
	fresh := make([]bool, 1)
	if _, err := dead.Store("t:", srcGlobex, time.Hour).Claim(context.Background(), []string{"o1"}, time.Now(), fresh); err != nil || !fresh[0] {
		t.Fatalf("orphan claim: %v %v", fresh, err)
	}
	_ = dead.Close() // never confirms

	body := batch("n1", "o1")
	rec := tr.post(pathGlobex, body)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "10" {
		t.Fatalf("body with a pending record: %d (Retry-After %q), want 503 with Retry-After 10 (the pending TTL)", rec.Code, rec.Header().Get("Retry-After"))
	}
	var e struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.Contains(e.Error, "being counted by another request") {
		t.Errorf("body %q: want the in-flight reason", rec.Body)
	}
	count := func(outcome string) float64 {
		return testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", srcGlobex, "outcome", outcome)
	}
	for _, o := range []string{recordCounted, recordInvalid, recordDuplicate} {
		if v := count(o); v != 0 {
			t.Errorf("records %s = %v for an in-flight body, want 0", o, v)
		}
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_dedup_errors_total", "source", srcGlobex, "reason", dedup.ReasonInFlight); v != 1 {
		t.Errorf("dedup_errors_total{in_flight} = %v, want 1", v)
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_requests_total", "source", srcGlobex, "outcome", outcomeDedupUnavailable); v != 1 {
		t.Errorf("requests{dedup_unavailable} = %v, want 1", v)
	}
	if !tr.Ready() {
		t.Error("not ready because of an in-flight record: it is not an outage")
	}

	time.Sleep(700 * time.Millisecond) // the orphan expires
	if rec := tr.post(pathGlobex, body); rec.Code != http.StatusOK {
		t.Fatalf("retry after the pending TTL: %d %s", rec.Code, rec.Body)
	}
	if c, inv := count(recordCounted), count(recordInvalid); c != 2 || inv != 1 {
		t.Fatalf("after the retry: counted %v, invalid %v; want 2 and 1", c, inv)
	}
	if rec := tr.post(pathGlobex, body); rec.Code != http.StatusOK || count(recordDuplicate) != 2 || count(recordCounted) != 2 {
		t.Fatalf("third delivery: %d, counted %v, duplicate %v; want 200, 2, 2", rec.Code, count(recordCounted), count(recordDuplicate))
	}
}

// confirmFails wraps a store whose Confirm fails, and records what had
// been counted when Confirm was called.
type confirmFails struct {
	dedup.Store
	countedAtConfirm func()
}

func (c confirmFails) Confirm(context.Context, dedup.Ticket) error {
	c.countedAtConfirm()
	return errors.New("redis gone")
}

// A confirm that fails (Redis gone after the claim) keeps the 200 and the
// counted records, and is counted as confirm_failed. Confirm comes after
// counting.
func TestConfirmFailureKeeps200(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "") // local store, wrapped
	var atConfirm []float64
	src := tr.sources[srcGlobex]
	src.store = confirmFails{Store: src.store, countedAtConfirm: func() {
		atConfirm = append(atConfirm, testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", srcGlobex, "outcome", recordCounted))
	}}
	if rec := tr.post(pathGlobex, batch("c1", "c2")); rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if len(atConfirm) != 1 || atConfirm[0] != 2 {
		t.Fatalf("records counted when Confirm was called: %v, want one call after both were counted", atConfirm)
	}
	if v := testkit.Value(t, tr.reg, "airudder_exporter_dedup_errors_total", "source", srcGlobex, "reason", dedup.ReasonConfirmFailed); v != 1 {
		t.Errorf("dedup_errors_total{confirm_failed} = %v, want 1", v)
	}
}
