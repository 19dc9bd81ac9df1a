package dedup

import (
	"bufio"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRedis is a RESP2 server that answers PING with PONG, the claim and
// release scripts (EVALSHA) with evalReply, and anything else (HELLO,
// CLIENT ...) with an error, as an old Redis would. It records the
// commands it got, so a test can see whether a release was sent.
type fakeRedis struct {
	addr string
	mu   sync.Mutex
	cmds []string
}

func newFakeRedis(t *testing.T, evalReply string) *fakeRedis {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeRedis{addr: l.Addr().String()}
	// The accept loop holds a count of its own, so a connection's Add
	// never races Cleanup's Wait at zero.
	var conns sync.WaitGroup
	t.Cleanup(func() { l.Close(); conns.Wait() })
	conns.Add(1)
	go func() {
		defer conns.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer conns.Done()
				defer c.Close()
				f.serve(c, evalReply)
			}()
		}
	}()
	return f
}

func (f *fakeRedis) serve(c net.Conn, evalReply string) {
	br := bufio.NewReader(c)
	for {
		args, err := readCommand(br)
		if err != nil {
			return
		}
		cmd := strings.ToUpper(args[0])
		f.mu.Lock()
		f.cmds = append(f.cmds, cmd)
		f.mu.Unlock()
		reply := "-ERR unknown command\r\n"
		switch cmd {
		case "PING":
			reply = "+PONG\r\n"
		case "EVALSHA", "EVAL":
			reply = evalReply
		}
		if _, err := c.Write([]byte(reply)); err != nil {
			return
		}
	}
}

// evals counts the scripts run so far (claims and releases).
func (f *fakeRedis) evals() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.cmds {
		if c == "EVALSHA" || c == "EVAL" {
			n++
		}
	}
	return n
}

// readCommand reads one RESP array of bulk strings.
func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil || n < 1 {
		return nil, net.ErrClosed
	}
	args := make([]string, n)
	for i := range args {
		if _, err := br.ReadString('\n'); err != nil { // $<len>
			return nil, err
		}
		a, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		args[i] = strings.TrimRight(a, "\r\n")
	}
	return args, nil
}

// A claim reply holding a code the claim script never returns (a proxy or
// a server that is not Redis, a script mix-up) says nothing about the key:
// it must fail the claim (503, the vendor retries, the keys are released)
// rather than read as "duplicate", which answers 200 and drops the record
// uncounted.
func TestRedisClaimUnknownReplyCodeIsAnError(t *testing.T) {
	for name, reply := range map[string]string{
		"code 7":     "*2\r\n:7\r\n:1\r\n",
		"code -1":    "*2\r\n:1\r\n:-1\r\n",
		"code 3":     "*2\r\n:3\r\n:0\r\n",
		"code 1 / 0": "*2\r\n:1\r\n:0\r\n", // control: a valid reply
	} {
		t.Run(name, func(t *testing.T) {
			f := newFakeRedis(t, reply)
			r := NewRedis(RedisOptions{Address: f.addr, Timeout: 2 * time.Second})
			t.Cleanup(func() { _ = r.Close() })
			s := r.Store("fake:", "laaffic", time.Hour)
			fresh := make([]bool, 2)
			_, err := s.Claim(context.Background(), []string{"a", "b"}, time.Now(), fresh)
			if name == "code 1 / 0" {
				if err != nil || !fresh[0] || fresh[1] {
					t.Fatalf("valid reply: fresh %v, err %v; want [true false] and no error", fresh, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("claim answered %q: fresh %v and no error; want an error (nothing counted, the vendor retries)", reply, fresh)
			}
			if got := ErrorReason(err); got != "redis_error" {
				t.Errorf("ErrorReason(%v) = %q, want redis_error", err, got)
			}
			// The script may have claimed keys: they are released by token.
			if n := f.evals(); n != 2 {
				t.Errorf("%d scripts sent, want 2 (the claim, then its release)", n)
			}
		})
	}
}
