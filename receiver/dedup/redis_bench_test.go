package dedup

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"airudder_exporter/internal/testkit"
)

// benchClaims runs b.N claims of batch fresh ids each, each followed by
// its confirm as the recorder does after counting (parallel when par), and
// reports records/s (claim + confirm) and the p50/p99 latency of one claim
// and of one body (claim + confirm: two round trips with Redis). Keys are
// built outside the timed part.
// benchSeq numbers claims across all runs: the benchmark framework calls a
// benchmark several times on the same store, and ids must stay fresh.
var benchSeq atomic.Int64

func benchClaims(b *testing.B, s Store, batch int, par bool) {
	var mu sync.Mutex
	var lat, body []time.Duration
	run := func(next func() bool) {
		keys := make([]string, batch)
		fresh := make([]bool, batch)
		var mine, mineBody []time.Duration
		for next() {
			n := benchSeq.Add(1)
			for i := range keys {
				keys[i] = "bench-" + strconv.FormatInt(n, 36) + "-" + strconv.Itoa(i)
			}
			t := time.Now()
			tk, err := s.Claim(context.Background(), keys, time.Now(), fresh)
			if err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
			if !fresh[0] {
				b.Error("fresh id reported duplicate")
				return
			}
			if err := s.Confirm(context.Background(), tk); err != nil {
				b.Error(err)
				return
			}
			mineBody = append(mineBody, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		body = append(body, mineBody...)
		mu.Unlock()
	}
	b.ResetTimer()
	start := time.Now()
	if par {
		b.RunParallel(func(pb *testing.PB) { run(pb.Next) })
	} else {
		i := 0
		run(func() bool { i++; return i <= b.N })
	}
	el := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	slices.Sort(body)
	b.ReportMetric(float64(len(body)*batch)/el.Seconds(), "records/s")
	b.ReportMetric(float64(lat[len(lat)/2])/1e3, "p50-µs/claim")
	b.ReportMetric(float64(lat[len(lat)*99/100])/1e3, "p99-µs/claim")
	b.ReportMetric(float64(body[len(body)/2])/1e3, "p50-µs/body")
	b.ReportMetric(float64(body[len(body)*99/100])/1e3, "p99-µs/body")
}

// BenchmarkClaim compares the local set with Redis (a real redis-server on
// loopback, same machine): one claim of 1 id (an AiRudder single-call
// webhook) or 100 ids (a full LAAFFIC batch: one script run, then one
// more to confirm), sequential
// (latency) and from GOMAXPROCS goroutines (throughput).
func BenchmarkClaim(b *testing.B) {
	srv := testkit.StartRedis(b)
	r := NewRedis(RedisOptions{Address: srv.Addr, Timeout: 2 * time.Second})
	defer r.Close()
	stores := []struct {
		name string
		s    Store
	}{
		{"local", New(3*time.Hour, 50_000_000)},
		{"redis", r.Store("bench:", "laaffic", 10*time.Minute)},
	}
	for _, st := range stores {
		for _, batch := range []int{1, 100} {
			for _, par := range []bool{false, true} {
				name := st.name + "/batch=" + strconv.Itoa(batch)
				if par {
					name += "/parallel"
				}
				b.Run(name, func(b *testing.B) { benchClaims(b, st.s, batch, par) })
			}
		}
	}
}
