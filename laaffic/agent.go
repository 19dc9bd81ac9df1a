package laaffic

import (
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// LAAFFIC AI-agent group-call batch push (agentPushVoiceReportBatch, vendor
// README §2.2): {"array":[record, ...]} of voice records with type 1, read
// by laaffic_ivr.go plus the fields below. What differs from the IVR push:
// timestamps are strings, "yyyyMMddHHmmss" or epoch ms (laafficTime takes
// both), there is no callDuration (talk time is hangupTime - answerTime),
// and the AI agent is billed on its own (aiAgent* fields).

// laAgentRaw holds the AI-agent-only fields.
type laAgentRaw struct {
	ChargedDuration jsonscan.Num  // aiAgentChargedDuration (s)
	BillPeriod      jsonscan.Text // aiAgentBillPeriod, e.g. "60+60" (checked, not a label)
	Rate            jsonscan.Num  // aiAgentRate (USD per period; checked only)
	Fee             jsonscan.Num  // aiAgentFee, settlement currency (checked only)
	QuoteRate       jsonscan.Num  // aiAgentQuoteRate (quote currency; checked only)
	QuoteFee        jsonscan.Num  // aiAgentQuoteFee, quote currency
	IntentCode      jsonscan.Text

	seen bool // some AI-agent field was present: the record is an AI-agent call
}

// agentFields completes a validated voice record that is an AI-agent call.
// The fee counted is aiAgentQuoteFee, in the quote currency like `cost`
// (USD when the record names none); aiAgentFee is the same fee in the
// settlement currency and would count it twice.
func agentFields(a *laAgentRaw, ev *pushCall, out *pushBatch) {
	ev.Product = productAIAgent
	ev.AIQuoteFee = receiver.Opt(a.QuoteFee)
	ev.AICharged = receiver.Opt(a.ChargedDuration)
	ev.IntentCode = out.label(slotIntentCode, jsonscan.TrimSpace(a.IntentCode.B))
}
