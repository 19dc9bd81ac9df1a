package receiver

import (
	"sync"
	"sync/atomic"

	"airudder_exporter/internal/labelcap"
)

// Interner hands out one shared string per distinct label value, so the
// open-ended label fields (result labels, questions, intents, countries ...)
// that repeat on every call cost a map lookup instead of an allocation. It
// is bounded: once full, new values are simply copied (they are most likely
// over the label cap and fold into "other" anyway).
//
// A known value is found without a lock, in a map that is never written
// once published: every connection looks up several values per record,
// and even a read lock's reader count is one cache line all of them write.
// New values go to a locked map first and are merged into a new published
// map once they have cost as many locked lookups as a share of the
// published map's size, so a value joins the lock-free map soon and the
// copying stays proportional to the lookups.
type Interner struct {
	read atomic.Pointer[map[string]string]

	mu     sync.Mutex
	dirty  map[string]string // values not in read yet
	misses int               // locked lookups since the last merge
	max    int
}

// NewInterner returns an interner keeping at most max strings.
func NewInterner(max int) *Interner {
	in := &Interner{dirty: map[string]string{}, max: max}
	in.read.Store(&map[string]string{})
	return in
}

// Get returns b as a string, shared with earlier calls for the same bytes.
func (in *Interner) Get(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if s, ok := (*in.read.Load())[string(b)]; ok { // no allocation: the compiler special-cases this lookup
		return s
	}
	return in.getLocked(b)
}

func (in *Interner) getLocked(b []byte) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	read := *in.read.Load()
	if s, ok := read[string(b)]; ok { // merged meanwhile
		return s
	}
	s, ok := in.dirty[string(b)]
	if !ok {
		s = string(b)
		if len(s) > labelcap.MaxValueLen || len(read)+len(in.dirty) >= in.max {
			return s // never a label as is, or full: not worth a slot
		}
		in.dirty[s] = s
	}
	if in.misses++; in.misses >= len(read)/8+len(in.dirty) {
		m := make(map[string]string, len(read)+len(in.dirty))
		for k, v := range read {
			m[k] = v
		}
		for k, v := range in.dirty {
			m[k] = v
		}
		in.read.Store(&m)
		in.dirty, in.misses = map[string]string{}, 0
	}
	return s
}
