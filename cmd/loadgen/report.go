package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

// Report is the whole run, printed as text or (--json) as JSON.
type Report struct {
	Payload           string       `json:"payload"`
	RecordsPerRequest int          `json:"records_per_request"`
	BodyBytes         int          `json:"body_bytes"`
	Concurrency       int          `json:"concurrency"`
	Rate              float64      `json:"rate"`
	DupRatio          float64      `json:"dup_ratio"`
	RunID             string       `json:"run_id"`
	Baseline          *PhaseReport `json:"baseline,omitempty"`
	Exporter          *PhaseReport `json:"exporter"`
	// Exporter throughput divided by the baseline's, same run, same load.
	RatioRequests float64 `json:"ratio_requests,omitempty"`
	RatioRecords  float64 `json:"ratio_records,omitempty"`
	ExitCode      int     `json:"exit_code"`
}

// PhaseReport is one load phase.
type PhaseReport struct {
	Name             string             `json:"name"`
	URL              string             `json:"url"`
	ElapsedSeconds   float64            `json:"elapsed_seconds"`
	Requests         int64              `json:"requests"`
	OK               int64              `json:"ok"`
	DupRequests      int64              `json:"duplicate_requests"`
	RecordsOK        int64              `json:"records_ok"`
	UniqueRecordsOK  int64              `json:"unique_records_ok"`
	DupRecordsOK     int64              `json:"duplicate_records_ok"`
	RequestsPerSec   float64            `json:"requests_per_second"`
	RecordsPerSec    float64            `json:"records_per_second"`
	CountedPerSec    float64            `json:"counted_records_per_second,omitempty"`
	MBPerSec         float64            `json:"mb_per_second"`
	LatencyP50Ms     float64            `json:"latency_p50_ms"`
	LatencyP99Ms     float64            `json:"latency_p99_ms"`
	LatencyMaxMs     float64            `json:"latency_max_ms"`
	LatencyMeanMs    float64            `json:"latency_mean_ms"`
	Late             int64              `json:"late_starts,omitempty"`
	ErrorCount       int64              `json:"error_count"`
	Errors           map[string]int64   `json:"errors,omitempty"`
	ErrorSamples     map[string]string  `json:"error_samples,omitempty"`
	Scrape           *ScrapeReport      `json:"metrics_scrape,omitempty"`
	Integrity        *Integrity         `json:"integrity,omitempty"`
	ExporterRequests map[string]float64 `json:"exporter_requests_delta,omitempty"`
	Samples          []Sample           `json:"samples,omitempty"`
	// ServerCPUMicros is the loaded server's user+system CPU per request
	// answered 200 (baseline child only: loadgen knows its pid).
	ServerCPUMicros float64 `json:"server_cpu_us_per_request,omitempty"`
}

