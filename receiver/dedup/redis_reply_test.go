package dedup

import (
	"context"
	"testing"
	"time"
)

// newFakeRedis is a Redis that answers PING with PONG, the claim and
// release scripts (EVALSHA) with evalReply, and anything else (HELLO,
// CLIENT ...) with an error, as an old Redis would.
func newFakeRedis(t *testing.T, evalReply string) *respServer {
	return newRESPServer(t, func(args []string) string {
		switch args[0] {
		case "PING":
			return "+PONG\r\n"
		case "EVALSHA", "EVAL":
			return evalReply
		}
		return unknownCommand
	})
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
			if n := f.scripts(); n != 2 {
				t.Errorf("%d scripts sent, want 2 (the claim, then its release)", n)
			}
		})
	}
}
