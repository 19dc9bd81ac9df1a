package receiver

import (
	"bytes"
	"strings"
)

// LAAFFIC closed label sets and the mappings of vendor values onto them
// (unknown values become "other"), used by the LAAFFIC decoders.

var laafficCurrencies = []string{"USD", "EUR"}

// Exemplar label name on the LAAFFIC duration histogram.
const laafficIDLabel = "voice_id"

// LAAFFIC `type`.
func laafficType(n flexNum) string {
	if n.st != fOK {
		return valOther
	}
	switch n.v {
	case 1:
		return "group_call"
	case 2:
		return "verification_code"
	case 3:
		return "handset_call"
	case 4:
		return "handset_direct_dial"
	}
	return valOther
}

// LAAFFIC `callStatus`: null or absent for records before 2025-12-10.
func laafficCallStatus(n flexNum) string {
	if n.st != fOK {
		return valUnknown
	}
	switch n.v {
	case 10:
		return "busy"
	case 20:
		return "no_answer"
	case 30:
		return "not_connected"
	case 40:
		return "voicemail"
	case 50:
		return "connected"
	case 60:
		return "other"
	}
	return valOther
}

// laafficCurrency: empty means USD (the docs: currency is only set for
// non-USD quotes).
func laafficCurrency(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return "USD"
	}
	return oneOf(v, laafficCurrencies)
}

// laafficKey maps feedbackValue: "-1" or empty → none, one DTMF key → itself.
var dtmfKeys = [...]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"}

func laafficKey(v string) string {
	v = strings.TrimSpace(v)
	if v == "" || v == "-1" {
		return valNone
	}
	for _, k := range dtmfKeys {
		if v == k {
			return k
		}
	}
	return valOther
}

var sipClasses = [...]string{"", "1xx", "2xx", "3xx", "4xx", "5xx", "6xx"}

// laafficSIPClass maps a SIP status code to its class ("486" → "4xx").
func laafficSIPClass(v string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return valNone
	}
	if len(v) == 3 && v[0] >= '1' && v[0] <= '6' &&
		v[1] >= '0' && v[1] <= '9' && v[2] >= '0' && v[2] <= '9' {
		return sipClasses[v[0]-'0']
	}
	return valOther
}

// laafficTermination: the docs disagree whether success is "0" or SIP "200";
// both count as success.
func laafficTermination(v string) string {
	switch strings.TrimSpace(v) {
	case "":
		return valUnknown
	case "0", "200":
		return "success"
	}
	return "failure"
}

// laafficCountry is the part of `code` before "(": "India(Karnataka)" → "India".
func laafficCountry(code []byte) []byte {
	if i := bytes.IndexByte(code, '('); i >= 0 {
		code = code[:i]
	}
	return bytes.TrimSpace(code)
}
