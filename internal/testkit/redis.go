package testkit

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Redis is a real redis-server (Debian package redis-server) run by a test
// on a free loopback port with its own temp dir, killed at the end.
type Redis struct {
	Addr string // 127.0.0.1:<port>
	Dir  string // working dir (AOF files when persistence is asked for)
	Logs *LogBuffer

	t      testing.TB
	args   []string
	cmd    *exec.Cmd
	exited chan struct{}
}

// redisServer is the redis-server binary; without it the test is skipped,
// except under CI=true where its absence is a failure.
func redisServer(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not installed (CI=true requires it: apt-get install redis-server)")
		}
		t.Skip("redis-server not installed; apt-get install redis-server to run this test")
	}
	return bin
}

// StartRedis starts redis-server with an empty --save (no RDB snapshots) plus
// extra (e.g. "--appendonly", "yes"). Without the binary the test is
// skipped, except under CI=true where its absence is a failure.
func StartRedis(t testing.TB, extra ...string) *Redis {
	t.Helper()
	bin := redisServer(t)
	addr := FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	r := &Redis{Addr: addr, Dir: t.TempDir(), Logs: &LogBuffer{}, t: t}
	r.args = append([]string{bin,
		"--port", port, "--bind", "127.0.0.1", "--save", "",
		"--dir", r.Dir, "--daemonize", "no", "--protected-mode", "no",
		"--logfile", "", "--loglevel", "warning",
	}, extra...)
	// Registered before Start, so a server that starts but never answers
	// is killed too.
	t.Cleanup(func() {
		r.Kill()
		if t.Failed() {
			t.Logf("redis-server logs:\n%s", r.Logs.String())
		}
	})
	r.Start()
	return r
}

// Start (re)starts the server on the same port and dir and waits until it
// answers PING (after loading any AOF).
func (r *Redis) Start() {
	r.t.Helper()
	r.cmd = exec.Command(r.args[0], r.args[1:]...)
	r.cmd.Dir = r.Dir
	r.cmd.Stdout, r.cmd.Stderr = r.Logs, r.Logs
	if err := r.cmd.Start(); err != nil {
		r.cmd = nil
		r.t.Fatal(err)
	}
	exited := make(chan struct{})
	r.exited = exited
	go func(c *exec.Cmd) { _ = c.Wait(); close(exited) }(r.cmd)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r.Ping() {
			return
		}
		select {
		case <-exited:
			r.t.Fatalf("redis-server exited at start:\n%s", r.Logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	r.t.Fatalf("redis-server not answering PING within 10s:\n%s", r.Logs.String())
}

// Kill sends SIGKILL (no shutdown save, like a crash) and waits for the
// exit. Safe to call when already stopped.
func (r *Redis) Kill() {
	if r.cmd == nil {
		return
	}
	select {
	case <-r.exited:
	default:
		_ = r.cmd.Process.Kill() // only this child, by its own pid
		<-r.exited
	}
}

// Ping reports whether the server answers PING: PONG, or NOAUTH from a
// server started with --requirepass (up, and asking for the password).
func (r *Redis) Ping() bool {
	reply, err := r.Do("PING")
	return err == nil && (reply == "+PONG" || strings.HasPrefix(reply, "-NOAUTH"))
}

// Do sends one inline command and returns the first reply line (e.g.
// "+PONG", ":42", "-ERR ..."; bulk replies return their "$n" header).
func (r *Redis) Do(args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", r.Addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(strings.Join(args, " ") + "\r\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimRight(line, "\r\n"), err
}
