package jsonscan

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"airudder_exporter/internal/jsonscan/jsonscantest"
	"airudder_exporter/internal/testkit"
)

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
		if got, want := Valid([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("%q: reader accepts %v, encoding/json %v", s, got, want)
		}
	}
}

// The containers a decoder opens itself (Open) are limited to MaxDepth;
// a value it skips is not, whatever lies around it.
func TestReaderNestingLimit(t *testing.T) {
	deep := []byte(strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1))
	var r Reader
	r.Reset(deep)
	for range MaxDepth {
		r.Open()
	}
	if r.Err() != nil {
		t.Fatalf("opening MaxDepth containers: %v", r.Err())
	}
	if r.Open(); !errors.Is(r.Err(), ErrTooDeep) || errors.Is(r.Err(), errSyntax) {
		t.Errorf("opening more than MaxDepth containers: %v, want an error of ErrTooDeep alone", r.Err())
	}
	if !Valid(deep) {
		t.Error("a skipped value nested beyond MaxDepth must be accepted")
	}
	// A deep value skipped inside containers a decoder opened leaves
	// their depth as it was: they close, and MaxDepth more open after.
	body := `[[[` + strings.Repeat(`{"a":[`, 10000) + `1` + strings.Repeat(`]}`, 10000) + `]]]` +
		strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	r.Reset([]byte(body))
	for range 3 {
		r.Open()
	}
	r.Skip()
	for range 3 {
		if first := false; r.More(']', &first) {
			t.Fatal("expected the closing bracket")
		}
	}
	for range MaxDepth {
		r.Open()
	}
	for range MaxDepth {
		first := true
		r.More(']', &first)
	}
	if r.End(); r.Err() != nil {
		t.Errorf("containers around a deep skipped value: %v", r.Err())
	}
	// Deep bodies that end early are refused, without recursion, as
	// broken, not as too deep.
	huge := strings.Repeat(`{"a":[`, 100000)
	r.Reset([]byte(`{"x":` + huge))
	if r.Skip(); !errors.Is(r.Err(), errSyntax) || errors.Is(r.Err(), ErrTooDeep) {
		t.Errorf("unterminated deep body: %v", r.Err())
	}
}

// A pooled reader keeps the stack of a value nested like a real body's at
// most, not the one a hostile body grew.
func TestReleaseDropsAGrownStack(t *testing.T) {
	for _, c := range []struct {
		depth int
		kept  bool
	}{{1000, true}, {100000, false}} {
		var r Reader
		r.Reset([]byte(strings.Repeat("[", c.depth) + strings.Repeat("]", c.depth)))
		r.Skip()
		if r.End(); r.Err() != nil || cap(r.stack) == 0 {
			t.Fatalf("depth %d: %v, stack of %d words", c.depth, r.Err(), cap(r.stack))
		}
		if r.Release(); (r.stack != nil) != c.kept {
			t.Errorf("depth %d: stack of %d words kept after Release", c.depth, cap(r.stack))
		}
	}
}

// A pooled reader keeps the unescaped strings of a real body at most, not
// what a body of escaped strings grew.
func TestReleaseDropsAGrownScratch(t *testing.T) {
	for _, c := range []struct {
		strings int
		kept    bool
	}{{100, true}, {20000, false}} {
		var r Reader
		body := "[" + strings.TrimSuffix(strings.Repeat(`"a\u00e9bcdefghij",`, c.strings), ",") + "]"
		r.Reset([]byte(body))
		r.Open()
		for first := true; r.More(']', &first); {
			var f Text
			r.ReadString(&f)
		}
		if r.End(); r.Err() != nil || cap(r.scratch) == 0 {
			t.Fatalf("%d strings: %v, scratch of %d bytes", c.strings, r.Err(), cap(r.scratch))
		}
		if r.Release(); (r.scratch != nil) != c.kept {
			t.Errorf("%d strings: scratch of %d bytes kept after Release", c.strings, cap(r.scratch))
		}
	}
}

