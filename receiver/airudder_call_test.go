package receiver

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func decodeAR(t *testing.T, body string) (*AiRudderBatch, error) {
	t.Helper()
	var d arDecoder
	var b AiRudderBatch
	err := d.decode([]byte(body), &b)
	return &b, err
}

func mustAR(t *testing.T, body string) *AiRudderBatch {
	t.Helper()
	b, err := decodeAR(t, body)
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return b
}

func TestDecodeAiRudderFixture(t *testing.T) {
	var d arDecoder
	var b AiRudderBatch
	if err := d.decode(readFixture(t, "airudder-call-webhook.json"), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.Calls) != 1 || len(b.Tasks) != 0 || len(b.Invalid) != 0 {
		t.Fatalf("got %d calls, %d tasks, invalid %v", len(b.Calls), len(b.Tasks), b.Invalid)
	}
	want := AiRudderCall{
		Key:          "ic9adfe00d474bxxxxxxxx5351bc0",
		Exemplar:     "ic9adfe00d474bxxxxxxxx5351bc0",
		Robot:        "f3298554be9xxxxxxxxaa595674", // the call's own, not the task's
		End:          WallTime{T: time.Date(2022, 12, 19, 15, 17, 14, 0, time.UTC), State: TimeOK},
		Result:       "finished",
		ResultLabel:  "A",
		HangupType:   "ByCallee",
		RingType:     "normal",
		Duration:     OptFloat{0, true},
		RingTime:     OptFloat{0, true},
		TalkRounds:   OptFloat{0, true},
		DialAttempts: OptFloat{1, true},
		Redials:      []Redial{{RingType: "null", HangupType: "ByCallee"}},
		Answers: []Answer{
			{Question: "Q1", Verification: "Match", Answered: "Answered"},
			{Question: "Q2", Verification: "-", Answered: "Answered"},
			{Question: "Q3", Verification: "Match", Answered: "Answered"},
		},
		EventLabels: []string{"VerifyPass"},
	}
	if !reflect.DeepEqual(b.Calls[0], want) {
		t.Errorf("call:\n got %+v\nwant %+v", b.Calls[0], want)
	}
	if b.Records() != 1 {
		t.Errorf("Records() = %d", b.Records())
	}
	if b.SIPLine != "TEST_LINE" || b.TaskName != "xxxxxxxxxxc25a9b2_ic_task" {
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
		if b := mustAR(t, `{"status":"finished"}`); !reflect.DeepEqual(b.Invalid, []InvalidReason{ReasonMissingID}) {
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
		if c.Key != "wc1" || c.Duration != (OptFloat{65, true}) || c.ResultLabel != "B" || c.HangupType != "ByRobot" {
			t.Errorf("%+v", c)
		}
		// A call at the top level without workflow fields is a call, not a workflow.
		if b := mustAR(t, `{"call_id":"x","result":"failed"}`); len(b.Calls) != 1 || b.Calls[0].Workflow {
			t.Errorf("%+v", b)
		}
	})
	t.Run("empty details", func(t *testing.T) {
		b := mustAR(t, `{"task_id":"t","status":"finished","details":[]}`)
		if b.Records() != 0 {
			t.Errorf("empty details: %+v", b)
		}
	})
}

func keys(cs []AiRudderCall) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

