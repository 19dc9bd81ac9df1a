package collector

import (
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"airudder_exporter/internal/testkit"
)

// A redirect to another host is refused before the request (and its
// credential headers) reaches it; one to the same host is followed.
func TestRefuseCrossHostRedirects(t *testing.T) {
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get("Api-Key"))
	}))
	defer other.Close()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/ok", http.StatusFound)
		default:
			_, _ = w.Write([]byte("fine"))
		}
	}))
	defer origin.Close()
	hc := sameOriginRedirects(origin.Client())
	get := func(path string) ([]byte, *RequestError) {
		req, _ := http.NewRequest(http.MethodGet, origin.URL+path, nil)
		req.Header.Set("Api-Key", "key-never-elsewhere")
		return do(hc, req, "test", defaultMaxResponseBytes)
	}
	// The error names the configured host, never the target's: a Location
	// header is the upstream's text.
	otherHost := strings.TrimPrefix(other.URL, "http://")
	originHost := strings.TrimPrefix(origin.URL, "http://")
	if _, err := get("/away"); err == nil || err.Outcome != OutcomeRedirectRefused ||
		strings.Contains(err.Msg, "/steal") || strings.Contains(err.Msg, otherHost) || !strings.Contains(err.Msg, originHost) {
		t.Errorf("cross-host redirect: %+v", err)
	}
	if len(leaked) != 0 {
		t.Errorf("the other host received the request: %q", leaked)
	}
	if b, err := get("/here"); err != nil || string(b) != "fine" {
		t.Errorf("same-host redirect: %q %+v", b, err)
	}
	// The default client of a Poller follows redirects: the copy must not
	// change it.
	if origin.Client().CheckRedirect != nil {
		t.Error("sameOriginRedirects changed the client it copied")
	}
}

// A redirect from the configured https:// origin to http:// on the same
// host and port is refused before anything is sent in clear: neither a
// POST's body (a 307 or 308 replays it) nor the credential headers reach
// the plain listener, whatever the redirect's status.
func TestRefuseRedirectsToAnotherScheme(t *testing.T) {
	const secret = "APPSecret-never-in-clear"
	var srv *testkit.SplitTLS
	srv = testkit.NewSplitTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			_, _ = w.Write([]byte("fine"))
			return
		}
		code := map[string]int{"/301": 301, "/302": 302, "/303": 303, "/307": 307, "/308": 308}[r.URL.Path]
		w.Header().Set("Location", srv.PlainURL+r.URL.Path)
		w.WriteHeader(code)
	}), nil)
	hc := sameOriginRedirects(srv.Client())
	for _, path := range []string{"/301", "/302", "/303", "/307", "/308"} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(`{"APPSecret":"`+secret+`"}`))
		req.Header.Set("Api-Key", secret)
		req.Header.Set("Authorization", "Token "+secret)
		if _, err := do(hc, req, "test", defaultMaxResponseBytes); err == nil || err.Outcome != OutcomeRedirectRefused {
			t.Errorf("%s to http: %+v, want %s", path, err, OutcomeRedirectRefused)
		}
	}
	if got, conns := srv.Plain(); conns != 0 || got != "" {
		t.Errorf("the plain listener received %d connections: %q", conns, got)
	}
	// The same origin is still followed.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/ok", nil)
	if b, err := do(hc, req, "test", defaultMaxResponseBytes); err != nil || string(b) != "fine" {
		t.Errorf("https origin: %q %+v", b, err)
	}
}

// A plain http:// origin is not switched to https:// by a redirect either:
// the configured scheme is the only one a request follows.
func TestRefuseRedirectsFromHTTPToHTTPS(t *testing.T) {
	var tlsHits atomic.Int64
	var srv *testkit.SplitTLS
	srv = testkit.NewSplitTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tlsHits.Add(1) }),
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, srv.URL+"/moved", http.StatusTemporaryRedirect)
		}))
	hc := sameOriginRedirects(srv.Client())
	req, _ := http.NewRequest(http.MethodGet, srv.PlainURL+"/x", nil)
	if _, err := do(hc, req, "test", defaultMaxResponseBytes); err == nil || err.Outcome != OutcomeRedirectRefused {
		t.Errorf("http to https: %+v", err)
	}
	if n := tlsHits.Load(); n != 0 {
		t.Errorf("the https server received %d requests", n)
	}
}

