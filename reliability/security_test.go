package reliability

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// requests is airudder_exporter_webhook_requests_total{source,outcome}.
func (s scrape) requests(source, outcome string) float64 {
	return s.sum("airudder_exporter_webhook_requests_total", map[string]string{"source": source, "outcome": outcome})
}

// TestWebhookTokenRequired: without the right token, in the query or as a
// Bearer header, a webhook gets 401, is counted as unauthorized, and none
// of its records is counted.
func TestWebhookTokenRequired(t *testing.T) {
	skipShort(t)
	const token = "tk-right-token"
	p := start(t, opts{config: "webhooks:\n  token: " + token + "\n"})
	g := newGen(t, "tk")
	c := p.hookClient
	cases := []struct {
		name  string
		b     body
		url   string
		hdr   []string
		want  int
		isBad bool
	}{
		{"no token", g.mixedBody(0, 1), p.hookURL(pathAR, ""), nil, 401, true},
		{"wrong query token", g.mixedBody(0, 1), p.hookURL(pathAR, "tk-wrong"), nil, 401, true},
		{"wrong bearer", g.mixedBody(0, 1), p.hookURL(pathAR, ""), []string{"Authorization", "Bearer tk-wrong"}, 401, true},
		{"token as basic auth", g.mixedBody(0, 1), p.hookURL(pathAR, ""), []string{"Authorization", "Basic dGs6dGstcmlnaHQtdG9rZW4="}, 401, true},
		{"prefix of the token", g.mixedBody(1, 1), p.hookURL(pathLA, token[:len(token)-1]), nil, 401, true},
		{"right bearer", g.mixedBody(0, 1), p.hookURL(pathAR, ""), []string{"Authorization", "Bearer " + token}, 200, false},
		{"right query token", g.mixedBody(1, 1), p.hookURL(pathLA, token), nil, 200, false},
	}
	for _, tc := range cases {
		code, err := post(c, tc.url, tc.b.data, tc.hdr...)
		if err != nil || code != tc.want {
			t.Errorf("%s: %d %v, want %d", tc.name, code, err, tc.want)
		}
	}
	s := p.metrics()
	if got := s.requests("airudder", "unauthorized"); got != 4 {
		t.Errorf("requests_total{source=\"airudder\",outcome=\"unauthorized\"} = %v, want 4", got)
	}
	if got := s.requests("laaffic", "unauthorized"); got != 1 {
		t.Errorf("requests_total{source=\"laaffic\",outcome=\"unauthorized\"} = %v, want 1", got)
	}
	if got := s.records("airudder", "counted") + s.records("laaffic", "counted"); got != 2 {
		t.Errorf("records counted = %v, want 2 (only the two authorised bodies)", got)
	}
}

