package airudder

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/receiver"
)

func decodeAR(t *testing.T, body string) (*webhookBatch, error) {
	t.Helper()
	var d arDecoder
	b := webhookBatch{strs: receiver.NewInterner(64)}
	err := d.decode([]byte(body), &b)
	return &b, err
}

func mustAR(t *testing.T, body string) *webhookBatch {
	t.Helper()
	b, err := decodeAR(t, body)
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return b
}

func TestDecodeAiRudderFixture(t *testing.T) {
	var d arDecoder
	b := webhookBatch{strs: receiver.NewInterner(64)}
	if err := d.decode(testkit.ReadFile(t, "testdata", "airudder-call-webhook.json"), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Calls) != 1 || len(b.Tasks) != 0 || len(b.Invalid) != 0 {
		t.Fatalf("got %d calls, %d tasks, invalid %v", len(b.Calls), len(b.Tasks), b.Invalid)
	}
	want := webhookCall{
		Key:          "ic9adfe00d474bxxxxxxxx5351bc0",
		Exemplar:     "ic9adfe00d474bxxxxxxxx5351bc0",
		Robot:        "f3298554be9xxxxxxxxaa595674", // the call's own, not the task's
		End:          wallTime{T: time.Date(2022, 12, 19, 15, 17, 14, 0, time.UTC), State: timeOK},
		Result:       "finished",
		ResultLabel:  "A",
		HangupType:   "ByCallee",
		RingType:     "normal",
		Duration:     receiver.OptFloat{V: 0, OK: true},
		RingTime:     receiver.OptFloat{V: 0, OK: true},
		TalkRounds:   receiver.OptFloat{V: 0, OK: true},
		DialAttempts: receiver.OptFloat{V: 1, OK: true},
		Redials:      []callRedial{{RingType: "null", HangupType: "ByCallee"}},
		Answers: []callAnswer{
			{Question: "Q1", Verification: "Match", Answered: "Answered"},
			{Question: "Q2", Verification: "-", Answered: "Answered"},
			{Question: "Q3", Verification: "Match", Answered: "Answered"},
		},
		EventLabels: []string{"VerifyPass"},
	}
	if !reflect.DeepEqual(b.Calls[0], want) {
		t.Errorf("call:\n got %+v\nwant %+v", b.Calls[0], want)
	}
	if webhookRecords(&b) != 1 {
		t.Errorf("Records() = %d", webhookRecords(&b))
	}
	if b.SIPLine != "TEST_LINE" || string(b.TaskName) != "xxxxxxxxxxc25a9b2_ic_task" {
		t.Errorf("task dimensions: line %q, task name %q", b.SIPLine, b.TaskName)
	}
}

