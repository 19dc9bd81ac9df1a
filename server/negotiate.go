package server

import (
	"net/http"
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

// negotiate is expfmt.NegotiateIncludingOpenMetrics(h).
func (c *formatCache) negotiate(h http.Header) expfmt.Format {
	k := formatKey{h.Get("Accept"), model.NameEscapingScheme}
	c.mu.RLock()
	f, ok := c.formats[k]
	c.mu.RUnlock()
	if ok {
		return f
	}
	f = expfmt.NegotiateIncludingOpenMetrics(h)
	if len(k.accept) <= maxCachedAcceptLength {
		c.mu.Lock()
		if len(c.formats) < maxCachedFormats {
			c.formats[k] = f
		}
		c.mu.Unlock()
	}
	return f
}
