package receiver

import (
	"bytes"
	"time"
)

// LAAFFIC voice records: the IVR call record push (vendor README §2.1) and,
// with the extra fields of laaffic_agent.go, the AI-agent batch push.

// Limits beyond which a value is taken as garbage rather than a call.
// Money limits are per currency (laafficMaxAmount).
const (
	maxDelayMillis  = 24 * 3600e3     // post-dial delay, time to answer, talk time
	maxQueueMillis  = 7 * 24 * 3600e3 // submit → call: tasks may be scheduled days ahead
	maxEpochMillis  = 1e15            // year 33658: anything above is not a time
	millisPerSecond = 1000.0
)

// laVoiceRaw holds the voice-record fields only voice records have.
type laVoiceRaw struct {
	VoiceID         flexString
	SubmitTime      flexString // timestamps: epoch ms or "yyyyMMddHHmmss" (laafficTime)
	CallTime        flexString
	RingingTime     flexString
	HangupTime      flexString
	ChargedDuration flexNum
	RingDuration    flexNum
	BillPeriod      flexString
	Code            flexString
	CostEur         flexNum
	Currency        flexString
	SettlePay       flexNum
	TerminationCode flexString
	SipCode         flexString
	FeedbackValue   flexString
	Intent          flexString
	CallStatus      flexNum
	RecallByVoiceID flexString
	ScriptID        flexString

	voiceSeen bool // some voice-only field was present
}

// voiceField reads k into v if it is a voice-only field.
func (d *laDecoder) voiceField(k []byte, v *laVoiceRaw) bool {
	r := &d.r
	switch string(k) {
	case "voiceId":
		r.readString(&v.VoiceID)
	case "submitTime":
		r.readString(&v.SubmitTime)
	case "callTime":
		r.readString(&v.CallTime)
	case "ringingTime":
		r.readString(&v.RingingTime)
	case "hangupTime":
		r.readString(&v.HangupTime)
	case "chargedDuration":
		r.readNum(&v.ChargedDuration)
	case "ringDuration":
		r.readNum(&v.RingDuration)
	case "billPeriod":
		r.readString(&v.BillPeriod)
	case "code":
		r.readString(&v.Code)
	case "costEur":
		r.readNum(&v.CostEur)
	case "currency":
		r.readString(&v.Currency)
	case "settlePay":
		r.readNum(&v.SettlePay)
	case "terminationCode":
		r.readString(&v.TerminationCode)
	case "sipCode":
		r.readString(&v.SipCode)
	case "feedbackValue":
		r.readString(&v.FeedbackValue)
	case "intent":
		r.readString(&v.Intent)
	case "callStatus":
		r.readNum(&v.CallStatus)
	case "recallByVoiceId":
		r.readString(&v.RecallByVoiceID)
	case "scriptId":
		r.readString(&v.ScriptID)
	case "callee", "displayNum", "voiceFileId", "recordingFileId", "rate", "settleRate",
		"quoteExchange", "outRecallCount", "taskId", "sourceTaskId", "dimensionId":
		r.skip() // known, unused: they only tell the kind
	default:
		return false
	}
	v.voiceSeen = true
	return true
}

// utc8 is LAAFFIC's time zone (China Standard Time, no DST), the zone of
// its "yyyyMMddHHmmss" and "yyyy-MM-dd HH:mm:ss" times: the docs state it
// for the ringing notification and for no other push.
var utc8 = time.FixedZone("UTC+8", 8*3600)

