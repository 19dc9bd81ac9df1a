package receiver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

func requests(t *testing.T, tr *testReceiver, source, outcome string) float64 {
	t.Helper()
	return testkit.Value(t, tr.reg, "airudder_exporter_webhook_requests_total", "source", source, "outcome", outcome)
}

func records(t *testing.T, tr *testReceiver, source, outcome string) float64 {
	t.Helper()
	return testkit.Value(t, tr.reg, "airudder_exporter_webhook_records_total", "source", source, "outcome", outcome)
}

func TestHandlerAccepts(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	rec := tr.post(pathAcme, []byte(acmeCall))
	if rec.Code != http.StatusOK || rec.Body.String() != "{}" || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q %q", rec.Code, rec.Body, rec.Header().Get("Content-Type"))
	}
	rec = tr.post(pathGlobex, []byte(globexPush))
	if rec.Code != http.StatusOK || rec.Body.String() != "{}" {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
	if v := testkit.Value(t, tr.reg, "acme_records_total", "account", "default", "kind", "A"); v != 1 {
		t.Errorf("acme_records_total = %v", v)
	}
	if v := testkit.Value(t, tr.reg, "globex_records_total", "account", "default", "kind", "ivr"); v != 1 {
		t.Errorf("globex_records_total = %v", v)
	}
	for _, src := range []string{srcAcme, srcGlobex} {
		if v := requests(t, tr, src, outcomeAccepted); v != 1 {
			t.Errorf("%s accepted = %v", src, v)
		}
		if v := records(t, tr, src, recordCounted); v != 1 {
			t.Errorf("%s counted = %v", src, v)
		}
		want := float64(tr.clock.Now().Unix())
		if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_last_received_timestamp_seconds", "source", src); v != want {
			t.Errorf("%s last received = %v, want %v", src, v, want)
		}
	}
}

func TestHandlerMethodAndPath(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		req := httptest.NewRequest(m, pathGlobex, nil)
		rec := httptest.NewRecorder()
		tr.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: %d, Allow %q", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
	if v := requests(t, tr, srcGlobex, outcomeMethodNotAllowed); v != 3 {
		t.Errorf("method_not_allowed = %v", v)
	}
	if rec := tr.post("/webhooks/other", []byte(`{}`)); rec.Code != http.StatusNotFound {
		t.Errorf("unknown path: %d", rec.Code)
	}
}

func TestHandlerBadRequest(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	for _, tc := range []struct{ path, body string }{
		{pathAcme, `{"items":[`},
		{pathAcme, `[1,2]`},
		{pathAcme, ``},
		{pathGlobex, `not json`},
		{pathGlobex, `"x"`},
	} {
		rec := tr.post(tc.path, []byte(tc.body))
		var resp struct{ Error string }
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &resp) != nil || resp.Error == "" {
			t.Errorf("%s %q: %d %q", tc.path, tc.body, rec.Code, rec.Body)
		}
		if strings.Contains(rec.Body.String(), tc.body) && tc.body != "" {
			t.Errorf("error must not echo the body: %q", rec.Body)
		}
	}
	if v := requests(t, tr, srcAcme, outcomeBadRequest); v != 3 {
		t.Errorf("acme bad_request = %v", v)
	}
	if v := records(t, tr, srcAcme, recordInvalid) + records(t, tr, srcAcme, recordCounted); v != 0 {
		t.Errorf("records of rejected bodies were counted: %v", v)
	}
}

func TestHandlerToken(t *testing.T) {
	const tok = "s3cr+t/="
	tr := newTestReceiver(t, config.Webhooks{Token: tok}, "")
	body := []byte(`{"id":"v1"}`)
	for _, tc := range []struct {
		name string
		path string
		hdr  []string
		want int
	}{
		{"none", pathGlobex, nil, http.StatusUnauthorized},
		{"wrong query", pathGlobex + "?token=nope", nil, http.StatusUnauthorized},
		{"wrong bearer", pathGlobex, []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"prefix of token", pathGlobex + "?token=s3cr", nil, http.StatusUnauthorized},
		{"other scheme", pathGlobex, []string{"Authorization", "Token " + tok}, http.StatusUnauthorized},
		{"query", pathGlobex + "?a=1&token=s3cr%2Bt%2F%3D", nil, http.StatusOK},
		{"bearer", pathGlobex, []string{"Authorization", "Bearer " + tok}, http.StatusOK},
		{"bearer lower case", pathGlobex, []string{"Authorization", "bearer " + tok}, http.StatusOK},
	} {
		rec := tr.post(tc.path, body, tc.hdr...)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
		if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", tc.name)
		}
	}
	if v := requests(t, tr, srcGlobex, outcomeUnauthorized); v != 5 {
		t.Errorf("unauthorized = %v", v)
	}
	if v := records(t, tr, srcGlobex, recordCounted); v != 1 {
		t.Errorf("counted = %v (same id twice: once)", v)
	}
}

