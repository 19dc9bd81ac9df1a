package collector

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
	hc := refuseCrossHostRedirects(origin.Client())
	get := func(path string) ([]byte, *RequestError) {
		req, _ := http.NewRequest(http.MethodGet, origin.URL+path, nil)
		req.Header.Set("Api-Key", "key-never-elsewhere")
		return do(hc, req, "test", defaultMaxResponseBytes)
	}
	otherHost := strings.TrimPrefix(other.URL, "http://")
	if _, err := get("/away"); err == nil || err.Outcome != OutcomeRedirectRefused ||
		strings.Contains(err.Msg, "/steal") || !strings.Contains(err.Msg, otherHost) {
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
		t.Error("refuseCrossHostRedirects changed the client it copied")
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
