package receiver

// LAAFFIC events: what laaffic_decode.go hands to laaffic_record.go.

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
