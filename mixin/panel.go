package mixin

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Kind is a panel type.
type Kind int

// The panel types the dashboards use.
const (
	KindTimeSeries Kind = iota
	KindStat
	KindBarGauge
	KindTable
)

// Target is one query of a panel.
type Target struct {
	Expr   string
	Legend string
}

// Q is a query and its legend format.
func Q(expr, legend string) Target { return Target{Expr: expr, Legend: legend} }

// Step is a threshold step: from Value (nil: from minus infinity) on, Color.
type Step struct {
	Value *float64
	Color string
}

// From is a threshold step starting at v.
func From(v float64, color string) Step { return Step{Value: &v, Color: color} }

// Base is the first threshold step (from minus infinity).
func Base(color string) Step { return Step{Color: color} }

// ValueText maps a value to a text and a color (e.g. 1 → "UP", green).
type ValueText struct {
	Value, Text, Color string
}

// Panel describes one panel; Dashboard.Add lays it out and builds it with the
// Grafana Foundation SDK. Helpers (TimeSeries, Stat, RateBy, Ratio, ...) fill
// it; the chainable methods adjust it.
type Panel struct {
	Kind        Kind
	Title       string
	Description string
	Unit        string
	Targets     []Target
	W, H        uint32

	min, max    *float64
	decimals    *float64
	steps       []Step
	valueTexts  []ValueText
	stacked     bool
	noGraph     bool
	unitByName  map[string]string
	hideColumns []string
	renames     map[string]string
	id          uint32
}

// TimeSeries is a time-series panel.
func TimeSeries(title, description, unit string, targets ...Target) *Panel {
	return &Panel{Kind: KindTimeSeries, Title: title, Description: description, Unit: unit, Targets: targets, W: 12, H: 8}
}

// Stat is a single-value panel (last value, with a sparkline).
func Stat(title, description, unit string, targets ...Target) *Panel {
	return &Panel{Kind: KindStat, Title: title, Description: description, Unit: unit, Targets: targets, W: 4, H: 4}
}

// BarGauge is a horizontal bar gauge (one bar per series, last value).
func BarGauge(title, description, unit string, targets ...Target) *Panel {
	return &Panel{Kind: KindBarGauge, Title: title, Description: description, Unit: unit, Targets: targets, W: 8, H: 9}
}

// Table is an instant table of the series' labels and value.
func Table(title, description, unit string, targets ...Target) *Panel {
	return &Panel{Kind: KindTable, Title: title, Description: description, Unit: unit, Targets: targets, W: 24, H: 8}
}

// Size sets the panel's width (of 24) and height.
func (p *Panel) Size(w, h uint32) *Panel { p.W, p.H = w, h; return p }

// Range sets the axis or gauge range.
func (p *Panel) Range(min, max float64) *Panel { p.min, p.max = &min, &max; return p }

// Decimals fixes the number of decimals shown.
func (p *Panel) Decimals(d float64) *Panel { p.decimals = &d; return p }

// Thresholds sets the threshold steps (the first one from minus infinity).
func (p *Panel) Thresholds(steps ...Step) *Panel { p.steps = steps; return p }

// ValueTexts maps values to texts and colors (stat panels: UP/DOWN).
func (p *Panel) ValueTexts(v ...ValueText) *Panel { p.valueTexts = v; return p }

// Stacked stacks the series of a time series.
func (p *Panel) Stacked() *Panel { p.stacked = true; return p }

// NoGraph drops a stat panel's sparkline.
func (p *Panel) NoGraph() *Panel { p.noGraph = true; return p }

// UnitByName sets the unit of the series with that display name (a currency
// per series).
func (p *Panel) UnitByName(name, unit string) *Panel {
	if p.unitByName == nil {
		p.unitByName = map[string]string{}
	}
	p.unitByName[name] = unit
	return p
}

// Columns hides table columns and renames others.
func (p *Panel) Columns(hide []string, rename map[string]string) *Panel {
	p.hideColumns, p.renames = hide, rename
	return p
}

// ID fixes the panel's id (links with viewPanel=<id> stay valid when panels
// are added before it); 0 takes the dashboard's next id.
func (p *Panel) ID(id uint32) *Panel { p.id = id; return p }

func datasourceRef() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}
}

func (p *Panel) queries() []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], 0, len(p.Targets))
	for i, t := range p.Targets {
		q := prometheus.NewDataqueryBuilder().
			Datasource(datasourceRef()).
			RefId(string(rune('A' + i))).
			Expr(t.Expr).
			LegendFormat(t.Legend)
		if p.Kind == KindTable {
			q = q.Instant().Format(prometheus.PromQueryFormatTable)
		} else {
			q = q.Range()
		}
		out = append(out, q)
	}
	return out
}

func (p *Panel) thresholds() *dashboard.ThresholdsConfigBuilder {
	steps := p.steps
	if len(steps) == 0 {
		steps = []Step{Base("green")}
	}
	ts := make([]dashboard.Threshold, len(steps))
	for i, s := range steps {
		ts[i] = dashboard.Threshold{Value: s.Value, Color: s.Color}
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(ts)
}

func (p *Panel) mappings() []dashboard.ValueMapping {
	if len(p.valueTexts) == 0 {
		return nil
	}
	options := map[string]dashboard.ValueMappingResult{}
	for i, v := range p.valueTexts {
		options[v.Value] = dashboard.ValueMappingResult{Text: cog.ToPtr(v.Text), Color: cog.ToPtr(v.Color), Index: cog.ToPtr(int32(i))}
	}
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: options}}}
}

