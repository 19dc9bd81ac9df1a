package laaffic

import (
	"context"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
	"airudder_exporter/config"
)

// The LAAFFIC balance poller: per configured account with API credentials,
// GET /v3/getBalance through the neutral collector.Poller (cached for
// min_interval, one request in flight, scrapes bounded by their deadline).
// When the balance runs out, LAAFFIC stops the calls: these gauges feed the
// alert a LAAFFIC customer needs most.

func balanceDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("laaffic_"+name, help, []string{"account"}, nil)
}

var (
	balanceAmountDesc = balanceDesc("balance", "Account balance from getBalance (the account's currency; the API names none).")
	balanceGiftDesc   = balanceDesc("gift_balance", "Gift balance from getBalance (gift); no sample when LAAFFIC sends none.")
	balanceCreditDesc = balanceDesc("credit_limit", "Credit limit from getBalance (credit); no sample when LAAFFIC sends none.")
)

// balanceFamily is what the balance poller exposes and logs besides the
// balance gauges.
var balanceFamily = collector.Family{
	Up:          collector.Metric{Name: "laaffic_up", Help: "1 if the last LAAFFIC balance fetch of the account succeeded, else 0."},
	Success:     collector.Metric{Name: "laaffic_scrape_collector_success", Help: "1 if the account's balance was collected in this scrape, else 0 (same as laaffic_up)."},
	Duration:    collector.Metric{Name: "laaffic_scrape_collector_duration_seconds", Help: "Time this scrape spent collecting the account's balance (cache, fetch or deadline)."},
	LastSuccess: collector.Metric{Name: "laaffic_last_success_timestamp_seconds", Help: "Unix time of the account's last successful balance fetch."},
	Age:         collector.Metric{Name: "laaffic_balance_age_seconds", Help: "Age of the balance served in this scrape (cached for min_interval)."},
	Errors:      collector.Metric{Name: "laaffic_scrape_errors_total", Help: "Failed LAAFFIC balance fetches (and scrapes that gave up waiting) by reason."},
	Fetches:     collector.Metric{Name: "laaffic_balance_fetches_total", Help: "Scrapes by how their balance was obtained: fetched upstream, or shared from cache or an in-flight fetch."},
	// The bounded `reason` of laaffic_scrape_errors_total.
	ErrorReasons: append(append([]string(nil), apiErrorReasons...), apiReasonMissingData),
	Descs:        []*prometheus.Desc{balanceAmountDesc, balanceGiftDesc, balanceCreditDesc},
	Log: collector.LogMessages{
		Fetched:   "fetched LAAFFIC balance",
		Recovered: "LAAFFIC balance recovered",
		Failed:    "LAAFFIC balance fetch failed",
		Panicked:  "bug: LAAFFIC balance fetch panicked",
	},
}

// BalancePoller reads the balance of the LAAFFIC accounts.
type BalancePoller struct {
	poller *collector.Poller[config.LaafficAccount, apiIdentity]
}

// NewBalancePoller returns a poller with no accounts; call ApplyConfig.
func NewBalancePoller(o collector.Options) *BalancePoller {
	if o.Logger != nil {
		o.Logger = log.With(o.Logger, "vendor", "laaffic")
	}
	return &BalancePoller{poller: collector.NewPoller[config.LaafficAccount, apiIdentity](o, balanceVendor{}, balanceFamily)}
}

// ApplyConfig sets the accounts whose balance is read: those of cfg with
// API credentials. Accounts whose name, base_url and credentials are
// unchanged keep their cache; the rest are dropped with their counters.
func (p *BalancePoller) ApplyConfig(cfg *config.Config) {
	accounts := cfg.BalanceAccounts()
	for i := range accounts {
		accounts[i] = accounts[i].WithDefaults()
	}
	p.poller.ApplyConfig(accounts)
}

// ScrapeCollector returns a collector bound to one scrape (see
// collector.Poller.ScrapeCollector).
func (p *BalancePoller) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return p.poller.ScrapeCollector(ctx)
}

// balanceVendor plugs the balance fetch into collector.Poller.
type balanceVendor struct{}

func (balanceVendor) Identity(a *config.LaafficAccount) (string, apiIdentity) {
	return a.Name, newAPIIdentity(a)
}

func (balanceVendor) MinInterval(a *config.LaafficAccount) time.Duration { return a.MinInterval.D() }

func (balanceVendor) NewFetcher(acc *collector.Account, a *config.LaafficAccount) collector.Fetcher[config.LaafficAccount] {
	id := newAPIIdentity(a)
	return &balanceFetcher{acc: acc, id: id, api: newAPIClient(acc, id)}
}

// balanceFetcher is the LAAFFIC half of one account.
type balanceFetcher struct {
	acc *collector.Account
	id  apiIdentity
	api *apiClient
}

func (f *balanceFetcher) Update(*config.LaafficAccount) {}

func (f *balanceFetcher) Secrets() []string { return []string{f.id.secret, f.id.key} }

// Fetch sends one signed balance request. A gift or credit the answer
// lacks has no sample (0 would be a value LAAFFIC did not send) and makes
// the fetch partial.
func (f *balanceFetcher) Fetch(cfg *config.LaafficAccount, start time.Time) collector.Fetched {
	ctx, cancel := context.WithTimeout(f.acc.Context(), cfg.Timeout.D())
	defer cancel()
	bal, ferr := requestBalance(ctx, f.api, start)
	if ferr != nil {
		return collector.Fetched{Err: ferr}
	}
	name := f.id.name
	out := collector.Fetched{Metrics: []prometheus.Metric{
		prometheus.MustNewConstMetric(balanceAmountDesc, prometheus.GaugeValue, bal.Balance, name),
	}}
	var missing []string
	for _, a := range []struct {
		desc  *prometheus.Desc
		v     apiAmount
		field string
	}{{balanceGiftDesc, bal.Gift, "gift"}, {balanceCreditDesc, bal.Credit, "credit"}} {
		if !a.v.Set {
			missing = append(missing, a.field)
			continue
		}
		out.Metrics = append(out.Metrics, prometheus.MustNewConstMetric(a.desc, prometheus.GaugeValue, a.v.V, name))
	}
	if len(missing) > 0 {
		out.Partial = []string{apiReasonMissingData}
		out.LogKV = []any{"missing_fields", strings.Join(missing, ",")}
	}
	return out
}
