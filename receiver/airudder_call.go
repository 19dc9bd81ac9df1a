package receiver

import (
	"bytes"
	"math"
	"strconv"
	"time"
)

// AiRudder bodies come in three shapes (vendor README §1.3):
//   - a task object with `details[]`: one call per element (answered calls
//     one at a time, unanswered ones aggregated);
//   - a task object without `details`: a task status change;
//   - a workflow call-completion notification: the call's fields at the top
//     level next to workflow_id / workflow_name / nodetask_id / case_id.
//
// The decoder reads the body once with jreader, filling the raw structs
// below with the fields the exporter uses (everything else, phone numbers
// and customer variables included, is skipped), validates each record and
// emits typed events. It never touches a metric.

// Limits beyond which a value is taken as garbage rather than a call.
const (
	maxCallSeconds = 24 * 3600 // durations, ring times
	maxTalkRounds  = 10000
	maxDialCount   = 1000
)

type arAnswerRaw struct {
	QuestionName  flexString // question_name
	Verification  flexString // verification_results
	WhetherAnswer flexString // whether_answer
}

type arRedialRaw struct {
	RingType   flexString // RingType
	HangupType flexString // HangupType
}

// arCallRaw holds the call fields the exporter uses.
type arCallRaw struct {
	ID             flexString
	CallID         flexString
	Result         flexString
	ResultLabel    flexString
	HangupType     flexString
	RingType       flexString
	Duration       flexNum
	RingTime       flexNum
	TalkRound      flexNum
	CallTimes      flexNum
	RobotHash      flexString // per call; the task's when absent
	CallEndTime    flexString // local time of the account, YYYY-MM-DD HH:MM:SS
	QuestionAnswer []arAnswerRaw
	RedailCall     []arRedialRaw
	EventLabel     [][]byte // keys only: the values repeat them
	nestedBad      bool     // question_answer / redail_call / EventLabel of the wrong shape
}

// reset zeroes c but keeps the capacity of its slices, so the next record
// decodes without allocating them again.
func (c *arCallRaw) reset() {
	qa, rd, ek := c.QuestionAnswer[:0], c.RedailCall[:0], c.EventLabel[:0]
	*c = arCallRaw{QuestionAnswer: qa, RedailCall: rd, EventLabel: ek}
}

type arBodyRaw struct {
	arCallRaw    // workflow notifications carry the call at the top level
	TaskID       flexString
	TaskName     flexString // never a label: mapped to a campaign by the recorder
	SIPLine      flexString
	Status       flexString
	WorkflowID   flexString
	WorkflowName flexString
	NodetaskID   flexString
	CaseID       flexString
}

// arDecoder is reusable (pooled per request); not safe for concurrent use.
type arDecoder struct {
	r    jreader
	top  arBodyRaw
	call arCallRaw // one details[] element at a time
}

// decode parses one AiRudder body into out (which it resets first). A
// returned error means the body as a whole is unusable (400) and out must
// not be recorded; problems with single records are in out.Invalid.
func (d *arDecoder) decode(data []byte, out *AiRudderBatch) error {
	out.reset()
	r := &d.r
	r.reset(data)
	switch r.peek() {
	case 0:
		return errEmptyBody
	case '{':
	default:
		r.skip()
		r.end()
		if r.err != nil {
			return errNotJSON
		}
		return errNotObject
	}
	d.top.arCallRaw.reset()
	d.top = arBodyRaw{arCallRaw: d.top.arCallRaw}
	details, detailsBad := false, false
	r.open()
	for first := true; r.more('}', &first); {
		k := r.key()
		switch string(k) {
		case "details":
			// A repeated key replaces the earlier value, as in encoding/json.
			out.reset()
			details, detailsBad = false, false
			switch r.peek() {
			case '[':
				details = true
				d.details(out)
			case 'n':
				r.literal("null") // treated as absent
			default:
				r.skip()
				detailsBad = true
			}
		case "task_id":
			r.readString(&d.top.TaskID)
		case "task_name":
			r.readString(&d.top.TaskName)
		case "sip_line":
			r.readString(&d.top.SIPLine)
		case "status":
			r.readString(&d.top.Status)
		case "workflow_id":
			r.readString(&d.top.WorkflowID)
		case "workflow_name":
			r.readString(&d.top.WorkflowName)
		case "nodetask_id":
			r.readString(&d.top.NodetaskID)
		case "case_id":
			r.readString(&d.top.CaseID)
		default:
			if !d.callField(k, &d.top.arCallRaw) {
				r.skip()
			}
		}
	}
	r.end()
	d.task(out)
	switch {
	case r.err != nil:
		out.reset()
		return errNotJSON
	case detailsBad:
		out.reset()
		return errDetailsNotArray
	case details:
		// Calls emitted while reading; "details": [] holds none.
	case isTopLevelCall(&d.top):
		emitAiRudderCall(&d.top.arCallRaw, isWorkflow(&d.top), out)
	default:
		emitTaskStatus(&d.top, out)
	}
	return nil
}

