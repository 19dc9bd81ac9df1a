package reliability

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/log"

	"airudder_exporter/airudder"
	"airudder_exporter/demo"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/laaffic"
)

// Secrets of the no-secret-in-logs test. Each has characters that change
// under URL query escaping, so both spellings are searched.
const (
	secretAppKey    = "AK-rel-7Qx2+k/9"
	secretAppSecret = "AS-rel-9+/Zq=x41"
	secretToken     = "WT-rel-4+/k=z77"
	secretUpstream  = "UT-rel-zz81+/Q=="
)

// leakyAPI imitates a badly behaved AiRudder API that echoes what it was
// sent: /a refuses the login and echoes the credentials; /b issues a token
// and then fails every statistics request echoing the Authorization
// header; /c issues a token and answers statistics with body code 401
// quoting it. An exporter that logs upstream bodies would leak here.
func leakyAPI(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	echo := func(w http.ResponseWriter, r *http.Request, status int) {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"code":%d,"status":"error","message":%q,"authorization":%q,"query":%q}`,
			status, "you sent: "+string(b), r.Header.Get("Authorization"), r.URL.RawQuery)
	}
	tokenOK := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":{"token":%q},"status":"OK","code":200}`, secretUpstream)
	}
	mux.HandleFunc("/a/service/cloud/auth", func(w http.ResponseWriter, r *http.Request) { echo(w, r, 401) })
	mux.HandleFunc("/b/service/cloud/auth", tokenOK)
	mux.HandleFunc("/b/service/cloud/inbound/dashboard/statistics", func(w http.ResponseWriter, r *http.Request) { echo(w, r, 500) })
	mux.HandleFunc("/c/service/cloud/auth", tokenOK)
	mux.HandleFunc("/c/service/cloud/inbound/dashboard/statistics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"code":401,"status":"token %s expired","data":null}`, r.Header.Get("Authorization"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func leakConfig(apiURL string) string {
	var b strings.Builder
	b.WriteString("airudder:\n  accounts:\n")
	for _, a := range []struct{ name, base string }{
		{"echoauth", apiURL + "/a"}, {"echostats", apiURL + "/b"}, {"codetoken", apiURL + "/c"},
		{"deadport", "http://127.0.0.1:1"},
	} {
		fmt.Fprintf(&b, "    - name: %s\n      base_url: %s\n      app_key: '${RELI_APP_KEY}'\n      app_secret: '${RELI_APP_SECRET}'\n      timeout: 2s\n      min_interval: 1s\n", a.name, a.base)
	}
	b.WriteString("webhooks:\n  token: '${RELI_WEBHOOK_TOKEN}'\n")
	return b.String()
}

// findSecrets returns every secret (raw or query-escaped) found in text.
func findSecrets(text string, secrets ...string) []string {
	var found []string
	for _, s := range secrets {
		for _, form := range []string{s, url.QueryEscape(s)} {
			if strings.Contains(text, form) {
				found = append(found, form)
			}
		}
	}
	return found
}

// TestNoSecretInLogs runs the exporter with an app secret, an app key and
// a webhook token (from the environment), the demo, and an upstream that
// echoes credentials, at debug level in both log formats, through login
// failures, statistics failures, wrong webhook tokens, a rejected body and
// failed reloads; no secret may appear in stdout or stderr. In JSON format
// every line must also be JSON (a stray stdlib log line would be a line a
// log pipeline cannot parse).
func TestNoSecretInLogs(t *testing.T) {
	skipShort(t)
	for _, format := range []string{"logfmt", "json"} {
		t.Run(format, func(t *testing.T) {
			api := leakyAPI(t)
			cfgPath := filepath.Join(t.TempDir(), "config.yml")
			good := leakConfig(api.URL)
			writeFile(t, cfgPath, good)
			p := start(t, opts{
				configPath: cfgPath,
				args:       []string{"--demo", "--log.level=debug", "--log.format=" + format, "--web.enable-lifecycle"},
				env: []string{
					"RELI_APP_KEY=" + secretAppKey, "RELI_APP_SECRET=" + secretAppSecret,
					"RELI_WEBHOOK_TOKEN=" + secretToken,
				},
			})
			exercise(t, p, cfgPath, good)
			if code, _ := p.stop(20 * time.Second); code != 0 {
				t.Errorf("exit code %d", code)
			}
			logs := p.logs.String()
			if found := findSecrets(logs, secretAppKey, secretAppSecret, secretToken, secretUpstream); len(found) > 0 {
				t.Errorf("secrets in the %s logs: %q", format, found)
			}
			// Guard against a vacuous pass: the failure paths must have run.
			for _, want := range []string{"echoauth", "echostats", "codetoken", "deadport", "reload"} {
				if !strings.Contains(logs, want) {
					t.Errorf("the logs never mention %q: that failure path did not run", want)
				}
			}
			if format == "json" {
				for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
					if !json.Valid([]byte(line)) {
						t.Errorf("not a JSON log line: %q", line)
					}
				}
			}
			if os.Getenv("RELI_DUMP") != "" {
				t.Log(logs)
			}
			t.Logf("%s: %d bytes of logs searched for 4 secrets (raw and URL-escaped)", format, len(logs))
		})
	}
}