// panelBuilder is what the SDK's panel builders of every type share; common
// applies the shared part once for all of them.
type panelBuilder[B any] interface {
	cog.Builder[dashboard.Panel]
	Id(uint32) B
	Title(string) B
	Description(string) B
	Datasource(common.DataSourceRef) B
	Span(uint32) B
	Height(uint32) B
	Unit(string) B
	Min(float64) B
	Max(float64) B
	Decimals(float64) B
	Thresholds(cog.Builder[dashboard.ThresholdsConfig]) B
	Mappings([]dashboard.ValueMapping) B
	ColorScheme(cog.Builder[dashboard.FieldColor]) B
	OverrideByName(string, []dashboard.DynamicConfigValue) B
	WithTarget(cog.Builder[variants.Dataquery]) B
}

func applyCommon[B panelBuilder[B]](b B, p *Panel, id uint32, color dashboard.FieldColorModeId) B {
	b = b.Id(id).Title(p.Title).Description(p.Description).Datasource(datasourceRef()).
		Span(p.W).Height(p.H).Unit(p.Unit).Thresholds(p.thresholds()).
		ColorScheme(dashboard.NewFieldColorBuilder().Mode(color))
	if p.min != nil {
		b = b.Min(*p.min)
	}
	if p.max != nil {
		b = b.Max(*p.max)
	}
	if p.decimals != nil {
		b = b.Decimals(*p.decimals)
	}
	if m := p.mappings(); m != nil {
		b = b.Mappings(m)
	}
	for _, name := range sortedKeys(p.unitByName) {
		b = b.OverrideByName(name, []dashboard.DynamicConfigValue{{Id: "unit", Value: p.unitByName[name]}})
	}
	for _, q := range p.queries() {
		b = b.WithTarget(q)
	}
	return b
}

func (p *Panel) builder(id uint32) cog.Builder[dashboard.Panel] {
	reduce := common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Fields("").Values(false)
	switch p.Kind {
	case KindStat:
		graph := common.BigValueGraphModeArea
		if p.noGraph {
			graph = common.BigValueGraphModeNone
		}
		return applyCommon(stat.NewPanelBuilder(), p, id, dashboard.FieldColorModeIdThresholds).
			ReduceOptions(reduce).GraphMode(graph).ColorMode(common.BigValueColorModeValue).
			JustifyMode(common.BigValueJustifyModeAuto).TextMode(common.BigValueTextModeAuto).
			Orientation(common.VizOrientationAuto).WideLayout(true).ShowPercentChange(false)
	case KindBarGauge:
		return applyCommon(bargauge.NewPanelBuilder(), p, id, dashboard.FieldColorModeIdPaletteClassic).
			ReduceOptions(reduce).Orientation(common.VizOrientationHorizontal).
			DisplayMode(common.BarGaugeDisplayModeGradient).ValueMode(common.BarGaugeValueModeColor).
			NamePlacement(common.BarGaugeNamePlacementAuto).ShowUnfilled(true).Sizing(common.BarGaugeSizingAuto).
			MinVizWidth(8).MinVizHeight(16).MaxVizHeight(300)
	case KindTable:
		exclude := map[string]any{"Time": true, "__name__": true}
		for _, c := range p.hideColumns {
			exclude[c] = true
		}
		renames := map[string]any{}
		for k, v := range p.renames {
			renames[k] = v
		}
		return applyCommon(table.NewPanelBuilder(), p, id, dashboard.FieldColorModeIdThresholds).
			CellHeight(common.TableCellHeightSm).ShowHeader(true).
			Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{"sum"}).CountRows(false)).
			WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{
				"excludeByName": exclude, "indexByName": map[string]any{}, "renameByName": renames,
			}})
	default:
		stacking := common.StackingModeNone
		if p.stacked {
			stacking = common.StackingModeNormal
		}
		return applyCommon(timeseries.NewPanelBuilder(), p, id, dashboard.FieldColorModeIdPaletteClassic).
			Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeList).
				Placement(common.LegendPlacementBottom).ShowLegend(true).Calcs([]string{})).
			Tooltip(common.NewVizTooltipOptionsBuilder().Mode(common.TooltipDisplayModeMulti).Sort(common.SortOrderDescending)).
			DrawStyle(common.GraphDrawStyleLine).LineInterpolation(common.LineInterpolationLinear).
			LineWidth(1).FillOpacity(10).GradientMode(common.GraphGradientModeNone).
			ShowPoints(common.VisibilityModeNever).AxisPlacement(common.AxisPlacementAuto).
			AxisLabel("").SpanNulls(common.BoolOrFloat64{Bool: cog.ToPtr(false)}).
			Stacking(common.NewStackingConfigBuilder().Mode(stacking).Group("A"))
	}
}