func TestDecodeAiRudderShapes(t *testing.T) {
	t.Run("multi", func(t *testing.T) {
		b := mustAR(t, `{"task_id":"t","status":"finished","details":[
			{"call_id":"c1","result":"finished","duration":12},
			{"id":42,"result":"failed"},
			{"id":"s-7","call_id":""}]}`)
		if got := keys(b.Calls); !reflect.DeepEqual(got, []string{"c1", "id\x0042", "id\x00s-7"}) {
			t.Fatalf("keys %v, invalid %v", got, b.Invalid)
		}
		if len(b.Tasks) != 0 {
			t.Errorf("a body with details is not a task status: %+v", b.Tasks)
		}
		if b.Calls[1].Result != "failed" || b.Calls[2].Result != "other" {
			t.Errorf("results %q %q", b.Calls[1].Result, b.Calls[2].Result)
		}
	})
	t.Run("task status", func(t *testing.T) {
		b := mustAR(t, `{"task_id":"t1","task_name":"n","status":"calling","robot_hash":"x"}`)
		if len(b.Tasks) != 1 || b.Tasks[0].Status != "calling" || len(b.Calls) != 0 {
			t.Fatalf("%+v", b)
		}
		if b2 := mustAR(t, `{"task_id":"t1","status":"paused"}`); b2.Tasks[0].TaskID != "t1" || b2.Tasks[0].Status != "paused" {
			t.Errorf("task %+v", b2.Tasks[0])
		}
		if b := mustAR(t, `{"task_id":"t1","status":"exploded"}`); b.Tasks[0].Status != "other" {
			t.Errorf("unknown status → %q", b.Tasks[0].Status)
		}
		if b := mustAR(t, `{"task_id":"t1","status":"cancelled"}`); b.Tasks[0].Status != "canceled" {
			t.Errorf("cancelled → %q", b.Tasks[0].Status)
		}
		if b := mustAR(t, `{"task_id":"t1","details":null}`); len(b.Tasks) != 1 || b.Tasks[0].Status != "other" {
			t.Errorf("details null, no status: %+v", b)
		}
		if b := mustAR(t, `{"status":"finished"}`); !reflect.DeepEqual(b.Invalid, []receiver.InvalidReason{receiver.ReasonMissingID}) {
			t.Errorf("no task_id: %+v", b)
		}
	})
	t.Run("workflow", func(t *testing.T) {
		b := mustAR(t, `{"workflow_id":"w1","workflow_name":"wf","nodetask_id":"n1","case_id":"case-9",
			"call_id":"wc1","result":"finished","result_label":" B ","duration":"65","hangup_type":"ByRobot"}`)
		if len(b.Calls) != 1 || !b.Calls[0].Workflow {
			t.Fatalf("%+v", b)
		}
		c := b.Calls[0]
		if c.Key != "wc1" || c.Duration != (receiver.OptFloat{V: 65, OK: true}) || c.ResultLabel != "B" || c.HangupType != "ByRobot" {
			t.Errorf("%+v", c)
		}
		// A workflow notification with its calls in details[] (the task's
		// shape), the workflow fields before or after them.
		for _, body := range []string{
			`{"workflow_id":"w2","case_id":"c2","details":[{"call_id":"wd1","result":"finished"},{"call_id":"wd2","result":"failed"}]}`,
			`{"details":[{"call_id":"wd1","result":"finished"},{"call_id":"wd2","result":"failed"}],"nodetask_id":"n2"}`,
		} {
			if b := mustAR(t, body); len(b.Calls) != 2 || !b.Calls[0].Workflow || !b.Calls[1].Workflow {
				t.Errorf("%s: %+v, want two workflow calls", body, b)
			}
		}
		if b := mustAR(t, `{"task_id":"t","details":[{"call_id":"td1","result":"finished"}]}`); len(b.Calls) != 1 || b.Calls[0].Workflow {
			t.Errorf("a task's calls: %+v, want no workflow call", b)
		}
		// A call at the top level without workflow fields is a call, not a workflow.
		if b := mustAR(t, `{"call_id":"x","result":"failed"}`); len(b.Calls) != 1 || b.Calls[0].Workflow {
			t.Errorf("%+v", b)
		}
	})
	t.Run("empty details", func(t *testing.T) {
		b := mustAR(t, `{"task_id":"t","status":"finished","details":[]}`)
		if webhookRecords(b) != 0 {
			t.Errorf("empty details: %+v", b)
		}
	})
}

func keys(cs []webhookCall) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

