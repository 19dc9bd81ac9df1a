package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The guard closes a connection whose answer came before its body was read,
// without draining it; a fully read body keeps the connection alive.
func TestGuardClosesUnreadBodies(t *testing.T) {
	// A webhook handler that refuses the token before reading the body.
	unauthorized := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
	s, _ := newTestServer(t, "webhooks:\n  token: x\n", Options{Webhooks: unauthorized})
	mux, err := s.routes(true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = s.newHTTPServer(mux, new(sync.WaitGroup))
	srv.Start()
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "POST /webhooks/airudder?token=wrong HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
	buf := make([]byte, 4096)
	var got []byte
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	if !strings.HasPrefix(string(got), "HTTP/1.1 401") || !strings.Contains(string(got), "Connection: close") {
		t.Errorf("answer %q, want 401 with Connection: close, then EOF", got)
	}
}

// However the body comes (with its length, with 100-continue, chunked) and
// however much of it the handler read before answering, an unfinished body
// on a connection whose client sends no more is answered at once with
// "Connection: close", nothing else before it, and the connection is
// closed; a body read to its end keeps the connection for the next request.
func TestGuardAnswersUnfinishedBodiesAtOnce(t *testing.T) {
	s, _ := newTestServer(t, "", Options{})
	// ?read=n: the handler reads n bytes of the body and refuses it; -1:
	// reads it all and accepts it.
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("read"))
		if n < 0 {
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			_, _ = io.WriteString(w, "{}")
			return
		}
		_, _ = io.ReadFull(r.Body, make([]byte, n))
		http.Error(w, "refused", http.StatusBadRequest)
	})
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = s.newHTTPServer(h, new(sync.WaitGroup))
	srv.Start()
	defer srv.Close()
	for _, c := range []struct{ name, req string }{
		{"unread, sized", "POST /?read=0 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"},
		{"partly read, sized", "POST /?read=5 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"},
		{"unread, 100-continue", "POST /?read=0 HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n"},
		{"unread, chunked", "POST /?read=0 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"},
		{"partly read, chunked", "POST /?read=3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
			if _, err := io.WriteString(conn, c.req); err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(conn)
			if err != nil {
				t.Fatalf("connection not closed: %v (read %q)", err, got)
			}
			if !strings.HasPrefix(string(got), "HTTP/1.1 400") || !strings.Contains(string(got), "Connection: close") {
				t.Errorf("answer %q, want 400 with Connection: close", got)
			}
		})
	}
	t.Run("read to its end", func(t *testing.T) {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
		br := bufio.NewReader(conn)
		for i := range 2 {
			if _, err := io.WriteString(conn, "POST /?read=-1 HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Close {
				t.Errorf("request %d: status %d, close %v; want 200 on a kept connection", i, resp.StatusCode, resp.Close)
			}
		}
	})
}

// At the cap, with every connection busy, a connection whose client has
// not read its answer for stalledWriteAge (it requested a large answer and
// reads nothing) makes room for a new one, which is answered; before that
// age, the new one is rejected as before.
func TestLimitListenerEvictsStalledReaders(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	ll := newLimitListener(l, 2, "web", newConnMetrics(reg))
	big := make([]byte, 64<<20)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/big" {
				_, _ = w.Write(big)
				return
			}
			_, _ = io.WriteString(w, "ok")
		}),
		ConnState: trackConnState,
	}
	go func() { _ = srv.Serve(ll) }()
	defer srv.Close()
	addr := l.Addr().String()
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.(*net.TCPConn).SetReadBuffer(4096)
		if _, err := io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	get := func() error {
		c := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := c.Get("http://" + addr + "/small")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if b, _ := io.ReadAll(resp.Body); resp.StatusCode != 200 || string(b) != "ok" {
			return fmt.Errorf("answer %d %q", resp.StatusCode, b)
		}
		return nil
	}
	time.Sleep(500 * time.Millisecond) // both answers fill the socket buffers
	if err := get(); err == nil {
		t.Error("a new connection was answered before a write had stalled for stalledWriteAge; want it rejected")
	}
	time.Sleep(stalledWriteAge)
	if err := get(); err != nil {
		t.Errorf("new connection at the cap with two stalled readers: %v; want it answered", err)
	}
	if got := testutil.ToFloat64(ll.stalled); got != 1 {
		t.Errorf("write_stalled drops = %v, want 1", got)
	}
}
