package airudder

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"airudder_exporter/airudder/airuddertest"
	"airudder_exporter/internal/testkit"
)

// No log line may carry the app secret or a token, even when the upstream
// echoes them back in an error page. The logs are captured with debug on.
func TestSecretsNeverLogged(t *testing.T) {
	d := newStatFaultDialer(t)
	e := newStatEnv(t, withStatTransport(d.transport()), withStatTimeout("200ms"))
	e.scrape() // a good fetch: a token is issued and cached
	tok := e.fake.IssuedTokens()[0]
	echo := []byte("<html>bad request: APPSecret=" + statAppSecret + " Authorization: Token " + tok + "</html>")

	steps := []func(){
		func() { e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 500, Body: echo}) },
		func() { e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Body: echo}) },
		func() { e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 401, Body: echo}) },
		func() { e.fake.SetFault(airuddertest.Auth, &airuddertest.Fault{Status: 403, Body: echo}) },
		func() {
			e.fake.SetFault(airuddertest.Auth, nil)
			e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 200, Code: 401})
		},
		func() { d.mode.Store("dns") },
		func() { d.mode.Store("refused") },
		func() {
			d.mode.Store("")
			e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Delay: time.Minute})
		},
		func() { e.fake.SetFault(airuddertest.Statistics, nil) }, // recovery
	}
	for i, step := range steps {
		step()
		e.clock.Advance(time.Minute)
		mfs := e.scrape()
		if i < len(steps)-1 && statUpOf(mfs) != 0 {
			t.Fatalf("step %d: up = 1, want a failure", i)
		}
	}

	// A wrong secret in the config must not be logged either.
	e2 := newStatEnv(t, withStatSecret("Wr0ng-secret-also-private"))
	e2.scrape()

	logs := e.logs.String() + e2.logs.String()
	if !strings.Contains(logs, "level=warn") || !strings.Contains(logs, "account=shop") {
		t.Fatalf("expected warnings in the captured logs, got:\n%s", logs)
	}
	testkit.MustNotContain(t, logs, statAppSecret, "Wr0ng-secret-also-private")
	tokens := append(e.fake.IssuedTokens(), e2.fake.IssuedTokens()...)
	if len(tokens) < 2 {
		t.Fatalf("want several issued tokens, got %d", len(tokens))
	}
	testkit.MustNotContain(t, logs, tokens...)
}

// A failure warns once per state change, not once per fetch.
func TestWarnOncePerStateChange(t *testing.T) {
	e := newStatEnv(t)
	e.fake.SetFault(airuddertest.Statistics, &airuddertest.Fault{Status: 503})
	for i := 0; i < 5; i++ {
		e.scrape()
		e.clock.Advance(time.Minute)
	}
	e.fake.SetFault(airuddertest.Statistics, nil)
	e.scrape()
	logs := e.logs.String()
	if n := strings.Count(logs, "level=warn"); n != 1 {
		t.Fatalf("warnings = %d, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "reason=http_status") || !strings.Contains(logs, "msg=\"inbound statistics recovered\"") {
		t.Fatalf("missing warning reason or recovery line:\n%s", logs)
	}
}

// No log line carries text the upstream chose: a phone number or a
// password in a redirect loop's Location header, in an error page or as
// the body's code. The line still names the failure's class.
func TestUpstreamTextNeverLogged(t *testing.T) {
	const phone, password = "628123456", "hunter2"
	for _, c := range []struct {
		name, reason, class string
		fault               *airuddertest.Fault
	}{
		{"redirect loop", statReasonNetwork, "too many redirects", nil},
		{"error page", statReasonHTTPStatus, "HTTP 502", &airuddertest.Fault{Status: 502, Body: []byte(phone + " " + password)}},
		{"phone as the code", statReasonAPICode, "API answered code", &airuddertest.Fault{Status: 200, Code: 628123456}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var opts []statEnvOption
			if c.fault == nil {
				opts = append(opts, withStatHandler(func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						if r.URL.Path == apiAuthPath {
							next.ServeHTTP(w, r)
							return
						}
						http.Redirect(w, r, "/loop?phone="+phone+"&password="+password, http.StatusFound)
					})
				}))
			}
			e := newStatEnv(t, opts...)
			if c.fault != nil {
				e.fake.SetFault(airuddertest.Statistics, c.fault)
			}
			mfs := e.scrape()
			if got := statErrorsOf(mfs, c.reason); got != 1 {
				t.Errorf("errors{reason=%q} = %v, want 1", c.reason, got)
			}
			logs := e.logs.String()
			if !strings.Contains(logs, c.class) {
				t.Errorf("the log does not name %q:\n%s", c.class, logs)
			}
			testkit.MustNotContain(t, logs, phone, password, "loop")
		})
	}
}
