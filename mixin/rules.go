package mixin

import (
	"strings"
)

// RuleGroup is a Prometheus rule group.
type RuleGroup struct {
	Name     string `yaml:"name"`
	Interval string `yaml:"interval,omitempty"`
	Rules    []Rule `yaml:"rules"`
}

// Rule is a recording or alerting rule as Prometheus reads it.
type Rule struct {
	Record      string       `yaml:"record,omitempty"`
	Alert       string       `yaml:"alert,omitempty"`
	Expr        string       `yaml:"expr"`
	For         string       `yaml:"for,omitempty"`
	Labels      Labels       `yaml:"labels,omitempty"`
	Annotations *Annotations `yaml:"annotations,omitempty"`
}

// Labels of a rule, written in key order.
type Labels map[string]string

// Annotations of an alert.
type Annotations struct {
	Summary     string `yaml:"summary"`
	Description string `yaml:"description"`
	RunbookURL  string `yaml:"runbook_url"`
}

// Alert describes an alerting rule; Config.Alert adds the runbook link.
type Alert struct {
	Name        string
	Expr        string
	For         string
	Severity    string
	Summary     string
	Description string
}

// Alert is the rule of a: severity label, summary, description and a
// runbook_url into RUNBOOK.md (under the config's base URL).
func (c *Config) Alert(a Alert) Rule {
	return Rule{
		Alert:  a.Name,
		Expr:   tidyExpr(a.Expr),
		For:    a.For,
		Labels: Labels{"severity": a.Severity},
		Annotations: &Annotations{
			Summary:     a.Summary,
			Description: a.Description,
			RunbookURL:  c.Runbook(a.Name),
		},
	}
}

// WhileZero is the alert on a 0/1 health gauge at 0 (a target or an
// account down, a reload failed): a.Expr is set from the gauge.
func (c *Config) WhileZero(gauge string, a Alert) Rule {
	a.Expr = c.Sel(gauge) + " == 0"
	return c.Alert(a)
}

// Record is a recording rule.
func Record(name, expr string) Rule { return Rule{Record: name, Expr: tidyExpr(expr)} }

// RecordedName is the conventional name of a recorded series,
// level:metric:operations (account:airudder_calls:rate5m).
func RecordedName(level, metric, operations string) string {
	return level + ":" + metric + ":" + operations
}

// RateName is the recorded per-second rate of a counter over the config's
// window: the _total suffix is dropped (account:airudder_calls:rate5m).
func (c *Config) RateName(level, counter string) string {
	return RecordedName(level, strings.TrimSuffix(counter, "_total"), "rate"+c.RateWindow)
}

// RecordRate records the per-second rate of counter over the config's window,
// summed by job, instance and by (the level names the labels kept).
func (c *Config) RecordRate(level, counter string, by ...string) Rule {
	keep := append([]string{"job", "instance"}, by...)
	return Record(c.RateName(level, counter), Sum(keep, "rate("+c.Sel(counter)+"["+c.RateWindow+"])"))
}

// RecordBuckets records the per-second rate of a histogram's buckets by job,
// instance, by and le: the input of histogram_quantile at that level.
func (c *Config) RecordBuckets(level, histogram string, by ...string) Rule {
	keep := append(append([]string{"job", "instance"}, by...), "le")
	return Record(c.RateName(level, histogram+"_bucket"), Sum(keep, "rate("+c.Sel(histogram+"_bucket")+"["+c.RateWindow+"])"))
}

// tidyExpr trims the blank lines and trailing spaces a Go raw string leaves.
func tidyExpr(s string) string {
	lines := strings.Split(strings.Trim(s, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " \t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			l = l[indent:]
		}
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n")
}
