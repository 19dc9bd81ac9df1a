package receiver

import (
	"net/http"
	"strings"
	"testing"

	"airudder_exporter/config"
)

func TestRoute(t *testing.T) {
	for _, tc := range []struct {
		path, source, account string
		ok                    bool
	}{
		{"/webhooks/airudder", sourceAiRudder, "default", true},
		{"/webhooks/laaffic", sourceLaaffic, "default", true},
		{"/webhooks/airudder/acme", sourceAiRudder, "acme", true},
		{"/webhooks/laaffic/acme-2", sourceLaaffic, "acme-2", true},
		{"/webhooks/airudder/", "", "", false},
		{"/webhooks/airudder/a/b", "", "", false},
		{"/webhooks/airudderx", "", "", false},
		{"/webhooks/other", "", "", false},
		{"/webhooks", "", "", false},
	} {
		s, a, ok := route(tc.path)
		if s != tc.source || a != tc.account || ok != tc.ok {
			t.Errorf("route(%q) = %q, %q, %v; want %q, %q, %v", tc.path, s, a, ok, tc.source, tc.account, tc.ok)
		}
	}
}

// accountsConfig loads a config the way the exporter does, so the webhook
// accounts come from airudder.accounts / laaffic.accounts.
func accountsConfig(t *testing.T, yml string) config.Webhooks {
	t.Helper()
	c, err := config.Parse([]byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	return c.Webhooks
}

func TestHandlerAccounts(t *testing.T) {
	tr := newTestReceiver(t, accountsConfig(t, `
airudder:
  accounts:
    - name: collections
      disabled: true        # no credentials, not scraped: still a webhook account
    - name: sales
      webhook_token: sales-token
laaffic:
  accounts:
    - name: ivr-eu
webhooks:
  token: global-token
`), "")
	call := []byte(`{"call_id":"c-1","status":"finished"}`)
	for _, tc := range []struct {
		name, path string
		want       int
	}{
		{"default path, global token", PathAiRudder + "?token=global-token", http.StatusOK},
		{"named account, global token", PathAiRudder + "/collections?token=global-token", http.StatusOK},
		{"account token replaces the global one", PathAiRudder + "/sales?token=global-token", http.StatusUnauthorized},
		{"account token", PathAiRudder + "/sales?token=sales-token", http.StatusOK},
		{"account token does not open other accounts", PathAiRudder + "/collections?token=sales-token", http.StatusUnauthorized},
		{"unknown account", PathAiRudder + "/nobody?token=global-token", http.StatusNotFound},
		{"laaffic account of airudder name", PathLaaffic + "/sales?token=global-token", http.StatusNotFound},
		{"laaffic named account", PathLaaffic + "/ivr-eu?token=global-token", http.StatusOK},
	} {
		body := call
		if strings.HasPrefix(tc.path, PathLaaffic) {
			body = []byte(`{"voiceId":"v-1"}`)
		}
		rec := tr.post(tc.path, body)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
		if rec.Code == http.StatusNotFound && strings.Contains(rec.Body.String(), "nobody") {
			t.Errorf("%s: 404 echoes the account name: %q", tc.name, rec.Body)
		}
	}
	if v := requests(t, tr, sourceAiRudder, outcomeUnknownAccount); v != 1 {
		t.Errorf("airudder unknown_account = %v, want 1", v)
	}
	if v := requests(t, tr, sourceLaaffic, outcomeUnknownAccount); v != 1 {
		t.Errorf("laaffic unknown_account = %v, want 1", v)
	}
	if v := requests(t, tr, sourceAiRudder, outcomeUnauthorized); v != 2 {
		t.Errorf("airudder unauthorized = %v, want 2", v)
	}
}