func TestDecodeAiRudderFields(t *testing.T) {
	one := func(t *testing.T, call string) webhookCall {
		t.Helper()
		b := mustAR(t, `{"details":[`+call+`]}`)
		if len(b.Calls) != 1 {
			t.Fatalf("%s: invalid %v", call, b.Invalid)
		}
		return b.Calls[0]
	}
	t.Run("missing optional fields", func(t *testing.T) {
		c := one(t, `{"id":1}`)
		want := webhookCall{Key: "id\x001", Exemplar: "1", Result: "other", HangupType: "none", RingType: "null"}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("string numbers", func(t *testing.T) {
		c := one(t, `{"id":1,"duration":"12","ring_time":" 3.5 ","talk_round":"7","call_times":"2"}`)
		if c.Duration != (receiver.OptFloat{V: 12, OK: true}) || c.RingTime != (receiver.OptFloat{V: 3.5, OK: true}) ||
			c.TalkRounds != (receiver.OptFloat{V: 7, OK: true}) || c.DialAttempts != (receiver.OptFloat{V: 2, OK: true}) {
			t.Errorf("%+v", c)
		}
	})
	t.Run("null and empty numbers are absent", func(t *testing.T) {
		c := one(t, `{"id":1,"duration":null,"ring_time":""}`)
		if c.Duration.OK || c.RingTime.OK {
			t.Errorf("%+v", c)
		}
	})
	t.Run("unknown enums", func(t *testing.T) {
		c := one(t, `{"id":1,"result":"exploded","hangup_type":"ByAlien","ring_type":"weird",
			"redail_call":[{"RingType":"busy","HangupType":""},{"RingType":"x"}],
			"question_answer":[{"question_name":"Q","verification_results":"Fuzzy","whether_answer":"Maybe"}]}`)
		if c.Result != "other" || c.HangupType != "other" || c.RingType != "other" {
			t.Errorf("%+v", c)
		}
		if !reflect.DeepEqual(c.Redials, []callRedial{{"busy", "none"}, {"other", "none"}}) {
			t.Errorf("redials %+v", c.Redials)
		}
		if !reflect.DeepEqual(c.Answers, []callAnswer{{"Q", "Fuzzy", "other"}}) {
			t.Errorf("answers %+v", c.Answers)
		}
	})
	t.Run("case-insensitive and alternative spellings", func(t *testing.T) {
		c := one(t, `{"id":1,"result":"Canceled","hangup_type":"byrobot","ring_type":"BUSY"}`)
		if c.Result != "cancelled" || c.HangupType != "ByRobot" || c.RingType != "busy" {
			t.Errorf("%+v", c)
		}
	})
	t.Run("escaped strings", func(t *testing.T) {
		c := one(t, `{"call_id":"a\"b\u00e9","result_label":"\u0041","EventLabel":{"Pay\u0021":"x"}}`)
		if c.Key != `a"bé` || c.ResultLabel != "A" || !reflect.DeepEqual(c.EventLabels, []string{"Pay!"}) {
			t.Errorf("%+v", c)
		}
	})
	t.Run("call_id preferred over id", func(t *testing.T) {
		if c := one(t, `{"id":5,"call_id":"abc"}`); c.Key != "abc" {
			t.Errorf("key %q", c.Key)
		}
	})
	t.Run("long id exemplar is cut to the rune limit", func(t *testing.T) {
		id := strings.Repeat("é", 200)
		c := one(t, `{"call_id":"`+id+`"}`)
		if c.Key != id {
			t.Error("key must stay whole")
		}
		if n := len([]rune(c.Exemplar)) + len("call_id"); n != 128 {
			t.Errorf("exemplar runes with name = %d", n)
		}
	})
}

func TestDecodeAiRudderInvalidRecords(t *testing.T) {
	for _, tc := range []struct {
		call string
		want receiver.InvalidReason
	}{
		{`{"result":"finished"}`, receiver.ReasonMissingID},
		{`{"id":null,"call_id":""}`, receiver.ReasonMissingID},
		{`{"call_id":" ","result":"finished"}`, receiver.ReasonMissingID}, // white space is no id
		{`{"id":1,"duration":-1}`, receiver.ReasonNegativeValue},
		{`{"id":1,"ring_time":"-3"}`, receiver.ReasonNegativeValue},
		{`{"id":1,"duration":90000}`, receiver.ReasonAbsurdValue},
		{`{"id":1,"talk_round":1e9}`, receiver.ReasonAbsurdValue},
		{`{"id":1,"call_times":5000}`, receiver.ReasonAbsurdValue},
		{`{"id":1,"duration":"abc"}`, receiver.ReasonBadNumber},
		{`{"id":1,"duration":"NaN"}`, receiver.ReasonBadNumber},
		{`{"id":1,"duration":"0x1p4"}`, receiver.ReasonBadNumber},
		{`{"id":1,"ring_time":"1_0"}`, receiver.ReasonBadNumber},
		{`{"id":1,"duration":"Inf"}`, receiver.ReasonBadNumber},
		{`{"id":1,"duration":1e400}`, receiver.ReasonBadNumber},
		{`{"id":1,"duration":{}}`, receiver.ReasonBadType},
		{`{"id":1,"duration":true}`, receiver.ReasonBadType},
		{`{"id":{"x":1}}`, receiver.ReasonBadType},
		{`{"id":1,"result":["finished"]}`, receiver.ReasonBadType},
		{`{"id":1,"question_answer":"x"}`, receiver.ReasonBadType},
		{`{"id":1,"question_answer":[1]}`, receiver.ReasonBadType},
		{`{"id":1,"redail_call":{}}`, receiver.ReasonBadType},
		{`{"id":1,"EventLabel":"VerifyPass"}`, receiver.ReasonBadType},
		{`1`, receiver.ReasonNotObject},
		{`"x"`, receiver.ReasonNotObject},
		{`null`, receiver.ReasonNotObject},
		{`[{"id":1}]`, receiver.ReasonNotObject},
	} {
		b := mustAR(t, `{"details":[`+tc.call+`,{"id":"good"}]}`)
		if !reflect.DeepEqual(b.Invalid, []receiver.InvalidReason{tc.want}) || len(b.Calls) != 1 || b.Calls[0].Key != "id\x00good" {
			t.Errorf("%s: invalid %v, calls %v; want [%s] and the good call", tc.call, b.Invalid, keys(b.Calls), tc.want)
		}
	}
}

// A task id is compared as a call id is: trimmed, numbers in one
// spelling; one of white space alone is no id (missing_id), or every such
// task would be one task in the status memory.
func TestDecodeAiRudderTaskIDs(t *testing.T) {
	for _, tc := range []struct {
		body string
		key  string                 // the task's id as remembered
		want receiver.InvalidReason // or the record is invalid
	}{
		{`{"task_id":"t1","status":"paused"}`, "t1", ""},
		{`{"task_id":" t1\t","status":"paused"}`, "t1", ""},
		{`{"task_id":5,"status":"paused"}`, "5", ""},
		{`{"task_id":"5.0","status":"paused"}`, "5", ""},
		{`{"task_id":" ","status":"paused"}`, "", receiver.ReasonMissingID},
		{`{"task_id":"\t\r\n","status":"paused"}`, "", receiver.ReasonMissingID},
		{`{"task_id":"\u00a0","status":"paused"}`, "", receiver.ReasonMissingID},
		{`{"task_id":"","status":"paused"}`, "", receiver.ReasonMissingID},
		{`{"task_id":null,"status":"paused"}`, "", receiver.ReasonMissingID},
		{`{"task_id":[],"status":"paused"}`, "", receiver.ReasonBadType},
	} {
		b := mustAR(t, tc.body)
		if tc.want != "" {
			if !reflect.DeepEqual(b.Invalid, []receiver.InvalidReason{tc.want}) || len(b.Tasks) != 0 {
				t.Errorf("%s: invalid %v, tasks %+v; want [%s]", tc.body, b.Invalid, b.Tasks, tc.want)
			}
			continue
		}
		if len(b.Invalid) != 0 || len(b.Tasks) != 1 || b.Tasks[0].TaskID != tc.key {
			t.Errorf("%s: invalid %v, tasks %+v; want task %q", tc.body, b.Invalid, b.Tasks, tc.key)
		}
	}
}

// Status changes of tasks whose id is white space are invalid, not the
// repeats of one another; the calls of the same body are counted.
func TestAiRudderBlankTaskIDsAreMissing(t *testing.T) {
	tr, _ := newWebhookReceiver(t, config.Webhooks{})
	tr.PostOK(t, webhookPath, []byte(`{"task_id":" ","status":"paused"}`))
	tr.PostOK(t, webhookPath, []byte(`{"task_id":"\t","status":"paused"}`))
	tr.PostOK(t, webhookPath, []byte(`{"task_id":" ","details":[{"call_id":" ","duration":3},{"call_id":"good","duration":4}]}`))
	if v := testkit.Value(t, tr.Reg, "airudder_exporter_webhook_invalid_records_total", "source", webhookVendor, "reason", "missing_id"); v != 3 {
		t.Errorf("missing_id = %v, want 3", v)
	}
	if c, d := tr.Records(t, webhookVendor, "counted"), tr.Records(t, webhookVendor, "duplicate"); c != 1 || d != 0 {
		t.Errorf("counted %v duplicate %v, want 1 (the good call) and 0", c, d)
	}
}

func TestDecodeAiRudderBodyErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		want error
	}{
		{``, receiver.ErrEmptyBody},
		{" \n\t", receiver.ErrEmptyBody},
		{`[{"id":1}]`, receiver.ErrNotObject},
		{`"x"`, receiver.ErrNotObject},
		{`42`, receiver.ErrNotObject},
		{`{`, receiver.ErrNotJSON},
		{`{"details":[{"id":1}]`, receiver.ErrNotJSON},
		{`{"details":[{"id":1},]}`, receiver.ErrNotJSON},
		{`{"a":1}{}`, receiver.ErrNotJSON},
		{`{"a":01}`, receiver.ErrNotJSON},
		{`{'a':1}`, receiver.ErrNotJSON},
		{`nul`, receiver.ErrNotJSON},
		{`{"details":"x"}`, errDetailsNotArray},
		{`{"details":{"id":1}}`, errDetailsNotArray},
	} {
		b, err := decodeAR(t, tc.body)
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: err %v, want %v", tc.body, err, tc.want)
		}
		if webhookRecords(b) != 0 {
			t.Errorf("%q: a rejected body must yield no records, got %d", tc.body, webhookRecords(b))
		}
	}
}

