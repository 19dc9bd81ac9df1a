package server

import (
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// formatCache remembers the format expfmt.NegotiateIncludingOpenMetrics
// answers for an Accept header: a scraper sends the same header on every
// scrape, and negotiating parses it anew (and formats the escaping scheme)
// each time. The answer also depends on model.NameEscapingScheme, part of
// the key. The cache is bounded in entries and in header length, so that
// clients sending ever new headers cannot grow it.
type formatCache struct {
	mu      sync.RWMutex
	formats map[formatKey]expfmt.Format
}

type formatKey struct {
	accept string
	scheme model.EscapingScheme
}

const (
	maxCachedFormats      = 32
	maxCachedAcceptLength = 512
)

func newFormatCache() *formatCache {
	return &formatCache{formats: map[formatKey]expfmt.Format{}}
}

// negotiate is expfmt.NegotiateIncludingOpenMetrics(h), except that a
// media range the client refuses (q=0, RFC 9110 §12.4.2) is not offered.
func (c *formatCache) negotiate(h http.Header) expfmt.Format {
	k := formatKey{h.Get("Accept"), model.NameEscapingScheme}
	c.mu.RLock()
	f, ok := c.formats[k]
	c.mu.RUnlock()
	if ok {
		return f
	}
	f = expfmt.NegotiateIncludingOpenMetrics(http.Header{"Accept": {acceptable(k.accept)}})
	if len(k.accept) <= maxCachedAcceptLength {
		c.mu.Lock()
		if len(c.formats) < maxCachedFormats {
			c.formats[k] = f
		}
		c.mu.Unlock()
	}
	return f
}

// acceptable is the Accept value without its ranges of weight 0, which
// expfmt would otherwise serve like any other.
func acceptable(accept string) string {
	if !strings.Contains(accept, "q=0") && !strings.Contains(accept, "Q=0") {
		return accept
	}
	kept := make([]string, 0, 4)
	for _, rng := range strings.Split(accept, ",") {
		if !refused(rng) {
			kept = append(kept, rng)
		}
	}
	return strings.Join(kept, ",")
}

// refused reports whether a media range carries q=0 (0, 0., 0.0, 0.00 or
// 0.000).
func refused(rng string) bool {
	for _, p := range strings.Split(rng, ";")[1:] {
		name, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || v[0] != '0' {
			return false
		}
		return strings.Trim(v[1:], ".0") == "" && strings.Count(v, ".") <= 1
	}
	return false
}
