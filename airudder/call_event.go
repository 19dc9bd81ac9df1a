package airudder

import (
	"time"

	"airudder_exporter/receiver"
)

// AiRudder events: what the AiRudder decoders (airudder_call.go,
// airudder_task.go, airudder_workflow.go) hand to the recorder.

// webhookCall is one call from `details[]` or from a workflow notification.
type webhookCall struct {
	Key      string // dedup key: call_id, else "id\x00" + id; numbers normalised
	Exemplar string // call id for the duration exemplar (valid UTF-8, short)

	Robot string   // raw robot_hash of the call, else of the task; "" → none
	End   wallTime // call_end_time (account-local wall clock)

	Result      string // created, pending, finished, cancelled, failed, other
	ResultLabel string // raw robot label (capped by the recorder); "" → none
	HangupType  string // ByCallee, ByRobot, Canceled, none, other
	RingType    string // busy ... normal, null, other

	Duration     receiver.OptFloat // talk seconds
	RingTime     receiver.OptFloat // seconds
	TalkRounds   receiver.OptFloat
	DialAttempts receiver.OptFloat // call_times

	Redials     []callRedial
	Answers     []callAnswer
	EventLabels []string // raw EventLabel keys (allow-listed/capped by the recorder), at most callMaxEventLabels
	// EventLabelsDropped counts the keys past callMaxEventLabels.
	EventLabelsDropped int
	// AnswersDropped and RedialsDropped count the entries past callMaxNested.
	AnswersDropped, RedialsDropped int

	Workflow bool // came as a workflow call-completion notification
}

// callRedial is one entry of `redail_call[]` (sic, the vendor's spelling).
type callRedial struct {
	RingType   string // same set as webhookCall.RingType
	HangupType string // same set as webhookCall.HangupType
}

// callAnswer is one entry of `question_answer[]` (info-check robots).
type callAnswer struct {
	Question     string // raw question_name (allow-listed/capped by the recorder)
	Verification string // raw verification_results; "" → "-"
	Answered     string // Answered, NotAnswered, other
}

// wallTime is a local date and time without its zone (held in UTC fields).
type wallTime struct {
	T     time.Time
	State timeState
}

// timeState says whether a time field was sent and understood.
type timeState uint8

// Time states.
const (
	timeAbsent timeState = iota
	timeOK
	timeBad // sent, but not YYYY-MM-DD HH:MM:SS
)

// taskStatusEvent is a task webhook: a body without `details`.
type taskStatusEvent struct {
	TaskID   string // normalised task_id (numbers have one spelling)
	Status   string // created, pending, finished, calling, canceled, paused, other
	StatusID uint64 // the status as sent (taskStatusID): a change is a change of it
}

// webhookBatch is everything decoded from one AiRudder body. Records seen =
// len(Calls) + len(Tasks) + len(Invalid).
type webhookBatch struct {
	Calls   []webhookCall
	Tasks   []taskStatusEvent
	Invalid []receiver.InvalidReason

	// Task-level dimensions, shared by every call of the body: the raw
	// sip_line (capped by the recorder) and the raw task_name (only ever
	// mapped to a campaign, never a label itself; a slice of the body,
	// which the recorder reads before the body is released).
	SIPLine  string
	TaskName []byte

	// Backing arrays the calls' Redials/Answers/EventLabels slice into, so
	// a pooled batch decodes a whole body without per-call allocations.
	redials []callRedial
	answers []callAnswer
	labels  []string

	strs *receiver.Interner // the receiver's label strings
}

func (b *webhookBatch) reset() {
	clear(b.Calls)
	clear(b.Tasks)
	clear(b.redials)
	clear(b.answers)
	clear(b.labels)
	b.Calls, b.Tasks, b.Invalid = b.Calls[:0], b.Tasks[:0], b.Invalid[:0]
	b.SIPLine, b.TaskName = "", nil
	b.redials, b.answers, b.labels = b.redials[:0], b.answers[:0], b.labels[:0]
}
