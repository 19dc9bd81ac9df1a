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
	one := oneAtATime(make(chan struct{}, 1))
	mux.Handle("/debug/pprof/", one.wrap(pprof.Index))
	mux.Handle("/debug/pprof/cmdline", one.wrap(pprof.Cmdline))
	mux.Handle("/debug/pprof/profile", one.wrap(pprof.Profile))
	mux.Handle("/debug/pprof/symbol", one.wrap(pprof.Symbol))
	mux.Handle("/debug/pprof/trace", one.wrap(pprof.Trace))
}

// oneAtATime serves one profile request at a time; another is answered 429
// at once. A profile with ?seconds= keeps its connection busy with a
// request for that long without reading or writing anything, and the
// connection cap never closes a busy connection for a new one: without
// this, a client opening --web.max-connections of them would lock
// Prometheus out of /metrics. Nobody takes two profiles at once.
type oneAtATime chan struct{}

func (o oneAtATime) wrap(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case o <- struct{}{}:
		default:
			w.Header().Set("Retry-After", "30")
			http.Error(w, "another profile is being taken; retry when it is done", http.StatusTooManyRequests)
			return
		}
		defer func() { <-o }()
		h(w, r)
	})
}
