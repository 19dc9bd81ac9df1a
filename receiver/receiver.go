// Package receiver is the vendor-neutral webhook core: it serves
// /webhooks/<vendor>[/<account>] for the Vendors plugged into it and turns
// their bodies into metrics.
//
// Flow per request: handler.go (route, method, source address, token,
// concurrency and size limits, read deadline, body encodings) → the
// vendor's Body.Decode (bytes → records with dedup keys, per-record invalid
// reasons; no metrics) → claim.go (claim the keys in the vendor's dedup
// store) → Body.Record (label caps, counters: the only code touching the
// vendor's metrics) → confirm.
// A 200 answer means every valid, new record of the body has been counted.
package receiver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"airudder_exporter/config"
	"airudder_exporter/internal/slot"
	"airudder_exporter/receiver/dedup"
)

// Options are the receiver's non-config dependencies.
type Options struct {
	Logger      log.Logger            // nil → nop
	Registerer  prometheus.Registerer // every receiver metric is registered here once; nil → none
	StoragePath string                // directory for dedup state ("" = no persistence)
	Now         func() time.Time      // nil → time.Now
}

// Receiver serves the webhook endpoints. Safe for concurrent use.
type Receiver struct {
	logger      log.Logger
	now         func() time.Time
	storagePath string

	m         *metrics
	env       Env
	exemplars Exemplars
	strings   *Interner
	sources   map[string]*source // by vendor name
	order     []*source          // in the order the vendors were given
	settings  atomic.Pointer[settings]

	// With webhooks.redis: the shared dedup memory (redis.go); the local
	// sets of the sources then stay empty and nothing is persisted.
	redis    *dedup.Redis
	redisCfg config.Redis

	state *stateMetrics // with persistence only (persist_metrics.go)

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// source is one plugged-in vendor with the receiver state kept for it.
type source struct {
	name   string
	index  int // in Receiver.order and settings.sources
	vendor Vendor
	set    *dedup.Set        // local dedup memory
	redis  *dedup.RedisStore // with webhooks.redis, else nil
	store  dedup.Store       // where claims go: redis, else set
	m      *sourceMetrics
	pool   sync.Pool // of *work

	adds  atomic.Uint64 // ids claimed fresh: tells the saver what changed
	saved uint64        // adds at the last save (saver only)

	noKeyWarned atomic.Bool // an encrypted body without a key was logged at warn
}

// work is the pooled per-request state of a source: the body buffer and
// the vendor's decode and record state.
type work struct {
	buf    bytes.Buffer
	body   Body
	budget bodyBudget // this request's share of max_body_bytes_in_flight
}

// settings is the part of the config the handler reads per request; a
// reload swaps in a new one atomically.
type settings struct {
	tokenSum    [sha256.Size]byte
	hasToken    bool
	sources     []sourceSettings // by source.index
	readTimeout time.Duration
	queueWait   time.Duration // how long a request may wait for a slot
	allowActive bool          // allowed_cidrs configured (even if none parsed: deny all)
	allowed     []netip.Prefix
	trusted     []netip.Prefix
	maxConc     int
	sem         *slot.Slots
	// budget holds the bytes of the bodies in memory (max_body_bytes_in_flight).
	budget     *semaphore.Weighted
	budgetSize int64
}

// sourceSettings are the settings of one vendor.
type sourceSettings struct {
	// The webhook accounts (the <account> of /webhooks/<vendor>/<account>);
	// "default" is always there.
	accounts map[string]accountAuth
	maxBody  int64
}

// accountAuth is one webhook account's own token, when it has one.
type accountAuth struct {
	hasToken bool
	tokenSum [sha256.Size]byte
}

func accountsOf(in map[string]config.Secret) map[string]accountAuth {
	out := make(map[string]accountAuth, len(in)+1)
	out[config.DefaultWebhookAccount] = accountAuth{}
	for name, tok := range in {
		var a accountAuth
		if tok != "" {
			a.hasToken, a.tokenSum = true, sha256.Sum256([]byte(tok))
		}
		out[name] = a
	}
	return out
}

// maxQueueWait bounds the wait for a concurrency slot: when the receiver is
// saturated, a quick 503 (the vendor retries in a minute) beats holding
// connections open.
const maxQueueWait = 2 * time.Second

// saveInterval is how often the dedup state is written while running.
const saveInterval = time.Minute

// stateFileName is the name of a vendor's dedup state file under
// Options.StoragePath.
func stateFileName(vendor string) string { return "dedup-" + vendor + ".state" }

// internedStrings bounds the receiver's Interner.
const internedStrings = 8192

// New builds a receiver serving vendors, registers its metrics and the
// vendors' and, with a StoragePath, loads the saved dedup state (a missing
// or corrupt file is logged and the receiver starts empty: losing dedup
// memory is better than not starting) and starts saving it every minute.
func New(cfg config.Webhooks, o Options, vendors ...Vendor) (*Receiver, error) {
	cfg = cfg.WithDefaults()
	r := &Receiver{
		logger:      o.Logger,
		now:         o.Now,
		storagePath: o.StoragePath,
		sources:     make(map[string]*source, len(vendors)),
		strings:     NewInterner(internedStrings),
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	if r.logger == nil {
		r.logger = log.NewNopLogger()
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.exemplars.init()
	names := make([]string, 0, len(vendors))
	for _, v := range vendors {
		name := v.Name()
		// "other" is the source of requests naming no vendor (handler.go).
		if _, dup := r.sources[name]; dup || name == "" || name == ValueOther || strings.Contains(name, "/") {
			return nil, fmt.Errorf("webhook vendor name %q is empty, %q, has a '/' or is given twice", name, ValueOther)
		}
		s := &source{name: name, index: len(r.order), vendor: v, set: dedup.New(cfg.DedupWindow.D(), cfg.DedupMaxEntries)}
		s.store = s.set
		s.pool.New = func() any { return &work{body: v.NewBody()} }
		r.sources[name] = s
		r.order = append(r.order, s)
		names = append(names, name)
	}
	r.m = newMetrics(names)
	for _, s := range r.order {
		s.m = newSourceMetrics(r.m, s.name)
	}
	if cfg.Redis.Enabled() {
		if err := r.startRedis(cfg); err != nil {
			return nil, err
		}
	}
	r.env = Env{Logger: r.logger, Now: r.now, Strings: r.strings, Exemplars: &r.exemplars, folded: r.m.folded}
	cs := append(r.m.collectors(), r.dedupCollectors()...)
	for _, s := range r.order {
		cs = append(cs, s.vendor.Init(&r.env)...)
	}
	r.apply(cfg, false)
	if r.storagePath != "" && r.redis == nil {
		if err := os.MkdirAll(r.storagePath, storageDirMode); err != nil {
			level.Error(r.logger).Log("msg", "Cannot create --storage.path; webhook dedup memory will not survive restarts", "path", r.storagePath, "err", err)
			r.storagePath = ""
		} else {
			r.state = newStateMetrics(names)
			cs = append(cs, r.state.collectors()...)
		}
	}

	if o.Registerer != nil {
		var done []prometheus.Collector
		for _, c := range cs {
			if err := o.Registerer.Register(c); err != nil {
				// Undo only our own registrations: Unregister goes by
				// descriptor, so unregistering the collector that failed
				// would remove whoever registered the same metric first.
				for _, d := range done {
					o.Registerer.Unregister(d)
				}
				r.closeRedis(context.Background())
				return nil, err
			}
			done = append(done, c)
		}
	}

	if r.storagePath == "" || r.redis != nil {
		close(r.done)
		return r, nil
	}
	r.load()
	go r.saveLoop()
	return r, nil
}

// dedupCollectors expose the dedup sets' size and early evictions.
func (r *Receiver) dedupCollectors() []prometheus.Collector {
	cs := []prometheus.Collector{r.m.dedupErrors}
	for _, s := range r.order {
		set := s.set
		labels := prometheus.Labels{"source": s.name}
		cs = append(cs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name:        "airudder_exporter_dedup_entries",
				Help:        "Record ids remembered for deduplication.",
				ConstLabels: labels,
			}, func() float64 { return float64(set.Sweep(r.now())) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name:        "airudder_exporter_dedup_evictions_total",
				Help:        "Record ids dropped before their window ended because dedup_max_entries was reached.",
				ConstLabels: labels,
			}, func() float64 { return float64(set.Evictions()) }),
		)
	}
	return cs
}

// ApplyConfig applies a reloaded webhooks section: token, limits, label
// caps, allow-lists and CIDRs. Counters, admitted label values and the
// dedup memory are kept. Requests in flight finish with the old settings.
// Without a token it warns that the receiver is anonymous.
func (r *Receiver) ApplyConfig(cfg config.Webhooks) { r.apply(cfg, true) }

// apply is ApplyConfig; New applies the first config without the warning,
// which the owner's first ApplyConfig gives.
func (r *Receiver) apply(cfg config.Webhooks, warnAnonymous bool) {
	cfg = cfg.WithDefaults()
	s := &settings{
		sources:     make([]sourceSettings, len(r.order)),
		readTimeout: cfg.ReadTimeout.D(),
		queueWait:   min(cfg.ReadTimeout.D(), maxQueueWait),
		maxConc:     cfg.MaxConcurrentRequests,
		budgetSize:  cfg.MaxBodyBytesInFlight,
		allowActive: len(cfg.AllowedCIDRs) > 0 || len(cfg.AllowedPrefixes) > 0,
		allowed:     prefixes(cfg.AllowedPrefixes, cfg.AllowedCIDRs),
		trusted:     prefixes(cfg.TrustedPrefixes, cfg.TrustedProxies),
	}
	for _, src := range r.order {
		ss := &s.sources[src.index]
		ss.accounts = accountsOf(src.vendor.Accounts(cfg))
		ss.maxBody = cfg.MaxBodyBytes
		if bl, ok := src.vendor.(BodyLimiter); ok {
			ss.maxBody = bl.MaxBodyBytes(cfg)
		}
	}
	if tok := string(cfg.Token); tok != "" {
		s.hasToken, s.tokenSum = true, sha256.Sum256([]byte(tok))
		r.m.authEnabled.Set(1)
	} else {
		r.m.authEnabled.Set(0)
		if warnAnonymous {
			// Logged on every (re)load: an anonymous receiver is worth repeating.
			level.Warn(r.logger).Log("msg", "No webhook token configured: /webhooks/* accept anonymous posts; set webhooks.token or webhooks.token_file (e.g. WEBHOOK_TOKEN)")
		}
	}
	// Keep the semaphore when its size is unchanged, so a reload under
	// load does not briefly double the concurrency.
	old := r.settings.Load()
	if old != nil && old.sem.Size() == s.maxConc {
		s.sem = old.sem
	} else {
		s.sem = slot.New(s.maxConc)
	}
	if old != nil && old.budgetSize == s.budgetSize {
		s.budget = old.budget
	} else {
		s.budget = semaphore.NewWeighted(s.budgetSize)
	}
	for _, src := range r.order {
		src.vendor.ApplyConfig(cfg)
		src.set.SetLimits(cfg.DedupWindow.D(), cfg.DedupMaxEntries)
	}
	r.applyRedis(cfg)
	r.settings.Store(s)
}

// prefixes returns the parsed prefixes, parsing the strings itself when the
// config was not loaded through config.Load. Unparsable entries are
// dropped, which for an allow-list means denying more, never less.
func prefixes(parsed []netip.Prefix, raw []string) []netip.Prefix {
	if len(parsed) > 0 || len(raw) == 0 {
		return parsed
	}
	out := make([]netip.Prefix, 0, len(raw))
	for _, s := range raw {
		s = strings.TrimSpace(s)
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(s); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}

// Close stops the periodic saver and saves the dedup state one last time.
// Safe to call more than once; later calls return the first result.
func (r *Receiver) Close() error { return r.CloseContext(context.Background()) }

// CloseContext is Close, for a shutdown with a deadline: with Redis, the
// last attempt to flush the releases and confirms still queued ends at
// ctx's deadline (at the latest after webhooks.redis.timeout). Call it once
// no handler claims anymore (the HTTP servers drained): later claims are
// refused.
func (r *Receiver) CloseContext(ctx context.Context) error {
	r.closeOnce.Do(func() {
		r.closeRedis(ctx)
		if r.storagePath == "" || r.redis != nil {
			return
		}
		close(r.stop)
		<-r.done
		r.closeErr = r.save(true)
	})
	return r.closeErr
}