// skipBody is b as the value of a key, with a member after it.
func skipBody(b []byte) []byte {
	return append(append([]byte(`{"skip":`), b...), `,"n":7}`...)
}

// skipAccepts reports whether Reader, skipping b as the value of a key the
// decoder does not use and reading on after it, takes the body built
// around b: the skip must end exactly where the value does.
func skipAccepts(b []byte) bool {
	var r Reader
	r.Reset(skipBody(b))
	r.Open()
	var n Num
	for first := true; r.More('}', &first); {
		if string(r.Key()) == "skip" {
			r.Skip()
		} else {
			r.ReadNum(&n)
		}
	}
	r.End()
	return r.err == nil && n == Num{V: 7, St: OK}
}

// skipCorpus is hand-written values a skip must judge as encoding/json
// does: mismatched and missing brackets, trailing and doubled commas,
// missing colons, keys that are not strings, bad literals, numbers and
// strings.
var skipCorpus = []string{
	`[}`, `{]`, `[1}`, `{"a":1]`, `[{"a":1]`, `[{"a":1}}`, `{"a":[1}}`, `[[]`, `[]]`, `[[]]]`, `{}}`, `{{}}`,
	`[1,]`, `{"a":1,}`, `[1,,2]`, `[,]`, `{,"a":1}`, `[1 2]`, `{"a":1 "b":2}`, `{"a":1,"b"}`,
	`{"a" 1}`, `{"a"::1}`, `{:1}`, `{"a":}`, `{1:1}`, `{null:1}`, `{"a":1,2:3}`, `{'a':1}`, `{a:1}`,
	`[tru]`, `[nul]`, `[falsey]`, `[01]`, `[1.]`, `[-]`, `[.5]`, `[1e]`, `[+1]`, `[NaN]`, `["\x"]`, `["\u12"]`,
	"[\"a\tb\"]", `["abc]`, `["\"]`, `[""]`, `["\\"]`, `{"\u00e9\"":"\ud83d\ude00"}`, `{"":""}`,
	` [ 1 , { "a" : [ ] } , "x" ] `, "[\n\t{\r\"a\"\n:\t1}\n]", `[`, `{`, `{"a"`, `{"a":`, `[1,`, ``, ` `,
	`{"a":1}x`, `[1]]`, `["a\u0000b", {"\\":[{}]}]`, "[\"\x00\"]", "[1\x00]",
}

// skipCase is a value and whether it is valid JSON.
type skipCase struct {
	s     string
	valid bool
}

// nestCases are values nested d times, valid and broken in the ways a
// nest breaks: brackets of the wrong kind or missing, at the bottom or
// halfway down, trailing commas, missing colons. The depths cross the
// words of the skip's stack.
func nestCases(d int) []skipCase {
	nest := func(open, mid, close string) string {
		return strings.Repeat(open, d) + mid + strings.Repeat(close, d)
	}
	arrays := nest("[", "1", "]")
	halfway := []byte(arrays)
	halfway[d+1+d/2] = '}'
	return []skipCase{
		{nest("[", "", "]"), true},
		{arrays, true},
		{nest(`{"a":`, "1", "}"), true},
		{nest(`{"k":[`, `"v"`, "]}"), true},
		{nest(`[{"":`, "{}", "}]"), true},
		{nest(`[1,`, "2", "]"), true},
		{nest(`{"a":1,"b":`, "2", "}"), true},
		{arrays + "]", false},                            // one closer too many
		{arrays[1:], false},                              // one opener too few
		{arrays[:len(arrays)-1], false},                  // the outermost closer missing
		{nest("[", "1,", "]"), false},                    // a trailing comma at the bottom
		{nest(`{"a":1,"b":`, "2", ",}"), false},          // a trailing comma in every object
		{nest(`{"a"`, "1", "}"), false},                  // no colons
		{nest("[", "1", "}"), false},                     // every closer of the wrong kind
		{nest(`{"a":`, "1", "]"), false},                 //   likewise for objects
		{nest("[", "[}", "]"), false},                    // a mismatch at the bottom
		{string(halfway), false},                         // one closer of the wrong kind halfway up
		{nest("[", "1", "],2"), false},                   // a member after the outermost nest
		{nest(`{"a":`, `{"b"}`, "}"), false},             // a key without a value at the bottom
		{nest("[", `"\u12"`, "]"), false},                // a bad escape at the bottom
		{nest("[", "", "]") + nest("[", "", "]"), false}, // two values
	}
}

