package server

import (
	"net/http"
	"net/http/pprof"
)

// registerPprof serves Go's runtime profiles under /debug/pprof/, as every
// Prometheus exporter does, so a user can take a CPU or heap profile of a
// running exporter (the landing page links heap and CPU profiles).
//
// It is called for the metrics listener's mux only. The separate
// --webhook.listen-address faces the vendors (often the internet) and
// serves /webhooks/ alone: profiles cost CPU on demand and show
// internals, so they stay behind the listener that --web.config.file
// protects. The handlers are registered on this mux explicitly; the
// package's side effect on http.DefaultServeMux is never served.
func registerPprof(mux *http.ServeMux) {
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
}
