// Package airuddertest simulates the two AiRudder endpoints the statistics poller
// uses: token login and the inbound dashboard statistics. The poller's
// tests drive it through its knobs (faults, delays, expired tokens) and the
// exporter's --demo mode serves its live, time-driven numbers.
//
// Behaviour:
//   - POST /service/cloud/auth checks APPKey/APPSecret and issues a random
//     token that always contains '+' and '/' (the real tokens may), valid
//     for 24 h by the server's clock.
//   - GET /service/cloud/inbound/dashboard/statistics checks
//     "Authorization: Token <token>" and answers with the vendor example
//     (fixture) or, after SetLive, with numbers that move with time.
//   - Knobs: SetStatisticsBody, SetFault/FailNext (per endpoint),
//     ExpireTokens, SetUnauthorizedAsBodyCode, SetDelay; counters Logins,
//     StatisticsRequests; inspection IssuedTokens, LastQuery, LastHeader.
package airuddertest

import (
	"crypto/rand"
	_ "embed" // the vendor example payload
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Paths of the simulated endpoints.
const (
	AuthPath       = "/service/cloud/auth"
	StatisticsPath = "/service/cloud/inbound/dashboard/statistics"
)

// TokenLifetime is the documented lifetime of a token.
const TokenLifetime = 24 * time.Hour

//go:embed testdata/airudder-inbound-statistics.json
var fixture []byte

// Fixture returns a copy of the vendor's example statistics response.
func Fixture() []byte { return append([]byte(nil), fixture...) }

// Endpoint names one of the simulated endpoints for faults.
type Endpoint string

// The endpoints a fault can target.
const (
	Auth       Endpoint = "auth"
	Statistics Endpoint = "statistics"
)

// Fault replaces a normal answer.
type Fault struct {
	// Status is the HTTP status; 0 means 200.
	Status int
	// Code is the body "code" of the JSON error envelope; 0 means Status
	// (or 500 when Status is 0 too, so a zero Fault is still a failure).
	Code int
	// Body, when set, is sent as is instead of the JSON error envelope.
	Body []byte
	// ContentType of Body; default application/json.
	ContentType string
	// Delay before anything is written (until the client gives up, at most).
	Delay time.Duration
	// BodyDelay: write half the body, flush, wait, then write the rest.
	BodyDelay time.Duration
}

// Server is an http.Handler; safe for concurrent use.
type Server struct {
	appKey, appSecret string

	mu           sync.Mutex
	clock        func() time.Time
	live         bool
	tokens       map[string]time.Time // token -> issued at
	issued       []string
	body         []byte
	delay        time.Duration
	sticky       map[Endpoint]*Fault
	queued       map[Endpoint][]Fault
	bodyCode401  bool
	logins       int
	statsReqs    int
	lastQuery    url.Values
	lastHeader   http.Header
	lastAuthHead http.Header
}

// New returns a server accepting exactly these credentials and answering
// with the vendor's example statistics.
func New(appKey, appSecret string) *Server {
	return &Server{
		appKey:    appKey,
		appSecret: appSecret,
		clock:     time.Now,
		tokens:    map[string]time.Time{},
		sticky:    map[Endpoint]*Fault{},
		queued:    map[Endpoint][]Fault{},
	}
}

// SetLive switches to generated statistics that move with now: calls grow
// through the day, ratios wander in a realistic band, the daily list holds
// today's entry and the hourly list the current hour. now also becomes the
// clock for token expiry.
func (s *Server) SetLive(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock, s.live = now, true
}

// SetClock sets the clock used for token expiry without switching to live data.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock = now
}

// SetStatisticsBody makes every authorised statistics request answer 200
// with exactly b (nil restores the default answer).
func (s *Server) SetStatisticsBody(b []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body = nil
	if b != nil {
		s.body = append(make([]byte, 0, len(b)), b...)
	}
}

// SetFault makes every request to e fail with f until SetFault(e, nil).
func (s *Server) SetFault(e Endpoint, f *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f == nil {
		delete(s.sticky, e)
		return
	}
	c := *f
	s.sticky[e] = &c
}

// FailNext makes the next n requests to e fail with f (before any sticky fault).
func (s *Server) FailNext(e Endpoint, n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.queued[e] = append(s.queued[e], f)
	}
}

// ExpireTokens forgets every issued token: the next statistics request is
// answered 401 (see SetUnauthorizedAsBodyCode).
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]time.Time{}
}

// SetUnauthorizedAsBodyCode: when true, a bad token gets HTTP 200 with body
// code 401 instead of HTTP 401 (the API documents both as possible).
func (s *Server) SetUnauthorizedAsBodyCode(v bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodyCode401 = v
}

// SetDelay delays every answer by d (cut short when the client gives up).
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Logins is the number of login requests received (good or bad).
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// StatisticsRequests is the number of statistics requests received.
func (s *Server) StatisticsRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statsReqs
}

