package airudder

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"

	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// AiRudder bodies come in three shapes (vendor README §1.3):
//   - a task object with `details[]`: one call per element (answered calls
//     one at a time, unanswered ones aggregated);
//   - a task object without `details`: a task status change;
//   - a workflow call-completion notification: the call's fields at the top
//     level next to workflow_id / workflow_name / nodetask_id / case_id.
//
// The decoder reads the body once with jsonscan.Reader, filling the raw structs
// below with the fields the exporter uses (everything else, phone numbers
// and customer variables included, is skipped), validates each record and
// emits typed events. It never touches a metric.

// errDetailsNotArray: a body whose details is not an array (answered 400).
var errDetailsNotArray = errors.New("details must be an array")

// Limits beyond which a value is taken as garbage rather than a call
// (durations and ring times: receiver.MaxCallSeconds).
const (
	maxTalkRounds = 10000
	maxDialCount  = 1000
)

type arAnswerRaw struct {
	QuestionName  jsonscan.Text // question_name
	Verification  jsonscan.Text // verification_results
	WhetherAnswer jsonscan.Text // whether_answer
}

type arRedialRaw struct {
	RingType   jsonscan.Text // RingType
	HangupType jsonscan.Text // HangupType
}

// arCallRaw holds the call fields the exporter uses.
type arCallRaw struct {
	ID             jsonscan.Text
	CallID         jsonscan.Text
	Result         jsonscan.Text
	ResultLabel    jsonscan.Text
	HangupType     jsonscan.Text
	RingType       jsonscan.Text
	Duration       jsonscan.Num
	RingTime       jsonscan.Num
	TalkRound      jsonscan.Num
	CallTimes      jsonscan.Num
	RobotHash      jsonscan.Text // per call; the task's when absent
	CallEndTime    jsonscan.Text // local time of the account, YYYY-MM-DD HH:MM:SS
	QuestionAnswer []arAnswerRaw
	RedailCall     []arRedialRaw
	EventLabel     [][]byte // keys only: the values repeat them; at most callMaxEventLabels
	// eventLabelsDropped counts the EventLabel keys past callMaxEventLabels;
	// answersDropped and redialsDropped the entries past callMaxNested.
	eventLabelsDropped, answersDropped, redialsDropped int
	nestedBad                                          bool // question_answer / redail_call / EventLabel of the wrong shape
}

// callMaxEventLabels bounds what one call adds to
// airudder_call_event_labels_total: a real call sets a handful of
// EventLabel keys, and one hostile body must not add thousands. The keys
// past it are counted as folded, not per label.
const callMaxEventLabels = 32

// callMaxNested bounds the question_answer and redail_call entries of one
// call: a real info-check call asks a handful of questions and a call is
// redialled a few times, while a hostile body of empty objects would
// otherwise grow the decoder's pooled slices (and the counting) with every
// one of its bytes. The entries past it are skipped and counted as folded.
const callMaxNested = 64

// reset zeroes c but keeps the capacity of its slices, so the next record
// decodes without allocating them again.
func (c *arCallRaw) reset() {
	qa, rd, ek := c.QuestionAnswer[:0], c.RedailCall[:0], c.EventLabel[:0]
	*c = arCallRaw{QuestionAnswer: qa, RedailCall: rd, EventLabel: ek}
}

type arBodyRaw struct {
	arCallRaw    // workflow notifications carry the call at the top level
	TaskID       jsonscan.Text
	TaskName     jsonscan.Text // never a label: mapped to a campaign by the recorder
	SIPLine      jsonscan.Text
	Status       jsonscan.Text
	WorkflowID   jsonscan.Text
	WorkflowName jsonscan.Text
	NodetaskID   jsonscan.Text
	CaseID       jsonscan.Text
}

// arDecoder is reusable (pooled per request); not safe for concurrent use.
type arDecoder struct {
	r    jsonscan.Reader
	top  arBodyRaw
	call arCallRaw // one details[] element at a time

	// The keys of each kind of object read so far, in their order
	// (jsonscan.Shape): a body, a details[] call, a question_answer and a
	// redail_call entry.
	topShape, callShape, answerShape, redialShape jsonscan.Shape[arField]
}

// arField names an AiRudder key: where its value goes.
type arField uint8

