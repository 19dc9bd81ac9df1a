package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// niceSelf sets every thread of this process to nice n. On Linux a nice
// value is a thread's: each existing thread is set, and threads started
// later inherit it from the thread that starts them. Only ever raised
// (lowering needs privileges), and only once the children that must keep
// the caller's priority (the scraper) have been started.
func niceSelf(n int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("--load-nice: %w", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil {
			return fmt.Errorf("--load-nice: thread %d: %w", tid, err)
		}
	}
	return nil
}
