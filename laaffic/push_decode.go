package laaffic

import (
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// LAAFFIC posts every push kind to the one URL the customer configured
// (vendor README §2.2), so the decoder tells them apart by shape:
//
//   - voice records (IVR push, laaffic_ivr.go; AI-agent batch push,
//     laaffic_agent.go): voiceId and the call timestamps;
//   - call-centre records (cc-http push, laaffic_callcenter.go):
//     callSessionId, callType, hangupReason ...;
//   - agent ringing notifications (laaffic_ringing.go): callinEventTime,
//     noAnswerSipList ...
//
// Bodies come as one record object, a batch {"array":[record, ...]} or a
// bare [record, ...]; each element is classified on its own, so a body
// mixing kinds (or good and bad records) counts every good record. The body
// is read once with jsonscan.Reader into laRaw, the union of every kind's fields;
// each record is then validated and emitted as its kind's event. The
// decoder never touches a metric.

// laRaw holds the fields of every LAAFFIC push kind the exporter uses.
// Fields several kinds share (type, callDuration, answerTime, cost ...) are
// read once and interpreted by the kind's emitter.
type laRaw struct {
	laVoiceRaw
	agent  laAgentRaw
	center laCenterRaw
	ring   laRingRaw

	// Shared by several kinds.
	Type         jsonscan.Num  // voice: business type; ringing: notification type
	CallDuration jsonscan.Num  // voice (IVR) and call centre
	AnswerTime   laTime        // voice: epoch ms or yyyyMMddHHmmss; call centre: not used
	Cost         jsonscan.Num  // voice: quote currency; call centre: USD
	BaseCost     jsonscan.Num  // USD
	CallID       jsonscan.Text // call centre and ringing

	known bool // some known field was present
}

// laDecoder is reusable (pooled per request); not safe for concurrent use.
type laDecoder struct {
	r   jsonscan.Reader
	top laRaw // a single-record body, or the fields next to "array"
	rec laRaw // one array element at a time

	// shape is the keys of the records read so far, in their order
	// (jsonscan.Shape).
	shape jsonscan.Shape[laField]

	// topSlots and recSlots are where each field's value goes in top and
	// rec (laRaw.slot), taken once per decoder rather than by a switch
	// per key read.
	topSlots, recSlots *fieldSlots
}

// fieldSlots holds, by field, where its value goes in one laRaw.
type fieldSlots [fieldCount]fieldSlot

type fieldSlot struct {
	text *jsonscan.Text
	num  *jsonscan.Num
	kind *bool
	time *laTime // a timestamp: text is its Text
}

// slotsOf returns the slots of every field in rec.
func slotsOf(rec *laRaw) *fieldSlots {
	t := new(fieldSlots)
	for f := fieldNone + 1; f < fieldCount; f++ {
		s := &t[f]
		s.text, s.num, s.kind = rec.slot(f)
		s.time = rec.timeSlot(f)
	}
	return t
}

// timeSlot is the timestamp field f is in rec, or nil for other fields.
func (rec *laRaw) timeSlot(f laField) *laTime {
	switch f {
	case fieldAnswerTime:
		return &rec.AnswerTime
	case fieldSubmitTime:
		return &rec.SubmitTime
	case fieldCallTime:
		return &rec.CallTime
	case fieldRingingTime:
		return &rec.RingingTime
	case fieldHangupTime:
		return &rec.HangupTime
	}
	return nil
}

// decode parses one LAAFFIC body into out (which it resets first). A
// returned error means the body as a whole is unusable (400) and out must
// not be recorded.
func (d *laDecoder) decode(data []byte, out *pushBatch) error {
	out.reset()
	r := &d.r
	c, err := receiver.StartBody(r, data, "[{", receiver.ErrNotObjectOrList)
	if err != nil {
		return err
	}
	array := jsonscan.List // a bare list of records
	if d.topSlots == nil {
		d.topSlots, d.recSlots = slotsOf(&d.top), slotsOf(&d.rec)
	}
	if c == '{' {
		d.top = laRaw{}
		array = jsonscan.NoList
		r.Open()
		for first := true; r.More('}', &first); {
			k := r.Key()
			if string(k) != "array" {
				d.field(laKeys[string(k)].Field, d.topSlots, &d.top)
				continue
			}
			// A repeated key replaces the earlier value, as in encoding/json.
			out.reset()
			if array = r.ListStart(); array == jsonscan.List {
				d.list(out)
			}
		}
		if array == jsonscan.NotList {
			// An "array" that is not an array: as a record, a field of
			// the wrong type.
			d.top.VoiceID.St = jsonscan.BadType
			d.top.known = true
		}
	} else {
		d.list(out)
	}
	r.End()
	if err := receiver.BodyError(r); err != nil {
		out.reset()
		return err
	}
	if array != jsonscan.List {
		emitLaaffic(&d.top, out)
	}
	out.nameCalls()
	return nil
}

// list reads an array of records, emitting each as it is completed.
func (d *laDecoder) list(out *pushBatch) {
	r := &d.r
	r.Open()
	for first := true; receiver.NextRecord(r, &first, &out.Invalid); {
		d.rec = laRaw{}
		r.Open()
		next := 0 // index in shape of the key expected next
		for first := true; ; {
			f, ok := d.shape.Member(r, laKeys, &next, &first)
			if !ok {
				break
			}
			d.field(f, d.recSlots, &d.rec)
		}
		if r.Err() != nil {
			return
		}
		emitLaaffic(&d.rec, out)
	}
}

// field reads the value of field f into rec, whose slots are slots
// (fieldNone: skips it).
func (d *laDecoder) field(f laField, slots *fieldSlots, rec *laRaw) {
	r := &d.r
	if f == fieldNone {
		r.Skip()
		return
	}
	s := &slots[f]
	// Flagged first, so nothing is left to do after the read: the
	// compiler then keeps the arguments in registers instead of saving
	// them across the call (a key of every record comes through here).
	*s.kind = true
	rec.known = true
	switch {
	case s.time != nil:
		r.ReadStringNum(&s.time.Text, &s.time.literal)
	case s.text != nil:
		r.ReadString(s.text)
	case s.num != nil:
		r.ReadNum(s.num)
	case f == fieldNoAnswerSipList:
		d.noAnswerList(&rec.ring)
	default:
		r.Skip()
	}
}

// laField names a LAAFFIC key: where its value goes in laRaw.
type laField uint8

const (
	fieldNone laField = iota // no LAAFFIC field: skipped

	// Shared by several kinds.
	fieldType
	fieldCallDuration
	fieldAnswerTime
	fieldCost
	fieldBaseCost
	fieldCallID
	// Voice records (IVR and AI agent).
	fieldVoiceID
	fieldSubmitTime
	fieldCallTime
	fieldRingingTime
	fieldHangupTime
	fieldChargedDuration
	fieldRingDuration
	fieldBillPeriod
	fieldCode
	fieldCostEur
	fieldCurrency
	fieldSettlePay
	fieldTerminationCode
	fieldSipCode
	fieldFeedbackValue
	fieldIntent
	fieldCallStatus
	fieldRecallByVoiceID
	fieldScriptID
	fieldVoiceUnused // known, unused: only tells the kind
	// AI-agent voice records.
	fieldAIChargedDuration
	fieldAIBillPeriod
	fieldAIRate
	fieldAIFee
	fieldAIQuoteRate
	fieldAIQuoteFee
	fieldIntentCode
	// Call-centre records.
	fieldCallSessionID
	fieldCallType
	fieldHangupReason
	fieldHangingDirection
	fieldAgentGroupName
	fieldCenterUnused // known, unused: only tells the kind
	// Ringing notifications.
	fieldCallinEventTime
	fieldNoAnswerSipList // read by noAnswerList
	fieldRingUnused      // known, unused: only tells the kind

	fieldCount // the number of fields, fieldNone included
)

// laKeys maps every LAAFFIC key to its field.
var laKeys = jsonscan.NewFields(func(add func(f laField, names ...string)) {
	add(fieldType, "type")
	add(fieldCallDuration, "callDuration")
	add(fieldAnswerTime, "answerTime")
	add(fieldCost, "cost")
	add(fieldBaseCost, "baseCost")
	add(fieldCallID, "callId")
	add(fieldVoiceID, "voiceId")
	add(fieldSubmitTime, "submitTime")
	add(fieldCallTime, "callTime")
	add(fieldRingingTime, "ringingTime")
	add(fieldHangupTime, "hangupTime")
	add(fieldChargedDuration, "chargedDuration")
	add(fieldRingDuration, "ringDuration")
	add(fieldBillPeriod, "billPeriod")
	add(fieldCode, "code")
	add(fieldCostEur, "costEur")
	add(fieldCurrency, "currency")
	add(fieldSettlePay, "settlePay")
	add(fieldTerminationCode, "terminationCode")
	add(fieldSipCode, "sipCode")
	add(fieldFeedbackValue, "feedbackValue")
	add(fieldIntent, "intent")
	add(fieldCallStatus, "callStatus")
	add(fieldRecallByVoiceID, "recallByVoiceId")
	add(fieldScriptID, "scriptId")
	add(fieldVoiceUnused, "callee", "displayNum", "voiceFileId", "recordingFileId", "rate", "settleRate",
		"quoteExchange", "outRecallCount", "taskId", "sourceTaskId", "dimensionId")
	add(fieldAIChargedDuration, "aiAgentChargedDuration")
	add(fieldAIBillPeriod, "aiAgentBillPeriod")
	add(fieldAIRate, "aiAgentRate")
	add(fieldAIFee, "aiAgentFee")
	add(fieldAIQuoteRate, "aiAgentQuoteRate")
	add(fieldAIQuoteFee, "aiAgentQuoteFee")
	add(fieldIntentCode, "intentCode")
	add(fieldCallSessionID, "callSessionId")
	add(fieldCallType, "callType")
	add(fieldHangupReason, "hangupReason")
	add(fieldHangingDirection, "hangingDirection")
	add(fieldAgentGroupName, "agentGroupName")
	add(fieldCenterUnused, "caller", "ccode", "ccodeName", "agentName", "agentAccount", "hangupCode",
		"labels", "remark", "callStartTime", "callEndTime", "voiceUrl")
	add(fieldCallinEventTime, "callinEventTime")
	add(fieldNoAnswerSipList, "noAnswerSipList")
	add(fieldRingUnused, "seatGroupName", "sipAccount", "called", "calledInfo")
})

// slot is where the value of field f goes in rec: a string or a number
// field (neither: a key that is skipped or read on its own), and the flag
// of the kind whose records alone carry f (rec.known for keys several
// kinds share).
func (rec *laRaw) slot(f laField) (text *jsonscan.Text, num *jsonscan.Num, kind *bool) {
	v, a, c, g := &rec.laVoiceRaw, &rec.agent, &rec.center, &rec.ring
	switch f {
	case fieldType:
		return nil, &rec.Type, &rec.known
	case fieldCallDuration:
		return nil, &rec.CallDuration, &rec.known
	case fieldAnswerTime:
		return &rec.AnswerTime.Text, nil, &rec.known
	case fieldCost:
		return nil, &rec.Cost, &rec.known
	case fieldBaseCost:
		return nil, &rec.BaseCost, &rec.known
	case fieldCallID:
		return &rec.CallID, nil, &rec.known
	case fieldVoiceID:
		return &v.VoiceID, nil, &v.voiceSeen
	case fieldSubmitTime:
		return &v.SubmitTime.Text, nil, &v.voiceSeen
	case fieldCallTime:
		return &v.CallTime.Text, nil, &v.voiceSeen
	case fieldRingingTime:
		return &v.RingingTime.Text, nil, &v.voiceSeen
	case fieldHangupTime:
		return &v.HangupTime.Text, nil, &v.voiceSeen
	case fieldChargedDuration:
		return nil, &v.ChargedDuration, &v.voiceSeen
	case fieldRingDuration:
		return nil, &v.RingDuration, &v.voiceSeen
	case fieldBillPeriod:
		return &v.BillPeriod, nil, &v.voiceSeen
	case fieldCode:
		return &v.Code, nil, &v.voiceSeen
	case fieldCostEur:
		return nil, &v.CostEur, &v.voiceSeen
	case fieldCurrency:
		return &v.Currency, nil, &v.voiceSeen
	case fieldSettlePay:
		return nil, &v.SettlePay, &v.voiceSeen
	case fieldTerminationCode:
		return &v.TerminationCode, nil, &v.voiceSeen
	case fieldSipCode:
		return &v.SipCode, nil, &v.voiceSeen
	case fieldFeedbackValue:
		return &v.FeedbackValue, nil, &v.voiceSeen
	case fieldIntent:
		return &v.Intent, nil, &v.voiceSeen
	case fieldCallStatus:
		return nil, &v.CallStatus, &v.voiceSeen
	case fieldRecallByVoiceID:
		return &v.RecallByVoiceID, nil, &v.voiceSeen
	case fieldScriptID:
		return &v.ScriptID, nil, &v.voiceSeen
	case fieldVoiceUnused:
		return nil, nil, &v.voiceSeen
	case fieldAIChargedDuration:
		return nil, &a.ChargedDuration, &a.seen
	case fieldAIBillPeriod:
		return &a.BillPeriod, nil, &a.seen
	case fieldAIRate:
		return nil, &a.Rate, &a.seen
	case fieldAIFee:
		return nil, &a.Fee, &a.seen
	case fieldAIQuoteRate:
		return nil, &a.QuoteRate, &a.seen
	case fieldAIQuoteFee:
		return nil, &a.QuoteFee, &a.seen
	case fieldIntentCode:
		return &a.IntentCode, nil, &a.seen
	case fieldCallSessionID:
		return &c.CallSessionID, nil, &c.seen
	case fieldCallType:
		return nil, &c.CallType, &c.seen
	case fieldHangupReason:
		return nil, &c.HangupReason, &c.seen
	case fieldHangingDirection:
		return nil, &c.HangingDirection, &c.seen
	case fieldAgentGroupName:
		return &c.AgentGroupName, nil, &c.seen
	case fieldCenterUnused:
		return nil, nil, &c.seen
	case fieldCallinEventTime:
		return &g.CallinEventTime, nil, &g.seen
	case fieldNoAnswerSipList, fieldRingUnused:
		return nil, nil, &g.seen
	}
	panic("laaffic: slot of an unknown field")
}

// emitLaaffic classifies one record by the fields it carried and emits it
// as its kind. An id field decides first; without one, any field only one
// kind has; a record with only shared fields is taken as a voice record
// (the original push), which then lacks its voiceId.
func emitLaaffic(r *laRaw, out *pushBatch) {
	switch {
	case r.center.CallSessionID.St != jsonscan.Absent:
		emitLaafficCenter(r, out)
	case r.VoiceID.St != jsonscan.Absent:
		emitLaafficVoice(r, out)
	case r.ring.CallinEventTime.St != jsonscan.Absent:
		emitLaafficRinging(r, out)
	case r.center.seen:
		emitLaafficCenter(r, out)
	case r.ring.seen:
		emitLaafficRinging(r, out)
	case r.voiceSeen || r.agent.seen || r.known:
		emitLaafficVoice(r, out)
	default:
		out.Invalid = append(out.Invalid, receiver.ReasonUnknownKind)
	}
}