// randomJSON appends a random JSON value to b: scalars in every form, and
// arrays and objects, some of them long chains of one-member containers of
// mixed kinds, so the nests cross the words of the skip's stack.
func randomJSON(rng *rand.Rand, b []byte, depth int) []byte {
	blank := func() {
		if rng.IntN(4) == 0 {
			b = append(b, " \t\n\r"[rng.IntN(4)])
		}
	}
	blank()
	switch k := rng.IntN(10); {
	case depth > 6 || k < 4:
		scalars := []string{`0`, `-0`, `12`, `-3.5e+7`, `1E-2`, `0.25`, `true`, `false`, `null`, `""`, `"a"`,
			`"\"\\\/\b\f\n\r\t"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"été"`, `"a,b:[c]{d}"`}
		b = append(b, scalars[rng.IntN(len(scalars))]...)
	case k == 4:
		// A chain of one-member containers.
		n := rng.IntN(300)
		kinds := make([]bool, n) // true: object
		for i := range kinds {
			kinds[i] = rng.IntN(2) == 0
			if kinds[i] {
				b = append(b, `{"k":`...)
			} else {
				b = append(b, '[')
			}
		}
		b = randomJSON(rng, b, depth+1)
		for i := n - 1; i >= 0; i-- {
			b = append(b, "]}"[btoi(kinds[i])])
		}
	case k < 7:
		b = append(b, '[')
		for i := range rng.IntN(4) {
			if i > 0 {
				b = append(b, ',')
			}
			b = randomJSON(rng, b, depth+1)
		}
		blank()
		b = append(b, ']')
	default:
		b = append(b, '{')
		for i := range rng.IntN(4) {
			if i > 0 {
				b = append(b, ',')
			}
			blank()
			b = append(b, `"k`...)
			b = append(b, byte('0'+i))
			b = append(b, '"')
			blank()
			b = append(b, ':')
			b = randomJSON(rng, b, depth+1)
		}
		blank()
		b = append(b, '}')
	}
	blank()
	return b
}

func btoi(v bool) int {
	if v {
		return 1
	}
	return 0
}

// mutate breaks b at a random place the way broken bodies are broken: a
// byte dropped, doubled, replaced or inserted, mostly structural ones.
func mutate(rng *rand.Rand, b []byte) []byte {
	if len(b) == 0 {
		return b
	}
	const bytes = `[]{},:" 0-.eEtnfu\x`
	i := rng.IntN(len(b))
	c := bytes[rng.IntN(len(bytes))]
	switch rng.IntN(4) {
	case 0:
		return append(b[:i:i], b[i+1:]...)
	case 1:
		return append(b[:i+1:i+1], b[i:]...)
	case 2:
		b[i] = c
		return b
	}
	return append(append(b[:i:i], c), b[i:]...)
}

