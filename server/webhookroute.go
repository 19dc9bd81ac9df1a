package server

import (
	"net/http"
	"strings"
)

// webhookPrefix is where the webhook handler is served.
const webhookPrefix = "/webhooks/"

// webhookHandler is mux serving the webhook handler under /webhooks/.
func webhookHandler(mux *http.ServeMux, webhooks http.Handler) http.Handler {
	mux.Handle(webhookPrefix, webhooks)
	return webhookRoute{mux: mux, webhooks: webhooks}
}

// webhookRoute sends every request for a path under /webhooks/ (as
// escaped) straight to the webhook handler, everything else to mux. For a
// clean path that is what mux does too, without its pattern matching on
// the path every webhook takes. An unclean one (//, /./, /../) mux would
// redirect: a vendor's POST would be lost uncounted, or come back as a
// GET. The webhook handler answers it instead, with a counted 404 when it
// names no route.
type webhookRoute struct {
	mux      *http.ServeMux
	webhooks http.Handler
}

func (h webhookRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.EscapedPath(), webhookPrefix) {
		h.webhooks.ServeHTTP(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}
