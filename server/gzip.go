package server

import (
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
)

// A scrape's answer is compressed here, not by promhttp: promhttp's gzip
// writer has the default level, which costs several times the CPU of the
// fastest level for an answer only slightly smaller, and a scrape is the
// one request that must not queue. The encoding negotiated is the one
// promhttp negotiates (it offers identity, then gzip).

var scrapeGzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// wantsGzip reports whether a handler offering identity and then gzip picks
// gzip for r: the Accept-Encoding entry with the highest quality wins, the
// first offer on a tie, "*" matching either (promhttp's negotiation).
func wantsGzip(r *http.Request) bool {
	best, bestQ := "identity", -1.0
	specs := acceptEncodings(r.Header["Accept-Encoding"])
	for _, offer := range []string{"identity", "gzip"} {
		for _, s := range specs {
			if s.q > bestQ && (s.value == "*" || s.value == offer) {
				best, bestQ = offer, s.q
			}
		}
	}
	return best == "gzip" && bestQ != 0
}

type acceptSpec struct {
	value string
	q     float64
}

// acceptEncodings parses Accept-Encoding values as promhttp does: a value
// is read up to its first malformed entry.
func acceptEncodings(values []string) []acceptSpec {
	var specs []acceptSpec
	for _, s := range values {
		for {
			i := 0
			for i < len(s) && (isTokenByte(s[i]) || s[i] == '/') {
				i++
			}
			if i == 0 {
				break
			}
			spec := acceptSpec{value: s[:i], q: 1}
			s = strings.TrimLeft(s[i:], " \t\r\n")
			if strings.HasPrefix(s, ";") {
				s = strings.TrimLeft(s[1:], " \t\r\n")
				if !strings.HasPrefix(s, "q=") {
					break
				}
				var ok bool
				if spec.q, s, ok = acceptQuality(s[2:]); !ok {
					break
				}
			}
			specs = append(specs, spec)
			s = strings.TrimLeft(s, " \t\r\n")
			if !strings.HasPrefix(s, ",") {
				break
			}
			s = strings.TrimLeft(s[1:], " \t\r\n")
		}
	}
	return specs
}

// acceptQuality reads a quality: 0 or 1, then optionally '.' and digits.
func acceptQuality(s string) (q float64, rest string, ok bool) {
	if s == "" || (s[0] != '0' && s[0] != '1') {
		return 0, "", false
	}
	q, s = float64(s[0]-'0'), s[1:]
	if !strings.HasPrefix(s, ".") {
		return q, s, true
	}
	s = s[1:]
	i, n, d := 0, 0, 1
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
		d *= 10
	}
	return q + float64(n)/float64(d), s[i:], true
}

// isTokenByte: an HTTP token character (RFC 7230).
func isTokenByte(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("()<>@,;:\\\"/[]?={}", rune(c))
}

// gzipBody compresses the buffered answer; sendTo sends the compressed
// one.
func (b *scrapeBuffer) gzipBody() {
	zw := scrapeGzipWriters.Get().(*gzip.Writer)
	defer scrapeGzipWriters.Put(zw)
	b.gzipped.Reset()
	zw.Reset(&b.gzipped)
	_, _ = zw.Write(b.body.Bytes()) // a bytes.Buffer does not fail
	_ = zw.Close()
	b.compressed = true
	b.header.Set("Content-Encoding", "gzip")
}
