package receiver

// LAAFFIC agent ringing notification (pushRingingNotification, vendor
// README §2.2): a bare array of {callId, type, taskId, called, calledInfo,
// seatGroupName, noAnswerSipList[], sipAccount, callinEventTime}. A failed
// push is retried at once, up to 3 attempts: deduplicated on callId +
// callinEventTime (one call may ring agents more than once).

// laRingRaw holds the ringing-only fields.
type laRingRaw struct {
	CallinEventTime flexString
	NoAnswer        int        // entries of noAnswerSipList
	NoAnswerState   fieldState // fBadType when noAnswerSipList is not an array

	seen bool // some ringing-only field was present
}

// ringField reads k into g if it is a ringing-only field.
func (d *laDecoder) ringField(k []byte, g *laRingRaw) bool {
	r := &d.r
	switch string(k) {
	case "callinEventTime":
		r.readString(&g.CallinEventTime)
	case "noAnswerSipList":
		g.NoAnswer, g.NoAnswerState = 0, fOK
		switch r.peek() {
		case '[':
			r.open()
			for first := true; r.more(']', &first); {
				r.skip()
				g.NoAnswer++
			}
		case 'n':
			r.literal("null")
		default:
			r.skip()
			g.NoAnswerState = fBadType
		}
	case "seatGroupName", "sipAccount", "called", "calledInfo":
		r.skip() // known, unused: they only tell the kind
	default:
		return false
	}
	g.seen = true
	return true
}

// emitLaafficRinging validates one ringing notification and appends its
// event (or reason).
func emitLaafficRinging(r *laRaw, out *LaafficBatch) {
	g := &r.ring
	reason := validateLaafficStrings(&r.CallID, &g.CallinEventTime)
	if reason == "" && g.NoAnswerState == fBadType {
		reason = ReasonBadType
	}
	if reason == "" && (!r.CallID.set() || !g.CallinEventTime.set()) {
		reason = ReasonMissingID
	}
	if reason == "" {
		reason = checkNum(r.Type, 1e9)
	}
	if reason != "" {
		out.Invalid = append(out.Invalid, reason)
		return
	}
	out.Ringing = append(out.Ringing, LaafficRinging{
		Key:            "\x01r:" + string(r.CallID.b) + "\x00" + string(trimmed(g.CallinEventTime)),
		Type:           laafficRingingType(r.Type),
		UnansweredLegs: g.NoAnswer,
	})
}
