package collector

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
)

// tokenRefresh is the age after which a token is replaced: the documented
// lifetime is 24 h, so 20 h leaves room for clock skew and slow scrapes.
const tokenRefresh = 20 * time.Hour

// identity is what must stay equal across a reload for an account to keep
// its token and cached statistics.
type identity struct {
	name, baseURL, appKey, appSecret string
}

func identityOf(a *config.Account) identity {
	return identity{a.Name, strings.TrimRight(a.BaseURL, "/"), a.AppKey, string(a.AppSecret)}
}

// account is the state of one configured account. Its config may be
// swapped by a reload (same identity); everything else lives as long as
// the identity does.
type account struct {
	id     identity
	cfg    atomic.Pointer[config.Account]
	now    func() time.Time
	hc     *http.Client
	m      *selfMetrics
	logger log.Logger
	caps   *caps
	// ctx is cancelled when a reload drops the account, ending its
	// in-flight requests.
	ctx    context.Context
	cancel context.CancelFunc

	// tokMu serialises logins: concurrent fetches never log in twice.
	tokMu   sync.Mutex
	token   string
	tokenAt time.Time

	cache fetchCache // last result, in-flight fetch (fetchcache.go)

	// dropMu/dropped stop a dropped account's late fetch from re-creating
	// the counter series ApplyConfig deleted.
	dropMu  sync.RWMutex
	dropped bool

	mu       sync.Mutex
	logState string // last logged state, so failures warn once per change
}

// withDefaults fills what config.Parse would have, for accounts built by
// hand: a zero timeout would fail every request, a zero cap fold every key.
func withDefaults(a config.Account) config.Account {
	if a.Timeout <= 0 {
		a.Timeout = config.Duration(config.DefaultRequestTimeout)
	}
	if a.MaxLabelValues <= 0 {
		a.MaxLabelValues = config.DefaultMaxLabelValues
	}
	if a.WindowDays <= 0 {
		a.WindowDays = config.DefaultWindowDays
	}
	if a.Location == nil {
		a.Location = time.UTC
	}
	a.BaseURL = strings.TrimRight(a.BaseURL, "/")
	return a
}

func newAccount(a config.Account, o *Options, m *selfMetrics) *account {
	a = withDefaults(a)
	ctx, cancel := context.WithCancel(context.Background())
	acc := &account{
		id:     identityOf(&a),
		now:    o.Now,
		hc:     o.HTTPClient,
		m:      m,
		logger: log.With(o.Logger, "account", a.Name),
		caps:   newCaps(a.Name, a.MaxLabelValues, m.folded),
		ctx:    ctx,
		cancel: cancel,
	}
	acc.cfg.Store(&a)
	return acc
}

// inc increments the account's series of vec, unless the account was dropped.
func (a *account) inc(vec *prometheus.CounterVec, labels ...string) {
	a.dropMu.RLock()
	defer a.dropMu.RUnlock()
	if !a.dropped {
		vec.WithLabelValues(append([]string{a.id.name}, labels...)...).Inc()
	}
}

// drop cancels in-flight requests and deletes the account's counter series.
func (a *account) drop() {
	a.cancel()
	a.dropMu.Lock()
	defer a.dropMu.Unlock()
	a.dropped = true
	a.m.dropAccount(a.id.name)
}

// update takes a reloaded config of the same identity.
func (a *account) update(c config.Account) {
	c = withDefaults(c)
	a.cfg.Store(&c)
	a.caps.setMax(c.MaxLabelValues)
}

// get returns the statistics for one scrape through the account's
// fetchCache: cached, in flight or newly fetched; nil when ctx ended first.
func (a *account) get(ctx context.Context) *result {
	return a.cache.get(ctx, fetchHooks{
		now:         a.now,
		minInterval: a.cfg.Load().MinInterval.D(),
		fetch:       a.fetch,
		shared:      func() { a.inc(a.m.fetches, "shared") },
		panicked: func(p any) *result {
			_ = level.Error(a.logger).Log("msg", "bug: statistics fetch panicked", "panic", a.redact(fmt.Sprint(p)))
			a.inc(a.m.errors, reasonDecode)
			return &result{started: a.now(), done: a.now(), err: &fetchError{reason: reasonDecode, msg: "internal error"}}
		},
	})
}

// fetch does one upstream fetch and logs it (get caches it).
func (a *account) fetch() *result {
	cfg := a.cfg.Load()
	start := a.now()
	a.inc(a.m.fetches, "fetched")
	st, ferr := a.fetchStatistics(cfg, start)
	res := &result{started: start, err: ferr}
	if ferr == nil {
		res.metrics = convertStatistics(cfg.Name, st, a.caps)
		if st.Missing > 0 {
			a.inc(a.m.errors, reasonMissingData)
		}
		if st.Bad > 0 {
			a.inc(a.m.errors, reasonDecode)
		}
		if st.OutOfRange > 0 {
			a.inc(a.m.errors, reasonOutOfRange)
		}
	} else {
		a.inc(a.m.errors, ferr.reason)
	}
	res.done = a.now()
	a.logFetch(res, st)
	return res
}

