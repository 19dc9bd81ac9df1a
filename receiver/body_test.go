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
	ar := readFixture(t, "airudder-call-webhook.json")
	la := readFixture(t, "laaffic-ivr-push.json")
	bom := []byte{0xEF, 0xBB, 0xBF}
	cases := []struct {
		name, path string
		body       []byte
		hdr        []string
	}{
		{"airudder BOM", PathAiRudder, append(append([]byte(nil), bom...), ar...), nil},
		{"laaffic gzip", PathLaaffic, gzipped(t, la), []string{"Content-Encoding", "gzip"}},
		{"laaffic gzip with BOM inside", PathLaaffic, gzipped(t, append(append([]byte(nil), bom...), la...)), []string{"Content-Encoding", "GZIP"}},
		{"identity", PathAiRudder, ar, []string{"Content-Encoding", "identity"}},
	}
	for _, c := range cases {
		rec := tr.post(c.path, c.body, c.hdr...)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
	}
	// Each source's fixture holds one call; re-deliveries are duplicates,
	// so exactly one call per source is counted.
	if v := records(t, tr, sourceAiRudder, recordCounted); v != 1 {
		t.Errorf("airudder counted = %v, want 1", v)
	}
	if v := records(t, tr, sourceLaaffic, recordCounted); v != 1 {
		t.Errorf("laaffic counted = %v, want 1", v)
	}
	if v := requests(t, tr, sourceLaaffic, outcomeAccepted) + requests(t, tr, sourceAiRudder, outcomeAccepted); v != 4 {
		t.Errorf("accepted requests = %v, want 4", v)
	}
}

// Other encodings get 415 (counted), corrupt gzip 400, and a gzip body
// that inflates beyond max_body_bytes 413 without inflating it all.
func TestBodyEncodingErrors(t *testing.T) {
	const max = 4096
	tr := newTestReceiver(t, config.Webhooks{MaxBodyBytes: max}, "")
	ar := readFixture(t, "airudder-call-webhook.json")
	for _, enc := range []string{"br", "deflate", "compress", "gzip, br"} {
		rec := tr.post(PathAiRudder, ar, "Content-Encoding", enc)
		if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), "Content-Encoding") {
			t.Errorf("%s: %d %s, want 415", enc, rec.Code, rec.Body)
		}
	}
	if v := requests(t, tr, sourceAiRudder, outcomeUnsupportedEncoding); v != 4 {
		t.Errorf("unsupported_encoding = %v, want 4", v)
	}
	if rec := tr.post(PathAiRudder, []byte("not gzip at all"), "Content-Encoding", "gzip"); rec.Code != http.StatusBadRequest {
		t.Errorf("corrupt gzip: %d, want 400", rec.Code)
	}
	bomb := gzipped(t, bytes.Repeat([]byte(" "), 10<<20)) // 10 MiB of blanks, ~10 KiB compressed
	if len(bomb) > max*4 {
		t.Fatalf("test bomb is %d bytes compressed", len(bomb))
	}
	if len(bomb) <= max {
		if rec := tr.post(PathAiRudder, bomb, "Content-Encoding", "gzip"); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("gzip bomb: %d, want 413", rec.Code)
		}
	}
	small := gzipped(t, append(bytes.Repeat([]byte(" "), max), ar...)) // compresses below max, inflates above
	if rec := tr.post(PathAiRudder, small, "Content-Encoding", "gzip"); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("gzip inflating beyond max_body_bytes: %d, want 413", rec.Code)
	}
	if v := records(t, tr, sourceAiRudder, recordCounted); v != 0 {
		t.Errorf("counted %v calls from refused bodies", v)
	}
}
