package laaffic

import (
	"bytes"
	"strings"

	"golang.org/x/text/currency"

	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// LAAFFIC closed label sets and the mappings of vendor values onto them
// (unknown values become "other"), used by the LAAFFIC decoders.

// laafficCurrencies are the currencies whose series exist from the start
// and never use a cap slot.
var laafficCurrencies = []string{"USD", "EUR"}

// Exemplar label name on the LAAFFIC duration histogram.
const laafficIDLabel = "voice_id"

// laafficCodes names the values of a numeric LAAFFIC field: a code not
// listed is "other"; an absent, null or non-numeric field is absent.
type laafficCodes struct {
	absent string
	names  map[float64]string
}

func (c laafficCodes) name(n jsonscan.Num) string {
	if n.St != jsonscan.OK {
		return c.absent
	}
	if s, ok := c.names[n.V]; ok {
		return s
	}
	return receiver.ValueOther
}

var (
	// LAAFFIC call-centre `callType`.
	laafficCallTypes = laafficCodes{receiver.ValueOther, map[float64]string{
		1: "group_transfer", // group call transferred to an agent
		2: "inbound", 3: "outbound",
	}}
	// LAAFFIC call-centre `hangingDirection`: who hung up.
	laafficHangingDirections = laafficCodes{receiver.ValueUnknown, map[float64]string{
		0: "customer", 1: "agent", 3: "system",
	}}
	// LAAFFIC ringing notification `type`.
	laafficRingingTypes = laafficCodes{receiver.ValueOther, map[float64]string{
		1: "group_transfer", // group-call transfer ringing an agent
		2: "call_center_transfer",
		3: "api_call", // phone ringing invoked through the API
	}}
)

// laafficCurrency returns the quote currency's ISO 4217 code and true.
// Empty means USD (the docs: currency is only set for non-USD quotes). A
// code is matched whatever its case and returned in its canonical form (a
// constant: no string is kept per record). Anything else, "XXX" (no
// currency) and "XTS" (testing) included, reports false: an amount in it
// cannot be told apart from any other currency's, so it is not counted.
// Codes outside laafficCurrencies are capped by the recorder.
func laafficCurrency(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "USD", true
	}
	if c := receiver.OneOf(v, laafficCurrencies); c != receiver.ValueOther {
		return c, true
	}
	if len(v) != 3 {
		return "", false
	}
	u, err := currency.ParseISO(v)
	if err != nil || u == (currency.Unit{}) || u == currency.XTS {
		return "", false
	}
	return u.String(), true
}

// laafficMaxAmounts bound one record's amount per currency: roughly 1000
// USD worth with a wide margin (rates drift), so 1500 JPY (about 10 USD) is
// a call while 5000 USD is garbage. A currency not listed gets
// laafficMaxAmountUnknown: generous, since its scale is unknown.
var laafficMaxAmounts = map[string]float64{
	"USD": 1e3, "EUR": 1e3, "GBP": 1e3, "CHF": 1e3, "AUD": 2e3, "CAD": 2e3, "SGD": 2e3,
	"CNY": 1e4, "HKD": 1e4, "MYR": 5e3, "AED": 5e3, "SAR": 5e3, "PLN": 5e3, "BRL": 1e4,
	"MXN": 25e3, "ZAR": 25e3, "TRY": 1e5, "THB": 5e4, "PHP": 1e5, "RUB": 2e5, "INR": 2e5,
	"BDT": 2e5, "PKR": 5e5, "JPY": 3e5, "KRW": 3e6, "NGN": 3e6, "CLP": 2e6, "COP": 1e7,
	"VND": 5e7, "IDR": 5e7,
}

const laafficMaxAmountUnknown = 1e9

// The limits of the fixed currencies every record is checked in, looked up
// once rather than per record and field.
var (
	maxAmountUSD        = laafficMaxAmounts["USD"]
	maxAmountEUR        = laafficMaxAmounts["EUR"]
	maxAmountSettlement = laafficMaxAmount(laafficSettlementCurrency)
)

func laafficMaxAmount(currency string) float64 {
	switch currency {
	case "USD":
		return maxAmountUSD
	case "EUR":
		return maxAmountEUR
	}
	if m, ok := laafficMaxAmounts[currency]; ok {
		return m
	}
	return laafficMaxAmountUnknown
}

// The closed label sets of a voice record, carried as indexes into their
// names: the recorder adds a body's records to the children of a label
// combination found by array index, without hashing label strings.
type (
	voiceType   uint8 // index into voiceTypeNames
	callStatus  uint8 // index into callStatusNames
	keypress    uint8 // index into keypressNames
	sipClass    uint8 // index into sipClassNames
	termination uint8 // index into terminationNames
)

