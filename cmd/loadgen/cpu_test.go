package main

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// processCPU reads this process's CPU time: spinning must make it grow
// (within 10 s, however busy the machine), and never faster than the wall
// time on every core.
func TestProcessCPUCountsOwnWork(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	c0, ok := processCPU(os.Getpid())
	if !ok {
		t.Fatal("processCPU of own pid: no figure")
	}
	start := time.Now()
	var d time.Duration
	for x := 0; d < 50*time.Millisecond; x++ {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("CPU time grew by %v in 10 s of spinning", d)
		}
		if x%1_000_000 == 0 {
			c1, _ := processCPU(os.Getpid())
			d = c1 - c0
		}
	}
	if wall := time.Since(start); d > wall*time.Duration(runtime.NumCPU())+20*time.Millisecond {
		t.Fatalf("CPU %v in %v of wall time on %d cores", d, wall, runtime.NumCPU())
	}
	if _, ok := processCPU(-1); ok {
		t.Fatal("processCPU(-1) reported a figure")
	}
}
