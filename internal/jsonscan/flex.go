// Package jsonscan reads the JSON of vendor webhooks in one pass without
// reflection (Reader), into field types that take the vendors' loose typing
// (Num, Text).
package jsonscan

import (
	"math"
	"strconv"
)

// The vendors are loose with types: numbers arrive as JSON numbers or as
// numeric strings ("12", money as "0.007875"), ids as ints or strings, and
// optional fields as null, "" or not at all. These field types take all of
// that without failing the body: each remembers what it saw (Reader.ReadNum and
// Reader.ReadString fill them), and per-record validation turns a bad
// field into an invalid-record reason.

// State records what a flexible field held.
type State uint8

const (
	Absent    State = iota // key not sent
	Null                   // null (or, for numbers, "")
	OK                     // a usable value
	BadNumber              // a string that is not a finite number
	BadType                // wrong JSON type (object, array, bool ...)
)

// Num is a number given as a JSON number or a numeric string.
type Num struct {
	V  float64
	St State
}

// Text is a string, or a JSON number taken as its text. B aliases
// the request body (or the reader's scratch): copy what must be kept.
type Text struct {
	B  []byte
	St State
}

// Set reports whether the field holds a non-empty value.
func (f *Text) Set() bool { return f.St == OK && len(f.B) > 0 }

// ParseNumber parses a decimal number. Plain integers (the common case:
// durations, timestamps) take a loop without strconv; NaN and ±Inf, which
// strconv accepts in strings, are refused.
func ParseNumber(s []byte) (float64, bool) {
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
