package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// LoadOptions describe one load phase against one URL.
type LoadOptions struct {
	URL         string // full webhook URL
	Token       string // sent as Authorization: Bearer when set
	Gen         *Generator
	DupRatio    float64       // share of deliveries that re-send an earlier body
	Duration    time.Duration // hard bound of the phase (> 0)
	Requests    int64         // bound on deliveries; 0 = only Duration bounds
	Rate        float64       // deliveries per second; 0 = as fast as possible
	Concurrency int
	Timeout     time.Duration // per request
}

// LoadResult is what one phase sent and how it was answered. Records are
// split by fate so the integrity check can compare them with the exporter's
// counters: a 200 answer means "accepted", a non-200 status "not counted", a
// transport error "unknown" (the exporter may or may not have processed it).
type LoadResult struct {
	Elapsed          time.Duration
	Requests         int64 // deliveries attempted
	OK               int64 // answered 200
	DupRequests      int64 // deliveries that were re-sends
	UniqueRecordsOK  int64
	DupRecordsOK     int64
	UniqueRecordsUnk int64
	DupRecordsUnk    int64
	BytesSent        int64
	Late             int64 // --rate deliveries that started > 1 ms after their slot
	Errors           map[string]int64
	ErrorSamples     map[string]string // first error message of each kind
	Latency          *Hist
}

// RecordsOK is the number of records in deliveries answered 200.
func (r *LoadResult) RecordsOK() int64 { return r.UniqueRecordsOK + r.DupRecordsOK }

// ErrorCount is the number of failed deliveries.
func (r *LoadResult) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// newTransport keeps one idle connection per worker so every delivery reuses
// a keep-alive connection, as a vendor's webhook sender would.
func newTransport(concurrency int) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // loopback: never via a proxy from the environment
		MaxIdleConns:        concurrency + 4,
		MaxIdleConnsPerHost: concurrency + 4,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     30 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}

// RunLoad runs one phase. It returns when Duration has passed, Requests were
// sent, or ctx is cancelled, whichever comes first; each worker's loop is
// bounded by all three.
func RunLoad(ctx context.Context, o LoadOptions) (*LoadResult, error) {
	if o.Concurrency < 1 || o.Duration <= 0 || o.Gen == nil {
		return nil, errors.New("load: concurrency, duration and generator are required")
	}
	tr := newTransport(o.Concurrency)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: o.Timeout}

	var (
		seq    atomic.Uint64 // next record sequence number
		issued atomic.Int64  // deliveries started
	)
	var interval time.Duration
	if o.Rate > 0 {
		interval = time.Duration(float64(time.Second) / o.Rate)
	}
	start := time.Now()
	end := start.Add(o.Duration)
	ctx, cancel := context.WithDeadline(ctx, end.Add(o.Timeout))
	defer cancel()

	workers := make([]*worker, o.Concurrency)
	var wg sync.WaitGroup
	for i := range workers {
		w := &worker{
			o: &o, client: client, seq: &seq,
			rng:    rand.New(rand.NewPCG(uint64(i)+1, uint64(start.UnixNano()))),
			res:    LoadResult{Errors: map[string]int64{}, ErrorSamples: map[string]string{}, Latency: NewHist()},
			header: http.Header{"Content-Type": {"application/json"}, "User-Agent": {"airudder-exporter-loadgen"}},
		}
		if o.Token != "" {
			w.header.Set("Authorization", "Bearer "+o.Token)
		}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := issued.Add(1) - 1
				if o.Requests > 0 && n >= o.Requests {
					return
				}
				if interval > 0 {
					due := start.Add(time.Duration(n) * interval)
					if !due.Before(end) {
						return
					}
					if wait := time.Until(due); wait > 0 {
						t := time.NewTimer(wait)
						select {
						case <-ctx.Done():
							t.Stop()
							return
						case <-t.C:
						}
					} else if wait < -time.Millisecond {
						w.res.Late++
					}
				} else if !time.Now().Before(end) {
					return
				}
				if ctx.Err() != nil {
					return
				}
				w.deliver(ctx)
			}
		}()
	}
	wg.Wait()

	total := &LoadResult{Elapsed: time.Since(start), Errors: map[string]int64{}, ErrorSamples: map[string]string{}, Latency: NewHist()}
	for _, w := range workers {
		r := &w.res
		total.Requests += r.Requests
		total.OK += r.OK
		total.DupRequests += r.DupRequests
		total.UniqueRecordsOK += r.UniqueRecordsOK
		total.DupRecordsOK += r.DupRecordsOK
		total.UniqueRecordsUnk += r.UniqueRecordsUnk
		total.DupRecordsUnk += r.DupRecordsUnk
		total.BytesSent += r.BytesSent
		total.Late += r.Late
		for k, v := range r.Errors {
			total.Errors[k] += v
		}
		for k, v := range r.ErrorSamples {
			if _, ok := total.ErrorSamples[k]; !ok {
				total.ErrorSamples[k] = v
			}
		}
		total.Latency.Merge(r.Latency)
	}
	if seq.Load() > maxSeq {
		return total, fmt.Errorf("load: sequence overflow (%d records)", seq.Load())
	}
	return total, nil
}