func TestHandlerSourceAddress(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{
		AllowedCIDRs:   []string{"127.0.0.2/32", "::1"},
		TrustedProxies: []string{"127.0.0.1"},
	}, "")
	n := 0
	post := func(remote, xff string) int {
		n++
		req := httptest.NewRequest(http.MethodPost, pathGlobex, strings.NewReader(`{"id":"v`+string(rune('a'+n))+`"}`))
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		rec := httptest.NewRecorder()
		tr.h.ServeHTTP(rec, req)
		return rec.Code
	}
	for _, tc := range []struct {
		remote, xff string
		want        int
	}{
		{"127.0.0.2:1234", "", http.StatusOK},
		{"[::1]:1234", "", http.StatusOK},
		{"[::ffff:127.0.0.2]:1234", "", http.StatusOK},
		{"127.0.0.3:1234", "", http.StatusForbidden},
		{"127.0.0.1:1234", "", http.StatusForbidden},                     // the proxy itself is not allowed
		{"127.0.0.1:1234", "127.0.0.2", http.StatusOK},                   // via the trusted proxy
		{"127.0.0.1:1234", "127.0.0.9, 127.0.0.2", http.StatusOK},        // right-most untrusted hop counts
		{"127.0.0.1:1234", "127.0.0.2, 127.0.0.9", http.StatusForbidden}, // a forged left entry does not help
		{"127.0.0.1:1234", "127.0.0.2, 127.0.0.1", http.StatusOK},        // trusted hops are skipped
		{"127.0.0.1:1234", "garbage", http.StatusForbidden},              // unparsable chain
		{"127.0.0.3:1234", "127.0.0.2", http.StatusForbidden},            // XFF from an untrusted peer is ignored
		{"not-an-address", "", http.StatusForbidden},
	} {
		if got := post(tc.remote, tc.xff); got != tc.want {
			t.Errorf("remote %s xff %q: %d, want %d", tc.remote, tc.xff, got, tc.want)
		}
	}
	if v := requests(t, tr, srcGlobex, outcomeForbidden); v != 6 {
		t.Errorf("forbidden = %v", v)
	}
}

// failingReader fails the test if more than limit bytes are read from it.
type failingReader struct {
	t     *testing.T
	limit int64
	read  int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	f.read += int64(len(p))
	if f.read > f.limit {
		f.t.Errorf("body read past %d bytes (%d)", f.limit, f.read)
		return 0, errors.New("read too far")
	}
	return len(p), nil
}

func TestHandlerSizeLimit(t *testing.T) {
	const max = 2048
	tr := newTestReceiver(t, config.Webhooks{MaxBodyBytes: max}, "")

	// Declared too large: refused before reading anything.
	fr := &failingReader{t: t, limit: 0}
	req := httptest.NewRequest(http.MethodPost, pathAcme, fr)
	req.ContentLength = 10 << 20
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared: %d", rec.Code)
	}

	// Unknown length (chunked): read up to the limit and no further.
	fr = &failingReader{t: t, limit: max + 1}
	req = httptest.NewRequest(http.MethodPost, pathAcme, fr)
	req.ContentLength = -1
	rec = httptest.NewRecorder()
	tr.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked: %d %s", rec.Code, rec.Body)
	}

	// At the limit is fine.
	empty := `{"items":[]}`
	body := empty + strings.Repeat(" ", max-len(empty))
	if rec := tr.post(pathAcme, []byte(body)); rec.Code != http.StatusOK {
		t.Errorf("at the limit: %d %s", rec.Code, rec.Body)
	}
	if v := requests(t, tr, srcAcme, outcomeTooLarge); v != 2 {
		t.Errorf("too_large = %v", v)
	}
}

