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
	ReasonMissingID     InvalidReason = "missing_id"     // no call_id / id / voiceId / task_id
	ReasonNegativeValue InvalidReason = "negative_value" // negative duration, cost, delay or timestamp
	ReasonAbsurdValue   InvalidReason = "absurd_value"   // e.g. a call longer than 24 h, cost > 1000
	ReasonBadNumber     InvalidReason = "bad_number"     // a numeric field holding a non-numeric string
	ReasonBadType       InvalidReason = "bad_type"       // a field of the wrong JSON type (object for a number ...)
)

// allReasons lists every InvalidReason so their series can be initialised.
var allReasons = []InvalidReason{
	ReasonNotObject, ReasonMissingID, ReasonNegativeValue,
	ReasonAbsurdValue, ReasonBadNumber, ReasonBadType,
}

// OptFloat is a number that may be absent: optional vendor fields must not
// be observed as zero when they were simply not sent.
type OptFloat struct {
	V  float64
	OK bool
}

// LaafficCall is one LAAFFIC IVR record.
type LaafficCall struct {
	Key      string // voiceId: dedup key and exemplar
	Exemplar string

	Type       string // group_call, verification_code, handset_call, handset_direct_dial, other
	CallStatus string // busy, no_answer, not_connected, voicemail, connected, other, unknown

	Duration      OptFloat // callDuration
	RingDuration  OptFloat
	Charged       OptFloat // chargedDuration
	TimeToAnswer  OptFloat // answerTime - ringingTime (answered calls)
	QueueDelay    OptFloat // callTime - submitTime
	PostDialDelay OptFloat // ringingTime - callTime

	Cost           OptFloat
	CostCurrency   string // USD, EUR, other
	BaseCostUSD    OptFloat
	SettlePay      OptFloat
	SettleCurrency string

	Keypress    string // feedbackValue: 0-9, *, #, none, other
	SIPClass    string // 1xx..6xx, none, other
	Termination string // success, failure, unknown
	BillPeriod  string // raw (capped by the recorder); "" → not counted
	Intent      string // raw (capped by the recorder); "" → none
	Country     string // raw country part of `code` (capped); "" → not counted
	Recall      bool   // recallByVoiceId set
}

// LaafficBatch is everything decoded from one LAAFFIC body.
type LaafficBatch struct {
	Calls   []LaafficCall
	Invalid []InvalidReason
}

// Records is the number of records the body held.
func (b *LaafficBatch) Records() int { return len(b.Calls) + len(b.Invalid) }

func (b *LaafficBatch) reset() {
	clear(b.Calls)
	b.Calls, b.Invalid = b.Calls[:0], b.Invalid[:0]
}
