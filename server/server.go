// Package server serves the exporter over HTTP: the listeners (including
// systemd sockets) and their connection guard, /metrics rendered into a
// buffer under a bounded number of slots, health, readiness, the reload
// lifecycle (SIGHUP, POST /-/reload), pprof and the landing page, and the
// graceful shutdown. It knows no vendor: main hands it the registry, the
// scrape-time collectors, the webhook handler and the apply step of a
// config reload.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"
	toolkitweb "github.com/prometheus/exporter-toolkit/web"

	"airudder_exporter/config"
)

// exporterName prefixes the exporter's own metrics and names its build info.
const exporterName = "airudder_exporter"

// Scraper contributes the metrics that are fetched during a scrape, bound
// to that scrape's deadline (ctx).
type Scraper interface {
	ScrapeCollector(ctx context.Context) prometheus.Collector
}

// Demo is the embedded demo (--demo): it adds its simulated accounts to
// every loaded config, posts generated webhook traffic while the server
// runs, and stops with it.
type Demo interface {
	Augment(*config.Config) *config.Config
	RunTraffic(ctx context.Context, webhookURL, token string)
	Close()
}

// noDemo is the Demo of a run without --demo.
type noDemo struct{}

func (noDemo) Augment(c *config.Config) *config.Config    { return c }
func (noDemo) RunTraffic(context.Context, string, string) {}
func (noDemo) Close()                                     {}

// Landing is the landing page's text. It lists links only: no config value,
// so no secret, is shown.
type Landing struct {
	Name, Description string
	// WebhooksHTML describes the webhook endpoints when they are served
	// on --web.listen-address.
	WebhooksHTML string
	// ExtraHTML follows the webhook paragraph.
	ExtraHTML string
}

// metricsRegistry is what the server needs of the long-lived registry.
type metricsRegistry interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// Options configure a Server.
type Options struct {
	Logger log.Logger
	// Slog receives exporter-toolkit's and net/http's lines, in the same
	// format as Logger's.
	Slog *slog.Logger
	// Registry holds the long-lived metrics: a *Registry (NewRegistry) in
	// the exporter, any registry in tests.
	Registry metricsRegistry

	Web                  *toolkitweb.FlagConfig
	TelemetryPath        string
	WebhookListenAddress string // empty: webhooks on Web's listeners
	WebhookWebConfigFile string
	ScrapeTimeoutOffset  time.Duration
	DefaultScrapeTimeout time.Duration
	ShutdownTimeout      time.Duration
	EnableLifecycle      bool // POST /-/reload
	MaxConnections       int
	Landing              Landing

	// ConfigFile is re-read on SIGHUP and POST /-/reload; Apply hands
	// every successfully loaded config to the components.
	ConfigFile string
	Apply      func(*config.Config)
	// Check, when set, vets a reloaded config before Apply: an error (a
	// setting that takes a restart) refuses the reload, as a config that
	// does not load is refused.
	Check    func(*config.Config) error
	Scrapers []Scraper
	Webhooks http.Handler // served under /webhooks/
	// Ready reports why the components cannot serve yet (nil: ready).
	Ready func() error
	// Closers are closed after the listeners, once in-flight requests
	// ended (e.g. to save state no handler changes any more). One with a
	// CloseContext method is given what is left of ShutdownTimeout.
	Closers []io.Closer
	Demo    Demo // nil without --demo
}

// Server is the exporter's HTTP side.
type Server struct {
	o      Options
	logger log.Logger
	reg    metricsRegistry
	demo   Demo

	holder        *config.Holder
	reloadMu      sync.Mutex
	reloadOK      prometheus.Gauge
	reloadSuccess prometheus.Gauge
	scrapeAborts  prometheus.Counter
	conns         *connMetrics
	ready         atomic.Bool
}

// New registers the exporter's own metrics on o.Registry and applies cfg,
// the config already loaded (and augmented by the demo).
func New(o Options, cfg *config.Config) *Server {
	s := &Server{o: o, logger: o.Logger, reg: o.Registry, demo: o.Demo, holder: config.NewHolder(cfg)}
	if s.demo == nil {
		s.demo = noDemo{}
	}
	s.reg.MustRegister(
		newGoCollector(),
		newProcessCollector(),
		versioncollector.NewCollector(exporterName),
	)
	s.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: exporterName + "_config_last_reload_successful",
		Help: "Whether the last configuration (re)load succeeded (1) or failed and the previous config is still in use (0).",
	})
	s.reloadSuccess = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: exporterName + "_config_last_reload_success_timestamp_seconds",
		Help: "Unix time of the last successful configuration (re)load.",
	})
	s.scrapeAborts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: exporterName + "_scrape_client_aborts_total",
		Help: "Scrapes of /metrics whose client hung up before the answer was complete (logged once each, at debug level).",
	})
	s.reg.MustRegister(s.reloadOK, s.reloadSuccess, s.scrapeAborts)
	s.conns = newConnMetrics(s.reg)
	s.o.Apply(cfg)
	s.reloadOK.Set(1)
	s.reloadSuccess.SetToCurrentTime()
	return s
}

