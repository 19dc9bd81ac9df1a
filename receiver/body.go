package receiver

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/go-kit/log/level"
)

// Body encodings. Vendors (and proxies in front of them) may gzip a body
// (Content-Encoding: gzip) or start it with a UTF-8 byte order mark; both are
// accepted. Any other content coding is refused with 415 before the body is
// read, counted as outcome unsupported_encoding.

// outcomeUnsupportedEncoding: a Content-Encoding other than gzip/identity.
const outcomeUnsupportedEncoding = "unsupported_encoding"

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// bodyGzipped reports whether the request body is gzip-coded; ok is false
// for a content coding the receiver cannot decode.
func bodyGzipped(req *http.Request) (gzipped, ok bool) {
	ce := req.Header["Content-Encoding"] // the key as net/http stores it
	switch len(ce) {
	case 0:
		return false, true
	case 1:
	default:
		return false, false // stacked codings: not something a vendor sends
	}
	switch strings.ToLower(strings.TrimSpace(ce[0])) {
	case "", "identity":
		return false, true
	case "gzip", "x-gzip":
		return true, true
	}
	return false, false
}

// unsupportedEncoding answers 415 for an unsupported Content-Encoding
// (before the body is read; the server closes the connection instead of
// draining it).
func unsupportedEncoding(w http.ResponseWriter) string {
	w.Header().Set("Accept-Encoding", "gzip")
	w.Header().Set("Connection", "close")
	writeError(w, http.StatusUnsupportedMediaType, "unsupported Content-Encoding; send identity or gzip")
	return outcomeUnsupportedEncoding
}

var inflateBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decodeBody turns the raw body in buf into the JSON bytes the decoders
// read: gzip is inflated (at most maxBody bytes once inflated: 413 beyond,
// so a small "zip bomb" cannot exhaust the memory) and a leading UTF-8 BOM
// is skipped. On failure it has answered the request.
func (r *Receiver) decodeBody(w http.ResponseWriter, maxBody int64, gzipped bool, buf *bytes.Buffer, budget *bodyBudget) (string, bool) {
	if gzipped {
		zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
		if err != nil {
			return r.badBody(w, err)
		}
		out := inflateBufs.Get().(*bytes.Buffer)
		defer func() {
			if out.Cap() <= maxPooledBuffer {
				out.Reset()
				inflateBufs.Put(out)
			}
		}()
		out.Reset()
		n, err := out.ReadFrom(budget.reader(io.LimitReader(zr, maxBody+1)))
		if errors.Is(err, errNoRoom) {
			return overloaded(w), false
		}
		if err != nil {
			return r.badBody(w, err)
		}
		if n > maxBody {
			writeError(w, http.StatusRequestEntityTooLarge, "body too large once decompressed")
			return outcomeTooLarge, false
		}
		buf.Reset()
		buf.Write(out.Bytes())
	}
	if bytes.HasPrefix(buf.Bytes(), utf8BOM) {
		buf.Next(len(utf8BOM))
	}
	return "", true
}

func (r *Receiver) badBody(w http.ResponseWriter, err error) (string, bool) {
	level.Debug(r.logger).Log("msg", "webhook body is not valid gzip", "err", err)
	writeError(w, http.StatusBadRequest, "invalid gzip body")
	return outcomeBadRequest, false
}