// laafficTime reads a timestamp the way LAAFFIC sends them: epoch
// milliseconds (IVR push; number or numeric string) or, in the AI-agent
// push, a "yyyyMMddHHmmss" string (also accepted as a number). Reading
// "20260101120000" as milliseconds would make every delay wrong by orders
// of magnitude: a 14-digit value that is a valid calendar time is a
// calendar time (as epoch ms it would lie after the year 2286). "0" stays
// 0: "did not happen". The result is a flexNum in epoch milliseconds.
func laafficTime(f flexString) flexNum {
	if f.st != fOK {
		return flexNum{st: f.st}
	}
	s := bytes.TrimSpace(f.b)
	switch {
	case len(s) == 0:
		return flexNum{st: fNull}
	case len(s) == 14 && allDigits(s):
		if t, err := time.ParseInLocation("20060102150405", string(s), utc8); err == nil {
			return flexNum{v: float64(t.UnixMilli()), st: fOK}
		}
	case len(s) == 19 && s[4] == '-' && s[10] == ' ':
		if t, err := time.ParseInLocation(time.DateTime, string(s), utc8); err == nil {
			return flexNum{v: float64(t.UnixMilli()), st: fOK}
		}
		return flexNum{st: fBadNumber}
	}
	if v, ok := parseNumber(s); ok {
		return flexNum{v: v, st: fOK}
	}
	return flexNum{st: fBadNumber}
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// delay derives "later - earlier" from two epoch-millisecond timestamps.
// 0, null or absent means "did not happen": the delay then stays unset. A
// negative or absurd difference (clock skew, a vendor bug) is reported as
// bad: the caller skips the value and counts the field, not the record.
func delay(earlier, later flexNum, max float64) (d OptFloat, bad bool) {
	if earlier.st != fOK || later.st != fOK || earlier.v == 0 || later.v == 0 {
		return OptFloat{}, false
	}
	ms := later.v - earlier.v
	if ms < 0 || ms > max {
		return OptFloat{}, true
	}
	return OptFloat{V: ms / millisPerSecond, OK: true}, false
}

// validateLaafficStrings: label and id fields may be strings or numbers,
// never objects, arrays or booleans.
func validateLaafficStrings(fs ...*flexString) InvalidReason {
	for _, f := range fs {
		if f.st == fBadType {
			return ReasonBadType
		}
	}
	return ""
}

// emitLaafficVoice validates one voice record and appends its event (or
// reason).
//
// A record without voiceId is rejected (missing_id) rather than counted:
// LAAFFIC's retry policy is undocumented, and a record that cannot be
// deduplicated might be counted once per re-delivery. A field holding
// garbage (wrong type, not a number, negative, absurd) rejects the record;
// a derived delay that comes out impossible only loses that delay.
func emitLaafficVoice(r *laRaw, out *LaafficBatch) {
	v, a := &r.laVoiceRaw, &r.agent
	submit, call := laafficTime(v.SubmitTime), laafficTime(v.CallTime)
	ringing, answer := laafficTime(v.RingingTime), laafficTime(r.AnswerTime)
	hangup := laafficTime(v.HangupTime)

	reason := validateLaafficStrings(&v.VoiceID, &v.BillPeriod, &v.Code, &v.Currency,
		&v.TerminationCode, &v.SipCode, &v.FeedbackValue, &v.Intent, &v.RecallByVoiceID,
		&v.ScriptID, &a.BillPeriod, &a.IntentCode)
	if reason == "" && !v.VoiceID.set() {
		reason = ReasonMissingID
	}
	currency := laafficCurrency(string(v.Currency.b))
	if reason == "" {
		reason = firstReason(
			checkNum(r.Type, 1e9), checkNum(v.CallStatus, 1e9),
			checkNum(submit, maxEpochMillis), checkNum(call, maxEpochMillis),
			checkNum(ringing, maxEpochMillis), checkNum(answer, maxEpochMillis),
			checkNum(hangup, maxEpochMillis),
			checkNum(r.CallDuration, maxCallSeconds),
			checkNum(v.ChargedDuration, maxCallSeconds),
			checkNum(v.RingDuration, maxCallSeconds),
			checkNum(a.ChargedDuration, maxCallSeconds),
			checkNum(r.Cost, laafficMaxAmount(currency)),
			checkNum(v.CostEur, laafficMaxAmount("EUR")),
			checkNum(r.BaseCost, laafficMaxAmount("USD")),
			checkNum(v.SettlePay, laafficMaxAmount(laafficSettlementCurrency)),
			checkNum(a.QuoteFee, laafficMaxAmount(currency)),
			checkNum(a.Fee, laafficMaxAmount(laafficSettlementCurrency)),
			checkNum(a.Rate, laafficMaxAmount("USD")),
			checkNum(a.QuoteRate, laafficMaxAmount(currency)),
		)
	}
	if reason != "" {
		out.Invalid = append(out.Invalid, reason)
		return
	}

	var bad uint8
	mark := func(b bool, bit uint8) {
		if b {
			bad |= bit
		}
	}
	queue, b1 := delay(submit, call, maxQueueMillis)
	postDial, b2 := delay(call, ringing, maxDelayMillis)
	toAnswer, b3 := delay(ringing, answer, maxDelayMillis)
	mark(b1, badQueueDelay)
	mark(b2, badPostDialDelay)
	mark(b3, badTimeToAnswer)
	talk := opt(r.CallDuration)
	if !talk.OK {
		// The AI-agent push has no callDuration: talk time is
		// hangupTime - answerTime.
		var b4 bool
		talk, b4 = delay(answer, hangup, maxDelayMillis)
		mark(b4, badTalkTime)
	}
	id := string(v.VoiceID.b)
	key := id
	if key[0] == laafficKeySpace {
		// Keep the other kinds' key spaces for them (laafficKeySpace).
		key = "\x01v:" + id
	}
	ev := LaafficCall{
		Key:           key,
		Exemplar:      exemplarValue(id, len(laafficIDLabel)),
		Product:       productIVR,
		Currency:      currency,
		Type:          laafficType(r.Type),
		CallStatus:    laafficCallStatus(v.CallStatus),
		Duration:      talk,
		RingDuration:  opt(v.RingDuration),
		Charged:       opt(v.ChargedDuration),
		QueueDelay:    queue,
		PostDialDelay: postDial,
		TimeToAnswer:  toAnswer,
		BaseCostUSD:   opt(r.BaseCost),
		SettlePay:     opt(v.SettlePay),
		Keypress:      laafficKey(string(v.FeedbackValue.b)),
		SIPClass:      laafficSIPClass(string(v.SipCode.b)),
		Termination:   laafficTermination(string(v.TerminationCode.b)),
		BillPeriod:    labelStrings.get(trimmed(v.BillPeriod)),
		Intent:        labelStrings.get(trimmed(v.Intent)),
		Country:       labelStrings.get(laafficCountry(v.Code.b)),
		Script:        labelStrings.get(trimmed(v.ScriptID)),
		Recall:        v.RecallByVoiceID.set(),
	}
	// `cost` is in the quoted currency; the docs' example names it
	// `costEur` instead, which is EUR whatever `currency` says.
	switch {
	case r.Cost.st == fOK:
		ev.Cost, ev.CostCurrency = opt(r.Cost), currency
	case v.CostEur.st == fOK:
		ev.Cost, ev.CostCurrency = opt(v.CostEur), "EUR"
	}
	if a.seen {
		agentFields(a, &ev)
	}
	ev.BadFields = bad
	out.Calls = append(out.Calls, ev)
}
