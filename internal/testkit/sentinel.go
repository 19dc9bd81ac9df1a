package testkit

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// StartSentinel runs `redis-server <conf> --sentinel` on a free loopback
// port, monitoring masterAddr as master with the given quorum, and waits
// until it names that master; killed at the end. A non-empty password is the
// sentinel's own requirepass. Short down-after and failover timeouts keep a
// test's failover within seconds.
func StartSentinel(t testing.TB, masterAddr, master string, quorum int, password string) string {
	t.Helper()
	bin := redisServer(t)
	addr := FreeAddr(t)
	host, port, _ := net.SplitHostPort(addr)
	mHost, mPort, _ := net.SplitHostPort(masterAddr)
	dir := t.TempDir()
	conf := fmt.Sprintf(`port %s
bind %s
daemonize no
protected-mode no
dir %s
sentinel monitor %s %s %s %d
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 5000
sentinel parallel-syncs %s 1
`, port, host, dir, master, mHost, mPort, quorum, master, master, master)
	if password != "" {
		conf += "requirepass " + password + "\n"
	}
	// The sentinel rewrites its config file, so it is its own.
	path := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &LogBuffer{}
	cmd := exec.Command(bin, path, "--sentinel")
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // only this child, by its own pid
		<-exited
		if t.Failed() {
			t.Logf("sentinel %s logs:\n%s", addr, logs.String())
		}
	})
	c := redis.NewSentinelClient(&redis.Options{Addr: addr, Password: password, Protocol: 2})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := c.GetMasterAddrByName(context.Background(), master).Result()
		if err == nil && len(a) == 2 && net.JoinHostPort(a[0], a[1]) == masterAddr {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("sentinel %s not monitoring %s within 10s: %v %v\n%s", addr, masterAddr, a, err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
