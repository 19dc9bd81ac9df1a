package server

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The webhook route answers every request as the mux alone answers it:
// the same handler, status, redirect and body, for clean, unclean, escaped
// and CONNECT targets.
func TestWebhookRouteAnswersAsTheMux(t *testing.T) {
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
	plain := build()
	plain.Handle("/webhooks/", echo("webhooks"))
	direct := 0 // requests the route gave the handler without the mux (which sets Pattern)
	webhooks := echo("webhooks")
	routed := webhookHandler(build(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Pattern == "" {
			direct++
		}
		webhooks.ServeHTTP(w, r)
	}))
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
			want, got := httptest.NewRecorder(), httptest.NewRecorder()
			plain.ServeHTTP(want, req())
			routed.ServeHTTP(got, req())
			if got.Code != want.Code || got.Header().Get("Location") != want.Header().Get("Location") || got.Body.String() != want.Body.String() {
				t.Errorf("%s %s: routed %d %q %q, the mux %d %q %q", method, target,
					got.Code, got.Header().Get("Location"), got.Body.String(),
					want.Code, want.Header().Get("Location"), want.Body.String())
			}
		}
	}
	// The eight paths under /webhooks/ that are clean as escaped (the mux
	// matches escaped paths too: %2e%2e is no ".."), in each method.
	if direct != 24 {
		t.Errorf("%d requests took the direct route, want 24", direct)
	}
}
