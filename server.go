package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"airudder_exporter/airudder"
	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/demo"
	"airudder_exporter/laaffic"
	"airudder_exporter/receiver"
)

// server owns the wiring: one registry, the collector, the receiver, the
// config holder and the HTTP servers.
type server struct {
	o        options
	webFlags *web.FlagConfig
	logger   log.Logger
	base     log.Logger // level-filtered, without ts/caller, for the slog bridge

	reg      *prometheus.Registry
	holder   *config.Holder
	inbound  *collector.Inbound
	laaffic  *collector.Laaffic
	receiver *receiver.Receiver
	demo     *demo.Demo

	reloadMu      sync.Mutex
	reloadOK      prometheus.Gauge
	reloadSuccess prometheus.Gauge
	accounts      *prometheus.GaugeVec
	scrapeAborts  prometheus.Counter
	conns         *connMetrics
	ready         atomic.Bool
	// noAccountsLogged avoids repeating the "collector disabled" line on
	// every reload of an unchanged credential-less config.
	noAccountsLogged bool
}

func newServer(o options, webFlags *web.FlagConfig, logger, base log.Logger) (*server, error) {
	s := &server{o: o, webFlags: webFlags, logger: logger, base: base, reg: prometheus.NewRegistry()}
	s.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("airudder_exporter"),
	)
	s.reloadOK = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "airudder_exporter_config_last_reload_successful",
		Help: "Whether the last configuration (re)load succeeded (1) or failed and the previous config is still in use (0).",
	})
	s.reloadSuccess = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "airudder_exporter_config_last_reload_success_timestamp_seconds",
		Help: "Unix time of the last successful configuration (re)load.",
	})
	s.accounts = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "airudder_exporter_accounts",
		Help: "AiRudder accounts in the configuration, by state (enabled: scraped; skipped: no credentials or disabled).",
	}, []string{"state"})
	s.scrapeAborts = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "airudder_exporter_scrape_client_aborts_total",
		Help: "Scrapes of /metrics whose client hung up before the answer was complete (logged once each, at debug level).",
	})
	s.reg.MustRegister(s.reloadOK, s.reloadSuccess, s.accounts, s.scrapeAborts)
	s.conns = newConnMetrics(s.reg)

	cfg, err := config.Load(o.configFile)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", o.configFile, err)
	}
	if o.demo {
		if s.demo, err = demo.StartAPI(log.With(logger, "component", "demo")); err != nil {
			return nil, fmt.Errorf("starting demo API: %w", err)
		}
		cfg = s.demo.Augment(cfg)
	}
	s.holder = config.NewHolder(cfg)

	s.inbound = collector.NewInbound(collector.Options{
		Logger:     log.With(logger, "component", "collector"),
		Registerer: s.reg,
	})
	s.laaffic = collector.NewLaaffic(collector.Options{
		Logger:     log.With(logger, "component", "collector"),
		Registerer: s.reg,
	})
	storage := o.storagePath
	if storage != "" {
		if err := os.MkdirAll(storage, 0o750); err != nil {
			level.Error(logger).Log("msg", "Cannot create --storage.path; webhook dedup memory will not survive restarts", "path", storage, "err", err)
			storage = ""
		}
	}
	s.receiver, err = receiver.New(cfg.Webhooks, receiver.Options{
		Logger:      log.With(logger, "component", "receiver"),
		Registerer:  s.reg,
		StoragePath: storage,
	}, airudder.NewWebhooks(), laaffic.NewPushes())
	if err != nil {
		return nil, fmt.Errorf("starting webhook receiver: %w", err)
	}
	s.apply(cfg)
	s.reloadOK.Set(1)
	s.reloadSuccess.SetToCurrentTime()
	return s, nil
}

// apply hands a loaded config to the collector and the receiver.
func (s *server) apply(cfg *config.Config) {
	enabled, skipped := cfg.EnabledAccounts()
	names := make([]string, 0, len(skipped))
	for n := range skipped {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		level.Warn(s.logger).Log("msg", "AiRudder account skipped", "account", n, "reason", skipped[n])
	}
	if len(enabled) == 0 {
		if !s.noAccountsLogged {
			level.Warn(s.logger).Log("msg", "AiRudder statistics collector disabled until credentials are given: set AIRUDDER_APP_KEY and AIRUDDER_APP_SECRET (or app_key/app_secret_file in the config file); webhooks are still received")
			s.noAccountsLogged = true
		}
	} else {
		s.noAccountsLogged = false
	}
	s.accounts.WithLabelValues("enabled").Set(float64(len(enabled)))
	s.accounts.WithLabelValues("skipped").Set(float64(len(skipped)))
	s.inbound.ApplyConfig(enabled)
	s.laaffic.ApplyConfig(cfg.BalanceAccounts())
	s.receiver.ApplyConfig(cfg.Webhooks)
}

