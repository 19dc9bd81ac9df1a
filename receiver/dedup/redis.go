package dedup

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisOptions configure the connection shared by both vendors' stores.
// Exactly one of Address, MasterName (with Sentinels) and Cluster says
// where Redis is.
type RedisOptions struct {
	Address string // one server, host:port
	// MasterName and Sentinels (host:port each): the master that these
	// sentinels monitor under MasterName, followed across failovers.
	MasterName string
	Sentinels  []string
	// SentinelUsername and SentinelPassword authenticate to the sentinels
	// (their own requirepass or ACL user); empty: none.
	SentinelUsername, SentinelPassword string
	// Cluster: host:port seeds of a Redis Cluster. Keys of one vendor
	// then carry a hash tag (see Store).
	Cluster            []string
	Username, Password string
	DB                 int
	TLS                *tls.Config // nil: plain TCP
	// Timeout bounds one round trip (dial, write, read) and one whole Claim.
	Timeout time.Duration
	// OnReleaseError is told about claims that could not be released (they
	// are queued and retried); nil = ignore. Called without locks held.
	OnReleaseError func(keys int, err error)
	// OnConfirmError is told about counted claims that could not be
	// confirmed (they are queued and retried like releases); nil = ignore.
	OnConfirmError func(keys int, err error)
	// OnUnflushed is told by Close about the queued releases and confirms
	// (keys of each) its last flush could not apply, and about any queued
	// after it; nil = ignore. They are lost with the process.
	OnUnflushed func(releaseKeys, confirmKeys int, err error)
	// PendingTTL is how long a claim stays pending (claimed, not yet
	// confirmed) before Redis expires it; 0 = DefaultPendingTTL, raised to
	// 3 × Timeout when that is longer (see DefaultPendingTTL).
	PendingTTL time.Duration

	// healthyPeriod and unhealthyPeriod replace pingHealthy and
	// pingUnhealthy when set: tests stretch one to an hour so that only the
	// behaviour under test (not a health check) can flush the queue.
	healthyPeriod, unhealthyPeriod time.Duration
}

// DefaultPendingTTL is the life of a pending claim ("p:<token>") that is
// never confirmed nor released: an orphan left by a Redis crash between
// applying a claim and answering it, or by a replica dying mid-body.
// While it lives, a retry of its records on any replica is answered 503
// (in_flight), so it must be
//   - far above the time a body takes from claim to confirm: two round
//     trips of at most Timeout each plus the counting (microseconds); a
//     pending claim expiring before its confirm would let a concurrent
//     retry count the records again. Hence at least 3 × Timeout;
//   - short enough that an orphan blocks retries only briefly: AiRudder
//     retries after a minute, long after 10 s. LAAFFIC retries a ringing
//     notification at once, up to 3 times: if all 3 land within 10 s of a
//     Redis crash that orphaned its claim (and this replica could not
//     release it when Redis came back), that notification is lost.
const DefaultPendingTTL = 10 * time.Second

// ErrInFlight is Claim's error when a key of the body is held by a pending
// claim of another request (another replica counting the same records
// right now, or an orphaned claim): nothing of the body is claimed or
// counted, and the vendor's retry settles it once that claim is confirmed
// (a duplicate) or released or expired (counted).
var ErrInFlight = errors.New("records of the body are being counted by another request")

// Health-check periods: frequent while Redis is unreachable so readiness
// and queued releases recover quickly, relaxed while all is well (claims
// themselves also report health).
const (
	pingHealthy   = 5 * time.Second
	pingUnhealthy = 500 * time.Millisecond
)

// maxPendingKeys bounds the keys waiting for a release after a failed
// claim or for a confirm after a counted one (about 60 bytes each). Beyond
// it the oldest are dropped: their pending claims expire after PendingTTL
// (a retry meanwhile is answered 503; a retry of a dropped confirm after
// that could count again); OnReleaseError / OnConfirmError report it.
const maxPendingKeys = 100_000

