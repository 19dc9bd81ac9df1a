package airudder

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"airudder_exporter/internal/testkit"
	"airudder_exporter/internal/webhookgolden"
)

// FuzzDecodeAiRudder checks, for any body: no panic; a rejected body yields no
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

// webhookFuzz is shared by all iterations of a fuzz worker.
var webhookFuzz webhookgolden.FuzzReceiver

// webhookIn reports whether v is in set or extra.
func webhookIn(v string, set []string, extra ...string) bool {
	return slices.Contains(set, v) || slices.Contains(extra, v)
}

func FuzzDecodeAiRudder(f *testing.F) {
	f.Add(testkit.ReadFile(f, "testdata", "airudder-call-webhook.json"))
	for _, s := range arSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v := webhookFuzz.Vendor(t, NewWebhooks).(*webhookRecorder)
		b := &webhookBatch{strs: v.strs}
		wb := v.newBody(b)
		defer wb.Release()
		err := wb.Decode(body)
		// Read again by the same decoder, which now expects this body's
		// keys (arDecoder's shapes): the same answer. Printed first, as
		// the events share the batch's storage.
		first := fmt.Sprintf("%+v", *b)
		if err2 := wb.Decode(body); !errors.Is(err2, err) || fmt.Sprintf("%+v", *b) != first {
			t.Fatalf("%q: read again: %v %+v, first %v %s", body, err2, *b, err, first)
		}
		if webhookgolden.Refused(t, body, err, webhookRecords(b)) || webhookgolden.BeyondEncodingJSON(body) {
			return
		}
		if want, ok := webhookgolden.JSONRecords(body, "details", false); !ok || want != webhookRecords(b) {
			t.Fatalf("%q: %d records (%d calls, %d tasks, %d invalid), encoding/json sees %d (%v)",
				body, webhookRecords(b), len(b.Calls), len(b.Tasks), len(b.Invalid), want, ok)
		}
		for _, c := range b.Calls {
			if c.Key == "" || !webhookIn(c.Result, airudderResults, "other") || !webhookIn(c.HangupType, airudderHangupTypes, "none", "other") ||
				!webhookIn(c.RingType, airudderRingTypes, "other") {
				t.Fatalf("call %+v", c)
			}
			for _, r := range c.Redials {
				if !webhookIn(r.RingType, airudderRingTypes, "other") || !webhookIn(r.HangupType, airudderHangupTypes, "none", "other") {
					t.Fatalf("redial %+v", r)
				}
			}
			for _, a := range c.Answers {
				if !webhookIn(a.Answered, airudderAnswered, "other") {
					t.Fatalf("answer %+v", a)
				}
			}
		}
		for _, task := range b.Tasks {
			if !webhookIn(task.Status, airudderTaskStatus, "other") {
				t.Fatalf("task %+v", task)
			}
		}
		webhookgolden.RecordAll(wb)
		webhookFuzz.CheckLabels(t, func() webhookgolden.Bounds {
			return webhookLabelBounds(webhookgolden.FuzzCap, 1, webhookgolden.RequestOutcomes(t, NewWebhooks()))
		})
	})
}
