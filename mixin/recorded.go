package mixin

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

var recordedNameRE = regexp.MustCompile(`\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b`)

// checkRecorded: a recording rule nobody reads costs series for nothing; a
// recorded name read but not recorded is an empty panel or a silent alert.
func (o *Output) checkRecorded() error {
	recorded := map[string]int{}
	for _, g := range o.groups {
		for _, r := range g.Rules {
			if r.Record == "" {
				continue
			}
			if recorded[r.Record] != 0 {
				return fmt.Errorf("recording rule %s defined twice", r.Record)
			}
			recorded[r.Record] = 1
		}
	}
	var problems []string
	for _, e := range o.exprs {
		for _, name := range recordedNameRE.FindAllString(stripStrings(e), -1) {
			if recorded[name] == 0 {
				problems = append(problems, "read but not recorded: "+name)
				continue
			}
			recorded[name]++
		}
	}
	for name, n := range recorded {
		if n == 1 {
			problems = append(problems, "recorded but read by no panel or alert: "+name)
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("recording rules: %s", strings.Join(problems, "; "))
	}
	return nil
}

var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// stripStrings blanks string literals so label values such as
// "a:b:c" are not taken for recorded names.
func stripStrings(expr string) string { return quotedRE.ReplaceAllString(expr, `""`) }

// Rule is the built rule with that alert or record name.
func (o *Output) Rule(name string) (Rule, bool) {
	for _, g := range o.groups {
		for _, r := range g.Rules {
			if r.Alert == name || r.Record == name {
				return r, true
			}
		}
	}
	return Rule{}, false
}
