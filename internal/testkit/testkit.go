// Package testkit holds the few helpers that several test packages need to
// run the real exporter binary: build it once, find a free loopback port,
// and collect a child's output. Only tests import it.
package testkit

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// LogBuffer collects output written from several goroutines (a child
// process's stdout and stderr, a logger) and reads it safely meanwhile.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// FreeAddr returns a loopback address that was free a moment ago, on a
// port below the kernel's ephemeral range when there is room for one: a
// port the kernel hands out for a bind to port 0 (the demo's fake APIs, a
// client's outgoing connection) can then never be one a test has picked for
// a server that has not started listening yet.
func FreeAddr(t testing.TB) string {
	t.Helper()
	if lo := ephemeralLow(); lo > 11000 {
		for range 200 {
			port := 10000 + rand.IntN(lo-10000)
			if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
				addr := l.Addr().String()
				l.Close()
				return addr
			}
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux), or
// 0 when it cannot be read.
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil {
		return 0
	}
	return lo
}

// RepoRoot is the directory holding go.mod, found upwards from the test's
// working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// GoTool is the go command: from PATH, else the running toolchain's.
func GoTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// ExporterBinary builds the exporter from the repository root once per test
// process and returns its path. CleanupBinary removes it (call it from
// TestMain after m.Run).
func ExporterBinary(t testing.TB) string {
	t.Helper()
	root := RepoRoot(t)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "airudder-exporter-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "airudder_exporter")
		cmd := exec.Command(GoTool(), "build", "-o", binPath, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build of the exporter failed: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// CleanupBinary removes the binary ExporterBinary built, if any.
func CleanupBinary() {
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
}

// Main runs a package's tests (call it from TestMain) with TMPDIR set to a
// directory of their own, removed afterwards with everything in it: the
// binary ExporterBinary built, and what a child killed mid-run (an exporter
// in --demo mode, a Prometheus) created in its temporary directory.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "airudder-exporter-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Setenv("TMPDIR", dir); err != nil {
		fmt.Fprintln(os.Stderr, "testkit:", err)
		return 1
	}
	defer CleanupBinary()
	return m.Run()
}