// A value the decoder skips may nest to any depth: the body is read and
// its calls counted; only a broken nest refuses it.
func TestDecodeAiRudderDeepSkippedValues(t *testing.T) {
	arrays := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	objects := func(n int) string { return strings.Repeat(`{"a":[`, n) + strings.Repeat("]}", n) }
	for _, tc := range []struct {
		name, body string
		calls      []string // keys
	}{
		{"call variables", `{"details":[{"call_id":"dv1","duration":3},{"call_id":"dv2","variables":` + arrays(130) + `}]}`,
			[]string{"dv1", "dv2"}},
		{"ten thousand levels", `{"details":[{"call_id":"dv1","variables":` + arrays(10000) + `},{"call_id":"dv2"}]}`,
			[]string{"dv1", "dv2"}},
		{"objects and arrays", `{"details":[{"call_id":"dv1","NerSlots":` + objects(5000) + `}]}`, []string{"dv1"}},
		{"next to details", `{"task_id":"t","x":` + arrays(10000) + `,"details":[{"call_id":"a"}],"y":` + objects(200) + `}`,
			[]string{"a"}},
		{"in a question_answer entry", `{"details":[{"call_id":"a","question_answer":[{"question_name":"Q","answer":` +
			objects(200) + `}]}]}`, []string{"a"}},
		{"an EventLabel value", `{"details":[{"call_id":"a","EventLabel":{"X":` + arrays(200) + `}}]}`, []string{"a"}},
		{"a workflow call", `{"workflow_id":"w","call_id":"a","variables":` + objects(200) + `}`, []string{"a"}},
	} {
		b, err := decodeAR(t, tc.body)
		if err != nil || !reflect.DeepEqual(keys(b.Calls), tc.calls) || len(b.Invalid) != 0 {
			t.Errorf("%s: %v, calls %v, invalid %v; want calls %v", tc.name, err, keys(b.Calls), b.Invalid, tc.calls)
		}
	}
	// Broken deep down: the body is not JSON.
	for _, body := range []string{
		`{"details":[{"call_id":"dv1"},{"call_id":"dv2","variables":` + strings.Repeat("[", 130) + strings.Repeat("}", 130) + `}]}`,
		`{"details":[{"call_id":"dv1","variables":` + arrays(10000)[1:] + `}]}`,
		`{"details":[{"call_id":"dv1","variables":` + strings.Repeat(`{"a"`, 1000) + `1` + strings.Repeat("}", 1000) + `}]}`,
	} {
		if b, err := decodeAR(t, body); !errors.Is(err, receiver.ErrNotJSON) || webhookRecords(b) != 0 {
			t.Errorf("%.80s...: %v, %d records; want %v", body, err, webhookRecords(b), receiver.ErrNotJSON)
		}
	}
	// Through the receiver: answered 200, both calls counted.
	tr, _ := newWebhookReceiver(t, config.Webhooks{})
	tr.PostOK(t, webhookPath, []byte(`{"details":[{"call_id":"dv1","duration":3},{"call_id":"dv2","variables":`+arrays(130)+`}]}`))
	if c := tr.Records(t, webhookVendor, "counted"); c != 2 {
		t.Errorf("counted %v, want 2", c)
	}
}