// bodyLimitVendor is a test vendor with its own body limit.
type bodyLimitVendor struct {
	*testVendor
	max int64
}

func (v *bodyLimitVendor) MaxBodyBytes(config.Webhooks) int64 { return v.max }

// A vendor that implements BodyLimiter reads bodies up to its own limit;
// the others keep max_body_bytes. Refusals count for their source.
func TestHandlerVendorBodyLimit(t *testing.T) {
	const max, globexMax = 2048, 4096
	vendors := testVendors()
	vendors[1] = &bodyLimitVendor{testVendor: vendors[1].(*testVendor), max: globexMax}
	reg := prometheus.NewPedanticRegistry()
	r, err := New(config.Webhooks{MaxBodyBytes: max}, Options{Registerer: reg}, vendors...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	tr := &testReceiver{Receiver: r, reg: reg, h: r.Handler()}
	padded := func(prefix string, n int) []byte { return []byte(prefix + strings.Repeat(" ", n-len(prefix))) }
	for _, c := range []struct {
		path string
		body []byte
		want int
	}{
		{pathAcme, padded(`{"items":[]}`, max+1), http.StatusRequestEntityTooLarge},
		{pathGlobex, padded(`[]`, max+1), http.StatusOK},
		{pathGlobex, padded(`[]`, globexMax), http.StatusOK},
		{pathGlobex, padded(`[]`, globexMax+1), http.StatusRequestEntityTooLarge},
	} {
		if rec := tr.post(c.path, c.body); rec.Code != c.want {
			t.Errorf("%s, %d bytes: %d, want %d", c.path, len(c.body), rec.Code, c.want)
		}
	}
	if a, g := requests(t, tr, srcAcme, outcomeTooLarge), requests(t, tr, srcGlobex, outcomeTooLarge); a != 1 || g != 1 {
		t.Errorf("too_large: acme %v, globex %v; want 1 each", a, g)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestHandlerReadError(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	req := httptest.NewRequest(http.MethodPost, pathAcme, errReader{})
	rec := httptest.NewRecorder()
	tr.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest {
		t.Errorf("%d", rec.Code)
	}
	if v := requests(t, tr, srcAcme, outcomeReadError); v != 1 {
		t.Errorf("read_error = %v", v)
	}
}

// blockingReader blocks until release is closed, then reports EOF.
type blockingReader struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingReader) Read([]byte) (int, error) {
	b.once.Do(func() { close(b.started) })
	<-b.release
	return 0, io.EOF
}

func TestHandlerOverloaded(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{
		MaxConcurrentRequests: 1,
		ReadTimeout:           config.Duration(20 * time.Millisecond),
	}, "")
	br := &blockingReader{started: make(chan struct{}), release: make(chan struct{})}
	done := make(chan int)
	go func() {
		req := httptest.NewRequest(http.MethodPost, pathAcme, br)
		rec := httptest.NewRecorder()
		tr.h.ServeHTTP(rec, req)
		done <- rec.Code
	}()
	<-br.started // the only slot is taken
	rec := tr.post(pathAcme, []byte(`{"items":[]}`))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("second request: %d", rec.Code)
	}
	close(br.release)
	if code := <-done; code != http.StatusBadRequest { // empty body
		t.Errorf("first request: %d", code)
	}
	if rec := tr.post(pathAcme, []byte(`{"items":[]}`)); rec.Code != http.StatusOK {
		t.Errorf("after release: %d", rec.Code)
	}
	if v := requests(t, tr, srcAcme, outcomeOverloaded); v != 1 {
		t.Errorf("overloaded = %v", v)
	}
}

// stallingReader sends a prefix, then blocks until released.
type stallingReader struct {
	prefix  []byte
	started chan struct{}
	release chan struct{}
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if len(s.prefix) > 0 {
		n := copy(p, s.prefix)
		s.prefix = s.prefix[n:]
		return n, nil
	}
	close(s.started)
	<-s.release
	return 0, io.EOF
}