// Skip accepts exactly the values encoding/json's Valid accepts: on
// hand-written values, nests up to encoding/json's own depth limit, and
// many random values, whole and broken.
func TestSkipMatchesEncodingJSON(t *testing.T) {
	// check compares b alone, and as a value skipped among the members of
	// an object, where encoding/json can judge them (jsonscantest).
	check := func(b []byte) {
		t.Helper()
		for _, c := range []struct {
			how    string
			body   []byte
			reader func([]byte) bool
		}{
			{"alone", b, Valid},
			{"as a skipped member", skipBody(b), func([]byte) bool { return skipAccepts(b) }},
		} {
			if jsonscantest.Depth(c.body) > jsonscantest.EncodingJSONMaxDepth {
				continue
			}
			if got, want := c.reader(c.body), json.Valid(c.body); got != want {
				t.Fatalf("%.200q (%d bytes) %s: reader accepts %v, encoding/json %v", b, len(b), c.how, got, want)
			}
		}
	}
	for _, s := range append(jsonCorpus, skipCorpus...) {
		check([]byte(s))
	}
	for _, d := range []int{1, 2, 63, 64, 65, 127, 128, 129, 191, 192, 193, 4095, 4096, 4097, 4999} {
		for _, c := range nestCases(d) {
			if got := json.Valid([]byte(c.s)); got != c.valid {
				t.Fatalf("nest of %d %.100q: encoding/json says %v, the case %v", d, c.s, got, c.valid)
			}
			check([]byte(c.s))
		}
	}
	// Ten thousand levels: encoding/json's limit, alone.
	for _, c := range nestCases(jsonscantest.EncodingJSONMaxDepth) {
		check([]byte(c.s))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		b := randomJSON(rng, nil, 0)
		if !json.Valid(b) {
			t.Fatalf("generated %q is not JSON", b)
		}
		check(b)
		for range 3 {
			b = mutate(rng, b)
			check(b)
		}
	}
}

