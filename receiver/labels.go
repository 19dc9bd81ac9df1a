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

var (
	airudderResults     = []string{"created", "pending", "finished", "cancelled", "failed"}
	airudderHangupTypes = []string{"ByCallee", "ByRobot", "Canceled"}
	airudderRingTypes   = []string{"busy", "cantuse", "hold", "lineswitchoff", "outofarea", "unregister", "wrongnum", "notmatch", "normal", "null"}
	airudderTaskStatus  = []string{"created", "pending", "finished", "calling", "canceled", "paused"}
	airudderAnswered    = []string{"Answered", "NotAnswered"}
	// Verification results that are always admitted without using a cap slot.
	airudderVerification = []string{"Match", "NotMatch", "-"}
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

func normResult(v string) string {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "canceled") { // the task enum spells it so; accept both
		return "cancelled"
	}
	return oneOf(v, airudderResults)
}

func normTaskStatus(v string) string {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "cancelled") {
		return "canceled"
	}
	return oneOf(v, airudderTaskStatus)
}

func normHangupType(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return valNone
	}
	return oneOf(v, airudderHangupTypes)
}

// normRingType: the vendor's own "null" member also stands for a missing or
// empty ring type.
func normRingType(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "null"
	}
	return oneOf(v, airudderRingTypes)
}

func normAnswered(v string) string { return oneOf(strings.TrimSpace(v), airudderAnswered) }

// Exemplar label name on the AiRudder duration histogram.
const airudderIDLabel = "call_id"

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
