package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// runJSON runs the harness with --json and decodes the report.
func runJSON(t *testing.T, args ...string) (int, Report, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append(args, "--json", "--settle", "0"), strings.NewReader(""), &out, &errb)
	var rep Report
	if code != exitUsage {
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("report is not JSON (exit %d): %v\n%s\nstderr: %s", code, err, out.String(), errb.String())
		}
	}
	return code, rep, errb.String()
}

// runAgainstFake runs loadgen with args against a correct fake exporter and
// fails the test unless the run exits 0.
func runAgainstFake(t *testing.T, args ...string) Report {
	t.Helper()
	url := startFake(t, newFake())
	code, rep, stderr := runJSON(t, append([]string{"--target", url}, args...)...)
	if code != exitOK {
		t.Fatalf("exit %d; stderr %s", code, stderr)
	}
	return rep
}

func TestIntegrityPassesAgainstCorrectExporter(t *testing.T) {
	for _, kind := range Kinds {
		t.Run(kind, func(t *testing.T) {
			f := newFake()
			f.pendingBefore = 7 // counters that existed before the run must not matter
			url := startFake(t, f)
			code, rep, stderr := runJSON(t, "--target", url, "--payload", kind, "--batch", "5",
				"--requests", "300", "--concurrency", "4", "--dup-ratio", "0.2")
			if code != exitOK {
				t.Fatalf("exit %d, want 0; stderr %s; integrity %+v", code, stderr, rep.Exporter.Integrity)
			}
			p := rep.Exporter
			if p.Requests != 300 || p.OK != 300 {
				t.Errorf("requests %d ok %d, want 300/300", p.Requests, p.OK)
			}
			if p.DupRecordsOK == 0 || p.UniqueRecordsOK == 0 {
				t.Errorf("want both unique and duplicate records, got %d/%d", p.UniqueRecordsOK, p.DupRecordsOK)
			}
			if !p.Integrity.OK || p.Integrity.CountedDelta != float64(p.UniqueRecordsOK) ||
				p.Integrity.DuplicateDelta != float64(p.DupRecordsOK) {
				t.Errorf("integrity %+v, sent unique %d dup %d", p.Integrity, p.UniqueRecordsOK, p.DupRecordsOK)
			}
			if p.RecordsOK != p.OK*int64(rep.RecordsPerRequest) {
				t.Errorf("records %d != ok %d × %d", p.RecordsOK, p.OK, rep.RecordsPerRequest)
			}
		})
	}
}

func TestIntegrityFailsWhenExporterLosesARecord(t *testing.T) {
	f := newFake()
	f.loseNth = 50
	url := startFake(t, f)
	code, rep, _ := runJSON(t, "--target", url, "--payload", KindLaafficArray, "--batch", "10",
		"--requests", "100", "--concurrency", "2")
	if code != exitIntegrity {
		t.Fatalf("exit %d, want %d (integrity)", code, exitIntegrity)
	}
	in := rep.Exporter.Integrity
	if in.OK || in.CountedDelta != float64(in.WantCountedMin-1) {
		t.Errorf("integrity %+v, want counted one short", in)
	}
	if len(in.Problems) != 1 || !strings.Contains(in.Problems[0], "counted") {
		t.Errorf("problems %q, want one about counted records", in.Problems)
	}
}

func TestIntegrityFailsWhenExporterCountsADuplicate(t *testing.T) {
	f := newFake()
	f.doubleNth = 3
	url := startFake(t, f)
	code, rep, _ := runJSON(t, "--target", url, "--payload", KindAiRudderSingle,
		"--requests", "200", "--concurrency", "2", "--dup-ratio", "0.3")
	if code != exitIntegrity {
		t.Fatalf("exit %d, want %d (integrity)", code, exitIntegrity)
	}
	in := rep.Exporter.Integrity
	if in.OK || in.CountedDelta != float64(in.WantCountedMin+1) || in.DuplicateDelta != float64(in.WantDuplicateMin-1) {
		t.Errorf("integrity %+v, want one duplicate counted as a call", in)
	}
	if len(in.Problems) != 2 {
		t.Errorf("problems %q, want counted and duplicate mismatches", in.Problems)
	}
}

