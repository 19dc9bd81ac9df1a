package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"airudder_exporter/internal/testkit"
)

// Benchmarks print figures; none of them asserts a speed (the machine is
// shared).

// compactFixture is a testdata body without its blanks, as vendors post
// them.
func compactFixture(b *testing.B, name string) []byte {
	var out bytes.Buffer
	if err := json.Compact(&out, testkit.ReadFile(b, "testdata", name)); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkSkip measures Skip over the values decoders skip: whole
// bodies (the nested objects and arrays of a call), the members of a flat
// record one at a time (what a decoder does with the keys it does not
// use), and a deep nest.
func BenchmarkSkip(b *testing.B) {
	record := compactFixture(b, "laaffic-ivr-push.json")
	for _, bc := range []struct {
		name    string
		body    []byte
		members bool // skip the members of the top-level object one by one
	}{
		{"airudder-call", compactFixture(b, "airudder-call-webhook.json"), false},
		{"laaffic-ivr", record, false},
		{"laaffic-ivr-members", record, true},
		{"nested-100", []byte(strings.Repeat(`[`, 100) + `1` + strings.Repeat(`]`, 100)), false},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var r Reader
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			for b.Loop() {
				r.Reset(bc.body)
				if bc.members {
					r.Open()
					for first := true; r.More('}', &first); {
						r.Key()
						r.Skip()
					}
				} else {
					r.Skip()
				}
				r.End()
				if r.Err() != nil {
					b.Fatal(r.Err())
				}
			}
		})
	}
}
