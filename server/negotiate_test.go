package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The cached format is expfmt's, for every header, asked once or again,
// and under another name escaping scheme; the cache stays bounded.
func TestFormatCacheNegotiatesAsExpfmt(t *testing.T) {
	c := newFormatCache()
	accepts := append(append([]string{}, renderAccepts...), strings.Repeat("text/plain;", 100))
	for i := range 2 * maxCachedFormats {
		accepts = append(accepts, fmt.Sprintf("text/plain;version=0.0.4;q=0.%d", i))
	}
	check := func() {
		t.Helper()
		for range 2 {
			for _, a := range accepts {
				h := http.Header{}
				if a != "" {
					h.Set("Accept", a)
				}
				if got, want := c.negotiate(h), expfmt.NegotiateIncludingOpenMetrics(h); got != want {
					t.Fatalf("Accept %q: %q, expfmt's %q", a, got, want)
				}
			}
		}
	}
	check()
	defer func(s model.EscapingScheme) { model.NameEscapingScheme = s }(model.NameEscapingScheme)
	model.NameEscapingScheme = model.DotsEscaping
	check()
	if n := len(c.formats); n > maxCachedFormats {
		t.Errorf("%d formats cached, at most %d", n, maxCachedFormats)
	}
}

// A media range of weight 0 is refused (RFC 9110 §12.4.2): it is not
// served, whichever its place in the header.
func TestNegotiateSkipsRefusedRanges(t *testing.T) {
	const (
		proto = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"
		om    = "application/openmetrics-text;version=1.0.0"
	)
	c := newFormatCache()
	for accept, want := range map[string]expfmt.FormatType{
		proto + ";q=0,*/*;q=0.1":                     expfmt.TypeTextPlain,
		om + ";q=0":                                  expfmt.TypeTextPlain,
		om + "; Q=0.000 ,text/plain;q=0.5":           expfmt.TypeTextPlain,
		om + ";q=0.5,text/plain;version=0.0.4;q=0.4": expfmt.TypeOpenMetrics,
		proto + ";q=0.01":                            expfmt.TypeProtoDelim,
		proto + ";q=0.0.0":                           expfmt.TypeProtoDelim, // malformed: not a refusal
	} {
		if got := c.negotiate(http.Header{"Accept": {accept}}).FormatType(); got != want {
			t.Errorf("Accept %q: %v, want %v", accept, got, want)
		}
	}
}
