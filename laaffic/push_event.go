package laaffic

import (
	"airudder_exporter/receiver"
)

// LAAFFIC events: what the LAAFFIC decoders (laaffic_decode.go and the
// per-kind laaffic_ivr.go, laaffic_agent.go, laaffic_callcenter.go,
// laaffic_ringing.go) hand to laaffic_record.go. As for AiRudder, closed-set
// values are already normalised; open-ended ones (intent, country, script,
// agent group ...) are trimmed but raw, capped by the recorder.

// LAAFFIC products: the `product` label telling the record kinds apart on
// the families they share.
const (
	productIVR        = "ivr"
	productAIAgent    = "ai_agent"
	productCallCenter = "call_center"
)

// laafficSettlementCurrency is the currency of settlePay and aiAgentFee.
// The docs call it 本币 ("own currency") and send it only when the quote
// currency is not USD; their example (quote EUR, settleRate 1.2793,
// quoteExchange 0.938 ≈ EUR per USD, rate = settleRate × quoteExchange)
// shows it is USD, the currency baseCost is in as well.
const laafficSettlementCurrency = "USD"

// Derived values a record may carry that were impossible (negative or
// absurd) and were skipped while the record itself was counted: the
// `field` label of laaffic_invalid_fields_total.
const (
	badQueueDelay    uint8 = 1 << iota // callTime - submitTime
	badPostDialDelay                   // ringingTime - callTime
	badTimeToAnswer                    // answerTime - ringingTime
	badTalkTime                        // hangupTime - answerTime (AI agent, no callDuration)
	badCurrency                        // currency: no ISO 4217 code, or over the cap; its amounts are not counted
)

// laafficBadFields names the bits above, in bit order.
var laafficBadFields = [...]string{"queue_delay", "post_dial_delay", "time_to_answer", "talk_time", "currency"}

// pushCall is one LAAFFIC voice record: an IVR push record, or an
// AI-agent batch record (Product tells which).
type pushCall struct {
	Key      string // dedup key (voiceId, trimmed)
	Exemplar string // voiceId, for the duration exemplar

	// Key and Exemplar are set once the body is read (pushBatch.nameCalls).

	Product    string // ivr, ai_agent
	Type       voiceType
	CallStatus callStatus

	Duration      receiver.OptFloat // talk seconds: callDuration, else hangupTime - answerTime
	RingDuration  receiver.OptFloat
	Charged       receiver.OptFloat // chargedDuration
	TimeToAnswer  receiver.OptFloat // answerTime - ringingTime (answered calls)
	QueueDelay    receiver.OptFloat // callTime - submitTime
	PostDialDelay receiver.OptFloat // ringingTime - callTime
	BadFields     uint8             // derived values skipped as impossible (bad* bits)

	Currency     string            // quote currency: an ISO 4217 code ("USD" when none), or "" when it is none
	Cost         receiver.OptFloat // line cost in CostCurrency
	CostCurrency string            // Currency, or EUR for the docs' `costEur`
	BaseCostUSD  receiver.OptFloat
	SettlePay    receiver.OptFloat // in laafficSettlementCurrency

	// AI agent only.
	AIQuoteFee receiver.OptFloat // aiAgentQuoteFee, in Currency
	AICharged  receiver.OptFloat // aiAgentChargedDuration
	IntentCode string            // raw (capped by the recorder); "" → none

	Keypress    keypress
	SIPClass    sipClass
	Termination termination
	BillPeriod  string // raw (capped by the recorder); "" → not counted
	Intent      string // raw (capped by the recorder); "" → none
	Country     string // raw country part of `code` (capped); "" → not counted
	Script      string // raw scriptId (mapped and capped by the recorder); "" → none
	Recall      bool   // recallByVoiceId set
}

