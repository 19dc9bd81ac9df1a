package health

import (
	"fmt"
	"strconv"
	"strings"

	"airudder_exporter/mixin"
)

// recordingRules are the rates the Health dashboard reads at every refresh,
// so that a long range reads one recorded sample per step rather than every
// raw sample: the webhook families by source with their outcome or reason,
// the handler latency buckets (every quantile reads them) and the AiRudder
// API requests (both terms of the error ratio read them). Each keeps the
// labels of its raw series: it adds as many series as it reads.
func recordingRules(c *mixin.Config) mixin.RuleGroup {
	return mixin.RuleGroup{Name: "airudder_exporter.recording", Rules: []mixin.Rule{
		c.RecordRate("source", webhookRequests, "source", "outcome"),
		c.RecordRate("source", webhookRecords, "source", "outcome"),
		c.RecordRate("source", webhookInvalid, "source", "reason"),
		c.RecordBuckets("source", webhookLatency, "source"),
		c.RecordRate("account", apiRequests, "account", "endpoint", "outcome"),
	}}
}

func availabilityAlerts(c *mixin.Config) mixin.RuleGroup {
	return mixin.RuleGroup{Name: "airudder_exporter.availability", Rules: []mixin.Rule{
		c.WhileZero("up", mixin.Alert{
			Name:        "AiRudderExporterDown",
			For:         "5m",
			Severity:    "critical",
			Summary:     "airudder_exporter {{ $labels.instance }} is down",
			Description: "Prometheus has failed to scrape {{ $labels.instance }} (job {{ $labels.job }}) for 5 minutes (up = {{ $value }}). No AiRudder statistics are collected and vendor webhooks sent to this instance are failing.",
		}),
		c.Alert(mixin.Alert{
			Name:        "AiRudderExporterAbsent",
			Expr:        "absent(" + c.Sel("up") + ")",
			For:         "15m",
			Severity:    "warning",
			Summary:     "No airudder_exporter target is being scraped",
			Description: "Prometheus has had no target matching {" + c.JobSelector + "} for 15 minutes (absent = {{ $value }}): service discovery or the scrape configuration lost the exporter.",
		}),
		c.WhileZero("airudder_exporter_config_last_reload_successful", mixin.Alert{
			Name:        "AiRudderExporterConfigReloadFailed",
			For:         "5m",
			Severity:    "warning",
			Summary:     "airudder_exporter {{ $labels.instance }} runs on an old configuration",
			Description: "The last configuration reload of {{ $labels.instance }} failed (value {{ $value }}); the exporter keeps the previous configuration until the file is fixed.",
		}),
	}}
}

// rejectedOutcomes are the webhook request outcomes that refuse a body of
// calls; method_not_allowed (scanners' GETs) is left out, and
// encrypted_no_key has an alert of its own.
var rejectedOutcomes = []string{
	"unauthorized", "forbidden", "unknown_account", "unknown_path", "bad_request", "too_large", "unsupported_encoding",
	"read_error", "overloaded", "dedup_unavailable",
	"encrypted_bad_base64", "encrypted_bad_length", "encrypted_wrong_key", "encrypted_bad_signature",
}

