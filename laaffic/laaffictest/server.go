// Package laaffictest is a fake LAAFFIC REST API (GET /v3/getBalance) for
// tests and the demo. It checks the request the way the real API is
// documented to (Api-Key, Timestamp within a skew, Sign = md5 hex of
// api_key + api_secret + timestamp) and answers with decimal strings. The
// balance goes down with Spend and, when a refill level is set, is topped
// up whenever it falls below it (the demo's "customer tops up now and then").
package laaffictest

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// BalancePath is the endpoint served.
const BalancePath = "/v3/getBalance"

// MaxSkew is how far the Timestamp header may be from the server's clock.
const MaxSkew = 5 * time.Minute

// Server is a fake LAAFFIC API. Safe for concurrent use.
type Server struct {
	key, secret string
	now         func() time.Time

	mu                     sync.Mutex
	balance, gift, credit  float64
	refillBelow, refillAdd float64
	status                 string // forced answer status ("" = normal)
	numericStatus          bool   // answer status as a JSON number
	raw                    []byte // forced raw answer body
	httpStatus             int    // forced HTTP status
	delay                  time.Duration
	requests, refills      int
	ops                    Operations
	broken                 map[string]brokenAnswer
	perPath                map[string]int
	lastParams             map[string]map[string]any // path → params of its last list request
}

// New returns a fake account with key and secret, 100 balance, 50 gift.
func New(key, secret string) *Server {
	return &Server{key: key, secret: secret, now: time.Now, balance: 100, gift: 50}
}

// Sign is the documented signature: lowercase hex md5(key + secret + ts).
func Sign(key, secret, ts string) string {
	sum := md5.Sum([]byte(key + secret + ts))
	return hex.EncodeToString(sum[:])
}

// SetClock replaces the server's clock (for the Timestamp check).
func (s *Server) SetClock(now func() time.Time) { s.mu.Lock(); s.now = now; s.mu.Unlock() }

// SetBalance sets the three amounts.
func (s *Server) SetBalance(balance, gift, credit float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balance, s.gift, s.credit = balance, gift, credit
}

// SetRefill tops the balance up by add whenever Spend takes it below below
// (0, 0 = never).
func (s *Server) SetRefill(below, add float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refillBelow, s.refillAdd = below, add
}

// Spend takes amount off the balance (the simulated calls' cost).
func (s *Server) Spend(amount float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balance -= amount
	if s.refillAdd > 0 && s.balance < s.refillBelow {
		s.balance += s.refillAdd
		s.refills++
	}
}

// Balance returns the current balance.
func (s *Server) Balance() float64 { s.mu.Lock(); defer s.mu.Unlock(); return s.balance }

// SetStatus forces the answer's status ("-1", "-18" ...; "" = normal);
// numeric sends it as a JSON number.
func (s *Server) SetStatus(status string, numeric bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.numericStatus = status, numeric
}

// SetRawAnswer forces the answer body (nil = normal).
func (s *Server) SetRawAnswer(b []byte) { s.mu.Lock(); s.raw = b; s.mu.Unlock() }

// SetHTTPStatus forces an HTTP status (0 = normal).
func (s *Server) SetHTTPStatus(code int) { s.mu.Lock(); s.httpStatus = code; s.mu.Unlock() }

// SetDelay delays every answer (honouring the request's context).
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// Requests is the number of balance requests received.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

// Refills is how often the balance was topped up.
func (s *Server) Refills() int { s.mu.Lock(); defer s.mu.Unlock(); return s.refills }

func money(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.perPath == nil {
		s.perPath = map[string]int{}
	}
	s.perPath[r.URL.Path]++
	broken, isBroken := s.broken[r.URL.Path]
	s.mu.Unlock()
	if isBroken {
		if broken.code != 0 {
			w.WriteHeader(broken.code)
		}
		_, _ = w.Write([]byte(broken.body))
		return
	}
	if r.URL.Path != BalancePath {
		s.serveOperationsSigned(w, r)
		return
	}
	s.mu.Lock()
	s.requests++
	delay, httpStatus, raw := s.delay, s.httpStatus, s.raw
	now := s.now()
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if r.Method != http.MethodGet {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if httpStatus != 0 {
		w.WriteHeader(httpStatus)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if raw != nil {
		_, _ = w.Write(raw)
		return
	}
	answer := func(status any, reason string, extra map[string]any) {
		m := map[string]any{"status": status, "reason": reason}
		for k, v := range extra {
			m[k] = v
		}
		_ = json.NewEncoder(w).Encode(m)
	}
	if status := s.checkSign(r, now); status != "" {
		answer(status, "authentication error", nil)
		return
	}
	s.mu.Lock()
	status, numeric := s.status, s.numericStatus
	b, g, c := s.balance, s.gift, s.credit
	s.mu.Unlock()
	if status == "" {
		status = "0"
	}
	var st any = status
	if numeric {
		n, _ := strconv.Atoi(status)
		st = n
	}
	if status != "0" {
		answer(st, "error", nil)
		return
	}
	answer(st, "success", map[string]any{"balance": money(b), "gift": money(g), "credit": money(c)})
}

// checkSign returns the status of a request whose signature or timestamp
// is refused, "" when it is fine.
func (s *Server) checkSign(r *http.Request, now time.Time) string {
	key, ts, sign := r.Header.Get("Api-Key"), r.Header.Get("Timestamp"), r.Header.Get("Sign")
	if key != s.key || !strings.EqualFold(sign, Sign(s.key, s.secret, ts)) {
		return "-1"
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > MaxSkew {
		return "-16"
	}
	return ""
}

// serveOperationsSigned checks the signature of an operations request and
// answers it, or 404 for an unknown path.
func (s *Server) serveOperationsSigned(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	now := s.now()
	s.mu.Unlock()
	switch r.URL.Path {
	case SIPTrunksPath, AgentsPath, AgentGroupsPath, NumbersPath, GroupCallPath, PreviewPath:
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	if status := s.checkSign(r, now); status != "" {
		writeEnvelope(w, r.URL.Path == GroupCallPath, status, nil)
		return
	}
	s.serveOperations(w, r, r.URL.Path)
}
