// Command loadgen posts realistic AiRudder / LAAFFIC webhooks to a running
// airudder_exporter over keep-alive connections, reports throughput and
// latency, and then checks on the exporter's own /metrics that every record
// sent was counted exactly once and every re-sent record counted as a
// duplicate. With --baseline it first measures a bare net/http server under
// the same load, so the exporter's throughput can be stated as a ratio.
//
//	go run ./cmd/loadgen --target http://127.0.0.1:10133 --payload airudder-single --baseline
//
// Exit status: 0 all good, 1 integrity mismatch, 2 usage or setup error,
// 3 some deliveries failed (integrity otherwise fine).
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	exitOK        = 0
	exitIntegrity = 1
	exitUsage     = 2
	exitErrors    = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line.
type config struct {
	target, token, payload, metricsPath, runID string
	batch, concurrency                         int
	dupRatio, rate                             float64
	duration, timeout, settle                  time.Duration
	requests                                   int64
	jsonOut, scrapeLoad, baseline, allowRemote bool
	noCheck                                    bool
	repeat, watchPID                           int
	watchInterval                              time.Duration
	serveBaseline, scrapeChildURL              string
	scrapeInProcess                            bool
	scrapePath                                 string
	loadNice                                   int
}

// maxDuration caps a phase when only --requests was given, so no run is
// unbounded in time.
const maxDuration = 30 * time.Minute

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.target, "target", "http://127.0.0.1:10133", "exporter base URL (loopback only unless --allow-remote)")
	fs.StringVar(&c.token, "token", "", "webhook token, sent as Authorization: Bearer")
	fs.StringVar(&c.payload, "payload", KindAiRudderSingle, "payload kind: "+strings.Join(Kinds, ", "))
	fs.IntVar(&c.batch, "batch", 100, "records per body for airudder-multi, laaffic-array, laaffic-bare")
	fs.Float64Var(&c.dupRatio, "dup-ratio", 0, "share of deliveries (0..1) that re-send an earlier accepted body with the same ids")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "length of each load phase")
	fs.Int64Var(&c.requests, "requests", 0, "stop after this many deliveries (0: only --duration bounds; if --duration is not given it becomes a 30m cap)")
	fs.Float64Var(&c.rate, "rate", 0, "deliveries per second (0: as fast as the target answers)")
	fs.IntVar(&c.concurrency, "concurrency", 16, "parallel deliveries, each on its own keep-alive connection")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.DurationVar(&c.settle, "settle", 3*time.Second, "how long to keep re-reading /metrics while the counted records fall short (asynchronous recording)")
	fs.StringVar(&c.metricsPath, "metrics-path", "/metrics", "exporter telemetry path")
	fs.StringVar(&c.runID, "run-id", "", "8 digits embedded in every id (default: random, so repeated runs never collide in the exporter's dedup memory)")
	fs.BoolVar(&c.jsonOut, "json", false, "print the report as JSON")
	fs.BoolVar(&c.scrapeLoad, "scrape-load", false, "scrape /metrics every 100ms during the run and report its latency")
	fs.BoolVar(&c.baseline, "baseline", false, "first run the same load against a bare net/http server (child process) and report the exporter's throughput as a ratio")
	fs.IntVar(&c.repeat, "repeat", 1, "run everything this many times (fresh ids each time) and report the medians")
	fs.IntVar(&c.watchPID, "watch-pid", 0, "sample this process's VmRSS (and the exporter's dedup entries) during the exporter phase, for soak runs")
	fs.DurationVar(&c.watchInterval, "watch-interval", 10*time.Second, "sampling interval of --watch-pid")
	fs.BoolVar(&c.noCheck, "no-check", false, "do not read /metrics: skip the integrity check (for targets that are not the exporter)")
	fs.BoolVar(&c.allowRemote, "allow-remote", false, "allow a non-loopback --target")
	fs.StringVar(&c.scrapeChildURL, "scrape-child", "", "internal: scrape this /metrics URL every 100ms until stdin closes, then print the latencies as JSON")
	fs.BoolVar(&c.scrapeInProcess, "scrape-inprocess", false, "run --scrape-load inside the generator process instead of a child process")
	fs.StringVar(&c.scrapePath, "scrape-path", "", "path --scrape-load reads (default: --metrics-path); /-/healthy gives the machine's floor: the latency of an answer that renders nothing")
	fs.IntVar(&c.loadNice, "load-nice", 0, "run the load generator at this nice value (0..19; Linux), once the scraper child has started at the caller's: the kernel then runs the exporter and the scraper before the load it generates")
	fs.StringVar(&c.serveBaseline, "serve-baseline", "", "internal: serve the baseline receiver on this loopback address and exit when stdin closes")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "duration" })
	if c.requests > 0 && !durationSet {
		c.duration = maxDuration
	}
	switch {
	case c.serveBaseline != "":
		return c, nil
	case c.scrapeChildURL != "":
		u, err := url.Parse(c.scrapeChildURL)
		if err != nil || (!c.allowRemote && !isLoopbackHost(u.Hostname())) {
			return nil, fmt.Errorf("--scrape-child %q must be a loopback URL", c.scrapeChildURL)
		}
		return c, nil
	case c.concurrency < 1 || c.concurrency > 4096:
		return nil, fmt.Errorf("--concurrency must be 1..4096")
	case c.dupRatio < 0 || c.dupRatio >= 1:
		return nil, fmt.Errorf("--dup-ratio must be in [0,1)")
	case c.duration <= 0 || c.duration > 24*time.Hour:
		return nil, fmt.Errorf("--duration must be in (0, 24h]")
	case c.loadNice < 0 || c.loadNice > 19:
		return nil, fmt.Errorf("--load-nice must be 0..19")
	case c.loadNice > 0 && (c.baseline || c.repeat > 1):
		// A nice value is never lowered again: a later phase's children
		// (the bare server, the next scraper) would inherit it.
		return nil, fmt.Errorf("--load-nice runs one exporter phase: not with --baseline or --repeat")
	case c.repeat < 1 || c.repeat > 100:
		return nil, fmt.Errorf("--repeat must be 1..100")
	case c.watchPID < 0 || c.watchInterval < 100*time.Millisecond:
		return nil, fmt.Errorf("--watch-pid must not be negative and --watch-interval must be at least 100ms")
	case c.requests < 0 || c.rate < 0 || c.timeout <= 0 || c.settle < 0:
		return nil, fmt.Errorf("--requests, --rate, --settle must not be negative and --timeout must be positive")
	}
	if c.runID == "" {
		var b [8]byte
		rand.Read(b[:])
		c.runID = fmt.Sprintf("%08d", binary.LittleEndian.Uint64(b[:])%100_000_000)
	}
	u, err := url.Parse(c.target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--target %q must be an http(s) base URL", c.target)
	}
	if !c.allowRemote && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("--target %q is not a loopback address; pass --allow-remote to load a remote exporter", c.target)
	}
	c.target = strings.TrimRight(c.target, "/")
	return c, nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func checkLoopbackHostPort(addr string) error {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if !isLoopbackHost(h) {
		return fmt.Errorf("%q is not a loopback address", addr)
	}
	return nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if err != nil {
		if err != flag.ErrHelp {
			fmt.Fprintln(stderr, "loadgen:", err)
		}
		return exitUsage
	}
	if c.serveBaseline != "" {
		if err := serveBaseline(c.serveBaseline, stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "loadgen --serve-baseline:", err)
			return exitUsage
		}
		return exitOK
	}
	if c.scrapeChildURL != "" {
		if err := scrapeChild(c.scrapeChildURL, stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "loadgen --scrape-child:", err)
			return exitUsage
		}
		return exitOK
	}
	var reps []*Report
	for i := 0; i < c.repeat; i++ {
		runID := c.runID
		if i > 0 {
			runID = nextRunID(runID, i)
		}
		rep, err := runOnce(ctx, c, runID)
		if err != nil {
			fmt.Fprintln(stderr, "loadgen:", err)
			return exitUsage
		}
		if !c.jsonOut {
			if c.repeat > 1 {
				fmt.Fprintf(stdout, "---- run %d/%d\n", i+1, c.repeat)
			}
			if err := rep.WriteText(stdout); err != nil {
				fmt.Fprintln(stderr, "loadgen:", err)
			}
		}
		reps = append(reps, rep)
		if ctx.Err() != nil {
			break
		}
	}
	code := exitOK
	for _, r := range reps {
		code = worse(code, r.ExitCode)
	}
	var err2 error
	switch {
	case c.jsonOut && c.repeat == 1:
		err2 = reps[0].WriteJSON(stdout)
	case c.jsonOut:
		err2 = writeJSON(stdout, Summary{Runs: reps, Median: medians(reps), ExitCode: code})
	case c.repeat > 1:
		err2 = writeMedianText(stdout, medians(reps), code)
	}
	if err2 != nil {
		fmt.Fprintln(stderr, "loadgen:", err2)
	}
	return code
}

