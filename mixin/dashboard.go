package mixin

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Dashboard is one generated dashboard: its file name under dashboards/,
// its variables (every query filters by them), rows and panels.
type Dashboard struct {
	File string

	cfg     *Config
	b       *dashboard.DashboardBuilder
	filters []string // variables every query's selector filters by, in order
	nextID  uint32
	exprs   []string
}

// NewDashboard starts a dashboard with a datasource variable and job and
// instance variables (the job variable offers the jobs the config's job
// selector matches), refreshed every minute, over the last 6 hours. Tags
// include "airudder-exporter": the dashboards link to each other by it.
func (c *Config) NewDashboard(file, uid, title, description string, tags ...string) *Dashboard {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags(tags).
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Refresh("1m").
		Time("now-6h", "now").
		Timezone("browser").
		Link(dashboard.NewDashboardLinkBuilder("AiRudder exporter dashboards").
			Type(dashboard.DashboardLinkTypeDashboards).
			Tags([]string{"airudder-exporter"}).
			AsDropdown(true).IncludeVars(true).KeepTime(true).TargetBlank(false).
			Icon("external link").Tooltip("").Url("")).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Data source").Type("prometheus"))
	d := &Dashboard{File: file, cfg: c, b: b, nextID: 1}
	d.Variable("job", "Job", fmt.Sprintf("label_values(airudder_exporter_build_info{%s}, job)", c.JobSelector))
	d.Variable("instance", "Instance", `label_values(airudder_exporter_build_info{job=~"$job"}, instance)`)
	return d
}

// Variable adds a multi-value query variable (default All) that every later
// query filters by: S adds `name=~"$name"`. query is its label_values query,
// filtered by the earlier variables.
func (d *Dashboard) Variable(name, label, query string) *Dashboard {
	d.VariableOnly(name, label, query)
	d.filters = append(d.filters, name)
	return d
}

// VariableOnly adds a query variable that queries do not filter by unless
// they ask for it (`name=~"$name"` as an extra matcher of S).
func (d *Dashboard) VariableOnly(name, label, query string) *Dashboard {
	d.exprs = append(d.exprs, query)
	d.b.WithVariable(dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(datasourceRef()).
		Query(dashboard.StringOrMap{Map: map[string]any{
			"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery", "qryType": 1,
		}}).
		Definition(query).
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		}).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
		Sort(dashboard.VariableSortAlphabeticalAsc).
		IncludeAll(true).Multi(true).AllValue(".*"))
	return d
}

// S selects metric filtered by the dashboard's variables, plus matchers.
func (d *Dashboard) S(metric string, matchers ...string) string {
	ms := make([]string, 0, len(d.filters)+len(matchers))
	for _, f := range d.filters {
		ms = append(ms, f+`=~"$`+f+`"`)
	}
	return Matchers(metric, append(ms, matchers...)...)
}

// Row starts a row (not collapsed: the panels that follow belong to it).
func (d *Dashboard) Row(title string) *Dashboard {
	d.b.WithRow(dashboard.NewRowBuilder(title).Id(d.takeID(0)).Collapsed(false))
	return d
}

// Add lays the panels out left to right, wrapping at the grid's width.
func (d *Dashboard) Add(panels ...*Panel) *Dashboard {
	for _, p := range panels {
		for _, t := range p.Targets {
			d.exprs = append(d.exprs, t.Expr)
		}
		d.b.WithPanel(p.builder(d.takeID(p.id)))
	}
	return d
}

func (d *Dashboard) takeID(fixed uint32) uint32 {
	if fixed != 0 {
		return fixed
	}
	id := d.nextID
	d.nextID++
	return id
}

// NextID sets the id the next panel without a fixed id takes.
func (d *Dashboard) NextID(id uint32) *Dashboard { d.nextID = id; return d }

// Exprs lists every query of the dashboard (panels and variables).
func (d *Dashboard) Exprs() []string { return d.exprs }

// JSON is the dashboard as Grafana imports it (schema-validated by the SDK).
func (d *Dashboard) JSON() ([]byte, error) {
	built, err := d.b.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.File, err)
	}
	built.SchemaVersion = 39
	out, err := json.MarshalIndent(built, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", d.File, err)
	}
	return append(out, '\n'), nil
}

// ---- panel helpers: one call per common panel ----

// reads is the per-second rate of series over the dashboard's interval, or
// the recorded rate itself when series is a recorded name (level:metric:op).
func reads(sel string) string {
	if strings.Contains(sel[:strings.IndexByte(sel+"{", '{')], ":") {
		return sel
	}
	return "rate(" + sel + "[$__rate_interval])"
}

// Rate is the per-second rate of metric (a counter, or a recorded rate)
// summed by labels, filtered by the dashboard's variables and matchers.
func (d *Dashboard) Rate(metric string, by []string, matchers ...string) string {
	return Sum(by, reads(d.S(metric, matchers...)))
}

// RateBy is "rate by dimension": a time series of metric's per-second rate
// by labels, one series per label set.
func (d *Dashboard) RateBy(title, description, unit, metric string, by ...string) *Panel {
	return TimeSeries(title, description, unit, Q(d.Rate(metric, by), legendOf(by)))
}

// Ratio is "ratio with minimum volume": the rate of num over the rate of den
// by labels (0..1; both are selectors of counters or recorded rates, e.g.
// from S) where a den with no num reads 0, and a den below minPerSecond hides
// the point rather than showing the ratio of a handful of calls.
func (d *Dashboard) Ratio(title, description string, minPerSecond float64, num, den string, by ...string) *Panel {
	n, m := Sum(by, reads(num)), Sum(by, reads(den))
	expr := RatioOr0(n, m)
	if minPerSecond > 0 {
		expr = "(" + expr + ") and " + m + " >= " + formatFloat(minPerSecond)
	}
	return TimeSeries(title, description, "percentunit", Q(expr, legendOf(by))).Range(0, 1)
}

// Quantiles is "histogram quantiles": one series per quantile of a
// histogram's buckets (a _bucket counter, or its recorded rate) by labels.
func (d *Dashboard) Quantiles(title, description, unit, buckets string, by []string, qs ...float64) *Panel {
	p := TimeSeries(title, description, unit)
	for _, q := range qs {
		legend := "p" + strings.TrimPrefix(formatFloat(q*100), "0")
		if l := legendOf(by); l != "" {
			legend = l + " " + legend
		}
		p.Targets = append(p.Targets, Q(Quantile(q, by, reads(d.S(buckets))), legend))
	}
	return p
}

// Gauge is "gauge over time": agg by labels of a gauge, one series per label
// set.
func (d *Dashboard) Gauge(title, description, unit, agg, metric string, by ...string) *Panel {
	return TimeSeries(title, description, unit, Q(Agg(agg, by, d.S(metric)), legendOf(by)))
}

// legendOf is the legend format naming each label of by.
func legendOf(by []string) string {
	parts := make([]string, len(by))
	for i, l := range by {
		parts[i] = "{{" + l + "}}"
	}
	return strings.Join(parts, " ")
}
