// Package labelcap bounds the values an open-ended label may take.
//
// Every label whose values come from outside (a robot's story names, a
// LAAFFIC intent, a country) goes through a Cap: the first Max distinct
// values are admitted as they are, every later one folds into "other". A
// value that is too long or not printable UTF-8 folds too, so free text that
// sneaks into such a field cannot become a series, and so does one that
// looks like a phone number or an IP address (Personal).
package labelcap

import (
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"
)

// Other is the value unknown or over-the-cap values fold into.
const Other = "other"

// MaxValueLen is the longest label value admitted.
const MaxValueLen = 64

// Cap admits at most Max distinct values. Safe for concurrent use; the
// common case (a value already admitted in the current round) takes no
// lock: the webhook path offers the same few values on every record from
// every connection, and even a read lock's reader count is one cache line
// all of them write.
//
// Two ways of use:
//   - cumulative (webhook counters): values stay admitted for the process's
//     life, because their counter series live that long;
//   - per round (gauges rebuilt from each upstream answer): the caller calls
//     BeginRound before offering one answer's values, and values not offered
//     since the previous round become replaceable by new ones. So one answer
//     with 100 000 junk keys cannot keep the real ones in "other" until a
//     restart: the next answer's values take the slots back at once. The
//     number of admitted values never exceeds Max either way.
type Cap struct {
	mu     sync.RWMutex
	max    int
	seen   map[string]uint64 // value → round it was last offered in
	round  uint64            // 0 until BeginRound is first called
	stale  []string          // candidates for replacement in this round
	folded func()            // called once per folded value occurrence; may be nil

	// current holds the values offered in the current round, for the
	// lock-free hit path; replaced whole (copy on write) when a value
	// joins it, emptied by BeginRound. Never written once published.
	current atomic.Pointer[map[string]struct{}]
	misses  int // locked lookups since current was last published
}

// New returns a Cap admitting up to max distinct values. onFold, if not nil,
// is called each time a value is folded into Other (count it in a metric).
func New(max int, onFold func()) *Cap {
	return &Cap{max: max, seen: make(map[string]uint64, max), folded: onFold}
}

// Value returns v if it is (or can become) one of the admitted values,
// otherwise Other. "other" itself is always admitted and does not use a slot.
func (c *Cap) Value(v string) string {
	if v == Other {
		return Other
	}
	if m := c.current.Load(); m != nil {
		if _, ok := (*m)[v]; ok {
			return v
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[v]; ok {
		c.seen[v] = c.round
		c.publishLocked()
		return v
	}
	if !Printable(v) || Personal(v) {
		c.fold()
		return Other
	}
	if len(c.seen) >= c.max && !c.replaceStaleLocked() {
		c.fold()
		return Other
	}
	kept := string([]byte(v)) // copy: v may alias a request buffer
	c.seen[kept] = c.round
	c.publishLocked()
	return v
}

// publishLocked makes the values admitted in this round visible to the
// lock-free path. The set is copied whole, so it is republished only once
// the locked lookups since the last copy are a share of its size: each value
// joins it soon, and a round of n new values costs O(n log n), not O(n²).
func (c *Cap) publishLocked() {
	c.misses++
	n := 0
	if cur := c.current.Load(); cur != nil {
		n = len(*cur)
	}
	if c.misses < n/8+1 {
		return
	}
	m := make(map[string]struct{}, n+c.misses)
	for k, g := range c.seen {
		if g == c.round {
			m[k] = struct{}{}
		}
	}
	c.current.Store(&m)
	c.misses = 0
}

// replaceStaleLocked frees the slot of a value not offered in this round.
func (c *Cap) replaceStaleLocked() bool {
	for len(c.stale) > 0 {
		k := c.stale[len(c.stale)-1]
		c.stale = c.stale[:len(c.stale)-1]
		if g, ok := c.seen[k]; ok && g < c.round {
			delete(c.seen, k)
			return true
		}
	}
	return false
}

// BeginRound starts a new round (one upstream answer): every value admitted
// so far may be replaced by a new one unless it is offered again in this
// round. Offer the most important values first (they win the free slots).
func (c *Cap) BeginRound() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.round++
	c.current.Store(nil)
	c.misses = 0
	c.stale = c.stale[:0]
	for k := range c.seen {
		c.stale = append(c.stale, k)
	}
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
// valid UTF-8 without control, invisible or bidi-control characters: C0/C1
// controls, format characters (Cf: zero-width space/joiners, U+FEFF, the
// bidi embeddings, overrides and isolates such as U+202E), line and
// paragraph separators, surrogates and private use. Such a value would look
// like another one on a dashboard, or reorder the text around it.
func Printable(v string) bool {
	if v == "" || len(v) > MaxValueLen || !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return false
		}
		if r < 0x80 {
			continue
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Cs, unicode.Co) ||
			unicode.Is(unicode.Bidi_Control, r) || unicode.Is(unicode.Noncharacter_Code_Point, r) {
			return false
		}
	}
	return true
}
