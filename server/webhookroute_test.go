package server

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The webhook route gives every request for a path under /webhooks/ (as
// escaped) to the webhook handler, unclean ones too, which the mux would
// redirect; every other request is answered as the mux alone answers it:
// the same handler, status, redirect and body, for clean, unclean, escaped
// and CONNECT targets.
func TestWebhookRouteAnswersAsTheMux(t *testing.T) {
	plain, routed, direct := routeAndMux()
	for _, method := range []string{http.MethodPost, http.MethodGet, http.MethodConnect} {
		for _, target := range []string{
			"/webhooks/airudder/acme", "/webhooks/laaffic/acme?x=1", "/webhooks/", "/webhooks",
			"/webhooks/airudder/acme/", "/webhooks/../metrics", "/webhooks/x/..", "/webhooks/x/.",
			"/webhooks//airudder/acme", "/webhooks/./airudder", "/webhooks/%2e%2e/metrics",
			"/webhooks/a%2Fb/acme", "/webhooks/a%20b", "/Webhooks/airudder/acme", "/webhooksx",
			"/metrics", "/", "//webhooks/airudder/acme", "/webhooks/airudder/acme/..%2f..%2fmetrics",
		} {
			req := func() *http.Request {
				r := httptest.NewRequest(method, target, nil)
				if method == http.MethodConnect {
					r.Host = "example.com:443"
				}
				return r
			}
			checkRoutedAsMux(t, plain, routed, req)
		}
	}
	// The thirteen paths under /webhooks/, in each method.
	if *direct != 39 {
		t.Errorf("%d requests took the direct route, want 39", *direct)
	}
}

// routeAndMux are handlers of the same echoing routes: what the route
// must do (the webhook handler for a path under /webhooks/, else the mux
// alone), and the webhook route in front of the mux, with a count of the
// requests the route gave the webhook handler without the mux (which sets
// Pattern).
func routeAndMux() (plain, routed http.Handler, direct *int) {
	echo := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %s %s %q", name, r.Method, r.URL.Path, r.URL.RawPath)
		})
	}
	build := func() *http.ServeMux {
		mux := http.NewServeMux()
		mux.Handle("/", echo("landing"))
		mux.Handle("/metrics", echo("metrics"))
		return mux
	}
	mux := build()
	mux.Handle("/webhooks/", echo("webhooks"))
	plain = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.EscapedPath(), "/webhooks/") {
			echo("webhooks").ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	direct = new(int)
	webhooks := echo("webhooks")
	routed = webhookHandler(build(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Pattern == "" {
			*direct++
		}
		webhooks.ServeHTTP(w, r)
	}))
	return plain, routed, direct
}

func checkRoutedAsMux(t *testing.T, plain, routed http.Handler, req func() *http.Request) {
	t.Helper()
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	plain.ServeHTTP(want, req())
	routed.ServeHTTP(got, req())
	if got.Code != want.Code || got.Header().Get("Location") != want.Header().Get("Location") || got.Body.String() != want.Body.String() {
		r := req()
		t.Errorf("%s %q: routed %d %q %q, the mux %d %q %q", r.Method, r.RequestURI,
			got.Code, got.Header().Get("Location"), got.Body.String(),
			want.Code, want.Header().Get("Location"), want.Body.String())
	}
}

// Any request target a client can send (parsed as the server parses it)
// is answered by the route as TestWebhookRouteAnswersAsTheMux says.
func FuzzWebhookRoute(f *testing.F) {
	for _, s := range []string{"/webhooks/airudder/acme", "/webhooks/../metrics", "/webhooks//a", "/webhooks/%2e%2e/x",
		"/webhooks/a%2Fb", "/webhooks/a/./b/", "/webhooks", "*", "/webhooks/a?b=%zz", "/webhooks/a/.."} {
		f.Add(s, false)
	}
	plain, routed, _ := routeAndMux()
	f.Fuzz(func(t *testing.T, target string, connect bool) {
		method := http.MethodPost
		if connect {
			method = http.MethodConnect
		}
		raw := method + " " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n"
		if _, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw))); err != nil {
			return // refused by the server before any handler
		}
		checkRoutedAsMux(t, plain, routed, func() *http.Request {
			r, _ := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
			return r
		})
	})
}
