package health

import (
	"airudder_exporter/mixin"
)

// Counters whose per-second rates the dashboard reads recorded (see
// recordingRules): their names are shared by the rules and the panels.
const (
	apiRequests     = "airudder_api_requests_total"
	webhookRequests = "airudder_exporter_webhook_requests_total"
	webhookRecords  = "airudder_exporter_webhook_records_total"
	webhookInvalid  = "airudder_exporter_webhook_invalid_records_total"
	webhookLatency  = "airudder_exporter_webhook_request_duration_seconds"
)

// Words for the 0/1 health gauges of the stat panels.
var (
	upDown   = []mixin.ValueText{{Value: "0", Text: "DOWN", Color: "red"}, {Value: "1", Text: "UP", Color: "green"}}
	failedOK = []mixin.ValueText{{Value: "0", Text: "FAILED", Color: "red"}, {Value: "1", Text: "OK", Color: "green"}}
)

// healthDashboard is "AiRudder exporter / Health": the exporter itself, from the
// scrape down to the process. The two dedup-state panels keep ids out of
// layout order so that links with viewPanel=<id> stay valid.
func healthDashboard(c *mixin.Config) *mixin.Dashboard {
	d := c.NewDashboard("exporter-health.json", "airudder-exporter-health", "AiRudder exporter / Health",
		"Health of airudder_exporter itself: scrape status, AiRudder API calls, webhook intake, de-duplication, configuration and process.",
		"airudder-exporter", "exporter")
	status(d)
	api(c, d)
	webhooks(c, d)
	process(d)
	return d
}

func status(d *mixin.Dashboard) {
	healthy := []mixin.Step{mixin.Base("red"), mixin.From(1, "green")}
	d.Row("Status")
	d.Add(
		mixin.Stat("Exporter up", "Prometheus scrape health of the exporter (up).", "short",
			mixin.Q(d.S("up"), "{{instance}}")).ValueTexts(upDown...).Thresholds(healthy...),
		mixin.Stat("Accounts up", "Per account: 1 when the last AiRudder statistics fetch succeeded.", "short",
			mixin.Q(d.S("airudder_up"), "{{account}}")).ValueTexts(upDown...).Thresholds(healthy...),
		mixin.Stat("Accounts configured", "Accounts in the config file: enabled, or skipped (disabled or without credentials).", "short",
			mixin.Q(mixin.Sum(mixin.By("state"), d.S("airudder_exporter_accounts")), "{{state}}")),
		mixin.Stat("Config reload", "Whether the last configuration (re)load succeeded. FAILED: the exporter keeps running with the previous file.", "short",
			mixin.Q(d.S("airudder_exporter_config_last_reload_successful"), "{{instance}}")).ValueTexts(failedOK...).Thresholds(healthy...),
		mixin.Stat("Since last config load", "Time since the configuration was last loaded successfully.", "s",
			mixin.Q("time() - "+d.S("airudder_exporter_config_last_reload_success_timestamp_seconds"), "{{instance}}")),
		mixin.Stat("Since last webhook", "Time since the last accepted webhook request, per source. Only sources that have sent something since the exporter started appear.", "s",
			mixin.Q("time() - "+mixin.Agg("max", mixin.By("source"), d.S("airudder_exporter_webhook_last_received_timestamp_seconds")), "{{source}}")).
			Thresholds(mixin.Base("green"), mixin.From(3600, "red")),
	)
}

func api(c *mixin.Config, d *mixin.Dashboard) {
	requests := c.RateName("account", apiRequests)
	d.Row("AiRudder API")
	d.Add(
		mixin.TimeSeries("Account up", "airudder_up per account over time.", "short",
			mixin.Q(d.S("airudder_up"), "{{account}}")).Size(8, 8).Range(0, 1),
		d.RateBy("API requests by outcome", "Upstream AiRudder requests per second by account, endpoint (auth, statistics) and outcome.", "cps",
			requests, "account", "endpoint", "outcome").Size(8, 8),
		d.Ratio("API error ratio", "Share of upstream requests that did not succeed, per account.", 0,
			d.S(requests, `outcome!="success"`), d.S(requests), "account").Size(8, 8),
		// Logins are rare (about one a day per account): a count per interval
		// reads better than a rate of a few millionths.
		mixin.TimeSeries("Logins by outcome", "Token logins per account and outcome. Normally one success a day per account; failures mean bad credentials or an API problem.", "short",
			mixin.Q(mixin.Sum(mixin.By("account", "outcome"), "increase("+d.S("airudder_logins_total")+"[$__rate_interval])"), "{{account}} {{outcome}}")).Size(8, 8),
		d.RateBy("Scrape errors by reason", "Failed or partial statistics fetches per reason.", "cps",
			"airudder_scrape_errors_total", "account", "reason").Size(8, 8),
		d.RateBy("Statistics fetches", "Upstream fetches versus scrapes served from cache or a shared in-flight fetch.", "cps",
			"airudder_statistics_fetches_total", "account", "result").Size(8, 8),
		mixin.TimeSeries("Collection duration and statistics age", "How long the last collection took and how old the served statistics are.", "s",
			mixin.Q(d.S("airudder_scrape_collector_duration_seconds"), "{{account}} collection"),
			mixin.Q(d.S("airudder_statistics_age_seconds"), "{{account}} age")),
		mixin.TimeSeries("Since last successful fetch", "Time since the last successful statistics fetch.", "s",
			mixin.Q("time() - "+d.S("airudder_last_success_timestamp_seconds"), "{{account}}")),
	)
}

