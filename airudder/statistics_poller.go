package airudder

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
	"airudder_exporter/config"
)

// The AiRudder inbound statistics poller: per enabled account, a token
// (cached, refreshed after apiTokenRefresh, one re-login on 401) → GET
// statistics → decodeStatistics (tolerant, typed) → convertStatistics
// (const metrics, open-ended keys capped), through the neutral
// collector.Poller (cache, deadline, self-metrics).

// apiTokenRefresh is the age after which a token is replaced: the
// documented lifetime is 24 h, so 20 h leaves room for clock skew and slow
// scrapes.
const apiTokenRefresh = 20 * time.Hour

// StatisticsPoller scrapes the inbound statistics of the AiRudder accounts.
type StatisticsPoller struct {
	poller   *collector.Poller[config.Account, statIdentity]
	logger   log.Logger
	accounts *prometheus.GaugeVec

	mu sync.Mutex // serialises ApplyConfig
	// noAccountsLogged avoids repeating the "collector disabled" line on
	// every reload of an unchanged credential-less config.
	noAccountsLogged bool
}

// NewStatisticsPoller returns a poller with no accounts; call ApplyConfig.
// Its persistent self-metrics and airudder_exporter_accounts are
// registered with o.Registerer.
func NewStatisticsPoller(o collector.Options) *StatisticsPoller {
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	m := newStatMetrics(o.Registerer)
	fam := statFamily
	fam.Counters = m.counters()
	return &StatisticsPoller{
		poller: collector.NewPoller[config.Account, statIdentity](o, statVendor{m: m}, fam),
		logger: o.Logger,
		accounts: collector.Register(o.Registerer, prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "airudder_exporter_accounts",
			Help: "AiRudder accounts in the configuration, by state (enabled: scraped; skipped: no credentials or disabled).",
		}, []string{"state"})),
	}
}

// ApplyConfig sets the accounts to scrape: the enabled accounts of cfg,
// warning about each skipped one. Accounts whose name, base_url, app_key
// and app_secret are unchanged keep their token, cached statistics and
// label caps (other settings are updated in place); the rest are dropped,
// their in-flight requests cancelled and their counters deleted. Safe to
// call concurrently with scrapes.
func (p *StatisticsPoller) ApplyConfig(cfg *config.Config) {
	p.mu.Lock()
	defer p.mu.Unlock()
	enabled, skipped := cfg.EnabledAccounts()
	names := make([]string, 0, len(skipped))
	for n := range skipped {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		level.Warn(p.logger).Log("msg", "AiRudder account skipped", "account", n, "reason", skipped[n])
	}
	if len(enabled) == 0 {
		if !p.noAccountsLogged {
			level.Warn(p.logger).Log("msg", "AiRudder statistics collector disabled until credentials are given: set AIRUDDER_APP_KEY and AIRUDDER_APP_SECRET (or app_key/app_secret_file in the config file); webhooks are still received")
			p.noAccountsLogged = true
		}
	} else {
		p.noAccountsLogged = false
	}
	p.accounts.WithLabelValues("enabled").Set(float64(len(enabled)))
	p.accounts.WithLabelValues("skipped").Set(float64(len(skipped)))
	for i := range enabled {
		enabled[i] = enabled[i].WithDefaults()
	}
	p.poller.ApplyConfig(enabled)
}

// ScrapeCollector returns a collector bound to one scrape: it waits for
// each account's statistics at most until ctx is done, then reports
// airudder_up 0 for accounts that did not answer in time (their fetch goes
// on and serves a later scrape).
func (p *StatisticsPoller) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return p.poller.ScrapeCollector(ctx)
}

// statIdentity is what must stay equal across a reload for an account to
// keep its token and cached statistics.
type statIdentity struct {
	name, baseURL, appKey, appSecret string
}

// statVendor plugs the statistics fetch into collector.Poller.
type statVendor struct{ m *statMetrics }

func (statVendor) Identity(a *config.Account) (string, statIdentity) {
	return a.Name, statIdentity{a.Name, a.BaseURL, a.AppKey, string(a.AppSecret)}
}

func (statVendor) MinInterval(a *config.Account) time.Duration { return a.MinInterval.D() }

func (v statVendor) NewFetcher(acc *collector.Account, a *config.Account) collector.Fetcher[config.Account] {
	v.m.initAccount(acc.Name())
	return &statFetcher{
		acc:    acc,
		m:      v.m,
		caps:   newStatCaps(acc.Name(), a.MaxLabelValues, v.m.folded),
		secret: string(a.AppSecret),
	}
}

// statFetcher is the AiRudder half of one account: its token and label
// caps.
type statFetcher struct {
	acc    *collector.Account
	m      *statMetrics
	caps   *statCaps
	secret string

	// tokMu serialises logins: concurrent fetches never log in twice.
	tokMu   sync.Mutex
	token   string
	tokenAt time.Time
}

func (f *statFetcher) Update(a *config.Account) { f.caps.setMax(a.MaxLabelValues) }

func (f *statFetcher) Secrets() []string {
	f.tokMu.Lock()
	defer f.tokMu.Unlock()
	return []string{f.secret, f.token}
}

