package server

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Server-level timeouts. Every connection on every listener is answered or
// closed within bounded time, whatever the client does:
//   - headers must arrive within serverReadHeaderTimeout (slowloris);
//   - a whole request within serverReadTimeout, unless the handler extends
//     its own deadline (webhooks read their body under read_timeout, /metrics
//     holds the connection for the scrape's own deadline);
//   - an idle keep-alive connection is closed after serverIdleTimeout;
//   - writing an answer to a client that does not read it stops after
//     writeGrace past the handler's own budget.
const (
	serverReadHeaderTimeout = 10 * time.Second
	serverReadTimeout       = 30 * time.Second
	serverIdleTimeout       = 2 * time.Minute
	writeGrace              = 60 * time.Second
)

// fdReserve is kept free of connections below the file limit: state files,
// upstream API connections, /proc reads of the process collector.
const fdReserve = 64

// connLimits computes the per-listener connection cap: the flag, lowered so
// that all listeners together stay fdReserve below RLIMIT_NOFILE (with a
// file limit of 256 and one listener: 192). Never below 8.
func connLimits(flag, listeners int) int {
	n := flag
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur > 0 && rl.Cur < 1<<30 {
		if byFiles := (int(rl.Cur) - fdReserve) / max(listeners, 1); byFiles < n {
			n = byFiles
		}
	}
	return max(n, 8)
}

// connMetrics counts connections the limiter closed, by listener and reason.
type connMetrics struct {
	dropped *prometheus.CounterVec
	limit   *prometheus.GaugeVec
}

func newConnMetrics(reg prometheus.Registerer) *connMetrics {
	m := &connMetrics{
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "airudder_exporter_http_connections_dropped_total",
			Help: "Connections closed by the per-listener connection cap: reason=evicted (an idle or not yet requesting connection made room for a new one), write_stalled (a connection whose client had not read its answer for 5 s made room), rejected (cap reached and every connection busy with a request).",
		}, []string{"listener", "reason"}),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "airudder_exporter_http_connections_limit",
			Help: "Effective cap on concurrent connections per listener address (--web.max-connections, lowered to fit the file limit).",
		}, []string{"listener"}),
	}
	reg.MustRegister(m.dropped, m.limit)
	return m
}

// limitListener caps concurrent connections. At the cap it makes room by
// closing the oldest connection that has no request in progress (new and
// not yet sent complete headers, or idle keep-alive): that is what a
// slowloris or a connection flood holds, and closing it is harmless to a
// real client (an idle keep-alive is simply re-dialled). A connection busy
// with a request whose client has not taken its answer for stalledWriteAge
// (requests /metrics and never reads) is the next to go: it only holds an
// answer nobody reads. Only when every connection is busy otherwise is the
// new one closed at once. So a flood of stalled connections can neither
// exhaust the file descriptors nor lock Prometheus out of /metrics.
type limitListener struct {
	net.Listener
	max                        int
	evicted, stalled, rejected prometheus.Counter
	// stallAge is stalledWriteAge (tests shorten it before serving).
	stallAge time.Duration

	mu    sync.Mutex
	conns map[*limitConn]struct{}
}

func newLimitListener(l net.Listener, max int, name string, m *connMetrics) *limitListener {
	m.limit.WithLabelValues(name).Set(float64(max))
	return &limitListener{
		Listener: l,
		max:      max,
		evicted:  m.dropped.WithLabelValues(name, "evicted"),
		stalled:  m.dropped.WithLabelValues(name, "write_stalled"),
		rejected: m.dropped.WithLabelValues(name, "rejected"),
		stallAge: stalledWriteAge,
		conns:    make(map[*limitConn]struct{}, max),
	}
}

type limitConn struct {
	net.Conn
	l     *limitListener
	busy  bool      // a request is in progress (guarded by l.mu)
	since time.Time // accepted or last became idle (guarded by l.mu)
	// writing is when the write in progress began (UnixNano), 0 when
	// none is: a write that does not return is a client not reading.
	writing atomic.Int64
}

// stalledWriteAge is how long a write must have waited for its client to
// read before the connection may make room for a new one. Far longer than
// a reading client over a slow link takes to accept a piece of an answer
// (sendChunk), short enough that Prometheus gets in soon after a flood.
const stalledWriteAge = 5 * time.Second

func (c *limitConn) Write(b []byte) (int, error) {
	c.writing.Store(time.Now().UnixNano())
	n, err := c.Conn.Write(b)
	c.writing.Store(0)
	return n, err
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		now := time.Now()
		lc := &limitConn{Conn: c, l: l, since: now}
		l.mu.Lock()
		var victim *limitConn
		stalled := false
		if len(l.conns) >= l.max {
			victim = l.victim(now)
			if victim == nil {
				l.mu.Unlock()
				_ = c.Close()
				l.rejected.Inc()
				continue
			}
			stalled = victim.busy
			delete(l.conns, victim)
		}
		l.conns[lc] = struct{}{}
		l.mu.Unlock()
		if victim != nil {
			// The server's goroutine for it sees a read (or, stalled,
			// a write) error and ends.
			_ = victim.Conn.Close()
			if stalled {
				l.stalled.Inc()
			} else {
				l.evicted.Inc()
			}
		}
		return lc, nil
	}
}

