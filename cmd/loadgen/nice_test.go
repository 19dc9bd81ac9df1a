package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// niceChildEnv makes the test binary run niceChild (TestMain): niceSelf
// changes the whole process, so it runs in a process of its own.
const niceChildEnv = "LOADGEN_NICE_CHILD"

// niceChild starts a few threads, calls niceSelf(19), starts more, and prints
// each thread's nice value (19: raising is always allowed, whatever nice the tests run at).
func niceChild() int {
	block := make(chan struct{})
	started := make(chan struct{})
	spawn := func() {
		for i := 0; i < 4; i++ {
			go func() { started <- struct{}{}; <-block }()
			<-started
		}
	}
	spawn()
	if err := niceSelf(19); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	spawn()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces): nice is the 19th field of the line.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
		fmt.Println(f[16])
	}
	close(block)
	return 0
}

func TestNiceSelfSetsEveryThread(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), niceChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	lines := strings.Fields(string(out))
	if len(lines) < 2 {
		t.Fatalf("child printed %q, want one nice value per thread", out)
	}
	for _, l := range lines {
		if n, err := strconv.Atoi(l); err != nil || n != 19 {
			t.Errorf("a thread has nice %q, want 19 (all: %v)", l, lines)
		}
	}
}
