package config

import (
	"strings"
	"testing"
)

// Names in the file that become label values follow labelcap.Printable:
// a name with an invisible or bidi-control character is refused at load;
// plain Unicode text is taken.
func TestConfiguredLabelValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"collections", true},
		{"Cobrança é 回收", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{"", false},
		{"a\u202eb", false}, // right-to-left override
		{"a\u200bb", false}, // zero-width space
		{"a\x01b", false},
	} {
		c := &Config{Webhooks: Webhooks{Robots: map[string]string{"hash": tc.name}}}
		if err := c.finishAiRudderWebhooks(); (err == nil) != tc.ok {
			t.Errorf("robot name %q: err %v, want ok %v", tc.name, err, tc.ok)
		}
		c = &Config{Webhooks: Webhooks{Campaigns: []CampaignRule{{Match: "^x", Name: tc.name}}}}
		if err := c.finishAiRudderWebhooks(); (err == nil) != tc.ok {
			t.Errorf("campaign name %q: err %v, want ok %v", tc.name, err, tc.ok)
		}
		if scriptName(tc.name) != tc.ok {
			t.Errorf("scriptName(%q) = %v", tc.name, !tc.ok)
		}
	}
	if scriptName(" collections") {
		t.Error("a script name with a surrounding space is taken")
	}
}