// Redis is the connection to one Redis (or Valkey) server holding the dedup
// memory of every replica. Store returns the per-vendor Store.
//
// Each id is one key, <prefix><vendor>:<16 hex digits of the id's xxhash>,
// in one of two states:
//
//   - pending, value "p:<token>", expiring after PendingTTL: claimed by one
//     request (token unique to the claim) that is counting it right now;
//   - done, value "d", expiring after the dedup window: counted.
//
// Claim is one script over all keys of a body (one round trip for a
// 100-record LAAFFIC batch, atomic): an absent key becomes pending (fresh),
// a pending one makes the whole body ErrInFlight, a done one is a
// duplicate. After counting, Confirm turns the body's pending keys into
// done (a second round trip). So a claim whose outcome is unknown (Redis
// died after applying it, before answering) can never turn the vendor's
// retry into a "duplicate": the retry is answered 503 until the orphan is
// released or expires, then counted. Values of the earlier one-state
// format (a bare token) read as done.
//
// A release deletes a key only while it still holds this claim's pending
// value (never a key claimed by another replica or another body of this
// process). When a claim fails midway (Redis down, timeout, a reply lost
// after the script ran) all its keys are released by token; if that fails
// too, they wait in a pending list (with confirms that failed), flushed
// before this process claims anything again, by the health loop as soon
// as Redis answers, and a last time by Close (see README, "Scaling and
// high availability").
type Redis struct {
	client     redis.UniversalClient
	cluster    bool
	timeout    time.Duration
	pendingTTL int64 // milliseconds
	onRel      func(int, error)
	onConf     func(int, error)
	onLost     func(int, int, error)

	healthyPeriod, unhealthyPeriod time.Duration // health-check periods

	healthy   atomic.Bool
	tokenBase string
	seq       atomic.Uint64

	pendingMu   sync.Mutex // held while flushing, so claims wait for it
	pending     []pendingOp
	pendingKeys int
	hasPending  atomic.Bool
	closed      bool // under pendingMu: Close's last flush is over

	closing   atomic.Bool   // Close began: claims are refused
	kick      chan struct{} // a failed claim wakes the health loop
	loopCtx   context.Context
	stopLoop  context.CancelFunc // also cancels a check under way
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
	if o.PendingTTL <= 0 {
		o.PendingTTL = max(DefaultPendingTTL, 3*o.Timeout)
	}
	if o.healthyPeriod <= 0 {
		o.healthyPeriod = pingHealthy
	}
	if o.unhealthyPeriod <= 0 {
		o.unhealthyPeriod = pingUnhealthy
	}
	loopCtx, stopLoop := context.WithCancel(context.Background())
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	addrs := []string{o.Address}
	switch {
	case o.MasterName != "":
		addrs = o.Sentinels
	case len(o.Cluster) > 0:
		addrs = o.Cluster
	}
	r := &Redis{
		cluster: o.MasterName == "" && len(o.Cluster) > 0,
		client: redis.NewUniversalClient(&redis.UniversalOptions{
			Addrs:            addrs,
			MasterName:       o.MasterName,
			SentinelUsername: o.SentinelUsername,
			SentinelPassword: o.SentinelPassword,
			IsClusterMode:    o.MasterName == "" && len(o.Cluster) > 0,
			Username:         o.Username,
			Password:         o.Password,
			DB:               o.DB,
			TLSConfig:        o.TLS,
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
			// No automatic retries: an outage is answered 503 at once
			// and the vendor retries. (A Cluster client still follows
			// MOVED/ASK and retries another node within its redirect
			// budget: every script is safe to run twice, see claimScript.)
			MaxRetries:            -1,
			ContextTimeoutEnabled: true,
			MaintNotificationsConfig: &maintnotifications.Config{
				Mode: maintnotifications.ModeDisabled,
			},
		}),
		timeout:         o.Timeout,
		pendingTTL:      max(o.PendingTTL.Milliseconds(), 1),
		healthyPeriod:   o.healthyPeriod,
		unhealthyPeriod: o.unhealthyPeriod,
		onRel:           o.OnReleaseError,
		onConf:          o.OnConfirmError,
		onLost:          o.OnUnflushed,
		tokenBase:       base64.RawURLEncoding.EncodeToString(rnd[:]) + ".",
		kick:            make(chan struct{}, 1),
		loopCtx:         loopCtx,
		stopLoop:        stopLoop,
		done:            make(chan struct{}),
	}
	r.client.AddHook(newRedactHook(o.Password, o.SentinelPassword))
	go r.healthLoop()
	return r
}

