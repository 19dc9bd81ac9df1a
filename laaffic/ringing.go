package laaffic

import (
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// LAAFFIC agent ringing notification (pushRingingNotification, vendor
// README §2.2): a bare array of {callId, type, taskId, called, calledInfo,
// seatGroupName, noAnswerSipList[], sipAccount, callinEventTime}. A failed
// push is retried at once, up to 3 attempts: deduplicated on callId +
// callinEventTime (one call may ring agents more than once).

// laRingRaw holds the ringing-only fields.
type laRingRaw struct {
	CallinEventTime jsonscan.Text
	NoAnswer        int            // entries of noAnswerSipList
	NoAnswerState   jsonscan.State // jsonscan.BadType when noAnswerSipList is not an array

	seen bool // some ringing-only field was present
}

// noAnswerList reads noAnswerSipList into g: its entries are counted, null
// is none, anything else is of the wrong type.
func (d *laDecoder) noAnswerList(g *laRingRaw) {
	r := &d.r
	g.NoAnswer, g.NoAnswerState = 0, jsonscan.OK
	switch r.Peek() {
	case '[':
		r.Open()
		for first := true; r.More(']', &first); {
			r.Skip()
			g.NoAnswer++
		}
	case 'n':
		r.Literal("null")
	default:
		r.Skip()
		g.NoAnswerState = jsonscan.BadType
	}
}

// emitLaafficRinging validates one ringing notification and appends its
// event (or reason).
func emitLaafficRinging(r *laRaw, out *pushBatch) {
	g := &r.ring
	reason := validateLaafficStrings(&r.CallID, &g.CallinEventTime)
	if reason == "" && g.NoAnswerState == jsonscan.BadType {
		reason = receiver.ReasonBadType
	}
	if reason == "" && (!r.CallID.Set() || !g.CallinEventTime.Set()) {
		reason = receiver.ReasonMissingID
	}
	if reason == "" {
		reason = receiver.CheckNum(r.Type, 1e9)
	}
	if reason != "" {
		out.Invalid = append(out.Invalid, reason)
		return
	}
	out.Ringing = append(out.Ringing, ringingEvent{
		Key:            "\x01r:" + string(jsonscan.TrimSpace(r.CallID.B)) + "\x00" + string(jsonscan.TrimSpace(g.CallinEventTime.B)),
		Type:           laafficRingingTypes.name(r.Type),
		UnansweredLegs: g.NoAnswer,
	})
}
