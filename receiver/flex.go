package receiver

import (
	"math"
	"strconv"
)

// The vendors are loose with types: numbers arrive as JSON numbers or as
// numeric strings ("12", money as "0.007875"), ids as ints or strings, and
// optional fields as null, "" or not at all. These field types take all of
// that without failing the body: each remembers what it saw (jreader's
// readNum / readString fill them), and per-record validation turns a bad
// field into an invalid-record reason.

// fieldState records what a flexible field held.
type fieldState uint8

const (
	fAbsent    fieldState = iota // key not sent
	fNull                        // null (or, for numbers, "")
	fOK                          // a usable value
	fBadNumber                   // a string that is not a finite number
	fBadType                     // wrong JSON type (object, array, bool ...)
)

// flexNum is a number given as a JSON number or a numeric string.
type flexNum struct {
	v  float64
	st fieldState
}

// flexString is a string, or a JSON number taken as its text. b aliases
// the request body (or the reader's scratch): copy what must be kept.
type flexString struct {
	b  []byte
	st fieldState
}

// set reports whether the field holds a non-empty value.
func (f *flexString) set() bool { return f.st == fOK && len(f.b) > 0 }

// parseNumber parses a decimal number. Plain integers (the common case:
// durations, timestamps) take a loop without strconv; NaN and ±Inf, which
// strconv accepts in strings, are refused.
func parseNumber(s []byte) (float64, bool) {
	if len(s) > 0 && len(s) <= 15 {
		neg, i := false, 0
		if s[0] == '-' {
			neg, i = true, 1
		}
		if i < len(s) {
			var v int64
			for ; i < len(s); i++ {
				c := s[i]
				if c < '0' || c > '9' {
					break
				}
				v = v*10 + int64(c-'0')
			}
			if i == len(s) {
				if neg {
					v = -v
				}
				return float64(v), true
			}
		}
	}
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}
