package receiver

// LAAFFIC IVR pushes come in three shapes (vendor README §2.1): one record
// object, a batch {"array":[record, ...]}, or a bare [record, ...]. The
// body is read once with jreader into laRaw (flexible fields); each record
// is validated and emitted as a LaafficCall event. The decoder never
// touches a metric.

// Limits beyond which a value is taken as garbage rather than a call.
const (
	maxCost         = 1000.0          // per call, in any currency
	maxDelayMillis  = 24 * 3600e3     // post-dial delay, time to answer
	maxQueueMillis  = 7 * 24 * 3600e3 // submit → call: tasks may be scheduled days ahead
	millisPerSecond = 1000.0
)

// laRaw holds the record fields the exporter uses.
type laRaw struct {
	VoiceID         flexString
	Type            flexNum
	SubmitTime      flexNum
	CallTime        flexNum
	RingingTime     flexNum
	AnswerTime      flexNum
	HangupTime      flexNum
	CallDuration    flexNum
	ChargedDuration flexNum
	RingDuration    flexNum
	BillPeriod      flexString
	Code            flexString
	BaseCost        flexNum
	Cost            flexNum
	CostEur         flexNum
	Currency        flexString
	SettlePay       flexNum
	TerminationCode flexString
	SipCode         flexString
	FeedbackValue   flexString
	Intent          flexString
	CallStatus      flexNum
	RecallByVoiceID flexString
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
		emitLaafficCall(&d.top, out)
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
		emitLaafficCall(&d.rec, out)
	}
}

// field reads the value of key k into rec if it is a record field.
func (d *laDecoder) field(k []byte, rec *laRaw) bool {
	r := &d.r
	switch string(k) {
	case "voiceId":
		r.readString(&rec.VoiceID)
	case "type":
		r.readNum(&rec.Type)
	case "submitTime":
		r.readNum(&rec.SubmitTime)
	case "callTime":
		r.readNum(&rec.CallTime)
	case "ringingTime":
		r.readNum(&rec.RingingTime)
	case "answerTime":
		r.readNum(&rec.AnswerTime)
	case "hangupTime":
		r.readNum(&rec.HangupTime)
	case "callDuration":
		r.readNum(&rec.CallDuration)
	case "chargedDuration":
		r.readNum(&rec.ChargedDuration)
	case "ringDuration":
		r.readNum(&rec.RingDuration)
	case "billPeriod":
		r.readString(&rec.BillPeriod)
	case "code":
		r.readString(&rec.Code)
	case "baseCost":
		r.readNum(&rec.BaseCost)
	case "cost":
		r.readNum(&rec.Cost)
	case "costEur":
		r.readNum(&rec.CostEur)
	case "currency":
		r.readString(&rec.Currency)
	case "settlePay":
		r.readNum(&rec.SettlePay)
	case "terminationCode":
		r.readString(&rec.TerminationCode)
	case "sipCode":
		r.readString(&rec.SipCode)
	case "feedbackValue":
		r.readString(&rec.FeedbackValue)
	case "intent":
		r.readString(&rec.Intent)
	case "callStatus":
		r.readNum(&rec.CallStatus)
	case "recallByVoiceId":
		r.readString(&rec.RecallByVoiceID)
	default:
		return false
	}
	return true
}

// delay validates a "later - earlier" pair of epoch-millisecond timestamps.
// 0, null or absent means "did not happen"; the delay then stays unset.
func delay(earlier, later flexNum, max float64) (OptFloat, InvalidReason) {
	if earlier.st != fOK || later.st != fOK || earlier.v == 0 || later.v == 0 {
		return OptFloat{}, ""
	}
	d := later.v - earlier.v
	switch {
	case d < 0:
		return OptFloat{}, ReasonNegativeValue
	case d > max:
		return OptFloat{}, ReasonAbsurdValue
	}
	return OptFloat{V: d / millisPerSecond, OK: true}, ""
}

