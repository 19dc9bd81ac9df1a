package dedup

import (
	"context"
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
	return newRESPServer(t, func(args []string) string {
		quoted := make([]string, 0, len(args)-1)
		for _, a := range args[1:] {
			quoted = append(quoted, "'"+a+"'")
		}
		return "-ERR unknown command '" + strings.ToLower(args[0]) + "', with args beginning with: " + strings.Join(quoted, " ") + "\r\n"
	}).addr
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
