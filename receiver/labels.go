package receiver

import (
	"strings"
	"unicode/utf8"
)

// Closed label sets. A decoder maps vendor values onto these (unknown →
// "other"); the recorder initialises series from them. Matching is exact
// first and case-insensitive second, so "byrobot" still lands on ByRobot.

const (
	valOther   = "other"
	valNone    = "none"
	valUnknown = "unknown"
)

// oneOf returns the member of set equal to v (then equal ignoring case),
// else "other". It returns the set's own string, so the label value never
// aliases request data.
func oneOf(v string, set []string) string {
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
	return valOther
}

// exemplarValue makes an id safe as an exemplar label value: valid UTF-8
// and, with the label name, within client_golang's 128-rune limit (which
// panics when exceeded).
func exemplarValue(id string, nameLen int) string {
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
