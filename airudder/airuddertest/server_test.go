package airuddertest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func login(t *testing.T, s *Server, key, secret string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"APPKey": key, "APPSecret": secret})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, AuthPath, strings.NewReader(string(body))))
	var resp struct {
		Code int `json:"code"`
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("login answer is not JSON: %v", err)
	}
	return rec.Code, resp.Data.Token
}

func stats(s *Server, token string, q url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, StatisticsPath+"?"+q.Encode(), nil)
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func bodyCode(t *testing.T, rec *httptest.ResponseRecorder) int {
	t.Helper()
	var v struct {
		Code int `json:"code"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return v.Code
}

func TestLoginAndStatistics(t *testing.T) {
	s := New("k", "s")
	if code, _ := login(t, s, "k", "wrong"); code != http.StatusUnauthorized {
		t.Fatalf("wrong secret: HTTP %d, want 401", code)
	}
	code, tok := login(t, s, "k", "s")
	if code != 200 || !strings.Contains(tok, "+") || !strings.Contains(tok, "/") {
		t.Fatalf("login: HTTP %d, token %q (want + and /)", code, tok)
	}
	if rec := stats(s, "", nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("no token: HTTP %d", rec.Code)
	}
	rec := stats(s, tok, nil)
	if rec.Code != 200 || rec.Body.String() != string(fixture) {
		t.Fatalf("statistics: HTTP %d, body differs from the fixture", rec.Code)
	}
	if s.Logins() != 2 || s.StatisticsRequests() != 2 {
		t.Fatalf("counters: logins %d, statistics %d", s.Logins(), s.StatisticsRequests())
	}

	s.ExpireTokens()
	if rec := stats(s, tok, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("expired token: HTTP %d", rec.Code)
	}
	s.SetUnauthorizedAsBodyCode(true)
	if rec := stats(s, tok, nil); rec.Code != 200 || bodyCode(t, rec) != 401 {
		t.Fatalf("expired token (body code): HTTP %d", rec.Code)
	}
}

func TestTokenExpiresAfter24h(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New("k", "s")
	s.SetClock(func() time.Time { return now })
	_, tok := login(t, s, "k", "s")
	now = now.Add(23 * time.Hour)
	if rec := stats(s, tok, nil); rec.Code != 200 {
		t.Fatalf("23 h old token refused: %d", rec.Code)
	}
	now = now.Add(2 * time.Hour)
	if rec := stats(s, tok, nil); rec.Code != http.StatusUnauthorized {
		t.Fatalf("25 h old token accepted: %d", rec.Code)
	}
}

func TestFaults(t *testing.T) {
	s := New("k", "s")
	_, tok := login(t, s, "k", "s")
	s.FailNext(Statistics, 2, Fault{Status: 503})
	for i := 0; i < 2; i++ {
		if rec := stats(s, tok, nil); rec.Code != 503 || bodyCode(t, rec) != 503 {
			t.Fatalf("fault %d: HTTP %d", i, rec.Code)
		}
	}
	if rec := stats(s, tok, nil); rec.Code != 200 {
		t.Fatalf("after FailNext: HTTP %d", rec.Code)
	}
	s.SetFault(Statistics, &Fault{Code: 500})
	if rec := stats(s, tok, nil); rec.Code != 200 || bodyCode(t, rec) != 500 {
		t.Fatalf("body-code fault: HTTP %d", rec.Code)
	}
	s.SetFault(Statistics, nil)
	s.SetStatisticsBody([]byte(`{"code":200}`))
	if rec := stats(s, tok, nil); rec.Body.String() != `{"code":200}` {
		t.Fatalf("SetStatisticsBody ignored: %s", rec.Body.String())
	}
}

func TestLiveStatistics(t *testing.T) {
	now := time.Date(2025, 6, 3, 14, 25, 0, 0, time.UTC)
	s := New("k", "s")
	s.SetLive(func() time.Time { return now })
	_, tok := login(t, s, "k", "s")
	q := url.Values{"start_time": {"2025-06-01 00:00:00"}, "end_time": {"2025-06-03 14:25:00"}}
	rec := stats(s, tok, q)
	var v struct {
		Code int `json:"code"`
		Data struct {
			Realtime struct {
				Total struct {
					TotalCalls float64 `json:"total_calls"`
				} `json:"total"`
				Daily struct {
					List []struct {
						Date       string  `json:"date"`
						TotalCalls float64 `json:"total_calls"`
					} `json:"data_list"`
				} `json:"daily"`
				Hourly struct {
					List []struct {
						Time string `json:"time"`
					} `json:"data_list"`
				} `json:"hourly"`
			} `json:"realtime"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Code != 200 {
		t.Fatalf("live body: code %d, %v", v.Code, err)
	}
	days := v.Data.Realtime.Daily.List
	if len(days) != 3 || days[2].Date != "2025-06-03" {
		t.Fatalf("daily list: %+v", days)
	}
	hours := v.Data.Realtime.Hourly.List
	if len(hours) != 15 || hours[14].Time != "2025-06-03 14:00:00" {
		t.Fatalf("hourly list ends %v (%d entries)", hours[len(hours)-1], len(hours))
	}
	sum := 0.0
	for _, d := range days {
		sum += d.TotalCalls
	}
	if v.Data.Realtime.Total.TotalCalls != sum || days[2].TotalCalls >= days[1].TotalCalls {
		t.Fatalf("totals: window %v, days %+v", v.Data.Realtime.Total.TotalCalls, days)
	}
	// Same instant, same numbers: two Prometheus servers see one truth.
	if again := stats(s, tok, q); again.Body.String() != rec.Body.String() {
		t.Fatal("live statistics not deterministic for one instant")
	}
}
