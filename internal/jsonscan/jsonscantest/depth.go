// Package jsonscantest holds what tests of JSON decoders need to compare
// them with encoding/json. Only tests import it.
package jsonscantest

// EncodingJSONMaxDepth is the deepest nesting encoding/json accepts (its
// scanner's maxNestingDepth): its Valid refuses any deeper value, which a
// jsonscan.Reader skips, so a comparison with it stops there.
const EncodingJSONMaxDepth = 10000

// Depth is the maximum bracket nesting of b, ignoring strings: a body
// encoding/json refuses but a jsonscan.Reader accepts is one nested deeper
// than EncodingJSONMaxDepth.
func Depth(b []byte) int {
	d, m, inStr := 0, 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case inStr:
		case c == '{' || c == '[':
			d++
			m = max(m, d)
		case c == '}' || c == ']':
			d--
		}
	}
	return m
}
