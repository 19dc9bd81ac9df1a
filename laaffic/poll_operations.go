package laaffic

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
)

// The LAAFFIC operations pollers (SIP trunks, agents, numbers, tasks): one
// collector.Poller per endpoint, so each has its own min_interval, cache and
// success gauge, and a failing endpoint is told apart from a down account
// (laaffic_up stays the balance's). Their self-metrics share the names
// laaffic_operations_* and differ by the `endpoint` label.

// pollEndpoint is one operations endpoint: what its poller file plugs in.
type pollEndpoint struct {
	name string // laaffic.accounts[].collect value and `endpoint` label
	// foldMetric names the family whose open-ended label (trunk or group
	// names) goes through the cap: the `metric` label of the folded-values
	// counter; "" when the endpoint has no open-ended label.
	foldMetric  string
	minInterval func(a *config.LaafficAccount) time.Duration
	descs       []*prometheus.Desc
	// fetch reads the endpoint for one account into r.
	fetch func(r *pollRun) *collector.FetchError
}

// The operations endpoints. Trunks, agents and tasks change within minutes
// and are read at most once per the account's min_interval; numbers change
// by the day.
var (
	sipTrunksEndpoint = &pollEndpoint{name: config.LaafficSIPTrunks, foldMetric: "laaffic_sip_trunk_enabled", minInterval: pollAccountInterval,
		descs: []*prometheus.Desc{sipTrunkUpDesc, sipTrunkEnabledDesc}, fetch: fetchSIPTrunks}
	agentsEndpoint = &pollEndpoint{name: config.LaafficAgents, foldMetric: "laaffic_agents", minInterval: pollAccountInterval,
		descs: []*prometheus.Desc{agentsDesc, agentGroupSeatsDesc, agentGroupCallsDesc, agentGroupConnectedDesc}, fetch: fetchAgents}
	numbersEndpoint = &pollEndpoint{name: config.LaafficNumbers, minInterval: (*config.LaafficAccount).NumbersMinInterval,
		descs: []*prometheus.Desc{numbersDesc, numberNextExpiryDesc}, fetch: fetchNumbers}
	tasksEndpoint = &pollEndpoint{name: config.LaafficTasks, minInterval: pollAccountInterval,
		descs: []*prometheus.Desc{tasksDesc, taskNumbersDesc}, fetch: fetchTasks}
)

// NewSIPTrunksPoller, NewAgentsPoller, NewNumbersPoller and NewTasksPoller
// return the endpoint's poller with no accounts; call ApplyConfig.
func NewSIPTrunksPoller(o collector.Options) *OperationsPoller {
	return newOperationsPoller(o, sipTrunksEndpoint)
}
func NewAgentsPoller(o collector.Options) *OperationsPoller {
	return newOperationsPoller(o, agentsEndpoint)
}
func NewNumbersPoller(o collector.Options) *OperationsPoller {
	return newOperationsPoller(o, numbersEndpoint)
}
func NewTasksPoller(o collector.Options) *OperationsPoller {
	return newOperationsPoller(o, tasksEndpoint)
}

func pollAccountInterval(a *config.LaafficAccount) time.Duration { return a.MinInterval.D() }

// pollDesc is a fetched gauge of an operations endpoint.
func pollDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("laaffic_"+name, help, append([]string{"account"}, labels...), nil)
}

// pollFamily is the self-metrics of one operations endpoint.
func pollFamily(e *pollEndpoint, cut *prometheus.Desc) collector.Family {
	return collector.Family{
		Success:      collector.Metric{Name: "laaffic_operations_scrape_collector_success", Help: "1 if the account's LAAFFIC operations endpoint was collected in this scrape, else 0."},
		Duration:     collector.Metric{Name: "laaffic_operations_scrape_collector_duration_seconds", Help: "Time this scrape spent collecting the account's LAAFFIC operations endpoint (cache, fetch or deadline)."},
		LastSuccess:  collector.Metric{Name: "laaffic_operations_last_success_timestamp_seconds", Help: "Unix time of the last successful fetch of the account's LAAFFIC operations endpoint."},
		Age:          collector.Metric{Name: "laaffic_operations_age_seconds", Help: "Age of the LAAFFIC operations data served in this scrape (cached for the endpoint's min_interval)."},
		Errors:       collector.Metric{Name: "laaffic_operations_scrape_errors_total", Help: "Failed LAAFFIC operations fetches (and scrapes that gave up waiting) by endpoint and reason; truncated counts fetches cut by the page bound, by a page that did not follow the one before or short of the total the list announced, missing_data fetches some of whose records lacked a field a gauge is built from, out_of_range fetches some of whose counts were outside 0..1e9."},
		Fetches:      collector.Metric{Name: "laaffic_operations_fetches_total", Help: "Scrapes of a LAAFFIC operations endpoint by how their data was obtained: fetched upstream, or shared from cache or an in-flight fetch."},
		ConstLabels:  prometheus.Labels{"endpoint": e.name},
		ErrorReasons: append(append([]string(nil), apiErrorReasons...), apiReasonTruncated, apiReasonMissingData, collector.ReasonOutOfRange),
		Descs:        append(append([]*prometheus.Desc(nil), e.descs...), cut),
		Log: collector.LogMessages{
			Fetched:   "fetched LAAFFIC " + e.name,
			Recovered: "LAAFFIC " + e.name + " recovered",
			Failed:    "LAAFFIC " + e.name + " fetch failed",
			Panicked:  "bug: LAAFFIC " + e.name + " fetch panicked",
		},
	}
}

