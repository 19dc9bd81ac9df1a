package main

import (
	"context"
	"fmt"
	"io"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Exporter self-metrics the integrity check reads (docs/METRICS.md).
const (
	metricRecords  = "airudder_exporter_webhook_records_total"
	metricRequests = "airudder_exporter_webhook_requests_total"
	metricDedup    = "airudder_exporter_dedup_entries"
)

// Snapshot holds, for one source, the exporter's webhook counters by outcome.
// Missing series read as 0: a counter vector has no series before its first
// increment.
type Snapshot struct {
	Records  map[string]float64 // outcome (counted, duplicate, invalid) → value
	Requests map[string]float64 // outcome (accepted, overloaded, ...) → value
	// DedupEntries is the exporter's dedup memory size (gauge), for soaks.
	DedupEntries float64
}

// Scrape reads metricsURL once and extracts the counters of source.
func Scrape(ctx context.Context, client *http.Client, metricsURL, source string) (Snapshot, error) {
	snap := Snapshot{Records: map[string]float64{}, Requests: map[string]float64{}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return snap, err
	}
	// Ask for the classic text format: the parser below reads only that.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := client.Do(req)
	if err != nil {
		return snap, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return snap, fmt.Errorf("GET %s: status %d", metricsURL, resp.StatusCode)
	}
	return parseSnapshot(io.LimitReader(resp.Body, 64<<20), source)
}

func parseSnapshot(r io.Reader, source string) (Snapshot, error) {
	snap := Snapshot{Records: map[string]float64{}, Requests: map[string]float64{}}
	fams, err := parseText(r)
	if err != nil {
		return snap, fmt.Errorf("parsing /metrics: %w", err)
	}
	collect(fams[metricRecords], source, snap.Records)
	collect(fams[metricRequests], source, snap.Requests)
	if f := fams[metricDedup]; f != nil {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "source" && l.GetValue() == source && m.GetGauge() != nil {
					snap.DedupEntries = m.GetGauge().GetValue()
				}
			}
		}
	}
	return snap, nil
}

func collect(f *dto.MetricFamily, source string, into map[string]float64) {
	if f == nil {
		return
	}
	for _, m := range f.GetMetric() {
		var src, outcome string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "source":
				src = l.GetValue()
			case "outcome":
				outcome = l.GetValue()
			}
		}
		if src != source || m.GetCounter() == nil {
			continue
		}
		into[outcome] += m.GetCounter().GetValue()
	}
}

// Delta returns after-before for every outcome seen in either.
func Delta(before, after map[string]float64) map[string]float64 {
	d := map[string]float64{}
	for k, v := range after {
		d[k] = v - before[k]
	}
	for k, v := range before {
		if _, ok := after[k]; !ok {
			d[k] = -v
		}
	}
	return d
}

// parseText is the text format's parser, with its panics (prometheus/common
// v0.66 panics on some malformed input, such as "{}") turned into errors: a
// target that is no exporter must fail the run, not crash it.
func parseText(r io.Reader) (fams map[string]*dto.MetricFamily, err error) {
	defer func() {
		if p := recover(); p != nil {
			fams, err = nil, fmt.Errorf("malformed exposition: %v", p)
		}
	}()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(r)
}
