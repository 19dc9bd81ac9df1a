package collector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
)

// The LAAFFIC balance collector: per configured account with API
// credentials, GET /v3/getBalance through the same fetchCache as the
// AiRudder statistics (cached for min_interval, one request in flight,
// scrapes bounded by their deadline). When the balance runs out, LAAFFIC
// stops the calls: these gauges feed the alert a LAAFFIC customer needs most.

// Defaults for accounts built without config.Parse.
const laafficDefaultTimeout = config.DefaultRequestTimeout

func laDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("laaffic_"+name, help, []string{"account"}, nil)
}

var (
	laBalanceDesc     = laDesc("balance", "Account balance from getBalance (the account's currency; the API names none).")
	laGiftDesc        = laDesc("gift_balance", "Gift balance from getBalance (gift).")
	laCreditDesc      = laDesc("credit_limit", "Credit limit from getBalance (credit).")
	laUpDesc          = laDesc("up", "1 if the last LAAFFIC balance fetch of the account succeeded, else 0.")
	laSuccessDesc     = laDesc("scrape_collector_success", "1 if the account's balance was collected in this scrape, else 0 (same as laaffic_up).")
	laDurationDesc    = laDesc("scrape_collector_duration_seconds", "Time this scrape spent collecting the account's balance (cache, fetch or deadline).")
	laLastSuccessDesc = laDesc("last_success_timestamp_seconds", "Unix time of the account's last successful balance fetch.")
	laAgeDesc         = laDesc("balance_age_seconds", "Age of the balance served in this scrape (cached for min_interval).")

	laAllDescs = []*prometheus.Desc{laBalanceDesc, laGiftDesc, laCreditDesc, laUpDesc, laSuccessDesc,
		laDurationDesc, laLastSuccessDesc, laAgeDesc}
)

// laafficErrorReasons is the bounded `reason` of laaffic_scrape_errors_total.
var laafficErrorReasons = []string{"auth", "ip_not_allowed", "locked", "timestamp", "system",
	laafficReasonOtherStatus, reasonHTTPStatus, reasonTimeout, reasonNetwork, reasonDecode}

// laafficSelfMetrics are the balance collector's persistent counters.
type laafficSelfMetrics struct {
	errors  *prometheus.CounterVec
	fetches *prometheus.CounterVec
}

func newLaafficSelfMetrics(reg prometheus.Registerer) *laafficSelfMetrics {
	m := &laafficSelfMetrics{
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_scrape_errors_total",
			Help: "Failed LAAFFIC balance fetches (and scrapes that gave up waiting) by reason.",
		}, []string{"account", "reason"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "laaffic_balance_fetches_total",
			Help: "Scrapes by how their balance was obtained: fetched upstream, or shared from cache or an in-flight fetch.",
		}, []string{"account", "result"}),
	}
	if reg != nil {
		m.errors = register(reg, m.errors)
		m.fetches = register(reg, m.fetches)
	}
	return m
}

func (m *laafficSelfMetrics) initAccount(name string) {
	for _, r := range laafficErrorReasons {
		m.errors.WithLabelValues(name, r)
	}
	m.fetches.WithLabelValues(name, "fetched")
	m.fetches.WithLabelValues(name, "shared")
}

func (m *laafficSelfMetrics) dropAccount(name string) {
	l := prometheus.Labels{"account": name}
	m.errors.DeletePartialMatch(l)
	m.fetches.DeletePartialMatch(l)
}

// laIdentity is what must stay equal across a reload for an account to
// keep its cache.
type laIdentity struct{ name, baseURL, key, secret string }

func laIdentityOf(a *config.LaafficAccount) laIdentity {
	return laIdentity{a.Name, strings.TrimRight(a.BaseURL, "/"), string(a.APIKey), string(a.APISecret)}
}

// laAccount is the state of one LAAFFIC account.
type laAccount struct {
	id     laIdentity
	cfg    *config.LaafficAccount // replaced only under Laaffic.mu; read via snapshot
	now    func() time.Time
	hc     *http.Client
	m      *laafficSelfMetrics
	logger log.Logger
	ctx    context.Context
	cancel context.CancelFunc
	cache  fetchCache

	dropMu  sync.RWMutex
	dropped bool

	mu       sync.Mutex
	logState string
}

func (a *laAccount) inc(vec *prometheus.CounterVec, label string) {
	a.dropMu.RLock()
	defer a.dropMu.RUnlock()
	if !a.dropped {
		vec.WithLabelValues(a.id.name, label).Inc()
	}
}

func (a *laAccount) drop() {
	a.cancel()
	a.dropMu.Lock()
	defer a.dropMu.Unlock()
	a.dropped = true
	a.m.dropAccount(a.id.name)
}

