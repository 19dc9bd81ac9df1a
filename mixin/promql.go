package mixin

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Sum is `sum by (by) (inner)`, or `sum(inner)` without labels.
func Sum(by []string, inner string) string {
	return Agg("sum", by, inner)
}

// Agg is `op by (by) (inner)`, or `op(inner)` without labels.
func Agg(op string, by []string, inner string) string {
	if len(by) == 0 {
		return op + "(" + inner + ")"
	}
	return op + " by (" + strings.Join(by, ", ") + ") (" + inner + ")"
}

// By is a label list for Sum, Agg and the panel helpers.
func By(labels ...string) []string { return labels }

// RatioOr0 is num / den where a den with no num series reads 0 instead of
// vanishing (`(num or den * 0) / den`): a ratio of 0 calls connected is the
// most important value to see.
func RatioOr0(num, den string) string {
	return "(" + num + " or " + den + " * 0) / " + den
}

// Quantile is histogram_quantile(q, sum by (by, le) (buckets)), where buckets
// is a per-second rate of the _bucket series (raw or recorded).
func Quantile(q float64, by []string, buckets string) string {
	return fmt.Sprintf("histogram_quantile(%s, %s)", formatFloat(q), Sum(append(append([]string{}, by...), "le"), buckets))
}

// Matchers joins label matchers into a selector's braces.
func Matchers(metric string, matchers ...string) string {
	var ms []string
	for _, m := range matchers {
		if m != "" {
			ms = append(ms, m)
		}
	}
	return metric + "{" + strings.Join(ms, ", ") + "}"
}

// Sel selects a metric of the exporter's job (the config's job selector)
// with more matchers.
func (c *Config) Sel(metric string, matchers ...string) string {
	return Matchers(metric, append([]string{c.JobSelector}, matchers...)...)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
