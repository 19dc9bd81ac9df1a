package main

import (
	"fmt"
)

// Integrity compares what the exporter counted with what was sent.
type Integrity struct {
	OK bool `json:"ok"`
	// Exporter counter deltas (after - before) for the payload's source.
	CountedDelta   float64 `json:"counted_delta"`
	DuplicateDelta float64 `json:"duplicate_delta"`
	InvalidDelta   float64 `json:"invalid_delta"`
	// What was sent and answered 200. A delivery that failed in transport
	// may or may not have been processed, so it widens the accepted range
	// [Want*Min, Want*Max]; with no transport error the check is exact.
	WantCountedMin   int64    `json:"want_counted_min"`
	WantCountedMax   int64    `json:"want_counted_max"`
	WantDuplicateMin int64    `json:"want_duplicate_min"`
	WantDuplicateMax int64    `json:"want_duplicate_max"`
	Problems         []string `json:"problems,omitempty"`
}

// CheckIntegrity checks the exporter's record counters against r.
func CheckIntegrity(before, after Snapshot, r *LoadResult) Integrity {
	d := Delta(before.Records, after.Records)
	in := Integrity{
		CountedDelta:     d["counted"],
		DuplicateDelta:   d["duplicate"],
		InvalidDelta:     d["invalid"],
		WantCountedMin:   r.UniqueRecordsOK,
		WantCountedMax:   r.UniqueRecordsOK + r.UniqueRecordsUnk,
		WantDuplicateMin: r.DupRecordsOK,
		WantDuplicateMax: r.DupRecordsOK + r.DupRecordsUnk,
	}
	if !within(in.CountedDelta, in.WantCountedMin, in.WantCountedMax) {
		in.Problems = append(in.Problems, fmt.Sprintf("counted records delta %.0f, want %s unique records sent",
			in.CountedDelta, span(in.WantCountedMin, in.WantCountedMax)))
	}
	if !within(in.DuplicateDelta, in.WantDuplicateMin, in.WantDuplicateMax) {
		in.Problems = append(in.Problems, fmt.Sprintf("duplicate records delta %.0f, want %s duplicate records sent",
			in.DuplicateDelta, span(in.WantDuplicateMin, in.WantDuplicateMax)))
	}
	if in.InvalidDelta != 0 {
		in.Problems = append(in.Problems, fmt.Sprintf("invalid records delta %.0f, want 0 (every generated record is valid)", in.InvalidDelta))
	}
	in.OK = len(in.Problems) == 0
	return in
}

func within(v float64, lo, hi int64) bool { return v >= float64(lo) && v <= float64(hi) }

func span(lo, hi int64) string {
	if lo == hi {
		return fmt.Sprintf("%d", lo)
	}
	return fmt.Sprintf("%d..%d", lo, hi)
}

// shortfall reports whether a re-read could still change the verdict: the
// exporter may record asynchronously, so a short shortfall is re-read.
func (in Integrity) shortfall() bool {
	return in.CountedDelta < float64(in.WantCountedMin) || in.DuplicateDelta < float64(in.WantDuplicateMin)
}
