package receiver

// Records as vendors decode them: closed-set label values (result, hangup
// type, call status ...) are normalised to their bounded enum at decode
// (unknown values become "other"); open-ended ones (result label, question,
// intent, country ...) are trimmed but still raw, because capping them needs
// state (a labelcap.Cap) that belongs to the recording. Ids and free text
// appear only as dedup keys and exemplars, never as labels.

// InvalidReason says why a record was not counted. The set is closed: it is
// the `reason` label of airudder_exporter_webhook_invalid_records_total.
type InvalidReason string

// Invalid record reasons.
const (
	ReasonNotObject     InvalidReason = "not_object"     // array element that is not a JSON object
	ReasonMissingID     InvalidReason = "missing_id"     // no (or a blank) record id
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
