package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
)

// The fuzz targets check, for any body: no panic; a rejected body yields no
// records; an accepted body yields exactly as many records (counted +
// invalid) as encoding/json sees in it; every closed label value is in its
// set; and, through a shared receiver, that no label grows past its bound.

var arSeeds = []string{
	`{"details":[{"id":1},{"call_id":"x","duration":"12"},7,null]}`,
	`{"task_id":"t","status":"finished"}`,
	`{"workflow_id":"w","case_id":"c","call_id":"x","result":"finished","duration":30}`,
	`{"details":[]}`, `{"details":null}`, `{"details":"x"}`, `{"details":[{"id":1}],"details":[]}`,
	`{"details":[{"id":1,"duration":-1,"ring_time":1e400,"talk_round":"x","call_times":{}}]}`,
	`{"details":[{"id":1,"question_answer":[{"question_name":"Q\u00e9"},1],"EventLabel":{"a":1,"b":[]}}]}`,
	`{"details":[{"call_id":"\ud83d","redail_call":[{"RingType":"busy"}]}]}`,
	`[]`, `""`, ``, `{`,
}

var laSeeds = []string{
	`{"array":[{"voiceId":"a"},{"voiceId":"b","cost":"1"},1,null]}`,
	`[{"voiceId":"a","callStatus":null},{"voiceId":2,"type":"3"}]`,
	`{"voiceId":"v","costEur":"0.1","currency":""}`,
	`{"array":[]}`, `{"array":null,"voiceId":"v"}`, `{"array":"x"}`, `{"array":[{"voiceId":"a"}],"array":[]}`,
	`{"voiceId":"v","callTime":2,"ringingTime":1}`, `{"voiceId":"v","cost":"-1","settlePay":"1e9"}`,
	`[]`, `5`, ``, `[`,
}

// fuzzReceiver is shared by all iterations of a fuzz worker, so label
// values accumulate as they would in a long-running exporter.
var (
	fuzzOnce sync.Once
	fuzzRecv *Receiver
	fuzzReg  *prometheus.Registry
	fuzzRuns int
	fuzzMu   sync.Mutex
)

const fuzzCap = 5

func fuzzReceiver(t *testing.T) *Receiver {
	fuzzOnce.Do(func() {
		fuzzReg = prometheus.NewRegistry()
		r, err := New(config.Webhooks{MaxLabelValues: fuzzCap}, Options{Registerer: fuzzReg})
		if err != nil {
			t.Fatal(err)
		}
		fuzzRecv = r
	})
	return fuzzRecv
}

// expectedRecords counts records the way encoding/json reads the body.
func expectedRecords(b []byte, listKey string, bareList bool) (int, bool) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // 1e400 is a valid number, just not a float64
	if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(bytes.TrimRight(b, " \t\r\n"))) {
		return 0, false
	}
	switch top := v.(type) {
	case []any:
		if bareList {
			return len(top), true
		}
	case map[string]any:
		if l, ok := top[listKey].([]any); ok {
			return len(l), true
		}
		return 1, true
	}
	return 0, false
}

func checkLabelsBounded(t *testing.T) {
	fuzzMu.Lock()
	defer fuzzMu.Unlock()
	fuzzRuns++
	if fuzzRuns%200 != 0 {
		return
	}
	mfs, err := fuzzReg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	bounds := labelBounds(fuzzCap, 1)
	for _, mf := range mfs {
		b := bounds[mf.GetName()]
		distinct := map[string]map[string]bool{}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if distinct[lp.GetName()] == nil {
					distinct[lp.GetName()] = map[string]bool{}
				}
				distinct[lp.GetName()][lp.GetValue()] = true
				if lp.GetName() != "metric" && lp.GetName() != "source" && lp.GetName() != "reason" &&
					lp.GetName() != "outcome" && !labelcap.Printable(lp.GetValue()) &&
					(lp.GetName() != "campaign" || lp.GetValue() != "") { // no campaign rules: empty by design
					t.Fatalf("%s: unprintable label value %q", mf.GetName(), lp.GetValue())
				}
			}
		}
		for label, vals := range distinct {
			if max, ok := b[label]; ok && len(vals) > max {
				t.Fatalf("%s{%s}: %d values > %d", mf.GetName(), label, len(vals), max)
			}
		}
	}
}

func in(v string, set []string, extra ...string) bool {
	return slices.Contains(set, v) || slices.Contains(extra, v)
}