const (
	_ arField = iota // 0: a key the exporter does not use (in no fields map): skipped
	// The body (task or workflow notification).
	arDetails
	arTaskID
	arTaskName
	arSIPLine
	arStatus
	arWorkflowID
	arWorkflowName
	arNodetaskID
	arCaseID
	// A call (details[] element, or the body of a workflow notification).
	arID
	arCallID
	arResult
	arResultLabel
	arHangupType
	arRingType
	arDuration
	arRingTime
	arTalkRound
	arCallTimes
	arRobotHash
	arCallEndTime
	arQuestionAnswer
	arRedailCall
	arEventLabel
	// A question_answer entry.
	arQuestionName
	arVerification
	arWhetherAnswer
	// A redail_call entry.
	arRedialRingType
	arRedialHangupType
)

// The keys of each kind of object and their fields.
var (
	arCallFields = jsonscan.NewFields(defineCallFields)
	arTopFields  = jsonscan.NewFields(func(add func(f arField, names ...string)) {
		defineCallFields(add) // a workflow notification carries its call at the top level
		add(arDetails, "details")
		add(arTaskID, "task_id")
		add(arTaskName, "task_name")
		add(arSIPLine, "sip_line")
		add(arStatus, "status")
		add(arWorkflowID, "workflow_id")
		add(arWorkflowName, "workflow_name")
		add(arNodetaskID, "nodetask_id")
		add(arCaseID, "case_id")
	})
	arAnswerFields = jsonscan.NewFields(func(add func(f arField, names ...string)) {
		add(arQuestionName, "question_name")
		add(arVerification, "verification_results")
		add(arWhetherAnswer, "whether_answer")
	})
	arRedialFields = jsonscan.NewFields(func(add func(f arField, names ...string)) {
		add(arRedialRingType, "RingType")
		add(arRedialHangupType, "HangupType")
	})
)

func defineCallFields(add func(f arField, names ...string)) {
	add(arID, "id")
	add(arCallID, "call_id")
	add(arResult, "result")
	add(arResultLabel, "result_label")
	add(arHangupType, "hangup_type")
	add(arRingType, "ring_type")
	add(arDuration, "duration")
	add(arRingTime, "ring_time")
	add(arTalkRound, "talk_round")
	add(arCallTimes, "call_times")
	add(arRobotHash, "robot_hash")
	add(arCallEndTime, "call_end_time")
	add(arQuestionAnswer, "question_answer")
	add(arRedailCall, "redail_call")
	add(arEventLabel, "EventLabel")
}

// decode parses one AiRudder body into out (which it resets first). A
// returned error means the body as a whole is unusable (400) and out must
// not be recorded; problems with single records are in out.Invalid.
func (d *arDecoder) decode(data []byte, out *webhookBatch) error {
	out.reset()
	r := &d.r
	if _, err := receiver.StartBody(r, data, "{", receiver.ErrNotObject); err != nil {
		return err
	}
	d.top.arCallRaw.reset()
	d.top = arBodyRaw{arCallRaw: d.top.arCallRaw}
	details := jsonscan.NoList
	r.Open()
	next := 0
	for first := true; r.More('}', &first); {
		switch f := d.topShape.Next(r, arTopFields, &next); f {
		case arDetails:
			// A repeated key replaces the earlier value, as in encoding/json.
			out.reset()
			if details = r.ListStart(); details == jsonscan.List {
				d.details(out)
			}
		case arTaskID:
			r.ReadString(&d.top.TaskID)
		case arTaskName:
			r.ReadString(&d.top.TaskName)
		case arSIPLine:
			r.ReadString(&d.top.SIPLine)
		case arStatus:
			r.ReadString(&d.top.Status)
		case arWorkflowID:
			r.ReadString(&d.top.WorkflowID)
		case arWorkflowName:
			r.ReadString(&d.top.WorkflowName)
		case arNodetaskID:
			r.ReadString(&d.top.NodetaskID)
		case arCaseID:
			r.ReadString(&d.top.CaseID)
		default:
			if !d.callField(f, &d.top.arCallRaw) {
				r.Skip()
			}
		}
	}
	r.End()
	d.task(out)
	switch {
	case r.Err() != nil:
		out.reset()
		return receiver.BodyError(r)
	case details == jsonscan.NotList:
		out.reset()
		return errDetailsNotArray
	case details == jsonscan.List:
		// Calls emitted while reading; "details": [] holds none.
	case isTopLevelCall(&d.top):
		emitAiRudderCall(&d.top.arCallRaw, isWorkflow(&d.top), out)
	default:
		emitTaskStatus(&d.top, out)
	}
	return nil
}