// reload re-reads the config file; on error the running config stays.
func (s *Server) reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cfg, err := config.Load(s.o.ConfigFile)
	if err != nil {
		s.reloadOK.Set(0)
		level.Error(s.logger).Log("msg", "Config reload failed; keeping the previous config", "file", s.o.ConfigFile, "err", err)
		return err
	}
	cfg = s.demo.Augment(cfg)
	if s.o.Check != nil {
		if err := s.o.Check(cfg); err != nil {
			s.reloadOK.Set(0)
			level.Error(s.logger).Log("msg", "Config reload refused; keeping the previous config", "file", s.o.ConfigFile, "err", err)
			return err
		}
	}
	s.holder.Set(cfg)
	s.o.Apply(cfg)
	s.reloadOK.Set(1)
	s.reloadSuccess.SetToCurrentTime()
	level.Info(s.logger).Log("msg", "Config reloaded", "file", s.o.ConfigFile)
	return nil
}

func (s *Server) routes(withWebhooks bool) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle(s.o.TelemetryPath, s.metricsHandler())
	registerPprof(mux) // metrics listener only; see pprof.go
	mux.HandleFunc("/-/healthy", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		fmt.Fprintln(w, "Healthy")
	})
	mux.HandleFunc("/-/ready", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		if !s.ready.Load() {
			http.Error(w, "Not ready", http.StatusServiceUnavailable)
			return
		}
		if s.o.Ready != nil {
			if err := s.o.Ready(); err != nil {
				http.Error(w, "Not ready: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		fmt.Fprintln(w, "Ready")
	})
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		if !s.o.EnableLifecycle {
			// As Prometheus: reloading over HTTP is opt-in.
			http.Error(w, "Lifecycle API is not enabled: start with --web.enable-lifecycle, or send SIGHUP", http.StatusForbidden)
			return
		}
		if err := s.reload(); err != nil {
			http.Error(w, "failed to reload config: "+err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "config reloaded")
	})
	if s.o.TelemetryPath != "/" {
		landing, err := toolkitweb.NewLandingPage(s.landingConfig(withWebhooks))
		if err != nil {
			return nil, err
		}
		mux.Handle("/", landing)
	}
	if withWebhooks {
		return webhookHandler(mux, s.o.Webhooks), nil
	}
	return mux, nil
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed; use "+allow, http.StatusMethodNotAllowed)
}

func (s *Server) landingConfig(withWebhooks bool) toolkitweb.LandingConfig {
	links := []toolkitweb.LandingLinks{
		{Address: s.o.TelemetryPath, Text: "Metrics"},
		{Address: "/-/healthy", Text: "Health"},
		{Address: "/-/ready", Text: "Readiness"},
	}
	extra := `<p>Webhook endpoints are served on the separate --webhook.listen-address.</p>`
	if withWebhooks {
		extra = s.o.Landing.WebhooksHTML
	}
	return toolkitweb.LandingConfig{
		Name:        s.o.Landing.Name,
		Description: s.o.Landing.Description,
		Version:     version.Info(),
		Links:       links,
		ExtraHTML:   extra + s.o.Landing.ExtraHTML,
	}
}

