package health

import (
	"testing"

	"airudder_exporter/mixin/mixintest"
)

func TestThresholdsComeFromTheConfig(t *testing.T) {
	mixintest.CheckThresholds(t, map[string]float64{
		"health_webhooks_stopped_seconds":      7200,
		"health_webhook_invalid_records_ratio": 0.05,
		"health_dedup_state_unsaved_seconds":   900,
	}, map[string][]string{
		"AiRudderWebhooksStopped":            {"> 7200", "over 2 hours", "threshold 2h"},
		"AiRudderWebhookInvalidRecords":      {"> 0.05", "over 5 % of its records", ">= 5"},
		"AiRudderExporterDedupStateNotSaved": {"> 900", "threshold 15 minutes"},
	}, Part())
}
