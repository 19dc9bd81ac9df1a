package receiver

import (
	"bytes"

	"github.com/valyala/fastjson"
)

// The same evaluation as jsonlib_bench_test.go with github.com/valyala/
// fastjson v1.6.10: it parses the whole body into a reusable tree (values
// skipped by the exporter included) and the decoders below walk it. Same
// raw structs, same flexible-type rules, same emit functions.

type fjReader struct {
	p       fastjson.Parser
	scratch []byte
}

// str: the flexString rules of jreader.readString.
func (r *fjReader) str(v *fastjson.Value, f *flexString) {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		f.b, f.st = b, fOK
	case fastjson.TypeNumber:
		mark := len(r.scratch)
		r.scratch = v.MarshalTo(r.scratch)
		f.b, f.st = r.scratch[mark:len(r.scratch):len(r.scratch)], fOK
	case fastjson.TypeNull:
		f.b, f.st = nil, fNull
	default:
		f.b, f.st = nil, fBadType
	}
}

// num: the flexNum rules of jreader.readNum.
func (r *fjReader) num(v *fastjson.Value, n *flexNum) {
	switch v.Type() {
	case fastjson.TypeString:
		b, _ := v.StringBytes()
		s := bytes.TrimSpace(b)
		switch x, ok := parseNumber(s); {
		case len(s) == 0:
			n.st = fNull
		case ok:
			n.v, n.st = x, fOK
		default:
			n.st = fBadNumber
		}
	case fastjson.TypeNumber:
		mark := len(r.scratch)
		r.scratch = v.MarshalTo(r.scratch)
		if x, ok := parseNumber(r.scratch[mark:]); ok {
			n.v, n.st = x, fOK
		} else {
			n.st = fBadNumber
		}
	case fastjson.TypeNull:
		n.st = fNull
	default:
		n.st = fBadType
	}
}

type fjARDecoder struct {
	r    fjReader
	top  arBodyRaw
	call arCallRaw
}

func (d *fjARDecoder) decode(data []byte, out *AiRudderBatch) error {
	out.reset()
	d.r.scratch = d.r.scratch[:0]
	v, err := d.r.p.ParseBytes(data)
	if err != nil {
		return errNotJSON
	}
	o, err := v.Object()
	if err != nil {
		return errNotObject
	}
	d.top.arCallRaw.reset()
	d.top = arBodyRaw{arCallRaw: d.top.arCallRaw}
	var details *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		switch string(k) {
		case "details":
			details = v
		case "task_id":
			d.r.str(v, &d.top.TaskID)
		case "status":
			d.r.str(v, &d.top.Status)
		case "workflow_id":
			d.r.str(v, &d.top.WorkflowID)
		case "workflow_name":
			d.r.str(v, &d.top.WorkflowName)
		case "nodetask_id":
			d.r.str(v, &d.top.NodetaskID)
		case "case_id":
			d.r.str(v, &d.top.CaseID)
		default:
			d.callField(k, v, &d.top.arCallRaw)
		}
	})
	switch {
	case details != nil && details.Type() == fastjson.TypeArray:
		arr, _ := details.Array()
		for _, e := range arr {
			eo, err := e.Object()
			if err != nil {
				out.Invalid = append(out.Invalid, ReasonNotObject)
				continue
			}
			d.call.reset()
			eo.Visit(func(k []byte, v *fastjson.Value) { d.callField(k, v, &d.call) })
			emitAiRudderCall(&d.call, false, out)
		}
	case details != nil && details.Type() != fastjson.TypeNull:
		return errDetailsNotArray
	case isTopLevelCall(&d.top):
		emitAiRudderCall(&d.top.arCallRaw, isWorkflow(&d.top), out)
	default:
		emitTaskStatus(&d.top, out)
	}
	return nil
}

