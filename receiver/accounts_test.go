package receiver

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

func TestRoute(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{}, "")
	for _, tc := range []struct {
		path, source, account string
		ok                    bool
	}{
		{"/webhooks/acme", srcAcme, "default", true},
		{"/webhooks/globex", srcGlobex, "default", true},
		{"/webhooks/acme/north", srcAcme, "north", true},
		{"/webhooks/globex/north-2", srcGlobex, "north-2", true},
		{"/webhooks/acme/", srcAcme, "default", true},
		{"/webhooks/acme/north/", srcAcme, "north", true},
		{"/webhooks/acme/a/b", srcAcme, "", false},
		{"/webhooks/acme/a/b/", srcAcme, "", false},
		{"/webhooks/acme//", srcAcme, "", false},
		{"/webhooks/acme/north//", srcAcme, "", false},
		{"/webhooks/acmex", "", "", false},
		{"/webhooks/other", "", "", false},
		{"/webhooks/", "", "", false},
		{"/webhooks//acme", "", "", false},
		{"/webhooks", "", "", false},
	} {
		src, a, ok := tr.route(tc.path)
		s := ""
		if src != nil {
			s = src.name
		}
		if s != tc.source || a != tc.account || ok != tc.ok {
			t.Errorf("route(%q) = %q, %q, %v; want %q, %q, %v", tc.path, s, a, ok, tc.source, tc.account, tc.ok)
		}
	}
}

// accountsConfig loads a config the way the exporter does, so the webhook
// accounts come from airudder.accounts / laaffic.accounts (the accounts of
// the test vendors acme and globex).
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
	call := []byte(`{"id":"c-1"}`)
	for _, tc := range []struct {
		name, path string
		want       int
	}{
		{"default path, global token", pathAcme + "?token=global-token", http.StatusOK},
		{"named account, global token", pathAcme + "/collections?token=global-token", http.StatusOK},
		{"account token replaces the global one", pathAcme + "/sales?token=global-token", http.StatusUnauthorized},
		{"account token", pathAcme + "/sales?token=sales-token", http.StatusOK},
		{"account token does not open other accounts", pathAcme + "/collections?token=sales-token", http.StatusUnauthorized},
		{"unknown account", pathAcme + "/nobody?token=global-token", http.StatusNotFound},
		{"globex account of an acme name", pathGlobex + "/sales?token=global-token", http.StatusNotFound},
		{"globex named account", pathGlobex + "/ivr-eu?token=global-token", http.StatusOK},
	} {
		body := call
		if strings.HasPrefix(tc.path, pathGlobex) {
			body = []byte(`{"id":"v-1"}`)
		}
		rec := tr.post(tc.path, body)
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
		if rec.Code == http.StatusNotFound && strings.Contains(rec.Body.String(), "nobody") {
			t.Errorf("%s: 404 echoes the account name: %q", tc.name, rec.Body)
		}
	}
	if v := requests(t, tr, srcAcme, outcomeUnknownAccount); v != 1 {
		t.Errorf("acme unknown_account = %v, want 1", v)
	}
	if v := requests(t, tr, srcGlobex, outcomeUnknownAccount); v != 1 {
		t.Errorf("globex unknown_account = %v, want 1", v)
	}
	if v := requests(t, tr, srcAcme, outcomeUnauthorized); v != 2 {
		t.Errorf("acme unauthorized = %v, want 2", v)
	}
}

// Every path under /webhooks/ is answered with JSON and counted. A trailing
// slash names the same route as the path without it: the vendor's client
// retries any non-200 answer (a redirect included) and then drops the calls,
// so refusing or redirecting a URL pasted with a slash would lose them. A
// path no route can name is a 404 counted as unknown_path: under its vendor
// when the first segment names one, else under source "other", so no label
// takes a value from the path.
func TestHandlerPathShapes(t *testing.T) {
	tr := newTestReceiver(t, accountsConfig(t, `
airudder:
  accounts:
    - name: sales
      webhook_token: sales-token
webhooks:
  token: global-token
`), "")
	call := func(id string) []byte { return []byte(`{"id":"` + id + `"}`) }
	for _, tc := range []struct {
		name, path, reason string
		want               int
	}{
		{"vendor with a trailing slash", pathAcme + "/?token=global-token", "", http.StatusOK},
		{"account with a trailing slash", pathAcme + "/sales/?token=sales-token", "", http.StatusOK},
		{"trailing slash keeps the account's token", pathAcme + "/sales/?token=global-token", "unauthorized", http.StatusUnauthorized},
		{"unknown account with a trailing slash", pathAcme + "/nobody/?token=global-token", "unknown account", http.StatusNotFound},
		{"extra segment", pathAcme + "/sales/nope-x?token=sales-token", "unknown path", http.StatusNotFound},
		{"extra segments", pathAcme + "/nope-a/nope-b/?token=global-token", "unknown path", http.StatusNotFound},
		{"empty account", pathAcme + "//?token=global-token", "unknown path", http.StatusNotFound},
		{"unknown vendor", "/webhooks/nope-v?token=global-token", "unknown path", http.StatusNotFound},
		{"unknown vendor and account", "/webhooks/nope-v/sales?token=global-token", "unknown path", http.StatusNotFound},
		{"no vendor", "/webhooks/?token=global-token", "unknown path", http.StatusNotFound},
	} {
		rec := tr.post(tc.path, call(tc.name))
		if rec.Code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, rec.Code, tc.want)
		}
		if rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q, want JSON", tc.name, rec.Header().Get("Content-Type"))
		}
		var resp struct{ Error string }
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Error != tc.reason {
			t.Errorf("%s: body %q, want error %q", tc.name, rec.Body, tc.reason)
		}
		if strings.Contains(rec.Body.String(), "nope") {
			t.Errorf("%s: the answer echoes the path: %q", tc.name, rec.Body)
		}
	}
	for _, c := range []struct {
		source, outcome string
		want            float64
	}{
		{srcAcme, outcomeAccepted, 2},
		{srcAcme, outcomeUnauthorized, 1},
		{srcAcme, outcomeUnknownAccount, 1},
		{srcAcme, outcomeUnknownPath, 3},
		{ValueOther, outcomeUnknownPath, 3},
	} {
		if v := requests(t, tr, c.source, c.outcome); v != c.want {
			t.Errorf("requests{source=%q,outcome=%q} = %v, want %v", c.source, c.outcome, v, c.want)
		}
	}
	for acct, want := range map[string]float64{"default": 1, "sales": 1} {
		if v := testkit.Value(t, tr.reg, "acme_records_total", "account", acct, "kind", ValueNone); v != want {
			t.Errorf("acme_records_total{account=%q} = %v, want %v", acct, v, want)
		}
	}
	// The sources counted are the vendors and "other", whatever the paths.
	mfs, err := tr.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "airudder_exporter_webhook_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "source" && l.GetValue() != srcAcme && l.GetValue() != srcGlobex && l.GetValue() != ValueOther {
					t.Errorf("requests counted under source %q", l.GetValue())
				}
			}
		}
	}
}
