package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// The vendor fixtures (copies of /work/shared/api/fixtures) are the shape every
// generated record starts from, so the load looks like real traffic.
var (
	//go:embed testdata/airudder-call-webhook.json
	airudderFixture []byte
	//go:embed testdata/laaffic-ivr-push.json
	laafficFixture []byte
)

// Payload kinds accepted by --payload.
const (
	KindAiRudderSingle = "airudder-single"
	KindAiRudderMulti  = "airudder-multi"
	KindLaafficSingle  = "laaffic-single"
	KindLaafficArray   = "laaffic-array"
	KindLaafficBare    = "laaffic-bare"
)

// Kinds lists the payload kinds in the order --help shows them.
var Kinds = []string{KindAiRudderSingle, KindAiRudderMulti, KindLaafficSingle, KindLaafficArray, KindLaafficBare}

const (
	// idDigits is the width of the id slot patched into a template for each
	// request. 10^12 records is far beyond any bounded run.
	idDigits = 12
	maxSeq   = 999_999_999_999
	// slotChar marks an id slot in a template; it never occurs in the
	// fixtures nor in any varied field, so a run of idDigits of it is a slot.
	slotChar = '~'
	// maxBatch keeps a single body well under the exporter's 1 MiB default
	// body limit for AiRudder records (about 2 KiB each).
	maxBatch = 400
)

// Generator builds request bodies for one payload kind. All the JSON work is
// done once in NewGenerator; Fill only copies a template and writes digits
// into its fixed-width id slots, so the generator costs little CPU while it
// shares the machine with the exporter. A Generator is read-only after
// construction and safe for concurrent use.
type Generator struct {
	Kind   string
	Source string // the exporter's `source` label: airudder or laaffic
	Path   string // webhook path on the exporter
	// PerRequest is the number of records (calls) in every body.
	PerRequest int
	runID      string
	templates  []template
}

type template struct {
	body  []byte
	slots []slot
}

// slot is one id position in a template body; rec is the record it belongs to.
type slot struct {
	off int
	rec int
}

// NewGenerator prepares templates for kind. batch is the number of records
// per body for the batched kinds (ignored by the single kinds). runID must be
// 8 decimal digits; it keeps ids unique across runs against the same exporter,
// whose dedup memory outlives a run.
func NewGenerator(kind string, batch int, runID string) (*Generator, error) {
	if len(runID) != 8 || !isDigits(runID) {
		return nil, fmt.Errorf("run id %q must be 8 decimal digits", runID)
	}
	g := &Generator{Kind: kind, runID: runID, PerRequest: 1}
	switch kind {
	case KindAiRudderSingle, KindLaafficSingle:
	case KindAiRudderMulti, KindLaafficArray, KindLaafficBare:
		if batch < 1 || batch > maxBatch {
			return nil, fmt.Errorf("--batch must be between 1 and %d, got %d", maxBatch, batch)
		}
		g.PerRequest = batch
	default:
		return nil, fmt.Errorf("unknown payload %q (one of %v)", kind, Kinds)
	}
	g.Source, g.Path = "laaffic", "/webhooks/laaffic"
	slotsPerRecord := 1
	if kind == KindAiRudderSingle || kind == KindAiRudderMulti {
		g.Source, g.Path = "airudder", "/webhooks/airudder"
		slotsPerRecord = 2 // call_id and id
	}
	// A few templates per kind give the exporter a realistic spread of enum
	// values; batched bodies already mix many records, so fewer suffice.
	n := 16
	if g.PerRequest > 1 {
		n = 4
	}
	for t := 0; t < n; t++ {
		body, err := g.buildBody(t)
		if err != nil {
			return nil, err
		}
		tpl, err := newTemplate(body, g.PerRequest, slotsPerRecord)
		if err != nil {
			return nil, fmt.Errorf("template %d: %w", t, err)
		}
		g.templates = append(g.templates, tpl)
	}
	return g, nil
}

// Fill writes into dst (reusing its capacity) the body whose records have the
// sequence numbers base, base+1, ... base+PerRequest-1, and returns it. The
// same base always yields the same bytes, which is how duplicates are re-sent.
// base must be a multiple of PerRequest.
func (g *Generator) Fill(dst []byte, base uint64) []byte {
	t := &g.templates[(base/uint64(g.PerRequest))%uint64(len(g.templates))]
	dst = append(dst[:0], t.body...)
	for _, s := range t.slots {
		putDigits(dst[s.off:s.off+idDigits], base+uint64(s.rec))
	}
	return dst
}

