// Command airudder_exporter exports AiRudder AI voice-robot statistics and
// AiRudder / LAAFFIC call webhooks as Prometheus metrics.
//
// main parses the flags and wires the pieces: config (load, check), the
// vendors' pollers and the webhook receiver, the demo, and the HTTP server.
package main

// The dashboards and rules are generated (cmd/mixin); CI checks that the
// committed files are what it writes.
//go:generate go run ./cmd/mixin

import (
	_ "time/tzdata" // time zones for accounts even in a scratch image

	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"
	sloggokit "github.com/tjhop/slog-gokit"

	"airudder_exporter/airudder"
	"airudder_exporter/collector"
	"airudder_exporter/config"
	"airudder_exporter/demo"
	"airudder_exporter/laaffic"
	"airudder_exporter/receiver"
	"airudder_exporter/server"
)

// defaultPort is outside the exhausted 9100-9999 exporter range of
// Prometheus' default port allocation list (see README.md).
const defaultPort = "10133"

// defaultMaxConnections is the --web.max-connections default.
const defaultMaxConnections = 1024

func main() {
	os.Exit(run(os.Args[1:]))
}

// projectVersion is the release this tree describes. Release builds set
// version.* with -ldflags (Makefile); a plain `go build` gets the revision
// from the Go toolchain's VCS stamp (read by the version package), this
// version, and "unknown" rather than blanks for the rest.
const projectVersion = "0.1.0"

func init() {
	if version.Version == "" {
		version.Version = projectVersion
	}
	for _, v := range []*string{&version.Branch, &version.BuildDate, &version.BuildUser} {
		if *v == "" {
			*v = "unknown"
		}
	}
}

// options are the parsed command-line flags.
type options struct {
	configFile, telemetryPath, logLevel, logFormat string
	storagePath, webhookListen, webhookWebConfig   string
	configCheck, demo, enableLifecycle             bool
	timeoutOffset, defaultScrapeTO, shutdownTO     time.Duration
	maxConnections                                 int
}

func run(args []string) int {
	app := kingpin.New("airudder_exporter", "Prometheus exporter for AiRudder voice robots and LAAFFIC IVR calls.")
	var o options
	app.Flag("config.file", "Exporter configuration file.").Default("config.yml").StringVar(&o.configFile)
	app.Flag("config.check", "Validate the configuration file, print the result and exit (non-zero when invalid).").BoolVar(&o.configCheck)
	app.Flag("web.telemetry-path", "Path under which to expose metrics.").Default("/metrics").StringVar(&o.telemetryPath)
	webFlags := kingpinflag.AddFlags(app, ":"+defaultPort)
	app.Flag("webhook.listen-address", "Separate address for the webhook endpoints (/webhooks/...). Empty: served on --web.listen-address. Use it when --web.config.file enables basic auth, which vendors cannot send.").Default("").StringVar(&o.webhookListen)
	app.Flag("webhook.web-config.file", "exporter-toolkit web config (TLS) for --webhook.listen-address. Webhooks authenticate with their token, not basic auth.").Default("").StringVar(&o.webhookWebConfig)
	app.Flag("storage.path", "Directory where the webhook dedup memory is persisted (saved every minute and on shutdown, loaded at start). Empty disables persistence.").Default("data").StringVar(&o.storagePath)
	app.Flag("scrape.timeout-offset", "Subtracted from X-Prometheus-Scrape-Timeout-Seconds so /metrics answers before Prometheus gives up.").Default("500ms").DurationVar(&o.timeoutOffset)
	app.Flag("scrape.default-timeout", "How long a scrape may wait for the AiRudder API when the request carries no X-Prometheus-Scrape-Timeout-Seconds header.").Default("10s").DurationVar(&o.defaultScrapeTO)
	app.Flag("web.shutdown-timeout", "On SIGTERM/SIGINT, how long in-flight requests may take to finish.").Default("15s").DurationVar(&o.shutdownTO)
	app.Flag("web.enable-lifecycle", "Enable reloading the configuration via HTTP (POST /-/reload on --web.listen-address; never on --webhook.listen-address). SIGHUP always reloads.").Default("false").BoolVar(&o.enableLifecycle)
	app.Flag("web.max-connections", "Cap on concurrent connections per listen address (main and webhook listeners each). At the cap the oldest connection without a request in progress is closed to make room; it is lowered automatically to fit the open-file limit (RLIMIT_NOFILE minus 64, shared by all listeners).").Default(strconv.Itoa(defaultMaxConnections)).IntVar(&o.maxConnections)
	app.Flag("log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]").Default("info").EnumVar(&o.logLevel, "debug", "info", "warn", "error")
	app.Flag("log.format", "Output format of log messages. One of: [logfmt, json]").Default("logfmt").EnumVar(&o.logFormat, "logfmt", "json")
	app.Flag("demo", "Run with an embedded demo: a simulated AiRudder API scraped as account \"demo\" and generated webhook traffic.").BoolVar(&o.demo)
	app.Version(version.Print("airudder_exporter"))
	app.HelpFlag.Short('h')
	var storageSet, configSet bool
	app.GetFlag("storage.path").IsSetByUser(&storageSet)
	app.GetFlag("config.file").IsSetByUser(&configSet)
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintln(os.Stderr, namedFlagError(app, args, err))
		return 2
	}
	if o.configCheck {
		return checkConfig(o.configFile)
	}

	logger, slogger := newLogger(o.logLevel, o.logFormat, os.Stderr)
	level.Info(logger).Log("msg", "Starting airudder_exporter", "version", version.Info(), "build_context", version.BuildContext())
	if o.demo && !storageSet {
		cleanup, err := demoStorage(&o, logger)
		if err != nil {
			level.Error(logger).Log("msg", "Cannot create the demo's temporary storage directory", "err", err)
			return 1
		}
		defer cleanup()
	}
	so := server.Options{
		Logger: logger, Slog: slogger, Registry: server.NewRegistry(), Web: webFlags,
		TelemetryPath: o.telemetryPath, WebhookListenAddress: o.webhookListen, WebhookWebConfigFile: o.webhookWebConfig,
		ScrapeTimeoutOffset: o.timeoutOffset, DefaultScrapeTimeout: o.defaultScrapeTO, ShutdownTimeout: o.shutdownTO,
		EnableLifecycle: o.enableLifecycle, MaxConnections: o.maxConnections, ConfigFile: o.configFile,
		Landing: server.Landing{
			Name:        "AiRudder Exporter",
			Description: "Prometheus exporter for AiRudder voice robots (inbound statistics, call webhooks) and LAAFFIC IVR call records",
			WebhooksHTML: `<p>Webhook endpoints (POST only): <code>/webhooks/airudder</code> for AiRudder call/task/workflow webhooks,
<code>/webhooks/laaffic</code> for LAAFFIC pushes (IVR and AI-agent records, call-centre records, ringing notifications);
either path may end in <code>/&lt;account&gt;</code>.</p>`,
		},
	}
	s, err := newServer(so, o.demo, o.demo && !configSet, o.storagePath)
	if err != nil {
		level.Error(logger).Log("msg", "Cannot start", "err", err)
		return 1
	}
	if err := s.Run(context.Background()); err != nil {
		level.Error(logger).Log("msg", "Exiting with error", "err", err)
		return 1
	}
	return 0
}