// validateLaafficStrings: label and id fields may be strings or numbers,
// never objects, arrays or booleans.
func validateLaafficStrings(r *laRaw) InvalidReason {
	for _, f := range [...]*flexString{
		&r.VoiceID, &r.BillPeriod, &r.Code, &r.Currency, &r.TerminationCode,
		&r.SipCode, &r.FeedbackValue, &r.Intent, &r.RecallByVoiceID,
	} {
		if f.st == fBadType {
			return ReasonBadType
		}
	}
	return ""
}

// emitLaafficCall validates one record and appends its event (or reason).
//
// A record without voiceId is rejected (missing_id) rather than counted:
// LAAFFIC's retry policy is undocumented, and a record that cannot be
// deduplicated might be counted once per re-delivery.
func emitLaafficCall(r *laRaw, out *LaafficBatch) {
	reason := validateLaafficStrings(r)
	if reason == "" && !r.VoiceID.set() {
		reason = ReasonMissingID
	}
	if reason == "" {
		reason = firstReason(
			checkNum(r.Type, 1e9), checkNum(r.CallStatus, 1e9),
			checkNum(r.SubmitTime, 1e15), checkNum(r.CallTime, 1e15),
			checkNum(r.RingingTime, 1e15), checkNum(r.AnswerTime, 1e15),
			checkNum(r.HangupTime, 1e15),
			checkNum(r.CallDuration, maxCallSeconds),
			checkNum(r.ChargedDuration, maxCallSeconds),
			checkNum(r.RingDuration, maxCallSeconds),
			checkNum(r.Cost, maxCost), checkNum(r.CostEur, maxCost),
			checkNum(r.BaseCost, maxCost), checkNum(r.SettlePay, maxCost),
		)
	}
	queue, r1 := delay(r.SubmitTime, r.CallTime, maxQueueMillis)
	postDial, r2 := delay(r.CallTime, r.RingingTime, maxDelayMillis)
	answer, r3 := delay(r.RingingTime, r.AnswerTime, maxDelayMillis)
	if reason == "" {
		reason = firstReason(r1, r2, r3)
	}
	if reason != "" {
		out.Invalid = append(out.Invalid, reason)
		return
	}

	currency := laafficCurrency(string(r.Currency.b))
	key := string(r.VoiceID.b)
	ev := LaafficCall{
		Key:            key,
		Exemplar:       exemplarValue(key, len(laafficIDLabel)),
		Type:           laafficType(r.Type),
		CallStatus:     laafficCallStatus(r.CallStatus),
		Duration:       opt(r.CallDuration),
		RingDuration:   opt(r.RingDuration),
		Charged:        opt(r.ChargedDuration),
		TimeToAnswer:   answer,
		QueueDelay:     queue,
		PostDialDelay:  postDial,
		BaseCostUSD:    opt(r.BaseCost),
		SettlePay:      opt(r.SettlePay),
		SettleCurrency: currency,
		Keypress:       laafficKey(string(r.FeedbackValue.b)),
		SIPClass:       laafficSIPClass(string(r.SipCode.b)),
		Termination:    laafficTermination(string(r.TerminationCode.b)),
		BillPeriod:     labelStrings.get(trimmed(r.BillPeriod)),
		Intent:         labelStrings.get(trimmed(r.Intent)),
		Country:        labelStrings.get(laafficCountry(r.Code.b)),
		Recall:         r.RecallByVoiceID.set(),
	}
	// `cost` is in the quoted currency; the docs' example names it
	// `costEur` instead, which is EUR whatever `currency` says.
	switch {
	case r.Cost.st == fOK:
		ev.Cost, ev.CostCurrency = opt(r.Cost), currency
	case r.CostEur.st == fOK:
		ev.Cost, ev.CostCurrency = opt(r.CostEur), "EUR"
	}
	out.Calls = append(out.Calls, ev)
}
