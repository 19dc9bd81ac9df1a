package laaffic

import (
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// LAAFFIC call-centre record push (cc-http, pushVoiceCenterReport; vendor
// README §2.2): one object per POST, retried every 30 minutes up to 3
// times after a failed delivery, so it is deduplicated on callSessionId.
// cost and baseCost are USD.

// laCenterRaw holds the call-centre-only fields.
type laCenterRaw struct {
	CallSessionID    jsonscan.Text
	CallType         jsonscan.Num
	HangupReason     jsonscan.Num
	HangingDirection jsonscan.Num
	AgentGroupName   jsonscan.Text

	seen bool // some call-centre-only field was present
}

// laafficKeySpace starts the dedup keys of the kinds that are not voice
// records, so a callSessionId, a ringing callId and a voiceId that happen
// to be equal stay three records (a voiceId starting with it is prefixed
// too, see emitLaafficVoice).
const laafficKeySpace = '\x01'

// emitLaafficCenter validates one call-centre record and appends its event
// (or reason).
func emitLaafficCenter(r *laRaw, out *pushBatch) {
	c := &r.center
	reason := validateLaafficStrings(&c.CallSessionID, &c.AgentGroupName, &r.CallID)
	if reason == "" && !c.CallSessionID.Set() {
		reason = receiver.ReasonMissingID
	}
	if reason == "" {
		reason = receiver.FirstReason(
			receiver.CheckNum(c.CallType, 1e9), receiver.CheckNum(c.HangupReason, 1e9),
			receiver.CheckNum(c.HangingDirection, 1e9),
			receiver.CheckNum(r.CallDuration, receiver.MaxCallSeconds),
			receiver.CheckNum(r.Cost, maxAmountUSD),
			receiver.CheckNum(r.BaseCost, maxAmountUSD),
		)
	}
	if reason != "" {
		out.Invalid = append(out.Invalid, reason)
		return
	}
	hr := laafficHangupReason(c.HangupReason)
	out.Center = append(out.Center, callCenterRecord{
		Key:              "\x01c:" + string(jsonscan.TrimSpace(c.CallSessionID.B)),
		CallType:         laafficCallTypes.name(c.CallType),
		HangupReason:     hr,
		HangingDirection: laafficHangingDirections.name(c.HangingDirection),
		Outcome:          laafficCenterOutcome(hr),
		AgentGroup:       out.label(slotAgentGroup, jsonscan.TrimSpace(c.AgentGroupName.B)),
		Duration:         receiver.Opt(r.CallDuration),
		CostUSD:          receiver.Opt(r.Cost),
		BaseCostUSD:      receiver.Opt(r.BaseCost),
	})
}
