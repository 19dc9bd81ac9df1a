package receiver

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// A joined key names one combination of label values: combinations whose
// values join to the same bytes but for the separator stay apart, a cached
// child is the vector's own child, and past maxCachedChildren lookups still
// resolve the right child while the cache stops growing.
func TestJoinedChildrenResolvesTheVectorsChildren(t *testing.T) {
	v := webhookCounter("c_total", "h", "a", "b", "c")
	c := JoinedCounters(v)
	for _, k := range [][3]string{{"ab", "c", ""}, {"a", "bc", ""}, {"a", "b", "c"}, {"", "abc", ""}, {"abc", "", ""}, {"", "", ""}} {
		c.Get(k[0], k[1], k[2]).Inc()
		c.Get(k[0], k[1], k[2]).Inc()
		if got := c.Get(k[0], k[1], k[2]); got != v.WithLabelValues(k[0], k[1], k[2]) {
			t.Errorf("child %q is not the vector's", k)
		}
	}
	long := strings.Repeat("é", joinedKeyRoom) // past the key's stack room
	for i := range maxCachedChildren + 10 {
		k := [3]string{fmt.Sprint("x", i), long, "y"}
		c.Get(k[0], k[1], k[2]).Inc()
		c.Get(k[0], k[1], k[2]).Inc()
		if got := c.Get(k[0], k[1], k[2]); got != v.WithLabelValues(k[0], k[1], k[2]) {
			t.Fatalf("child %q is not the vector's", k)
		}
	}
	if n := len(*c.c.m.Load()); n != maxCachedChildren {
		t.Fatalf("cache holds %d children, want the bound %d", n, maxCachedChildren)
	}
	for _, k := range [][3]string{{"ab", "c", ""}, {"a", "bc", ""}, {"x0", long, "y"}, {fmt.Sprint("x", maxCachedChildren+5), long, "y"}} {
		var m dto.Metric
		if err := v.WithLabelValues(k[0], k[1], k[2]).Write(&m); err != nil {
			t.Fatal(err)
		}
		if got := m.GetCounter().GetValue(); got != 2 {
			t.Errorf("series %q = %v, want 2", k, got)
		}
	}
}

// A lookup allocates nothing, and costs less than one by an array key.
func BenchmarkChildrenLookup(b *testing.B) {
	v := webhookCounter("c_total", "h", "account", "result", "label", "hangup", "ring")
	vals := [5]string{"default", "finished", "A", "ByCallee", "normal"}
	b.Run("array", func(b *testing.B) {
		c := NewChildren(func(k [5]string) prometheus.Counter { return v.WithLabelValues(k[:]...) })
		b.ReportAllocs()
		for b.Loop() {
			c.Get(vals)
		}
	})
	b.Run("joined", func(b *testing.B) {
		c := JoinedCounters(v)
		b.ReportAllocs()
		for b.Loop() {
			c.Get(vals[0], vals[1], vals[2], vals[3], vals[4])
		}
	})
}