// dupMemory is how many recently accepted bodies a worker may re-send. Small,
// so a re-send is always well inside the exporter's dedup window and size.
const dupMemory = 64

type worker struct {
	o      *LoadOptions
	client *http.Client
	seq    *atomic.Uint64
	rng    *rand.Rand
	header http.Header
	buf    []byte
	// accepted holds the base sequence numbers of bodies answered 200; only
	// those are re-sent, so every re-send is a true duplicate.
	accepted [dupMemory]uint64
	nAcc     int
	res      LoadResult
}

func (w *worker) deliver(ctx context.Context) {
	per := uint64(w.o.Gen.PerRequest)
	dup := w.o.DupRatio > 0 && w.nAcc > 0 && w.rng.Float64() < w.o.DupRatio
	var base uint64
	if dup {
		base = w.accepted[w.rng.IntN(min(w.nAcc, dupMemory))]
	} else {
		base = w.seq.Add(per) - per
	}
	w.buf = w.o.Gen.Fill(w.buf, base)
	state := &bodyState{}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.o.URL, state.open(w.buf))
	if err != nil {
		w.res.Errors["request_build"]++
		return
	}
	req.Header = w.header.Clone()
	req.ContentLength = int64(len(w.buf))
	buf := w.buf
	req.GetBody = func() (io.ReadCloser, error) { return state.open(buf), nil }

	w.res.Requests++
	w.res.BytesSent += int64(len(w.buf))
	if dup {
		w.res.DupRequests++
	}
	t0 := time.Now()
	resp, err := w.client.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
	}
	lat := time.Since(t0)
	if state.inUse.Load() != 0 {
		// The transport may still be writing this buffer (an early answer):
		// give it away and start a fresh one.
		w.buf = nil
	}
	recs := int64(per)
	switch {
	case err != nil:
		kind := transportKind(err)
		w.res.Errors[kind]++
		if _, ok := w.res.ErrorSamples[kind]; !ok {
			w.res.ErrorSamples[kind] = err.Error()
		}
		if dup {
			w.res.DupRecordsUnk += recs
		} else {
			w.res.UniqueRecordsUnk += recs
		}
		return
	case resp.StatusCode != http.StatusOK:
		w.res.Errors[fmt.Sprintf("status_%d", resp.StatusCode)]++
		// Not counted by the exporter: never re-sent, so not a duplicate later.
		return
	}
	w.res.OK++
	w.res.Latency.Record(lat)
	if dup {
		w.res.DupRecordsOK += recs
		return
	}
	w.res.UniqueRecordsOK += recs
	w.accepted[w.nAcc%dupMemory] = base
	w.nAcc++
}

func transportKind(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "transport_timeout"
	case errors.Is(err, context.Canceled):
		return "transport_canceled"
	default:
		return "transport"
	}
}

// bodyState tracks the request bodies opened over a worker's buffer (the
// first one plus any the transport asks for through GetBody to retry on a
// stale keep-alive connection). The buffer may be reused only once the
// transport has closed all of them.
type bodyState struct{ inUse atomic.Int32 }

func (s *bodyState) open(b []byte) io.ReadCloser {
	s.inUse.Add(1)
	return &reusableBody{b: b, state: s}
}

type reusableBody struct {
	b      []byte
	off    int
	state  *bodyState
	closed atomic.Bool
}

func (r *reusableBody) Read(p []byte) (int, error) {
	if r.off >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.off:])
	r.off += n
	return n, nil
}

func (r *reusableBody) Close() error {
	if r.closed.CompareAndSwap(false, true) {
		r.state.inUse.Add(-1)
	}
	return nil
}