// redact removes the account's credentials from s (the error texts are
// built without them; this is the second line of defence).
func (a *laAccount) redact(s string) string {
	for _, secret := range []string{a.id.secret, a.id.key} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

func (a *laAccount) get(ctx context.Context, cfg *config.LaafficAccount) *result {
	return a.cache.get(ctx, fetchHooks{
		now:         a.now,
		minInterval: cfg.MinInterval.D(),
		fetch:       func() *result { return a.fetch(cfg) },
		shared:      func() { a.inc(a.m.fetches, "shared") },
		panicked: func(p any) *result {
			_ = level.Error(a.logger).Log("msg", "bug: LAAFFIC balance fetch panicked", "panic", a.redact(fmt.Sprint(p)))
			a.inc(a.m.errors, reasonDecode)
			return &result{started: a.now(), done: a.now(), err: &fetchError{reason: reasonDecode, msg: "internal error"}}
		},
	})
}

func (a *laAccount) fetch(cfg *config.LaafficAccount) *result {
	start := a.now()
	a.inc(a.m.fetches, "fetched")
	timeout := cfg.Timeout.D()
	if timeout <= 0 {
		timeout = laafficDefaultTimeout
	}
	ctx, cancel := context.WithTimeout(a.ctx, timeout)
	defer cancel()
	bal, ferr := requestLaafficBalance(ctx, a.hc, a.id.baseURL, a.id.key, a.id.secret, start)
	res := &result{started: start, err: ferr}
	if ferr == nil {
		name := a.id.name
		res.metrics = []prometheus.Metric{
			prometheus.MustNewConstMetric(laBalanceDesc, prometheus.GaugeValue, bal.Balance, name),
			prometheus.MustNewConstMetric(laGiftDesc, prometheus.GaugeValue, bal.Gift, name),
			prometheus.MustNewConstMetric(laCreditDesc, prometheus.GaugeValue, bal.Credit, name),
		}
	} else {
		a.inc(a.m.errors, ferr.reason)
	}
	res.done = a.now()
	a.logFetch(res)
	return res
}

// logFetch logs every fetch at debug and a change of state at info/warn,
// so a long outage logs once.
func (a *laAccount) logFetch(res *result) {
	state := "ok"
	if res.err != nil {
		state = res.err.reason
	}
	a.mu.Lock()
	prev := a.logState
	a.logState = state
	a.mu.Unlock()
	kv := []any{"msg", "fetched LAAFFIC balance", "state", state, "duration", res.done.Sub(res.started)}
	if res.err != nil {
		kv = append(kv, "err", a.redact(res.err.msg))
	}
	switch {
	case state == prev || (state == "ok" && prev == ""):
		_ = level.Debug(a.logger).Log(kv...)
	case state == "ok":
		kv[1] = "LAAFFIC balance recovered"
		_ = level.Info(a.logger).Log(append(kv, "previous_state", prev)...)
	default:
		kv[1] = "LAAFFIC balance fetch failed"
		_ = level.Warn(a.logger).Log(kv...)
	}
}

// Laaffic collects the balance of LAAFFIC accounts.
type Laaffic struct {
	opts Options
	m    *laafficSelfMetrics

	mu       sync.RWMutex
	accounts []*laAccount
}

// NewLaaffic returns a balance collector with no accounts; call ApplyConfig.
func NewLaaffic(o Options) *Laaffic {
	o = o.withDefaults()
	return &Laaffic{opts: o, m: newLaafficSelfMetrics(o.Registerer)}
}

// ApplyConfig sets the accounts whose balance is read (those with
// credentials; others are skipped). Accounts whose name, base_url and
// credentials are unchanged keep their cache; the rest are dropped with
// their counters.
func (c *Laaffic) ApplyConfig(accounts []config.LaafficAccount) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := make(map[laIdentity]*laAccount, len(c.accounts))
	for _, a := range c.accounts {
		old[a.id] = a
	}
	next := make([]*laAccount, 0, len(accounts))
	kept := map[laIdentity]bool{}
	for i := range accounts {
		cfg := accounts[i]
		if !cfg.HasBalanceCredentials() {
			continue
		}
		if cfg.BaseURL == "" {
			cfg.BaseURL = config.DefaultLaafficBaseURL
		}
		if cfg.MinInterval == 0 {
			cfg.MinInterval = config.Duration(config.DefaultLaafficMinInterval)
		}
		id := laIdentityOf(&cfg)
		if a := old[id]; a != nil && !kept[id] {
			kept[id] = true
			a.cfg = &cfg
			next = append(next, a)
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		a := &laAccount{
			id: id, cfg: &cfg, now: c.opts.Now, hc: c.opts.HTTPClient, m: c.m,
			logger: log.With(c.opts.Logger, "account", cfg.Name, "vendor", "laaffic"),
			ctx:    ctx, cancel: cancel,
		}
		next = append(next, a)
	}
	for id, a := range old {
		if !kept[id] {
			a.drop()
		}
	}
	for _, a := range next {
		if !kept[a.id] {
			c.m.initAccount(a.id.name)
		}
	}
	c.accounts = next
}

type laSnapshot struct {
	a   *laAccount
	cfg *config.LaafficAccount
}

func (c *Laaffic) snapshot() []laSnapshot {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]laSnapshot, len(c.accounts))
	for i, a := range c.accounts {
		out[i] = laSnapshot{a, a.cfg}
	}
	return out
}

// ScrapeCollector returns a collector bound to one scrape (see
// Inbound.ScrapeCollector).
func (c *Laaffic) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return &laScrape{c: c, ctx: ctx}
}

type laScrape struct {
	c   *Laaffic
	ctx context.Context
}

func (s *laScrape) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range laAllDescs {
		ch <- d
	}
}

func (s *laScrape) Collect(ch chan<- prometheus.Metric) {
	inParallel(s.c.snapshot(), func(sn laSnapshot) { s.collectAccount(sn, ch) })
}

func (s *laScrape) collectAccount(sn laSnapshot, ch chan<- prometheus.Metric) {
	a := sn.a
	begin := a.now()
	res := a.get(s.ctx, sn.cfg)
	if res == nil {
		a.inc(a.m.errors, reasonTimeout) // the scrape's deadline came first; the fetch goes on
	}
	emitScrape(ch, laSelfDescs, a.id.name, res, begin, a.now(), a.cache.lastSuccessTime())
}

var laSelfDescs = selfDescs{up: laUpDesc, success: laSuccessDesc, duration: laDurationDesc, lastSuccess: laLastSuccessDesc, age: laAgeDesc}
