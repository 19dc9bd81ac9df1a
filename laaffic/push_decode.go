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
	AnswerTime   jsonscan.Text // voice: epoch ms or yyyyMMddHHmmss; call centre: not used
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
	if c == '{' {
		d.top = laRaw{}
		array = jsonscan.NoList
		r.Open()
		for first := true; r.More('}', &first); {
			k := r.Key()
			if string(k) != "array" {
				if !d.field(k, &d.top) {
					r.Skip()
				}
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
	if r.Err() != nil {
		out.reset()
		return receiver.ErrNotJSON
	}
	if array != jsonscan.List {
		emitLaaffic(&d.top, out)
	}
	return nil
}

// list reads an array of records, emitting each as it is completed.
func (d *laDecoder) list(out *pushBatch) {
	r := &d.r
	r.Open()
	for first := true; receiver.NextRecord(r, &first, &out.Invalid); {
		d.rec = laRaw{}
		r.Open()
		for first := true; r.More('}', &first); {
			if k := r.Key(); !d.field(k, &d.rec) {
				r.Skip()
			}
		}
		if r.Err() != nil {
			return
		}
		emitLaaffic(&d.rec, out)
	}
}

// field reads the value of key k into rec if it is a field of some kind.
func (d *laDecoder) field(k []byte, rec *laRaw) bool {
	r := &d.r
	text, num, kind := rec.slot(k)
	switch {
	case kind == nil:
		return false
	case text != nil:
		r.ReadString(text)
	case num != nil:
		r.ReadNum(num)
	case string(k) == "noAnswerSipList":
		d.noAnswerList(&rec.ring)
	default:
		r.Skip()
	}
	*kind = true
	rec.known = true
	return true
}

// slot is where the value of key k goes in rec: a string or a number field
// (neither: a key that is skipped or read on its own), and the flag of the
// kind whose records alone carry k (rec.known for keys several kinds
// share). A nil flag: k is no LAAFFIC field.
func (rec *laRaw) slot(k []byte) (text *jsonscan.Text, num *jsonscan.Num, kind *bool) {
	v, a, c, g := &rec.laVoiceRaw, &rec.agent, &rec.center, &rec.ring
	switch string(k) {
	// Shared by several kinds.
	case "type":
		return nil, &rec.Type, &rec.known
	case "callDuration":
		return nil, &rec.CallDuration, &rec.known
	case "answerTime":
		return &rec.AnswerTime, nil, &rec.known
	case "cost":
		return nil, &rec.Cost, &rec.known
	case "baseCost":
		return nil, &rec.BaseCost, &rec.known
	case "callId":
		return &rec.CallID, nil, &rec.known
	// Voice records (IVR and AI agent).
	case "voiceId":
		return &v.VoiceID, nil, &v.voiceSeen
	case "submitTime":
		return &v.SubmitTime, nil, &v.voiceSeen
	case "callTime":
		return &v.CallTime, nil, &v.voiceSeen
	case "ringingTime":
		return &v.RingingTime, nil, &v.voiceSeen
	case "hangupTime":
		return &v.HangupTime, nil, &v.voiceSeen
	case "chargedDuration":
		return nil, &v.ChargedDuration, &v.voiceSeen
	case "ringDuration":
		return nil, &v.RingDuration, &v.voiceSeen
	case "billPeriod":
		return &v.BillPeriod, nil, &v.voiceSeen
	case "code":
		return &v.Code, nil, &v.voiceSeen
	case "costEur":
		return nil, &v.CostEur, &v.voiceSeen
	case "currency":
		return &v.Currency, nil, &v.voiceSeen
	case "settlePay":
		return nil, &v.SettlePay, &v.voiceSeen
	case "terminationCode":
		return &v.TerminationCode, nil, &v.voiceSeen
	case "sipCode":
		return &v.SipCode, nil, &v.voiceSeen
	case "feedbackValue":
		return &v.FeedbackValue, nil, &v.voiceSeen
	case "intent":
		return &v.Intent, nil, &v.voiceSeen
	case "callStatus":
		return nil, &v.CallStatus, &v.voiceSeen
	case "recallByVoiceId":
		return &v.RecallByVoiceID, nil, &v.voiceSeen
	case "scriptId":
		return &v.ScriptID, nil, &v.voiceSeen
	case "callee", "displayNum", "voiceFileId", "recordingFileId", "rate", "settleRate",
		"quoteExchange", "outRecallCount", "taskId", "sourceTaskId", "dimensionId":
		return nil, nil, &v.voiceSeen // known, unused: they only tell the kind
	// AI-agent voice records.
	case "aiAgentChargedDuration":
		return nil, &a.ChargedDuration, &a.seen
	case "aiAgentBillPeriod":
		return &a.BillPeriod, nil, &a.seen
	case "aiAgentRate":
		return nil, &a.Rate, &a.seen
	case "aiAgentFee":
		return nil, &a.Fee, &a.seen
	case "aiAgentQuoteRate":
		return nil, &a.QuoteRate, &a.seen
	case "aiAgentQuoteFee":
		return nil, &a.QuoteFee, &a.seen
	case "intentCode":
		return &a.IntentCode, nil, &a.seen
	// Call-centre records.
	case "callSessionId":
		return &c.CallSessionID, nil, &c.seen
	case "callType":
		return nil, &c.CallType, &c.seen
	case "hangupReason":
		return nil, &c.HangupReason, &c.seen
	case "hangingDirection":
		return nil, &c.HangingDirection, &c.seen
	case "agentGroupName":
		return &c.AgentGroupName, nil, &c.seen
	case "caller", "ccode", "ccodeName", "agentName", "agentAccount", "hangupCode",
		"labels", "remark", "callStartTime", "callEndTime", "voiceUrl":
		return nil, nil, &c.seen // known, unused: they only tell the kind
	// Ringing notifications.
	case "callinEventTime":
		return &g.CallinEventTime, nil, &g.seen
	case "noAnswerSipList":
		return nil, nil, &g.seen // read by noAnswerList
	case "seatGroupName", "sipAccount", "called", "calledInfo":
		return nil, nil, &g.seen // known, unused: they only tell the kind
	}
	return nil, nil, nil
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
