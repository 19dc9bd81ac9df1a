package laaffic

import (
	"time"

	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
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
	VoiceID         jsonscan.Text
	SubmitTime      laTime // timestamps: epoch ms or "yyyyMMddHHmmss" (laafficTime)
	CallTime        laTime
	RingingTime     laTime
	HangupTime      laTime
	ChargedDuration jsonscan.Num
	RingDuration    jsonscan.Num
	BillPeriod      jsonscan.Text
	Code            jsonscan.Text
	CostEur         jsonscan.Num
	Currency        jsonscan.Text
	SettlePay       jsonscan.Num
	TerminationCode jsonscan.Text
	SipCode         jsonscan.Text
	FeedbackValue   jsonscan.Text
	Intent          jsonscan.Text
	CallStatus      jsonscan.Num
	RecallByVoiceID jsonscan.Text
	ScriptID        jsonscan.Text

	voiceSeen bool // some voice-only field was present
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
// 0: "did not happen". The result is a jsonscan.Num in epoch milliseconds.
func laafficTime(f jsonscan.Text) jsonscan.Num {
	if f.St != jsonscan.OK {
		return jsonscan.Num{St: f.St}
	}
	s := jsonscan.TrimSpace(f.B)
	switch {
	case len(s) == 0:
		return jsonscan.Num{St: jsonscan.Null}
	case len(s) == 14 && pushAllDigits(s):
		if t, err := time.ParseInLocation("20060102150405", string(s), utc8); err == nil {
			return jsonscan.Num{V: float64(t.UnixMilli()), St: jsonscan.OK}
		}
	case len(s) == 19 && s[4] == '-' && s[10] == ' ':
		if t, err := time.ParseInLocation(time.DateTime, string(s), utc8); err == nil {
			return jsonscan.Num{V: float64(t.UnixMilli()), St: jsonscan.OK}
		}
		return jsonscan.Num{St: jsonscan.BadNumber}
	}
	if v, ok := jsonscan.ParseNumber(s); ok {
		return jsonscan.Num{V: v, St: jsonscan.OK}
	}
	return jsonscan.Num{St: jsonscan.BadNumber}
}

// laTime is a timestamp field as read: its text, and, when it came as a
// JSON number, the number's value (jsonscan.Reader.ReadStringNum).
type laTime struct {
	jsonscan.Text
	literal jsonscan.Num // OK or BadNumber for a number literal, else Absent
}

// value is laafficTime(t.Text). A number literal is valued as it was read,
// but for one of 14 digits, which may be a calendar time: laafficTime
// gives any other literal ParseNumber's value (a literal has no blank, nor
// the "yyyy-MM-dd HH:mm:ss" form), as the reader did.
func (t *laTime) value() jsonscan.Num {
	if t.literal.St != jsonscan.Absent && len(t.B) != 14 {
		return t.literal
	}
	return laafficTime(t.Text)
}

func pushAllDigits(b []byte) bool {
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
func pushDelay(earlier, later jsonscan.Num, max float64) (d receiver.OptFloat, bad bool) {
	if earlier.St != jsonscan.OK || later.St != jsonscan.OK || earlier.V == 0 || later.V == 0 {
		return receiver.OptFloat{}, false
	}
	ms := later.V - earlier.V
	if ms < 0 || ms > max {
		return receiver.OptFloat{}, true
	}
	return receiver.OptFloat{V: ms / millisPerSecond, OK: true}, false
}

// validateLaafficStrings: label and id fields may be strings or numbers,
// never objects, arrays or booleans.
func validateLaafficStrings(fs ...*jsonscan.Text) receiver.InvalidReason {
	for _, f := range fs {
		if f.St == jsonscan.BadType {
			return receiver.ReasonBadType
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
func emitLaafficVoice(r *laRaw, out *pushBatch) {
	v, a := &r.laVoiceRaw, &r.agent
	submit, call := v.SubmitTime.value(), v.CallTime.value()
	ringing, answer := v.RingingTime.value(), r.AnswerTime.value()
	hangup := v.HangupTime.value()

	reason := validateLaafficStrings(&v.VoiceID, &v.BillPeriod, &v.Code, &v.Currency,
		&v.TerminationCode, &v.SipCode, &v.FeedbackValue, &v.Intent, &v.RecallByVoiceID,
		&v.ScriptID, &a.BillPeriod, &a.IntentCode)
	if reason == "" && !v.VoiceID.Set() {
		reason = receiver.ReasonMissingID
	}
	currency, known := laafficCurrency(string(v.Currency.B))
	if reason == "" {
		maxQuoted := laafficMaxAmount(currency) // unknown: only the number is checked
		reason = receiver.FirstReason(
			receiver.CheckNum(r.Type, 1e9), receiver.CheckNum(v.CallStatus, 1e9),
			receiver.CheckNum(submit, maxEpochMillis), receiver.CheckNum(call, maxEpochMillis),
			receiver.CheckNum(ringing, maxEpochMillis), receiver.CheckNum(answer, maxEpochMillis),
			receiver.CheckNum(hangup, maxEpochMillis),
			receiver.CheckNum(r.CallDuration, receiver.MaxCallSeconds),
			receiver.CheckNum(v.ChargedDuration, receiver.MaxCallSeconds),
			receiver.CheckNum(v.RingDuration, receiver.MaxCallSeconds),
			receiver.CheckNum(a.ChargedDuration, receiver.MaxCallSeconds),
			receiver.CheckNum(r.Cost, maxQuoted),
			receiver.CheckNum(v.CostEur, maxAmountEUR),
			receiver.CheckNum(r.BaseCost, maxAmountUSD),
			receiver.CheckNum(v.SettlePay, maxAmountSettlement),
			receiver.CheckNum(a.QuoteFee, maxQuoted),
			receiver.CheckNum(a.Fee, maxAmountSettlement),
			receiver.CheckNum(a.Rate, maxAmountUSD),
			receiver.CheckNum(a.QuoteRate, maxQuoted),
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
	queue, b1 := pushDelay(submit, call, maxQueueMillis)
	postDial, b2 := pushDelay(call, ringing, maxDelayMillis)
	toAnswer, b3 := pushDelay(ringing, answer, maxDelayMillis)
	mark(b1, badQueueDelay)
	mark(b2, badPostDialDelay)
	mark(b3, badTimeToAnswer)
	talk := receiver.Opt(r.CallDuration)
	if !talk.OK {
		// The AI-agent push has no callDuration: talk time is
		// hangupTime - answerTime.
		var b4 bool
		talk, b4 = pushDelay(answer, hangup, maxDelayMillis)
		mark(b4, badTalkTime)
	}
	out.addID(jsonscan.TrimSpace(v.VoiceID.B))
	// Built in its place in Calls: a record is some 370 bytes.
	out.Calls = append(out.Calls, pushCall{
		Product:       productIVR,
		Currency:      currency,
		Type:          laafficVoiceType(r.Type),
		CallStatus:    laafficCallStatus(v.CallStatus),
		Duration:      talk,
		RingDuration:  receiver.Opt(v.RingDuration),
		Charged:       receiver.Opt(v.ChargedDuration),
		QueueDelay:    queue,
		PostDialDelay: postDial,
		TimeToAnswer:  toAnswer,
		BaseCostUSD:   receiver.Opt(r.BaseCost),
		SettlePay:     receiver.Opt(v.SettlePay),
		Keypress:      laafficKey(v.FeedbackValue.B),
		SIPClass:      laafficSIPClass(v.SipCode.B),
		Termination:   laafficTermination(v.TerminationCode.B),
		BillPeriod:    out.label(slotBillPeriod, jsonscan.TrimSpace(v.BillPeriod.B)),
		Intent:        out.label(slotIntent, jsonscan.TrimSpace(v.Intent.B)),
		Country:       out.label(slotCountry, laafficCountry(v.Code.B)),
		Script:        out.label(slotScript, jsonscan.TrimSpace(v.ScriptID.B)),
		Recall:        v.RecallByVoiceID.Set(),
	})
	ev := &out.Calls[len(out.Calls)-1]
	// `cost` is in the quoted currency; the docs' example names it
	// `costEur` instead, which is EUR whatever `currency` says.
	// An amount in a currency that is no code is not added to any
	// currency's: the record counts, its amounts in that currency do not.
	switch {
	case r.Cost.St == jsonscan.OK:
		if known {
			ev.Cost, ev.CostCurrency = receiver.Opt(r.Cost), currency
		}
	case v.CostEur.St == jsonscan.OK:
		ev.Cost, ev.CostCurrency = receiver.Opt(v.CostEur), "EUR"
	}
	if a.seen {
		agentFields(a, ev, out)
		if !known {
			ev.AIQuoteFee = receiver.OptFloat{}
		}
	}
	mark(!known, badCurrency)
	ev.BadFields = bad
}