func (d *fjARDecoder) callField(k []byte, v *fastjson.Value, c *arCallRaw) {
	r := &d.r
	switch string(k) {
	case "id":
		r.str(v, &c.ID)
	case "call_id":
		r.str(v, &c.CallID)
	case "result":
		r.str(v, &c.Result)
	case "result_label":
		r.str(v, &c.ResultLabel)
	case "hangup_type":
		r.str(v, &c.HangupType)
	case "ring_type":
		r.str(v, &c.RingType)
	case "duration":
		r.num(v, &c.Duration)
	case "ring_time":
		r.num(v, &c.RingTime)
	case "talk_round":
		r.num(v, &c.TalkRound)
	case "call_times":
		r.num(v, &c.CallTimes)
	case "question_answer":
		c.QuestionAnswer = c.QuestionAnswer[:0]
		d.objects(v, c, func(o *fastjson.Object) {
			c.QuestionAnswer = append(c.QuestionAnswer, arAnswerRaw{})
			a := &c.QuestionAnswer[len(c.QuestionAnswer)-1]
			o.Visit(func(k []byte, v *fastjson.Value) {
				switch string(k) {
				case "question_name":
					r.str(v, &a.QuestionName)
				case "verification_results":
					r.str(v, &a.Verification)
				case "whether_answer":
					r.str(v, &a.WhetherAnswer)
				}
			})
		})
	case "redail_call":
		c.RedailCall = c.RedailCall[:0]
		d.objects(v, c, func(o *fastjson.Object) {
			c.RedailCall = append(c.RedailCall, arRedialRaw{})
			rd := &c.RedailCall[len(c.RedailCall)-1]
			o.Visit(func(k []byte, v *fastjson.Value) {
				switch string(k) {
				case "RingType":
					r.str(v, &rd.RingType)
				case "HangupType":
					r.str(v, &rd.HangupType)
				}
			})
		})
	case "EventLabel":
		c.EventLabel = c.EventLabel[:0]
		switch v.Type() {
		case fastjson.TypeObject:
			o, _ := v.Object()
			o.Visit(func(k []byte, _ *fastjson.Value) { c.EventLabel = append(c.EventLabel, k) })
		case fastjson.TypeNull:
		default:
			c.nestedBad = true
		}
	}
}

func (d *fjARDecoder) objects(v *fastjson.Value, c *arCallRaw, each func(*fastjson.Object)) {
	switch v.Type() {
	case fastjson.TypeArray:
	case fastjson.TypeNull:
		return
	default:
		c.nestedBad = true
		return
	}
	arr, _ := v.Array()
	for _, e := range arr {
		o, err := e.Object()
		if err != nil {
			c.nestedBad = true
			continue
		}
		each(o)
	}
}

type fjLADecoder struct {
	r   fjReader
	top laRaw
	rec laRaw
}

func (d *fjLADecoder) decode(data []byte, out *LaafficBatch) error {
	out.reset()
	d.r.scratch = d.r.scratch[:0]
	v, err := d.r.p.ParseBytes(data)
	if err != nil {
		return errNotJSON
	}
	switch v.Type() {
	case fastjson.TypeArray:
		d.list(v, out)
		return nil
	case fastjson.TypeObject:
	default:
		return errNotObjectOrList
	}
	o, _ := v.Object()
	d.top = laRaw{}
	var array *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		if string(k) == "array" {
			array = v
			return
		}
		d.field(k, v, &d.top)
	})
	switch {
	case array != nil && array.Type() == fastjson.TypeArray:
		d.list(array, out)
	case array != nil && array.Type() != fastjson.TypeNull:
		d.top.VoiceID.st = fBadType
		emitLaafficCall(&d.top, out)
	default:
		emitLaafficCall(&d.top, out)
	}
	return nil
}

func (d *fjLADecoder) list(v *fastjson.Value, out *LaafficBatch) {
	arr, _ := v.Array()
	for _, e := range arr {
		o, err := e.Object()
		if err != nil {
			out.Invalid = append(out.Invalid, ReasonNotObject)
			continue
		}
		d.rec = laRaw{}
		o.Visit(func(k []byte, v *fastjson.Value) { d.field(k, v, &d.rec) })
		emitLaafficCall(&d.rec, out)
	}
}

func (d *fjLADecoder) field(k []byte, v *fastjson.Value, rec *laRaw) {
	r := &d.r
	switch string(k) {
	case "voiceId":
		r.str(v, &rec.VoiceID)
	case "type":
		r.num(v, &rec.Type)
	case "submitTime":
		r.num(v, &rec.SubmitTime)
	case "callTime":
		r.num(v, &rec.CallTime)
	case "ringingTime":
		r.num(v, &rec.RingingTime)
	case "answerTime":
		r.num(v, &rec.AnswerTime)
	case "hangupTime":
		r.num(v, &rec.HangupTime)
	case "callDuration":
		r.num(v, &rec.CallDuration)
	case "chargedDuration":
		r.num(v, &rec.ChargedDuration)
	case "ringDuration":
		r.num(v, &rec.RingDuration)
	case "billPeriod":
		r.str(v, &rec.BillPeriod)
	case "code":
		r.str(v, &rec.Code)
	case "baseCost":
		r.num(v, &rec.BaseCost)
	case "cost":
		r.num(v, &rec.Cost)
	case "costEur":
		r.num(v, &rec.CostEur)
	case "currency":
		r.str(v, &rec.Currency)
	case "settlePay":
		r.num(v, &rec.SettlePay)
	case "terminationCode":
		r.str(v, &rec.TerminationCode)
	case "sipCode":
		r.str(v, &rec.SipCode)
	case "feedbackValue":
		r.str(v, &rec.FeedbackValue)
	case "intent":
		r.str(v, &rec.Intent)
	case "callStatus":
		r.num(v, &rec.CallStatus)
	case "recallByVoiceId":
		r.str(v, &rec.RecallByVoiceID)
	}
}
