package receiver

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
)

// go-redis logs on its own (a sentinel's failed lookup with the sentinel
// connection's error, whose text the server chose and may quote its AUTH):
// the passwords of every Redis this process connects to are cut out of
// those lines too.
func TestRedisLibraryLogNeverQuotesThePasswords(t *testing.T) {
	const pass, sentinelPass = "data-pw-S3cr3t", "sentinel-pw-S3cr3t"
	cfg := config.Webhooks{Redis: config.Redis{
		Sentinel: &config.RedisSentinel{MasterName: "m", Addresses: []string{"127.0.0.1:1"}, Password: sentinelPass},
		Password: pass, KeyPrefix: "t:", Timeout: config.Duration(100 * time.Millisecond),
	}}
	r, err := New(cfg, Options{Registerer: prometheus.NewPedanticRegistry()}, testVendors()...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	var buf bytes.Buffer
	l := redisLogger{log.NewLogfmtLogger(&buf)}
	l.Printf(context.Background(), "sentinel: GetMasterAddrByName name=%q failed: %s", "m",
		"ERR unknown command 'auth', with args beginning with: '"+sentinelPass+"'")
	l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %v", 1,
		"ERR unknown command 'auth', with args beginning with: 'u' '"+pass+"'")
	out := buf.String()
	if strings.Contains(out, pass) || strings.Contains(out, sentinelPass) {
		t.Errorf("go-redis log quotes a password:\n%s", out)
	}
	if !strings.Contains(out, "GetMasterAddrByName") || !strings.Contains(out, "failed to dial") {
		t.Errorf("go-redis log lost its message:\n%s", out)
	}
}
