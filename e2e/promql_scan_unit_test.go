package e2e

import (
	"reflect"
	"testing"
)

func metricNames(e exprInfo) []string {
	var out []string
	for _, s := range e.Selectors {
		out = append(out, s.Metric)
	}
	return out
}

func TestAnalyzePromQL(t *testing.T) {
	cases := []struct {
		expr     string
		metrics  []string
		grouping []string
		ranges   []string
		funcs    []string
	}{
		{
			expr:     `histogram_quantile(0.9, sum by (le) (rate(foo_bucket{job=~"$job", instance=~"$instance"}[$__rate_interval])))`,
			metrics:  []string{"foo_bucket"},
			grouping: []string{"le"},
			ranges:   []string{"$__rate_interval"},
			funcs:    []string{"histogram_quantile", "sum", "rate"},
		},
		{
			expr:     `sum(rate(a_total[5m])) by (x, y) / on (job) group_left (z) b offset 15m`,
			metrics:  []string{"a_total", "b"},
			grouping: []string{"x", "y", "job", "z"},
			ranges:   []string{"5m"},
			funcs:    []string{"sum", "rate"},
		},
		{
			expr:    `topk(10, sum without (instance) (x)) > bool 1e3 and on() vector(0) unless y`,
			metrics: []string{"x", "y"}, grouping: []string{"instance"}, funcs: []string{"topk", "sum", "vector"},
		},
		{
			// strings may hold anything, including braces and keywords
			expr:    `label_replace(up{job="a{b}"}, "dst", "$1 by (z)", "src", "(.*)")`,
			metrics: []string{"up"}, funcs: []string{"label_replace"},
		},
		{
			expr:    "time() - x # a comment naming not_a_metric\n > 3600",
			metrics: []string{"x"}, funcs: []string{"time"},
		},
		{
			expr:    `x > 0 unless x offset 15m`,
			metrics: []string{"x", "x"},
		},
		{
			// identifiers that merely start with a keyword are metric names
			expr:    `offset_total + by_x + sum_of_things`,
			metrics: []string{"offset_total", "by_x", "sum_of_things"},
		},
		{
			expr:    `max_over_time(g[1d:1m]) and {__name__="h"}`,
			metrics: []string{"g", ""}, ranges: []string{"1d:1m"}, funcs: []string{"max_over_time"},
		},
	}
	for _, c := range cases {
		info, err := analyzePromQL(c.expr)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if got := metricNames(info); !reflect.DeepEqual(got, c.metrics) {
			t.Errorf("%s: metrics = %q, want %q", c.expr, got, c.metrics)
		}
		if !reflect.DeepEqual(info.Grouping, c.grouping) {
			t.Errorf("%s: grouping = %q, want %q", c.expr, info.Grouping, c.grouping)
		}
		if !reflect.DeepEqual(info.Ranges, c.ranges) {
			t.Errorf("%s: ranges = %q, want %q", c.expr, info.Ranges, c.ranges)
		}
		if !reflect.DeepEqual(info.Functions, c.funcs) {
			t.Errorf("%s: functions = %q, want %q", c.expr, info.Functions, c.funcs)
		}
	}
}

func TestAnalyzePromQLMatchers(t *testing.T) {
	info, err := analyzePromQL(`m{a="1", b!="2", c=~"x\"y", d!~'z',}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []matcher{{"a", "=", "1"}, {"b", "!=", "2"}, {"c", "=~", `x"y`}, {"d", "!~", "z"}}
	if len(info.Selectors) != 1 || !reflect.DeepEqual(info.Selectors[0].Matchers, want) {
		t.Fatalf("selectors = %+v, want one with %+v", info.Selectors, want)
	}
	if !info.hasMatcher(info.Selectors[0], "c", "=~", `x"y`) || info.hasMatcher(info.Selectors[0], "c", "=", `x"y`) {
		t.Error("hasMatcher does not compare label, operator and value")
	}
}

func TestAnalyzePromQLErrors(t *testing.T) {
	for _, expr := range []string{
		`m{a="1"`,          // unterminated selector
		`m{a="1}`,          // unterminated string
		`m{a}`,             // matcher without operator
		`m{a=b}`,           // unquoted value
		`rate(m[5m]`,       // unbalanced
		`rate(m[5m)`,       // unterminated range
		`sum by (a, b (m)`, // unterminated label list
		`m) + (n`,
	} {
		if _, err := analyzePromQL(expr); err == nil {
			t.Errorf("%s: expected an error", expr)
		}
	}
}
