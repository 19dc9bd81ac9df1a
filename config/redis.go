package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"
	"unicode"
)

// Defaults of webhooks.redis, applied only when a Redis is configured.
const (
	// DefaultRedisTimeout bounds one dedup round trip to Redis (dial,
	// write, read). A healthy Redis answers a 100-key pipeline in well under
	// a millisecond, so 1 s only trips on a real outage; it is short enough
	// that a webhook waiting on a dead Redis is answered 503 quickly (the
	// vendor retries later) instead of holding a concurrency slot, and
	// shorter than the vendors' own HTTP timeouts.
	DefaultRedisTimeout = time.Second
	// DefaultRedisKeyPrefix starts every dedup key, so one Redis can serve
	// other applications (or several exporter deployments with their own
	// prefixes).
	DefaultRedisKeyPrefix = "airudder_exporter:"
)

// Redis is webhooks.redis: when Address, Sentinel or ClusterAddresses is
// set (exactly one of them), the dedup memory of both vendors lives in this
// Redis (shared by every replica) instead of the process's own set and
// state file.
type Redis struct {
	// Address is host:port of a Redis (or Valkey, or managed Redis)
	// server. Empty (and no Sentinel nor ClusterAddresses): no Redis, dedup
	// memory is per process.
	Address string `yaml:"address"`
	// Sentinel finds the master of a Redis Sentinel deployment and follows
	// its failovers.
	Sentinel *RedisSentinel `yaml:"sentinel"`
	// ClusterAddresses are host:port seeds of a Redis Cluster (any nodes;
	// the rest are discovered).
	ClusterAddresses []string `yaml:"cluster_addresses"`
	Username         string   `yaml:"username"` // ACL user; empty = the default user
	Password         Secret   `yaml:"password"`
	// PasswordFile, when set, is read and its trimmed content used as Password.
	PasswordFile string `yaml:"password_file"`
	DB           int    `yaml:"db"`
	// KeyPrefix starts every key; keys are <prefix><vendor>:<hash of id>.
	KeyPrefix string `yaml:"key_prefix"`
	// TLS, when present (even empty: system roots), makes the connection TLS.
	TLS *RedisTLS `yaml:"tls"`
	// Timeout bounds one round trip; beyond it the webhook is answered 503.
	Timeout Duration `yaml:"timeout"`
}

// RedisSentinel is webhooks.redis.sentinel. Username, password, db and tls
// of webhooks.redis apply to the master and replicas; the sentinels are
// asked with their own username and password (a sentinel's requirepass or
// ACL user is separate from the data nodes'), over TLS when tls is set.
type RedisSentinel struct {
	MasterName string   `yaml:"master_name"` // as in the sentinels' "sentinel monitor <name>"
	Addresses  []string `yaml:"addresses"`   // host:port of the sentinels
	Username   string   `yaml:"username"`    // ACL user on the sentinels; empty = the default user
	Password   Secret   `yaml:"password"`    // empty: the sentinels need no password
	// PasswordFile, when set, is read and its trimmed content used as Password.
	PasswordFile string `yaml:"password_file"`
}