// exercise drives p through the failure paths whose logs could leak.
func exercise(t *testing.T, p *proc, cfgPath, good string) {
	t.Helper()
	time.Sleep(1200 * time.Millisecond) // demo warm-up traffic
	scrapeWithTimeout := func() {
		req, _ := http.NewRequest(http.MethodGet, p.url("/metrics"), nil)
		req.Header.Set("X-Prometheus-Scrape-Timeout-Seconds", "4")
		if resp, err := p.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	scrapeWithTimeout()
	g := newGen(t, "sec")
	b := g.mixedBody(0, 1)
	for _, u := range []string{
		p.hookURL(pathAR, url.QueryEscape(secretToken+"x")),
		p.hookURL(pathAR, url.QueryEscape(secretToken)),
		p.hookURL(pathLA, url.QueryEscape(secretToken)),
	} {
		_, _ = post(p.hookClient, u, b.data)
		_, _ = post(p.hookClient, u, []byte(`{"details":[{"call_id":`)) // malformed
	}
	_, _ = post(p.hookClient, p.hookURL(pathAR, ""), b.data, "Authorization", "Bearer "+secretToken+"-wrong")

	// Failed reloads with the secrets written into the file itself.
	for _, bad := range []string{
		strings.Replace(good, "'${RELI_APP_SECRET}'", "\""+secretAppSecret, 1),                          // unterminated string
		strings.Replace(good, "'${RELI_APP_SECRET}'", "'"+secretAppSecret+"'\n      secret_typo: x", 1), // unknown key
		strings.Replace(good, "token: '${RELI_WEBHOOK_TOKEN}'", "token: ["+secretToken+"]", 1),          // wrong type
		strings.Replace(good, "app_key: '${RELI_APP_KEY}'", "app_key: '"+secretAppKey+"'\n      app_key_file: /nonexistent", 1),
	} {
		writeFile(t, cfgPath, bad)
		code, body, err := p.postPlain("/-/reload")
		if err != nil || code != 500 {
			t.Errorf("bad reload: %d %v", code, err)
		}
		if found := findSecrets(body, secretAppKey, secretAppSecret, secretToken); len(found) > 0 {
			t.Errorf("the failed reload's HTTP answer shows secrets %q: %s", found, body)
		}
	}
	writeFile(t, cfgPath, good)
	p.signal(syscall.SIGHUP)
	time.Sleep(1200 * time.Millisecond) // past min_interval: a fresh round of logins
	scrapeWithTimeout()
}

// TestDemoTrafficErrorsDoNotLeakToken: the demo's traffic generator posts
// to the webhook endpoint with the token; when a post fails at the
// transport level, its log line must not carry the token (a *url.Error
// quotes the whole URL, query string included).
func TestDemoTrafficErrorsDoNotLeakToken(t *testing.T) {
	skipShort(t)
	buf := &testkit.LogBuffer{}
	logger := log.NewLogfmtLogger(log.NewSyncWriter(buf))
	// Both vendors' demo parts, so that traffic of every push kind fails.
	d, err := demo.StartAPI(logger, demo.NewPart(airudder.StartDemo, 47), demo.NewPart(laaffic.StartDemo, 48))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// A port nobody listens on: every post fails with "connection refused".
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d.RunTraffic(ctx, dead, secretToken)
	logs := buf.String()
	if !strings.Contains(logs, "Demo webhook post failed") {
		t.Fatalf("the failing posts were not logged; nothing to check:\n%s", logs)
	}
	if found := findSecrets(logs, secretToken); len(found) > 0 {
		t.Errorf("webhook token %q in the demo's logs:\n%s", found, tail(logs, 600))
	}
}