// Run serves until SIGTERM, SIGINT or the end of ctx (then shuts down
// gracefully) or until a listener fails. SIGHUP reloads the config.
func (s *Server) Run(ctx context.Context) error {
	sep := s.o.WebhookListenAddress != ""
	mux, err := s.routes(!sep)
	if err != nil {
		return err
	}
	var inFlight sync.WaitGroup
	srv := s.newHTTPServer(mux, &inFlight)
	servers := []*http.Server{srv}
	ls, err := s.mainListeners()
	if err != nil {
		return err
	}
	if s.o.Demo != nil {
		base := browseURL(ls[0].Addr())
		level.Info(s.logger).Log("msg", "Demo running: open the landing page, or the metrics", "landing_page", base+"/", "metrics", base+s.o.TelemetryPath)
	}
	nListeners := len(ls)
	if sep {
		nListeners++
	}
	maxConns := connLimits(s.o.MaxConnections, nListeners)
	var limited []*limitListener
	for i := range ls {
		ll := newLimitListener(ls[i], maxConns, "web", s.conns)
		ls[i], limited = ll, append(limited, ll)
	}
	level.Info(s.logger).Log("msg", "Connection cap per listener", "max_connections", maxConns)
	// net/http's own error lines (TLS handshake failures, handler panics)
	// go through the same logger, so --log.format=json stays JSON.
	httpErrLog := slog.NewLogLogger(s.o.Slog.Handler(), slog.LevelError)
	srv.ErrorLog = httpErrLog
	errc := make(chan error, 2)
	go func() { errc <- toolkitweb.ServeMultiple(ls, srv, s.o.Web, s.o.Slog) }()

	webhookAddr := ls[0].Addr().String()
	if sep {
		wsrv := s.newHTTPServer(webhookHandler(http.NewServeMux(), s.o.Webhooks), &inFlight)
		wsrv.ErrorLog = httpErrLog
		wl, err := listen([]string{s.o.WebhookListenAddress})
		if err != nil {
			return fmt.Errorf("--webhook.listen-address: %w", err)
		}
		webhookAddr = wl[0].Addr().String()
		wll := newLimitListener(wl[0], maxConns, "webhook", s.conns)
		wl[0], limited = wll, append(limited, wll)
		cfgFile := s.o.WebhookWebConfigFile
		wflags := &toolkitweb.FlagConfig{WebListenAddresses: &[]string{s.o.WebhookListenAddress}, WebConfigFile: &cfgFile}
		servers = append(servers, wsrv)
		go func() { errc <- toolkitweb.ServeMultiple(wl, wsrv, wflags, s.o.Slog) }()
		level.Info(s.logger).Log("msg", "Webhook endpoints on a separate listener", "address", webhookAddr)
	}
	s.warnBasicAuthWithoutWebhookListener(sep)

	trafficCtx, stopTraffic := context.WithCancel(context.Background())
	defer stopTraffic()
	go s.demo.RunTraffic(trafficCtx, webhookURL(webhookAddr), string(s.holder.Get().Webhooks.Token))
	s.ready.Store(true)

	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sig)
	for {
		select {
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				continue
			}
			s.close(context.Background())
			return err
		case <-ctx.Done():
			level.Info(s.logger).Log("msg", "Shutting down: no new connections, finishing in-flight requests", "reason", context.Cause(ctx), "timeout", s.o.ShutdownTimeout)
		case sg := <-sig:
			if sg == syscall.SIGHUP {
				_ = s.reload()
				continue
			}
			level.Info(s.logger).Log("msg", "Shutting down: no new connections, finishing in-flight requests", "signal", sg.String(), "timeout", s.o.ShutdownTimeout)
		}
		s.ready.Store(false)
		stopTraffic()
		// Closers get what is left of the shutdown timeout: the receiver's
		// last flush to Redis must not stretch the stop beyond it.
		stopBy := time.Now().Add(s.o.ShutdownTimeout)
		s.shutdown(servers, limited, &inFlight)
		closeCtx, cancelClose := context.WithDeadline(context.Background(), stopBy)
		s.close(closeCtx)
		cancelClose()
		s.demo.Close()
		level.Info(s.logger).Log("msg", "Stopped")
		return nil
	}
}

// newHTTPServer applies the timeouts and the guard of connguard.go.
func (s *Server) newHTTPServer(h http.Handler, inFlight *sync.WaitGroup) *http.Server {
	return &http.Server{
		Handler:           guard{next: h, writeFor: s.writeBudget, inFlight: inFlight},
		ReadHeaderTimeout: serverReadHeaderTimeout,
		ReadTimeout:       serverReadTimeout,
		IdleTimeout:       serverIdleTimeout,
		ConnState:         trackConnState,
	}
}

// writeBudget is how long any request may take to be answered unless its
// handler extends it (/metrics does, by the scrape's deadline): the webhook
// read_timeout plus a grace period.
func (s *Server) writeBudget() time.Duration {
	return s.holder.Get().Webhooks.ReadTimeout.D() + writeGrace
}

// shutdown stops the servers gracefully for --web.shutdown-timeout, then
// closes whatever connections are still open (a client that stalls its
// request must not turn a clean stop into a failure), and waits briefly for
// handlers still running, so none records after the state is saved.
func (s *Server) shutdown(servers []*http.Server, limited []*limitListener, inFlight *sync.WaitGroup) {
	sctx, cancel := context.WithTimeout(context.Background(), s.o.ShutdownTimeout)
	defer cancel()
	// Connections that never send (or finish) their request headers would
	// hold net/http's Shutdown for 5 s each: close them, and keep doing so
	// for those that turn idle, until the servers are down.
	stopClosing := make(chan struct{})
	go func() {
		for {
			for _, l := range limited {
				l.closeNotBusy()
			}
			select {
			case <-stopClosing:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	defer close(stopClosing)
	var wg sync.WaitGroup
	for _, h := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.Shutdown(sctx); err != nil {
				level.Warn(s.logger).Log("msg", "Shutdown timeout reached; closing the connections still open", "err", err)
				_ = h.Close()
			}
		}()
	}
	wg.Wait()
	done := make(chan struct{})
	go func() { inFlight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		level.Warn(s.logger).Log("msg", "Handlers still running after their connections were closed")
	}
}

// contextCloser is a Closer that may wait on the network while closing
// (the receiver's last flush to Redis): it is told the deadline.
type contextCloser interface {
	CloseContext(context.Context) error
}

// close closes o.Closers, those that take one by ctx's deadline.
func (s *Server) close(ctx context.Context) {
	for _, c := range s.o.Closers {
		closeFn := c.Close
		if cc, ok := c.(contextCloser); ok {
			closeFn = func() error { return cc.CloseContext(ctx) }
		}
		if err := closeFn(); err != nil {
			level.Error(s.logger).Log("msg", "Closing failed", "err", err)
		}
	}
}
