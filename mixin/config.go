// Package mixin builds the Grafana dashboards and the Prometheus alerting and
// recording rules of airudder_exporter from Go, the way a monitoring mixin
// does: one source, one config of selectors and thresholds, and shared helpers
// that make a panel or a rule one call. The vendors' parts live in their own
// packages (airudder/airuddermixin, laaffic/laafficmixin); cmd/mixin writes
// dashboards/*.json and alerts/*.rules.yml from them.
package mixin

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the mixin's config: every dashboard and rule is built from it, so
// changing a selector or a threshold regenerates everything consistently.
type Config struct {
	// JobSelector selects the exporter's scrape job in every recording rule,
	// alert and dashboard variable (PromQL matchers without braces).
	JobSelector string `yaml:"job_selector"`
	// RateWindow is the range of every recorded rate; it is part of the
	// recorded names (account:airudder_calls:rate5m).
	RateWindow string `yaml:"rate_window"`
	// RunbookBaseURL is put in front of every runbook_url ("RUNBOOK.md#alert");
	// empty keeps the links relative to the repository.
	RunbookBaseURL string `yaml:"runbook_base_url"`
	// Thresholds overrides the alert thresholds by key; `cmd/mixin
	// --print-config` lists every key with its default.
	Thresholds map[string]float64 `yaml:"thresholds"`

	// defaults holds every threshold a rule asked for, with its default:
	// the set of valid keys, known only once the rules are built.
	defaults map[string]float64
}

// DefaultConfig is the config the committed dashboards and rules are built with.
func DefaultConfig() *Config {
	return &Config{
		JobSelector: `job="airudder_exporter"`,
		RateWindow:  "5m",
	}
}

var (
	durationRE = regexp.MustCompile(`^[0-9]+(ms|s|m|h|d|w|y)$`)
	matcherRE  = regexp.MustCompile(`^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"`)
)

// LoadConfig reads a YAML config over the defaults, strictly: an unknown key
// is an error. Unknown threshold keys are found by CheckThresholds once the
// rules are built.
func LoadConfig(path string) (*Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := DefaultConfig()
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Validate checks the selectors' syntax before anything is built with them.
func (c *Config) Validate() error {
	if !matcherRE.MatchString(c.JobSelector) || strings.ContainsAny(c.JobSelector, "{}") {
		return fmt.Errorf("job_selector %q: want label matchers without braces, e.g. job=\"airudder_exporter\"", c.JobSelector)
	}
	if !durationRE.MatchString(c.RateWindow) {
		return fmt.Errorf("rate_window %q: want a Prometheus duration such as 5m", c.RateWindow)
	}
	return nil
}

// Threshold is the value of an alert threshold: the config's override, else
// def. Every key asked for becomes a valid key of `thresholds`.
func (c *Config) Threshold(key string, def float64) float64 {
	if c.defaults == nil {
		c.defaults = map[string]float64{}
	}
	if old, ok := c.defaults[key]; ok && old != def {
		panic(fmt.Sprintf("mixin: threshold %s has two defaults, %v and %v", key, old, def))
	}
	c.defaults[key] = def
	if v, ok := c.Thresholds[key]; ok {
		return v
	}
	return def
}

// CheckThresholds reports threshold keys of the config that no rule uses
// (a typo would otherwise be silently ignored).
func (c *Config) CheckThresholds() error {
	var unknown []string
	for k := range c.Thresholds {
		if _, ok := c.defaults[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("unknown thresholds %s (cmd/mixin --print-config lists the keys)", strings.Join(unknown, ", "))
	}
	return nil
}

// ThresholdDefaults lists every threshold asked for so far with its default.
func (c *Config) ThresholdDefaults() map[string]float64 {
	out := make(map[string]float64, len(c.defaults))
	for k, v := range c.defaults {
		out[k] = v
	}
	return out
}

// Runbook is the runbook_url of an alert: a RUNBOOK.md section named after it.
func (c *Config) Runbook(alert string) string {
	return c.RunbookBaseURL + "RUNBOOK.md#" + strings.ToLower(alert)
}
