package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"airudder_exporter/internal/jsonscan/jsonscantest"
	"airudder_exporter/internal/testkit"
)

// readerAccepts reports whether Reader takes b as one JSON value.
func readerAccepts(b []byte) bool {
	var r Reader
	r.Reset(b)
	r.Skip()
	r.End()
	return r.err == nil
}

var jsonCorpus = []string{
	`{}`, `[]`, `0`, `-0`, `1.5e+10`, `-1E-2`, `"a"`, `true`, `false`, `null`, ` {"a" : [1, 2, {"b": null}] } `,
	`"\u00e9\n\"\\\/\b\f\r\t"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00x"`, `"\ud83d\u0041"`,
	`{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a"}`, `{"a":}`, `{1:2}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
	`"abc`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\tb\"", `tru`, `nulll`, `[1 2]`, `{"a":1 "b":2}`, `"a"b`,
	`{"a":1}}`, `[[[]]]`, `[`, `]`, ``, ` `, "\"\xff\xfe\"", `1 2`, `{"a":"b"`, `NaN`, `Infinity`,
	strings.Repeat("[", 100) + strings.Repeat("]", 100),
}

func TestReaderMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonCorpus {
		if got, want := readerAccepts([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%q: reader accepts %v, encoding/json %v", s, got, want)
		}
	}
}

func TestReaderNestingLimit(t *testing.T) {
	deep := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if readerAccepts([]byte(deep)) {
		t.Error("nesting beyond MaxDepth must be refused")
	}
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	if !readerAccepts([]byte(ok)) {
		t.Error("nesting up to MaxDepth must be accepted")
	}
	// Deep bodies are refused without recursion trouble.
	huge := strings.Repeat(`{"a":[`, 100000)
	if readerAccepts([]byte(`{"x":` + huge)) {
		t.Error("expected an error")
	}
}

func TestReaderStrings(t *testing.T) {
	for _, s := range []string{`"plain"`, `"\u00e9\n\"\\\/\b\f\r\t"`, `"\ud83d\ude00"`, `"\ud83d"`,
		`"\ud83dx"`, `"\ude00"`, `"\ud83d\u0041"`, `"a\u0000b"`, `""`} {
		var want string
		if err := json.Unmarshal([]byte(s), &want); err != nil {
			t.Fatal(s, err)
		}
		var r Reader
		r.Reset([]byte(s))
		got := r.str()
		if r.err != nil || string(got) != want {
			t.Errorf("%s: got %q (%v), want %q", s, got, r.err, want)
		}
	}
}

// FuzzJSONReader checks the reader against encoding/json: same verdict on
// validity, same string contents, never a panic.
func FuzzJSONReader(f *testing.F) {
	for _, s := range jsonCorpus {
		f.Add([]byte(s))
	}
	f.Add(testkit.ReadFile(f, "testdata", "airudder-call-webhook.json"))
	f.Add(testkit.ReadFile(f, "testdata", "laaffic-ivr-push.json"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, want := readerAccepts(b), json.Valid(b)
		if got != want {
			// encoding/json nests without limit; the reader stops at MaxDepth.
			if !(want && !got && jsonscantest.Depth(b) > MaxDepth) {
				t.Fatalf("%q: reader accepts %v, encoding/json %v", b, got, want)
			}
		}
		if got && len(b) > 0 && b[0] == '"' && utf8.Valid(b) {
			var s string
			if err := json.Unmarshal(b, &s); err == nil {
				var r Reader
				r.Reset(b)
				if v := r.str(); string(v) != s {
					t.Fatalf("%q: reader %q, encoding/json %q", b, v, s)
				}
			}
		}
	})
}

// Only decimal numbers in JSON syntax are numbers: Go's extra syntax, which
// strconv accepts, never is.
func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0", 0, true}, {"12", 12, true}, {"-3", -3, true}, {"007", 7, true},
		{"0.007875", 0.007875, true}, {"-1.5", -1.5, true}, {"1.2793", 1.2793, true}, {"0.1", 0.1, true},
		{"123456789012.345", 123456789012.345, true}, {"1234567890123.4567", 1234567890123.4567, true},
		{"-0.0", 0, true}, {"00.50", 0.5, true}, {"1.2.3", 0, false}, {"-.5", 0, false}, {"1-2", 0, false}, {"123456789012345678", 123456789012345678, true},
		{"1670939112097", 1670939112097, true}, {"12345678", 12345678, true}, {"-87654321.1234567", -87654321.1234567, true},
		{"123456789012345", 123456789012345, true}, {"1234567890123456", 1234567890123456, true}, {"1234567a", 0, false}, {"12345678:", 0, false},
		{"1234", 1234, true}, {"123456789012", 123456789012, true}, {"0.1234", 0.1234, true}, {"1234.5678", 1234.5678, true},
		{"123a", 0, false}, {"12:4", 0, false}, {"9999.0099", 9999.0099, true},
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

