package receiver

import (
	"errors"
	"strings"
	"testing"

	"airudder_exporter/internal/jsonscan"
)

// A body the reader stopped on is refused as not JSON, unless the reader
// stopped at its nesting limit: that body may be valid JSON, and the
// refusal says what is wrong with it. Either answer is a fixed text.
func TestBodyError(t *testing.T) {
	deep := strings.Repeat("[", jsonscan.MaxDepth+1) + strings.Repeat("]", jsonscan.MaxDepth+1)
	for _, tc := range []struct {
		name, body string
		opens      int // containers opened by hand, as a decoder reading them
		want       error
	}{
		{"valid", `{"a":[1]}`, 0, nil},
		{"not JSON", `{"a":[1}`, 0, ErrNotJSON},
		{"trailing comma", `[1,]`, 0, ErrNotJSON},
		{"deep, skipped", deep, 0, nil},
		{"deep, opened up to the limit", deep, jsonscan.MaxDepth, nil},
		{"deep, opened past the limit", deep, jsonscan.MaxDepth + 1, ErrTooDeep},
	} {
		var r jsonscan.Reader
		r.Reset([]byte(tc.body))
		for range tc.opens {
			r.Open()
		}
		r.Skip()
		if tc.opens == 0 {
			r.End()
		}
		if got := BodyError(&r); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if strings.Contains(ErrTooDeep.Error(), "valid JSON") || !strings.Contains(ErrTooDeep.Error(), "128") {
		t.Errorf("ErrTooDeep says %q", ErrTooDeep)
	}
}

// StartBody refuses an empty body, broken JSON and JSON of another type,
// whatever its depth.
func TestStartBody(t *testing.T) {
	errOther := errors.New("not wanted")
	nest := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tc := range []struct {
		body string
		c    byte
		want error
	}{
		{` {"a":1}`, '{', nil},
		{"\t[1]", '[', nil},
		{` `, 0, ErrEmptyBody},
		{`5`, 0, errOther},
		{`"x"`, 0, errOther},
		{`]`, 0, ErrNotJSON},
		{`5 6`, 0, ErrNotJSON},
		{`"x`, 0, ErrNotJSON},
		{nest(10000), '[', nil},
		{`"` + nest(10) + `"`, 0, errOther},
	} {
		var r jsonscan.Reader
		c, err := StartBody(&r, []byte(tc.body), "{[", errOther)
		if c != tc.c || err != tc.want {
			t.Errorf("%.40q: %q, %v; want %q, %v", tc.body, c, err, tc.c, tc.want)
		}
	}
	// A deep value of another type is skipped, not refused as not JSON.
	var r jsonscan.Reader
	if _, err := StartBody(&r, []byte(nest(10000)), "{", ErrNotObject); err != ErrNotObject {
		t.Errorf("a 10 000-level array where an object is wanted: %v", err)
	}
}
