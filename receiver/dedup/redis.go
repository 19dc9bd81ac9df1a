package dedup

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisOptions configure the connection shared by both vendors' stores.
type RedisOptions struct {
	Address, Username, Password string
	DB                          int
	TLS                         *tls.Config // nil: plain TCP
	// Timeout bounds one round trip (dial, write, read) and one whole Claim.
	Timeout time.Duration
	// OnReleaseError is told about claims that could not be released (they
	// are queued and retried); nil = ignore. Called without locks held.
	OnReleaseError func(keys int, err error)
}

// Health-check periods: frequent while Redis is unreachable so readiness
// and queued releases recover quickly, relaxed while all is well (claims
// themselves also report health).
const (
	pingHealthy   = 5 * time.Second
	pingUnhealthy = 500 * time.Millisecond
)

// maxPendingKeys bounds the keys waiting for a release after a failed
// claim (about 60 bytes each). Beyond it the oldest tickets are dropped:
// their keys stay claimed until their window ends, so a retry of those
// records is dropped as a duplicate; OnReleaseError reports it.
const maxPendingKeys = 100_000

// Redis is the connection to one Redis (or Valkey) server holding the dedup
// memory of every replica. Store returns the per-vendor Store.
//
// Each id is one key, <prefix><vendor>:<16 hex digits of the id's xxhash>,
// set with SET key token PX window NX: atomic, so of two replicas claiming
// the same id at once exactly one succeeds, and Redis expires it after the
// dedup window. A batch is one pipeline: one round trip for a 100-record
// LAAFFIC body.
//
// The value is a token unique to the claim, so a release deletes a key
// only while that claim still holds it (never a key claimed by another
// replica or by another body of this process). When a claim fails midway
// (Redis down, timeout, a reply lost after the SET was applied), all its
// keys are released by token; if even that fails, they wait in a pending
// list which is flushed before this process claims anything again and by
// the health loop as soon as Redis answers, so an orphaned claim does not
// turn the vendor's retry into a "duplicate" (see README, "Scaling and high
// availability", for the small remaining window).
type Redis struct {
	client  *redis.Client
	timeout time.Duration
	onRel   func(int, error)

	healthy   atomic.Bool
	tokenBase string
	seq       atomic.Uint64

	pendingMu   sync.Mutex // held while flushing, so claims wait for it
	pending     []Ticket
	pendingKeys int
	hasPending  atomic.Bool

	kick      chan struct{} // a failed claim wakes the health loop
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// NewRedis connects lazily (an unreachable Redis at start is not an error:
// the receiver answers 503 and reports not ready until it is reachable)
// and starts the health loop.
func NewRedis(o RedisOptions) *Redis {
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	r := &Redis{
		client: redis.NewClient(&redis.Options{
			Addr:      o.Address,
			Username:  o.Username,
			Password:  o.Password,
			DB:        o.DB,
			TLSConfig: o.TLS,
			// RESP2: every Redis, Valkey and managed offering speaks it.
			Protocol:     2,
			DialTimeout:  o.Timeout,
			ReadTimeout:  o.Timeout,
			WriteTimeout: o.Timeout,
			PoolTimeout:  o.Timeout,
			// One dial per attempt: a refused connection is an outage to
			// report now (503), not to sit out in dial retries.
			DialerRetries:   1,
			DisableIdentity: true,
			// No automatic retries: a SET NX whose first attempt was
			// applied but whose reply was lost would, retried, report our
			// own claim as a duplicate, and the record would never count.
			MaxRetries:            -1,
			ContextTimeoutEnabled: true,
			MaintNotificationsConfig: &maintnotifications.Config{
				Mode: maintnotifications.ModeDisabled,
			},
		}),
		timeout:   o.Timeout,
		onRel:     o.OnReleaseError,
		tokenBase: base64.RawURLEncoding.EncodeToString(rnd[:]) + ".",
		kick:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go r.healthLoop()
	return r
}

// Healthy reports whether the last contact with Redis (a claim or a
// health-check PING) succeeded and no release is pending.
func (r *Redis) Healthy() bool { return r.healthy.Load() }

// Close stops the health loop and closes the connections.
func (r *Redis) Close() error {
	var err error
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
		err = r.client.Close()
	})
	return err
}