// task fills the batch's task-level dimensions once the whole body is read
// (the task's fields may come after details[]): the SIP line, the task name
// and, for calls without their own robot_hash, the task's robot.
func (d *arDecoder) task(out *AiRudderBatch) {
	if d.top.SIPLine.st == fOK {
		out.SIPLine = labelStrings.get(trimmed(d.top.SIPLine))
	}
	if d.top.TaskName.st == fOK {
		// Not interned: task names are unbounded (one per day per campaign).
		out.TaskName = string(trimmed(d.top.TaskName))
	}
	if d.top.RobotHash.st == fOK {
		robot := labelStrings.get(trimmed(d.top.RobotHash))
		for i := range out.Calls {
			if out.Calls[i].Robot == "" {
				out.Calls[i].Robot = robot
			}
		}
	}
}

// details reads details[] and emits each element as it is completed.
func (d *arDecoder) details(out *AiRudderBatch) {
	r := &d.r
	r.open()
	for first := true; r.more(']', &first); {
		if r.peek() != '{' {
			r.skip()
			out.Invalid = append(out.Invalid, ReasonNotObject)
			continue
		}
		d.call.reset()
		r.open()
		for first := true; r.more('}', &first); {
			if k := r.key(); !d.callField(k, &d.call) {
				r.skip()
			}
		}
		if r.err != nil {
			return
		}
		emitAiRudderCall(&d.call, false, out)
	}
}

// callField reads the value of key k into c if it is a call field.
func (d *arDecoder) callField(k []byte, c *arCallRaw) bool {
	r := &d.r
	switch string(k) {
	case "id":
		r.readString(&c.ID)
	case "call_id":
		r.readString(&c.CallID)
	case "result":
		r.readString(&c.Result)
	case "result_label":
		r.readString(&c.ResultLabel)
	case "hangup_type":
		r.readString(&c.HangupType)
	case "ring_type":
		r.readString(&c.RingType)
	case "duration":
		r.readNum(&c.Duration)
	case "ring_time":
		r.readNum(&c.RingTime)
	case "talk_round":
		r.readNum(&c.TalkRound)
	case "call_times":
		r.readNum(&c.CallTimes)
	case "robot_hash":
		r.readString(&c.RobotHash)
	case "call_end_time":
		r.readString(&c.CallEndTime)
	case "question_answer":
		c.QuestionAnswer = c.QuestionAnswer[:0]
		d.objects(c, func(k []byte) bool {
			a := &c.QuestionAnswer[len(c.QuestionAnswer)-1]
			switch string(k) {
			case "question_name":
				r.readString(&a.QuestionName)
			case "verification_results":
				r.readString(&a.Verification)
			case "whether_answer":
				r.readString(&a.WhetherAnswer)
			default:
				return false
			}
			return true
		}, func() { c.QuestionAnswer = append(c.QuestionAnswer, arAnswerRaw{}) })
	case "redail_call":
		c.RedailCall = c.RedailCall[:0]
		d.objects(c, func(k []byte) bool {
			rd := &c.RedailCall[len(c.RedailCall)-1]
			switch string(k) {
			case "RingType":
				r.readString(&rd.RingType)
			case "HangupType":
				r.readString(&rd.HangupType)
			default:
				return false
			}
			return true
		}, func() { c.RedailCall = append(c.RedailCall, arRedialRaw{}) })
	case "EventLabel":
		c.EventLabel = c.EventLabel[:0]
		switch r.peek() {
		case '{':
			r.open()
			for first := true; r.more('}', &first); {
				c.EventLabel = append(c.EventLabel, r.key())
				r.skip()
			}
		case 'n':
			r.literal("null")
		default:
			r.skip()
			c.nestedBad = true
		}
	default:
		return false
	}
	return true
}

// objects reads an array of objects: add appends an element, field reads
// one of its keys (false: not wanted, skip it). null is an empty list;
// anything else of the wrong shape marks the call.
func (d *arDecoder) objects(c *arCallRaw, field func(k []byte) bool, add func()) {
	r := &d.r
	switch r.peek() {
	case '[':
	case 'n':
		r.literal("null")
		return
	default:
		r.skip()
		c.nestedBad = true
		return
	}
	r.open()
	for first := true; r.more(']', &first); {
		if r.peek() != '{' {
			r.skip()
			c.nestedBad = true
			continue
		}
		add()
		r.open()
		for first := true; r.more('}', &first); {
			if !field(r.key()) {
				r.skip()
			}
		}
	}
}

