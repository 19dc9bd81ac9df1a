// Package labelcap bounds the values an open-ended label may take.
//
// Every label whose values come from outside (a robot's story names, a
// LAAFFIC intent, a country) goes through a Cap: the first Max distinct
// values are admitted as they are, every later one folds into "other". A
// value that is too long or not printable UTF-8 folds too, so free text that
// sneaks into such a field cannot become a series.
package labelcap

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Other is the value unknown or over-the-cap values fold into.
const Other = "other"

// MaxValueLen is the longest label value admitted.
const MaxValueLen = 64

// Cap admits at most Max distinct values. Safe for concurrent use; the
// common case (a value already admitted) takes only a read lock.
type Cap struct {
	mu     sync.RWMutex
	max    int
	seen   map[string]struct{}
	folded func() // called once per folded value occurrence; may be nil
}

// New returns a Cap admitting up to max distinct values. onFold, if not nil,
// is called each time a value is folded into Other (count it in a metric).
func New(max int, onFold func()) *Cap {
	return &Cap{max: max, seen: make(map[string]struct{}, max), folded: onFold}
}

// Value returns v if it is (or can become) one of the admitted values,
// otherwise Other. "other" itself is always admitted and does not use a slot.
func (c *Cap) Value(v string) string {
	if v == Other {
		return Other
	}
	c.mu.RLock()
	_, ok := c.seen[v]
	c.mu.RUnlock()
	if ok {
		return v
	}
	if !Printable(v) {
		c.fold()
		return Other
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[v]; ok {
		return v
	}
	if len(c.seen) >= c.max {
		c.fold()
		return Other
	}
	c.seen[string([]byte(v))] = struct{}{} // copy: v may alias a request buffer
	return v
}

func (c *Cap) fold() {
	if c.folded != nil {
		c.folded()
	}
}

// SetMax changes the cap (config reload). Values already admitted stay
// admitted, so existing series keep their names; a lower cap only stops new
// values from being admitted.
func (c *Cap) SetMax(max int) {
	c.mu.Lock()
	c.max = max
	c.mu.Unlock()
}

// Len is the number of admitted values.
func (c *Cap) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.seen)
}

// Printable reports whether v is non-empty, at most MaxValueLen bytes of
// valid UTF-8 without control characters.
func Printable(v string) bool {
	if v == "" || len(v) > MaxValueLen || !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}
