package airudder

import (
	"strings"

	"airudder_exporter/receiver"
)

// Closed label sets of AiRudder (see labels.go for how they are matched).
var (
	airudderResults     = []string{"created", "pending", "finished", "cancelled", "failed"}
	airudderHangupTypes = []string{"ByCallee", "ByRobot", "Canceled"}
	airudderRingTypes   = []string{"busy", "cantuse", "hold", "lineswitchoff", "outofarea", "unregister", "wrongnum", "notmatch", "normal", "null"}
	airudderTaskStatus  = []string{"created", "pending", "finished", "calling", "canceled", "paused"}
	airudderAnswered    = []string{"Answered", "NotAnswered"}
	// Verification results that are always admitted without using a cap slot.
	airudderVerification = []string{"Match", "NotMatch", "-"}
)

func normResult(v string) string {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "canceled") { // the task enum spells it so; accept both
		return "cancelled"
	}
	return receiver.OneOf(v, airudderResults)
}

func normTaskStatus(v string) string {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "cancelled") {
		return "canceled"
	}
	return receiver.OneOf(v, airudderTaskStatus)
}

func normHangupType(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return receiver.ValueNone
	}
	return receiver.OneOf(v, airudderHangupTypes)
}

// normRingType: the vendor's own "null" member also stands for a missing or
// empty ring type.
func normRingType(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "null"
	}
	return receiver.OneOf(v, airudderRingTypes)
}

func normAnswered(v string) string { return receiver.OneOf(strings.TrimSpace(v), airudderAnswered) }

// Exemplar label name on the AiRudder duration histograms.
const airudderIDLabel = "call_id"