// The bodies held in memory at once are bounded by max_body_bytes_in_flight,
// counted as their bytes arrive: a stalled body holds what it sent; a body
// that announces more than the room left waits, then gets 503; a small one
// fits beside; the room comes back when the body in flight is done. A client
// that only announces a large body and stalls holds (almost) nothing.
func TestHandlerBodyBudget(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{
		MaxBodyBytes:         1 << 20,
		MaxBodyBytesInFlight: 1<<20 + 100<<10,
		ReadTimeout:          config.Duration(50 * time.Millisecond),
	}, "")
	serve := func(body io.Reader, length int64) chan int {
		done := make(chan int, 1)
		go func() {
			req := httptest.NewRequest(http.MethodPost, pathAcme, body)
			req.ContentLength = length
			rec := httptest.NewRecorder()
			tr.h.ServeHTTP(rec, req)
			done <- rec.Code
		}()
		return done
	}
	big := []byte(`{"items":[]` + strings.Repeat(" ", 200<<10) + `}`)
	// Announces the limit and stalls at once: holds only its first buffer.
	quiet := &stallingReader{started: make(chan struct{}), release: make(chan struct{})}
	quietDone := serve(quiet, 1<<20)
	<-quiet.started
	if rec := tr.post(pathAcme, big); rec.Code != http.StatusOK {
		t.Errorf("beside a client that only announced its body: %d, want 200", rec.Code)
	}
	close(quiet.release)
	<-quietDone

	// Sends nearly the limit and stalls: what it sent is held.
	busy := &stallingReader{prefix: []byte(strings.Repeat(" ", 1<<20-1000)), started: make(chan struct{}), release: make(chan struct{})}
	busyDone := serve(busy, -1)
	<-busy.started
	if rec := tr.post(pathAcme, big); rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("a body past the room left: %d, want 503 with Retry-After", rec.Code)
	}
	if rec := tr.post(pathAcme, []byte(`{"items":[]}`)); rec.Code != http.StatusOK {
		t.Errorf("a small body beside it: %d, want 200", rec.Code)
	}
	close(busy.release)
	if code := <-busyDone; code != http.StatusBadRequest { // blanks only: not JSON
		t.Errorf("the body in flight: %d", code)
	}
	if rec := tr.post(pathAcme, big); rec.Code != http.StatusOK {
		t.Errorf("the large body once the room is back: %d, want 200", rec.Code)
	}
	if v := requests(t, tr, srcAcme, outcomeOverloaded); v != 1 {
		t.Errorf("overloaded = %v, want 1", v)
	}
}

func TestHandlerDuplicates(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	fixture := []byte(acmeCall)
	for range 3 {
		if rec := tr.post(pathAcme, fixture); rec.Code != http.StatusOK {
			t.Fatal(rec.Code)
		}
	}
	if v := testkit.Value(t, tr.reg, "acme_records_total", "account", "default", "kind", "A"); v != 1 {
		t.Errorf("re-delivered record counted %v times", v)
	}
	if v := testkit.Value(t, tr.reg, "acme_record_value", "account", "default"); v != 1 {
		t.Errorf("value of a re-delivered record observed %v times", v)
	}
	if c, d := records(t, tr, srcAcme, recordCounted), records(t, tr, srcAcme, recordDuplicate); c != 1 || d != 2 {
		t.Errorf("counted %v, duplicate %v", c, d)
	}

	// Overlapping batches, and a duplicate inside one batch.
	tr.post(pathGlobex, []byte(`{"items":[{"id":"a"},{"id":"b"}]}`))
	tr.post(pathGlobex, []byte(`[{"id":"b"},{"id":"c"},{"id":"c"}]`))
	if c, d := records(t, tr, srcGlobex, recordCounted), records(t, tr, srcGlobex, recordDuplicate); c != 3 || d != 2 {
		t.Errorf("globex counted %v, duplicate %v", c, d)
	}
	if v := testkit.Value(t, tr.reg, "globex_records_total", "account", "default", "kind", "none"); v != 3 {
		t.Errorf("globex_records_total = %v", v)
	}

	// Sources have separate id spaces.
	tr.post(pathAcme, []byte(`{"items":[{"id":"a"}]}`))
	if v := records(t, tr, srcAcme, recordCounted); v != 2 {
		t.Errorf("an acme id equal to a globex id was taken as a duplicate")
	}

	// After the window, a re-delivery counts again.
	tr.clock.Advance(config.DefaultDedupWindow + time.Minute)
	tr.post(pathAcme, fixture)
	if v := records(t, tr, srcAcme, recordCounted); v != 3 {
		t.Errorf("after the window: counted %v", v)
	}
}