// reload re-reads the config file; on error the running config stays.
func (s *server) reload() error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cfg, err := config.Load(s.o.configFile)
	if err != nil {
		s.reloadOK.Set(0)
		level.Error(s.logger).Log("msg", "Config reload failed; keeping the previous config", "file", s.o.configFile, "err", err)
		return err
	}
	if s.demo != nil {
		cfg = s.demo.Augment(cfg)
	}
	s.holder.Set(cfg)
	s.apply(cfg)
	s.reloadOK.Set(1)
	s.reloadSuccess.SetToCurrentTime()
	level.Info(s.logger).Log("msg", "Config reloaded", "file", s.o.configFile)
	return nil
}

// scrapeTimeout is how long this /metrics request may wait for upstream
// data: Prometheus' announced timeout minus an offset, so the answer
// arrives before Prometheus gives up on the scrape.
func scrapeTimeout(r *http.Request, offset, def time.Duration) time.Duration {
	v := r.Header.Get("X-Prometheus-Scrape-Timeout-Seconds")
	if v == "" {
		return def
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil || secs <= 0 {
		return def
	}
	t := time.Duration(secs*float64(time.Second)) - offset
	if min := 100 * time.Millisecond; t < min {
		// An offset larger than the timeout would leave no time at all;
		// keep a sliver so cached data can still be served.
		t = min
	}
	return t
}

// maxScrapesInFlight bounds concurrent /metrics renders; a request that
// finds no slot waits up to scrapeSlotWait (a burst of clients must not
// turn Prometheus' scrape into a 503), then gets 503 as promhttp's own
// MaxRequestsInFlight would answer.
const (
	maxScrapesInFlight = 20
	scrapeSlotWait     = time.Second
)

// acquireScrapeSlot takes a render slot, waiting at most scrapeSlotWait.
func acquireScrapeSlot(ctx context.Context, slots chan struct{}) bool {
	select {
	case slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(scrapeSlotWait)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// metricsHandler gathers the long-lived registry plus a collector bound to
// this scrape's deadline, so a slow AiRudder API costs airudder_up 0, never
// a failed scrape. The promhttp handler is built per request (its gatherer
// holds the request's deadline), so the in-flight limit is kept here, shared.
func (s *server) metricsHandler() http.Handler {
	opts := promhttp.HandlerOpts{
		ErrorHandling:     promhttp.ContinueOnError,
		EnableOpenMetrics: true, // exemplars on the duration histograms
	}
	inFlight := make(chan struct{}, maxScrapesInFlight)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A scrape has no body. A GET announcing one is a client holding the
		// connection (or probing): answered at once and closed, without
		// spending a render on it.
		if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
			w.Header().Set("Connection", "close")
			http.Error(w, "a scrape request has no body", http.StatusBadRequest)
			return
		}
		released := false
		if !acquireScrapeSlot(r.Context(), inFlight) {
			http.Error(w, fmt.Sprintf("limit of concurrent requests reached (%d), try again later", maxScrapesInFlight), http.StatusServiceUnavailable)
			return
		}
		defer func() {
			if !released {
				<-inFlight
			}
		}()
		timeout := scrapeTimeout(r, s.o.timeoutOffset, s.o.defaultScrapeTO)
		// The connection is held for the scrape's own deadline, not the
		// server's read timeout (whose expiry during a long scrape would
		// cancel the request), and its answer may take writeGrace to send.
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(timeout + writeGrace))
		_ = rc.SetWriteDeadline(time.Now().Add(timeout + writeGrace))
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		scrape := prometheus.NewRegistry()
		for _, c := range []prometheus.Collector{s.inbound.ScrapeCollector(ctx), s.laaffic.ScrapeCollector(ctx)} {
			if err := scrape.Register(c); err != nil {
				level.Error(s.logger).Log("msg", "Cannot register scrape collector", "err", err)
			}
		}
		// The scrape registry goes first: gathering it runs the fetch, so the
		// request counters gathered after it already include this scrape.
		reqOpts := opts
		pl := &promLogger{l: s.logger, aborts: s.scrapeAborts} // per scrape: logs a hang-up once
		reqOpts.ErrorLog = pl
		// The answer is rendered into a buffer and the slot given back
		// before it is sent: a client that requests /metrics and then does
		// not read (a stalled attacker, a stuck proxy) must hold its own
		// connection until the write deadline, not one of the slots every
		// real scrape needs. The buffer is one answer per connection, and
		// connections are capped (--web.max-connections).
		bw := getScrapeBuffer()
		defer putScrapeBuffer(bw)
		promhttp.HandlerFor(prometheus.Gatherers{scrape, s.reg}, reqOpts).ServeHTTP(bw, r)
		<-inFlight
		released = true
		bw.sendTo(w, pl)
	})
	return promhttp.InstrumentMetricHandler(s.reg, h)
}

