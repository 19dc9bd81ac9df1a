package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log/level"

	"airudder_exporter/config"
	"airudder_exporter/receiver/dedup"
)

// pathPrefix starts every webhook path: /webhooks/<vendor>[/<account>].
const pathPrefix = "/webhooks/"

var (
	jsonContentType = []string{"application/json"}
	okBody          = []byte("{}")
)

// errTooLarge: the body has more bytes than its limit.
var errTooLarge = errors.New("body too large")

// maxPooledBuffer: bigger body buffers are not kept for reuse.
const maxPooledBuffer = 4 << 20

// Handler serves POST /webhooks/<vendor>[/<account>] for every plugged-in
// vendor; any other path is a JSON 404, counted as unknown_path.
func (r *Receiver) Handler() http.Handler { return http.HandlerFunc(r.serveHTTP) }

// route splits a webhook path into its vendor and account: the plain path
// is account "default", /webhooks/<vendor>/<account> names one. One trailing
// slash names the same route: AiRudder retries any answer but a 200 (its
// docs say nothing of following redirects) and then drops the calls, so a
// URL entered with a slash would lose every call sent to it.
// src is nil when the path names no vendor; a path under a vendor that no
// route matches (an extra segment, an empty account) returns src and !ok.
func (r *Receiver) route(path string) (src *source, account string, ok bool) {
	rest, found := strings.CutPrefix(path, pathPrefix)
	if !found {
		return nil, "", false
	}
	rest = strings.TrimSuffix(rest, "/")
	name, account, named := strings.Cut(rest, "/")
	if src = r.sources[name]; src == nil {
		return nil, "", false
	}
	if !named {
		return src, config.DefaultWebhookAccount, true
	}
	if account == "" || strings.Contains(account, "/") {
		return src, "", false
	}
	return src, account, true
}

func (r *Receiver) serveHTTP(w http.ResponseWriter, req *http.Request) {
	src, account, ok := r.route(req.URL.Path)
	if src == nil {
		// The path is not a label value: it is client input, and
		// unbounded. Counted under one fixed source instead.
		level.Debug(r.logger).Log("msg", "webhook for a path naming no vendor", "remote", req.RemoteAddr)
		unknownPath(w)
		r.m.unrouted.Inc()
		return
	}
	start := r.now()
	outcome := r.handle(w, req, src, account, ok)
	src.m.request(outcome, start, r.now())
}

// unknownPath answers a path under /webhooks/ that names no route.
func unknownPath(w http.ResponseWriter) string {
	w.Header().Set("Connection", "close")
	writeError(w, http.StatusNotFound, "unknown path")
	return outcomeUnknownPath
}

