package collector

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
)

// The vendor-neutral half of collecting an account: what the AiRudder
// statistics (account.go) and the LAAFFIC balance (laaffic_balance.go)
// share. One upstream fetch's result serves every scrape until
// min_interval has passed since it started; at most one fetch per account
// is in flight, and every scrape waiting for it shares it; a scrape waits
// only until its own deadline, while the fetch goes on (on the account's
// context, not the scrape's) and serves the next scrape.

// fetchError is a failed fetch with its bounded `reason` label.
type fetchError struct {
	reason string
	msg    string
}

// result is one upstream fetch, success or failure.
type result struct {
	started, done time.Time
	metrics       []prometheus.Metric // nil on failure
	err           *fetchError
}

// fetchCache holds an account's last result and its in-flight fetch.
type fetchCache struct {
	sf singleflight.Group

	mu          sync.Mutex
	last        *result
	lastSuccess time.Time
}

// fetchHooks are what a vendor plugs into fetchCache.get.
type fetchHooks struct {
	now         func() time.Time
	minInterval time.Duration
	// fetch does one upstream fetch; get stores its result.
	fetch func() *result
	// shared is called for a scrape served by a cached or in-flight result.
	shared func()
	// panicked turns a panic of fetch into a failed result (logged and
	// counted by the vendor): singleflight would re-panic in its own
	// goroutine and kill the exporter.
	panicked func(p any) *result
}

// fresh returns the cached result if min_interval has not passed since it
// started.
func (c *fetchCache) fresh(now time.Time, minInterval time.Duration) *result {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.last
	if r == nil {
		return nil
	}
	if age := now.Sub(r.started); age >= 0 && age < minInterval {
		return r
	}
	return nil
}

type flightResult struct {
	res     *result
	fetched bool // false: a fetch finished just before; its result was reused
}

// get returns the result for one scrape: the cached one, the in-flight
// fetch's, or a new fetch's. It waits at most until ctx is done (nil).
func (c *fetchCache) get(ctx context.Context, h fetchHooks) *result {
	if r := c.fresh(h.now(), h.minInterval); r != nil {
		h.shared()
		return r
	}
	var leader atomic.Bool
	ch := c.sf.DoChan("fetch", func() (fr any, _ error) {
		leader.Store(true)
		defer func() {
			if p := recover(); p != nil {
				res := h.panicked(p)
				c.store(res)
				fr = flightResult{res: res}
			}
		}()
		// A fetch may have completed between fresh() above and here.
		if r := c.fresh(h.now(), h.minInterval); r != nil {
			return flightResult{res: r}, nil
		}
		res := h.fetch()
		c.store(res)
		return flightResult{res: res, fetched: true}, nil
	})
	select {
	case v := <-ch:
		fr := v.Val.(flightResult)
		if !leader.Load() || !fr.fetched {
			h.shared()
		}
		return fr.res
	case <-ctx.Done():
		return nil
	}
}

// store makes res the cached result.
func (c *fetchCache) store(res *result) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = res
	if res.err == nil {
		c.lastSuccess = res.done
	}
}

// lastSuccessTime returns the time of the last successful fetch (zero if none).
func (c *fetchCache) lastSuccessTime() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastSuccess
}

// selfDescs are a vendor's per-scrape self-metric descriptors, each with
// the single label `account`.
type selfDescs struct {
	up, success, duration, lastSuccess, age *prometheus.Desc
}

// emitScrape sends what one scrape reports for an account: the result's
// metrics and their age when it succeeded, up and success (0 when the
// fetch failed or the scrape's deadline came first, res == nil), the time
// the scrape spent, and the time of the last success.
func emitScrape(ch chan<- prometheus.Metric, d selfDescs, account string, res *result, begin, now, lastSuccess time.Time) {
	gauge := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, account)
	}
	up := 0.0
	if res != nil && res.err == nil {
		up = 1
		for _, m := range res.metrics {
			ch <- m
		}
		gauge(d.age, now.Sub(res.done).Seconds())
	}
	gauge(d.up, up)
	gauge(d.success, up)
	gauge(d.duration, now.Sub(begin).Seconds())
	if !lastSuccess.IsZero() {
		gauge(d.lastSuccess, float64(lastSuccess.UnixNano())/1e9)
	}
}