func webhookAlerts(c *mixin.Config) mixin.RuleGroup {
	stoppedAfter := c.Threshold("health_webhooks_stopped_seconds", 3600)
	invalidMin := c.Threshold("health_webhook_invalid_records_min", 5)
	invalidRatio := c.Threshold("health_webhook_invalid_records_ratio", 0.01)
	rejectedMin := c.Threshold("health_webhooks_rejected_min", 5)
	unsavedAfter := c.Threshold("health_dedup_state_unsaved_seconds", 600)
	dedupWindow := c.Threshold("health_dedup_window_seconds", 3*3600)

	// increase is the per-source increase of a webhook counter over window,
	// summed by job, instance and source plus the extra labels.
	increase := func(counter, window string, extra []string, matchers ...string) string {
		return mixin.Sum(append([]string{"job", "instance", "source"}, extra...),
			"increase("+c.Sel(counter, matchers...)+"["+window+"])")
	}
	// anyRefused pages on a single request refused as outcome within
	// window: the vendor's retries of such a body are refused alike, so
	// its calls are lost.
	anyRefused := func(name, outcome, window, severity, summary, description string) mixin.Rule {
		return c.Alert(mixin.Alert{
			Name: name, Severity: severity, Summary: summary, Description: description,
			Expr: increase(webhookRequests, window, nil, `outcome="`+outcome+`"`) + " > 0",
		})
	}
	return mixin.RuleGroup{Name: "airudder_exporter.webhooks", Rules: []mixin.Rule{
		// max_over_time keeps a source known across exporter restarts (the
		// gauge only exists after the first request); > 0 skips never-seen
		// sources.
		c.Alert(mixin.Alert{
			Name: "AiRudderWebhooksStopped",
			Expr: fmt.Sprintf("time() - max by (job, instance, source) (max_over_time(%s[1d]) > 0)\n> %s",
				c.Sel("airudder_exporter_webhook_last_received_timestamp_seconds"), num(stoppedAfter)),
			Severity:    "warning",
			Summary:     "No {{ $labels.source }} webhooks for over " + hours(stoppedAfter),
			Description: "{{ $labels.instance }} last accepted a {{ $labels.source }} webhook {{ $value | humanizeDuration }} ago (threshold " + num(stoppedAfter/3600) + "h).",
		}),
		// A share, not "any": one odd record (a vendor test call, a
		// hand-made payload) must not page. Enough invalid records of one
		// reason and a share of the source's records in 30 minutes, for 15
		// minutes.
		c.Alert(mixin.Alert{
			Name: "AiRudderWebhookInvalidRecords",
			Expr: fmt.Sprintf("%s >= %s\nand on (job, instance, source)\n(\n  %s\n  / %s\n) > %s",
				increase(webhookInvalid, "30m", mixin.By("reason")), num(invalidMin),
				increase(webhookInvalid, "30m", nil), increase(webhookRecords, "30m", nil), num(invalidRatio)),
			For:         "15m",
			Severity:    "warning",
			Summary:     "{{ $labels.source }} webhooks carry invalid records ({{ $labels.reason }})",
			Description: "{{ $value | humanize }} {{ $labels.source }} records were rejected as {{ $labels.reason }} by {{ $labels.instance }} in the last 30 minutes (over " + num(invalidRatio*100) + " % of its records); those calls are not counted.",
		}),
		// Whole requests refused: every one is a body of calls that was not
		// counted (the vendor may give up after its retries).
		c.Alert(mixin.Alert{
			Name: "AiRudderWebhooksRejected",
			Expr: increase(webhookRequests, "15m", mixin.By("outcome"), `outcome=~"`+strings.Join(rejectedOutcomes, "|")+`"`) +
				" >= " + num(rejectedMin),
			For:         "15m",
			Severity:    "warning",
			Summary:     "{{ $labels.source }} webhooks are rejected ({{ $labels.outcome }})",
			Description: "{{ $labels.instance }} rejected {{ $value | humanize }} {{ $labels.source }} webhook requests as {{ $labels.outcome }} in the last 15 minutes; the calls in them are not counted unless the vendor's retries get through.",
		}),
		// An encrypted body for an account without aes_key cannot be read at
		// all: every call of that account is lost until the operator adds
		// the key, so a single one pages (AiRudder retries for 5 minutes
		// only).
		anyRefused("AiRudderWebhookEncryptedWithoutKey", "encrypted_no_key", "10m", "critical",
			"{{ $labels.source }} sends encrypted webhooks the exporter has no key for",
			"{{ $labels.instance }} refused {{ $value | humanize }} encrypted {{ $labels.source }} webhook requests in the last 10 minutes because their account has no aes_key; those calls are lost until the key is configured."),
		// The gauge is 0 when no webhooks.token (or token_file) is set:
		// anyone who reaches /webhooks/* can then post calls that get counted.
		c.WhileZero("airudder_exporter_webhook_auth_enabled", mixin.Alert{
			Name:        "AiRudderWebhookAuthDisabled",
			For:         "15m",
			Severity:    "warning",
			Summary:     "airudder_exporter {{ $labels.instance }} accepts anonymous webhooks",
			Description: "{{ $labels.instance }} has no webhook token configured (airudder_exporter_webhook_auth_enabled = {{ $value }}): anyone who can reach /webhooks/* can post calls that are counted.",
		}),
		// The dedup state is written every minute while ids are added. Saves
		// failing while records are counted: a restart would count the
		// re-deliveries of those records again. for: 5m gives the saver its
		// minute after a quiet spell (the last save long ago, then new ids).
		// Absent series (no --storage.path, Redis) stay silent.
		c.Alert(mixin.Alert{
			Name: "AiRudderExporterDedupStateNotSaved",
			Expr: fmt.Sprintf("time() - %s > %s\nand on (job, instance, source)\n%s > 0",
				c.Sel("airudder_exporter_dedup_state_last_save_timestamp_seconds"), num(unsavedAfter),
				increase(webhookRecords, "10m", nil, `outcome="counted"`)),
			For:         "5m",
			Severity:    "warning",
			Summary:     "airudder_exporter {{ $labels.instance }} cannot save its {{ $labels.source }} dedup memory",
			Description: "{{ $labels.instance }} last saved its {{ $labels.source }} dedup state {{ $value | humanizeDuration }} ago while counting new records (threshold " + num(unsavedAfter/60) + " minutes); after a restart their re-deliveries would count twice.",
		}),
		// The load at start is counted once per process. The ids it lost
		// matter for one dedup_window (the exporter's default: 3h): after it
		// they would have expired anyway, so the alert ends on its own.
		c.Alert(mixin.Alert{
			Name: "AiRudderExporterDedupStateNotLoaded",
			Expr: fmt.Sprintf("%s > 0\nand on (job, instance)\ntime() - %s < %s",
				c.Sel("airudder_exporter_dedup_state_loads_total", `outcome="error"`),
				c.Sel("process_start_time_seconds"), num(dedupWindow)),
			Severity:    "warning",
			Summary:     "airudder_exporter {{ $labels.instance }} started without its {{ $labels.source }} dedup memory",
			Description: "{{ $labels.instance }} could not load its saved {{ $labels.source }} dedup state at start (failed loads: {{ $value }}); re-deliveries of records counted before the restart count again until dedup_window has passed.",
		}),
		// A body over the route's limit is answered 413, and the vendor
		// sends the same body again: every retry is refused, so its records
		// are lost however often it tries. One is enough (only token holders
		// reach the size check).
		anyRefused("AiRudderWebhookBodyTooLarge", "too_large", "1h", "warning",
			"{{ $labels.source }} webhooks are too large for the exporter",
			"{{ $labels.instance }} refused {{ $value | humanize }} {{ $labels.source }} webhook requests as too large (413) in the last hour; the vendor retries the same body, which is refused again, so its records are lost until the limit (webhooks.max_body_bytes, webhooks.laaffic_max_body_bytes) is raised."),
	}}
}

// hours words a duration in seconds for a summary: "an hour", "2 hours".
func hours(seconds float64) string {
	if seconds == 3600 {
		return "an hour"
	}
	return num(seconds/3600) + " hours"
}

// num writes a threshold as PromQL and the descriptions read it: 3600, 0.01.
func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