func TestDecodeAiRudderFields(t *testing.T) {
	one := func(t *testing.T, call string) AiRudderCall {
		t.Helper()
		b := mustAR(t, `{"details":[`+call+`]}`)
		if len(b.Calls) != 1 {
			t.Fatalf("%s: invalid %v", call, b.Invalid)
		}
		return b.Calls[0]
	}
	t.Run("missing optional fields", func(t *testing.T) {
		c := one(t, `{"id":1}`)
		want := AiRudderCall{Key: "id\x001", Exemplar: "1", Result: "other", HangupType: "none", RingType: "null"}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("string numbers", func(t *testing.T) {
		c := one(t, `{"id":1,"duration":"12","ring_time":" 3.5 ","talk_round":"7","call_times":"2"}`)
		if c.Duration != (OptFloat{12, true}) || c.RingTime != (OptFloat{3.5, true}) ||
			c.TalkRounds != (OptFloat{7, true}) || c.DialAttempts != (OptFloat{2, true}) {
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
		if !reflect.DeepEqual(c.Redials, []Redial{{"busy", "none"}, {"other", "none"}}) {
			t.Errorf("redials %+v", c.Redials)
		}
		if !reflect.DeepEqual(c.Answers, []Answer{{"Q", "Fuzzy", "other"}}) {
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
		want InvalidReason
	}{
		{`{"result":"finished"}`, ReasonMissingID},
		{`{"id":null,"call_id":""}`, ReasonMissingID},
		{`{"call_id":" ","result":"finished"}`, ReasonMissingID}, // white space is no id
		{`{"id":1,"duration":-1}`, ReasonNegativeValue},
		{`{"id":1,"ring_time":"-3"}`, ReasonNegativeValue},
		{`{"id":1,"duration":90000}`, ReasonAbsurdValue},
		{`{"id":1,"talk_round":1e9}`, ReasonAbsurdValue},
		{`{"id":1,"call_times":5000}`, ReasonAbsurdValue},
		{`{"id":1,"duration":"abc"}`, ReasonBadNumber},
		{`{"id":1,"duration":"NaN"}`, ReasonBadNumber},
		{`{"id":1,"duration":1e400}`, ReasonBadNumber},
		{`{"id":1,"duration":{}}`, ReasonBadType},
		{`{"id":1,"duration":true}`, ReasonBadType},
		{`{"id":{"x":1}}`, ReasonBadType},
		{`{"id":1,"result":["finished"]}`, ReasonBadType},
		{`{"id":1,"question_answer":"x"}`, ReasonBadType},
		{`{"id":1,"question_answer":[1]}`, ReasonBadType},
		{`{"id":1,"redail_call":{}}`, ReasonBadType},
		{`{"id":1,"EventLabel":"VerifyPass"}`, ReasonBadType},
		{`1`, ReasonNotObject},
		{`"x"`, ReasonNotObject},
		{`null`, ReasonNotObject},
		{`[{"id":1}]`, ReasonNotObject},
	} {
		b := mustAR(t, `{"details":[`+tc.call+`,{"id":"good"}]}`)
		if !reflect.DeepEqual(b.Invalid, []InvalidReason{tc.want}) || len(b.Calls) != 1 || b.Calls[0].Key != "id\x00good" {
			t.Errorf("%s: invalid %v, calls %v; want [%s] and the good call", tc.call, b.Invalid, keys(b.Calls), tc.want)
		}
	}
}

func TestDecodeAiRudderBodyErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		want error
	}{
		{``, errEmptyBody},
		{" \n\t", errEmptyBody},
		{`[{"id":1}]`, errNotObject},
		{`"x"`, errNotObject},
		{`42`, errNotObject},
		{`{`, errNotJSON},
		{`{"details":[{"id":1}]`, errNotJSON},
		{`{"details":[{"id":1},]}`, errNotJSON},
		{`{"a":1}{}`, errNotJSON},
		{`{"a":01}`, errNotJSON},
		{`{'a':1}`, errNotJSON},
		{`nul`, errNotJSON},
		{`{"details":"x"}`, errDetailsNotArray},
		{`{"details":{"id":1}}`, errDetailsNotArray},
	} {
		b, err := decodeAR(t, tc.body)
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: err %v, want %v", tc.body, err, tc.want)
		}
		if b.Records() != 0 {
			t.Errorf("%q: a rejected body must yield no records, got %d", tc.body, b.Records())
		}
	}
}

// A pooled decoder must not leak one body's fields into the next.
func TestDecodeAiRudderReuse(t *testing.T) {
	var d arDecoder
	var b AiRudderBatch
	rich := `{"details":[{"call_id":"a","duration":5,"EventLabel":{"X":"X"},"question_answer":[{"question_name":"Q"}],` +
		`"redail_call":[{"RingType":"busy"}]},{"call_id":"b","result_label":"C"}]}`
	if err := d.decode([]byte(rich), &b); err != nil || len(b.Calls) != 2 {
		t.Fatal(err, b)
	}
	if err := d.decode([]byte(`{"details":[{"call_id":"c"}]}`), &b); err != nil {
		t.Fatal(err)
	}
	want := AiRudderCall{Key: "c", Exemplar: "c", Result: "other", HangupType: "none", RingType: "null"}
	if len(b.Calls) != 1 || !reflect.DeepEqual(b.Calls[0], want) {
		t.Errorf("stale data: %+v", b.Calls)
	}
	if err := d.decode([]byte(`{"task_id":"t","status":"finished"}`), &b); err != nil || len(b.Tasks) != 1 || len(b.Calls) != 0 {
		t.Errorf("task after calls: %v %+v", err, b)
	}
}
