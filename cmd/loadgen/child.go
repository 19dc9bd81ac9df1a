package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// Helper processes (the baseline server, the /metrics scraper) are this
// binary re-executed with an internal flag. The protocol is small: the child
// prints one line when ready, the parent closes the child's stdin to stop it,
// and the child may print a result before it exits.

// childMaxLifetime bounds a child even if its parent vanishes without
// closing the pipe.
const childMaxLifetime = 2 * time.Hour

type child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	rest  chan []byte // what the child printed after its ready line
}

// startChild runs this binary with args and waits (up to 10 s) for its ready
// line, which it returns.
func startChild(ctx context.Context, args ...string) (*child, string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", fmt.Errorf("locating own binary: %w", err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("starting child: %w", err)
	}
	c := &child{cmd: cmd, stdin: stdin, rest: make(chan []byte, 1)}
	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		s, _ := r.ReadString('\n')
		first <- s
		b, _ := io.ReadAll(io.LimitReader(r, 1<<20))
		c.rest <- b
	}()
	select {
	case s := <-first:
		return c, s, nil
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	c.stop()
	return nil, "", errors.New("child did not start within 10s")
}

// stop closes the child's stdin, waits for it to exit (killing it, by its own
// handle, after 5 s) and returns what it printed after the ready line.
func (c *child) stop() []byte {
	c.stdin.Close()
	var out []byte
	select {
	case out = <-c.rest:
	case <-time.After(5 * time.Second):
	}
	waited := make(chan struct{})
	go func() { c.cmd.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-waited
	}
	return out
}