// handle runs the checks in order of cost, then reads, decodes and records
// the body. It returns the request's outcome label. routed is false for a
// path under the vendor that names no account route.
func (r *Receiver) handle(w http.ResponseWriter, req *http.Request, src *source, account string, routed bool) string {
	source := src.name
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return outcomeMethodNotAllowed
	}
	if !routed {
		level.Debug(r.logger).Log("msg", "webhook for a path under a vendor naming no account route", "source", source, "remote", req.RemoteAddr)
		return unknownPath(w)
	}
	s := r.settings.Load()
	ss := &s.sources[src.index]
	auth, known := ss.accounts[account]
	if !known {
		// The name is not echoed: it is client input, and unbounded.
		level.Debug(r.logger).Log("msg", "webhook for an unknown account", "source", source, "remote", req.RemoteAddr)
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusNotFound, "unknown account")
		return outcomeUnknownAccount
	}
	if !s.sourceOK(req) {
		level.Debug(r.logger).Log("msg", "webhook from a source outside allowed_cidrs", "source", source, "remote", req.RemoteAddr)
		writeError(w, http.StatusForbidden, "forbidden")
		return outcomeForbidden
	}
	if !s.tokenOK(req, auth) {
		level.Debug(r.logger).Log("msg", "webhook with missing or wrong token", "source", source, "remote", req.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="webhooks"`)
		writeError(w, http.StatusUnauthorized, "unauthorized")
		return outcomeUnauthorized
	}
	gzipped, ok := bodyGzipped(req)
	if !ok {
		return unsupportedEncoding(w)
	}
	maxBody := ss.maxBody
	if req.ContentLength > maxBody {
		// Refused unread; the connection is closed rather than drained.
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return outcomeTooLarge
	}
	if !s.sem.Acquire(req.Context(), s.queueWait) {
		return overloaded(w)
	}
	defer s.sem.Release()
	work := src.pool.Get().(*work)
	defer src.pool.Put(work.trim())
	budget := &work.budget
	budget.start(s, req.Context())
	defer budget.release()
	if o, ok := r.readBody(w, req, s, maxBody, gzipped, &work.buf, budget); !ok {
		return o
	}
	data := work.buf.Bytes()
	if u, ok := work.body.(Unwrapper); ok {
		var ref Refusal
		if data, ref = u.Unwrap(account, req.Header, data); ref != "" {
			return r.refuse(w, src, account, ref)
		}
	}
	if err := work.body.Decode(data); err != nil {
		return r.badRequest(w, source, err)
	}
	if err := r.record(src, work.body, account, r.now()); err != nil {
		return r.dedupUnavailable(w, source, err)
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(okBody)
	return outcomeAccepted
}

// overloaded answers a request that found no slot or no room for its body
// in time: the vendor retries.
func overloaded(w http.ResponseWriter) string {
	w.Header().Set("Retry-After", "60")
	writeError(w, http.StatusServiceUnavailable, "overloaded, retry later")
	return outcomeOverloaded
}

// readBody reads the whole body into buf under the size limit and read
// deadline. On failure it has answered the request and returns the outcome.
func (r *Receiver) readBody(w http.ResponseWriter, req *http.Request, s *settings, maxBody int64, gzipped bool, buf *bytes.Buffer, budget *bodyBudget) (string, bool) {
	// The deadline needs no clearing: net/http clears it itself when the
	// body hits its end (and starts reading the idle connection in the
	// background, which a deadline left set would fail). An empty body has
	// hit it before the handler runs, so it gets none.
	if req.Body != http.NoBody && req.ContentLength != 0 {
		// Errors mean the writer cannot set deadlines (a test recorder);
		// the server's own timeouts then apply.
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.readTimeout))
	}
	buf.Reset()
	if req.ContentLength > 0 {
		// Room for what is allocated before any byte arrives.
		pre := min(req.ContentLength+bytes.MinRead, maxPrealloc)
		if !budget.take(pre) {
			w.Header().Set("Connection", "close")
			return overloaded(w), false
		}
		budget.used -= pre // held, not yet used: the bytes read fill it
		buf.Grow(int(pre))
	}
	_, err := buf.ReadFrom(budget.limited(req.Body, maxBody))
	if err == nil && int64(buf.Len()) > maxBody {
		err = errTooLarge
	}
	if err == nil {
		return r.decodeBody(w, maxBody, gzipped, buf, budget) // body.go: gzip, BOM
	}
	// The rest of the body is not wanted: close the connection instead of
	// letting the server drain it (which, once the deadline is cleared,
	// could wait forever on a stalled client).
	w.Header().Set("Connection", "close")
	if errors.Is(err, errNoRoom) {
		return overloaded(w), false
	}
	if err == errTooLarge {
		writeError(w, http.StatusRequestEntityTooLarge, "body too large")
		return outcomeTooLarge, false
	}
	level.Debug(r.logger).Log("msg", "reading webhook body failed", "remote", req.RemoteAddr, "err", err)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		writeError(w, http.StatusRequestTimeout, "timeout reading body")
	} else {
		writeError(w, http.StatusBadRequest, "error reading body")
	}
	return outcomeReadError, false
}

func (r *Receiver) badRequest(w http.ResponseWriter, source string, err error) string {
	level.Debug(r.logger).Log("msg", "webhook body rejected", "source", source, "err", err)
	writeError(w, http.StatusBadRequest, err.Error())
	return outcomeBadRequest
}

// dedupUnavailable answers a body whose ids could not be claimed in the
// shared dedup store: nothing of it was counted, and a 503 makes the vendor
// retry it (a fail-closed choice: see README "Scaling and high
// availability"). The error is logged without ids or Redis details beyond
// the client's own message, with the Redis passwords cut out of it
// (dedup.redactHook: a server's error text may quote the AUTH command).
func (r *Receiver) dedupUnavailable(w http.ResponseWriter, source string, err error) string {
	if errors.Is(err, dedup.ErrInFlight) && r.redis != nil {
		// Not an outage: another request (or an orphan of a Redis crash)
		// holds a record of this body for at most the pending TTL.
		level.Info(r.logger).Log("msg", "webhook answered 503: some of its records are being counted by another request; the vendor will retry", "source", source)
		w.Header().Set("Retry-After", strconv.Itoa(int((r.redis.PendingTTL()+time.Second-1)/time.Second)))
		writeError(w, http.StatusServiceUnavailable, "records being counted by another request, retry later")
		return outcomeDedupUnavailable
	}
	level.Warn(r.logger).Log("msg", "webhook answered 503: dedup store (Redis) unavailable; the vendor will retry", "source", source, "err", err)
	w.Header().Set("Retry-After", "60")
	writeError(w, http.StatusServiceUnavailable, "dedup store unavailable, retry later")
	return outcomeDedupUnavailable
}

// writeError answers with a short JSON reason, never echoing request data.
func writeError(w http.ResponseWriter, code int, reason string) {
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{reason})
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// trim drops a huge buffer before the work goes back to the pool.
func (w *work) trim() *work {
	if w.buf.Cap() > maxPooledBuffer {
		w.buf = bytes.Buffer{}
	}
	w.body.Release() // do not pin the body between requests
	return w
}
