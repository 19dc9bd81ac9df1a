package dedup

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

// model is the Set's specification, written the plain way: per shard a
// FIFO of (hash, time), searched linearly. The Set must answer every
// operation as the model does.
type model struct {
	mask      uint64
	window    uint32
	limits    []int
	clocks    []uint32
	shards    [][]modelEntry // oldest first
	evictions uint64
}

type modelEntry struct {
	h uint64
	t uint32
}

func newModel(s *Set) *model {
	m := &model{mask: s.mask, window: s.window}
	for i := range s.shards {
		m.limits = append(m.limits, s.shards[i].limit)
	}
	m.clocks = make([]uint32, len(s.shards))
	m.shards = make([][]modelEntry, len(s.shards))
	return m
}

func (m *model) expire(g int, now uint32) {
	q := m.shards[g]
	for len(q) > 0 && now-q[0].t >= m.window {
		q = q[1:]
	}
	m.shards[g] = q
}

func (m *model) add(key string, now uint32) bool {
	h := hashKey(key)
	g := int(h & m.mask)
	m.clocks[g] = max(m.clocks[g], now)
	now = m.clocks[g]
	m.expire(g, now)
	for _, e := range m.shards[g] {
		if e.h == h {
			return false
		}
	}
	for len(m.shards[g]) >= m.limits[g] {
		m.shards[g] = m.shards[g][1:]
		m.evictions++
	}
	m.shards[g] = append(m.shards[g], modelEntry{h, now})
	return true
}

func (m *model) forget(key string) {
	h := hashKey(key)
	g := int(h & m.mask)
	for i, e := range m.shards[g] {
		if e.h == h {
			m.shards[g] = append(m.shards[g][:i:i], m.shards[g][i+1:]...)
			return
		}
	}
}

func (m *model) sweep(now uint32) {
	for g := range m.shards {
		m.clocks[g] = max(m.clocks[g], now)
		m.expire(g, m.clocks[g])
	}
}

func (m *model) setLimits(s *Set, window uint32) {
	m.window = window
	for g := range m.shards {
		m.limits[g] = s.shards[g].limit
		for len(m.shards[g]) > m.limits[g] {
			m.shards[g] = m.shards[g][1:]
			m.evictions++
		}
	}
}

// load is what LoadFile makes of a saved model at now: times clamped to
// now, expired entries skipped, the oldest beyond the limit evicted.
func (m *model) load(now uint32) {
	for g, q := range m.shards {
		var kept []modelEntry
		for _, e := range q {
			e.t = min(e.t, now)
			if now-e.t < m.window {
				kept = append(kept, e)
			}
		}
		if drop := len(kept) - m.limits[g]; drop > 0 {
			kept = kept[drop:]
			m.evictions += uint64(drop)
		}
		m.shards[g] = kept
		m.clocks[g] = max(m.clocks[g], now)
	}
}

func (m *model) len() int {
	n := 0
	for _, q := range m.shards {
		n += len(q)
	}
	return n
}