func TestBaselineModeReportsRatio(t *testing.T) {
	rep := runAgainstFake(t, "--payload", KindLaafficSingle,
		"--duration", "300ms", "--concurrency", "2", "--baseline", "--scrape-load")
	if rep.Baseline == nil || rep.Baseline.OK == 0 || rep.Baseline.Integrity != nil {
		t.Fatalf("baseline phase %+v: want requests and no integrity check", rep.Baseline)
	}
	if rep.RatioRequests <= 0 {
		t.Errorf("ratio %v, want > 0", rep.RatioRequests)
	}
	if rep.Exporter.Scrape == nil || rep.Exporter.Scrape.Scrapes == 0 || rep.Exporter.Scrape.Errors != 0 {
		t.Errorf("scrape-load %+v, want scrapes without errors", rep.Exporter.Scrape)
	}
}

func TestFixedRateIsHonoured(t *testing.T) {
	// 200/s for 400 ms schedules exactly 80 slots; none may be sent early.
	rep := runAgainstFake(t, "--payload", KindLaafficSingle,
		"--duration", "400ms", "--rate", "200", "--concurrency", "4")
	if n := rep.Exporter.Requests; n < 1 || n > 80 {
		t.Errorf("sent %d deliveries, want 1..80", n)
	}
}

func TestDeliveryErrorsAreReported(t *testing.T) {
	f := newFake()
	var n atomic.Int64
	// Every third delivery is refused with 503 before the fake sees it, as an
	// overloaded exporter would: reported as an error, not expected counted.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" && n.Add(1)%3 == 0 {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	code, rep, _ := runJSON(t, "--target", srv.URL, "--payload", KindLaafficSingle, "--requests", "30", "--concurrency", "1")
	if code != exitErrors {
		t.Fatalf("exit %d, want %d", code, exitErrors)
	}
	p := rep.Exporter
	if p.Errors["status_503"] != 10 || p.OK != 20 || !p.Integrity.OK {
		t.Errorf("errors %v ok %d integrity %+v; want 10×503, 20 ok, integrity intact", p.Errors, p.OK, p.Integrity)
	}
}