// validateAiRudderCall returns why c cannot be counted, or "".
//
// A call without call_id or id is rejected (missing_id) rather than counted:
// AiRudder re-delivers bodies (non-200 → retried every minute, 5 times), and
// a call that cannot be deduplicated could be counted up to six times. Not
// counting it, visibly, in invalid_records_total{reason="missing_id"} is
// the smaller error.
func validateAiRudderCall(c *arCallRaw) InvalidReason {
	if c.nestedBad || c.ID.st == fBadType || c.CallID.st == fBadType || c.Result.st == fBadType ||
		c.ResultLabel.st == fBadType || c.HangupType.st == fBadType || c.RingType.st == fBadType {
		return ReasonBadType
	}
	if !hasID(c.CallID) && !hasID(c.ID) {
		return ReasonMissingID
	}
	return firstReason(
		checkNum(c.Duration, maxCallSeconds),
		checkNum(c.RingTime, maxCallSeconds),
		checkNum(c.TalkRound, maxTalkRounds),
		checkNum(c.CallTimes, maxDialCount),
	)
}

func emitAiRudderCall(c *arCallRaw, workflow bool, out *AiRudderBatch) {
	if r := validateAiRudderCall(c); r != "" {
		out.Invalid = append(out.Invalid, r)
		return
	}
	// call_id and id are separate id spaces: call_id "5" and id 5 are not
	// the same call, so the id key carries a prefix. Numbers are
	// normalised ("5", 5, 5.0 and "5.0" are one id).
	var key, exemplar string
	if hasID(c.CallID) {
		key = string(normID(c.CallID.b))
		exemplar = string(c.CallID.b)
	} else {
		key = "id\x00" + string(normID(c.ID.b))
		exemplar = string(c.ID.b)
	}
	ev := AiRudderCall{
		Key:          key,
		Exemplar:     exemplarValue(exemplar, len(airudderIDLabel)),
		Robot:        labelStrings.get(trimmed(c.RobotHash)),
		End:          localTime(c.CallEndTime),
		Result:       normResult(string(c.Result.b)),
		ResultLabel:  labelStrings.get(trimmed(c.ResultLabel)),
		HangupType:   normHangupType(string(c.HangupType.b)),
		RingType:     normRingType(string(c.RingType.b)),
		Duration:     opt(c.Duration),
		RingTime:     opt(c.RingTime),
		TalkRounds:   opt(c.TalkRound),
		DialAttempts: opt(c.CallTimes),
		Workflow:     workflow,
	}
	if len(c.RedailCall) > 0 {
		start := len(out.redials)
		for i := range c.RedailCall {
			r := &c.RedailCall[i]
			out.redials = append(out.redials, Redial{
				RingType:   normRingType(string(r.RingType.b)),
				HangupType: normHangupType(string(r.HangupType.b)),
			})
		}
		ev.Redials = out.redials[start:len(out.redials):len(out.redials)]
	}
	if len(c.QuestionAnswer) > 0 {
		start := len(out.answers)
		for i := range c.QuestionAnswer {
			a := &c.QuestionAnswer[i]
			v := labelStrings.get(trimmed(a.Verification))
			if v == "" {
				v = "-"
			}
			out.answers = append(out.answers, Answer{
				Question:     labelStrings.get(trimmed(a.QuestionName)),
				Verification: v,
				Answered:     normAnswered(string(a.WhetherAnswer.b)),
			})
		}
		ev.Answers = out.answers[start:len(out.answers):len(out.answers)]
	}
	if len(c.EventLabel) > 0 {
		start := len(out.labels)
		for _, k := range c.EventLabel {
			out.labels = append(out.labels, labelStrings.get(bytes.TrimSpace(k)))
		}
		ev.EventLabels = out.labels[start:len(out.labels):len(out.labels)]
	}
	out.Calls = append(out.Calls, ev)
}

// normID gives an id one spelling when it is a number: JSON 5, 5.0 and
// 5e0 and the strings "5" and "5.0" all become "5". Other ids (AiRudder's
// call_id is a hex string) are used as they are, trimmed.
// hasID: an id field that holds something besides white space (normID
// trims it, and an empty key would make every such call one "duplicate").
func hasID(f flexString) bool { return f.set() && len(bytes.TrimSpace(f.b)) > 0 }

func normID(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 32 {
		return b
	}
	for _, c := range b {
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return b
		}
	}
	v, ok := parseNumber(b)
	if !ok || v != math.Trunc(v) || math.Abs(v) >= 1<<53 {
		return b
	}
	return strconv.AppendInt(nil, int64(v), 10)
}

// localTimeLayout is AiRudder's time format (local time of the account).
const localTimeLayout = "2006-01-02 15:04:05"

// localTime reads a wall-clock time. The time zone is the account's, which
// only the recorder knows, so the wall clock is carried in UTC fields.
func localTime(f flexString) WallTime {
	switch f.st {
	case fAbsent, fNull:
		return WallTime{}
	case fOK:
		b := bytes.TrimSpace(f.b)
		if len(b) == 0 {
			return WallTime{}
		}
		if t, err := time.Parse(localTimeLayout, string(b)); err == nil {
			return WallTime{T: t, State: TimeOK}
		}
	}
	return WallTime{State: TimeBad}
}
