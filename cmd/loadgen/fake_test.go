package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
)

// TestMain lets the test binary stand in for the loadgen binary when it
// re-executes itself as a helper (--serve-baseline, --scrape-child).
func TestMain(m *testing.M) {
	if os.Getenv(niceChildEnv) != "" {
		os.Exit(niceChild())
	}
	if len(os.Args) > 1 && (os.Args[1] == "--serve-baseline" || os.Args[1] == "--scrape-child") {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// fakeExporter is a minimal stand-in for the exporter's receiver: it accepts
// both vendors' body shapes, deduplicates on the vendor id and exposes the
// self-metric the harness checks. Faults can be injected to prove the check
// catches them.
type fakeExporter struct {
	mu      sync.Mutex
	seen    map[string]bool
	counted map[string]int
	dup     map[string]int
	unique  int // unique records seen so far
	dups    int // duplicate records seen so far

	loseNth       int // when > 0: the n-th unique record is not counted (lost)
	doubleNth     int // when > 0: the n-th duplicate is counted again as a call
	pendingBefore int // pre-existing counted value, to prove deltas are used
}

func newFake() *fakeExporter {
	return &fakeExporter{seen: map[string]bool{}, counted: map[string]int{}, dup: map[string]int{}}
}

func (f *fakeExporter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/metrics":
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintln(w, "# HELP airudder_exporter_webhook_records_total Records in accepted bodies.")
		fmt.Fprintln(w, "# TYPE airudder_exporter_webhook_records_total counter")
		for _, src := range []string{"airudder", "laaffic"} {
			fmt.Fprintf(w, "airudder_exporter_webhook_records_total{outcome=\"counted\",source=%q} %d\n", src, f.counted[src]+f.pendingBefore)
			fmt.Fprintf(w, "airudder_exporter_webhook_records_total{outcome=\"duplicate\",source=%q} %d\n", src, f.dup[src])
		}
		return
	case "/-/healthy":
		fmt.Fprint(w, "ok\n")
		return
	case "/webhooks/airudder", "/webhooks/laaffic":
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	src := r.URL.Path[len("/webhooks/"):]
	ids, err := fakeIDs(src, b)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	for _, id := range ids {
		key := src + "/" + id
		if f.seen[key] {
			f.dups++
			if f.dups == f.doubleNth {
				f.counted[src]++
			} else {
				f.dup[src]++
			}
			continue
		}
		f.seen[key] = true
		f.unique++
		if f.unique != f.loseNth {
			f.counted[src]++
		}
	}
	f.mu.Unlock()
	io.WriteString(w, "{}")
}

// fakeIDs extracts the dedup ids the way the exporter is specified to.
func fakeIDs(src string, b []byte) ([]string, error) {
	if src == "airudder" {
		var body struct {
			Details []struct {
				CallID string `json:"call_id"`
			} `json:"details"`
		}
		if err := json.Unmarshal(b, &body); err != nil {
			return nil, err
		}
		var ids []string
		for _, d := range body.Details {
			ids = append(ids, d.CallID)
		}
		return ids, nil
	}
	type rec struct {
		VoiceID string `json:"voiceId"`
	}
	var recs []rec
	switch {
	case len(b) > 0 && b[0] == '[':
		if err := json.Unmarshal(b, &recs); err != nil {
			return nil, err
		}
	default:
		var obj struct {
			Array   []rec  `json:"array"`
			VoiceID string `json:"voiceId"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return nil, err
		}
		recs = obj.Array
		if obj.VoiceID != "" {
			recs = append(recs, rec{obj.VoiceID})
		}
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.VoiceID
	}
	return ids, nil
}

func startFake(t *testing.T, f *fakeExporter) string {
	t.Helper()
	srv := httptest.NewServer(f) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL
}
