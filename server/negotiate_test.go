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
