package dedup

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// benchKeys are built once: creating a key string is the caller's cost, not
// Add's, and would hide Add's own allocations.
var (
	benchKeysOnce sync.Once
	benchKeys     []string
)

func keys1M() []string {
	benchKeysOnce.Do(func() {
		benchKeys = make([]string, 1<<20)
		for i := range benchKeys {
			benchKeys[i] = "2f1c9e7a-call-" + strconv.Itoa(i)
		}
	})
	return benchKeys
}

// benchSet returns the 1M bench keys and a 3 h set of maxEntries, holding
// every key at t0 when remember is set, with the timer reset after the setup.
func benchSet(b *testing.B, maxEntries int, remember bool) ([]string, *Set) {
	keys := keys1M()
	s := New(3*time.Hour, maxEntries)
	if remember {
		for _, k := range keys {
			s.Add(k, t0)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	return keys, s
}

// BenchmarkAddUnique: every Add is a new id (the normal webhook case). After
// each pass over the 1M keys the clock jumps one window, so keys are new
// again and Add also pays for expiring the previous pass — the steady state
// of a long-running exporter.
func BenchmarkAddUnique(b *testing.B) {
	keys, s := benchSet(b, 2_000_000, false)
	for i := range b.N {
		now := t0.Add(time.Duration(i/len(keys)) * 3 * time.Hour)
		if !s.Add(keys[i%len(keys)], now) {
			b.Fatal("unique key reported duplicate")
		}
	}
}

// BenchmarkClaimBody100: bodies of 100 new ids claimed into a set that
// remembers 1M ids (a table far larger than the CPU caches); ns per id.
func BenchmarkClaimBody100(b *testing.B) {
	keys, s := benchSet(b, 2_000_000, true)
	bodies := len(keys) / 100
	fresh := make([]bool, 100)
	for i := 0; b.Loop(); i++ {
		// After each pass over the keys the clock moves one window: they
		// are new again.
		body := keys[i%bodies*100:][:100]
		now := t0.Add(time.Duration(1+i/bodies) * 3 * time.Hour)
		if _, err := s.Claim(context.Background(), body, now, fresh); err != nil || !fresh[0] || !fresh[99] {
			b.Fatal("a new id reported as a duplicate", err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/id")
}

// BenchmarkClaimBody100Full: bodies of 100 new ids claimed into a set held at
// its limit of 1M ids, so every id also evicts the oldest: the steady state
// of an exporter whose dedup set has filled. Both the new id's table slot
// and the evicted id's lie at random places in a table far larger than the
// CPU caches. The keys cycle through 2M, so an id comes back only after it
// was evicted; ns per id.
func BenchmarkClaimBody100Full(b *testing.B) {
	keys := make([]string, 2_000_000)
	for i := range keys {
		keys[i] = "2f1c9e7a-call-" + strconv.Itoa(i)
	}
	s := New(3*time.Hour, 1_000_000)
	// Until every shard is at its limit (they fill unevenly).
	next := 0
	for ; s.Len() < 1_000_000 && next < len(keys); next++ {
		s.Add(keys[next], t0)
	}
	if s.Len() != 1_000_000 {
		b.Fatalf("the set holds %d ids after %d adds, want its limit", s.Len(), next)
	}
	bodies := len(keys) / 100
	first := next/100 + 1 // the first body none of whose ids was added
	fresh := make([]bool, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		body := keys[(first+i)%bodies*100:][:100]
		if _, err := s.Claim(context.Background(), body, t0, fresh); err != nil || !fresh[0] || !fresh[99] {
			b.Fatal("a new id reported as a duplicate", err)
		}
	}
	if s.Len() != 1_000_000 {
		b.Fatalf("the set holds %d ids, want its limit", s.Len())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/id")
}

// BenchmarkFill1M: a fresh set (default limits) taking 1M new ids, every
// growth step included; ns per id.
func BenchmarkFill1M(b *testing.B) {
	keys := keys1M()
	b.ResetTimer()
	for b.Loop() {
		s := New(3*time.Hour, 2_000_000)
		for _, k := range keys {
			s.Add(k, t0)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/id")
}

// BenchmarkFill1MClaim: as BenchmarkFill1M, the ids claimed 100 at a time
// (a LAAFFIC body).
func BenchmarkFill1MClaim(b *testing.B) {
	keys := keys1M()
	fresh := make([]bool, 100)
	b.ResetTimer()
	for b.Loop() {
		s := New(3*time.Hour, 2_000_000)
		for j := 0; j+100 <= len(keys); j += 100 {
			if _, err := s.Claim(context.Background(), keys[j:j+100], t0, fresh); err != nil || !fresh[0] {
				b.Fatal("a new id reported as a duplicate", err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(keys)), "ns/id")
}

// BenchmarkAddDuplicate: a re-delivery of one of 1M remembered ids.
func BenchmarkAddDuplicate(b *testing.B) {
	keys, s := benchSet(b, 2_000_000, true)
	for i := range b.N {
		if s.Add(keys[i%len(keys)], t0) {
			b.Fatal("duplicate reported new")
		}
	}
}

// BenchmarkAddFull: set at maxEntries, so each new id also evicts.
func BenchmarkAddFull(b *testing.B) {
	keys, s := benchSet(b, 100_000, false)
	for i := range b.N {
		s.Add(keys[i%len(keys)], t0)
	}
}

func BenchmarkAddParallel(b *testing.B) {
	keys := keys1M()
	b.Run("unique", func(b *testing.B) {
		s := New(3*time.Hour, 2_000_000)
		var gid atomic.Int64
		stride := runtime.GOMAXPROCS(0)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			// Goroutine g takes keys g, g+stride, ...; after a full pass
			// the clock moves one window so the keys are new again.
			g := int(gid.Add(1)-1) % stride
			for j := 0; pb.Next(); j++ {
				k := g + j*stride
				pass := k / len(keys)
				s.Add(keys[k%len(keys)], t0.Add(time.Duration(pass)*3*time.Hour))
			}
		})
	})
	b.Run("duplicate", func(b *testing.B) {
		s := New(3*time.Hour, 2_000_000)
		for _, k := range keys {
			s.Add(k, t0)
		}
		var gid atomic.Int64
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			j := int(gid.Add(1)) * 7919
			for pb.Next() {
				s.Add(keys[j%len(keys)], t0)
				j++
			}
		})
	})
}

func filledSet(n int) *Set {
	keys := keys1M()
	s := New(3*time.Hour, 2_000_000)
	for i := range n {
		s.Add(keys[i%len(keys)]+"-"+strconv.Itoa(i/len(keys)), t0)
	}
	return s
}

// BenchmarkSave1M: full atomic save (including fsyncs) of 1M entries.
func BenchmarkSave1M(b *testing.B) {
	s := filledSet(1_000_000)
	path := filepath.Join(b.TempDir(), "state")
	b.SetBytes(headerSize + 1_000_000*recordSize + trailerSize)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := s.SaveFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad1M: startup cost of reading back 1M entries.
func BenchmarkLoad1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "state")
	if err := filledSet(1_000_000).SaveFile(path); err != nil {
		b.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	s := New(3*time.Hour, 2_000_000)
	b.ResetTimer()
	for range b.N {
		if err := s.LoadFile(path, t0.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	if s.Len() != 1_000_000 {
		b.Fatalf("Len = %d", s.Len())
	}
}

// BenchmarkShardSnapshot: how long one shard lock is held while saving a
// 2M-entry set — the longest an Add can wait on a save.
func BenchmarkShardSnapshot(b *testing.B) {
	s := filledSet(2_000_000)
	buf := make([]byte, 0, 1<<20)
	b.ResetTimer()
	for i := range b.N {
		buf = s.shards[i%len(s.shards)].encode(buf[:0])
	}
}
