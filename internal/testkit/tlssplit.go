package testkit

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// SplitTLS is an HTTPS test server that also takes plain connections on
// its own host and port: a redirect from https://host:port to
// http://host:port reaches the same address, and whatever a client sends
// there in clear is kept for the test to look at.
type SplitTLS struct {
	// URL is the server's https:// base URL; PlainURL is the same host
	// and port with http://.
	URL, PlainURL string
	srv           *httptest.Server

	mu    sync.Mutex
	plain bytes.Buffer
	conns int
}

// NewSplitTLS starts h over TLS on a loopback port that also accepts
// plain connections: their bytes are kept, and they are served by plain,
// or never answered when plain is nil. It is closed with the test.
func NewSplitTLS(t testing.TB, h, plain http.Handler) *SplitTLS {
	t.Helper()
	base, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &SplitTLS{}
	tlsConns := &chanListener{addr: base.Addr(), ch: make(chan net.Conn), done: make(chan struct{})}
	var plainConns *chanListener
	if plain != nil {
		plainConns = &chanListener{addr: base.Addr(), ch: make(chan net.Conn), done: tlsConns.done}
		plainSrv := &http.Server{Handler: plain}
		go func() { _ = plainSrv.Serve(plainConns) }()
		t.Cleanup(func() { _ = plainSrv.Close() })
	}
	go s.accept(base, tlsConns, plainConns)
	s.srv = httptest.NewUnstartedServer(h)
	s.srv.Listener = tlsConns
	s.srv.StartTLS()
	s.URL = s.srv.URL
	s.PlainURL = "http://" + strings.TrimPrefix(s.srv.URL, "https://")
	t.Cleanup(func() {
		_ = base.Close()
		s.srv.Close()
	})
	return s
}

// Client trusts the server's certificate.
func (s *SplitTLS) Client() *http.Client { return s.srv.Client() }

// Plain returns every byte received in clear so far and the number of
// plain connections.
func (s *SplitTLS) Plain() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plain.String(), s.conns
}

// accept hands a connection whose first byte opens a TLS record to the
// TLS server, and any other one to the plain server (or reads it to its
// end when there is none), keeping its bytes.
func (s *SplitTLS) accept(base net.Listener, tlsConns, plainConns *chanListener) {
	for {
		c, err := base.Accept()
		if err != nil {
			close(tlsConns.done)
			return
		}
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			first := make([]byte, 1)
			if _, err := io.ReadFull(c, first); err != nil {
				_ = c.Close()
				return
			}
			_ = c.SetReadDeadline(time.Time{})
			if first[0] == 0x16 { // TLS handshake record
				select {
				case tlsConns.ch <- &prefixConn{Conn: c, prefix: first}:
				case <-tlsConns.done:
					_ = c.Close()
				}
				return
			}
			s.mu.Lock()
			s.conns++
			s.plain.Write(first)
			s.mu.Unlock()
			if plainConns != nil {
				select {
				case plainConns.ch <- &prefixConn{Conn: c, prefix: first, keep: s}:
				case <-plainConns.done:
					_ = c.Close()
				}
				return
			}
			// Keep what the client sends in clear until it stops for a
			// moment; never answer.
			buf := make([]byte, 4096)
			for {
				_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				n, err := c.Read(buf)
				s.mu.Lock()
				s.plain.Write(buf[:n])
				s.mu.Unlock()
				if err != nil {
					_ = c.Close()
					return
				}
			}
		}()
	}
}

// chanListener is a net.Listener fed by SplitTLS.accept.
type chanListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) Close() error { return nil }

func (l *chanListener) Addr() net.Addr { return l.addr }

// prefixConn gives back the bytes SplitTLS read to tell TLS from plain,
// and keeps what it reads next in keep's plain bytes when keep is set.
type prefixConn struct {
	net.Conn
	prefix []byte
	keep   *SplitTLS
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	n, err := c.Conn.Read(p)
	if c.keep != nil {
		c.keep.mu.Lock()
		c.keep.plain.Write(p[:n])
		c.keep.mu.Unlock()
	}
	return n, err
}