// Fetch fetches the statistics and converts them; partial data is counted
// once per problem kind and its paths logged.
func (f *statFetcher) Fetch(cfg *config.Account, start time.Time) collector.Fetched {
	st, ferr := f.fetchStatistics(cfg, start)
	var out collector.Fetched
	if ferr != nil {
		out.Err = ferr
	} else {
		out.Metrics = convertStatistics(cfg.Name, st, f.caps)
		if st.Missing > 0 {
			out.Partial = append(out.Partial, statReasonMissingData)
		}
		if st.Bad > 0 {
			out.Partial = append(out.Partial, statReasonDecode)
		}
		if st.OutOfRange > 0 {
			out.Partial = append(out.Partial, statReasonOutOfRange)
		}
	}
	if st != nil && (st.Missing > 0 || st.Bad > 0 || st.OutOfRange > 0) {
		out.LogKV = []any{"missing", st.Missing, "missing_paths", strings.Join(st.MissingPaths, ","),
			"bad_values", st.Bad, "bad_paths", strings.Join(st.BadPaths, ","),
			"out_of_range", st.OutOfRange, "out_of_range_paths", strings.Join(st.OutOfRangePaths, ",")}
	}
	return out
}

// fetchStatistics logs in if needed, fetches, and on 401 logs in again
// once and retries once.
func (f *statFetcher) fetchStatistics(cfg *config.Account, now time.Time) (*inboundStatistics, *collector.FetchError) {
	tok, ferr := f.getToken(cfg, "")
	if ferr != nil {
		return nil, ferr
	}
	st, rerr := f.requestStatistics(cfg, tok, now)
	if rerr != nil && rerr.outcome == apiOutcomeUnauthorized {
		if tok, ferr = f.getToken(cfg, tok); ferr != nil {
			return nil, ferr
		}
		st, rerr = f.requestStatistics(cfg, tok, now)
	}
	if rerr == nil {
		return st, nil
	}
	reason := map[string]string{
		apiOutcomeUnauthorized: statReasonUnauthorized,
		apiOutcomeTimeout:      statReasonTimeout,
		apiOutcomeNetworkError: statReasonNetwork,
		apiOutcomeHTTPError:    statReasonHTTPStatus,
		apiOutcomeAPIError:     statReasonAPICode,
		apiOutcomeBadResponse:  statReasonDecode,
		apiOutcomeRedirect:     statReasonRedirect,
		apiOutcomeTooLarge:     statReasonTooLarge,
	}[rerr.outcome]
	if rerr.noData {
		reason = statReasonMissingData
	}
	return st, &collector.FetchError{Reason: reason, Msg: rerr.msg}
}

func (f *statFetcher) requestStatistics(cfg *config.Account, tok string, now time.Time) (*inboundStatistics, *apiError) {
	ctx, cancel := context.WithTimeout(f.acc.Context(), cfg.Timeout.D())
	defer cancel()
	st, rerr := apiStatistics(ctx, f.acc, cfg, tok, now)
	outcome := apiOutcomeSuccess
	if rerr != nil {
		outcome = rerr.outcome
	}
	f.acc.Inc(f.m.apiRequests, apiEndpointStatistics, outcome)
	return st, rerr
}

// getToken returns the cached token, logging in when there is none, it is
// older than apiTokenRefresh, or it is the one the API just refused (bad).
func (f *statFetcher) getToken(cfg *config.Account, bad string) (string, *collector.FetchError) {
	f.tokMu.Lock()
	defer f.tokMu.Unlock()
	now := f.acc.Now()
	age := now.Sub(f.tokenAt)
	if f.token != "" && f.token != bad && age >= 0 && age < apiTokenRefresh {
		return f.token, nil
	}
	ctx, cancel := context.WithTimeout(f.acc.Context(), cfg.Timeout.D())
	defer cancel()
	tok, rerr := apiLogin(ctx, f.acc, cfg)
	if rerr != nil {
		f.acc.Inc(f.m.apiRequests, apiEndpointAuth, rerr.outcome)
		f.acc.Inc(f.m.logins, "failure")
		f.token = ""
		// A login that never got a usable answer is not a credentials
		// problem: say which.
		reason := statReasonLogin
		switch rerr.outcome {
		case apiOutcomeTimeout:
			reason = statReasonTimeout
		case apiOutcomeNetworkError:
			reason = statReasonNetwork
		case apiOutcomeRedirect:
			reason = statReasonRedirect
		case apiOutcomeTooLarge:
			reason = statReasonTooLarge
		}
		return "", &collector.FetchError{Reason: reason, Msg: rerr.msg}
	}
	f.acc.Inc(f.m.apiRequests, apiEndpointAuth, apiOutcomeSuccess)
	f.acc.Inc(f.m.logins, "success")
	why := "no token yet"
	switch {
	case bad != "" && f.token == bad:
		why = "token refused"
	case f.token != "":
		why = "token older than " + apiTokenRefresh.String()
	}
	_ = level.Debug(f.acc.Logger()).Log("msg", "logged in to the AiRudder API", "why", why)
	f.token, f.tokenAt = tok, now
	return tok, nil
}
