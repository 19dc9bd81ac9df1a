// Package jsonscan reads the JSON of vendor webhooks in one pass without
// reflection (Reader), into field types that take the vendors' loose typing
// (Num, Text).
package jsonscan

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
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

// Set reports whether the field holds something besides white space
// (as bytes.TrimSpace sees it). Texts are used trimmed, so a value of
// blanks alone is no value: taken as an id, every record carrying one
// would share one dedup key.
func (f *Text) Set() bool { return f.St == OK && len(TrimSpace(f.B)) > 0 }

// TrimSpace is bytes.TrimSpace, without its call for the common value that
// begins and ends with a printable ASCII byte: nothing to trim (white space
// is ASCII below '!' or, in UTF-8, starts and ends with bytes above 0x7f).
func TrimSpace(b []byte) []byte {
	if len(b) > 0 && max(b[0]-'!', b[len(b)-1]-'!') < 0x7f-'!' {
		return b
	}
	return bytes.TrimSpace(b)
}

// ParseNumber parses a decimal number in JSON number syntax, with or
// without the quotes: an optional minus, digits, an optional fraction and
// an optional exponent ("1e5", "7.875E-06": JSON allows them, and some
// encoders write small amounts so). Leading zeros ("007") are tolerated.
// What strconv accepts beyond that is Go syntax, never a vendor's number,
// and is refused: hex ("0x1p4"), underscores ("1_0"), a plus sign, NaN
// and infinities; so is a value beyond float64's range. Plain integers
// (durations, timestamps) and short plain decimals (money: "0.007875")
// take a loop without strconv.
func ParseNumber(s []byte) (float64, bool) {
	if v, ok := parseShortDecimal(s); ok {
		return v, true
	}
	if !isDecimal(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

// exactPowersOfTen are the powers of ten parseShortDecimal divides by.
var exactPowersOfTen = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseShortDecimal reads -?digits(.digits)? with at most 15 digits; ok is
// false for anything else (ParseNumber's general path takes it). The
// digits as an integer and the power of ten are both exact in a float64
// (below 2^53), so the one IEEE division is correctly rounded: the same
// value strconv returns.
func parseShortDecimal(s []byte) (float64, bool) {
	if len(s) == 0 || len(s) > 17 {
		return 0, false
	}
	i := 0
	neg := s[0] == '-'
	if neg {
		i = 1
	}
	v, j := digitRun(0, s, i)
	if j == i {
		return 0, false
	}
	digits, frac := j-i, 0
	if j < len(s) {
		if s[j] != '.' {
			return 0, false
		}
		var k int
		v, k = digitRun(v, s, j+1)
		if frac = k - (j + 1); frac == 0 || k != len(s) {
			return 0, false
		}
		digits += frac
	}
	if digits > 15 {
		return 0, false
	}
	return shortDecimal(v, frac, neg), true
}

// shortDecimal is the value of a number of at most 15 digits, v, of which
// frac are after the decimal point, negative if neg.
func shortDecimal(v uint64, frac int, neg bool) float64 {
	f := float64(v)
	if frac > 0 {
		f /= exactPowersOfTen[frac]
	}
	if neg {
		// "-0" is 0, as its integer value; "-0.0" is -0, as strconv reads it.
		if frac == 0 {
			return float64(-int64(v))
		}
		f = -f
	}
	return f
}

// digitRun reads the decimal digits of s from i on into v (v*10 + digit
// each; it wraps past 19 digits, which callers refuse by count) and returns
// v and the index after the last digit. Runs of eight are read as one word.
func digitRun(v uint64, s []byte, i int) (uint64, int) {
	for long := false; i+8 <= len(s); long = true {
		w := binary.LittleEndian.Uint64(s[i:])
		if nd := nonDigits(w); nd != 0 {
			if long {
				// The rest of a long run (an epoch-milliseconds time's
				// last five digits) is valued in one go too: its n
				// digits as the last of eight, behind '0's (a shift by
				// 64 is 0). A short run takes the loop below, cheaper
				// for a digit or two.
				n := bits.TrailingZeros64(nd) >> 3
				return v*smallPowersOfTen[n] + eightDigitsValue(w<<(64-8*n)|allZeros>>(8*n)), i + n
			}
			break
		}
		v = v*1e8 + eightDigitsValue(w)
		i += 8
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + uint64(s[i]-'0')
	}
	return v, i
}

// allZeros is eight ASCII '0's.
const allZeros = 0x3030303030303030

// smallPowersOfTen are 10^0 .. 10^7 as integers.
var smallPowersOfTen = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7}

// nonDigits flags, with bits of its byte, the bytes of w that are no ASCII
// digit: a digit's high nibble is 3, and stays 3 once 6 is added (0x3a..0x3f
// carry into 4). Only a byte the first test flags already (0xfa and up) can
// carry out of itself, into a byte above it, so the lowest flagged byte is
// always the first non-digit.
func nonDigits(w uint64) uint64 {
	const hi = 0xf0f0f0f0f0f0f0f0
	return (w&hi ^ allZeros) | ((w+0x0606060606060606)&hi ^ allZeros)
}

// eightDigitsValue is the value of eight ASCII digits, the first in the
// low byte of w: pairs, then quads, then the whole, by multiply-and-shift
// (the SWAR method of simdjson and fast_float).
func eightDigitsValue(w uint64) uint64 {
	const mask = 0x000000ff000000ff
	const mul1 = 100 + 1000000<<32
	const mul2 = 1 + 10000<<32
	w -= 0x3030303030303030
	w = w*10 + w>>8
	return ((w&mask)*mul1 + (w>>16&mask)*mul2) >> 32
}

// isDecimal reports whether s is -?digits(.digits)?([eE][+-]?digits)?.
func isDecimal(s []byte) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i = skipDigits(s, i); i < 0 {
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i = skipDigits(s, i+1); i < 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i = skipDigits(s, i); i < 0 {
			return false
		}
	}
	return i == len(s)
}

// skipDigits returns the index after the digits starting at i, or -1 when
// there is none.
func skipDigits(s []byte, i int) int {
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
