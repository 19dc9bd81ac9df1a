package collector

import (
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configures a Poller.
type Options struct {
	Logger     log.Logger            // nil → no logging
	Registerer prometheus.Registerer // persistent self-metrics are registered here once
	HTTPClient *http.Client          // nil → a client whose requests carry their own deadline; redirects off the base URL's scheme, host and port are refused either way
	// MaxResponseBytes caps one upstream answer; 0 → 4 MiB.
	MaxResponseBytes int64
	Now              func() time.Time // nil → time.Now (tests inject a clock)
}

// withDefaults fills the unset options: a nop logger, the shared HTTP
// client settings, the wall clock, the answer cap. Every client refuses
// redirects off the origin it was sent to: credentials go only to the
// configured scheme, host and port.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = log.NewNopLogger()
	}
	if o.HTTPClient == nil {
		o.HTTPClient = newHTTPClient()
	}
	o.HTTPClient = sameOriginRedirects(o.HTTPClient)
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = defaultMaxResponseBytes
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// newHTTPClient is the default client: no global timeout (each request
// carries its own deadline), proxies from the environment, a small idle pool.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 4
	t.IdleConnTimeout = 5 * time.Minute
	return &http.Client{Transport: t}
}

// Register registers c, or returns the identical collector already there
// (a second poller on the same registry must not panic). A nil reg
// registers nothing.
func Register[T prometheus.Collector](reg prometheus.Registerer, c T) T {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing
			}
		}
	}
	return c
}