func FuzzDecodeAiRudder(f *testing.F) {
	f.Add(readFixture(f, "airudder-call-webhook.json"))
	for _, s := range arSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var d arDecoder
		var b AiRudderBatch
		err := d.decode(body, &b)
		if err != nil {
			if b.Records() != 0 {
				t.Fatalf("error %v with %d records", err, b.Records())
			}
			if errors.Is(err, errNotJSON) && json.Valid(body) && depth(body) <= maxDepth {
				t.Fatalf("valid JSON refused: %q", body)
			}
			return
		}
		if want, ok := expectedRecords(body, "details", false); !ok || want != b.Records() {
			t.Fatalf("%q: %d records (%d calls, %d tasks, %d invalid), encoding/json sees %d (%v)",
				body, b.Records(), len(b.Calls), len(b.Tasks), len(b.Invalid), want, ok)
		}
		for _, c := range b.Calls {
			if c.Key == "" || !in(c.Result, airudderResults, "other") || !in(c.HangupType, airudderHangupTypes, "none", "other") ||
				!in(c.RingType, airudderRingTypes, "other") {
				t.Fatalf("call %+v", c)
			}
			for _, r := range c.Redials {
				if !in(r.RingType, airudderRingTypes, "other") || !in(r.HangupType, airudderHangupTypes, "none", "other") {
					t.Fatalf("redial %+v", r)
				}
			}
			for _, a := range c.Answers {
				if !in(a.Answered, airudderAnswered, "other") {
					t.Fatalf("answer %+v", a)
				}
			}
		}
		for _, task := range b.Tasks {
			if !in(task.Status, airudderTaskStatus, "other") {
				t.Fatalf("task %+v", task)
			}
		}
		r := fuzzReceiver(t)
		r.rec.airudder(&b, "default", r.now())
		checkLabelsBounded(t)
	})
}

func FuzzDecodeLaaffic(f *testing.F) {
	for _, fx := range []string{"laaffic-ivr-push.json", "laaffic-ai-agent-push.json",
		"laaffic-call-center-push.json", "laaffic-ringing-push.json"} {
		f.Add(readFixture(f, fx))
	}
	for _, s := range laSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var d laDecoder
		var b LaafficBatch
		err := d.decode(body, &b)
		if err != nil {
			if b.Records() != 0 {
				t.Fatalf("error %v with %d records", err, b.Records())
			}
			if errors.Is(err, errNotJSON) && json.Valid(body) && depth(body) <= maxDepth {
				t.Fatalf("valid JSON refused: %q", body)
			}
			return
		}
		if want, ok := expectedRecords(body, "array", true); !ok || want != b.Records() {
			t.Fatalf("%q: %d records (%d calls, %d call-centre, %d ringing, %d invalid), encoding/json sees %d (%v)",
				body, b.Records(), len(b.Calls), len(b.Center), len(b.Ringing), len(b.Invalid), want, ok)
		}
		for _, c := range b.Calls {
			ok := c.Key != "" &&
				in(c.Type, []string{"group_call", "verification_code", "handset_call", "handset_direct_dial", "other"}) &&
				in(c.CallStatus, []string{"busy", "no_answer", "not_connected", "voicemail", "connected", "other", "unknown"}) &&
				in(c.Product, []string{productIVR, productAIAgent}) &&
				(!c.Cost.OK || laafficCurrencyCode(c.CostCurrency)) && laafficCurrencyCode(c.Currency) &&
				in(c.Keypress, dtmfKeys[:], "none", "other") &&
				in(c.SIPClass, sipClasses[1:], "none", "other") &&
				in(c.Termination, []string{"success", "failure", "unknown"})
			for _, v := range []OptFloat{c.Duration, c.RingDuration, c.Charged, c.TimeToAnswer, c.QueueDelay,
				c.PostDialDelay, c.AICharged} {
				if v.OK && (v.V < 0 || v.V > 7*24*3600) {
					ok = false
				}
			}
			for _, v := range []OptFloat{c.Cost, c.BaseCostUSD, c.SettlePay, c.AIQuoteFee} {
				if v.OK && (v.V < 0 || v.V > laafficMaxAmountUnknown) {
					ok = false
				}
			}
			if !ok {
				t.Fatalf("call %+v", c)
			}
		}
		for _, c := range b.Center {
			if c.Key == "" || c.Key[0] != laafficKeySpace ||
				!in(c.CallType, []string{"group_transfer", "inbound", "outbound", "other"}) ||
				!in(c.HangupReason, laafficHangupReasons[:], "other") ||
				!in(c.HangingDirection, []string{"customer", "agent", "system", "other", "unknown"}) ||
				!in(c.Outcome, []string{"answered", "not_answered", "failed", "other"}) ||
				(c.CostUSD.OK && (c.CostUSD.V < 0 || c.CostUSD.V > laafficMaxAmount("USD"))) {
				t.Fatalf("call-centre record %+v", c)
			}
		}
		for _, g := range b.Ringing {
			if g.Key == "" || g.Key[0] != laafficKeySpace || g.UnansweredLegs < 0 ||
				!in(g.Type, []string{"group_transfer", "call_center_transfer", "api_call", "other"}) {
				t.Fatalf("ringing %+v", g)
			}
		}
		r := fuzzReceiver(t)
		r.rec.laaffic(&b, "default", r.now())
		checkLabelsBounded(t)
	})
}

// laafficCurrencyCode: a currency label the decoder may hand out.
func laafficCurrencyCode(c string) bool {
	if c == "other" {
		return true
	}
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}
