package jsonscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// Reader is a small strict JSON reader for the webhook hot path.
//
// Why not encoding/json: on the single-call AiRudder webhook, json.Unmarshal
// into typed structs spent most of the request's CPU in decoding (the
// validating pre-scan, then reflection; BENCHMARKS.md). This reader validates and decodes in one
// pass over the bytes, without reflection, and hands out sub-slices of the body instead of strings, so
// only values that must outlive the request (ids, label values) are copied.
//
// It accepts exactly RFC 8259 JSON (checked against encoding/json by a fuzz
// test), with a nesting limit on the containers a decoder opens (Open);
// the values it skips may nest to any depth. Strings are not checked for
// valid UTF-8 (as encoding/json, which would replace bad bytes; here label
// values and exemplars are validated where they are used). After the first error every
// method returns at once and the caller checks Err.
type Reader struct {
	b       []byte
	i       int
	depth   int
	err     error
	scratch []byte // unescaped strings of the current body
	// stack holds, while Skip reads a value nested deeper than 64 levels,
	// the kinds of its outer open containers (skipNested); kept for the
	// next body.
	stack []uint64
}

// MaxDepth is the deepest nesting of the containers a decoder opens itself
// (Open), so a decoder that reads nested values by recursion cannot be
// driven to exhaust the stack; real webhooks nest four levels deep. The
// values a decoder skips are not limited: Skip keeps no frame per level.
const MaxDepth = 128

// maxKeptStack is the most words of Skip's stack a Reader keeps between
// bodies (Release): room for some 4000 levels, which no real body comes
// near, while the stack a hostile body grew is dropped.
const maxKeptStack = 64

// maxKeptScratch is the most bytes of unescaped strings a Reader keeps
// between bodies: the ids and names of a real batch, while what a body full
// of escaped strings grew is dropped.
const maxKeptScratch = 64 << 10

// errSyntax is wrapped by every Reader error but ErrTooDeep.
var errSyntax = errors.New("invalid JSON")

// ErrTooDeep is wrapped by the error of an Open past MaxDepth: the body
// may be valid JSON, so its refusal must say why (receiver.BodyError).
var ErrTooDeep = errors.New("JSON nested too deeply")

func (r *Reader) Reset(b []byte) {
	r.b, r.i, r.depth, r.err = b, 0, 0, nil
	r.scratch = r.scratch[:0]
}

func (r *Reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at offset %d", errSyntax, what, r.i)
	}
	r.i = len(r.b) // stops every loop
}

// tooDeep fails as Open past MaxDepth. It is fail for ErrTooDeep, apart
// so that Open, which every decoder calls per record, stays small enough
// to be inlined.
func (r *Reader) tooDeep() {
	if r.err == nil {
		r.err = fmt.Errorf("%w: more than %d levels at offset %d", ErrTooDeep, MaxDepth, r.i)
	}
	r.i = len(r.b)
}