// fetchStatistics logs in if needed, fetches, and on 401 logs in again
// once and retries once.
func (a *account) fetchStatistics(cfg *config.Account, now time.Time) (*Statistics, *fetchError) {
	tok, ferr := a.getToken(cfg, "")
	if ferr != nil {
		return nil, ferr
	}
	st, rerr := a.requestStatistics(cfg, tok, now)
	if rerr != nil && rerr.outcome == outcomeUnauthorized {
		if tok, ferr = a.getToken(cfg, tok); ferr != nil {
			return nil, ferr
		}
		st, rerr = a.requestStatistics(cfg, tok, now)
	}
	if rerr == nil {
		return st, nil
	}
	reason := map[string]string{
		outcomeUnauthorized: reasonUnauthorized,
		outcomeTimeout:      reasonTimeout,
		outcomeNetworkError: reasonNetwork,
		outcomeHTTPError:    reasonHTTPStatus,
		outcomeAPIError:     reasonAPICode,
		outcomeBadResponse:  reasonDecode,
	}[rerr.outcome]
	if rerr.noData {
		reason = reasonMissingData
	}
	return st, &fetchError{reason: reason, msg: rerr.msg}
}

func (a *account) requestStatistics(cfg *config.Account, tok string, now time.Time) (*Statistics, *requestError) {
	ctx, cancel := context.WithTimeout(a.ctx, cfg.Timeout.D())
	defer cancel()
	st, rerr := statistics(ctx, a.hc, cfg, tok, now)
	outcome := outcomeSuccess
	if rerr != nil {
		outcome = rerr.outcome
	}
	a.inc(a.m.apiRequests, endpointStatistics, outcome)
	return st, rerr
}

// getToken returns the cached token, logging in when there is none, it is
// older than tokenRefresh, or it is the one the API just refused (bad).
func (a *account) getToken(cfg *config.Account, bad string) (string, *fetchError) {
	a.tokMu.Lock()
	defer a.tokMu.Unlock()
	now := a.now()
	age := now.Sub(a.tokenAt)
	if a.token != "" && a.token != bad && age >= 0 && age < tokenRefresh {
		return a.token, nil
	}
	ctx, cancel := context.WithTimeout(a.ctx, cfg.Timeout.D())
	defer cancel()
	tok, rerr := login(ctx, a.hc, cfg)
	if rerr != nil {
		a.inc(a.m.apiRequests, endpointAuth, rerr.outcome)
		a.inc(a.m.logins, "failure")
		a.token = ""
		// A login that never got an answer is a network problem, not a
		// credentials problem: say which.
		reason := reasonLogin
		switch rerr.outcome {
		case outcomeTimeout:
			reason = reasonTimeout
		case outcomeNetworkError:
			reason = reasonNetwork
		}
		return "", &fetchError{reason: reason, msg: rerr.msg}
	}
	a.inc(a.m.apiRequests, endpointAuth, outcomeSuccess)
	a.inc(a.m.logins, "success")
	why := "no token yet"
	switch {
	case bad != "" && a.token == bad:
		why = "token refused"
	case a.token != "":
		why = "token older than " + tokenRefresh.String()
	}
	_ = level.Debug(a.logger).Log("msg", "logged in to the AiRudder API", "why", why)
	a.token, a.tokenAt = tok, now
	return tok, nil
}

// redact removes every secret this account knows from s. Error texts are
// built without secrets; this is the second line of defence.
func (a *account) redact(s string) string {
	a.tokMu.Lock()
	tok := a.token
	a.tokMu.Unlock()
	for _, secret := range []string{a.id.appSecret, tok} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return s
}

// logFetch logs every fetch at debug, and a failure (or partial data) at
// warn only when the state changes, so a long outage logs once.
func (a *account) logFetch(res *result, st *Statistics) {
	state := "ok"
	switch {
	case res.err != nil:
		state = res.err.reason
	case st != nil && (st.Missing > 0 || st.Bad > 0 || st.OutOfRange > 0):
		state = "partial"
	}
	a.mu.Lock()
	prev := a.logState
	a.logState = state
	a.mu.Unlock()

	dur := res.done.Sub(res.started)
	kv := []any{"msg", "fetched inbound statistics", "state", state, "duration", dur}
	if st != nil && (st.Missing > 0 || st.Bad > 0 || st.OutOfRange > 0) {
		kv = append(kv, "missing", st.Missing, "missing_paths", strings.Join(st.MissingPaths, ","),
			"bad_values", st.Bad, "bad_paths", strings.Join(st.BadPaths, ","),
			"out_of_range", st.OutOfRange, "out_of_range_paths", strings.Join(st.OutOfRangePaths, ","))
	}
	if res.err != nil {
		kv = append(kv, "reason", res.err.reason, "err", a.redact(res.err.msg))
	}
	switch {
	case state == prev:
		_ = level.Debug(a.logger).Log(kv...)
	case state == "ok" && prev == "":
		_ = level.Debug(a.logger).Log(kv...)
	case state == "ok":
		kv[1] = "inbound statistics recovered"
		_ = level.Info(a.logger).Log(append(kv, "previous_state", prev)...)
	default:
		kv[1] = "inbound statistics fetch failed or incomplete"
		_ = level.Warn(a.logger).Log(kv...)
	}
}

// lastSuccessTime returns the time of the last success (zero if none).
func (a *account) lastSuccessTime() time.Time { return a.cache.lastSuccessTime() }
