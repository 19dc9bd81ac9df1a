package dedup

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
)

// heapAfterGC returns HeapAlloc once garbage (key strings, ring and table
// arrays left behind by growth) has been collected.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// bytesPerID inserts n unique keys into a default-sized set and returns the
// retained heap per key.
func bytesPerID(n int) float64 {
	before := heapAfterGC()
	s := New(3*time.Hour, 2_000_000)
	buf := make([]byte, 0, 32)
	for i := range n {
		buf = strconv.AppendInt(append(buf[:0], "call-"...), int64(i), 10)
		s.Add(string(buf), t0)
	}
	after := heapAfterGC()
	runtime.KeepAlive(s)
	return float64(after-before) / float64(n)
}

// The documented budget: <= 48 bytes per remembered id. Measured at several
// fill levels because growth steps make the figure saw-tooth.
func TestMemoryPerID(t *testing.T) {
	if testing.Short() {
		t.Skip("inserts 1M keys")
	}
	for _, n := range []int{250_000, 1_000_000} {
		got := bytesPerID(n)
		t.Logf("%d ids: %.1f bytes/id (%.1f MiB)", n, got, got*float64(n)/(1<<20))
		if got > 48 {
			t.Errorf("%d ids: %.1f bytes/id, budget is 48", n, got)
		}
	}
}

// Reports memory at the 2M default maximum (bench only: 2M inserts).
func BenchmarkMemory2M(b *testing.B) {
	for range b.N {
		b.ReportMetric(bytesPerID(2_000_000), "bytes/id")
	}
}

// TestHashIsStable pins the key hash: persisted files are only readable by
// later versions if it never changes (xxhash64 is unseeded).
func TestHashIsStable(t *testing.T) {
	if got, want := hashKey("call-1"), xxhash.Sum64String("call-1"); got != want {
		t.Fatalf("hashKey = %#x, want xxhash64 %#x", got, want)
	}
	if got := xxhash.Sum64String("abc"); got != 0x44bc2cf5ad770999 {
		t.Fatalf("xxhash64(abc) = %#x: hash function changed, state files would be misread", got)
	}
}

func TestAddDoesNotAllocateSteadyState(t *testing.T) {
	s := New(time.Hour, 10_000)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = "call-" + strconv.Itoa(i)
		s.Add(keys[i], t0)
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		s.Add(keys[i%len(keys)], t0)
		i++
	})
	if allocs != 0 {
		t.Fatalf("duplicate Add allocates %.1f times", allocs)
	}
}
