package laaffic

import (
	"math"
	"testing"

	"airudder_exporter/internal/jsonscan"
)

// timeMatchesText checks that a timestamp read from body is valued as
// laafficTime values its text: the value a number literal was read with
// stands for its text's.
func timeMatchesText(t *testing.T, body string) {
	var r jsonscan.Reader
	r.Reset([]byte(body))
	var tm laTime
	r.ReadStringNum(&tm.Text, &tm.literal)
	got, want := tm.value(), laafficTime(tm.Text)
	if math.Float64bits(got.V) != math.Float64bits(want.V) || got.St != want.St {
		t.Fatalf("%s: valued %v, its text %q %v", body, got, tm.B, want)
	}
}

var timeSeeds = []string{
	`1670939112097`, `0`, `-0`, `-1`, `20260101120000`, `20261340000000`, `20260101120000.5`, `99999999999999`,
	`1e3`, `1.5E+2`, `1e400`, `123456789012345678`, `0.5`, `01`, `"1670939112097"`, `" 1670939112097 "`,
	`"20260101120000"`, `"2026-01-01 12:00:00"`, `"2026-13-01 12:00:00"`, `""`, `null`, `true`, `{}`, `-`, `1.`,
}

func TestTimeLiteralValuedAsText(t *testing.T) {
	for _, s := range timeSeeds {
		timeMatchesText(t, s)
	}
}

func FuzzTimeLiteralValuedAsText(f *testing.F) {
	for _, s := range timeSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { timeMatchesText(t, s) })
}
