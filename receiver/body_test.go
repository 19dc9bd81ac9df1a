package receiver

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"testing"

	"airudder_exporter/config"
)

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A UTF-8 BOM and a gzip body are accepted and counted like plain JSON.
func TestBodyWithBOMAndGzipAccepted(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	ar := []byte(acmeCall)
	la := []byte(globexPush)
	bom := []byte{0xEF, 0xBB, 0xBF}
	cases := []struct {
		name, path string
		body       []byte
		hdr        []string
	}{
		{"acme BOM", pathAcme, append(append([]byte(nil), bom...), ar...), nil},
		{"globex gzip", pathGlobex, gzipped(t, la), []string{"Content-Encoding", "gzip"}},
		{"globex gzip with BOM inside", pathGlobex, gzipped(t, append(append([]byte(nil), bom...), la...)), []string{"Content-Encoding", "GZIP"}},
		{"identity", pathAcme, ar, []string{"Content-Encoding", "identity"}},
	}
	for _, c := range cases {
		rec := tr.post(c.path, c.body, c.hdr...)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
	}
	// Each source's body holds one record; re-deliveries are duplicates,
	// so exactly one record per source is counted.
	if v := records(t, tr, srcAcme, recordCounted); v != 1 {
		t.Errorf("acme counted = %v, want 1", v)
	}
	if v := records(t, tr, srcGlobex, recordCounted); v != 1 {
		t.Errorf("globex counted = %v, want 1", v)
	}
	if v := requests(t, tr, srcGlobex, outcomeAccepted) + requests(t, tr, srcAcme, outcomeAccepted); v != 4 {
		t.Errorf("accepted requests = %v, want 4", v)
	}
}

// Other encodings get 415 (counted), corrupt gzip 400, and a gzip body
// that inflates beyond max_body_bytes 413 without inflating it all.
func TestBodyEncodingErrors(t *testing.T) {
	const max = 4096
	tr := newTestReceiver(t, config.Webhooks{MaxBodyBytes: max}, "")
	ar := []byte(acmeCall)
	for _, enc := range []string{"br", "deflate", "compress", "gzip, br"} {
		rec := tr.post(pathAcme, ar, "Content-Encoding", enc)
		if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), "Content-Encoding") {
			t.Errorf("%s: %d %s, want 415", enc, rec.Code, rec.Body)
		}
	}
	if v := requests(t, tr, srcAcme, outcomeUnsupportedEncoding); v != 4 {
		t.Errorf("unsupported_encoding = %v, want 4", v)
	}
	if rec := tr.post(pathAcme, []byte("not gzip at all"), "Content-Encoding", "gzip"); rec.Code != http.StatusBadRequest {
		t.Errorf("corrupt gzip: %d, want 400", rec.Code)
	}
	bomb := gzipped(t, bytes.Repeat([]byte(" "), 10<<20)) // 10 MiB of blanks, ~10 KiB compressed
	if len(bomb) > max*4 {
		t.Fatalf("test bomb is %d bytes compressed", len(bomb))
	}
	if len(bomb) <= max {
		if rec := tr.post(pathAcme, bomb, "Content-Encoding", "gzip"); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("gzip bomb: %d, want 413", rec.Code)
		}
	}
	small := gzipped(t, append(bytes.Repeat([]byte(" "), max), ar...)) // compresses below max, inflates above
	if rec := tr.post(pathAcme, small, "Content-Encoding", "gzip"); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip inflating beyond max_body_bytes: %d, want 413", rec.Code)
	}
	if v := records(t, tr, srcAcme, recordCounted); v != 0 {
		t.Errorf("counted %v records from refused bodies", v)
	}
}
