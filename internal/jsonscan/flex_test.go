package jsonscan

import (
	"strconv"
	"testing"
)

// Only decimal numbers in JSON syntax are numbers: Go's extra syntax, which
// strconv accepts, never is.
func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"12", 12, true}, {"-3", -3, true}, {"007", 7, true},
		{"0.007875", 0.007875, true}, {"-1.5", -1.5, true}, {"123456789012345678", 123456789012345678, true},
		{"1e5", 1e5, true}, {"7.875E-06", 7.875e-06, true}, {"2e+3", 2000, true},
		{"0x1p4", 0, false}, {"0x10", 0, false}, {"1_0", 0, false}, {"1_000.5", 0, false},
		{"Inf", 0, false}, {"+Inf", 0, false}, {"-Inf", 0, false}, {"infinity", 0, false}, {"NaN", 0, false}, {"nan", 0, false},
		{"+5", 0, false}, {".5", 0, false}, {"5.", 0, false}, {"1e", 0, false}, {"1e+", 0, false}, {"-", 0, false},
		{"", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"0b101", 0, false}, {"0o17", 0, false}, {"1e400", 0, false},
	} {
		got, ok := ParseNumber([]byte(c.in))
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// Whatever ParseNumber accepts is a decimal strconv reads to the same
// value, and has no character outside JSON number syntax.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-12.5e3", "0x1p4", "1_0", "NaN", "+Inf", "007", "1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := ParseNumber([]byte(s))
		if !ok {
			return
		}
		for _, c := range s {
			if !(c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
				t.Fatalf("ParseNumber(%q) accepted %q", s, c)
			}
		}
		if w, err := strconv.ParseFloat(s, 64); err != nil || w != v {
			t.Fatalf("ParseNumber(%q) = %v, strconv says %v, %v", s, v, w, err)
		}
	})
}
