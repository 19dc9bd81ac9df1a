package receiver

import (
	"bytes"
	"errors"
)

// Validation helpers shared by both decoders.

// Body-level errors: the request is answered 400 with this text.
var (
	errEmptyBody       = errors.New("empty body")
	errNotJSON         = errors.New("body is not valid JSON")
	errNotObject       = errors.New("body must be a JSON object")
	errNotObjectOrList = errors.New("body must be a JSON object or array")
	errDetailsNotArray = errors.New("details must be an array")
)

// checkNum validates an optional number against [0, max].
func checkNum(n flexNum, max float64) InvalidReason {
	switch n.st {
	case fBadType:
		return ReasonBadType
	case fBadNumber:
		return ReasonBadNumber
	case fOK:
		if n.v < 0 {
			return ReasonNegativeValue
		}
		if n.v > max {
			return ReasonAbsurdValue
		}
	}
	return ""
}

func opt(n flexNum) OptFloat { return OptFloat{V: n.v, OK: n.st == fOK} }

// firstReason returns the first non-empty reason.
func firstReason(rs ...InvalidReason) InvalidReason {
	for _, r := range rs {
		if r != "" {
			return r
		}
	}
	return ""
}

func trimmed(f flexString) []byte { return bytes.TrimSpace(f.b) }
