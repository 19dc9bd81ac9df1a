package receiver

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
// is read once with jreader into laRaw, the union of every kind's fields;
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
	Type         flexNum    // voice: business type; ringing: notification type
	CallDuration flexNum    // voice (IVR) and call centre
	AnswerTime   flexString // voice: epoch ms or yyyyMMddHHmmss; call centre: not used
	Cost         flexNum    // voice: quote currency; call centre: USD
	BaseCost     flexNum    // USD
	CallID       flexString // call centre and ringing

	known bool // some known field was present
}

// laDecoder is reusable (pooled per request); not safe for concurrent use.
type laDecoder struct {
	r   jreader
	top laRaw // a single-record body, or the fields next to "array"
	rec laRaw // one array element at a time
}

// decode parses one LAAFFIC body into out (which it resets first). A
// returned error means the body as a whole is unusable (400) and out must
// not be recorded.
func (d *laDecoder) decode(data []byte, out *LaafficBatch) error {
	out.reset()
	r := &d.r
	r.reset(data)
	isBatch := false
	switch r.peek() {
	case 0:
		return errEmptyBody
	case '[':
		isBatch = true
		d.list(out)
	case '{':
		d.top = laRaw{}
		arrayBad := false
		r.open()
		for first := true; r.more('}', &first); {
			k := r.key()
			if string(k) != "array" {
				if !d.field(k, &d.top) {
					r.skip()
				}
				continue
			}
			// A repeated key replaces the earlier value, as in encoding/json.
			out.reset()
			isBatch, arrayBad = false, false
			switch r.peek() {
			case '[':
				isBatch = true
				d.list(out)
			case 'n':
				r.literal("null") // treated as absent
			default:
				r.skip()
				arrayBad = true
			}
		}
		if arrayBad && !isBatch {
			// An "array" that is not an array: as a record, a field of
			// the wrong type.
			d.top.VoiceID.st = fBadType
			d.top.known = true
		}
	default:
		r.skip()
		r.end()
		if r.err != nil {
			return errNotJSON
		}
		return errNotObjectOrList
	}
	r.end()
	if r.err != nil {
		out.reset()
		return errNotJSON
	}
	if !isBatch {
		emitLaaffic(&d.top, out)
	}
	return nil
}

// list reads an array of records, emitting each as it is completed.
func (d *laDecoder) list(out *LaafficBatch) {
	r := &d.r
	r.open()
	for first := true; r.more(']', &first); {
		if r.peek() != '{' {
			r.skip()
			out.Invalid = append(out.Invalid, ReasonNotObject)
			continue
		}
		d.rec = laRaw{}
		r.open()
		for first := true; r.more('}', &first); {
			if k := r.key(); !d.field(k, &d.rec) {
				r.skip()
			}
		}
		if r.err != nil {
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
		r.readNum(&rec.Type)
	case "callDuration":
		r.readNum(&rec.CallDuration)
	case "answerTime":
		r.readString(&rec.AnswerTime)
	case "cost":
		r.readNum(&rec.Cost)
	case "baseCost":
		r.readNum(&rec.BaseCost)
	case "callId":
		r.readString(&rec.CallID)
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
func emitLaaffic(r *laRaw, out *LaafficBatch) {
	switch {
	case r.center.CallSessionID.st != fAbsent:
		emitLaafficCenter(r, out)
	case r.VoiceID.st != fAbsent:
		emitLaafficVoice(r, out)
	case r.ring.CallinEventTime.st != fAbsent:
		emitLaafficRinging(r, out)
	case r.center.seen:
		emitLaafficCenter(r, out)
	case r.ring.seen:
		emitLaafficRinging(r, out)
	case r.voiceSeen || r.agent.seen || r.known:
		emitLaafficVoice(r, out)
	default:
		out.Invalid = append(out.Invalid, ReasonUnknownKind)
	}
}