// newServer loads the config and builds every component on so.Registry.
// defaultsIfMissing lets a missing config file start from the defaults.
func newServer(so server.Options, withDemo, defaultsIfMissing bool, storage string) (*server.Server, error) {
	logger := so.Logger
	cfg, err := loadConfig(so.ConfigFile, defaultsIfMissing, logger)
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", so.ConfigFile, err)
	}
	var (
		pollers  []poller
		webhooks []receiver.Vendor
		parts    []demo.Part
	)
	for _, v := range vendors(collector.Options{Logger: log.With(logger, "component", "collector"), Registerer: so.Registry}) {
		pollers = append(pollers, v.pollers...)
		webhooks = append(webhooks, v.webhooks)
		parts = append(parts, v.demo)
	}
	if withDemo {
		d, err := demo.StartAPI(log.With(logger, "component", "demo"), parts...)
		if err != nil {
			return nil, fmt.Errorf("starting demo API: %w", err)
		}
		cfg, so.Demo = d.Augment(cfg), d
		so.Landing.ExtraHTML = `<p><b>Demo mode</b>: simulated AiRudder and LAAFFIC APIs are scraped as account "demo" and generated webhook traffic is posted to this exporter.</p>`
	}
	rcv, err := receiver.New(cfg.Webhooks, receiver.Options{Logger: log.With(logger, "component", "receiver"), Registerer: so.Registry, StoragePath: storage}, webhooks...)
	if err != nil {
		return nil, fmt.Errorf("starting webhook receiver: %w", err)
	}
	so.Apply = func(cfg *config.Config) {
		for _, p := range pollers {
			p.ApplyConfig(cfg)
		}
		rcv.ApplyConfig(cfg.Webhooks)
	}
	so.Check = func(cfg *config.Config) error { return rcv.CheckConfig(cfg.Webhooks) }
	for _, p := range pollers {
		so.Scrapers = append(so.Scrapers, p)
	}
	so.Webhooks = rcv.Handler()
	so.Ready = func() error {
		if !rcv.Ready() {
			return errors.New("webhook dedup store (Redis) unreachable")
		}
		return nil
	}
	so.Closers = []io.Closer{rcv} // saves the dedup state
	return server.New(so, cfg), nil
}

// loadConfig loads the file at path. With defaultsIfMissing (--demo
// without --config.file) a missing file gives the defaults: the demo is
// for a newcomer's first minutes, run from wherever the binary landed. A
// file the user names stays required.
func loadConfig(path string, defaultsIfMissing bool, logger log.Logger) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err == nil || !defaultsIfMissing || !errors.Is(err, fs.ErrNotExist) {
		return cfg, err
	}
	level.Info(logger).Log("msg", "Demo: no configuration file, starting from the defaults; pass --config.file to use one", "file", path)
	return config.Parse(nil)
}