// callCenterRecord is one call-centre record (cc-http push).
type callCenterRecord struct {
	Key string // dedup key (callSessionId, trimmed, in its own key space)

	CallType         string // group_transfer, inbound, outbound, other
	HangupReason     string // named hangupReason (laafficHangupReasons), other
	HangingDirection string // customer, agent, system, other, unknown
	Outcome          string // answered, not_answered, failed, other (from HangupReason)
	AgentGroup       string // raw agentGroupName (capped by the recorder); "" → none

	Duration    receiver.OptFloat // callDuration
	CostUSD     receiver.OptFloat // cost (USD)
	BaseCostUSD receiver.OptFloat // baseCost
}

// ringingEvent is one agent ringing notification.
type ringingEvent struct {
	Key            string // dedup key (callId + callinEventTime, trimmed, in its own key space)
	Type           string // group_transfer, call_center_transfer, api_call, other
	UnansweredLegs int    // entries of noAnswerSipList
}

// pushBatch is everything decoded from one LAAFFIC body. Records seen =
// len(Calls) + len(Center) + len(Ringing) + len(Invalid).
type pushBatch struct {
	Calls   []pushCall
	Center  []callCenterRecord
	Ringing []ringingEvent
	Invalid []receiver.InvalidReason

	strs *receiver.Interner // the receiver's label strings
	// recentLabels are the last strings records of this body got for each
	// open-ended label (labelSlot): the records of a batch mostly share a
	// handful of values, found so by a few comparisons instead of a lookup
	// in strs.
	recentLabels [labelSlots]recentStrings

	// The voice records' keys and ids, written one after the other while
	// the body is read and made one string at its end (nameCalls): one
	// allocation per body instead of one per record.
	ids     []byte
	idSpans []idSpan // by index in Calls
}

// idSpan is where a voice record's key, and its voiceId at the key's end,
// are in pushBatch.ids.
type idSpan struct{ key, id, end int }

// labelSlot numbers the open-ended labels a record carries, for
// pushBatch.label.
type labelSlot uint8

const (
	slotBillPeriod labelSlot = iota
	slotIntent
	slotCountry
	slotScript
	slotIntentCode
	slotAgentGroup
	labelSlots
)

// recentStrings are the last strings a label got, the oldest replaced
// first.
type recentStrings struct {
	s    [4]string
	next uint8
}

// label returns v as strs.Get does, taking the string an earlier record of
// the body got for the slot when v is the same.
func (b *pushBatch) label(slot labelSlot, v []byte) string {
	recent := &b.recentLabels[slot]
	for i := range recent.s {
		if s := recent.s[i]; s != "" && string(v) == s {
			return s
		}
	}
	s := b.strs.Get(v)
	if s != "" {
		recent.s[recent.next] = s
		recent.next = (recent.next + 1) % uint8(len(recent.s))
	}
	return s
}

func (b *pushBatch) reset() {
	clear(b.Calls)
	clear(b.Center)
	clear(b.Ringing)
	b.Calls, b.Center, b.Ringing, b.Invalid = b.Calls[:0], b.Center[:0], b.Ringing[:0], b.Invalid[:0]
	b.ids, b.idSpans = b.ids[:0], b.idSpans[:0]
	b.recentLabels = [labelSlots]recentStrings{}
}

// addID adds the key of the voice record about to be appended to Calls,
// from its voiceId.
func (b *pushBatch) addID(id []byte) {
	sp := idSpan{key: len(b.ids)}
	if id[0] == laafficKeySpace {
		// Keep the other kinds' key spaces for them (laafficKeySpace).
		b.ids = append(b.ids, "\x01v:"...)
	}
	sp.id = len(b.ids)
	b.ids = append(b.ids, id...)
	sp.end = len(b.ids)
	b.idSpans = append(b.idSpans, sp)
}

// nameCalls sets the voice records' keys and exemplars, substrings of one
// copy of ids (which they keep alive together: an exemplar a histogram
// keeps holds the body's ids, a few kilobytes).
func (b *pushBatch) nameCalls() {
	if len(b.Calls) == 0 {
		return
	}
	all := string(b.ids)
	for i := range b.Calls {
		sp := b.idSpans[i]
		b.Calls[i].Key = all[sp.key:sp.end]
		b.Calls[i].Exemplar = receiver.ExemplarValue(all[sp.id:sp.end], len(laafficIDLabel))
	}
}
