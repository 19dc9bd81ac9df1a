package server

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// deadlineWriter is a ResponseWriter that accepts deadlines, as the
// server's does, so the guard's http.ResponseController calls succeed.
type deadlineWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *deadlineWriter) Header() http.Header              { return w.h }
func (w *deadlineWriter) WriteHeader(code int)             { w.code = code }
func (w *deadlineWriter) Write(b []byte) (int, error)      { w.n += len(b); return len(b), nil }
func (w *deadlineWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *deadlineWriter) SetWriteDeadline(time.Time) error { return nil }
func (w *deadlineWriter) reset()                           { clear(w.h); w.code, w.n = 0, 0 }

// BenchmarkGuard is the guard's own cost on a webhook-like request (a
// 1.7 KB body with its length, read to its end, answered {}): the request
// as net/http's server reads it (http.ReadRequest), served bare and
// through the guard; the difference is the guard.
func BenchmarkGuard(b *testing.B) {
	body := strings.Repeat("x", 1700)
	raw := []byte("POST /webhooks/airudder HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	buf := make([]byte, 4096)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			if _, err := r.Body.Read(buf); err != nil {
				break
			}
		}
		w.Header()["Content-Type"] = []string{"application/json"}
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("{}"))
	})
	g := guard{next: h, writeFor: func() time.Duration { return time.Minute }, inFlight: new(sync.WaitGroup)}
	for _, c := range []struct {
		name string
		h    http.Handler
	}{{"bare", h}, {"guarded", g}} {
		b.Run(c.name, func(b *testing.B) {
			rd := bytes.NewReader(nil)
			br := bufio.NewReaderSize(rd, 4096)
			w := &deadlineWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(raw)
				br.Reset(rd)
				req, err := http.ReadRequest(br)
				if err != nil {
					b.Fatal(err)
				}
				w.reset()
				c.h.ServeHTTP(w, req)
				if w.code != http.StatusOK || w.n != 2 {
					b.Fatalf("answer %d, %d bytes", w.code, w.n)
				}
			}
		})
	}
}