// ScrapeReport is the --scrape-load result.
type ScrapeReport struct {
	Scrapes int64   `json:"scrapes"`
	Errors  int64   `json:"errors"`
	Bytes   int64   `json:"bytes"`
	P50Ms   float64 `json:"p50_ms"`
	P99Ms   float64 `json:"p99_ms"`
	MaxMs   float64 `json:"max_ms"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func phaseReport(name, url string, r *LoadResult) *PhaseReport {
	p := &PhaseReport{
		Name: name, URL: url, ElapsedSeconds: r.Elapsed.Seconds(),
		Requests: r.Requests, OK: r.OK, DupRequests: r.DupRequests,
		RecordsOK: r.RecordsOK(), UniqueRecordsOK: r.UniqueRecordsOK, DupRecordsOK: r.DupRecordsOK,
		LatencyP50Ms: ms(r.Latency.Quantile(0.5)), LatencyP99Ms: ms(r.Latency.Quantile(0.99)),
		LatencyMaxMs: ms(r.Latency.Max()), LatencyMeanMs: ms(r.Latency.Mean()),
		Late: r.Late, ErrorCount: r.ErrorCount(), Errors: r.Errors, ErrorSamples: r.ErrorSamples,
	}
	if s := r.Elapsed.Seconds(); s > 0 {
		p.RequestsPerSec = float64(r.OK) / s
		p.RecordsPerSec = float64(r.RecordsOK()) / s
		p.MBPerSec = float64(r.BytesSent) / s / 1e6
	}
	return p
}

func scrapeReport(s *ScrapeResult) *ScrapeReport {
	return &ScrapeReport{
		Scrapes: s.Scrapes, Errors: s.Errors, Bytes: s.Bytes,
		P50Ms: ms(s.Latency.Quantile(0.5)), P99Ms: ms(s.Latency.Quantile(0.99)), MaxMs: ms(s.Latency.Max()),
	}
}

// WriteJSON prints the report as one indented JSON object.
func (r *Report) WriteJSON(w io.Writer) error { return writeJSON(w, r) }

func writeJSON(w io.Writer, v any) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(v)
}

// WriteText prints the report for people.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	rate := "max"
	if r.Rate > 0 {
		rate = fmt.Sprintf("%.0f/s", r.Rate)
	}
	fmt.Fprintf(&b, "payload %s (%d records, %d bytes per body), concurrency %d, rate %s, dup-ratio %.3f, run-id %s\n",
		r.Payload, r.RecordsPerRequest, r.BodyBytes, r.Concurrency, rate, r.DupRatio, r.RunID)
	if r.Baseline != nil {
		writePhase(&b, r.Baseline)
	}
	writePhase(&b, r.Exporter)
	if r.Baseline != nil {
		fmt.Fprintf(&b, "ratio           exporter/baseline: %.3f× requests/s, %.3f× records/s\n", r.RatioRequests, r.RatioRecords)
	}
	verdict := "PASS"
	switch r.ExitCode {
	case exitIntegrity:
		verdict = "FAIL (integrity)"
	case exitErrors:
		verdict = "FAIL (delivery errors)"
	}
	fmt.Fprintf(&b, "result          %s\n", verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

func writePhase(b *strings.Builder, p *PhaseReport) {
	fmt.Fprintf(b, "== %s  %s\n", p.Name, p.URL)
	fmt.Fprintf(b, "sent            %d deliveries in %.2fs (%d answered 200, %d re-sends); %d records accepted (%d unique, %d duplicate)\n",
		p.Requests, p.ElapsedSeconds, p.OK, p.DupRequests, p.RecordsOK, p.UniqueRecordsOK, p.DupRecordsOK)
	fmt.Fprintf(b, "throughput      %.0f requests/s, %.0f records/s, %.1f MB/s\n", p.RequestsPerSec, p.RecordsPerSec, p.MBPerSec)
	fmt.Fprintf(b, "latency         p50 %.3fms  p99 %.3fms  max %.3fms  mean %.3fms\n", p.LatencyP50Ms, p.LatencyP99Ms, p.LatencyMaxMs, p.LatencyMeanMs)
	if p.ServerCPUMicros > 0 {
		fmt.Fprintf(b, "server CPU      %.1f µs per request answered 200 (utime+stime of the server process)\n", p.ServerCPUMicros)
	}
	if p.Late > 0 {
		fmt.Fprintf(b, "late starts     %d deliveries started >1ms after their --rate slot (generator saturated)\n", p.Late)
	}
	fmt.Fprintf(b, "errors          %s\n", joinCounts(p.Errors, "%s=%d"))
	for _, k := range slices.Sorted(maps.Keys(p.ErrorSamples)) {
		fmt.Fprintf(b, "  first %s: %s\n", k, p.ErrorSamples[k])
	}
	if p.Scrape != nil {
		s := p.Scrape
		fmt.Fprintf(b, "/metrics        %d scrapes (%d bytes), p50 %.3fms  p99 %.3fms  max %.3fms, %d errors\n",
			s.Scrapes, s.Bytes, s.P50Ms, s.P99Ms, s.MaxMs, s.Errors)
	}
	if p.ExporterRequests != nil {
		fmt.Fprintf(b, "exporter says   requests by outcome %s\n", joinCounts(p.ExporterRequests, "%s=%.0f"))
	}
	for _, s := range p.Samples {
		fmt.Fprintf(b, "sample          t=%6.1fs  VmRSS %d KiB  dedup entries %.0f\n", s.Seconds, s.RSSKiB, s.DedupEntries)
	}
	if in := p.Integrity; in != nil {
		status := "OK"
		if !in.OK {
			status = "MISMATCH: " + strings.Join(in.Problems, "; ")
		}
		fmt.Fprintf(b, "integrity       %s (counted Δ %.0f want %s, duplicate Δ %.0f want %s, invalid Δ %.0f; %.0f counted records/s)\n",
			status, in.CountedDelta, span(in.WantCountedMin, in.WantCountedMax),
			in.DuplicateDelta, span(in.WantDuplicateMin, in.WantDuplicateMax), in.InvalidDelta, p.CountedPerSec)
	}
}

// joinCounts prints a count per kind as "k=v" pairs sorted by kind, so
// two runs' lines compare by eye.
func joinCounts[V int64 | float64](m map[string]V, format string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf(format, k, m[k])
	}
	return strings.Join(parts, " ")
}