// Past encoding/json's depth limit, which makes its Valid refuse any
// deeper nest, Skip still accepts exactly the valid nests, as a whole
// body and as a skipped member.
func TestSkipBeyondEncodingJSONDepth(t *testing.T) {
	for _, d := range []int{jsonscantest.EncodingJSONMaxDepth, jsonscantest.EncodingJSONMaxDepth + 1, 100000} {
		for _, c := range nestCases(d) {
			if got := Valid([]byte(c.s)); got != c.valid {
				t.Errorf("nest of %d %.100q: reader accepts %v, want %v", d, c.s, got, c.valid)
			}
			if got := skipAccepts([]byte(c.s)); got != c.valid {
				t.Errorf("nest of %d %.100q as a skipped member: reader accepts %v, want %v", d, c.s, got, c.valid)
			}
		}
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
		got, want := Valid(b), json.Valid(b)
		if got != want {
			// encoding/json refuses nests past its limit; Skip has none.
			if !(got && !want && jsonscantest.Depth(b) > jsonscantest.EncodingJSONMaxDepth) {
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

// TrimSpace trims what bytes.TrimSpace trims, Unicode white space included.
func TestTrimSpace(t *testing.T) {
	edges := []string{"", " ", "\t", "\n", "\v", "\f", "\r", "\u0085", "\u00a0", "\u2000", "\u3000", "\x00",
		"!", "~", "\x7f", "\x80", "\xff", "a", "é", "\ufeff"}
	for _, head := range edges {
		for _, tail := range edges {
			for _, mid := range []string{"", "x", " a b "} {
				b := []byte(head + mid + tail)
				if got, want := TrimSpace(b), bytes.TrimSpace(b); string(got) != string(want) || (got == nil) != (want == nil) {
					t.Errorf("TrimSpace(%q) = %q, bytes.TrimSpace %q", b, got, want)
				}
			}
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

// readNumMatchesParseNumber checks that ReadNum reads s as the plain way
// does: a number literal's text as number reads it, a string's content
// trimmed, each valued by ParseNumber (bit for bit: -0 is not 0), and that
// it stops, and fails, where that way does. s is read as is and quoted.
func readNumMatchesParseNumber(t *testing.T, s string) {
	for _, body := range []string{s, `"` + s + `"`} {
		var r, ref Reader
		r.Reset([]byte(body))
		ref.Reset([]byte(body))
		var n, want Num
		r.ReadNum(&n)
		switch c := ref.Peek(); {
		case c == '"':
			want.St = Null
			if b := bytes.TrimSpace(ref.str()); len(b) > 0 {
				want.St = BadNumber
				if v, ok := ParseNumber(b); ok {
					want = Num{V: v, St: OK}
				}
			}
		case c == '-' || isDigit(c):
			want.St = BadNumber
			if v, ok := ParseNumber(ref.number()); ok {
				want = Num{V: v, St: OK}
			}
		default:
			continue
		}
		if math.Float64bits(n.V) != math.Float64bits(want.V) || n.St != want.St || r.i != ref.i || (r.err == nil) != (ref.err == nil) {
			t.Fatalf("%q: ReadNum %v at %d (%v), the plain way %v at %d (%v)", body, n, r.i, r.err, want, ref.i, ref.err)
		}
	}
}

// readStringNumMatches checks that ReadStringNum reads s as ReadString
// does, and values a number literal as ReadNum does.
func readStringNumMatches(t *testing.T, s string) {
	var r, text, num Reader
	r.Reset([]byte(s))
	text.Reset([]byte(s))
	num.Reset([]byte(s))
	var f, wantF Text
	var n, wantN Num
	r.ReadStringNum(&f, &n)
	text.ReadString(&wantF)
	if c := num.Peek(); c == '-' || isDigit(c) {
		if num.ReadNum(&wantN); num.err != nil {
			wantN = Num{}
		}
	}
	if string(f.B) != string(wantF.B) || (f.B == nil) != (wantF.B == nil) || f.St != wantF.St ||
		math.Float64bits(n.V) != math.Float64bits(wantN.V) || n.St != wantN.St ||
		r.i != text.i || (r.err == nil) != (text.err == nil) {
		t.Fatalf("%q: ReadStringNum %q %v %v at %d (%v); ReadString %q %v at %d (%v), ReadNum %v",
			s, f.B, f.St, n, r.i, r.err, wantF.B, wantF.St, text.i, text.err, wantN)
	}
}

func TestReadNumLiterals(t *testing.T) {
	for _, s := range numberSeeds {
		readNumMatchesParseNumber(t, s)
		readStringNumMatches(t, s)
		readStringNumMatches(t, `"`+s+`"`)
	}
	for _, s := range []string{`null`, `true`, `{"a":1}`, `[1]`, ``, `"a\u0030"`} {
		readStringNumMatches(t, s)
	}
}

var numberSeeds = []string{
	"0", "-12.5e3", "0x1p4", "1_0", "NaN", "+Inf", "007", "1e400",
	"-0", "-0.0", "0.5", "01", "-01", "00.5", "1.", "1.x", "-", "-x", "1e", "1E5", "2.5e-3", "0.5E+1",
	"123456789012345", "1234567890123456", "12345678.1234567", "12345678.12345678", "-999999999999999",
	"0.000000000000001", "0.0000000000000001", "1670939112097", "1670939112097,", "20]", "1.2793}", "1 ",
	"123456789012345678901234567890", "99999999999999999999.5",
	" 1.5", "1.5 ", "", " ", "\\u0031", "1\\u0030", "12\"", "1.5\"x", "-.5", "0.007875", "00.50",
}

// Whatever ParseNumber accepts is a decimal strconv reads to the same
// value, and has no character outside JSON number syntax.
func FuzzParseNumber(f *testing.F) {
	for _, s := range numberSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		readNumMatchesParseNumber(t, s)
		readStringNumMatches(t, s)
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
		// The colon is compared with the key where no blank precedes it,
		// at every place in the words and past them.
		{`{"abcdefghijklm":1}`, "abcdefghijklm", true},
		{`{"abcdefghijklm" :1}`, "abcdefghijklm", true},
		{`{"abcdefghijklm"x1}`, "abcdefghijklm", true}, // then the missing ':' is an error
		{`{"abcdefghijklmn" :1}`, "abcdefghijklmn", true},
		{`{"abcdefghijklmn"`, "abcdefghijklmn", true},
		{`{"aiAgentChargedDuration" : 1}`, "aiAgentChargedDuration", true},
		{`{"aiAgentChargedDuration"x1}`, "aiAgentChargedDuration", true},
		{`{"type"x:1}`, "type", true},
		{`{"type"` + "\n:1}", "type", true},
		{`{"type":1,"a":2}`, "type", true},
		{`{"type":1,"a":2}`, "typ", false},
		{`{"type":1,"a":2}`, "type:", false},
		{`{"typ":1,"a":2}`, "type", false},
		{`{"abcdefghijklm":1,"a":2}`, "abcdefghijklm", true},
		{`{"abcdefghijklm" :1,"a":2}`, "abcdefghijklm", true},
		{`{"abcdefghijklmn":1,"a":2}`, "abcdefghijklmn", true},
		{`{ "type":1,"a":2}`, "type", true},
		// Around the end of the third word (names of 21 bytes fill it
		// with their quotes and colon), with room to read it whole.
		{`{"abcdefghijklmnopq":1,"a":2}`, "abcdefghijklmnopq", true},
		{`{"abcdefghijklmnopQ":1,"a":2}`, "abcdefghijklmnopq", false},
		{`{"abcdefghijklmnopqrstu":1,"a":2}`, "abcdefghijklmnopqrstu", true},
		{`{"abcdefghijklmnopqrstu" :1,"a":2}`, "abcdefghijklmnopqrstu", true},
		{`{"abcdefghijklmnopqrstu"x1,"a":2}`, "abcdefghijklmnopqrstu", true}, // then the missing ':' is an error
		{`{"abcdefghijklmnopqrstU":1,"a":2}`, "abcdefghijklmnopqrstu", false},
		{`{"abcdefghijklmnopqrst":1,"a":2}`, "abcdefghijklmnopqrstu", false},
		{`{"abcdefghijklmnopqrstuv":1,"a":2}`, "abcdefghijklmnopqrstu", false},
		{`{"abcdefghijklmnopqrstuv":1,"a":2}`, "abcdefghijklmnopqrstuv", true},
		{`{"abcdefghijklmnopqrstuv" :1,"a":2}`, "abcdefghijklmnopqrstuv", true},
		{`{"abcdefghijklmnopqrstuV":1,"a":2}`, "abcdefghijklmnopqrstuv", false},
		{`{"abcdefghijklmnopqrstu"`, "abcdefghijklmnopqrstu", true},
		{`{"terminationReason":"x","a":2}`, "terminationReason", true},
	} {
		var r, k Reader
		r.Reset([]byte(c.obj))
		k.Reset([]byte(c.obj))
		r.Open()
		k.Open()
		at := r.i
		key := NewKey(c.name)
		// shortAt, where it decides, decides as KeyIs, and ends the key
		// where KeyIs does.
		shortGot := key.shortAt(r.b, at)
		got := r.KeyIs(&key)
		if shortGot && (!got || at+key.short != r.i || r.err != nil) {
			t.Errorf("%s: shortAt(%q) ends the key at %d, KeyIs says %v at %d", c.obj, c.name, at+key.short, got, r.i)
		}
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

// digitRun reads a run of digits as a byte-by-byte loop does, wherever the
// run ends in a word and whatever byte ends it.
func TestDigitRun(t *testing.T) {
	const digits = "9876543210123456789"
	for _, end := range []string{"", "/", ":", ".", "e", " ", "\x00", "\xff", "\xfa", "\x3a", "a"} {
		for lead := 0; lead < 3; lead++ {
			for n := 0; n <= len(digits); n++ {
				s := []byte(strings.Repeat("x", lead) + digits[:n] + end + "12345678")
				if end == "" {
					s = s[:lead+n]
				}
				var want uint64
				j := lead
				for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
					want = want*10 + uint64(s[j]-'0')
				}
				if v, i := digitRun(0, s, lead); v != want || i != j {
					t.Errorf("digitRun(%q, %d) = %d, %d; want %d, %d", s, lead, v, i, want, j)
				}
			}
		}
	}
}