func TestRefusesNonLoopbackTarget(t *testing.T) {
	for _, target := range []string{"http://10.0.0.1:9", "http://example.com", "ftp://127.0.0.1"} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"--target", target}, strings.NewReader(""), &out, &errb); code != exitUsage {
			t.Errorf("%s: exit %d, want %d", target, code, exitUsage)
		}
	}
	if _, err := parseFlags([]string{"--target", "http://10.0.0.1:9", "--allow-remote"}, &bytes.Buffer{}); err != nil {
		t.Errorf("--allow-remote: %v", err)
	}
	for _, ok := range []string{"http://127.0.0.1:1", "http://[::1]:1", "http://localhost:1"} {
		if _, err := parseFlags([]string{"--target", ok}, &bytes.Buffer{}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

func TestParseSnapshotReadsOnlyTheSource(t *testing.T) {
	text := `# TYPE airudder_exporter_webhook_records_total counter
airudder_exporter_webhook_records_total{source="airudder",outcome="counted"} 12
airudder_exporter_webhook_records_total{source="airudder",outcome="duplicate"} 3
airudder_exporter_webhook_records_total{source="laaffic",outcome="counted"} 99
# TYPE airudder_exporter_webhook_requests_total counter
airudder_exporter_webhook_requests_total{source="airudder",outcome="accepted"} 10
airudder_exporter_webhook_requests_total{source="airudder",outcome="overloaded"} 2
`
	s, err := parseSnapshot(strings.NewReader(text), "airudder")
	if err != nil {
		t.Fatal(err)
	}
	if s.Records["counted"] != 12 || s.Records["duplicate"] != 3 || s.Records["invalid"] != 0 {
		t.Errorf("records %v", s.Records)
	}
	if s.Requests["accepted"] != 10 || s.Requests["overloaded"] != 2 {
		t.Errorf("requests %v", s.Requests)
	}
	// "{}" is what a JSON server (the bare baseline) answers; the text
	// parser of prometheus/common v0.66 panics on it.
	for _, garbage := range []string{"not { metrics", "{}"} {
		if _, err := parseSnapshot(strings.NewReader(garbage), "airudder"); err == nil {
			t.Errorf("%q parsed without error", garbage)
		}
	}
}

func TestRepeatReportsMediansAndFreshIDs(t *testing.T) {
	f := newFake()
	url := startFake(t, f)
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"--target", url, "--payload", KindLaafficBare, "--batch", "3",
		"--requests", "20", "--concurrency", "2", "--repeat", "3", "--run-id", "00000042", "--json",
		"--watch-pid", strconv.Itoa(os.Getpid()), "--watch-interval", "100ms"}, strings.NewReader(""), &out, &errb)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var s Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 3 || s.Median.Runs != 3 || s.Median.RecordsPerSec <= 0 {
		t.Fatalf("summary %+v", s.Median)
	}
	// Each run must send fresh ids, or the 2nd and 3rd would be all duplicates.
	ids := map[string]bool{}
	for _, r := range s.Runs {
		ids[r.RunID] = true
		if r.Exporter.Integrity.CountedDelta != 60 || r.Exporter.Integrity.DuplicateDelta != 0 {
			t.Errorf("run %s: integrity %+v, want 60 counted", r.RunID, r.Exporter.Integrity)
		}
		if len(r.Exporter.Samples) < 2 || r.Exporter.Samples[0].RSSKiB <= 0 {
			t.Errorf("run %s: samples %+v, want start and end RSS", r.RunID, r.Exporter.Samples)
		}
	}
	if len(ids) != 3 {
		t.Errorf("run ids %v, want 3 distinct", ids)
	}
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{9, 1, 5}, 5}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestScrapeLoadInProcess(t *testing.T) {
	rep := runAgainstFake(t, "--payload", KindAiRudderMulti, "--batch", "2",
		"--duration", "350ms", "--concurrency", "2", "--scrape-load", "--scrape-inprocess")
	if s := rep.Exporter.Scrape; s == nil || s.Scrapes < 1 || s.Errors != 0 || s.Bytes == 0 || s.P99Ms <= 0 {
		t.Errorf("scrape-load %+v, want scrapes without errors", s)
	}
}

func TestScrapePathIsWhatTheScraperReads(t *testing.T) {
	rep := runAgainstFake(t, "--payload", KindAiRudderSingle, "--duration", "350ms", "--concurrency", "2",
		"--scrape-load", "--scrape-inprocess", "--scrape-path", "/-/healthy")
	if s := rep.Exporter.Scrape; s == nil || s.Scrapes < 1 || s.Errors != 0 || s.Bytes != int64(len("ok\n")) {
		t.Errorf("scrape-load %+v, want scrapes of /-/healthy (3 bytes) without errors", s)
	}
	if !rep.Exporter.Integrity.OK {
		t.Errorf("integrity %+v: the counters must still be read from /metrics", rep.Exporter.Integrity)
	}
}

func TestLoadNiceIsRefusedWhereItWouldLeak(t *testing.T) {
	for _, args := range [][]string{
		{"--load-nice", "20"},
		{"--load-nice", "-1"},
		{"--load-nice", "5", "--baseline"},
		{"--load-nice", "5", "--repeat", "2"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	if _, err := parseFlags([]string{"--load-nice", "10", "--scrape-load"}, &bytes.Buffer{}); err != nil {
		t.Errorf("--load-nice 10 --scrape-load: %v", err)
	}
}