// promLogger receives promhttp's errors for one scrape. A client that hangs
// up mid-answer (curl | head, a Prometheus scrape timeout) makes every
// further write fail, once per metric family: that is not an error of the
// exporter, so it is counted and logged once, at debug level.
type promLogger struct {
	l       log.Logger
	aborts  prometheus.Counter
	aborted bool // one scrape is served by one goroutine
}

func (p *promLogger) Println(v ...any) {
	for _, a := range v {
		if err, ok := a.(error); ok && clientGone(err) {
			if !p.aborted {
				p.aborted = true
				p.aborts.Inc()
				level.Debug(p.l).Log("msg", "Scrape client hung up before the answer was complete", "err", err)
			}
			return
		}
	}
	if p.aborted {
		return // follow-on errors of the same hang-up
	}
	// Sprintln puts a space between every operand (Sprint does not between
	// a string and an error: "family:write ...").
	level.Error(p.l).Log("msg", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

// clientGone tells a write to a client that went away from a real error.
func clientGone(err error) bool {
	return errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, http.ErrHandlerTimeout) || errors.Is(err, context.Canceled)
}

func (s *server) routes(withWebhooks bool) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.Handle(s.o.telemetryPath, s.metricsHandler())
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
		if !s.receiver.Ready() {
			// webhooks.redis unreachable: webhooks could only get 503.
			http.Error(w, "Not ready: webhook dedup store (Redis) unreachable", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "Ready")
	})
	mux.HandleFunc("/-/reload", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		if !s.o.enableLifecycle {
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
	if withWebhooks {
		mux.Handle("/webhooks/", s.receiver.Handler())
	}
	if s.o.telemetryPath != "/" {
		landing, err := web.NewLandingPage(s.landingConfig(withWebhooks))
		if err != nil {
			return nil, err
		}
		mux.Handle("/", landing)
	}
	return mux, nil
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	http.Error(w, "method not allowed; use "+allow, http.StatusMethodNotAllowed)
}

// landingConfig lists links only: no config value, so no secret, is shown.
func (s *server) landingConfig(withWebhooks bool) web.LandingConfig {
	links := []web.LandingLinks{
		{Address: s.o.telemetryPath, Text: "Metrics"},
		{Address: "/-/healthy", Text: "Health"},
		{Address: "/-/ready", Text: "Readiness"},
	}
	extra := ""
	if withWebhooks {
		extra = `<p>Webhook endpoints (POST only): <code>/webhooks/airudder</code> for AiRudder call/task/workflow webhooks,
<code>/webhooks/laaffic</code> for LAAFFIC pushes (IVR and AI-agent records, call-centre records, ringing notifications);
either path may end in <code>/&lt;account&gt;</code>.</p>`
	} else {
		extra = `<p>Webhook endpoints are served on the separate --webhook.listen-address.</p>`
	}
	if s.demo != nil {
		extra += `<p><b>Demo mode</b>: simulated AiRudder and LAAFFIC APIs are scraped as account "demo" and generated webhook traffic is posted to this exporter.</p>`
	}
	return web.LandingConfig{
		Name:        "AiRudder Exporter",
		Description: "Prometheus exporter for AiRudder voice robots (inbound statistics, call webhooks) and LAAFFIC IVR call records",
		Version:     version.Info(),
		Links:       links,
		ExtraHTML:   extra,
	}
}

// listen opens the listeners itself (rather than web.ListenAndServe) so the
// demo traffic generator knows the real port even for ":0".
func listen(addrs []string) ([]net.Listener, error) {
	var ls []net.Listener
	for _, a := range addrs {
		l, err := net.Listen("tcp", a)
		if err != nil {
			for _, o := range ls {
				o.Close()
			}
			return nil, err
		}
		ls = append(ls, l)
	}
	return ls, nil
}

func (s *server) run() error {
	sep := s.o.webhookListen != ""
	mux, err := s.routes(!sep)
	if err != nil {
		return err
	}
	var inFlight sync.WaitGroup
	srv := s.newHTTPServer(mux, &inFlight)
	servers := []*http.Server{srv}
	ls, err := s.mainListeners() // --web.systemd-socket or --web.listen-address; systemd.go
	if err != nil {
		return err
	}
	nListeners := len(ls)
	if sep {
		nListeners++
	}
	maxConns := connLimits(s.o.maxConnections, nListeners)
	var limited []*limitListener
	for i := range ls {
		ll := newLimitListener(ls[i], maxConns, "web", s.conns)
		ls[i], limited = ll, append(limited, ll)
	}
	level.Info(s.logger).Log("msg", "Connection cap per listener", "max_connections", maxConns)
	slogger := slogFor(s.base)
	// net/http's own error lines (TLS handshake failures, handler panics)
	// go through the same logger, so --log.format=json stays JSON.
	httpErrLog := slog.NewLogLogger(slogger.Handler(), slog.LevelError)
	srv.ErrorLog = httpErrLog
	errc := make(chan error, 2)
	go func() { errc <- web.ServeMultiple(ls, srv, s.webFlags, slogger) }()

	webhookAddr := ls[0].Addr().String()
	if sep {
		wmux := http.NewServeMux()
		wmux.Handle("/webhooks/", s.receiver.Handler())
		wsrv := s.newHTTPServer(wmux, &inFlight)
		wsrv.ErrorLog = httpErrLog
		wl, err := listen([]string{s.o.webhookListen})
		if err != nil {
			return fmt.Errorf("--webhook.listen-address: %w", err)
		}
		webhookAddr = wl[0].Addr().String()
		wll := newLimitListener(wl[0], maxConns, "webhook", s.conns)
		wl[0], limited = wll, append(limited, wll)
		cfgFile := s.o.webhookWebConfig
		wflags := &web.FlagConfig{WebListenAddresses: &[]string{s.o.webhookListen}, WebConfigFile: &cfgFile}
		servers = append(servers, wsrv)
		go func() { errc <- web.ServeMultiple(wl, wsrv, wflags, slogger) }()
		level.Info(s.logger).Log("msg", "Webhook endpoints on a separate listener", "address", webhookAddr)
	}
	s.warnBasicAuthWithoutWebhookListener(sep)

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if s.demo != nil {
		go s.demo.RunTraffic(ctx, webhookURL(webhookAddr), string(s.holder.Get().Webhooks.Token))
	}
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
			s.closeReceiver()
			return err
		case sg := <-sig:
			if sg == syscall.SIGHUP {
				_ = s.reload()
				continue
			}
			level.Info(s.logger).Log("msg", "Shutting down: no new connections, finishing in-flight requests", "signal", sg.String(), "timeout", s.o.shutdownTimeout)
			s.ready.Store(false)
			stop()
			s.shutdown(servers, limited, &inFlight)
			s.closeReceiver()
			if s.demo != nil {
				s.demo.Close()
			}
			level.Info(s.logger).Log("msg", "Stopped")
			return nil
		}
	}
}

// newHTTPServer applies the timeouts and the guard of connguard.go.
func (s *server) newHTTPServer(h http.Handler, inFlight *sync.WaitGroup) *http.Server {
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
func (s *server) writeBudget() time.Duration {
	return s.holder.Get().Webhooks.ReadTimeout.D() + writeGrace
}

// shutdown stops the servers gracefully for --web.shutdown-timeout, then
// closes whatever connections are still open (a client that stalls its
// request must not turn a clean stop into a failure), and waits briefly for
// handlers still running, so none records after the dedup state is saved.
func (s *server) shutdown(servers []*http.Server, limited []*limitListener, inFlight *sync.WaitGroup) {
	sctx, cancel := context.WithTimeout(context.Background(), s.o.shutdownTimeout)
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

func (s *server) closeReceiver() {
	if err := s.receiver.Close(); err != nil {
		level.Error(s.logger).Log("msg", "Saving webhook dedup state failed", "err", err)
	}
}

// webhookURL turns a listener address into a loopback base URL.
func webhookURL(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	return "http://127.0.0.1:" + port
}
