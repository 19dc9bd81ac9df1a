package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Summary is the --repeat result: every run and the medians across runs.
type Summary struct {
	Runs     []*Report `json:"runs"`
	Median   Median    `json:"median"`
	ExitCode int       `json:"exit_code"`
}

// Median holds the median of each headline figure across runs. The median,
// not the mean, because a shared 2-core machine produces outliers.
type Median struct {
	Runs                   int     `json:"runs"`
	RequestsPerSec         float64 `json:"requests_per_second"`
	RecordsPerSec          float64 `json:"records_per_second"`
	CountedPerSec          float64 `json:"counted_records_per_second"`
	LatencyP50Ms           float64 `json:"latency_p50_ms"`
	LatencyP99Ms           float64 `json:"latency_p99_ms"`
	LatencyMaxMs           float64 `json:"latency_max_ms"`
	ScrapeP50Ms            float64 `json:"metrics_scrape_p50_ms,omitempty"`
	ScrapeP99Ms            float64 `json:"metrics_scrape_p99_ms,omitempty"`
	ScrapeMaxMs            float64 `json:"metrics_scrape_max_ms,omitempty"`
	BaselineCPUMicros      float64 `json:"baseline_server_cpu_us_per_request,omitempty"`
	BaselineRequestsPerSec float64 `json:"baseline_requests_per_second,omitempty"`
	BaselineRecordsPerSec  float64 `json:"baseline_records_per_second,omitempty"`
	RatioRequests          float64 `json:"ratio_requests,omitempty"`
	RatioRecords           float64 `json:"ratio_records,omitempty"`
	Errors                 int64   `json:"errors_total"`
	IntegrityFailures      int     `json:"integrity_failures"`
}

func medians(reps []*Report) Median {
	m := Median{Runs: len(reps)}
	pick := func(f func(*Report) (float64, bool)) float64 {
		var v []float64
		for _, r := range reps {
			if x, ok := f(r); ok {
				v = append(v, x)
			}
		}
		return median(v)
	}
	exp := func(f func(*PhaseReport) float64) float64 {
		return pick(func(r *Report) (float64, bool) { return f(r.Exporter), true })
	}
	m.RequestsPerSec = exp(func(p *PhaseReport) float64 { return p.RequestsPerSec })
	m.RecordsPerSec = exp(func(p *PhaseReport) float64 { return p.RecordsPerSec })
	m.CountedPerSec = exp(func(p *PhaseReport) float64 { return p.CountedPerSec })
	m.LatencyP50Ms = exp(func(p *PhaseReport) float64 { return p.LatencyP50Ms })
	m.LatencyP99Ms = exp(func(p *PhaseReport) float64 { return p.LatencyP99Ms })
	m.LatencyMaxMs = exp(func(p *PhaseReport) float64 { return p.LatencyMaxMs })
	m.ScrapeP50Ms = pick(func(r *Report) (float64, bool) {
		if r.Exporter.Scrape == nil {
			return 0, false
		}
		return r.Exporter.Scrape.P50Ms, true
	})
	m.ScrapeP99Ms = pick(func(r *Report) (float64, bool) {
		if r.Exporter.Scrape == nil {
			return 0, false
		}
		return r.Exporter.Scrape.P99Ms, true
	})
	m.ScrapeMaxMs = pick(func(r *Report) (float64, bool) {
		if r.Exporter.Scrape == nil {
			return 0, false
		}
		return r.Exporter.Scrape.MaxMs, true
	})
	m.BaselineCPUMicros = pick(func(r *Report) (float64, bool) {
		if r.Baseline == nil || r.Baseline.ServerCPUMicros <= 0 {
			return 0, false
		}
		return r.Baseline.ServerCPUMicros, true
	})
	m.BaselineRequestsPerSec = pick(func(r *Report) (float64, bool) {
		if r.Baseline == nil {
			return 0, false
		}
		return r.Baseline.RequestsPerSec, true
	})
	m.BaselineRecordsPerSec = pick(func(r *Report) (float64, bool) {
		if r.Baseline == nil {
			return 0, false
		}
		return r.Baseline.RecordsPerSec, true
	})
	m.RatioRequests = pick(func(r *Report) (float64, bool) { return r.RatioRequests, r.Baseline != nil })
	m.RatioRecords = pick(func(r *Report) (float64, bool) { return r.RatioRecords, r.Baseline != nil })
	for _, r := range reps {
		m.Errors += r.Exporter.ErrorCount
		if r.Exporter.Integrity != nil && !r.Exporter.Integrity.OK {
			m.IntegrityFailures++
		}
	}
	return m
}

// median of v (0 when empty); v is sorted in place.
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func writeMedianText(w io.Writer, m Median, code int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "==== median of %d runs\n", m.Runs)
	fmt.Fprintf(&b, "exporter        %.0f requests/s, %.0f records/s, %.0f counted records/s\n", m.RequestsPerSec, m.RecordsPerSec, m.CountedPerSec)
	fmt.Fprintf(&b, "latency         p50 %.3fms  p99 %.3fms  max %.3fms\n", m.LatencyP50Ms, m.LatencyP99Ms, m.LatencyMaxMs)
	if m.ScrapeP99Ms > 0 {
		fmt.Fprintf(&b, "/metrics        p50 %.3fms  p99 %.3fms  max %.3fms\n", m.ScrapeP50Ms, m.ScrapeP99Ms, m.ScrapeMaxMs)
	}
	if m.BaselineRequestsPerSec > 0 {
		fmt.Fprintf(&b, "baseline        %.0f requests/s, %.0f records/s; ratio %.3f× requests/s, %.3f× records/s\n",
			m.BaselineRequestsPerSec, m.BaselineRecordsPerSec, m.RatioRequests, m.RatioRecords)
	}
	if m.BaselineCPUMicros > 0 {
		fmt.Fprintf(&b, "baseline CPU    %.1f µs per request answered 200\n", m.BaselineCPUMicros)
	}
	fmt.Fprintf(&b, "errors %d, integrity failures %d, exit %d\n", m.Errors, m.IntegrityFailures, code)
	_, err := io.WriteString(w, b.String())
	return err
}
