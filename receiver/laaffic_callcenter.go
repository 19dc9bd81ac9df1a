package receiver

// LAAFFIC call-centre record push (cc-http, pushVoiceCenterReport; vendor
// README §2.2): one object per POST, retried every 30 minutes up to 3
// times after a failed delivery, so it is deduplicated on callSessionId.
// cost and baseCost are USD.

// laCenterRaw holds the call-centre-only fields.
type laCenterRaw struct {
	CallSessionID    flexString
	CallType         flexNum
	HangupReason     flexNum
	HangingDirection flexNum
	AgentGroupName   flexString

	seen bool // some call-centre-only field was present
}

// centerField reads k into c if it is a call-centre-only field.
func (d *laDecoder) centerField(k []byte, c *laCenterRaw) bool {
	r := &d.r
	switch string(k) {
	case "callSessionId":
		r.readString(&c.CallSessionID)
	case "callType":
		r.readNum(&c.CallType)
	case "hangupReason":
		r.readNum(&c.HangupReason)
	case "hangingDirection":
		r.readNum(&c.HangingDirection)
	case "agentGroupName":
		r.readString(&c.AgentGroupName)
	case "caller", "ccode", "ccodeName", "agentName", "agentAccount", "hangupCode",
		"labels", "remark", "callStartTime", "callEndTime", "voiceUrl":
		r.skip() // known, unused: they only tell the kind
	default:
		return false
	}
	c.seen = true
	return true
}

// laafficKeySpace starts the dedup keys of the kinds that are not voice
// records, so a callSessionId, a ringing callId and a voiceId that happen
// to be equal stay three records (a voiceId starting with it is prefixed
// too, see emitLaafficVoice).
const laafficKeySpace = '\x01'

// emitLaafficCenter validates one call-centre record and appends its event
// (or reason).
func emitLaafficCenter(r *laRaw, out *LaafficBatch) {
	c := &r.center
	reason := validateLaafficStrings(&c.CallSessionID, &c.AgentGroupName, &r.CallID)
	if reason == "" && !c.CallSessionID.set() {
		reason = ReasonMissingID
	}
	if reason == "" {
		reason = firstReason(
			checkNum(c.CallType, 1e9), checkNum(c.HangupReason, 1e9),
			checkNum(c.HangingDirection, 1e9),
			checkNum(r.CallDuration, maxCallSeconds),
			checkNum(r.Cost, laafficMaxAmount("USD")),
			checkNum(r.BaseCost, laafficMaxAmount("USD")),
		)
	}
	if reason != "" {
		out.Invalid = append(out.Invalid, reason)
		return
	}
	hr := laafficHangupReason(c.HangupReason)
	out.Center = append(out.Center, LaafficCenterCall{
		Key:              "\x01c:" + string(c.CallSessionID.b),
		CallType:         laafficCallType(c.CallType),
		HangupReason:     hr,
		HangingDirection: laafficHangingDirection(c.HangingDirection),
		Outcome:          laafficCenterOutcome(hr),
		AgentGroup:       labelStrings.get(trimmed(c.AgentGroupName)),
		Duration:         opt(r.CallDuration),
		CostUSD:          opt(r.Cost),
		BaseCostUSD:      opt(r.BaseCost),
	})
}
