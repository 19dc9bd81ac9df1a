package server

import (
	"net/http"
	"path"
	"strings"
)

// webhookPrefix is where the webhook handler is served.
const webhookPrefix = "/webhooks/"

// webhookHandler is mux serving the webhook handler under /webhooks/.
func webhookHandler(mux *http.ServeMux, webhooks http.Handler) http.Handler {
	mux.Handle(webhookPrefix, webhooks)
	return webhookRoute{mux: mux, webhooks: webhooks}
}

// webhookRoute sends a request for a path under /webhooks/ that is clean as
// escaped straight to the webhook handler, everything else to mux. It
// answers as mux alone would (mux gives such a path, CONNECT's too, to the
// same handler, and redirects only the paths it would clean, which go to it
// here), without mux's pattern matching on the path every webhook takes.
type webhookRoute struct {
	mux      *http.ServeMux
	webhooks http.Handler
}

func (h webhookRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.EscapedPath(); strings.HasPrefix(p, webhookPrefix) && cleanPath(p) == p {
		h.webhooks.ServeHTTP(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// cleanPath is net/http's: path.Clean keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		if len(p) == len(np)+1 && strings.HasPrefix(p, np) {
			np = p
		} else {
			np += "/"
		}
	}
	return np
}