// RecordID returns the vendor id (call_id or voiceId) of record seq, as Fill
// writes it; tests use it to check uniqueness.
func (g *Generator) RecordID(seq uint64) string {
	var d [idDigits]byte
	putDigits(d[:], seq)
	if g.Source == "airudder" {
		return "lg" + g.runID + string(d[:])
	}
	return g.runID + string(d[:])
}

// putDigits writes v zero-padded into dst (len(dst) digits, high digits lost).
func putDigits(dst []byte, v uint64) {
	for i := len(dst) - 1; i >= 0; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
}

// newTemplate finds the id slots (runs of exactly idDigits slot characters)
// and checks there is the expected number of them.
func newTemplate(body []byte, records, slotsPerRecord int) (template, error) {
	t := template{body: body}
	for i := 0; i < len(body); {
		if body[i] != slotChar {
			i++
			continue
		}
		j := i
		for j < len(body) && body[j] == slotChar {
			j++
		}
		if j-i != idDigits {
			return t, fmt.Errorf("stray run of %d %q at offset %d", j-i, slotChar, i)
		}
		t.slots = append(t.slots, slot{off: i, rec: len(t.slots) / slotsPerRecord})
		i = j
	}
	if len(t.slots) != records*slotsPerRecord {
		return t, fmt.Errorf("found %d id slots, want %d", len(t.slots), records*slotsPerRecord)
	}
	return t, nil
}

var slotText = string(bytes.Repeat([]byte{slotChar}, idDigits))

// intSlotMarker stands in for a JSON integer id while marshalling; it is
// replaced by "1" followed by a slot, a 13-digit integer with no leading zero.
const intSlotMarker = "@@int-id-slot@@"