func TestHandlerPartialBatch(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	rec := tr.post(pathGlobex, []byte(`{"items":[{"id":"ok1","n":5},{"n":5},`+
		`{"id":"neg","n":-5},7,{"id":"ok2"}]}`))
	if rec.Code != http.StatusOK {
		t.Fatal(rec.Code, rec.Body)
	}
	if c, i := records(t, tr, srcGlobex, recordCounted), records(t, tr, srcGlobex, recordInvalid); c != 2 || i != 3 {
		t.Errorf("counted %v, invalid %v", c, i)
	}
	for reason, want := range map[string]float64{"missing_id": 1, "negative_value": 1, "not_object": 1, "bad_type": 0} {
		if v := testkit.Value(t, tr.reg, "airudder_exporter_webhook_invalid_records_total", "source", srcGlobex, "reason", reason); v != want {
			t.Errorf("reason %s = %v, want %v", reason, v, want)
		}
	}
	// The invalid record's id was not remembered: fixed and re-sent, it counts.
	tr.post(pathGlobex, []byte(`{"id":"neg","n":5}`))
	if v := records(t, tr, srcGlobex, recordCounted); v != 3 {
		t.Errorf("corrected record: counted %v", v)
	}
}

func TestApplyConfigKeepsState(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	fixture := []byte(acmeCall)
	tr.post(pathAcme, fixture)
	tr.ApplyConfig(config.Webhooks{Token: "new", MaxLabelValues: 5, MaxConcurrentRequests: 3})
	if rec := tr.post(pathAcme, fixture); rec.Code != http.StatusUnauthorized {
		t.Errorf("new token not enforced: %d", rec.Code)
	}
	if rec := tr.post(pathAcme+"?token=new", fixture); rec.Code != http.StatusOK {
		t.Fatalf("%d", rec.Code)
	}
	if c, d := records(t, tr, srcAcme, recordCounted), records(t, tr, srcAcme, recordDuplicate); c != 1 || d != 1 {
		t.Errorf("after reload: counted %v, duplicate %v (dedup memory lost?)", c, d)
	}
	if v := requests(t, tr, srcAcme, outcomeAccepted); v != 2 {
		t.Errorf("accepted = %v", v)
	}
	tr.ApplyConfig(config.Webhooks{})
	if rec := tr.post(pathAcme, fixture); rec.Code != http.StatusOK {
		t.Errorf("token removed, still refused: %d", rec.Code)
	}
}

// TestReadTimeout runs a real server: a client that stops sending halfway
// through its body gets an error answer once read_timeout has passed.
func TestReadTimeout(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{ReadTimeout: config.Duration(100 * time.Millisecond)}, "")
	srv := httptest.NewServer(tr.h)
	defer srv.Close()
	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.WriteString(conn, "POST "+pathAcme+" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"+
		"Content-Length: 100\r\n\r\n{\"items\":[")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d", resp.StatusCode)
	}
	if v := requests(t, tr, srcAcme, outcomeReadError); v != 1 {
		t.Errorf("read_error = %v", v)
	}

	// A normal request on a fresh keep-alive connection still works, and
	// the connection survives the deadline that was set and cleared.
	client := srv.Client()
	for i := range 2 {
		resp, err := client.Post(srv.URL+pathGlobex, "application/json", bytes.NewReader([]byte(`{"id":"k`+string(rune('0'+i))+`"}`)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("request %d: %d", i, resp.StatusCode)
		}
		time.Sleep(150 * time.Millisecond) // past the read deadline of the previous request
	}
}

