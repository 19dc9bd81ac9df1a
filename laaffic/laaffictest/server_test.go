package laaffictest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The fake must check what the real API checks, or the balance poller's tests
// would pass with a wrong signature.
func TestFakeChecksSignatureAndTimestamp(t *testing.T) {
	now := time.Unix(1630468800, 0)
	s := New("bDqJFiq9", "7bz1lzh9")
	s.SetClock(func() time.Time { return now })
	ask := func(key, ts, sign string) map[string]any {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, BalancePath, nil)
		req.Header.Set("Api-Key", key)
		req.Header.Set("Timestamp", ts)
		req.Header.Set("Sign", sign)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		return m
	}
	const vector = "05d7a50893e22a5c4bb3216ae3396c7c"
	if got := Sign("bDqJFiq9", "7bz1lzh9", "1630468800"); got != vector {
		t.Fatalf("Sign = %s", got)
	}
	if m := ask("bDqJFiq9", "1630468800", vector); m["status"] != "0" || m["balance"] != "100.000000" {
		t.Errorf("good request: %v", m)
	}
	if m := ask("bDqJFiq9", "1630468800", strings.ToUpper(vector)); m["status"] != "0" {
		t.Errorf("upper-case sign: %v", m)
	}
	if m := ask("bDqJFiq9", "1630468801", vector); m["status"] != "-1" {
		t.Errorf("sign of another timestamp: %v", m)
	}
	if m := ask("other", "1630468800", vector); m["status"] != "-1" {
		t.Errorf("wrong key: %v", m)
	}
	old := strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10)
	if m := ask("bDqJFiq9", old, Sign("bDqJFiq9", "7bz1lzh9", old)); m["status"] != "-16" {
		t.Errorf("stale timestamp: %v", m)
	}
	s.SetRefill(20, 100)
	s.Spend(85)
	if b := s.Balance(); b != 115 || s.Refills() != 1 {
		t.Errorf("after spending 85 of 100 with refill below 20: balance %v, refills %d", b, s.Refills())
	}
}
