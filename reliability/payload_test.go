package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Webhook paths of the exporter.
const (
	pathAR = "/webhooks/airudder"
	pathLA = "/webhooks/laaffic"
)

// vendor is one webhook source: its path and the names its records go by in
// the exporter's metrics.
type vendor struct{ source, path, calls, duration string }

func vendors() []vendor {
	return []vendor{
		{"airudder", pathAR, "airudder_calls_total", "airudder_call_duration_seconds"},
		{"laaffic", pathLA, "laaffic_calls_total", "laaffic_call_duration_seconds"},
	}
}

// Payloads are the vendors' documented examples (testdata/, copied from the
// API reference fixtures) with the ids, and whatever a test varies,
// replaced. Starting from the real shape keeps the tests honest about
// what the decoders see.
var (
	fixturesOnce        sync.Once
	arFixture, laRecord map[string]any
	fixturesErr         error
)

func loadFixtures(t *testing.T) {
	t.Helper()
	fixturesOnce.Do(func() {
		for _, f := range []struct {
			path string
			dst  *map[string]any
		}{{"testdata/airudder-call-webhook.json", &arFixture}, {"testdata/laaffic-ivr-push.json", &laRecord}} {
			b, err := os.ReadFile(f.path)
			if err != nil {
				fixturesErr = err
				return
			}
			if err := json.Unmarshal(b, f.dst); err != nil {
				fixturesErr = fmt.Errorf("%s: %w", f.path, err)
				return
			}
		}
	})
	if fixturesErr != nil {
		t.Fatal(fixturesErr)
	}
}

// clone deep-copies decoded JSON.
func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = clone(e)
		}
		return s
	}
	return v
}

// gen hands out ids unique within a test binary run (and across restarts
// of the exporter that share a storage path, since they share the run).
type gen struct {
	prefix string
	seq    atomic.Int64
}

func newGen(t *testing.T, name string) *gen {
	loadFixtures(t)
	return &gen{prefix: fmt.Sprintf("%s%d", name, time.Now().UnixNano())}
}

// arCall returns one details[] entry of the fixture with a fresh call_id,
// id and a duration, so every call reaches the duration histogram.
func (g *gen) arCall() map[string]any {
	n := g.seq.Add(1)
	details := arFixture["details"].([]any)
	c := clone(details[0]).(map[string]any)
	c["id"] = 1_000_000_000 + n
	c["call_id"] = fmt.Sprintf("%s-call-%d", g.prefix, n)
	c["duration"] = n % 300
	return c
}

// arBody wraps calls in the fixture's task envelope.
func arBody(calls []map[string]any) []byte {
	body := clone(arFixture).(map[string]any)
	details := make([]any, len(calls))
	for i, c := range calls {
		details[i] = c
	}
	body["details"] = details
	return mustJSON(body)
}

// laRec returns the fixture record with a fresh voiceId.
func (g *gen) laRec() map[string]any {
	n := g.seq.Add(1)
	r := clone(laRecord).(map[string]any)
	r["voiceId"] = fmt.Sprintf("%s-voice-%d", g.prefix, n)
	r["callDuration"] = n % 300
	return r
}

// LAAFFIC body shapes (API README §2.1).
const (
	shapeObject = iota // one record per POST
	shapeArray         // {"array":[...]}
	shapeBare          // [...]
)

func laBody(shape int, recs []map[string]any) []byte {
	switch shape {
	case shapeObject:
		if len(recs) != 1 {
			panic("object shape holds exactly one record") // test bug
		}
		return mustJSON(recs[0])
	case shapeArray:
		return mustJSON(map[string]any{"array": recs})
	default:
		return mustJSON(recs)
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only the tests' own maps are marshalled
	}
	return b
}

// body is one webhook POST and how many records it holds.
type body struct {
	path    string
	data    []byte
	records int
}

// mixedBody returns a body of either vendor (alternating with i) holding
// n new records (LAAFFIC shapes rotate; object shape only for n == 1).
func (g *gen) mixedBody(i, n int) body {
	if i%2 == 0 {
		calls := make([]map[string]any, n)
		for k := range calls {
			calls[k] = g.arCall()
		}
		return body{pathAR, arBody(calls), n}
	}
	recs := make([]map[string]any, n)
	for k := range recs {
		recs[k] = g.laRec()
	}
	shape := shapeArray + (i/2)%2
	if n == 1 && (i/2)%3 == 0 {
		shape = shapeObject
	}
	return body{pathLA, laBody(shape, recs), n}
}
