package receiver

import (
	"bytes"
	"errors"
	"fmt"

	"airudder_exporter/internal/jsonscan"
)

// Validation helpers shared by the vendors' decoders.

// Body-level errors: the request is answered 400 with this text.
var (
	ErrEmptyBody       = errors.New("empty body")
	ErrNotJSON         = errors.New("body is not valid JSON")
	ErrNotObject       = errors.New("body must be a JSON object")
	ErrNotObjectOrList = errors.New("body must be a JSON object or array")
	// ErrTooDeep: the body nests the objects and arrays a decoder reads
	// (not those it skips, which may nest to any depth) past
	// jsonscan.MaxDepth. The body may be valid JSON, so it is not refused
	// as ErrNotJSON: the vendor is told what to change.
	ErrTooDeep = fmt.Errorf("body nests the values read more than %d levels deep", jsonscan.MaxDepth)
)

// BodyError is the error a body is refused with once r has read it: nil
// when r met no error, ErrTooDeep when it stopped at its nesting limit,
// else ErrNotJSON. r's own error, which quotes an offset, is not answered.
func BodyError(r *jsonscan.Reader) error {
	switch err := r.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, jsonscan.ErrTooDeep):
		return ErrTooDeep
	}
	return ErrNotJSON
}

// MaxCallSeconds bounds durations and ring times: a longer call is taken
// as garbage rather than a call.
const MaxCallSeconds = 24 * 3600

// CheckNum validates an optional number against [0, max].
func CheckNum(n jsonscan.Num, max float64) InvalidReason {
	switch n.St {
	case jsonscan.BadType:
		return ReasonBadType
	case jsonscan.BadNumber:
		return ReasonBadNumber
	case jsonscan.OK:
		if n.V < 0 {
			return ReasonNegativeValue
		}
		if n.V > max {
			return ReasonAbsurdValue
		}
	}
	return ""
}

// Opt is n as an optional value: set only when n held a usable number.
func Opt(n jsonscan.Num) OptFloat { return OptFloat{V: n.V, OK: n.St == jsonscan.OK} }

// FirstReason returns the first non-empty reason.
func FirstReason(rs ...InvalidReason) InvalidReason {
	for _, r := range rs {
		if r != "" {
			return r
		}
	}
	return ""
}

// Trimmed is the text of f without surrounding white space.
func Trimmed(f jsonscan.Text) []byte { return bytes.TrimSpace(f.B) }
