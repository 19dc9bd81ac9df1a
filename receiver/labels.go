package receiver

import (
	"strings"
	"unicode/utf8"
)

// Closed label sets. A decoder maps vendor values onto a set (unknown →
// "other"); the recorder initialises series from it. Matching is exact
// first and case-insensitive second, so "byrobot" still lands on ByRobot.

// Label values every vendor uses.
const (
	ValueOther   = "other"   // a value outside its closed set, or over a cap
	ValueNone    = "none"    // the vendor sent nothing
	ValueUnknown = "unknown" // the vendor could not say
)

// OneOf returns the member of set equal to v (then equal ignoring case),
// else "other". It returns the set's own string, so the label value never
// aliases request data.
func OneOf(v string, set []string) string {
	for _, s := range set {
		if s == v {
			return s
		}
	}
	for _, s := range set {
		if strings.EqualFold(s, v) {
			return s
		}
	}
	return ValueOther
}

// ExemplarValue makes an id safe as an exemplar label value: valid UTF-8
// and, with the label name, within client_golang's 128-rune limit (which
// panics when exceeded).
func ExemplarValue(id string, nameLen int) string {
	if !utf8.ValidString(id) {
		id = strings.ToValidUTF8(id, "")
	}
	max := 128 - nameLen
	if len(id) <= max {
		return id
	}
	n := 0
	for i := range id {
		if n == max {
			return id[:i]
		}
		n++
	}
	return id
}