func (g *Generator) buildBody(t int) ([]byte, error) {
	// Seeded per template so runs are reproducible.
	rng := rand.New(rand.NewPCG(uint64(t)+1, 0x10adc0de))
	var v any
	switch g.Kind {
	case KindAiRudderSingle, KindAiRudderMulti:
		task, err := decodeObject(airudderFixture)
		if err != nil {
			return nil, err
		}
		base, err := airudderBaseRecord(task)
		if err != nil {
			return nil, err
		}
		task["details"] = g.records(base, rng, g.airudderRecord)
		task["status"] = pick(rng, []string{"finished", "calling"})
		v = task
	default:
		base, err := decodeObject(laafficFixture)
		if err != nil {
			return nil, err
		}
		recs := g.records(base, rng, g.laafficRecord)
		switch g.Kind {
		case KindLaafficSingle:
			v = recs[0]
		case KindLaafficArray:
			v = map[string]any{"array": recs}
		default:
			v = recs
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return bytes.ReplaceAll(b, []byte(strconv.Quote(intSlotMarker)), []byte("1"+slotText)), nil
}

// records draws one request's records from the fixture's base record.
func (g *Generator) records(base map[string]any, rng *rand.Rand, record func(map[string]any, *rand.Rand) map[string]any) []any {
	recs := make([]any, g.PerRequest)
	for i := range recs {
		recs[i] = record(base, rng)
	}
	return recs
}

func airudderBaseRecord(task map[string]any) (map[string]any, error) {
	d, ok := task["details"].([]any)
	if !ok || len(d) == 0 {
		return nil, fmt.Errorf("airudder fixture has no details[]")
	}
	rec, ok := d[0].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("airudder fixture details[0] is not an object")
	}
	return rec, nil
}

// Bounded enum sets the records are drawn from (see docs/METRICS.md). A few
// values per field are outside the documented set on purpose, in the same
// proportion a vendor's surprise would be: the exporter folds them into other.
var (
	arResults     = []string{"finished", "finished", "finished", "finished", "failed", "failed", "cancelled", "pending", "created"}
	arHangups     = []string{"ByCallee", "ByCallee", "ByRobot", "ByRobot", "Canceled"}
	arRingTypes   = []string{"normal", "normal", "normal", "normal", "busy", "hold", "outofarea", "unregister", "wrongnum", "notmatch", "lineswitchoff", "cantuse", "null"}
	arLabels      = []string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"}
	arEventLabels = []string{"VerifyPass", "VerifyFail", "Complaint"}

	lfTypes      = []int{1, 1, 1, 1, 2, 3, 4}
	lfStatuses   = []any{50, 50, 50, 10, 20, 30, 40, 60, nil}
	lfCurrencies = []string{"EUR", "USD", ""}
	lfKeys       = []string{"-1", "-1", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*"}
	lfSIPCodes   = []string{"200", "200", "486", "480", "404", "503", "603"}
	lfTermCodes  = []string{"0", "200", "1", "486"}
	lfBillPeriod = []string{"20+20", "60+60", "6+6"}
	lfCodes      = []string{"India(Karnataka)", "India(Delhi)", "Philippines(Globe)", "Indonesia(Telkomsel)", "Mexico(Telcel)"}
	lfIntents    = []string{"YES", "NO", ""}
)

func (g *Generator) airudderRecord(base map[string]any, rng *rand.Rand) map[string]any {
	r := cloneObject(base)
	r["call_id"] = "lg" + g.runID + slotText
	r["id"] = intSlotMarker
	result := pick(rng, arResults)
	r["result"] = result
	r["result_label"] = pick(rng, arLabels)
	r["hangup_type"] = pick(rng, arHangups)
	r["ring_type"] = pick(rng, arRingTypes)
	r["ring_time"] = rng.IntN(40)
	r["call_times"] = 1 + rng.IntN(3)
	if result == "finished" {
		r["duration"] = rng.IntN(300)
		r["talk_round"] = rng.IntN(20)
	} else {
		r["duration"], r["talk_round"] = 0, 0
	}
	r["EventLabel"] = map[string]any{pick(rng, arEventLabels): "x"}
	if rng.IntN(2) == 0 {
		r["redail_call"] = []any{}
	}
	return r
}

func (g *Generator) laafficRecord(base map[string]any, rng *rand.Rand) map[string]any {
	r := cloneObject(base)
	r["voiceId"] = g.runID + slotText
	r["type"] = pick(rng, lfTypes)
	status := pick(rng, lfStatuses)
	r["callStatus"] = status
	submit := int64(1_767_000_000_000) + int64(rng.IntN(86_400_000))
	call := submit + int64(rng.IntN(5000))
	ringing := call + int64(rng.IntN(4000))
	ring := 1 + rng.IntN(30)
	r["submitTime"], r["callTime"], r["ringingTime"], r["ringDuration"] = submit, call, ringing, ring
	if status == 50 {
		talk := rng.IntN(180)
		answer := ringing + int64(ring)*1000
		r["answerTime"], r["hangupTime"] = answer, answer+int64(talk)*1000
		r["callDuration"], r["chargedDuration"] = talk, (talk/20+1)*20
	} else {
		r["answerTime"], r["hangupTime"] = 0, ringing+int64(ring)*1000
		r["callDuration"], r["chargedDuration"] = 0, 0
	}
	if rng.IntN(4) == 0 {
		r["ringDuration"] = strconv.Itoa(ring) // documented: number or numeric string
	}
	cur := pick(rng, lfCurrencies)
	r["currency"] = cur
	cost := strconv.FormatFloat(rng.Float64()/50, 'f', 6, 64)
	delete(r, "costEur")
	if cur == "EUR" && rng.IntN(2) == 0 {
		r["costEur"] = cost // the seed's example spelling
	} else {
		r["cost"] = cost
	}
	r["feedbackValue"] = pick(rng, lfKeys)
	r["sipCode"] = pick(rng, lfSIPCodes)
	r["terminationCode"] = pick(rng, lfTermCodes)
	r["billPeriod"] = pick(rng, lfBillPeriod)
	r["code"] = pick(rng, lfCodes)
	r["intent"] = pick(rng, lfIntents)
	if rng.IntN(10) == 0 {
		r["recallByVoiceId"] = "22121121451211349002"
	}
	return r
}

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

func decodeObject(b []byte) (map[string]any, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	return m, nil
}

// cloneObject deep-copies a decoded JSON object so varied records share no
// nested maps or slices.
func cloneObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneObject(x)
	case []any:
		c := make([]any, len(x))
		for i := range x {
			c[i] = cloneValue(x[i])
		}
		return c
	default:
		return v
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
