package dedup

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoRedis answers every command with the error Redis gives an unknown
// one, which quotes the command's arguments ("ERR unknown command 'auth',
// with args beginning with: '<password>'"): a server or proxy without AUTH
// answers the connection's own AUTH so.
func echoRedis(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Cleanup closes the connections the client left open (its pool), so
	// that no reader outlives the test.
	var (
		conns sync.WaitGroup
		mu    sync.Mutex
		open  []net.Conn
	)
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range open {
			c.Close()
		}
		mu.Unlock()
		conns.Wait()
	})
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					args, err := readCommand(br)
					if err != nil {
						return
					}
					quoted := make([]string, 0, len(args)-1)
					for _, a := range args[1:] {
						quoted = append(quoted, "'"+a+"'")
					}
					reply := "-ERR unknown command '" + args[0] + "', with args beginning with: " + strings.Join(quoted, " ") + "\r\n"
					if _, err := c.Write([]byte(reply)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// The errors of the Redis store end up in logs and in the start error; a
// server's error text may quote the AUTH command, so the configured
// passwords are cut out of it, while the error still classifies as a
// Redis error.
func TestRedisErrorsNeverQuoteThePassword(t *testing.T) {
	const password = "redis-pw-S3cr3t"
	var mu sync.Mutex
	var reported []error
	report := func(_ int, err error) {
		mu.Lock()
		defer mu.Unlock()
		reported = append(reported, err)
	}
	r := NewRedis(RedisOptions{
		Address: echoRedis(t), Username: "exporter", Password: password,
		Timeout: 2 * time.Second, healthyPeriod: time.Hour, unhealthyPeriod: time.Hour,
		OnReleaseError: report, OnConfirmError: report,
	})
	defer r.Close()

	errs := map[string]error{}
	errs["ping"] = r.Ping(context.Background())
	s := r.Store("k:", "airudder", time.Hour)
	_, errs["claim"] = s.Claim(context.Background(), []string{"a"}, time.Now(), make([]bool, 1))
	errs["confirm"] = s.Confirm(context.Background(), Ticket{keys: []string{"k:airudder:a"}, fresh: []bool{true}, token: "t"})
	errs["release"] = s.Release(context.Background(), Ticket{keys: []string{"k:airudder:a"}, fresh: []bool{true}, token: "t"})
	mu.Lock()
	for i, err := range reported {
		errs["reported "+string(rune('0'+i))] = err
	}
	mu.Unlock()
	for what, err := range errs {
		if err == nil {
			t.Errorf("%s: no error from a server that refuses every command", what)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("%s: error quotes the password: %q", what, err)
		}
		if got := ErrorReason(err); got != "redis_error" {
			t.Errorf("%s: ErrorReason = %q, want redis_error (%v)", what, got, err)
		}
	}
}
