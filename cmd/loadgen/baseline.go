package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// The baseline is the cheapest possible webhook receiver: a bare net/http
// server that reads each body and answers {}. Running the same load against
// it and against the exporter in one invocation turns the exporter's
// throughput into a ratio that is comparable across machines and noisy
// neighbours. It runs in a child process (this binary re-executed with
// --serve-baseline) so it is scheduled like the exporter is: its own process,
// its own GOMAXPROCS and garbage collector, not sharing the generator's.

const baselineReady = "baseline listening on "

func baselineHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, io.LimitReader(r.Body, 64<<20)); err != nil {
			http.Error(w, "read error", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	})
}

// serveBaseline is the --serve-baseline subcommand. It announces its address
// on stdout and serves until stdin is closed (the parent exited or is done).
func serveBaseline(addr string, stdin io.Reader, stdout io.Writer) error {
	if err := checkLoopbackHostPort(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: baselineHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	fmt.Fprintln(stdout, baselineReady+ln.Addr().String())
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin) // returns when the parent closes the pipe
		close(done)
	}()
	go func() {
		select {
		case <-done:
		case <-time.After(childMaxLifetime):
		}
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startBaselineChild re-executes this binary as a baseline server and returns
// its base URL, its pid (for its CPU time) and a stop function.
func startBaselineChild(ctx context.Context) (string, int, func(), error) {
	ch, first, err := startChild(ctx, "--serve-baseline", "127.0.0.1:0")
	if err != nil {
		return "", 0, nil, fmt.Errorf("baseline: %w", err)
	}
	if !strings.HasPrefix(first, baselineReady) {
		ch.stop()
		return "", 0, nil, fmt.Errorf("baseline: child said %q", first)
	}
	return "http://" + strings.TrimSpace(strings.TrimPrefix(first, baselineReady)), ch.cmd.Process.Pid, func() { ch.stop() }, nil
}

// processCPU is a process's user+system CPU time from /proc/<pid>/stat
// (fields 14 and 15, in USER_HZ = 100 ticks per second on Linux); false
// where there is no /proc.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	// The command name (field 2) may hold spaces; fields follow its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(u+s) * (time.Second / 100), true
}
