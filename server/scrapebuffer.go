package server

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"
)

// scrapeBuffer is an http.ResponseWriter that keeps a rendered /metrics
// answer in memory, so the scrape slot can be released before the answer
// travels to a client that may read it slowly (metricsHandler).
type scrapeBuffer struct {
	header     http.Header
	status     int
	body       answerBody
	gzipped    bytes.Buffer // body compressed, when compressed is set
	compressed bool
}

var scrapeBuffers = sync.Pool{New: func() any { return &scrapeBuffer{header: http.Header{}} }}

// maxPooledScrapeBuffer: larger buffers are dropped, not kept for reuse.
const maxPooledScrapeBuffer = 8 << 20

func getScrapeBuffer() *scrapeBuffer { return scrapeBuffers.Get().(*scrapeBuffer) }

func putScrapeBuffer(b *scrapeBuffer) {
	if b.body.Cap()+b.gzipped.Cap() > maxPooledScrapeBuffer {
		return
	}
	clear(b.header)
	b.status = 0
	b.body.Reset()
	b.gzipped.Reset()
	b.compressed = false
	scrapeBuffers.Put(b)
}

func (b *scrapeBuffer) Header() http.Header { return b.header }

func (b *scrapeBuffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *scrapeBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// sendTo writes the buffered answer to w. A client that hung up is counted
// and logged once through pl, as a hang-up during rendering is.
func (b *scrapeBuffer) sendTo(w http.ResponseWriter, pl *promLogger) {
	h := w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	body := b.body.Bytes()
	if b.compressed {
		body = b.gzipped.Bytes()
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	// In pieces, so a client that hangs up is noticed at the next piece
	// rather than after the whole answer was handed to the kernel.
	for len(body) > 0 {
		n := min(len(body), sendChunk)
		if _, err := w.Write(body[:n]); err != nil {
			pl.Println("error writing the answer:", err)
			return
		}
		body = body[n:]
	}
}

// sendChunk is the piece size of sendTo's writes: each piece is a write
// to the socket, so an idle exporter's answer (tens of KiB) goes in one or
// two, while a large answer still notices a hang-up a piece at a time.
const sendChunk = 64 << 10

// answerBody is the answer as it is rendered: expfmt's encoders write into
// it (it has the writer methods they look for, so they need no bufio
// writer of their own), and text families append to it in place, with no
// copy of theirs in between (appendWith).
type answerBody struct{ b []byte }

func (a *answerBody) Write(p []byte) (int, error) {
	a.b = append(a.b, p...)
	return len(p), nil
}

func (a *answerBody) WriteString(s string) (int, error) {
	a.b = append(a.b, s...)
	return len(s), nil
}

func (a *answerBody) WriteByte(c byte) error {
	a.b = append(a.b, c)
	return nil
}

func (a *answerBody) WriteRune(r rune) (int, error) {
	n := len(a.b)
	a.b = utf8.AppendRune(a.b, r)
	return len(a.b) - n, nil
}

// appendWith appends what f appends to the body.
func (a *answerBody) appendWith(f func([]byte) []byte) { a.b = f(a.b) }

func (a *answerBody) Bytes() []byte { return a.b }
func (a *answerBody) Len() int      { return len(a.b) }
func (a *answerBody) Cap() int      { return cap(a.b) }
func (a *answerBody) Reset()        { a.b = a.b[:0] }
