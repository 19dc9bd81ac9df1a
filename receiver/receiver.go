// Package receiver accepts AiRudder and LAAFFIC webhooks and turns them into
// metrics.
//
// Flow per request: handler.go (method, source address, token, concurrency
// and size limits, read deadline) → airudder_*.go / laaffic_*.go
// (bytes → typed events, per-record invalid reasons; no metrics; LAAFFIC:
// shape → push kind, one laaffic_<kind>.go per kind) → record.go,
// airudder_record.go, laaffic_record.go (dedup, label caps, counters: the
// only code touching metrics).
// A 200 answer means every valid, new record of the body has been counted.
package receiver

import (
	"crypto/sha256"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
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

	rec              *recorder
	arDedup, laDedup *dedup.Set
	settings         atomic.Pointer[settings]

	// With webhooks.redis: the shared dedup memory (redis.go); the local
	// sets above then stay empty and nothing is persisted.
	redis            *dedup.Redis
	redisCfg         config.Redis
	arRedis, laRedis *dedup.RedisStore

	arPool, laPool sync.Pool

	arSaved, laSaved uint64 // recorder add counts at the last save (saver only)

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// settings is the part of the config the handler reads per request; a
// reload swaps in a new one atomically.
type settings struct {
	tokenSum    [sha256.Size]byte
	hasToken    bool
	maxBody     int64
	readTimeout time.Duration
	queueWait   time.Duration // how long a request may wait for a slot
	allowActive bool          // allowed_cidrs configured (even if none parsed: deny all)
	allowed     []netip.Prefix
	trusted     []netip.Prefix
	maxConc     int
	sem         chan struct{}

	// Webhook accounts per source (the <account> of
	// /webhooks/<source>/<account>); "default" is always there.
	accounts map[string]map[string]accountAuth
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

// Dedup state file names under Options.StoragePath.
const (
	arStateFile = "dedup-airudder.state"
	laStateFile = "dedup-laaffic.state"
)

// New builds a receiver, registers its metrics and, with a StoragePath,
// loads the saved dedup state (a missing or corrupt file is logged and the
// receiver starts empty: losing dedup memory is better than not starting)
// and starts saving it every minute.
func New(cfg config.Webhooks, o Options) (*Receiver, error) {
	cfg = withDefaults(cfg)
	r := &Receiver{
		logger:      o.Logger,
		now:         o.Now,
		storagePath: o.StoragePath,
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	if r.logger == nil {
		r.logger = log.NewNopLogger()
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.arDedup = dedup.New(cfg.DedupWindow.D(), cfg.DedupMaxEntries)
	r.laDedup = dedup.New(cfg.DedupWindow.D(), cfg.DedupMaxEntries)
	m := newMetrics()
	var arStore, laStore dedup.Store = r.arDedup, r.laDedup
	if cfg.Redis.Enabled() {
		if err := r.startRedis(cfg); err != nil {
			return nil, err
		}
		arStore, laStore = r.arRedis, r.laRedis
	}
	r.rec = newRecorder(m, cfg.MaxLabelValues, arStore, laStore)
	r.ApplyConfig(cfg)

	if o.Registerer != nil {
		var done []prometheus.Collector
		for _, c := range append(m.collectors(), r.dedupCollectors()...) {
			if err := o.Registerer.Register(c); err != nil {
				// Undo only our own registrations: Unregister goes by
				// descriptor, so unregistering the collector that failed
				// would remove whoever registered the same metric first.
				for _, d := range done {
					o.Registerer.Unregister(d)
				}
				r.closeRedis()
				return nil, err
			}
			done = append(done, c)
		}
	}
	r.arPool.New = func() any { return new(arWork) }
	r.laPool.New = func() any { return new(laWork) }

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
	cs := []prometheus.Collector{r.rec.dedupErrors}
	for _, s := range []struct {
		source string
		set    *dedup.Set
	}{{sourceAiRudder, r.arDedup}, {sourceLaaffic, r.laDedup}} {
		set := s.set
		labels := prometheus.Labels{"source": s.source}
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
func (r *Receiver) ApplyConfig(cfg config.Webhooks) {
	cfg = withDefaults(cfg)
	s := &settings{
		maxBody:     cfg.MaxBodyBytes,
		readTimeout: cfg.ReadTimeout.D(),
		queueWait:   min(cfg.ReadTimeout.D(), maxQueueWait),
		maxConc:     cfg.MaxConcurrentRequests,
		allowActive: len(cfg.AllowedCIDRs) > 0 || len(cfg.AllowedPrefixes) > 0,
		allowed:     prefixes(cfg.AllowedPrefixes, cfg.AllowedCIDRs),
		trusted:     prefixes(cfg.TrustedPrefixes, cfg.TrustedProxies),
		accounts: map[string]map[string]accountAuth{
			sourceAiRudder: accountsOf(cfg.AiRudderAccounts),
			sourceLaaffic:  accountsOf(cfg.LaafficAccounts),
		},
	}
	if tok := string(cfg.Token); tok != "" {
		s.hasToken, s.tokenSum = true, sha256.Sum256([]byte(tok))
	}
	// Keep the semaphore when its size is unchanged, so a reload under
	// load does not briefly double the concurrency.
	if old := r.settings.Load(); old != nil && old.maxConc == s.maxConc {
		s.sem = old.sem
	} else {
		s.sem = make(chan struct{}, s.maxConc)
	}
	r.rec.setLimits(cfg.MaxLabelValues, cfg.InfoCheckQuestions, cfg.EventLabels)
	r.rec.applyAiRudder(cfg)
	r.rec.lf.setScripts(cfg.LaafficScripts)
	for name := range s.accounts[sourceLaaffic] {
		r.rec.lf.initAccount(name)
	}
	r.arDedup.SetLimits(cfg.DedupWindow.D(), cfg.DedupMaxEntries)
	r.laDedup.SetLimits(cfg.DedupWindow.D(), cfg.DedupMaxEntries)
	r.applyRedis(cfg)
	r.settings.Store(s)
}

// withDefaults fills zero fields, so a Webhooks value that did not go
// through config.Load (tests, embedding) still behaves.
func withDefaults(c config.Webhooks) config.Webhooks {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = config.DefaultMaxBodyBytes
	}
	if c.DedupWindow <= 0 {
		c.DedupWindow = config.Duration(config.DefaultDedupWindow)
	}
	if c.DedupMaxEntries <= 0 {
		c.DedupMaxEntries = config.DefaultDedupMaxEntries
	}
	if c.MaxLabelValues <= 0 {
		c.MaxLabelValues = config.DefaultMaxLabelValues
	}
	if c.MaxConcurrentRequests <= 0 {
		c.MaxConcurrentRequests = config.DefaultMaxConcurrent
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = config.Duration(config.DefaultReadTimeout)
	}
	return c
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
func (r *Receiver) Close() error {
	r.closeOnce.Do(func() {
		r.closeRedis()
		if r.storagePath == "" || r.redis != nil {
			return
		}
		close(r.stop)
		<-r.done
		r.closeErr = r.save(true)
	})
	return r.closeErr
}
