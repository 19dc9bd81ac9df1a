package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ScrapeResult is the /metrics latency seen while the receiver was loaded.
type ScrapeResult struct {
	Scrapes int64
	Errors  int64
	Bytes   int64 // size of the last successful exposition
	Latency *Hist
}

// scrapeInterval is how often --scrape-load reads /metrics: far more often
// than any Prometheus would, to sample the exposition latency under load.
const scrapeInterval = 100 * time.Millisecond

// ScrapeLoop GETs metricsURL every scrapeInterval until ctx is done (the
// caller bounds ctx by the load phase) and times each full read. A scrape
// that overruns the interval delays the next one rather than overlapping it.
func ScrapeLoop(ctx context.Context, metricsURL string) *ScrapeResult {
	res := &ScrapeResult{Latency: NewHist()}
	client := &http.Client{Transport: newTransport(1), Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	t := time.NewTicker(scrapeInterval)
	defer t.Stop()
	// The first scrape is immediate, so even a short phase gets one.
	for first := true; ; first = false {
		if !first {
			select {
			case <-ctx.Done():
				return res
			case <-t.C:
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
		if err != nil {
			res.Errors++
			return res
		}
		// What Prometheus asks for by default nowadays.
		req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1")
		t0 := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				res.Errors++
			}
			continue
		}
		n, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			if ctx.Err() == nil {
				res.Errors++
			}
			continue
		}
		res.Latency.Record(time.Since(t0))
		res.Scrapes++
		res.Bytes = n
	}
}

const scraperReady = "scraper ready"

// scrapeChild is the --scrape-child subcommand: ScrapeLoop in a process of
// its own, so the scrape timings do not include the load generator's own
// goroutine scheduling. It stops when stdin closes and prints a ScrapeReport
// as JSON.
func scrapeChild(metricsURL string, stdin io.Reader, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), childMaxLifetime)
	defer cancel()
	go func() {
		io.Copy(io.Discard, stdin)
		cancel()
	}()
	fmt.Fprintln(stdout, scraperReady)
	return json.NewEncoder(stdout).Encode(scrapeReport(ScrapeLoop(ctx, metricsURL)))
}

// startScrapeChild starts a scraper process; its stop function ends it and
// returns what it measured.
func startScrapeChild(ctx context.Context, metricsURL string, allowRemote bool) (func() (*ScrapeReport, error), error) {
	args := []string{"--scrape-child", metricsURL}
	if allowRemote {
		args = append(args, "--allow-remote")
	}
	ch, first, err := startChild(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("scraper: %w", err)
	}
	if strings.TrimSpace(first) != scraperReady {
		ch.stop()
		return nil, fmt.Errorf("scraper: child said %q", first)
	}
	return func() (*ScrapeReport, error) {
		out := ch.stop()
		var r ScrapeReport
		if err := json.Unmarshal(out, &r); err != nil {
			return nil, fmt.Errorf("scraper: bad result %q: %w", out, err)
		}
		return &r, nil
	}, nil
}
