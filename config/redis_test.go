package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// Without an address nothing about Redis is defaulted or validated, so an
// existing config means exactly what it did before.
func TestRedisAbsentMeansLocalDedup(t *testing.T) {
	c := mustParse(t, "webhooks: {token: t}\n")
	if c.Webhooks.Redis.Enabled() || !reflect.DeepEqual(c.Webhooks.Redis, Redis{}) {
		t.Errorf("redis = %#v, want the zero value", c.Webhooks.Redis)
	}
}

func TestRedisDefaults(t *testing.T) {
	c := mustParse(t, "webhooks:\n  redis: {address: 127.0.0.1:6379}\n")
	r := c.Webhooks.Redis
	if !r.Enabled() || r.Timeout.D() != DefaultRedisTimeout || r.KeyPrefix != DefaultRedisKeyPrefix || r.DB != 0 || r.TLS != nil {
		t.Errorf("defaults not applied: %#v", r)
	}
	tc, err := r.TLSConfig()
	if err != nil || tc != nil {
		t.Errorf("TLSConfig() = %v, %v; want nil, nil without a tls block", tc, err)
	}
}

// Sentinel and Cluster are each a whole way to reach Redis: defaults apply
// as with address, and TLS verifies each dialed host rather than one name.
func TestRedisSentinelAndCluster(t *testing.T) {
	for _, name := range []string{"valid-redis-sentinel.yml", "valid-redis-cluster.yml"} {
		c, err := Load("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		r := c.Webhooks.Redis
		if !r.Enabled() || r.Address != "" || r.Timeout.D() != DefaultRedisTimeout || r.KeyPrefix != DefaultRedisKeyPrefix {
			t.Errorf("%s: %#v, want enabled with defaults", name, r)
		}
		tlsCfg, err := r.TLSConfig()
		if err != nil || tlsCfg == nil || tlsCfg.ServerName != "" {
			t.Errorf("%s: TLSConfig() = %#v, %v; want a config without a fixed ServerName", name, tlsCfg, err)
		}
	}
	c, _ := Load("testdata/valid-redis-sentinel.yml")
	if s := c.Webhooks.Redis.Sentinel; s == nil || s.MasterName != "exporter-dedup" || len(s.Addresses) != 3 || c.Webhooks.Redis.Password != "pass" ||
		s.Username != "sentinel-user" || s.Password != "sentinel-pass" {
		t.Errorf("sentinel = %#v", s)
	}
	c, _ = Load("testdata/valid-redis-cluster.yml")
	if a := c.Webhooks.Redis.ClusterAddresses; len(a) != 2 || a[1] != "redis-1.redis:6379" {
		t.Errorf("cluster_addresses = %q", a)
	}
}

func TestRedisBounds(t *testing.T) {
	cases := []struct {
		kv      string
		wantErr string
	}{
		{"timeout: 10ms", ""},
		{"timeout: 30s", ""},
		{"timeout: 9ms", "redis.timeout must be between"},
		{"timeout: 31s", "redis.timeout must be between"},
		{"timeout: -1s", "redis.timeout must be between"},
		{"db: 15", ""},
		{"key_prefix: " + strings.Repeat("k", 64), ""},
		{"key_prefix: " + strings.Repeat("k", 65), "key_prefix"},
		{`key_prefix: "tab\there"`, "key_prefix"},
		{`key_prefix: "é:"`, "key_prefix"},
	}
	for _, tc := range cases {
		src := "webhooks:\n  redis: {address: 'localhost:6379', " + tc.kv + "}\n"
		_, err := Parse([]byte(src))
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.kv, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: err = %v, want %q", tc.kv, err, tc.wantErr)
		}
	}
	for _, addr := range []string{"[::1]:6379", "redis.example.com:6380"} {
		if _, err := Parse([]byte("webhooks:\n  redis: {address: '" + addr + "'}\n")); err != nil {
			t.Errorf("address %s rejected: %v", addr, err)
		}
	}
	for _, addr := range []string{":6379", "host:0", "host:70000", "host:port", "redis://host:6379"} {
		if _, err := Parse([]byte("webhooks:\n  redis: {address: '" + addr + "'}\n")); err == nil {
			t.Errorf("address %s accepted", addr)
		}
	}
}

func TestRedisTLSConfig(t *testing.T) {
	c := mustLoad(t, "valid-full.yml")
	tc, err := c.Webhooks.Redis.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if tc.ServerName != "redis.internal" || tc.RootCAs == nil || len(tc.Certificates) != 1 || tc.InsecureSkipVerify {
		t.Errorf("TLS config from valid-full.yml: server %q, roots %v, %d certs, insecure %v",
			tc.ServerName, tc.RootCAs != nil, len(tc.Certificates), tc.InsecureSkipVerify)
	}
	// An empty tls block means TLS with the system roots (managed Redis).
	c = mustParse(t, "webhooks:\n  redis:\n    address: cache.example.com:6380\n    tls: {}\n")
	if tc, err = c.Webhooks.Redis.TLSConfig(); err != nil || tc == nil || tc.RootCAs != nil || tc.ServerName != "cache.example.com" {
		t.Errorf("empty tls block: %+v, %v", tc, err)
	}
	for name, block := range map[string]string{
		"ca_file not PEM": "{ca_file: testdata/secrets/token.txt}",
		"ca_file missing": "{ca_file: testdata/secrets/nope.crt}",
		"key not a key":   "{cert_file: testdata/secrets/redis_client.crt, key_file: testdata/secrets/token.txt}",
		"key without crt": "{key_file: testdata/secrets/redis_client.key}",
	} {
		_, err := Parse([]byte("webhooks:\n  redis:\n    address: h:1\n    tls: " + block + "\n"))
		if err == nil || !strings.Contains(err.Error(), "webhooks.redis.tls: ") {
			t.Errorf("%s: err = %v, want a webhooks.redis.tls error", name, err)
		}
	}
}

// The Redis password is a Secret like the others: no dump shows it.
func TestRedisPasswordNeverPrinted(t *testing.T) {
	c := mustParse(t, "webhooks:\n  redis: {address: 'h:1', username: u, password: "+leak+"}\n")
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		if out := fmt.Sprintf(f, c); strings.Contains(out, leak) {
			t.Errorf("fmt %s reveals the redis password: %s", f, out)
		}
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"yaml": y, "json": j} {
		// encoding/json escapes "<" and ">".
		if strings.Contains(string(out), leak) || !(strings.Contains(string(out), "<secret>") || strings.Contains(string(out), `\u003csecret\u003e`)) {
			t.Errorf("%s dump: secret shown or placeholder missing:\n%s", name, out)
		}
	}
	if string(c.Webhooks.Redis.Password) != leak {
		t.Error("password value lost")
	}
}

func TestRedisTimeoutType(t *testing.T) {
	c := mustParse(t, "webhooks:\n  redis: {address: 'h:1', timeout: 250ms}\n")
	if c.Webhooks.Redis.Timeout.D() != 250*time.Millisecond {
		t.Errorf("timeout = %v", c.Webhooks.Redis.Timeout.D())
	}
}