// PendingTTL is the life of an unconfirmed claim (see DefaultPendingTTL).
func (r *Redis) PendingTTL() time.Duration { return time.Duration(r.pendingTTL) * time.Millisecond }

// Healthy reports whether the last contact with Redis (a claim or a
// health-check PING) succeeded and no release or confirm is queued. The
// queue counts apart from the contact: a claim of one vendor succeeds
// while another's confirm is queued, and a release can be queued just
// after a PING succeeded. Until the queue is flushed other replicas answer
// its records 503, so this replica must not report ready.
func (r *Redis) Healthy() bool { return r.healthy.Load() && !r.hasPending.Load() }

// errClosing refuses claims once Close began.
var errClosing = errors.New("dedup store closing: the exporter is shutting down")

// Close is CloseContext with no deadline but the store's own.
func (r *Redis) Close() error { return r.CloseContext(context.Background()) }

// CloseContext refuses new claims, stops the health loop, makes one last
// attempt to flush the queued releases and confirms, reports what it could
// not (OnUnflushed), and closes the connections. Dropping the queue
// silently would leave its pending claims for other replicas to answer 503
// (in_flight) until they expire, and a lost confirm lets a retry of
// records counted here be counted again after that. Close takes at most
// Timeout, as one health check, and its flush ends earlier at ctx's
// deadline (the shutdown deadline; go-redis honours deadlines, not
// cancellation, of a command under way): a Redis that does not answer
// must not hold up a stop. Only a health check already under way can
// outlast ctx's deadline, by what is left of its Timeout. Safe to call
// more than once; later calls return at once.
func (r *Redis) CloseContext(ctx context.Context) error {
	var err error
	r.closeOnce.Do(func() {
		// Claims first: one arriving now (a handler outliving the HTTP
		// drain) would wait for the flush below, then claim with no chance
		// of its release or confirm being flushed.
		r.closing.Store(true)
		// The budget starts now, so that waiting for a check under way
		// (its flush holds the queue) eats into it.
		ctx, cancel := context.WithTimeout(ctx, r.timeout)
		r.stopLoop()
		<-r.done
		r.pendingMu.Lock()
		ferr := r.flushLocked(ctx, nil)
		r.closed = true
		var rel, conf int
		for _, op := range r.pending {
			if op.confirm {
				conf += len(op.t.keys)
			} else {
				rel += len(op.t.keys)
			}
		}
		r.pending, r.pendingKeys = nil, 0
		r.hasPending.Store(false)
		r.pendingMu.Unlock()
		cancel()
		if rel+conf > 0 && r.onLost != nil {
			r.onLost(rel, conf, ferr)
		}
		err = r.client.Close()
	})
	return err
}

