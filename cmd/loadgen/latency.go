package main

import (
	"math"
	"math/bits"
	"time"
)

// Hist is a fixed-size log-linear latency histogram (HDR-style): exact below
// 128 ns, then 64 sub-buckets per power of two, so any quantile is within
// 1/64 (1.6 %) of the true value. It never allocates after creation, which
// matters because the generator shares two cores with the exporter. Not safe
// for concurrent use: each worker owns one and they are merged at the end.
type Hist struct {
	counts   [histBuckets]uint64
	n        uint64
	min, max uint64
	sum      float64
}

const (
	histSubBits = 7
	histSub     = 1 << histSubBits // values below this are exact
	histHalf    = histSub / 2
	histBuckets = histSub + (64-histSubBits)*histHalf
)

// NewHist returns an empty histogram.
func NewHist() *Hist { return &Hist{min: math.MaxUint64} }

func histIndex(v uint64) int {
	l := bits.Len64(v)
	if l <= histSubBits {
		return int(v)
	}
	shift := l - histSubBits
	top := v >> uint(shift) // in [histHalf, histSub)
	return histSub + (shift-1)*histHalf + int(top-histHalf)
}

// histValue is the midpoint of bucket i, in nanoseconds.
func histValue(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	shift := (i-histSub)/histHalf + 1
	top := uint64((i-histSub)%histHalf + histHalf)
	lo := top << uint(shift)
	return lo + (uint64(1)<<uint(shift))/2
}

// Record adds one observation.
func (h *Hist) Record(d time.Duration) {
	v := uint64(0)
	if d > 0 {
		v = uint64(d)
	}
	h.counts[histIndex(v)]++
	h.n++
	h.sum += float64(v)
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

// Merge adds o's observations to h.
func (h *Hist) Merge(o *Hist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	if o.n > 0 {
		h.min = min(h.min, o.min)
		h.max = max(h.max, o.max)
	}
}

// Count is the number of observations.
func (h *Hist) Count() uint64 { return h.n }

// Max is the largest observation (exact).
func (h *Hist) Max() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.max)
}

// Mean is the average observation.
func (h *Hist) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the q-quantile (0 < q <= 1), clamped to the exact min/max.
func (h *Hist) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := histValue(i)
			v = max(v, h.min)
			v = min(v, h.max)
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}