// worse orders exit codes by severity: integrity beats delivery errors.
func worse(a, b int) int {
	rank := map[int]int{exitOK: 0, exitErrors: 1, exitIntegrity: 2, exitUsage: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// nextRunID derives the id of repetition i; ids stay 8 digits and distinct.
func nextRunID(first string, i int) string {
	var n int
	fmt.Sscanf(first, "%d", &n)
	return fmt.Sprintf("%08d", (n+i)%100_000_000)
}

// runOnce is one run: the optional baseline phase, then the exporter phase.
func runOnce(ctx context.Context, c *config, runID string) (*Report, error) {
	gen, err := NewGenerator(c.payload, c.batch, runID)
	if err != nil {
		return nil, err
	}
	rep := &Report{
		Payload: c.payload, RecordsPerRequest: gen.PerRequest, Concurrency: c.concurrency, Rate: c.rate,
		DupRatio: c.dupRatio, RunID: runID, BodyBytes: len(gen.Fill(nil, 0)),
	}
	lo := LoadOptions{
		Token: c.token, Gen: gen, DupRatio: c.dupRatio, Duration: c.duration, Requests: c.requests,
		Rate: c.rate, Concurrency: c.concurrency, Timeout: c.timeout,
	}

	if c.baseline {
		base, pid, stopChild, err := startBaselineChild(ctx)
		if err != nil {
			return nil, err
		}
		bo := lo
		bo.URL = base + gen.Path
		cpu0, cpuOK := processCPU(pid)
		res, err := RunLoad(ctx, bo)
		cpu1, _ := processCPU(pid)
		stopChild()
		if err != nil {
			return nil, fmt.Errorf("baseline: %w", err)
		}
		rep.Baseline = phaseReport("baseline (child process, bare net/http)", bo.URL, res)
		// The bare server's CPU per request, so the exporter's (bench.sh
		// reads it from /proc the same way) has its peer figure.
		if cpuOK && res.OK > 0 {
			rep.Baseline.ServerCPUMicros = float64(cpu1-cpu0) / float64(time.Microsecond) / float64(res.OK)
		}
		// Let the machine quiet down between phases (TIME_WAIT, GC).
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}

	rep.Exporter, err = runExporterPhase(ctx, c, lo, gen)
	if err != nil {
		return nil, err
	}
	if rep.Baseline != nil && rep.Baseline.RequestsPerSec > 0 {
		rep.RatioRequests = rep.Exporter.RequestsPerSec / rep.Baseline.RequestsPerSec
		rep.RatioRecords = rep.Exporter.RecordsPerSec / rep.Baseline.RecordsPerSec
	}
	switch {
	case rep.Exporter.Integrity != nil && !rep.Exporter.Integrity.OK:
		rep.ExitCode = exitIntegrity
	case rep.Exporter.ErrorCount > 0:
		rep.ExitCode = exitErrors
	}
	return rep, nil
}

// runExporterPhase loads the exporter between two reads of its counters.
func runExporterPhase(ctx context.Context, c *config, lo LoadOptions, gen *Generator) (*PhaseReport, error) {
	metricsURL := c.target + c.metricsPath
	scrapeURL := metricsURL
	if c.scrapePath != "" {
		scrapeURL = c.target + c.scrapePath
	}
	mc := &http.Client{Transport: newTransport(1), Timeout: 30 * time.Second}
	defer mc.CloseIdleConnections()
	lo.URL = c.target + gen.Path
	if c.noCheck {
		res, err := RunLoad(ctx, lo)
		if err != nil {
			return nil, err
		}
		return phaseReport("target (unchecked)", lo.URL, res), nil
	}
	before, err := Scrape(ctx, mc, metricsURL, gen.Source)
	if err != nil {
		return nil, fmt.Errorf("reading counters before the run (is the exporter up?): %w", err)
	}

	var (
		scrape      *ScrapeReport
		stopScraper func() (*ScrapeReport, error)
		samples     []Sample
		bg          sync.WaitGroup
	)
	loadCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	switch {
	case c.scrapeLoad && c.scrapeInProcess:
		bg.Add(1)
		go func() { defer bg.Done(); scrape = scrapeReport(ScrapeLoop(loadCtx, scrapeURL)) }()
	case c.scrapeLoad:
		if stopScraper, err = startScrapeChild(ctx, scrapeURL, c.allowRemote); err != nil {
			return nil, err
		}
	}
	if c.loadNice > 0 {
		if err := niceSelf(c.loadNice); err != nil {
			return nil, err
		}
	}
	if c.watchPID > 0 {
		bg.Add(1)
		go func() {
			defer bg.Done()
			samples = WatchProcess(loadCtx, c.watchPID, c.watchInterval, metricsURL, gen.Source)
		}()
	}
	res, err := RunLoad(ctx, lo)
	stopBackground()
	bg.Wait()
	if stopScraper != nil {
		var serr error
		if scrape, serr = stopScraper(); serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return nil, err
	}
	p := phaseReport("exporter", lo.URL, res)
	p.Scrape = scrape
	p.Samples = samples

	// The exporter may record after answering; re-read while short, bounded.
	var in Integrity
	var after Snapshot
	deadline := time.Now().Add(c.settle)
	for attempt := 0; attempt < 1000; attempt++ {
		after, err = Scrape(context.WithoutCancel(ctx), mc, metricsURL, gen.Source)
		if err != nil {
			return nil, fmt.Errorf("reading counters after the run: %w", err)
		}
		in = CheckIntegrity(before, after, res)
		if in.OK || !in.shortfall() || !time.Now().Before(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Integrity = &in
	p.ExporterRequests = Delta(before.Requests, after.Requests)
	if secs := res.Elapsed.Seconds(); secs > 0 {
		p.CountedPerSec = in.CountedDelta / secs
	}
	return p, nil
}
