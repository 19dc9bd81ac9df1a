package main

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// processCPU reads this process's CPU time: burning ~200 ms of CPU on one
// goroutine must show as at least 100 ms and at most the wall time spent
// on every core.
func TestProcessCPUCountsOwnWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	c0, ok := processCPU(os.Getpid())
	if !ok {
		t.Fatal("processCPU of own pid: no figure")
	}
	start := time.Now()
	x := 0
	for time.Since(start) < 200*time.Millisecond {
		x++
	}
	wall := time.Since(start)
	c1, _ := processCPU(os.Getpid())
	d := c1 - c0
	if d < 100*time.Millisecond || d > wall*time.Duration(runtime.NumCPU())+20*time.Millisecond {
		t.Fatalf("CPU %v for %v of spinning (x=%d)", d, wall, x)
	}
	if _, ok := processCPU(-1); ok {
		t.Fatal("processCPU(-1) reported a figure")
	}
}
