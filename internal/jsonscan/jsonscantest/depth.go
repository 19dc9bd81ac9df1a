// Package jsonscantest holds what tests of JSON decoders need to compare
// them with encoding/json. Only tests import it.
package jsonscantest

// Depth is the maximum bracket nesting of b, ignoring strings: a body
// encoding/json accepts but a jsonscan.Reader refuses is one nested deeper
// than jsonscan.MaxDepth.
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