func webhooks(c *mixin.Config, d *mixin.Dashboard) {
	records := c.RateName("source", webhookRecords)
	latency := mixin.TimeSeries("Webhook handler latency", "Median and p99 handler latency per source.", "s")
	for _, q := range []struct {
		q      float64
		legend string
	}{{0.5, "p50 {{source}}"}, {0.99, "p99 {{source}}"}} {
		buckets := d.S(c.RateName("source", webhookLatency+"_bucket"))
		latency.Targets = append(latency.Targets, mixin.Q(mixin.Quantile(q.q, mixin.By("source"), buckets), q.legend))
	}
	d.Row("Webhooks")
	d.Add(
		d.RateBy("Webhook requests by outcome", "Webhook HTTP requests per second by source and outcome (accepted, unauthorized, forbidden, bad_request, too_large, method_not_allowed, overloaded).", "cps",
			c.RateName("source", webhookRequests), "source", "outcome"),
		d.RateBy("Webhook records by outcome", "Records in accepted bodies: counted, duplicate (re-delivery) or invalid.", "cps",
			records, "source", "outcome"),
		d.Ratio("Duplicate ratio", "Share of records that were re-deliveries. Vendors retry when the answer is slow or lost; a rising share means the exporter answers too slowly or not at all.", 0,
			d.S(records, `outcome="duplicate"`), d.S(records), "source"),
		d.RateBy("Invalid records by reason", "Records rejected per source and reason.", "cps",
			c.RateName("source", webhookInvalid), "source", "reason"),
		latency,
		d.Gauge("Dedup memory", "Call ids remembered for de-duplication, per source.", "short",
			"sum", "airudder_exporter_dedup_entries", "source"),
		d.RateBy("Dedup evictions", "Ids dropped early because dedup_max_entries was reached: re-deliveries of those calls would be counted twice.", "cps",
			"airudder_exporter_dedup_evictions_total", "source"),
		mixin.TimeSeries("Label values folded into other", "Label values that exceeded max_label_values and were counted as \"other\", per metric (webhooks and inbound statistics).", "cps",
			mixin.Q(d.Rate("airudder_exporter_label_values_folded_total", mixin.By("metric")), "webhook {{metric}}"),
			mixin.Q(d.Rate("airudder_inbound_label_values_folded_total", mixin.By("account", "metric")), "{{account}} {{metric}}")),
		mixin.TimeSeries("Since last dedup state save", "Time since the dedup state file of each source was last written under --storage.path (saved every minute while new ids arrive; an idle source keeps an old time). Growing while records are counted: saves fail and a restart would count re-deliveries twice (alert AiRudderExporterDedupStateNotSaved). Empty without persistence or with webhooks.redis.", "s",
			mixin.Q("time() - "+d.S("airudder_exporter_dedup_state_last_save_timestamp_seconds"), "{{instance}} {{source}}")).ID(31),
		// A failed save is an event (its count per interval); the failed load
		// happens once at start, so its counter is shown as it stands.
		mixin.TimeSeries("Dedup state save and load failures", "Failed writes of the dedup state file (disk full, directory gone or read-only), and state files that could not be loaded at start (corrupt or unreadable: that process started without its memory, alert AiRudderExporterDedupStateNotLoaded).", "short",
			mixin.Q(mixin.Sum(mixin.By("source"), "increase("+d.S("airudder_exporter_dedup_state_saves_total", `outcome="error"`)+"[$__rate_interval])"), "{{source}} saves failed"),
			mixin.Q(mixin.Sum(mixin.By("source"), d.S("airudder_exporter_dedup_state_loads_total", `outcome="error"`)), "{{source}} load failed at start")).ID(32),
	)
}

func process(d *mixin.Dashboard) {
	d.Row("Process")
	d.Add(
		mixin.TimeSeries("Resident memory", "Resident memory of the exporter process.", "bytes",
			mixin.Q(d.S("process_resident_memory_bytes"), "{{instance}}")).Size(8, 8),
		mixin.TimeSeries("CPU", "CPU used by the exporter, as a share of one core.", "percentunit",
			mixin.Q("rate("+d.S("process_cpu_seconds_total")+"[$__rate_interval])", "{{instance}}")).Size(8, 8),
		mixin.TimeSeries("Goroutines", "Goroutines of the exporter process.", "short",
			mixin.Q(d.S("go_goroutines"), "{{instance}}")).Size(8, 8),
		mixin.Table("Build info", "Version, revision and Go version of each exporter instance.", "short",
			mixin.Q(d.S("airudder_exporter_build_info"), "")).Size(24, 5).Columns([]string{"job", "Value"}, nil),
	)
}