// IssuedTokens lists every token ever issued (tests check none leaks).
func (s *Server) IssuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// LastQuery is the query of the last statistics request.
func (s *Server) LastQuery() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastQuery
}

// LastHeader is the header of the last statistics request.
func (s *Server) LastHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastHeader
}

// LastAuthHeader is the header of the last login request.
func (s *Server) LastAuthHeader() http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuthHead
}

// ServeHTTP routes to the two endpoints.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case AuthPath:
		s.serveAuth(w, r)
	case StatisticsPath:
		s.serveStatistics(w, r)
	default:
		http.NotFound(w, r)
	}
}

// takeFault returns the fault to apply to this request, if any, and the
// global delay.
func (s *Server) takeFault(e Endpoint) (*Fault, time.Duration) {
	if q := s.queued[e]; len(q) > 0 {
		f := q[0]
		s.queued[e] = q[1:]
		return &f, s.delay
	}
	return s.sticky[e], s.delay
}

func (s *Server) serveAuth(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.logins++
	s.lastAuthHead = r.Header.Clone()
	fault, delay := s.takeFault(Auth)
	s.mu.Unlock()
	// Read the body before any delay: net/http only notices a client that
	// gave up (and cancels r.Context()) once the body has been consumed.
	body, readErr := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if !wait(r, delay) {
		return
	}
	if fault != nil {
		writeFault(w, r, fault)
		return
	}
	if r.Method != http.MethodPost {
		writeEnvelope(w, http.StatusMethodNotAllowed, 405, "Method Not Allowed", nil)
		return
	}
	var req struct {
		APPKey    string `json:"APPKey"`
		APPSecret string `json:"APPSecret"`
	}
	if err := json.Unmarshal(body, &req); readErr != nil || err != nil {
		writeEnvelope(w, http.StatusBadRequest, 400, "Bad Request", nil)
		return
	}
	if req.APPKey != s.appKey || req.APPSecret != s.appSecret {
		writeEnvelope(w, http.StatusUnauthorized, 401, "Unauthorized", nil)
		return
	}
	tok := newToken()
	s.mu.Lock()
	s.tokens[tok] = s.clock()
	s.issued = append(s.issued, tok)
	s.mu.Unlock()
	writeEnvelope(w, http.StatusOK, 200, "OK", map[string]any{"token": tok})
}

func (s *Server) serveStatistics(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.statsReqs++
	s.lastQuery = r.URL.Query()
	s.lastHeader = r.Header.Clone()
	fault, delay := s.takeFault(Statistics)
	const prefix = "Token "
	auth := r.Header.Get("Authorization")
	issued, ok := time.Time{}, false
	if len(auth) > len(prefix) && auth[:len(prefix)] == prefix {
		issued, ok = s.tokens[auth[len(prefix):]]
	}
	now := s.clock()
	ok = ok && now.Sub(issued) < TokenLifetime
	bodyCode, live, body := s.bodyCode401, s.live, s.body
	s.mu.Unlock()
	if !wait(r, delay) {
		return
	}
	if fault != nil {
		writeFault(w, r, fault)
		return
	}
	if !ok {
		status := http.StatusUnauthorized
		if bodyCode {
			status = http.StatusOK
		}
		writeEnvelope(w, status, 401, "Unauthorized", nil)
		return
	}
	switch {
	case body != nil:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	case live:
		b, err := json.Marshal(liveStatistics(now, r.URL.Query()))
		if err != nil {
			writeEnvelope(w, http.StatusInternalServerError, 500, "Internal Server Error", nil)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	default:
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(fixture)
	}
}

// wait sleeps d or until the client gives up; false means it gave up.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeFault(w http.ResponseWriter, r *http.Request, f *Fault) {
	if !wait(r, f.Delay) {
		return
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	body := f.Body
	ct := f.ContentType
	if body == nil {
		code := f.Code
		if code == 0 {
			code = f.Status
		}
		if code == 0 || code == http.StatusOK {
			code = http.StatusInternalServerError
		}
		body, _ = json.Marshal(map[string]any{"code": code, "status": http.StatusText(code)})
	}
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(status)
	if f.BodyDelay <= 0 {
		_, _ = w.Write(body)
		return
	}
	half := len(body) / 2
	_, _ = w.Write(body[:half])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	if !wait(r, f.BodyDelay) {
		return
	}
	_, _ = w.Write(body[half:])
}

func writeEnvelope(w http.ResponseWriter, status, code int, text string, data any) {
	m := map[string]any{"code": code, "status": text}
	if data != nil {
		m["data"] = data
	}
	b, _ := json.Marshal(m)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// newToken returns a random token in the vendor's alphabet (standard
// base64), always with a '+' and a '/' so clients that mangle them are caught.
func newToken() string {
	b := make([]byte, 39)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24
	t := []byte(base64.StdEncoding.EncodeToString(b))
	t[7], t[23] = '+', '/'
	return string(t)
}