// vendor is one vendor's part of the exporter: what it polls at scrape
// time, the webhooks it receives and its part of --demo.
type vendor struct {
	pollers  []poller
	webhooks receiver.Vendor
	demo     demo.Part
}

// poller is a vendor API polled at scrape time.
type poller interface {
	server.Scraper
	ApplyConfig(*config.Config)
}

// vendors lists every vendor; adding one is adding its package and a line.
func vendors(o collector.Options) []vendor {
	return []vendor{
		{[]poller{airudder.NewStatisticsPoller(o)}, airudder.NewWebhooks(), demo.NewPart(airudder.StartDemo, 47)},
		{[]poller{laaffic.NewBalancePoller(o), laaffic.NewSIPTrunksPoller(o), laaffic.NewAgentsPoller(o), laaffic.NewNumbersPoller(o), laaffic.NewTasksPoller(o)}, laaffic.NewPushes(), demo.NewPart(laaffic.StartDemo, 48)},
	}
}

// checkConfig implements --config.check.
func checkConfig(path string) int {
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: INVALID: %v\n", path, err)
		return 1
	}
	enabled, skipped := cfg.EnabledAccounts()
	fmt.Printf("%s: OK (%d account(s) enabled, %d skipped; webhook token %s)\n",
		path, len(enabled), len(skipped), map[bool]string{true: "set", false: "not set"}[cfg.Webhooks.Token != ""])
	for name, why := range skipped {
		fmt.Printf("  account %q skipped: %s\n", name, why)
	}
	if n := len(cfg.Laaffic.Accounts); n > 0 {
		fmt.Printf("  LAAFFIC: %d account(s), %d with balance credentials\n", n, len(cfg.BalanceAccounts()))
	}
	return 0
}

// namedFlagError names the flag whose value kingpin rejected (its error does
// not): each flag's value is set once more to find the first that fails.
// Other errors (unknown flag, missing value) already name the flag.
func namedFlagError(app *kingpin.Application, args []string, err error) error {
	ctx, perr := app.ParseContext(args)
	if perr != nil || ctx == nil {
		return err
	}
	for _, el := range ctx.Elements {
		f, ok := el.Clause.(*kingpin.FlagClause)
		if !ok || el.Value == nil {
			continue
		}
		if serr := f.Model().Value.Set(*el.Value); serr != nil {
			return fmt.Errorf("--%s=%s: %w", f.Model().Name, *el.Value, serr)
		}
	}
	return err
}

// newLogger builds the go-kit logger every package logs through and the
// *slog.Logger for exporter-toolkit and net/http, whose lines look the same
// (level, ts in UTC, caller, msg, attributes), so a log shipper needs one
// parser.
func newLogger(lvl, format string, w io.Writer) (log.Logger, *slog.Logger) {
	l := log.NewLogfmtLogger(log.NewSyncWriter(w))
	if format == "json" {
		l = log.NewJSONLogger(log.NewSyncWriter(w))
	}
	opt, slogLevel := level.AllowInfo(), slog.LevelInfo
	switch lvl {
	case "debug":
		opt, slogLevel = level.AllowDebug(), slog.LevelDebug
	case "warn":
		opt, slogLevel = level.AllowWarn(), slog.LevelWarn
	case "error":
		opt, slogLevel = level.AllowError(), slog.LevelError
	}
	base := level.NewFilter(l, opt)
	// slog-gokit writes level, caller, time, msg; go-kit's order is level,
	// ts, caller, msg.
	kitOrder := log.LoggerFunc(func(kv ...any) error {
		if len(kv) >= 6 && kv[2] == "caller" && kv[4] == slog.TimeKey {
			if t, ok := kv[5].(time.Time); ok {
				kv[2], kv[3], kv[4], kv[5] = "ts", t.UTC(), "caller", kv[3]
			}
		}
		return base.Log(kv...)
	})
	return log.With(base, "ts", log.DefaultTimestampUTC, "caller", log.DefaultCaller),
		slog.New(sloggokit.NewGoKitHandler(kitOrder, slogLevel))
}

// demoStorage gives a `--demo` run without --storage.path a temporary
// directory (removed by the returned func), so `go run . --demo` leaves no
// data/ in the checkout. An existing directory is kept: the image's data/
// links to its state volume (and the image has no /tmp).
func demoStorage(o *options, logger log.Logger) (func(), error) {
	if fi, err := os.Stat(o.storagePath); o.storagePath != "" && err == nil && fi.IsDir() {
		level.Info(logger).Log("msg", "Demo: webhook dedup memory kept in the existing storage directory", "path", o.storagePath)
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "airudder_exporter-demo-")
	if err != nil {
		return nil, err
	}
	o.storagePath = dir
	level.Info(logger).Log("msg", "Demo: webhook dedup memory kept in a temporary directory, removed on exit; pass --storage.path to keep it", "path", dir)
	return func() { _ = os.RemoveAll(dir) }, nil
}