func (r *Redis) healthLoop() {
	defer close(r.done)
	r.check()
	t := time.NewTimer(r.healthyPeriod)
	defer t.Stop()
	for {
		// Queued work, too, keeps the short period: a check that finds
		// Redis answering flushes it.
		d := r.healthyPeriod
		if !r.Healthy() {
			d = r.unhealthyPeriod
		}
		t.Reset(d)
		select {
		case <-r.loopCtx.Done():
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

// check PINGs and flushes queued releases and confirms; healthy only if
// both work.
func (r *Redis) check() {
	ctx, cancel := context.WithTimeout(r.loopCtx, r.timeout)
	defer cancel()
	err := r.client.Ping(ctx).Err()
	if err == nil {
		err = r.flushPending(ctx, nil)
	}
	r.healthy.Store(err == nil)
}

// Store returns the Store of one vendor: keys <prefix><vendor>:<hash>, or
// <prefix>{<vendor>}:<hash> on a Cluster. The hash tag puts every key of
// a vendor in one slot, as a claim's script needs all its keys on one
// node; the cost is that one vendor's dedup memory and load sit on one
// shard (a Cluster spreads the vendors, not one vendor's records).
func (r *Redis) Store(prefix, vendor string, window time.Duration) *RedisStore {
	tag := vendor
	if r.cluster {
		tag = "{" + vendor + "}"
	}
	s := &RedisStore{r: r, prefix: prefix + tag + ":"}
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

// claimScript claims every key of a body in one atomic step. ARGV[1] is
// the pending value "p:<token>", ARGV[2] PendingTTL in ms. Per key: 1 =
// fresh (was absent, or already pending for this very claim), 0 =
// duplicate (done, or repeated within this body), 2 = in flight (pending
// for another claim). Running it twice with one token (a client retry
// after a lost reply) answers the same: a key pending for this token is
// fresh unless it repeats within this run. GET then SET rather than SET NX
// GET: works on every Redis >= 2.6.
var claimScript = redis.NewScript(`
local r = {}
local seen = {}
for i, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if not v then
    redis.call('SET', k, ARGV[1], 'PX', ARGV[2])
    r[i] = 1
  elseif v == ARGV[1] then
    if seen[k] then r[i] = 0 else r[i] = 1 end
  elseif string.sub(v, 1, 2) == 'p:' then
    r[i] = 2
  else
    r[i] = 0
  end
  seen[k] = true
end
return r`)

// Claim implements Store: one script run (EVALSHA, EVAL when Redis lost
// its script cache). now is not used: Redis's own clock runs the window.
func (s *RedisStore) Claim(ctx context.Context, keys []string, _ time.Time, fresh []bool) (Ticket, error) {
	if len(keys) == 0 {
		return Ticket{}, nil
	}
	r := s.r
	if r.closing.Load() {
		return Ticket{}, errClosing
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	// Orphans of an earlier failed claim and unconfirmed counted claims go
	// first: until then a retry of their records is held up as in flight.
	if r.hasPending.Load() {
		if err := r.flushPending(ctx, s); err != nil {
			r.unhealthy()
			return Ticket{}, err
		}
	}
	tok := r.tokenBase + strconv.FormatUint(r.seq.Add(1), 36)
	t := Ticket{keys: make([]string, len(keys)), fresh: fresh[:len(keys)], token: tok}
	for i, id := range keys {
		t.keys[i] = s.key(id)
	}
	res, err := claimScript.Run(ctx, r.client, t.keys, pendingValue(tok), r.pendingTTL).Int64Slice()
	if err == nil {
		err = checkClaimReply(res, len(keys))
	}
	if err != nil {
		// Outcome unknown (the script may have run): every key goes;
		// release checks the token, so only this claim's keys are deleted.
		for i := range t.fresh {
			t.fresh[i] = true
		}
		r.unhealthy()
		r.releaseOrQueue(s, t)
		return Ticket{}, err
	}
	r.healthy.Store(true)
	inFlight := false
	for i, v := range res {
		fresh[i] = v == 1
		inFlight = inFlight || v == 2
	}
	if inFlight {
		// Another request is counting some of these records: count none
		// of the body now (the vendor retries), and free what we took.
		r.releaseOrQueue(s, t)
		return Ticket{}, ErrInFlight
	}
	return t, nil
}

// errBadReply: Redis answered a script with a reply it cannot have sent
// (a proxy or a server that only speaks RESP, a script mix-up).
var errBadReply = errors.New("dedup claim script: unexpected reply")

// checkClaimReply accepts a claim reply only if it has one code per key
// and every code is one the script returns (0, 1, 2). Any other value
// says nothing about its key: read as "duplicate" it would answer the
// vendor 200 and drop the record uncounted, so the claim fails instead
// (503, the keys released by token, the vendor retries).
func checkClaimReply(res []int64, keys int) error {
	if len(res) != keys {
		return fmt.Errorf("%w: %d codes for %d keys", errBadReply, len(res), keys)
	}
	for _, v := range res {
		if v < 0 || v > 2 {
			return fmt.Errorf("%w: code %d", errBadReply, v)
		}
	}
	return nil
}

// pendingValue is the value of a key claimed and not yet counted.
func pendingValue(token string) string { return "p:" + token }

// Confirm implements Store: the ticket's fresh keys become done, expiring
// after the dedup window. On error the confirm is queued and retried with
// the releases; OnConfirmError is told.
func (s *RedisStore) Confirm(ctx context.Context, t Ticket) error {
	if len(t.keys) == 0 {
		return nil
	}
	op := pendingOp{store: s, t: t, confirm: true, window: s.window.Load()}
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	err := s.r.apply(ctx, op)
	cancel()
	if err != nil {
		s.r.unhealthy()
		s.r.queue(op, err)
	}
	return err
}

// Release implements Store.
func (s *RedisStore) Release(ctx context.Context, t Ticket) error {
	if len(t.keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.r.timeout)
	defer cancel()
	return s.r.apply(ctx, pendingOp{store: s, t: t})
}

// releaseScript deletes each key only while it still holds this claim's
// pending value: one round trip for the whole ticket, atomic per key.
var releaseScript = redis.NewScript(`
local n = 0
for _, k in ipairs(KEYS) do
  if redis.call('GET', k) == ARGV[1] then
    redis.call('DEL', k)
    n = n + 1
  end
end
return n`)

// confirmScript marks each key done ("d", ARGV[2] = dedup window in ms)
// while it still holds this claim's pending value (ARGV[1]), or when it is
// gone: the records were counted, so remembering them is right even if
// the pending claim expired or Redis forgot it before a queued confirm got
// through. A key pending for another claim (ours expired meanwhile) is
// left to that claim.
var confirmScript = redis.NewScript(`
local n = 0
for _, k in ipairs(KEYS) do
  local v = redis.call('GET', k)
  if v == ARGV[1] or not v then
    redis.call('SET', k, 'd', 'PX', ARGV[2])
    n = n + 1
  end
end
return n`)

// pendingOp is a release (of a failed claim) or a confirm (of a counted
// one) to apply, now or once Redis answers again.
type pendingOp struct {
	store   *RedisStore // whose keys: a Claim waits only for its own store's
	t       Ticket
	confirm bool
	window  int64 // confirm: dedup window in ms
}

// apply runs op's script over the ticket's fresh keys.
func (r *Redis) apply(ctx context.Context, op pendingOp) error {
	keys := make([]string, 0, len(op.t.keys))
	for i, k := range op.t.keys {
		if op.t.fresh[i] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if op.confirm {
		return confirmScript.Run(ctx, r.client, keys, pendingValue(op.t.token), op.window).Err()
	}
	return releaseScript.Run(ctx, r.client, keys, pendingValue(op.t.token)).Err()
}

// releaseOrQueue releases a failed claim's keys now (fresh context: the
// claim's own may be spent) or queues them for the next flush.
func (r *Redis) releaseOrQueue(s *RedisStore, t Ticket) {
	op := pendingOp{store: s, t: t}
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	err := r.apply(ctx, op)
	cancel()
	if err != nil {
		r.queue(op, err)
	}
}

// queue keeps op for the next flush and reports it.
func (r *Redis) queue(op pendingOp, err error) {
	// The ticket must not refer to the caller's fresh slice, which the
	// caller reuses.
	op.t = Ticket{keys: op.t.keys, fresh: append([]bool(nil), op.t.fresh...), token: op.t.token}
	r.pendingMu.Lock()
	if r.closed {
		// Close's last flush is over (a confirm of a handler that outlived
		// the HTTP drain): nothing will retry it.
		r.pendingMu.Unlock()
		if r.onLost != nil {
			if op.confirm {
				r.onLost(0, len(op.t.keys), err)
			} else {
				r.onLost(len(op.t.keys), 0, err)
			}
		}
		return
	}
	r.pending = append(r.pending, op)
	r.pendingKeys += len(op.t.keys)
	var droppedRel, droppedConf int
	for r.pendingKeys > maxPendingKeys && len(r.pending) > 1 {
		old := r.pending[0]
		if old.confirm {
			droppedConf += len(old.t.keys)
		} else {
			droppedRel += len(old.t.keys)
		}
		r.pendingKeys -= len(old.t.keys)
		r.pending[0] = pendingOp{}
		r.pending = r.pending[1:]
	}
	r.hasPending.Store(true)
	r.pendingMu.Unlock()
	// Wake the health loop even if the failure that led here already did:
	// it may have consumed that kick and chosen the long period in a check
	// that succeeded before this op was queued.
	select {
	case r.kick <- struct{}{}:
	default:
	}
	full := errors.New("pending list full; dropped the oldest (their pending claims expire after the pending TTL)")
	if op.confirm {
		if r.onConf != nil {
			r.onConf(len(op.t.keys), err)
		}
	} else if r.onRel != nil {
		r.onRel(len(op.t.keys), err)
	}
	if droppedRel > 0 && r.onRel != nil {
		r.onRel(droppedRel, full)
	}
	if droppedConf > 0 && r.onConf != nil {
		r.onConf(droppedConf, full)
	}
}

// flushPending applies the queued releases and confirms of one store (all
// stores: nil), each store's oldest first. A store whose op fails keeps it
// and its later ones queued, and the others go on: on a Cluster the stores'
// keys live on different nodes (one hash tag each), so one node's outage
// holds up only the vendor whose slot it owns. It returns the first error.
func (r *Redis) flushPending(ctx context.Context, only *RedisStore) error {
	r.pendingMu.Lock()
	defer r.pendingMu.Unlock()
	return r.flushLocked(ctx, only)
}

// flushLocked is flushPending with pendingMu held.
func (r *Redis) flushLocked(ctx context.Context, only *RedisStore) error {
	var first error
	var failed map[*RedisStore]bool
	kept := r.pending[:0]
	for _, op := range r.pending {
		if (only != nil && op.store != only) || failed[op.store] {
			kept = append(kept, op)
			continue
		}
		if err := r.apply(ctx, op); err != nil {
			if failed == nil {
				failed = map[*RedisStore]bool{}
			}
			failed[op.store] = true
			if first == nil {
				first = err
			}
			kept = append(kept, op)
			continue
		}
		r.pendingKeys -= len(op.t.keys)
	}
	clear(r.pending[len(kept):])
	r.pending = kept
	if len(kept) == 0 {
		r.pending = nil
	}
	r.hasPending.Store(len(kept) > 0)
	return first
}

// Pending returns the number of keys waiting for a release or a confirm.
func (r *Redis) Pending() int {
	r.pendingMu.Lock()
	defer r.pendingMu.Unlock()
	return r.pendingKeys
}

// Ping asks Redis once (for a Sentinel: finds the master first), so a
// start can tell refused credentials (IsAuthError) from an outage.
func (r *Redis) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return r.client.Ping(ctx).Err()
}

// IsAuthError reports whether Redis refused the credentials: a password
// required and not sent (NOAUTH), a wrong user or password (WRONGPASS;
// "ERR invalid password" before Redis 6). Waiting does not fix these,
// unlike an outage.
func IsAuthError(err error) bool {
	if redis.IsAuthError(err) {
		return true
	}
	var re redis.Error
	if !errors.As(err, &re) {
		return false
	}
	msg := re.Error()
	return strings.HasPrefix(msg, "ERR invalid password")
}

// ErrorReason maps a Claim or Confirm error to a bounded label value:
// "in_flight" (ErrInFlight), "timeout" (no answer within the timeout),
// "unavailable" (no connection: refused, reset, closed) or "redis_error"
// (Redis answered with an error such as OOM, READONLY, LOADING, NOAUTH, or
// with a claim reply the script cannot have sent).
func ErrorReason(err error) string {
	var ne net.Error
	var re redis.Error
	switch {
	case errors.Is(err, ErrInFlight):
		return ReasonInFlight
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, redis.ErrPoolTimeout),
		errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &re), errors.Is(err, errBadReply):
		return "redis_error"
	default:
		return "unavailable"
	}
}

// Reasons of failures that are not outages of Redis.
const (
	// ReasonInFlight: a claim found a record pending for another request.
	ReasonInFlight = "in_flight"
	// ReasonConfirmFailed: counted records could not be marked done (the
	// confirm is queued; the body was still answered 200). Not returned by
	// ErrorReason: the caller knows it failed a confirm.
	ReasonConfirmFailed = "confirm_failed"
)

// ErrorReasons are every value ErrorReason returns, and
// ReasonConfirmFailed: the bounded reason label of dedup errors.
var ErrorReasons = []string{"timeout", "unavailable", "redis_error", ReasonInFlight, ReasonConfirmFailed}
