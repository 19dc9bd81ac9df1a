package server

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
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