// An answer one byte over the cap is an error of its own outcome, read no
// further than the cap; one of exactly the cap is served.
func TestDoMaxResponseBytes(t *testing.T) {
	const limit = 64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := limit
		if r.URL.Path == "/over" {
			n++
		}
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
	}))
	defer srv.Close()
	get := func(path string) ([]byte, *RequestError) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		return do(srv.Client(), req, "test", limit)
	}
	if b, err := get("/at"); err != nil || len(b) != limit {
		t.Errorf("answer of exactly the cap: %d bytes, %+v", len(b), err)
	}
	if b, err := get("/over"); err == nil || err.Outcome != OutcomeTooLarge || b != nil {
		t.Errorf("answer over the cap: %q, %+v", b, err)
	}
}

// A failed request's text names a bounded class and the configured host,
// never what the upstream chose: a Location header (a redirect loop's, an
// unparsable one, another host's name), a status line, a header line, an
// error page's body or a certificate's names. Phone numbers and passwords
// an upstream puts there must not reach a log line.
func TestRequestErrorsNameNoUpstreamText(t *testing.T) {
	const phone, password = "628123456789", "hunter2"
	var hop atomic.Int64
	redirects := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/loop", "/":
			w.Header().Set("Location", "/loop?phone="+phone+"&sipPassword="+password+"&n="+strconv.FormatInt(hop.Add(1), 10))
			w.WriteHeader(http.StatusFound)
		case "/bad-location":
			w.Header().Set("Location", "http://["+phone+":"+password)
			w.WriteHeader(http.StatusFound)
		case "/other-host":
			w.Header().Set("Location", "http://"+phone+"."+password+".invalid/x")
			w.WriteHeader(http.StatusFound)
		case "/error-page":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("phone=" + phone + " password=" + password))
		}
	}))
	defer redirects.Close()
	secure := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	secure.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // the handshake the client refuses
	secure.StartTLS()
	defer secure.Close()
	closed := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return "http://" + l.Addr().String()
	}()
	for _, c := range []struct {
		name, url string
		hc        *http.Client
		class     string
	}{
		{"redirect loop", redirects.URL + "/loop", nil, "too many redirects"},
		{"unparsable Location", redirects.URL + "/bad-location", nil, "bad Location header"},
		{"another host", redirects.URL + "/other-host", nil, "redirect to another host refused"},
		{"error page", redirects.URL + "/error-page", nil, "HTTP 500"},
		{"status line", testkit.RawHTTPServer(t, "HTTP/1.1 password="+password+" "+phone+"\r\n\r\n"), nil, "malformed response"},
		{"header line", testkit.RawHTTPServer(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"+password+" "+phone+"\r\n\r\nok"), nil, "malformed response"},
		{"not HTTP", testkit.RawHTTPServer(t, password+" "+phone+"\r\n\r\n"), nil, "malformed response"},
		{"connection refused", closed, nil, "connection refused"},
		{"untrusted certificate", secure.URL, &http.Client{}, "TLS error"},
	} {
		t.Run(c.name, func(t *testing.T) {
			hc := c.hc
			if hc == nil {
				hc = &http.Client{}
			}
			req, _ := http.NewRequest(http.MethodGet, c.url, nil)
			_, err := do(sameOriginRedirects(hc), req, "test", defaultMaxResponseBytes)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Msg, c.class) || !strings.Contains(err.Msg, req.URL.Host) && c.class != "HTTP 500" {
				t.Errorf("%q does not name the class %q and the host %s", err.Msg, c.class, req.URL.Host)
			}
			testkit.MustNotContain(t, err.Msg, phone, password, "loop", "invalid")
		})
	}
}