// task fills the batch's task-level dimensions once the whole body is read
// (the task's fields may come after details[]): the SIP line, the task name,
// for calls without their own robot_hash the task's robot, and whether the
// calls are a workflow's (a workflow notification may carry its calls in
// details[] too: "the same task and call fields" plus the workflow's).
func (d *arDecoder) task(out *webhookBatch) {
	if isWorkflow(&d.top) {
		for i := range out.Calls {
			out.Calls[i].Workflow = true
		}
	}
	if d.top.SIPLine.St == jsonscan.OK {
		out.SIPLine = out.strs.Get(receiver.Trimmed(d.top.SIPLine))
	}
	if d.top.TaskName.St == jsonscan.OK {
		// Not interned: task names are unbounded (one per day per
		// campaign), and only read when campaign rules are configured.
		out.TaskName = receiver.Trimmed(d.top.TaskName)
	}
	if d.top.RobotHash.St == jsonscan.OK {
		robot := out.strs.Get(receiver.Trimmed(d.top.RobotHash))
		for i := range out.Calls {
			if out.Calls[i].Robot == "" {
				out.Calls[i].Robot = robot
			}
		}
	}
}

// details reads details[] and emits each element as it is completed.
func (d *arDecoder) details(out *webhookBatch) {
	r := &d.r
	r.Open()
	for first := true; receiver.NextRecord(r, &first, &out.Invalid); {
		d.call.reset()
		r.Open()
		next := 0
		for first := true; r.More('}', &first); {
			if !d.callField(d.callShape.Next(r, arCallFields, &next), &d.call) {
				r.Skip()
			}
		}
		if r.Err() != nil {
			return
		}
		emitAiRudderCall(&d.call, false, out)
	}
}

// callField reads the value of a call field f into c; false when f is no
// call field.
func (d *arDecoder) callField(f arField, c *arCallRaw) bool {
	r := &d.r
	switch f {
	case arID:
		r.ReadString(&c.ID)
	case arCallID:
		r.ReadString(&c.CallID)
	case arResult:
		r.ReadString(&c.Result)
	case arResultLabel:
		r.ReadString(&c.ResultLabel)
	case arHangupType:
		r.ReadString(&c.HangupType)
	case arRingType:
		r.ReadString(&c.RingType)
	case arDuration:
		r.ReadNum(&c.Duration)
	case arRingTime:
		r.ReadNum(&c.RingTime)
	case arTalkRound:
		r.ReadNum(&c.TalkRound)
	case arCallTimes:
		r.ReadNum(&c.CallTimes)
	case arRobotHash:
		r.ReadString(&c.RobotHash)
	case arCallEndTime:
		r.ReadString(&c.CallEndTime)
	case arQuestionAnswer:
		c.QuestionAnswer, c.answersDropped = c.QuestionAnswer[:0], 0
		d.objects(c, &c.answersDropped, func() int { return len(c.QuestionAnswer) }, &d.answerShape, arAnswerFields, func(f arField) bool {
			a := &c.QuestionAnswer[len(c.QuestionAnswer)-1]
			switch f {
			case arQuestionName:
				r.ReadString(&a.QuestionName)
			case arVerification:
				r.ReadString(&a.Verification)
			case arWhetherAnswer:
				r.ReadString(&a.WhetherAnswer)
			default:
				return false
			}
			return true
		}, func() { c.QuestionAnswer = append(c.QuestionAnswer, arAnswerRaw{}) })
	case arRedailCall:
		c.RedailCall, c.redialsDropped = c.RedailCall[:0], 0
		d.objects(c, &c.redialsDropped, func() int { return len(c.RedailCall) }, &d.redialShape, arRedialFields, func(f arField) bool {
			rd := &c.RedailCall[len(c.RedailCall)-1]
			switch f {
			case arRedialRingType:
				r.ReadString(&rd.RingType)
			case arRedialHangupType:
				r.ReadString(&rd.HangupType)
			default:
				return false
			}
			return true
		}, func() { c.RedailCall = append(c.RedailCall, arRedialRaw{}) })
	case arEventLabel:
		c.EventLabel, c.eventLabelsDropped = c.EventLabel[:0], 0
		switch r.Peek() {
		case '{':
			r.Open()
			for first := true; r.More('}', &first); {
				if k := r.Key(); len(c.EventLabel) < callMaxEventLabels {
					c.EventLabel = append(c.EventLabel, k)
				} else {
					c.eventLabelsDropped++
				}
				r.Skip()
			}
		case 'n':
			r.Literal("null")
		default:
			r.Skip()
			c.nestedBad = true
		}
	default:
		return false
	}
	return true
}