// A pooled decoder must not leak one body's fields into the next.
func TestDecodeAiRudderReuse(t *testing.T) {
	var d arDecoder
	b := webhookBatch{strs: receiver.NewInterner(64)}
	rich := `{"details":[{"call_id":"a","duration":5,"EventLabel":{"X":"X"},"question_answer":[{"question_name":"Q"}],` +
		`"redail_call":[{"RingType":"busy"}]},{"call_id":"b","result_label":"C"}]}`
	if err := d.decode([]byte(rich), &b); err != nil || len(b.Calls) != 2 {
		t.Fatal(err, b)
	}
	if err := d.decode([]byte(`{"details":[{"call_id":"c"}]}`), &b); err != nil {
		t.Fatal(err)
	}
	want := webhookCall{Key: "c", Exemplar: "c", Result: "other", HangupType: "none", RingType: "null"}
	if len(b.Calls) != 1 || !reflect.DeepEqual(b.Calls[0], want) {
		t.Errorf("stale data: %+v", b.Calls)
	}
	if err := d.decode([]byte(`{"task_id":"t","status":"finished"}`), &b); err != nil || len(b.Tasks) != 1 || len(b.Calls) != 0 {
		t.Errorf("task after calls: %v %+v", err, b)
	}
}

// parseCallTime reads exactly what time.Parse reads with the call time
// layout, and to the same time: the fast form and every near miss of it.
func TestParseCallTimeIsTimeParse(t *testing.T) {
	in := []string{
		"2022-12-19 15:17:14", "0000-01-01 00:00:00", "9999-12-31 23:59:59",
		"2024-02-29 12:00:00", "2023-02-29 12:00:00", "1900-02-29 00:00:00", "2000-02-29 00:00:00",
		"2022-04-31 10:00:00", "2022-13-01 10:00:00", "2022-00-10 10:00:00", "2022-12-00 10:00:00",
		"2022-12-19 24:00:00", "2022-12-19 23:60:00", "2022-12-19 23:59:60", "2022-12-19 9:05:01",
		"2022-12-19 15:17:14.250", "2022-12-19T15:17:14", "2022/12/19 15:17:14", "+022-12-19 15:17:14",
		"2022-1a-19 15:17:14", "2022-12-19 15:17:1 ", " 2022-12-19 15:17:1", "2022-12-19", "",
	}
	// Every byte of the fast form replaced by each of a few others.
	base := "2024-02-29 23:59:59"
	for i := range base {
		for _, c := range []byte("0159 -:+.a") {
			b := []byte(base)
			b[i] = c
			in = append(in, string(b))
		}
	}
	for _, s := range in {
		want, err := time.Parse(callTimeLayout, s)
		got, ok := parseCallTime([]byte(s))
		if ok != (err == nil) || got != want {
			t.Errorf("%q: got %v, %v; time.Parse %v, %v", s, got, ok, want, err)
		}
	}
}