// The read deadline of a body is gone once the body is read, and an empty
// body gets none: net/http reads the idle connection in the background
// while the handler runs, and a deadline hit there would cancel the
// request's context and those of the connection's later requests.
// Handling that takes longer than read_timeout after the body (a slow
// dedup claim) must not do that, whatever the body's framing.
func TestReadTimeoutEndsWithTheBody(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{ReadTimeout: config.Duration(50 * time.Millisecond)}, "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		tr.h.ServeHTTP(w, req)
		time.Sleep(150 * time.Millisecond) // past read_timeout
		if err := req.Context().Err(); err != nil {
			t.Errorf("%s body (length %d): request context ended after the handler read it: %v", req.Method, req.ContentLength, err)
		}
	}))
	defer srv.Close()
	var dials atomic.Int32
	tp := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	defer tp.CloseIdleConnections()
	client := &http.Client{Transport: tp}
	bodies := []struct {
		name string
		body io.Reader
		code int
	}{
		{"sized", strings.NewReader(`{"id":"sized-1"}`), http.StatusOK},
		{"empty", http.NoBody, http.StatusBadRequest},
		{"chunked", io.MultiReader(strings.NewReader(`{"id":"chunked-1"}`)), http.StatusOK},
		{"sized again", strings.NewReader(`{"id":"sized-2"}`), http.StatusOK},
	}
	for _, b := range bodies {
		resp, err := client.Post(srv.URL+pathGlobex, "application/json", b.body)
		if err != nil {
			t.Fatalf("%s: %v", b.name, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != b.code {
			t.Errorf("%s: status %d, want %d", b.name, resp.StatusCode, b.code)
		}
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d connections for %d requests, want one kept alive", n, len(bodies))
	}
}

// Concurrent posts with overlapping ids, reloads and scrapes: every id is
// counted exactly once (run with -race).
func TestConcurrentRequests(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{MaxConcurrentRequests: 4}, "")
	const workers, perWorker, ids = 6, 100, 150
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				id := (w*perWorker + i) % ids
				var rec *httptest.ResponseRecorder
				if i%2 == 0 {
					rec = tr.post(pathAcme, []byte(`{"items":[{"id":"c`+itoa(id)+`","kind":"L`+itoa(id%7)+`"}]}`))
				} else {
					rec = tr.post(pathGlobex, []byte(`[{"id":"v`+itoa(id)+`","kind":"I`+itoa(id%5)+`"}]`))
				}
				if rec.Code != http.StatusOK {
					t.Errorf("status %d", rec.Code)
					return
				}
			}
		}()
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			tr.ApplyConfig(config.Webhooks{MaxLabelValues: 10 + n%3, MaxConcurrentRequests: 4 + n%2})
			if _, err := tr.reg.Gather(); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()
	close(stop)
	bg.Wait()
	total := float64(workers * perWorker)
	got := records(t, tr, srcAcme, recordCounted) + records(t, tr, srcGlobex, recordCounted)
	dups := records(t, tr, srcAcme, recordDuplicate) + records(t, tr, srcGlobex, recordDuplicate)
	if got+dups != total {
		t.Errorf("counted %v + duplicate %v != %v", got, dups, total)
	}
	// Even ids went to acme only from even i, odd from odd: count the
	// distinct (source, id) pairs actually sent.
	seen := map[string]bool{}
	for w := range workers {
		for i := range perWorker {
			seen[itoa(i%2)+"/"+itoa((w*perWorker+i)%ids)] = true
		}
	}
	if got != float64(len(seen)) {
		t.Errorf("counted %v, distinct ids %d", got, len(seen))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// No webhook token: a warning at start and on every reload, and the gauge
// an alert can catch.
func TestApplyConfigWarnsWithoutWebhookToken(t *testing.T) {
	logs := &testkit.LogBuffer{}
	logger := log.NewLogfmtLogger(logs)
	reg := prometheus.NewRegistry()
	rcv, err := New(config.Webhooks{}, Options{Logger: logger, Registerer: reg}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rcv.Close() })
	path := filepath.Join(t.TempDir(), "config.yml")
	load := func(yaml string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		rcv.ApplyConfig(cfg.Webhooks) // as the owner does at start and on every reload
	}
	authEnabled := func() float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "airudder_exporter_webhook_auth_enabled" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("airudder_exporter_webhook_auth_enabled not exposed")
		return -1
	}
	const warn = "No webhook token configured"
	load("webhooks: {}\n")
	if n := strings.Count(logs.String(), warn); n != 1 {
		t.Errorf("%d warnings at start, want 1:\n%s", n, logs.String())
	}
	if v := authEnabled(); v != 0 {
		t.Errorf("gauge %v, want 0 without a token", v)
	}
	load("webhooks:\n  token: t0ken-value\n")
	if v := authEnabled(); v != 1 {
		t.Errorf("gauge %v, want 1 with a token", v)
	}
	load("webhooks: {}\n")
	if n := strings.Count(logs.String(), warn); n != 2 {
		t.Errorf("%d warnings after a reload back to no token, want 2", n)
	}
	if strings.Contains(logs.String(), "t0ken-value") {
		t.Errorf("token in the logs")
	}
}