// webConfig writes an exporter-toolkit web config: TLS with the given
// cert, and basic auth users when users is not empty.
func webConfig(t *testing.T, dir string, cert, key []byte, users map[string]string) string {
	t.Helper()
	certPath, keyPath := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certPath, string(cert))
	writeFile(t, keyPath, string(key))
	y := "tls_server_config:\n  cert_file: " + certPath + "\n  key_file: " + keyPath + "\n"
	if len(users) > 0 {
		y += "basic_auth_users:\n"
		for u, pw := range users {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
			if err != nil {
				t.Fatal(err)
			}
			y += "  " + u + ": '" + string(h) + "'\n"
		}
	}
	path := filepath.Join(dir, "web-"+strings.Join(keys(users), "-")+".yml")
	writeFile(t, path, y)
	return path
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestTLSBasicAuthAndWebhookListener: /metrics behind TLS and basic auth
// (--web.config.file); webhooks on their own TLS listener
// (--webhook.listen-address, --webhook.web-config.file) with the token
// only, and not on the basic-auth port.
func TestTLSBasicAuthAndWebhookListener(t *testing.T) {
	skipShort(t)
	const token = "tls-webhook-token"
	const user, pass = "prom", "correct horse battery staple"
	dir := t.TempDir()
	cert, key := selfSigned(t)
	mainWeb := webConfig(t, dir, cert, key, map[string]string{user: pass})
	hookWeb := webConfig(t, dir, cert, key, nil)
	tc := tlsClientFor(t, cert)
	p := start(t, opts{
		config:           "webhooks:\n  token: " + token + "\n",
		args:             []string{"--web.config.file=" + mainWeb, "--webhook.web-config.file=" + hookWeb, "--log.format=json"},
		separateWebhooks: true,
		webhookTLS:       true,
		tlsClient:        tc,
		user:             user,
		pass:             pass,
	})
	g := newGen(t, "tls")

	do := func(c *http.Client, method, url, u, pw string, b []byte) int {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		if u != "" {
			req.SetBasicAuth(u, pw)
		}
		resp, err := c.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	metricsURL := "https://" + p.addr + "/metrics"
	b := g.mixedBody(0, 1)
	for _, c := range []struct {
		name string
		got  int
		want int
	}{
		{"/metrics over TLS without auth", do(tc, "GET", metricsURL, "", "", nil), 401},
		{"/metrics over TLS, wrong password", do(tc, "GET", metricsURL, user, "wrong", nil), 401},
		{"/metrics over TLS with basic auth", do(tc, "GET", metricsURL, user, pass, nil), 200},
		{"/-/reload without auth", do(tc, "POST", "https://"+p.addr+"/-/reload", "", "", nil), 401},
		// The basic-auth port does not serve webhooks when they have their own listener.
		{"webhook on the main port with basic auth and token", do(tc, "POST", "https://"+p.addr+pathAR+"?token="+token, user, pass, b.data), 404},
		{"webhook on the main port without basic auth", do(tc, "POST", "https://"+p.addr+pathAR+"?token="+token, "", "", b.data), 401},
		{"webhook listener, token, no basic auth", do(tc, "POST", p.hookURL(pathAR, token), "", "", b.data), 200},
		{"webhook listener, wrong token", do(tc, "POST", p.hookURL(pathAR, "nope"), "", "", b.data), 401},
		{"webhook listener does not serve /metrics", do(tc, "GET", "https://"+p.hookAddr+"/metrics", user, pass, nil), 404},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
	// Plain HTTP to a TLS port must not be served.
	plain := &http.Client{}
	for _, u := range []string{"http://" + p.addr + "/metrics", "http://" + p.hookAddr + pathAR + "?token=" + token} {
		if code := do(plain, "GET", u, user, pass, nil); code == 200 {
			t.Errorf("plain HTTP %s answered 200", u)
		}
	}
	if code := do(plain, "POST", "http://"+p.hookAddr+pathAR+"?token="+token, "", "", b.data); code == 200 {
		t.Errorf("plain HTTP webhook answered 200 on the TLS webhook listener")
	}
	if got := p.metrics().records("airudder", "counted"); got != 1 {
		t.Errorf("records counted = %v, want 1 (only the webhook on its own listener)", got)
	}
	// The plain-HTTP attempts make net/http report TLS handshake errors; in
	// --log.format=json they must come out as JSON like every other line.
	time.Sleep(100 * time.Millisecond)
	for _, line := range strings.Split(strings.TrimSpace(p.logs.String()), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("not a JSON log line with --log.format=json: %q", line)
		}
	}
}

// TestBasicAuthWithoutWebhookListener: with basic auth on the only
// listener the vendors cannot post (they send no basic auth), and the
// exporter says so at start.
func TestBasicAuthWithoutWebhookListener(t *testing.T) {
	skipShort(t)
	const token = "ba-token"
	const user, pass = "prom", "pw"
	cert, key := selfSigned(t)
	mainWeb := webConfig(t, t.TempDir(), cert, key, map[string]string{user: pass})
	tc := tlsClientFor(t, cert)
	p := start(t, opts{
		config:    "webhooks:\n  token: " + token + "\n",
		args:      []string{"--web.config.file=" + mainWeb},
		tlsClient: tc,
		user:      user,
		pass:      pass,
	})
	if !logLine(p.logs.String(), "level=warn", "webhook.listen-address") {
		t.Errorf("no warning pointing to --webhook.listen-address:\n%s", p.logs.String())
	}
	b := newGen(t, "ba").mixedBody(0, 1)
	if code, err := post(tc, p.hookURL(pathAR, token), b.data); err != nil || code != 401 {
		t.Errorf("webhook without basic auth: %d %v, want 401", code, err)
	}
	// Without --webhook.listen-address the main listener does serve them.
	req, err := http.NewRequest(http.MethodPost, p.hookURL(pathAR, token), strings.NewReader(string(b.data)))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, pass)
	resp, err := tc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("webhook with basic auth and token on the only listener: %d, want 200", resp.StatusCode)
	}
}

// TestCIDRAllowList: allowed_cidrs [10.0.0.0/8]. From 127.0.0.1 a webhook
// gets 403 and X-Forwarded-For is ignored while the peer is not a trusted
// proxy; after a reload trusting 127.0.0.1, X-Forwarded-For 10.1.2.3 is
// believed, but a forged left-most entry is not.
func TestCIDRAllowList(t *testing.T) {
	skipShort(t)
	const token = "cidr-token"
	cfgPath := filepath.Join(t.TempDir(), "config.yml")
	base := "webhooks:\n  token: " + token + "\n  allowed_cidrs: [10.0.0.0/8]\n"
	writeFile(t, cfgPath, base+"  trusted_proxies: [192.0.2.1]\n")
	p := start(t, opts{configPath: cfgPath, args: []string{"--web.enable-lifecycle"}})
	g := newGen(t, "cidr")
	try := func(name, xff string, want int) {
		t.Helper()
		b := g.mixedBody(0, 1)
		var hdr []string
		if xff != "" {
			hdr = []string{"X-Forwarded-For", xff}
		}
		if code, err := post(p.hookClient, p.hookURL(b.path, token), b.data, hdr...); err != nil || code != want {
			t.Errorf("%s: %d %v, want %d", name, code, err, want)
		}
	}
	try("from 127.0.0.1", "", 403)
	try("X-Forwarded-For from an untrusted peer", "10.1.2.3", 403)

	writeFile(t, cfgPath, base+"  trusted_proxies: [127.0.0.1]\n")
	if code, body, err := p.postPlain("/-/reload"); err != nil || code != 200 {
		t.Fatalf("reload: %d %v %s", code, err, body)
	}
	try("trusted proxy forwarding 10.1.2.3", "10.1.2.3", 200)
	try("trusted proxy, no X-Forwarded-For", "", 403)
	try("forged left-most 10.1.2.3 before an outside client", "10.1.2.3, 203.0.113.5", 403)
	try("garbage in X-Forwarded-For", "not-an-ip", 403)
	s := p.metrics()
	if got := s.requests("airudder", "forbidden"); got != 5 {
		t.Errorf("requests_total{source=\"airudder\",outcome=\"forbidden\"} = %v, want 5", got)
	}
	if got := s.records("airudder", "counted"); got != 1 {
		t.Errorf("records counted = %v, want 1", got)
	}
}
