// Command mixin writes the dashboards (dashboards/*.json) and the alerting
// and recording rules (alerts/airudder_exporter.rules.yml) from the Go
// sources in mixin/ and each vendor's mixin package. `go generate ./...`
// runs it with the defaults; --config builds them with your own selectors
// and thresholds.
package main

import (
	"fmt"
	"os"

	"github.com/alecthomas/kingpin/v2"
	"gopkg.in/yaml.v3"

	"airudder_exporter/airudder/airuddermixin"
	"airudder_exporter/laaffic/laafficmixin"
	"airudder_exporter/mixin"
	"airudder_exporter/mixin/health"
)

// parts are the homes the mixin is built from, in the order of the rule
// groups: one line per vendor, like main's vendors().
func parts() []mixin.Part {
	return []mixin.Part{
		health.Part(),
		airuddermixin.Part(),
		laafficmixin.Part(),
	}
}

func main() {
	app := kingpin.New("mixin", "Writes airudder_exporter's Grafana dashboards and Prometheus rules.")
	configFile := app.Flag("config", "YAML config of selectors and thresholds (keys: --print-config); default: the built-in one.").String()
	dashDir := app.Flag("dashboards.dir", "Where the dashboards are written.").Default("dashboards").String()
	rulesDir := app.Flag("rules.dir", "Where the rule file is written.").Default("alerts").String()
	printConfig := app.Flag("print-config", "Print the config in effect, every threshold with its value, and exit.").Bool()
	kingpin.MustParse(app.Parse(os.Args[1:]))

	if err := run(*configFile, *dashDir, *rulesDir, *printConfig); err != nil {
		fmt.Fprintln(os.Stderr, "mixin:", err)
		os.Exit(1)
	}
}

func run(configFile, dashDir, rulesDir string, printConfig bool) error {
	cfg := mixin.DefaultConfig()
	if configFile != "" {
		var err error
		if cfg, err = mixin.LoadConfig(configFile); err != nil {
			return err
		}
	}
	out, err := mixin.Build(cfg, parts())
	if err != nil {
		return err
	}
	if printConfig {
		shown := *cfg
		shown.Thresholds = cfg.ThresholdDefaults()
		for k, v := range cfg.Thresholds {
			shown.Thresholds[k] = v
		}
		return yaml.NewEncoder(os.Stdout).Encode(&shown)
	}
	return out.Write(dashDir, rulesDir)
}
