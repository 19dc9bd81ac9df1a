package collector

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
)

// One upstream fetch's result serves every scrape until min_interval has
// passed since it started; at most one fetch per account is in flight, and
// every scrape waiting for it shares it; a scrape waits only until its own
// deadline, while the fetch goes on (on the account's context, not the
// scrape's) and serves the next scrape.

// result is one upstream fetch, success or failure.
type result struct {
	started, done time.Time
	metrics       []prometheus.Metric // nil on failure
	err           *FetchError
}

// fetchCache holds an account's last result and its in-flight fetch.
type fetchCache struct {
	sf singleflight.Group

	mu          sync.Mutex
	last        *result
	lastSuccess time.Time
}

// fetchHooks are what an account plugs into fetchCache.get.
type fetchHooks struct {
	now         func() time.Time
	minInterval time.Duration
	// fetch does one upstream fetch; get stores its result.
	fetch func() *result
	// shared is called for a scrape served by a cached or in-flight result.
	shared func()
	// panicked turns a panic of fetch into a failed result (logged and
	// counted): singleflight would re-panic in its own
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
