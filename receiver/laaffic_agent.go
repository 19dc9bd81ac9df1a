package receiver

// LAAFFIC AI-agent group-call batch push (agentPushVoiceReportBatch, vendor
// README §2.2): {"array":[record, ...]} of voice records with type 1, read
// by laaffic_ivr.go plus the fields below. What differs from the IVR push:
// timestamps are strings, "yyyyMMddHHmmss" or epoch ms (laafficTime takes
// both), there is no callDuration (talk time is hangupTime - answerTime),
// and the AI agent is billed on its own (aiAgent* fields).

// laAgentRaw holds the AI-agent-only fields.
type laAgentRaw struct {
	ChargedDuration flexNum    // aiAgentChargedDuration (s)
	BillPeriod      flexString // aiAgentBillPeriod, e.g. "60+60" (checked, not a label)
	Rate            flexNum    // aiAgentRate (USD per period; checked only)
	Fee             flexNum    // aiAgentFee, settlement currency (checked only)
	QuoteRate       flexNum    // aiAgentQuoteRate (quote currency; checked only)
	QuoteFee        flexNum    // aiAgentQuoteFee, quote currency
	IntentCode      flexString

	seen bool // some AI-agent field was present: the record is an AI-agent call
}

// agentField reads k into a if it is an AI-agent-only field.
func (d *laDecoder) agentField(k []byte, a *laAgentRaw) bool {
	r := &d.r
	switch string(k) {
	case "aiAgentChargedDuration":
		r.readNum(&a.ChargedDuration)
	case "aiAgentBillPeriod":
		r.readString(&a.BillPeriod)
	case "aiAgentRate":
		r.readNum(&a.Rate)
	case "aiAgentFee":
		r.readNum(&a.Fee)
	case "aiAgentQuoteRate":
		r.readNum(&a.QuoteRate)
	case "aiAgentQuoteFee":
		r.readNum(&a.QuoteFee)
	case "intentCode":
		r.readString(&a.IntentCode)
	default:
		return false
	}
	a.seen = true
	return true
}

// agentFields completes a validated voice record that is an AI-agent call.
// The fee counted is aiAgentQuoteFee, in the quote currency like `cost`
// (USD when the record names none); aiAgentFee is the same fee in the
// settlement currency and would count it twice.
func agentFields(a *laAgentRaw, ev *LaafficCall) {
	ev.Product = productAIAgent
	ev.AIQuoteFee = opt(a.QuoteFee)
	ev.AICharged = opt(a.ChargedDuration)
	ev.IntentCode = labelStrings.get(trimmed(a.IntentCode))
}