// RedisTLS is webhooks.redis.tls.
type RedisTLS struct {
	CAFile             string `yaml:"ca_file"`   // PEM; empty = system roots
	CertFile           string `yaml:"cert_file"` // client certificate (mutual TLS), with KeyFile
	KeyFile            string `yaml:"key_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Enabled reports whether a Redis is configured.
func (r *Redis) Enabled() bool {
	return r.Address != "" || r.Sentinel != nil || r.ClusterAddresses != nil
}

// maxKeyPrefix bounds the prefix: it is repeated in every key.
const maxKeyPrefix = 64

// finish applies defaults, reads the password file and validates. Called
// by (*Config).finish; every rule has its own invalid file under testdata/.
func (r *Redis) finish() error {
	if !r.Enabled() {
		if !r.isZero() {
			return errors.New("webhooks.redis: address, sentinel or cluster_addresses is required when other redis keys are set")
		}
		return nil
	}
	switch {
	case r.Address != "" && r.Sentinel != nil:
		return errors.New("webhooks.redis: address and sentinel are mutually exclusive")
	case r.ClusterAddresses != nil && (r.Address != "" || r.Sentinel != nil):
		return errors.New("webhooks.redis: cluster_addresses excludes address and sentinel")
	}
	if r.Address != "" && !validHostPort(r.Address) {
		return errors.New("webhooks.redis.address: must be host:port")
	}
	if s := r.Sentinel; s != nil {
		if s.MasterName == "" {
			return errors.New("webhooks.redis.sentinel.master_name is required")
		}
		if len(s.Addresses) == 0 {
			return errors.New("webhooks.redis.sentinel.addresses: list at least one sentinel")
		}
		for i, a := range s.Addresses {
			if !validHostPort(a) {
				return fmt.Errorf("webhooks.redis.sentinel.addresses[%d]: not a host:port", i)
			}
		}
		if err := resolveSecret("webhooks.redis.sentinel", "password", &s.Password, s.PasswordFile); err != nil {
			return err
		}
	}
	if r.ClusterAddresses != nil {
		if len(r.ClusterAddresses) == 0 {
			return errors.New("webhooks.redis.cluster_addresses: list at least one node")
		}
		for i, a := range r.ClusterAddresses {
			if !validHostPort(a) {
				return fmt.Errorf("webhooks.redis.cluster_addresses[%d]: not a host:port", i)
			}
		}
		if r.DB != 0 {
			return errors.New("webhooks.redis.db: a Redis Cluster has only db 0")
		}
	}
	if err := resolveSecret("webhooks.redis", "password", &r.Password, r.PasswordFile); err != nil {
		return err
	}
	if r.DB < 0 {
		return errors.New("webhooks.redis.db must not be negative")
	}
	if r.KeyPrefix == "" {
		r.KeyPrefix = DefaultRedisKeyPrefix
	}
	if !validKeyPrefix(r.KeyPrefix) {
		return errors.New("webhooks.redis.key_prefix: must be at most 64 printable characters without spaces")
	}
	if r.Timeout == 0 {
		r.Timeout = Duration(DefaultRedisTimeout)
	}
	if r.Timeout < Duration(10*time.Millisecond) || r.Timeout > Duration(30*time.Second) {
		return errors.New("webhooks.redis.timeout must be between 10ms and 30s")
	}
	if _, err := r.TLSConfig(); err != nil {
		return fmt.Errorf("webhooks.redis.tls: %w", err)
	}
	return nil
}

func validHostPort(a string) bool {
	host, port, err := net.SplitHostPort(a)
	p, perr := strconv.Atoi(port)
	return err == nil && host != "" && perr == nil && p >= 1 && p <= 65535
}

func (r *Redis) isZero() bool {
	return r.Username == "" && r.Password == "" && r.PasswordFile == "" && r.DB == 0 &&
		r.KeyPrefix == "" && r.TLS == nil && r.Timeout == 0
}

func validKeyPrefix(s string) bool {
	if len(s) > maxKeyPrefix {
		return false
	}
	for _, c := range s {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) || c == ' ' {
			return false
		}
	}
	return true
}

// TLSConfig builds the client TLS configuration, or nil when tls is absent.
// It reads the files each time, so a rotated certificate is picked up at
// the next start.
func (r *Redis) TLSConfig() (*tls.Config, error) {
	t := r.TLS
	if t == nil {
		return nil, nil
	}
	// Empty for sentinel and cluster: each connection then verifies the
	// host it dials (crypto/tls takes it from the address).
	host, _, _ := net.SplitHostPort(r.Address)
	c := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         host,
		InsecureSkipVerify: t.InsecureSkipVerify, //nolint:gosec // operator's explicit choice, documented as test-only
	}
	if t.CAFile != "" {
		b, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", newFileError(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, errors.New("ca_file: holds no PEM certificate")
		}
		c.RootCAs = pool
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("cert_file and key_file must be given together")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, errors.New("cert_file/key_file: not a usable certificate and key pair")
		}
		c.Certificates = []tls.Certificate{cert}
	}
	return c, nil
}