// OperationsPoller reads one operations endpoint of the LAAFFIC accounts.
type OperationsPoller struct {
	e      *pollEndpoint
	poller *collector.Poller[config.LaafficAccount, apiIdentity]
}

func newOperationsPoller(o collector.Options, e *pollEndpoint) *OperationsPoller {
	if o.Logger != nil {
		o.Logger = log.With(o.Logger, "vendor", "laaffic", "endpoint", e.name)
	}
	cut := prometheus.NewDesc("laaffic_operations_records_cut", "Records of the account's LAAFFIC operations endpoint left unread in the last fetch: beyond the page bound, from a page that did not follow the one before on, or counted in the list's total but missing from its pages.",
		[]string{"account"}, prometheus.Labels{"endpoint": e.name})
	v := pollVendor{e: e, cut: cut}
	fam := pollFamily(e, cut)
	if e.foldMetric != "" {
		v.folded = collector.Register(o.Registerer, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name:        "laaffic_operations_label_values_folded_total",
			Help:        "Trunk or agent group names of a LAAFFIC operations endpoint folded into \"other\" because the endpoint reached max_label_values or the name was not a printable label value; once per name and fetch.",
			ConstLabels: prometheus.Labels{"endpoint": e.name},
		}, []string{"account", "metric"}))
		fam.Counters = []*prometheus.CounterVec{v.folded}
	}
	return &OperationsPoller{e: e, poller: collector.NewPoller[config.LaafficAccount, apiIdentity](o, v, fam)}
}

// ApplyConfig sets the accounts whose endpoint is read: those of cfg with
// API credentials whose collect list names it.
func (p *OperationsPoller) ApplyConfig(cfg *config.Config) {
	accounts := cfg.LaafficAccountsCollecting(p.e.name)
	for i := range accounts {
		accounts[i] = accounts[i].WithDefaults()
	}
	p.poller.ApplyConfig(accounts)
}

// ScrapeCollector returns a collector bound to one scrape (see
// collector.Poller.ScrapeCollector).
func (p *OperationsPoller) ScrapeCollector(ctx context.Context) prometheus.Collector {
	return p.poller.ScrapeCollector(ctx)
}

// pollVendor plugs one endpoint into collector.Poller.
type pollVendor struct {
	e      *pollEndpoint
	cut    *prometheus.Desc
	folded *prometheus.CounterVec // nil when the endpoint has no open-ended label
}

func (pollVendor) Identity(a *config.LaafficAccount) (string, apiIdentity) {
	return a.Name, newAPIIdentity(a)
}

func (v pollVendor) MinInterval(a *config.LaafficAccount) time.Duration { return v.e.minInterval(a) }

func (v pollVendor) NewFetcher(acc *collector.Account, a *config.LaafficAccount) collector.Fetcher[config.LaafficAccount] {
	id := newAPIIdentity(a)
	var onFold func()
	if v.folded != nil {
		onFold = v.folded.WithLabelValues(acc.Name(), v.e.foldMetric).Inc
	}
	return &pollFetcher{v: v, acc: acc, id: id, api: newAPIClient(acc, id),
		names: labelcap.New(config.DefaultMaxLabelValues, onFold)}
}

// pollFetcher is the LAAFFIC half of one account of one endpoint.
type pollFetcher struct {
	v   pollVendor
	acc *collector.Account
	id  apiIdentity
	api *apiClient
	// names caps the endpoint's open-ended label (trunk or group names),
	// a round per fetch; fetchNames is the fetch's names already capped, so
	// a name repeated on many records (an agent's group) folds once.
	names      *labelcap.Cap
	fetchNames map[string]string
}

func (f *pollFetcher) Update(*config.LaafficAccount) {}

func (f *pollFetcher) Secrets() []string { return []string{f.id.secret, f.id.key} }

