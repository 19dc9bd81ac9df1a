package receiver

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/redis/go-redis/v9"

	"airudder_exporter/config"
	"airudder_exporter/receiver/dedup"
)

// startRedis connects the shared dedup store of webhooks.redis. An
// unreachable Redis at start is not fatal: the receiver answers 503 and
// Ready reports false until Redis answers, as in any later outage, so the
// pollers and /metrics run meanwhile. Refused credentials are: they never
// fix themselves, and a process that starts anyway would only ever
// answer 503.
func (r *Receiver) startRedis(cfg config.Webhooks) error {
	rc := cfg.Redis
	tlsCfg, err := rc.TLSConfig()
	if err != nil {
		return fmt.Errorf("webhooks.redis.tls: %w", err)
	}
	addRedisSecrets(string(rc.Password), sentinelPasswordOf(rc))
	setRedisLogger.Do(func() {
		redis.SetLogger(redisLogger{level.Debug(log.With(r.logger, "component", "redis"))})
	})
	logger := r.logger
	var sentinels []string
	masterName, sentinelUser, sentinelPassword := "", "", ""
	if s := rc.Sentinel; s != nil {
		masterName, sentinels = s.MasterName, s.Addresses
		sentinelUser, sentinelPassword = s.Username, string(s.Password)
	}
	var rd *dedup.Redis // for OnUnflushed, called only by Close
	rd = dedup.NewRedis(dedup.RedisOptions{
		Address:          rc.Address,
		MasterName:       masterName,
		Sentinels:        sentinels,
		SentinelUsername: sentinelUser,
		SentinelPassword: sentinelPassword,
		Cluster:          rc.ClusterAddresses,
		Username:         rc.Username,
		Password:         string(rc.Password),
		DB:               rc.DB,
		TLS:              tlsCfg,
		Timeout:          rc.Timeout.D(),
		OnReleaseError: func(keys int, err error) {
			level.Error(logger).Log("msg", "could not release the dedup claims of a failed webhook body; retrying when Redis answers (until then, or until they expire, their records' retries are answered 503)", "ids", keys, "err", err)
		},
		OnConfirmError: func(keys int, err error) {
			level.Warn(logger).Log("msg", "could not confirm the dedup claims of a counted webhook body (answered 200); retrying when Redis answers (if that takes longer than the pending TTL, a retry of these records could count again)", "ids", keys, "err", err)
		},
		OnUnflushed: func(releaseIDs, confirmIDs int, err error) {
			level.Error(logger).Log("msg", "stopping with dedup claims Redis did not take: until the pending TTL ends other replicas answer these records 503 (in_flight); after it, a vendor retry of the unconfirmed (counted) ones would count again", "unreleased_ids", releaseIDs, "unconfirmed_ids", confirmIDs, "pending_ttl", rd.PendingTTL().String(), "err", err)
		},
	})
	r.redis = rd
	if err := r.redis.Ping(context.Background()); dedup.IsAuthError(err) {
		_ = r.redis.Close()
		r.redis = nil
		return fmt.Errorf("webhooks.redis: Redis refused the credentials (check username and password, and sentinel.username and sentinel.password with a sentinel): %w", err)
	} else if err != nil {
		level.Warn(r.logger).Log("msg", "Redis not reachable yet; webhooks are answered 503 and /-/ready reports not ready until it answers", "err", err)
	}
	r.redisCfg = rc
	for _, s := range r.order {
		s.redis = r.redis.Store(rc.KeyPrefix, s.name, cfg.DedupWindow.D())
		s.store = s.redis
	}
	// logfmt has no list values: address lists are joined.
	level.Info(r.logger).Log("msg", "webhook dedup memory shared in Redis; --storage.path state files are not used", "address", rc.Address, "sentinel", strings.Join(sentinels, ","), "master_name", masterName, "cluster", strings.Join(rc.ClusterAddresses, ","), "db", rc.DB, "key_prefix", rc.KeyPrefix, "tls", rc.TLS != nil, "timeout", rc.Timeout.D().String())
	return nil
}

// applyRedis applies a reload: the dedup window. Connection settings are
// refused by CheckConfig first.
func (r *Receiver) applyRedis(cfg config.Webhooks) {
	if r.redis != nil {
		for _, s := range r.order {
			s.redis.SetWindow(cfg.DedupWindow.D())
		}
	}
}

// errRedisNeedsRestart refuses a reload that changes webhooks.redis.
var errRedisNeedsRestart = errors.New("webhooks.redis changed: the dedup store is connected at start, so a change takes a restart; the running config is kept")

// CheckConfig refuses a reloaded webhooks section the running receiver
// cannot apply: any change to webhooks.redis. Switching the dedup memory of
// a running process between local and Redis, or between two Redis servers
// or key prefixes, would forget or split it; the client's address, TLS,
// credentials and timeout are fixed when it is made. Refusing keeps a
// reload from reporting success for settings that are not in force.
func (r *Receiver) CheckConfig(cfg config.Webhooks) error {
	cfg = cfg.WithDefaults()
	if !cfg.Redis.Enabled() && r.redis == nil {
		return nil
	}
	if r.redis == nil || !reflect.DeepEqual(cfg.Redis, r.redisCfg) {
		return errRedisNeedsRestart
	}
	return nil
}

// Ready reports whether webhooks can be counted now: always without Redis;
// with Redis, while it answers and no release of a failed claim nor
// confirm of a counted one is queued. Served by /-/ready, so a load
// balancer stops sending webhooks to a replica that could only answer 503.
func (r *Receiver) Ready() bool { return r.redis == nil || r.redis.Healthy() }

// closeRedis closes the shared store; its last flush of queued releases
// and confirms ends at ctx's deadline at the latest.
func (r *Receiver) closeRedis(ctx context.Context) {
	if r.redis != nil {
		_ = r.redis.CloseContext(ctx)
	}
}

// setRedisLogger guards redis.SetLogger. go-redis (v9) has one
// process-wide logger and no per-client option, so the first receiver with
// a Redis sets it, once, rather than every receiver replacing it.
var setRedisLogger sync.Once

// redisLogger routes go-redis's own messages (pool dial failures ...) to
// the exporter's logger at debug level: failures that matter are already
// logged and counted by the receiver.
type redisLogger struct{ l log.Logger }

func (g redisLogger) Printf(_ context.Context, format string, v ...any) {
	g.l.Log("msg", redactRedisSecrets(fmt.Sprintf(format, v...)))
}

// redisSecrets are the Redis and sentinel passwords of every receiver
// started in this process. go-redis logs errors of connections the
// dedup store's client hook never sees (a sentinel's), and a server's
// error text may quote the AUTH command; its one process-wide logger cuts
// them all out.
var redisSecrets struct {
	sync.RWMutex
	s []string
}

func addRedisSecrets(secrets ...string) {
	redisSecrets.Lock()
	defer redisSecrets.Unlock()
	for _, s := range secrets {
		if s != "" && !slices.Contains(redisSecrets.s, s) {
			redisSecrets.s = append(redisSecrets.s, s)
		}
	}
}

func redactRedisSecrets(msg string) string {
	redisSecrets.RLock()
	defer redisSecrets.RUnlock()
	return dedup.Redact(msg, redisSecrets.s)
}

func sentinelPasswordOf(rc config.Redis) string {
	if rc.Sentinel == nil {
		return ""
	}
	return string(rc.Sentinel.Password)
}