// A text of white space alone is not set: texts are used trimmed, and a
// blank id would make every record carrying one the same record.
func TestTextSet(t *testing.T) {
	for _, c := range []struct {
		f    Text
		want bool
	}{
		{Text{B: []byte("a"), St: OK}, true},
		{Text{B: []byte(" a\t"), St: OK}, true},
		{Text{B: []byte("0"), St: OK}, true},
		{Text{B: []byte(""), St: OK}, false},
		{Text{B: []byte(" "), St: OK}, false},
		{Text{B: []byte("\t\r\n\v\f "), St: OK}, false},
		{Text{B: []byte("\u00a0\u0085"), St: OK}, false},
		{Text{B: []byte("\x00"), St: OK}, true},
		{Text{B: []byte("a"), St: Null}, false},
		{Text{B: []byte("a"), St: BadType}, false},
		{Text{St: Absent}, false},
	} {
		if got := c.f.Set(); got != c.want {
			t.Errorf("%q (state %d): Set() = %v, want %v", c.f.B, c.f.St, got, c.want)
		}
	}
}

// The word-at-a-time test flags the first special byte of the word
// exactly, whatever the other bytes are, and flags nothing in a word
// without one.
func TestStringSpecial(t *testing.T) {
	for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, ' ', '!', '#', '[', ']', '"', 0} {
		for pos := 0; pos < 8; pos++ {
			for c := 0; c < 256; c++ {
				var w [8]byte
				for i := range w {
					w[i] = fill
				}
				w[pos] = byte(c)
				first := -1
				for i, b := range w {
					if strSpecial[b] {
						first = i
						break
					}
				}
				m := stringSpecial(binary.LittleEndian.Uint64(w[:]))
				got := -1
				if m != 0 {
					got = bits.TrailingZeros64(m) >> 3
				}
				if got != first {
					t.Fatalf("stringSpecial(%q) flags byte %d first, want %d", w, got, first)
				}
			}
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

// KeyIs takes exactly the key Key would read, when it is the name written
// without escapes, and leaves the reader where Key does; otherwise it reads
// nothing.
func TestKeyIs(t *testing.T) {
	for _, c := range []struct {
		obj, name string
		want      bool
	}{
		{`{"type":1}`, "type", true},
		{`{ "type" : 1}`, "type", true},
		{`{"typeX":1}`, "type", false},
		{`{"typ":1}`, "type", false},
		{`{"ty\u0070e":1}`, "type", false}, // escaped: Key reads it
		{`{"type"`, "type", true},          // then the missing ':' is an error
		{`{"":1}`, "", true},
		{`{"a":1}`, "", false},
		{`{"aiAgentChargedDuration":1}`, "aiAgentChargedDuration", true},
		{`{"aiAgentChargedDurationX":1}`, "aiAgentChargedDuration", false},
		{`{"aiAgentChargedDuratio":1}`, "aiAgentChargedDuration", false},
		{`{"aiAgentChargedDuration"`, "aiAgentChargedDuration", true},
		{`{"aiAgentChargedDurat`, "aiAgentChargedDuration", false},
		{`{"ab"`, "ab", true},
		{`{"ab`, "ab", false},
		{`{"abcdef":1}`, "abcdef", true},
		{`{"abcdefghijklmn":1}`, "abcdefghijklmn", true},
		{`{"abcdefghijklmo":1}`, "abcdefghijklmn", false},
		{`{"abcdefghijklmn":1}`, "abcdefghijklm", false},
		{`{"abcdefghijklmnopqrstuvwxyz":1}`, "abcdefghijklmnopqrstuvwxyz", true},
		{`{"abcdefghijklmnopqrstuvwxyZ":1}`, "abcdefghijklmnopqrstuvwxyz", false},
		{`{"abcdefg":1}`, "abcdef", false},
	} {
		var r, k Reader
		r.Reset([]byte(c.obj))
		k.Reset([]byte(c.obj))
		r.Open()
		k.Open()
		at := r.i
		key := NewKey(c.name)
		got := r.KeyIs(&key)
		if got != c.want {
			t.Errorf("%s: KeyIs(%q) = %v, want %v", c.obj, c.name, got, c.want)
			continue
		}
		if !got {
			if r.i != at || r.err != nil {
				t.Errorf("%s: KeyIs(%q) moved the reader or failed: %d %v", c.obj, c.name, r.i, r.err)
			}
			continue
		}
		name := k.Key()
		if (k.err == nil && string(name) != c.name) || r.i != k.i || (r.err == nil) != (k.err == nil) {
			t.Errorf("%s: KeyIs at %d (%v), Key %q at %d (%v)", c.obj, r.i, r.err, name, k.i, k.err)
		}
	}
}
