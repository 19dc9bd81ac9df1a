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
	hc := RefuseCrossHostRedirects(origin.Client())
	get := func(path string) ([]byte, *RequestError) {
		req, _ := http.NewRequest(http.MethodGet, origin.URL+path, nil)
		req.Header.Set("Api-Key", "key-never-elsewhere")
		return Do(hc, req, "test")
	}
	if _, err := get("/away"); err == nil || err.Outcome != OutcomeRedirectRefused || strings.Contains(err.Msg, other.URL) {
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
		t.Error("RefuseCrossHostRedirects changed the client it copied")
	}
}
