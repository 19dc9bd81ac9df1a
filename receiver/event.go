package receiver

// Events are what the decoders hand to the recorder. Closed-set label values
// (result, hangup type, call status ...) are already normalised to their
// bounded enum (unknown values become "other"); open-ended ones (result
// label, question, intent, country ...) are trimmed but still raw, because
// capping them needs state (a labelcap.Cap) that belongs to the recorder.
// Ids and free text appear only as Key (dedup) and Exemplar, never as labels.

// InvalidReason says why a record was not counted. The set is closed: it is
// the `reason` label of airudder_exporter_webhook_invalid_records_total.
type InvalidReason string

// Invalid record reasons.
const (
	ReasonNotObject     InvalidReason = "not_object"     // array element that is not a JSON object
	ReasonMissingID     InvalidReason = "missing_id"     // no call_id / id / voiceId / callSessionId / callId / task_id
	ReasonNegativeValue InvalidReason = "negative_value" // negative duration, cost, delay or timestamp
	ReasonAbsurdValue   InvalidReason = "absurd_value"   // e.g. a call longer than 24 h, cost > 1000
	ReasonBadNumber     InvalidReason = "bad_number"     // a numeric field holding a non-numeric string
	ReasonBadType       InvalidReason = "bad_type"       // a field of the wrong JSON type (object for a number ...)
	ReasonUnknownKind   InvalidReason = "unknown_kind"   // an object matching no push kind of its vendor
)

// allReasons lists every InvalidReason so their series can be initialised.
var allReasons = []InvalidReason{
	ReasonNotObject, ReasonMissingID, ReasonNegativeValue,
	ReasonAbsurdValue, ReasonBadNumber, ReasonBadType, ReasonUnknownKind,
}

// OptFloat is a number that may be absent: optional vendor fields must not
// be observed as zero when they were simply not sent.
type OptFloat struct {
	V  float64
	OK bool
}

// AiRudderCall is one call from `details[]` or from a workflow notification.
type AiRudderCall struct {
	Key      string // dedup key: call_id, else id
	Exemplar string // call id for the duration exemplar (valid UTF-8, short)

	Result      string // created, pending, finished, cancelled, failed, other
	ResultLabel string // raw robot label (capped by the recorder); "" → none
	HangupType  string // ByCallee, ByRobot, Canceled, none, other
	RingType    string // busy ... normal, null, other

	Duration     OptFloat // talk seconds
	RingTime     OptFloat // seconds
	TalkRounds   OptFloat
	DialAttempts OptFloat // call_times

	Redials     []Redial
	Answers     []Answer
	EventLabels []string // raw EventLabel keys (allow-listed/capped by the recorder)

	Workflow bool // came as a workflow call-completion notification
}

// Redial is one entry of `redail_call[]` (sic, the vendor's spelling).
type Redial struct {
	RingType   string // same set as AiRudderCall.RingType
	HangupType string // same set as AiRudderCall.HangupType
}

// Answer is one entry of `question_answer[]` (info-check robots).
type Answer struct {
	Question     string // raw question_name (allow-listed/capped by the recorder)
	Verification string // raw verification_results; "" → "-"
	Answered     string // Answered, NotAnswered, other
}

// AiRudderTaskStatus is a task webhook: a body without `details`.
type AiRudderTaskStatus struct {
	Key    string // dedup key: task id and status
	Status string // created, pending, finished, calling, canceled, paused, other
}

// AiRudderBatch is everything decoded from one AiRudder body. Records seen =
// len(Calls) + len(Tasks) + len(Invalid).
type AiRudderBatch struct {
	Calls   []AiRudderCall
	Tasks   []AiRudderTaskStatus
	Invalid []InvalidReason

	// Backing arrays the calls' Redials/Answers/EventLabels slice into, so
	// a pooled batch decodes a whole body without per-call allocations.
	redials []Redial
	answers []Answer
	labels  []string
}

// Records is the number of records the body held.
func (b *AiRudderBatch) Records() int { return len(b.Calls) + len(b.Tasks) + len(b.Invalid) }

func (b *AiRudderBatch) reset() {
	clear(b.Calls)
	clear(b.Tasks)
	clear(b.redials)
	clear(b.answers)
	clear(b.labels)
	b.Calls, b.Tasks, b.Invalid = b.Calls[:0], b.Tasks[:0], b.Invalid[:0]
	b.redials, b.answers, b.labels = b.redials[:0], b.answers[:0], b.labels[:0]
}