func (r *Reader) ws() {
	// Compact bodies have no blank between tokens: one compare, no loop.
	if r.i < len(r.b) && r.b[r.i] > ' ' {
		return
	}
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek skips blanks and returns the next byte (0 at the end).
func (r *Reader) Peek() byte {
	r.ws()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// end checks that nothing but blanks follows the top-level value.
func (r *Reader) End() {
	if r.Peek() != 0 || r.i < len(r.b) {
		r.fail("data after the top-level value")
	}
}

// open consumes '{' or '[' (the caller has peeked it).
func (r *Reader) Open() {
	r.depth++
	if r.depth > MaxDepth {
		r.tooDeep()
		return
	}
	r.i++
}

// more iterates the members of an object or array after open: it consumes
// the separating comma, or the closing byte (returning false). Use as
//
//	r.Open(); for first := true; r.More('}', &first); { ... }
func (r *Reader) More(closing byte, first *bool) bool {
	c := r.Peek()
	if c == closing {
		r.i++
		r.depth--
		return false
	}
	if !*first {
		if c != ',' {
			r.fail("expected ',' or closing bracket")
			return false
		}
		r.i++
	}
	*first = false
	return r.err == nil
}

// key reads an object key and the colon after it.
func (r *Reader) Key() []byte {
	if r.Peek() != '"' {
		r.fail("expected object key")
		return nil
	}
	k := r.str()
	if r.Peek() != ':' {
		r.fail("expected ':'")
		return nil
	}
	r.i++
	return k
}

// Key is an object key a decoder expects (KeyIs), kept in the form it is
// compared in: the quoted name, and the first 24 bytes of the quoted name
// and its colon as three words, so a key of a compact body (no blank
// before the colon) is matched, colon included, with three loads and
// comparisons, and a key that differs is told apart by them as well. 24
// bytes hold names of up to 21 bytes: every key of the vendors' records
// but LAAFFIC's aiAgentChargedDuration, which takes the tail comparison.
type Key struct {
	name   string
	quoted string    // "name", quotes included
	w      [3]uint64 // the first 24 bytes of "name": (zero past its end)
	mask   [3]uint64 // which bytes of the words w holds
	tail   string    // the bytes of "name": past the first 24
	short  int       // the length of "name": when it fits the words, else 0
}

// NewKey returns name as a Key. name must hold no byte a JSON string
// escapes ('"', '\\', control characters): it is compared with the raw
// body.
func NewKey(name string) Key {
	k := Key{name: name, quoted: `"` + name + `"`}
	withColon := k.quoted + ":"
	var word [24]byte
	n := copy(word[:], withColon)
	k.tail = withColon[n:]
	if k.tail == "" {
		k.short = n
	}
	for j := range k.w {
		k.w[j] = binary.LittleEndian.Uint64(word[8*j:])
		if used := min(max(n-8*j, 0), 8); used > 0 {
			k.mask[j] = ^uint64(0) >> (64 - 8*used)
		}
	}
	return k
}

// Name is the key's name.
func (k *Key) Name() string { return k.name }

// KeyIs reads the next object key and the colon after it when the key is
// k written as is (no escapes), and reports whether it did; otherwise it
// reads nothing, and Key reads whatever key comes. Use it where Key would
// be called. A decoder expecting the keys of its previous record, in the
// same order, checks each with a comparison instead of scanning the key
// and looking it up.
func (r *Reader) KeyIs(k *Key) bool {
	r.ws()
	i := r.i
	if i+24 <= len(r.b) {
		b := r.b[i : i+24]
		d0 := (binary.LittleEndian.Uint64(b) ^ k.w[0]) & k.mask[0]
		d1 := (binary.LittleEndian.Uint64(b[8:]) ^ k.w[1]) & k.mask[1]
		d2 := (binary.LittleEndian.Uint64(b[16:]) ^ k.w[2]) & k.mask[2]
		if d0|d1|d2 == 0 {
			if len(k.tail) == 0 {
				r.i = i + len(k.quoted) + 1
				return true
			}
			if end := i + 24 + len(k.tail); end <= len(r.b) && string(r.b[i+24:end]) == k.tail {
				r.i = end
				return true
			}
		} else {
			// A byte of the quoted name differs: another key. Only a
			// difference at the colon (a blank before it) is left to
			// keyIsSpaced.
			at := bits.TrailingZeros64(d0) >> 3
			if d0 == 0 {
				at = 8 + bits.TrailingZeros64(d1)>>3
				if d1 == 0 {
					at = 16 + bits.TrailingZeros64(d2)>>3
				}
			}
			if at < len(k.quoted) {
				return false
			}
		}
	}
	return r.keyIsSpaced(k)
}

// shortAt is KeyIs's commonest case, small enough to be inlined where a
// decoder expects a key (Shape.Member): whether b holds k and its colon,
// of 24 bytes at most, at i (a compact body). False means only that KeyIs
// must tell.
func (k *Key) shortAt(b []byte, i int) bool {
	if k.short == 0 || i+24 > len(b) {
		return false
	}
	w := b[i : i+24]
	return (binary.LittleEndian.Uint64(w)^k.w[0])&k.mask[0]|(binary.LittleEndian.Uint64(w[8:])^k.w[1])&k.mask[1]|
		(binary.LittleEndian.Uint64(w[16:])^k.w[2])&k.mask[2] == 0
}

// keyIsSpaced is KeyIs for what its word comparison does not settle: a
// key near the end of the body, a blank between the key and its colon, or
// a long key whose tail differs.
func (r *Reader) keyIsSpaced(k *Key) bool {
	i, q := r.i, k.quoted
	end := i + len(q)
	if end > len(r.b) || string(r.b[i:end]) != q {
		return false
	}
	r.i = end
	if r.Peek() != ':' {
		r.fail("expected ':'")
		return true
	}
	r.i++
	return true
}

// strSpecial marks the bytes str must look at: the closing quote, a
// backslash, and control characters (invalid inside a JSON string).
var strSpecial = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// Byte-wise masks for stringSpecial.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// stringSpecial marks, with the high bit of its byte, every special byte of
// strSpecial ('"', '\\' or below 0x20) among the eight bytes of w (low byte
// first). (x-ones)&^x&highs flags the bytes of x that are zero, and
// (x-ones*n)&^x&highs those below n (n <= 0x80); a borrow can only flag a
// byte above a flagged one, so the lowest flag is always exact: it is the
// first special byte, which is all str asks.
func stringSpecial(w uint64) uint64 {
	q := w ^ (ones * '"')
	bs := w ^ (ones * '\\')
	return ((q-ones)&^q | (bs-ones)&^bs | (w-ones*0x20)&^w) & highs
}

// str reads a string literal (at '"') and returns its content: a sub-slice
// of the body, or of scratch when it had escapes.
func (r *Reader) str() []byte {
	start := r.i + 1
	j := start
	// Plain bytes (the bulk of every id, name and time) are skipped eight
	// at a time; the first special byte of a word is located from its
	// flag, without stepping through the word. (special does the same for
	// skipStr; str, which reads every key, keeps the loop inline rather
	// than pay a call per string.)
	for ; j+8 <= len(r.b); j += 8 {
		if m := stringSpecial(binary.LittleEndian.Uint64(r.b[j:])); m != 0 {
			// The closing quote, nearly always: no call.
			if j += bits.TrailingZeros64(m) >> 3; r.b[j] == '"' {
				r.i = j + 1
				return r.b[start:j]
			}
			return r.strEnd(start, j)
		}
	}
	for j < len(r.b) && !strSpecial[r.b[j]] {
		j++
	}
	return r.strEnd(start, j)
}

// special returns the index of the first byte of strSpecial at or after j
// in the body, len(r.b) when there is none, eight bytes at a time as str.
func (r *Reader) special(j int) int {
	for ; j+8 <= len(r.b); j += 8 {
		if m := stringSpecial(binary.LittleEndian.Uint64(r.b[j:])); m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for j < len(r.b) && !strSpecial[r.b[j]] {
		j++
	}
	return j
}

// skipStr reads and validates a string literal (at '"') as str does,
// without unescaping it: what is skipped is not copied.
func (r *Reader) skipStr() {
	// Plain bytes eight at a time, inline as in str: most skipped strings
	// end at their first special byte, the closing quote.
	j := r.i + 1
	for ; j+8 <= len(r.b); j += 8 {
		if m := stringSpecial(binary.LittleEndian.Uint64(r.b[j:])); m != 0 {
			if j += bits.TrailingZeros64(m) >> 3; r.b[j] == '"' {
				r.i = j + 1
				return
			}
			break
		}
	}
	r.skipStrFrom(j)
}

// skipStrFrom finishes skipStr from j, where the string has only plain
// bytes before j.
func (r *Reader) skipStrFrom(j int) {
	for {
		j = r.special(j)
		switch {
		case j >= len(r.b):
			r.fail("unterminated string")
			return
		case r.b[j] == '"':
			r.i = j + 1
			return
		case r.b[j] != '\\':
			r.i = j
			r.fail("control character in string")
			return
		case j+1 >= len(r.b):
			r.fail("unterminated string")
			return
		}
		switch r.b[j+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			j += 2
		case 'u':
			// Each \u escape is checked on its own: str turns a surrogate
			// without its pair into U+FFFD, never into an error.
			if _, ok := hex4(r.b, j+2); !ok {
				r.i = j
				r.fail("bad \\u escape")
				return
			}
			j += 6
		default:
			r.i = j
			r.fail("bad escape")
			return
		}
	}
}

// strEnd finishes a string at its first special byte j (len(r.b): none).
func (r *Reader) strEnd(start, j int) []byte {
	switch {
	case j >= len(r.b):
		r.fail("unterminated string")
		return nil
	case r.b[j] == '"':
		r.i = j + 1
		return r.b[start:j]
	case r.b[j] == '\\':
		return r.strEscaped(start, j)
	}
	r.i = j
	r.fail("control character in string")
	return nil
}

// strEscaped finishes a string that has escapes, from the first one at j.
func (r *Reader) strEscaped(start, j int) []byte {
	mark := len(r.scratch)
	r.scratch = append(r.scratch, r.b[start:j]...)
	for j < len(r.b) {
		c := r.b[j]
		switch {
		case c == '"':
			r.i = j + 1
			return r.scratch[mark:len(r.scratch):len(r.scratch)]
		case c < 0x20:
			r.i = j
			r.fail("control character in string")
			return nil
		case c != '\\':
			r.scratch = append(r.scratch, c)
			j++
			continue
		}
		if j+1 >= len(r.b) {
			break
		}
		switch e := r.b[j+1]; e {
		case '"', '\\', '/':
			r.scratch = append(r.scratch, e)
		case 'b':
			r.scratch = append(r.scratch, '\b')
		case 'f':
			r.scratch = append(r.scratch, '\f')
		case 'n':
			r.scratch = append(r.scratch, '\n')
		case 'r':
			r.scratch = append(r.scratch, '\r')
		case 't':
			r.scratch = append(r.scratch, '\t')
		case 'u':
			c1, ok := hex4(r.b, j+2)
			if !ok {
				r.i = j
				r.fail("bad \\u escape")
				return nil
			}
			j += 6
			ch := rune(c1)
			if utf16.IsSurrogate(ch) {
				// A pair encodes one rune; a lone half becomes U+FFFD,
				// as encoding/json does.
				if c2, ok := hex4(r.b, j+2); ok && j+1 < len(r.b) && r.b[j] == '\\' && r.b[j+1] == 'u' {
					if d := utf16.DecodeRune(ch, rune(c2)); d != utf8.RuneError {
						ch = d
						j += 6
					} else {
						ch = utf8.RuneError
					}
				} else {
					ch = utf8.RuneError
				}
			}
			r.scratch = utf8.AppendRune(r.scratch, ch)
			continue
		default:
			r.i = j
			r.fail("bad escape")
			return nil
		}
		j += 2
	}
	r.fail("unterminated string")
	return nil
}

func hex4(b []byte, i int) (uint16, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var v uint16
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(c)
	}
	return v, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number literal (at '-' or a digit) and returns its text.
func (r *Reader) number() []byte {
	b, start := r.b, r.i
	j := start
	digits := func() bool {
		k := j
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		return j > k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case !digits():
		r.i = j
		r.fail("bad number")
		return nil
	}
	if j < len(b) && b[j] == '.' {
		j++
		if !digits() {
			r.i = j
			r.fail("bad number")
			return nil
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if !digits() {
			r.i = j
			r.fail("bad number")
			return nil
		}
	}
	r.i = j
	return b[start:j]
}

// literal reads true, false or null.
func (r *Reader) Literal(word string) {
	if bytes.HasPrefix(r.b[r.i:], []byte(word)) {
		r.i += len(word)
		return
	}
	r.fail("bad literal")
}

// ListValue is what the value of a key meant to hold a list of records was.
type ListValue uint8

const (
	NoList  ListValue = iota // null, treated as absent (or the key not seen)
	List                     // an array: the reader is at its '['
	NotList                  // any other value, skipped
)

// ListStart reads the start of the value of a key meant to hold a list of
// records: at an array it stops for the caller to read the elements; null
// is read; any other value is skipped.
func (r *Reader) ListStart() ListValue {
	switch r.Peek() {
	case '[':
		return List
	case 'n':
		r.Literal("null")
		return NoList
	}
	r.Skip()
	return NotList
}

// Skip reads and validates one value of any kind, discarding it. Its
// nesting is not limited (skipNested).
func (r *Reader) Skip() {
	switch c := r.Peek(); {
	case c == '"':
		r.skipStr() // the value skipped most (phone numbers, names): one call less
	case c == '{' || c == '[':
		r.skipNested()
	default:
		r.scalar(c)
	}
}

// skipNested skips the object or array at r.i, however deep, without
// recursion: the kind of each open container is one bit (1: object), the
// innermost 64 in a word held in a register and the outer ones in r.stack,
// a word per 64 levels. A body of n bytes nests at most n levels, so the
// stack is bounded by the body: n/8 bytes at worst, none for a value
// nested 64 levels or less.
func (r *Reader) skipNested() {
	var top uint64 // the innermost levels' kinds, the innermost in bit 0
	depth := 0
	outer := r.stack[:0] // kept in r.stack when it returns, for the next value
	c := r.b[r.i]        // '{' or '['
	// A state machine, one label for each place the reader can stand in
	// a container: keys, commas and brackets are read inline, where a loop
	// that read each member through a helper made skipping a flat record
	// measurably slower (BenchmarkSkip).
open:
	// c, at r.i, opens a container: one level deeper. '[' and '{' (like
	// ']' and '}') differ in bit 5 alone.
	if depth&63 == 0 && depth > 0 {
		outer = append(outer, top)
		top = 0
	}
	top = top<<1 | uint64(c>>5&1)
	depth++
	r.i++
	if c = r.Peek(); c == ']'|byte(top&1)<<5 {
		goto closing
	}
member:
	// c, at r.i, starts a member: its key and colon in an object, then
	// its value.
	if top&1 != 0 {
		if c != '"' {
			r.fail("expected object key")
			goto out
		}
		r.skipStr()
		if r.Peek() != ':' {
			r.fail("expected ':'")
			goto out
		}
		r.i++
		c = r.Peek()
	}
	switch c {
	case '{', '[':
		goto open
	case '"':
		r.skipStr()
	default:
		r.scalar(c)
	}
after:
	// After a value: the next member, or the container's end.
	if c = r.Peek(); c == ',' {
		r.i++
		c = r.Peek()
		goto member
	}
	if c != ']'|byte(top&1)<<5 {
		r.fail("expected ',' or closing bracket")
		goto out
	}
closing:
	// c, at r.i, closes the innermost container.
	r.i++
	top >>= 1
	depth--
	if depth&63 == 0 && depth > 0 {
		top = outer[len(outer)-1]
		outer = outer[:len(outer)-1]
	}
	if depth > 0 {
		goto after
	}
out:
	r.stack = outer
}

// scalar reads and validates a value that is no string, object or array
// (its callers take those first), at r.i, whose first byte is c.
func (r *Reader) scalar(c byte) {
	switch {
	case c == 't':
		r.Literal("true")
	case c == 'f':
		r.Literal("false")
	case c == 'n':
		r.Literal("null")
	case c == '-' || isDigit(c):
		r.number()
	case c == 0:
		r.fail("unexpected end of body")
	default:
		r.fail("unexpected character")
	}
}

// readString reads a value into a Text: a string, or a number taken
// as its text (ids come both ways); anything else is a wrong type.
func (r *Reader) ReadString(f *Text) {
	switch c := r.Peek(); {
	case c == '"':
		f.B, f.St = r.str(), OK
	case c == '-' || isDigit(c):
		f.B, f.St = r.number(), OK
	case c == 'n':
		r.Literal("null")
		f.B, f.St = nil, Null
	default:
		r.Skip()
		f.B, f.St = nil, BadType
	}
}

// ReadStringNum is ReadString, and for a number literal also its value in
// n (OK, or BadNumber when ParseNumber refuses it: out of range), read in
// the same pass; for any other value, or a broken literal, n is Absent. A decoder that reads a
// field as text, and then mostly as a number, values it once.
func (r *Reader) ReadStringNum(f *Text, n *Num) {
	if c := r.Peek(); c != '-' && !isDigit(c) {
		*n = Num{}
		r.ReadString(f)
		return
	}
	start := r.i
	v, st := r.numberValue()
	if r.err != nil {
		*n, f.B, f.St = Num{}, nil, OK // as ReadString leaves a broken literal
		return
	}
	*n, f.B, f.St = Num{V: v, St: st}, r.b[start:r.i], OK
}

// readNum reads a value into a Num: a number, or a string holding one
// ("12", "0.007875"); "" and null are "not given".
func (r *Reader) ReadNum(n *Num) {
	switch c := r.Peek(); {
	case c == '"':
		// A short decimal alone between the quotes (amounts: "0.007875")
		// is valued where it is read; anything else is read as a string
		// and parsed.
		if v, j, _, ok := shortNumber(r.b, r.i+1); ok && j < len(r.b) && r.b[j] == '"' {
			r.i = j + 1
			n.V, n.St = v, OK
			return
		}
		s := TrimSpace(r.str())
		switch v, ok := ParseNumber(s); {
		case len(s) == 0:
			n.St = Null
		case ok:
			n.V, n.St = v, OK
		default:
			n.St = BadNumber
		}
	case c == '-' || isDigit(c):
		if v, st := r.numberValue(); st == OK {
			n.V, n.St = v, OK
		} else {
			n.St = st
		}
	case c == 'n':
		r.Literal("null")
		n.St = Null
	default:
		r.Skip()
		n.St = BadType
	}
}

// numberValue reads a number literal (at '-' or a digit) and returns its
// value. The common shapes, an integer or a plain decimal of at most 15
// digits, are read and valued in one pass (shortNumber); the others are
// read by number and valued by ParseNumber, as is any literal the pass
// finds irregular, so that errors are the same.
func (r *Reader) numberValue() (float64, State) {
	v, j, leadingZero, ok := shortNumber(r.b, r.i)
	if !ok || leadingZero || j < len(r.b) && r.b[j]|0x20 == 'e' {
		return r.numberParsed()
	}
	r.i = j
	return v, OK
}

// shortNumber reads -?digits(.digits)? of at most 15 digits from b[i] on,
// as parseShortDecimal does, and returns its value and the index after it;
// leadingZero tells a zero before other digits of the integer part, which
// a JSON number may not have. ok is false for anything else.
func shortNumber(b []byte, i int) (v float64, end int, leadingZero, ok bool) {
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	n, j := digitRun(0, b, i)
	digits, frac := j-i, 0
	if digits == 0 {
		return 0, 0, false, false
	}
	leadingZero = digits > 1 && b[i] == '0'
	if j < len(b) && b[j] == '.' {
		var k int
		n, k = digitRun(n, b, j+1)
		if frac = k - (j + 1); frac == 0 {
			return 0, 0, false, false
		}
		digits += frac
		j = k
	}
	if digits > 15 {
		return 0, 0, false, false
	}
	return shortDecimal(n, frac, neg), j, leadingZero, true
}

// numberParsed is numberValue's general way: the literal's text, parsed.
func (r *Reader) numberParsed() (float64, State) {
	if v, ok := ParseNumber(r.number()); ok {
		return v, OK
	}
	return 0, BadNumber // out of float64 range, or no number (r.err says)
}

// Valid reports whether b is one JSON value, as a Reader reads it: what
// encoding/json's Valid accepts, at any depth (encoding/json refuses
// values nested deeper than 10 000 levels, which a decoder skips).
func Valid(b []byte) bool {
	var r Reader
	r.Reset(b)
	r.Skip()
	r.End()
	return r.err == nil
}

// Err is the first error met since Reset (a syntax error, or one wrapping
// ErrTooDeep), or nil.
func (r *Reader) Err() error { return r.err }

// Release drops the reader's reference to the body, so a pooled reader does
// not pin it between requests, and the stack a deep skipped value or the
// scratch a body of escaped strings grew.
func (r *Reader) Release() {
	r.b = nil
	if cap(r.stack) > maxKeptStack {
		r.stack = nil
	}
	if cap(r.scratch) > maxKeptScratch {
		r.scratch = nil
	}
}
