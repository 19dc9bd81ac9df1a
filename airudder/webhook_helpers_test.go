package airudder

import (
	"testing"

	"airudder_exporter/config"
	"airudder_exporter/internal/webhookgolden"
)

// webhookRecords is the number of records b's body held.
func webhookRecords(b *webhookBatch) int { return len(b.Calls) + len(b.Tasks) + len(b.Invalid) }

// webhookPath is the route of AiRudder webhooks of the default account.
const webhookPath = "/webhooks/" + webhookVendor

// webhookAccountPath is the route of AiRudder webhooks of account.
func webhookAccountPath(account string) string {
	if account == config.DefaultWebhookAccount {
		return webhookPath
	}
	return webhookPath + "/" + account
}

// newWebhookReceiver is a real receiver serving only AiRudder webhooks,
// with the vendor's state for white-box checks.
func newWebhookReceiver(t testing.TB, cfg config.Webhooks) (*webhookgolden.Receiver, *webhookRecorder) {
	t.Helper()
	v := NewWebhooks().(*webhookRecorder)
	return webhookgolden.NewReceiver(t, cfg, v), v
}