// TestSetMatchesModel runs random operations against a Set and the model:
// adds and claims of bodies drawn from a small key space (so duplicates,
// evictions, expiry and the table's compactions all happen often),
// releases, time moving both ways, new limits, sweeps and a save and load.
// Sequence numbers start just below 2^32, so they wrap during the run.
func TestSetMatchesModel(t *testing.T) {
	for _, tc := range []struct {
		name       string
		maxEntries int
		keys       int
	}{
		{"tiny", 3, 12},
		{"one shard", 60, 200},
		{"one shard, large", 1500, 4000},
		{"four shards", 4100, 9000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tc.maxEntries)))
			window := 600 * time.Second
			s := New(window, tc.maxEntries)
			for i := range s.shards {
				s.shards[i].seq0 = math.MaxUint32 - 500
			}
			m := newModel(s)
			path := filepath.Join(t.TempDir(), "state")
			now := toSec(t0)
			at := func() time.Time { return time.Unix(int64(now)+epochUnix, 0) }
			key := func() string { return fmt.Sprintf("call-%d", rng.IntN(tc.keys)) }
			var lastKeys []string
			var lastFresh []bool
			for op := range 20_000 {
				switch r := rng.IntN(100); {
				case r < 40:
					k := key()
					if got, want := s.Add(k, at()), m.add(k, now); got != want {
						t.Fatalf("op %d: Add(%s) = %v, model %v", op, k, got, want)
					}
				case r < 60:
					body := make([]string, 1+rng.IntN(150))
					for i := range body {
						body[i] = key()
					}
					fresh := make([]bool, len(body))
					if _, err := s.Claim(context.Background(), body, at(), fresh); err != nil {
						t.Fatal(err)
					}
					for i, k := range body {
						if want := m.add(k, now); fresh[i] != want {
							t.Fatalf("op %d: Claim's key %d (%s) fresh %v, model %v", op, i, k, fresh[i], want)
						}
					}
					lastKeys, lastFresh = body, fresh
				case r < 65 && lastKeys != nil:
					if err := s.Release(context.Background(), Ticket{keys: lastKeys, fresh: lastFresh}); err != nil {
						t.Fatal(err)
					}
					for i, k := range lastKeys {
						if lastFresh[i] {
							m.forget(k)
						}
					}
					lastKeys = nil
				case r < 85:
					now += uint32(rng.IntN(60))
				case r < 88:
					now -= uint32(rng.IntN(30)) // the clock steps back
				case r < 92:
					m.sweep(now)
					if got, want := s.Sweep(at()), m.len(); got != want {
						t.Fatalf("op %d: Sweep = %d, model %d", op, got, want)
					}
				case r < 95:
					w := time.Duration(60+rng.IntN(900)) * time.Second
					s.SetLimits(w, tc.maxEntries/2+rng.IntN(tc.maxEntries))
					m.setLimits(s, windowSec(w))
				case r < 97:
					if err := s.SaveFile(path); err != nil {
						t.Fatal(err)
					}
					if err := s.LoadFile(path, at()); err != nil {
						t.Fatal(err)
					}
					m.load(now)
					lastKeys = nil // the claim's entries are the file's now
				}
				if got, want := s.Len(), m.len(); got != want {
					t.Fatalf("op %d: Len = %d, model %d", op, got, want)
				}
				if got, want := s.Evictions(), m.evictions; got != want {
					t.Fatalf("op %d: Evictions = %d, model %d", op, got, want)
				}
				if op%50 == 0 {
					if err := s.checkInvariants(); err != nil {
						t.Fatalf("op %d: %v", op, err)
					}
				}
			}
			mustInvariants(t, s)
		})
	}
}

// TestSameTopBitsAreDifferentIDs: the table keeps only a hash's top 32
// bits, so two ids that share them must still be told apart by the ring's
// full hash. The pair is found by search (birthday bound: a few hundred
// thousand ids).
func TestSameTopBitsAreDifferentIDs(t *testing.T) {
	seen := make(map[uint32]string)
	var a, b string
	for i := 0; a == ""; i++ {
		if i == 10_000_000 {
			t.Fatal("no two ids share their top 32 bits")
		}
		k := fmt.Sprintf("call-%d", i)
		top := uint32(hashKey(k) >> 32)
		if prev, ok := seen[top]; ok {
			a, b = prev, k
		}
		seen[top] = k
	}
	if hashKey(a) == hashKey(b) {
		t.Fatalf("%s and %s have the same 64-bit hash", a, b)
	}
	s := New(time.Hour, 100) // one shard
	if !s.Add(a, t0) {
		t.Fatalf("%s not added", a)
	}
	if !s.Add(b, t0) {
		t.Fatalf("%s taken for %s, which shares its top 32 bits", b, a)
	}
	if s.Add(a, t0) || s.Add(b, t0) {
		t.Fatal("a remembered id added again")
	}
	mustInvariants(t, s)
}

// TestTinySetsKeepAnEmptySlot: the smallest sets (a limit of 1, 2, 3) churn
// through evictions, with and without releases; their tables must always
// keep an empty slot, which probing and compaction rely on.
func TestTinySetsKeepAnEmptySlot(t *testing.T) {
	for limit := 1; limit <= 3; limit++ {
		for _, forgetEvery := range []int{0, 5} {
			s := New(time.Hour, limit)
			m := newModel(s)
			now := toSec(t0)
			at := time.Unix(int64(now)+epochUnix, 0)
			for i := range 200 {
				k := fmt.Sprintf("call-%d", i%97)
				if got, want := s.Add(k, at), m.add(k, now); got != want {
					t.Fatalf("limit %d, add %d: Add(%s) = %v, model %v", limit, i, k, got, want)
				}
				if forgetEvery > 0 && i%forgetEvery == 0 {
					s.forget(k)
					m.forget(k)
				}
				if err := s.checkInvariants(); err != nil {
					t.Fatalf("limit %d, forgetting every %d, add %d: %v", limit, forgetEvery, i, err)
				}
			}
		}
	}
}