func (r *Redis) healthLoop() {
	defer close(r.done)
	r.check()
	t := time.NewTimer(pingHealthy)
	defer t.Stop()
	for {
		d := pingHealthy
		if !r.healthy.Load() {
			d = pingUnhealthy
		}
		t.Reset(d)
		select {
		case <-r.stop:
			return
		case <-r.kick:
			// Switch to the short period now, without pinging at once:
			// the claim that failed just found Redis unreachable.
		case <-t.C:
			r.check()
		}
	}
}

// unhealthy records a failed contact and wakes the health loop.
func (r *Redis) unhealthy() {
	r.healthy.Store(false)
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// check PINGs and flushes pending releases; healthy only if both work.
func (r *Redis) check() {
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	err := r.client.Ping(ctx).Err()
	if err == nil {
		err = r.flushPending(ctx)
	}
	r.healthy.Store(err == nil)
}

// Store returns the Store of one vendor: keys <prefix><vendor>:<hash>.
func (r *Redis) Store(prefix, vendor string, window time.Duration) *RedisStore {
	s := &RedisStore{r: r, prefix: prefix + vendor + ":"}
	s.SetWindow(window)
	return s
}

// RedisStore is the Store of one vendor in a shared Redis.
type RedisStore struct {
	r      *Redis
	prefix string
	window atomic.Int64 // milliseconds
}

var _ Store = (*RedisStore)(nil)

// SetWindow applies a reloaded dedup window to later claims (keys already
// set keep the expiry they were given).
func (s *RedisStore) SetWindow(d time.Duration) {
	s.window.Store(max(d.Milliseconds(), 1))
}

// key is prefix + 16 hex digits of the id's hash: bounded length whatever
// the vendor sends, and no call id in clear in Redis.
func (s *RedisStore) key(id string) string {
	b := make([]byte, 0, len(s.prefix)+16)
	b = append(b, s.prefix...)
	h := hashKey(id)
	const hex = "0123456789abcdef"
	for sh := 60; sh >= 0; sh -= 4 {
		b = append(b, hex[(h>>uint(sh))&0xf])
	}
	return string(b)
}

// Claim implements Store: one pipeline of SET NX PX. now is not used:
// Redis's own clock runs the window.
func (s *RedisStore) Claim(ctx context.Context, keys []string, _ time.Time, fresh []bool) (Ticket, error) {
	if len(keys) == 0 {
		return Ticket{}, nil
	}
	r := s.r
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	// Orphans of an earlier failed claim go first: while they are held, a
	// retry of their records would look like a duplicate.
	if r.hasPending.Load() {
		if err := r.flushPending(ctx); err != nil {
			r.unhealthy()
			return Ticket{}, err
		}
	}
	tok := r.tokenBase + strconv.FormatUint(r.seq.Add(1), 36)
	t := Ticket{keys: make([]string, len(keys)), fresh: fresh[:len(keys)], token: tok}
	ms := s.window.Load()
	pipe := r.client.Pipeline()
	cmds := make([]*redis.Cmd, len(keys))
	for i, id := range keys {
		t.keys[i] = s.key(id)
		cmds[i] = pipe.Do(ctx, "set", t.keys[i], tok, "px", ms, "nx")
	}
	// Per-command results below (Nil = not set). Exec's own error matters
	// too: when the connection cannot even be set up (a wrong password,
	// say), it fails while the commands carry no error and no reply.
	_, execErr := pipe.Exec(ctx)
	var failed error
	if execErr != nil && !errors.Is(execErr, redis.Nil) {
		failed = execErr
	}
	for i, c := range cmds {
		switch err := c.Err(); {
		case err == nil:
			fresh[i] = true
		case errors.Is(err, redis.Nil):
			fresh[i] = false
		default:
			// Outcome unknown (the SET may have been applied): release
			// covers it, since release checks the token.
			fresh[i] = true
			if failed == nil {
				failed = err
			}
		}
	}
	if failed != nil {
		for i, c := range cmds {
			// Whatever may have been set goes; release checks the token.
			fresh[i] = !errors.Is(c.Err(), redis.Nil)
		}
		r.unhealthy()
		r.releaseOrQueue(t)
		return Ticket{}, failed
	}
	r.healthy.Store(true)
	return t, nil
}

// Release implements Store.
func (s *RedisStore) Release(ctx context.Context, t Ticket) error {
	if len(t.keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	defer cancel()
	return s.r.release(ctx, t)
}

// releaseScript deletes each key only while it still holds this claim's
// token: one round trip for the whole ticket, atomic per key.
var releaseScript = redis.NewScript(`
local n = 0
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    redis.call('DEL', k)
    n = n + 1
  end
end
return n`)

func (r *Redis) release(ctx context.Context, t Ticket) error {
	keys := make([]string, 0, len(t.keys))
	for i, k := range t.keys {
		if t.fresh[i] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	return releaseScript.Run(ctx, r.client, keys, t.token).Err()
}

// releaseOrQueue releases a failed claim's keys now (fresh context: the
// claim's own may be spent) or queues them for the next flush.
func (r *Redis) releaseOrQueue(t Ticket) {
	// The ticket must not refer to the caller's fresh slice, which the
	// caller reuses: every key whose SET may have landed is marked.
	own := Ticket{keys: t.keys, fresh: append([]bool(nil), t.fresh...), token: t.token}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	err := r.release(ctx, own)
	cancel()
	if err == nil {
		return
	}
	r.pendingMu.Lock()
	r.pending = append(r.pending, own)
	r.pendingKeys += len(own.keys)
	dropped := 0
	for r.pendingKeys > maxPendingKeys && len(r.pending) > 1 {
		dropped += len(r.pending[0].keys)
		r.pendingKeys -= len(r.pending[0].keys)
		r.pending = r.pending[1:]
	}
	r.hasPending.Store(true)
	r.pendingMu.Unlock()
	if r.onRel != nil {
		r.onRel(len(own.keys), err)
		if dropped > 0 {
			r.onRel(dropped, errors.New("pending release list full; dropped the oldest claims (they expire with the dedup window)"))
		}
	}
}

// flushPending releases queued claims, oldest first; it stops at the first
// error and keeps the rest.
func (r *Redis) flushPending(ctx context.Context) error {
	r.pendingMu.Lock()
	defer r.pendingMu.Unlock()
	for len(r.pending) > 0 {
		if err := r.release(ctx, r.pending[0]); err != nil {
			return err
		}
		r.pendingKeys -= len(r.pending[0].keys)
		r.pending[0] = Ticket{}
		r.pending = r.pending[1:]
	}
	r.pending = nil
	r.hasPending.Store(false)
	return nil
}

// Pending returns the number of keys waiting for a release.
func (r *Redis) Pending() int {
	r.pendingMu.Lock()
	defer r.pendingMu.Unlock()
	return r.pendingKeys
}

// ErrorReason maps a Claim error to a bounded label value: "timeout" (no
// answer within the timeout), "unavailable" (no connection: refused,
// reset, closed) or "redis_error" (Redis answered with an error such as
// OOM, READONLY, LOADING, NOAUTH).
func ErrorReason(err error) string {
	var ne net.Error
	var re redis.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, redis.ErrPoolTimeout),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &re):
		return "redis_error"
	default:
		return "unavailable"
	}
}

// ErrorReasons are every value ErrorReason returns.
var ErrorReasons = []string{"timeout", "unavailable", "redis_error"}
