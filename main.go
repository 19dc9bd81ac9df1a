// Command airudder_exporter exports AiRudder AI voice-robot statistics and
// AiRudder / LAAFFIC call webhooks as Prometheus metrics.
//
// main only parses flags and wires the pieces: config (load, validate, swap),
// collector (scrape-time AiRudder statistics), receiver (webhooks) and the
// HTTP servers. It knows no payload format and no metric name of the
// collector or the receiver.
package main

import (
	_ "time/tzdata" // time zones for accounts even in a scratch image

	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/go-kit/log/level"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web/kingpinflag"

	"airudder_exporter/config"
)

// defaultPort is outside the exhausted 9100-9999 exporter range of
// Prometheus' default port allocation list (see README.md).
const defaultPort = "10133"

func main() {
	os.Exit(run(os.Args[1:]))
}

// options are the parsed command-line flags.
type options struct {
	configFile          string
	configCheck         bool
	telemetryPath       string
	logLevel, logFormat string
	demo                bool
	storagePath         string
	webhookListen       string
	webhookWebConfig    string
	timeoutOffset       time.Duration
	defaultScrapeTO     time.Duration
	shutdownTimeout     time.Duration
	enableLifecycle     bool
	maxConnections      int
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
	app.Flag("web.shutdown-timeout", "On SIGTERM/SIGINT, how long in-flight requests may take to finish.").Default("15s").DurationVar(&o.shutdownTimeout)
	app.Flag("web.enable-lifecycle", "Enable reloading the configuration via HTTP (POST /-/reload on --web.listen-address; never on --webhook.listen-address). SIGHUP always reloads.").Default("false").BoolVar(&o.enableLifecycle)
	app.Flag("web.max-connections", "Cap on concurrent connections per listen address (main and webhook listeners each). At the cap the oldest connection without a request in progress is closed to make room; it is lowered automatically to fit the open-file limit (RLIMIT_NOFILE minus 64, shared by all listeners).").Default(strconv.Itoa(defaultMaxConnections)).IntVar(&o.maxConnections)
	app.Flag("log.level", "Only log messages with the given severity or above. One of: [debug, info, warn, error]").Default("info").EnumVar(&o.logLevel, "debug", "info", "warn", "error")
	app.Flag("log.format", "Output format of log messages. One of: [logfmt, json]").Default("logfmt").EnumVar(&o.logFormat, "logfmt", "json")
	app.Flag("demo", "Run with an embedded demo: a simulated AiRudder API scraped as account \"demo\" and generated webhook traffic.").BoolVar(&o.demo)
	app.Version(version.Print("airudder_exporter"))
	app.HelpFlag.Short('h')
	storageFlag := app.GetFlag("storage.path")
	var storageSet bool
	storageFlag.IsSetByUser(&storageSet)
	if _, err := app.Parse(args); err != nil {
		fmt.Fprintln(os.Stderr, namedFlagError(app, args, err))
		return 2
	}

	if o.configCheck {
		return checkConfig(o.configFile)
	}

	logger, base := newLogger(o.logLevel, o.logFormat, os.Stderr)
	level.Info(logger).Log("msg", "Starting airudder_exporter", "version", version.Info(), "build_context", version.BuildContext())
	if o.demo && !storageSet {
		cleanup, err := demoStorage(&o, logger)
		if err != nil {
			level.Error(logger).Log("msg", "Cannot create the demo's temporary storage directory", "err", err)
			return 1
		}
		defer cleanup()
	}

	s, err := newServer(o, webFlags, logger, base)
	if err != nil {
		level.Error(logger).Log("msg", "Cannot start", "err", err)
		return 1
	}
	if err := s.run(); err != nil {
		level.Error(logger).Log("msg", "Exiting with error", "err", err)
		return 1
	}
	return 0
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
