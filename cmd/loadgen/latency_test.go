package main

import (
	"math"
	"testing"
	"time"
)

func TestHistQuantilesAreWithinPrecision(t *testing.T) {
	h := NewHist()
	// 1..10000 µs, one each: the q-quantile is q×10000 µs.
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		got := float64(h.Quantile(q))
		want := q * 10000 * float64(time.Microsecond)
		if math.Abs(got-want)/want > 1.0/60 {
			t.Errorf("q%.2f = %v, want %v ±1.6%%", q, time.Duration(got), time.Duration(want))
		}
	}
	if h.Max() != 10*time.Millisecond || h.Count() != 10000 {
		t.Errorf("max %v count %d", h.Max(), h.Count())
	}
}

func TestHistMergeAndEdges(t *testing.T) {
	a, b := NewHist(), NewHist()
	if a.Quantile(0.99) != 0 || a.Max() != 0 || a.Mean() != 0 {
		t.Error("empty histogram must read 0")
	}
	a.Record(-5) // clamped to 0
	b.Record(time.Hour)
	b.Record(time.Duration(math.MaxInt64))
	a.Merge(b)
	if a.Count() != 3 || a.Max() != time.Duration(math.MaxInt64) {
		t.Errorf("count %d max %v", a.Count(), a.Max())
	}
	if got := a.Quantile(0.01); got != 0 {
		t.Errorf("min quantile %v, want 0", got)
	}
	for v := uint64(1); v < 1<<62; v = v*3 + 1 {
		i := histIndex(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("index %d out of range for %d", i, v)
		}
		if mid := histValue(i); math.Abs(float64(mid)-float64(v))/float64(v) > 1.0/60 {
			t.Fatalf("bucket value %d for %d", mid, v)
		}
	}
}
