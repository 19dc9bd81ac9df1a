package receiver

import (
	"sync"

	"airudder_exporter/internal/labelcap"
)

// Interner hands out one shared string per distinct label value, so the
// open-ended label fields (result labels, questions, intents, countries ...)
// that repeat on every call cost a map lookup instead of an allocation. It
// is bounded: once full, new values are simply copied (they are most likely
// over the label cap and fold into "other" anyway).
type Interner struct {
	mu  sync.RWMutex
	m   map[string]string
	max int
}

// NewInterner returns an interner keeping at most max strings.
func NewInterner(max int) *Interner {
	return &Interner{m: make(map[string]string, 64), max: max}
}

// Get returns b as a string, shared with earlier calls for the same bytes.
func (in *Interner) Get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	in.mu.RLock()
	s, ok := in.m[string(b)] // no allocation: the compiler special-cases this lookup
	in.mu.RUnlock()
	if ok {
		return s
	}
	s = string(b)
	if len(s) > labelcap.MaxValueLen {
		return s // never a label as is: not worth a slot
	}
	in.mu.Lock()
	if len(in.m) < in.max {
		in.m[s] = s
	}
	in.mu.Unlock()
	return s
}