// Fetch reads the endpoint with the account's timeout.
func (f *pollFetcher) Fetch(cfg *config.LaafficAccount, start time.Time) collector.Fetched {
	ctx, cancel := context.WithTimeout(f.acc.Context(), cfg.Timeout.D())
	defer cancel()
	f.names.BeginRound()
	clear(f.fetchNames)
	r := &pollRun{ctx: ctx, f: f, a: cfg, start: start, budget: newAPIBudget()}
	if ferr := f.v.e.fetch(r); ferr != nil {
		return collector.Fetched{Err: ferr}
	}
	out := collector.Fetched{Metrics: append(r.ms, f.gauge(f.v.cut, float64(r.cut)))}
	if r.cut > 0 {
		out.Partial = append(out.Partial, apiReasonTruncated)
		out.LogKV = append(out.LogKV, "records_cut", r.cut)
	}
	if len(r.missing) > 0 {
		out.Partial = append(out.Partial, apiReasonMissingData)
		out.LogKV = append(out.LogKV, "missing_fields", strings.Join(r.missing, ","))
	}
	if len(r.outOfRange) > 0 {
		out.Partial = append(out.Partial, collector.ReasonOutOfRange)
		out.LogKV = append(out.LogKV, "out_of_range_fields", strings.Join(r.outOfRange, ","))
	}
	return out
}

// pollRun is one fetch of an endpoint for one account: what it reads with
// and what it emits.
type pollRun struct {
	ctx   context.Context
	f     *pollFetcher
	a     *config.LaafficAccount
	start time.Time
	ms    []prometheus.Metric
	cut   int64 // records left unread (see apiListed.cut)
	// budget bounds what all the fetch's lists read together.
	budget *apiBudget
	// missing names the fields (ours, not the records' text) some record
	// lacked that a gauge is built from.
	missing []string
	// outOfRange names the fields some record (or list) sent a count
	// outside 0..apiMaxCount in.
	outOfRange []string
}

// lack notes that a record lacked field (absent, null or unusable).
func (r *pollRun) lack(field string) {
	if !slices.Contains(r.missing, field) {
		r.missing = append(r.missing, field)
	}
}

// need notes that a record lacked field when n is unset, and reports
// whether it is set.
func (r *pollRun) need(n apiInt, field string) bool {
	if !n.Set {
		r.lack(field)
	}
	return n.Set
}

// count notes that a record lacked field, or sent it out of range, when n
// is unset, and reports whether it is set.
func (r *pollRun) count(n apiCount, field string) bool {
	switch {
	case n.Out:
		r.outside(field)
	case !n.Set:
		r.lack(field)
	}
	return n.Set
}

// outside notes that a record sent field out of range.
func (r *pollRun) outside(field string) {
	if !slices.Contains(r.outOfRange, field) {
		r.outOfRange = append(r.outOfRange, field)
	}
}

// pollSum is a gauge's sum over records. A record that lacks its value,
// or sends one out of range, makes the sum unknown: no sample rather than
// one too low or absurd.
type pollSum struct {
	v       float64
	unknown bool
}

// pollAdd adds n, the value of field, to sums[k].
func pollAdd[K comparable](r *pollRun, sums map[K]pollSum, k K, n apiCount, field string) {
	s := sums[k]
	if r.count(n, field) {
		s.v += float64(n.V)
	} else {
		s.unknown = true
	}
	sums[k] = s
}

// gaugeSum emits s unless it is unknown.
func (r *pollRun) gaugeSum(d *prometheus.Desc, s pollSum, labels ...string) {
	if !s.unknown {
		r.gauge(d, s.v, labels...)
	}
}

// pollList reads every page of a list for r, counting what the page bound
// cut.
func pollList[T any](r *pollRun, p *apiPath, params map[string]any) ([]T, *collector.FetchError) {
	l, ferr := apiList[T](r.ctx, r.f.api, p, params, r.start, r.budget)
	if ferr != nil {
		return nil, ferr
	}
	r.cut += l.cut
	if l.totalOut {
		r.outside("total")
	}
	return l.records, nil
}

// gauge emits one fetched gauge of the account.
func (r *pollRun) gauge(d *prometheus.Desc, v float64, labels ...string) {
	r.ms = append(r.ms, r.f.gauge(d, v, labels...))
}

// nameLabel is the capped label value of an open-ended name (a trunk or a
// group).
func (f *pollFetcher) nameLabel(name string) string {
	if v, ok := f.fetchNames[name]; ok {
		return v
	}
	if f.fetchNames == nil {
		f.fetchNames = map[string]string{}
	}
	v := f.names.Value(name)
	f.fetchNames[name] = v
	return v
}

// gauge is one fetched gauge of the account.
func (f *pollFetcher) gauge(d *prometheus.Desc, v float64, labels ...string) prometheus.Metric {
	return prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{f.id.name}, labels...)...)
}

// pollLabel returns the bounded label value of a code from names, or
// "unknown".
func pollLabel(names map[int64]string, n apiInt) string {
	if v, ok := names[n.V]; ok && n.Set {
		return v
	}
	return "unknown"
}

// pollLayout formats the API's date-time parameters.
const pollLayout = "2006-01-02 15:04:05"