// victim is the connection to close for a new one at the cap (l.mu held):
// the oldest without a request in progress, else the one whose write has
// waited longest, at least stalledWriteAge, for its client to read; nil
// when there is neither.
func (l *limitListener) victim(now time.Time) *limitConn {
	var idle, stalled *limitConn
	var oldestWrite int64
	for o := range l.conns {
		if !o.busy {
			if idle == nil || o.since.Before(idle.since) {
				idle = o
			}
		} else if w := o.writing.Load(); w != 0 && now.UnixNano()-w >= int64(l.stallAge) && (stalled == nil || w < oldestWrite) {
			stalled, oldestWrite = o, w
		}
	}
	if idle != nil {
		return idle
	}
	return stalled
}

func (c *limitConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// closeNotBusy closes every connection without a request in progress; used
// on shutdown, where net/http would wait 5 s for a connection that never
// sends its request.
func (l *limitListener) closeNotBusy() {
	l.mu.Lock()
	var victims []*limitConn
	for c := range l.conns {
		if !c.busy {
			victims = append(victims, c)
			delete(l.conns, c)
		}
	}
	l.mu.Unlock()
	for _, c := range victims {
		_ = c.Conn.Close()
	}
}

// trackConnState is the http.Server ConnState hook that tells the limiter
// which connections are busy with a request.
func trackConnState(c net.Conn, st http.ConnState) {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	lc, ok := c.(*limitConn)
	if !ok {
		return
	}
	lc.l.mu.Lock()
	switch st {
	case http.StateActive:
		lc.busy = true
	case http.StateIdle:
		lc.busy, lc.since = false, time.Now()
	}
	lc.l.mu.Unlock()
}

// guard wraps every handler of a server:
//   - an answer written before the request body was read to its end goes
//     out with "Connection: close", and after the handler the connection's
//     read deadline is set to now, so net/http neither drains up to 256 KiB
//     of an unread (maybe stalled) body before answering nor after it: the
//     answer is written and the connection closed at once;
//   - it sets the write deadline (writeFor, the handler may extend it) so a
//     client that never reads its answer cannot hold the connection;
//   - it counts handlers in flight, so shutdown can wait for them.
type guard struct {
	next     http.Handler
	writeFor func() time.Duration
	inFlight *sync.WaitGroup
}

func (g guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.inFlight.Add(1)
	defer g.inFlight.Done()
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Now().Add(g.writeFor()))
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		g.next.ServeHTTP(w, r)
		return
	}
	gw := &guardWriter{ResponseWriter: w, body: r.Body}
	if r.ProtoMajor != 1 || r.ContentLength < 0 || r.Header["Expect"] != nil {
		// Not a body whose end can be asked for (see bodyRead): note
		// its end as the handler reads it, through a copy of the
		// request, so the server keeps its own body.
		gw.wrapped = &eofBody{ReadCloser: r.Body}
		r = r.WithContext(r.Context())
		r.Body = gw.wrapped
	}
	g.next.ServeHTTP(gw, r)
	if !gw.bodyRead() {
		if !gw.wroteHeader {
			w.Header().Set("Connection", "close")
		}
		// The unread rest of the body is not wanted: fail the server's
		// post-handler drain at once instead of waiting on the client.
		_ = rc.SetReadDeadline(time.Now())
	}
}

// eofBody notes whether the handler read the body to its end.
type eofBody struct {
	io.ReadCloser
	eof atomic.Bool
}

func (b *eofBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof.Store(true)
	}
	return n, err
}

// guardWriter adds "Connection: close" to an answer started before the body
// was read to its end.
type guardWriter struct {
	http.ResponseWriter
	body        io.Reader // the body net/http gave the handler
	wrapped     *eofBody  // the handler's body when body cannot be asked
	eof         bool      // body was seen at its end
	wroteHeader bool
}

// bodyRead reports whether the handler read the body to its end. Without
// a wrapper, body is net/http's own HTTP/1 body of a known length (no
// 100-continue, whose reader would send its "100 Continue" when read): a
// zero-length read of it never blocks (it reads through a LimitedReader
// over the connection's bufio.Reader, which answers an empty read from
// what it holds), and answers io.EOF once the last byte was read
// (TestGuardAnswersUnfinishedBodiesAtOnce hangs if either changes). That
// saves the request copy and the wrapper on every webhook. A handler that
// closes the body itself (none does) gets its connection closed.
func (w *guardWriter) bodyRead() bool {
	if w.wrapped != nil {
		return w.wrapped.eof.Load()
	}
	if !w.eof {
		_, err := w.body.Read(nil)
		w.eof = err == io.EOF
	}
	return w.eof
}

func (w *guardWriter) WriteHeader(code int) {
	if !w.wroteHeader && code >= 200 {
		w.wroteHeader = true
		if !w.bodyRead() {
			w.Header().Set("Connection", "close")
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *guardWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *guardWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (read deadlines
// of the webhook receiver).
func (w *guardWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