// objects reads an array of objects of one kind (its keys in shape and
// fields): add appends an element, field reads the value of one of its
// fields (false: not wanted, skip it). null is an empty list; anything else
// of the wrong shape marks the call.
func (d *arDecoder) objects(c *arCallRaw, dropped *int, n func() int, shape *jsonscan.Shape[arField], fields jsonscan.Fields[arField], field func(f arField) bool, add func()) {
	r := &d.r
	switch r.Peek() {
	case '[':
	case 'n':
		r.Literal("null")
		return
	default:
		r.Skip()
		c.nestedBad = true
		return
	}
	r.Open()
	for first := true; r.More(']', &first); {
		if r.Peek() != '{' {
			r.Skip()
			c.nestedBad = true
			continue
		}
		if n() >= callMaxNested {
			r.Skip()
			*dropped++
			continue
		}
		add()
		r.Open()
		next := 0
		for first := true; r.More('}', &first); {
			if !field(shape.Next(r, fields, &next)) {
				r.Skip()
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
func validateAiRudderCall(c *arCallRaw) receiver.InvalidReason {
	if c.nestedBad || c.ID.St == jsonscan.BadType || c.CallID.St == jsonscan.BadType || c.Result.St == jsonscan.BadType ||
		c.ResultLabel.St == jsonscan.BadType || c.HangupType.St == jsonscan.BadType || c.RingType.St == jsonscan.BadType {
		return receiver.ReasonBadType
	}
	if !c.CallID.Set() && !c.ID.Set() {
		return receiver.ReasonMissingID
	}
	return receiver.FirstReason(
		receiver.CheckNum(c.Duration, receiver.MaxCallSeconds),
		receiver.CheckNum(c.RingTime, receiver.MaxCallSeconds),
		receiver.CheckNum(c.TalkRound, maxTalkRounds),
		receiver.CheckNum(c.CallTimes, maxDialCount),
	)
}

func emitAiRudderCall(c *arCallRaw, workflow bool, out *webhookBatch) {
	if r := validateAiRudderCall(c); r != "" {
		out.Invalid = append(out.Invalid, r)
		return
	}
	// call_id and id are separate id spaces: call_id "5" and id 5 are not
	// the same call, so the id key carries a prefix. Numbers are
	// normalised ("5", 5, 5.0 and "5.0" are one id).
	// The exemplar is the id as sent; when that is its key's spelling too
	// (a hex call_id, a plain number), it shares the key's string.
	var key, exemplar string
	if c.CallID.Set() {
		id := normCallID(c.CallID.B)
		key = string(id)
		exemplar = sameOrCopy(key, id, c.CallID.B)
	} else {
		const prefix = "id\x00"
		id := normCallID(c.ID.B)
		key = prefix + string(id)
		exemplar = sameOrCopy(key[len(prefix):], id, c.ID.B)
	}
	ev := webhookCall{
		Key:          key,
		Exemplar:     receiver.ExemplarValue(exemplar, len(airudderIDLabel)),
		Robot:        out.strs.Get(receiver.Trimmed(c.RobotHash)),
		End:          callLocalTime(c.CallEndTime),
		Result:       normResult(string(c.Result.B)),
		ResultLabel:  out.strs.Get(receiver.Trimmed(c.ResultLabel)),
		HangupType:   normHangupType(string(c.HangupType.B)),
		RingType:     normRingType(string(c.RingType.B)),
		Duration:     receiver.Opt(c.Duration),
		RingTime:     receiver.Opt(c.RingTime),
		TalkRounds:   receiver.Opt(c.TalkRound),
		DialAttempts: receiver.Opt(c.CallTimes),
		Workflow:     workflow,
	}
	if len(c.RedailCall) > 0 {
		start := len(out.redials)
		for i := range c.RedailCall {
			r := &c.RedailCall[i]
			out.redials = append(out.redials, callRedial{
				RingType:   normRingType(string(r.RingType.B)),
				HangupType: normHangupType(string(r.HangupType.B)),
			})
		}
		ev.Redials = out.redials[start:len(out.redials):len(out.redials)]
	}
	if len(c.QuestionAnswer) > 0 {
		start := len(out.answers)
		for i := range c.QuestionAnswer {
			a := &c.QuestionAnswer[i]
			v := out.strs.Get(receiver.Trimmed(a.Verification))
			if v == "" {
				v = "-"
			}
			out.answers = append(out.answers, callAnswer{
				Question:     out.strs.Get(receiver.Trimmed(a.QuestionName)),
				Verification: v,
				Answered:     normAnswered(string(a.WhetherAnswer.B)),
			})
		}
		ev.Answers = out.answers[start:len(out.answers):len(out.answers)]
	}
	if len(c.EventLabel) > 0 {
		start := len(out.labels)
		for _, k := range c.EventLabel {
			out.labels = append(out.labels, out.strs.Get(bytes.TrimSpace(k)))
		}
		ev.EventLabels = out.labels[start:len(out.labels):len(out.labels)]
	}
	ev.EventLabelsDropped = c.eventLabelsDropped
	ev.AnswersDropped, ev.RedialsDropped = c.answersDropped, c.redialsDropped
	out.Calls = append(out.Calls, ev)
}

// sameOrCopy is s, which holds b, when sent is b; else sent as a string.
func sameOrCopy(s string, b, sent []byte) string {
	if bytes.Equal(b, sent) {
		return s
	}
	return string(sent)
}

// normCallID gives an id one spelling when it is a number: JSON 5, 5.0 and
// 5e0 and the strings "5" and "5.0" all become "5". Other ids (AiRudder's
// call_id is a hex string) are used as they are, trimmed. Callers check
// the id is Set first: one of white space alone would trim to "".
func normCallID(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 32 {
		return b
	}
	for _, c := range b {
		if (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			return b
		}
	}
	v, ok := jsonscan.ParseNumber(b)
	if !ok || v != math.Trunc(v) || math.Abs(v) >= 1<<53 {
		return b
	}
	return strconv.AppendInt(nil, int64(v), 10)
}

// callTimeLayout is AiRudder's time format (local time of the account).
const callTimeLayout = "2006-01-02 15:04:05"

// callLocalTime reads a wall-clock time. The time zone is the account's, which
// only the recorder knows, so the wall clock is carried in UTC fields.
func callLocalTime(f jsonscan.Text) wallTime {
	switch f.St {
	case jsonscan.Absent, jsonscan.Null:
		return wallTime{}
	case jsonscan.OK:
		b := bytes.TrimSpace(f.B)
		if len(b) == 0 {
			return wallTime{}
		}
		if t, ok := parseCallTime(b); ok {
			return wallTime{T: t, State: timeOK}
		}
	}
	return wallTime{State: timeBad}
}

// parseCallTime is time.Parse(callTimeLayout, b) in UTC: the form AiRudder
// sends (19 bytes, every field in its digits) read directly, at a fraction
// of time.Parse's cost; anything else (a bad date, fractional seconds, a
// one-digit hour) goes through time.Parse.
func parseCallTime(b []byte) (time.Time, bool) {
	if len(b) == len(callTimeLayout) && b[4] == '-' && b[7] == '-' && b[10] == ' ' && b[13] == ':' && b[16] == ':' {
		year, ok0 := digits(b[0:4])
		month, ok1 := digits(b[5:7])
		day, ok2 := digits(b[8:10])
		hour, ok3 := digits(b[11:13])
		minute, ok4 := digits(b[14:16])
		sec, ok5 := digits(b[17:19])
		if ok0 && ok1 && ok2 && ok3 && ok4 && ok5 && month >= 1 && month <= 12 && day >= 1 && day <= daysIn(month, year) &&
			hour < 24 && minute < 60 && sec < 60 {
			return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
		}
	}
	t, err := time.Parse(callTimeLayout, string(b))
	return t, err == nil
}

// digits is the number b spells in decimal digits alone.
func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn is the number of days of month (1-12) of year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