var (
	// LAAFFIC `type`: 1..4 are their own index; any other value (or none) is other.
	voiceTypeNames = [...]string{receiver.ValueOther, "group_call", "verification_code", "handset_call", "handset_direct_dial"}
	// LAAFFIC `callStatus`: 10, 20 .. 50 are index 1..5, 60 and unlisted
	// codes are other; null or absent (records before 2025-12-10) is unknown.
	callStatusNames = [...]string{receiver.ValueUnknown, "busy", "no_answer", "not_connected", "voicemail", "connected", receiver.ValueOther}
	// feedbackValue: none, other, then the DTMF keys.
	keypressNames = [...]string{receiver.ValueNone, receiver.ValueOther, "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"}
	// sipCode: none, other, then the classes 1xx..6xx.
	sipClassNames    = [...]string{receiver.ValueNone, receiver.ValueOther, "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"}
	terminationNames = [...]string{receiver.ValueUnknown, "success", "failure"}
)

const (
	callStatusOther = callStatus(len(callStatusNames) - 1)
	keypressOther   = keypress(1)
	sipClassOther   = sipClass(1)
	terminationOK   = termination(1)
	terminationFail = termination(2)
)

func (v voiceType) String() string   { return voiceTypeNames[v] }
func (v callStatus) String() string  { return callStatusNames[v] }
func (v keypress) String() string    { return keypressNames[v] }
func (v sipClass) String() string    { return sipClassNames[v] }
func (v termination) String() string { return terminationNames[v] }

// smallInt is n as an integer in [lo, hi], if it is one.
func smallInt(n jsonscan.Num, lo, hi int) (int, bool) {
	if n.St != jsonscan.OK || n.V < float64(lo) || n.V > float64(hi) || n.V != float64(int(n.V)) {
		return 0, false
	}
	return int(n.V), true
}

// laafficVoiceType maps `type`.
func laafficVoiceType(n jsonscan.Num) voiceType {
	if i, ok := smallInt(n, 1, len(voiceTypeNames)-1); ok {
		return voiceType(i)
	}
	return 0
}

// laafficCallStatus maps `callStatus`.
func laafficCallStatus(n jsonscan.Num) callStatus {
	if n.St != jsonscan.OK {
		return 0
	}
	if i, ok := smallInt(n, 10, 50); ok && i%10 == 0 {
		return callStatus(i / 10)
	}
	return callStatusOther
}

// laafficKey maps feedbackValue: "-1" or empty → none, one DTMF key → itself.
func laafficKey(b []byte) keypress {
	b = jsonscan.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "-1":
		return 0
	case len(b) != 1:
		return keypressOther
	case b[0] >= '0' && b[0] <= '9':
		return keypress(2 + b[0] - '0')
	case b[0] == '*':
		return 12
	case b[0] == '#':
		return 13
	}
	return keypressOther
}

// laafficSIPClass maps a SIP status code to its class ("486" → 4xx).
func laafficSIPClass(b []byte) sipClass {
	b = jsonscan.TrimSpace(b)
	if len(b) == 0 {
		return 0
	}
	if len(b) == 3 && b[0] >= '1' && b[0] <= '6' &&
		b[1] >= '0' && b[1] <= '9' && b[2] >= '0' && b[2] <= '9' {
		return sipClass(1 + b[0] - '0')
	}
	return sipClassOther
}

// laafficTermination: the docs disagree whether success is "0" or SIP "200";
// both count as success.
func laafficTermination(b []byte) termination {
	switch string(jsonscan.TrimSpace(b)) {
	case "":
		return 0
	case "0", "200":
		return terminationOK
	}
	return terminationFail
}

// laafficCountry is the part of `code` before "(": "India(Karnataka)" → "India".
func laafficCountry(code []byte) []byte {
	if i := bytes.IndexByte(code, '('); i >= 0 {
		code = code[:i]
	}
	return jsonscan.TrimSpace(code)
}

// laafficHangupReasons names call-centre `hangupReason` 0..9.
var laafficHangupReasons = [...]string{
	"outbound_not_answered",     // 0
	"outbound_hung_up",          // 1
	"transfer_rang_hung_up",     // 2: the transfer rang, then hung up (agent did not answer)
	"transfer_answered_hung_up", // 3: the transfer was answered, then hung up
	"call_error",                // 4
	"no_service",                // 5: callee operator has no service
	"out_of_area",               // 6: callee out of service area
	"busy",                      // 7
	"inbound_not_answered",      // 8
	"inbound_hung_up",           // 9
}

func laafficHangupReason(n jsonscan.Num) string {
	if n.St == jsonscan.OK && n.V >= 0 && n.V < float64(len(laafficHangupReasons)) && n.V == float64(int(n.V)) {
		return laafficHangupReasons[int(n.V)]
	}
	return receiver.ValueOther
}

// laafficCenterOutcome folds a hangup reason into whether a person
// answered: the `outcome` of the per-agent-group family.
func laafficCenterOutcome(reason string) string {
	switch reason {
	case "outbound_hung_up", "transfer_answered_hung_up", "inbound_hung_up":
		return "answered"
	case "outbound_not_answered", "transfer_rang_hung_up", "inbound_not_answered":
		return "not_answered"
	case "call_error", "no_service", "out_of_area", "busy":
		return "failed"
	}
	return receiver.ValueOther
}
