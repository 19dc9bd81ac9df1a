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
	ok := true
	switch string(k) {
	case "type":
		r.ReadNum(&rec.Type)
	case "callDuration":
		r.ReadNum(&rec.CallDuration)
	case "answerTime":
		r.ReadString(&rec.AnswerTime)
	case "cost":
		r.ReadNum(&rec.Cost)
	case "baseCost":
		r.ReadNum(&rec.BaseCost)
	case "callId":
		r.ReadString(&rec.CallID)
	default:
		ok = d.voiceField(k, &rec.laVoiceRaw) || d.agentField(k, &rec.agent) ||
			d.centerField(k, &rec.center) || d.ringField(k, &rec.ring)
	}
	rec.known = rec.known || ok
	return ok
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
