package laaffic

import (
	"encoding/json"
	"testing"
)

// A count is usable from 0 to apiMaxCount (a billion), sent as a number or
// a numeric string. Outside that it is marked out of range, even beyond
// int64, rather than failing the answer; null and "" are absent; a
// fraction or text is still unreadable.
func TestAPICountBounds(t *testing.T) {
	for _, tc := range []struct {
		raw      string
		want     apiCount
		badInput bool
	}{
		{`0`, apiCount{V: 0, Set: true}, false},
		{`"42"`, apiCount{V: 42, Set: true}, false},
		{`1000000000`, apiCount{V: 1e9, Set: true}, false},
		{`1e9`, apiCount{V: 1e9, Set: true}, false},
		{`1000000001`, apiCount{Out: true}, false},
		{`-1`, apiCount{Out: true}, false},
		{`-9223372036854775808`, apiCount{Out: true}, false},
		{`9223372036854775807`, apiCount{Out: true}, false},
		{`"1e19"`, apiCount{Out: true}, false},
		{`1e300`, apiCount{Out: true}, false},
		{`null`, apiCount{}, false},
		{`""`, apiCount{}, false},
		{`1.5`, apiCount{}, true},
		{`"ten"`, apiCount{}, true},
		{`true`, apiCount{}, true},
	} {
		var got apiCount
		err := json.Unmarshal([]byte(tc.raw), &got)
		if (err != nil) != tc.badInput || got != tc.want {
			t.Errorf("%s: %+v (err %v), want %+v (error: %v)", tc.raw, got, err, tc.want, tc.badInput)
		}
	}
}
