package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Sample is one soak observation of the exporter process.
type Sample struct {
	Seconds      float64 `json:"t_seconds"`
	RSSKiB       int64   `json:"rss_kib"`                 // VmRSS from /proc/<pid>/status; -1 if unreadable
	DedupEntries float64 `json:"dedup_entries,omitempty"` // airudder_exporter_dedup_entries{source}
}

// WatchProcess samples pid's resident set (and the exporter's dedup size)
// every interval until ctx is done, plus once at the start and at the end.
// A soak passes when both level off instead of growing with the records sent.
func WatchProcess(ctx context.Context, pid int, interval time.Duration, metricsURL, source string) []Sample {
	client := &http.Client{Transport: newTransport(1), Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	start := time.Now()
	sample := func() Sample {
		s := Sample{Seconds: time.Since(start).Seconds(), RSSKiB: readRSS(pid)}
		if snap, err := Scrape(context.WithoutCancel(ctx), client, metricsURL, source); err == nil {
			s.DedupEntries = snap.DedupEntries
		}
		return s
	}
	out := []Sample{sample()}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return append(out, sample())
		case <-t.C:
			out = append(out, sample())
		}
	}
}

// readRSS returns VmRSS in KiB, or -1.
func readRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			v, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return -1
			}
			return v
		}
	}
	return -1
}
