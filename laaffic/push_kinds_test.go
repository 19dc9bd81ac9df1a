package laaffic

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/receiver"
)

// Decoding of the LAAFFIC push kinds other than the IVR record, from the
// documented field sets (testdata/laaffic-*-push.json).

func TestDecodeLaafficAIAgentFixture(t *testing.T) {
	b := mustLA(t, string(testkit.ReadFile(t, "testdata", "laaffic-ai-agent-push.json")))
	if len(b.Calls) != 2 || len(b.Invalid) != 0 || len(b.Center) != 0 || len(b.Ringing) != 0 {
		t.Fatalf("%+v", b)
	}
	// First record: "yyyyMMddHHmmss" times, EUR quote.
	c := b.Calls[0]
	want := pushCall{
		Key: "26010112000000010001", Exemplar: "26010112000000010001",
		Product: "ai_agent", Type: label[voiceType](voiceTypeNames[:], "group_call"), CallStatus: label[callStatus](callStatusNames[:], "unknown"), Currency: "EUR",
		Duration: receiver.OptFloat{V: 105, OK: true}, RingDuration: receiver.OptFloat{V: 7, OK: true}, Charged: receiver.OptFloat{V: 120, OK: true},
		TimeToAnswer: receiver.OptFloat{V: 7, OK: true}, QueueDelay: receiver.OptFloat{V: 10, OK: true}, PostDialDelay: receiver.OptFloat{V: 3, OK: true},
		Cost: receiver.OptFloat{V: 0.1104, OK: true}, CostCurrency: "EUR", SettlePay: receiver.OptFloat{V: 0.12, OK: true},
		AIQuoteFee: receiver.OptFloat{V: 0.092, OK: true}, AICharged: receiver.OptFloat{V: 120, OK: true}, IntentCode: "A",
		Keypress: label[keypress](keypressNames[:], "none"), SIPClass: label[sipClass](sipClassNames[:], "2xx"), Termination: label[termination](terminationNames[:], "success"), BillPeriod: "60+60",
		Intent: "PROMISE_TO_PAY", Country: "Indonesia", Script: "123",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("yyyyMMddHHmmss record\n got %+v\nwant %+v", c, want)
	}
	// Second record: the same kind of call with millisecond strings and no
	// currency (USD).
	c = b.Calls[1]
	if !approx(c.QueueDelay, 10) || !approx(c.PostDialDelay, 2.5) || !approx(c.TimeToAnswer, 4) ||
		!approx(c.Duration, 30) || c.BadFields != 0 {
		t.Errorf("millisecond record delays: %+v", c)
	}
	if c.Currency != "USD" || !approx(c.AIQuoteFee, 0.05) || !approx(c.Cost, 0.06) || c.CostCurrency != "USD" || c.Script != "456" {
		t.Errorf("millisecond record fees: %+v", c)
	}
}

func TestLaafficTimestampForms(t *testing.T) {
	rec := func(submit, call, ringing, answer, hangup string) pushCall {
		t.Helper()
		return oneLA(t, `{"array":[{"voiceId":"v","type":1,"aiAgentQuoteFee":"0.01","submitTime":`+submit+
			`,"callTime":`+call+`,"ringingTime":`+ringing+`,"answerTime":`+answer+`,"hangupTime":`+hangup+`}]}`)
	}
	for _, tc := range []struct {
		name                                  string
		submit, call, ringing, answer, hangup string
		queue, postDial, toAnswer, talk       float64
	}{
		// The bug: read as milliseconds, 23:59:59 → 00:00:01 is 764 s.
		{"across midnight", `"20260101235950"`, `"20260101235958"`, `"20260102000001"`, `"20260102000010"`, `"20260102000110"`, 8, 3, 9, 60},
		// Read as milliseconds, this was 8.9e6 s: dropped as absurd.
		{"across New Year", `"20251231235930"`, `"20251231235959"`, `"20260101000001"`, `"20260101000005"`, `"20260101000105"`, 29, 2, 4, 60},
		{"as JSON numbers", `20260101120000`, `20260101120001`, `20260101120004`, `20260101120010`, `20260101120040`, 1, 3, 6, 30},
		{"milliseconds as strings", `"1767283190000"`, `"1767283198000"`, `"1767283201000"`, `"1767283210000"`, `"1767283270000"`, 8, 3, 9, 60},
		{"milliseconds as numbers", `1767283190000`, `1767283198000`, `1767283201000`, `1767283210000`, `1767283270000`, 8, 3, 9, 60},
		{"date-time strings", `"2026-01-01 23:59:50"`, `"2026-01-01 23:59:58"`, `"2026-01-02 00:00:01"`, `"2026-01-02 00:00:10"`, `"2026-01-02 00:01:10"`, 8, 3, 9, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rec(tc.submit, tc.call, tc.ringing, tc.answer, tc.hangup)
			if !approx(c.QueueDelay, tc.queue) || !approx(c.PostDialDelay, tc.postDial) ||
				!approx(c.TimeToAnswer, tc.toAnswer) || !approx(c.Duration, tc.talk) || c.BadFields != 0 {
				t.Errorf("queue %+v post-dial %+v to-answer %+v talk %+v bad %b; want %v %v %v %v",
					c.QueueDelay, c.PostDialDelay, c.TimeToAnswer, c.Duration, c.BadFields,
					tc.queue, tc.postDial, tc.toAnswer, tc.talk)
			}
		})
	}
	// Not answered: no time to answer, no talk time, nothing invalid.
	c := rec(`"20260101120000"`, `"20260101120001"`, `"20260101120004"`, `"0"`, `"20260101120030"`)
	if c.TimeToAnswer.OK || c.Duration.OK || c.BadFields != 0 {
		t.Errorf("unanswered: %+v", c)
	}
	// An invalid calendar time of 14 digits is a millisecond number.
	if got := laafficTime(jsonscan.Text{B: []byte("20261340000000"), St: jsonscan.OK}); got.St != jsonscan.OK || got.V != 20261340000000 {
		t.Errorf("invalid date: %+v", got)
	}
	// The UTC+8 reading: 2026-01-01 00:00:00 +08:00 is 2025-12-31T16:00Z.
	if got := laafficTime(jsonscan.Text{B: []byte("20260101000000"), St: jsonscan.OK}); got.V != 1767196800000 {
		t.Errorf("20260101000000 = %v ms, want 1767196800000", got.V)
	}
}

// An answer before ringing must not lose the call; only the
// impossible value is skipped, and counted.
func TestLaafficImpossibleDelaysKeepTheCall(t *testing.T) {
	for _, tc := range []struct {
		rec  string
		bad  uint8
		keep func(pushCall) bool
	}{
		{`"ringingTime":2000,"answerTime":1000,"callTime":500,"callDuration":9`, badTimeToAnswer,
			func(c pushCall) bool { return approx(c.PostDialDelay, 1.5) && approx(c.Duration, 9) }},
		{`"callTime":2000,"ringingTime":1000`, badPostDialDelay, func(c pushCall) bool { return !c.PostDialDelay.OK }},
		{`"submitTime":2000,"callTime":1000,"ringingTime":3000`, badQueueDelay,
			func(c pushCall) bool { return approx(c.PostDialDelay, 2) }},
		{`"callTime":1000,"ringingTime":100000000`, badPostDialDelay, func(c pushCall) bool { return true }},
		{`"answerTime":"20260101120010","hangupTime":"20260101120000"`, badTalkTime,
			func(c pushCall) bool { return !c.Duration.OK }},
	} {
		c := oneLA(t, `{"voiceId":"v","callStatus":50,`+tc.rec+`}`)
		if c.BadFields != tc.bad || !tc.keep(c) || c.CallStatus.String() != "connected" {
			t.Errorf("%s: %+v (bad fields %b, want %b)", tc.rec, c, c.BadFields, tc.bad)
		}
	}

	tr, _ := newPushReceiver(t, config.Webhooks{})
	tr.Post(pushPath, []byte(`[{"voiceId":"a","callStatus":50,"ringingTime":2000,"answerTime":1000},{"voiceId":"b","callStatus":50}]`))
	if v := testkit.Value(t, tr.Reg, "laaffic_calls_total", "account", "default", "product", "ivr", "type", "other", "call_status", "connected"); v != 2 {
		t.Errorf("calls = %v, want 2 (the one with the impossible time to answer too)", v)
	}
	if v := testkit.Value(t, tr.Reg, "laaffic_invalid_fields_total", "account", "default", "field", "time_to_answer"); v != 1 {
		t.Errorf("invalid time_to_answer fields = %v, want 1", v)
	}
	if v := tr.Records(t, pushVendor, "invalid"); v != 0 {
		t.Errorf("invalid records = %v, want 0", v)
	}
}

func TestDecodeLaafficCallCenterFixture(t *testing.T) {
	b := mustLA(t, string(testkit.ReadFile(t, "testdata", "laaffic-call-center-push.json")))
	if len(b.Center) != 1 || pushRecords(b) != 1 {
		t.Fatalf("%+v", b)
	}
	want := callCenterRecord{
		Key: "\x01c:5f0c2b7e-cc-0001", CallType: "group_transfer", HangupReason: "transfer_answered_hung_up",
		HangingDirection: "customer", Outcome: "answered", AgentGroup: "Collections Tier 1",
		Duration: receiver.OptFloat{V: 184, OK: true}, CostUSD: receiver.OptFloat{V: 0.0736, OK: true}, BaseCostUSD: receiver.OptFloat{V: 0.05, OK: true},
	}
	if !reflect.DeepEqual(b.Center[0], want) {
		t.Errorf("\n got %+v\nwant %+v", b.Center[0], want)
	}
	for _, tc := range []struct {
		rec                     string
		typ, reason, dir, outcm string
	}{
		{`"callType":2,"hangupReason":8,"hangingDirection":3`, "inbound", "inbound_not_answered", "system", "not_answered"},
		{`"callType":3,"hangupReason":"7","hangingDirection":1`, "outbound", "busy", "agent", "failed"},
		{`"callType":1,"hangupReason":2`, "group_transfer", "transfer_rang_hung_up", "unknown", "not_answered"},
		{`"callType":9,"hangupReason":12,"hangingDirection":2`, "other", "other", "other", "other"},
		{`"callType":3,"hangupReason":0`, "outbound", "outbound_not_answered", "unknown", "not_answered"},
	} {
		b := mustLA(t, `{"callSessionId":"s",`+tc.rec+`}`)
		if len(b.Center) != 1 {
			t.Fatalf("%s: %+v", tc.rec, b)
		}
		c := b.Center[0]
		if c.CallType != tc.typ || c.HangupReason != tc.reason || c.HangingDirection != tc.dir || c.Outcome != tc.outcm {
			t.Errorf("%s: %+v", tc.rec, c)
		}
	}
}

func TestDecodeLaafficRingingFixture(t *testing.T) {
	b := mustLA(t, string(testkit.ReadFile(t, "testdata", "laaffic-ringing-push.json")))
	want := []ringingEvent{
		{Key: "\x01r:cc-7788\x002026-01-01 12:01:55", Type: "group_transfer", UnansweredLegs: 2},
		{Key: "\x01r:cc-7790\x002026-01-01 12:03:00", Type: "call_center_transfer", UnansweredLegs: 0},
	}
	if !reflect.DeepEqual(b.Ringing, want) || pushRecords(b) != 2 {
		t.Errorf("\n got %+v\nwant %+v", b, want)
	}
}

// One URL, every kind: a body mixing kinds and bad records counts each good
// record as its own kind.
func TestDecodeLaafficMixedBody(t *testing.T) {
	b := mustLA(t, `[
		{"voiceId":"v1","type":2,"callStatus":50},
		{"voiceId":"v2","type":1,"aiAgentQuoteFee":"0.1","intentCode":"A"},
		{"callSessionId":"s1","callType":1,"hangupReason":3},
		{"callId":"r1","type":3,"callinEventTime":"2026-01-01 12:00:00","noAnswerSipList":["1"]},
		{"what":"is this"},
		{"callSessionId":"s2","cost":"oops"},
		7]`)
	if len(b.Calls) != 2 || len(b.Center) != 1 || len(b.Ringing) != 1 {
		t.Fatalf("%+v", b)
	}
	if b.Calls[0].Product != "ivr" || b.Calls[1].Product != "ai_agent" || b.Ringing[0].Type != "api_call" {
		t.Errorf("%+v", b)
	}
	if !reflect.DeepEqual(b.Invalid, []receiver.InvalidReason{receiver.ReasonUnknownKind, receiver.ReasonBadNumber, receiver.ReasonNotObject}) {
		t.Errorf("invalid %v", b.Invalid)
	}
}

// Ids of different kinds never collide in the shared dedup set.
func TestLaafficKeySpaces(t *testing.T) {
	b := mustLA(t, `[{"voiceId":"x"},{"callSessionId":"x"},{"callId":"x","callinEventTime":"x"},{"voiceId":"\u0001c:x"}]`)
	keys := map[string]bool{}
	for _, c := range b.Calls {
		keys[c.Key] = true
	}
	for _, c := range b.Center {
		keys[c.Key] = true
	}
	for _, g := range b.Ringing {
		keys[g.Key] = true
	}
	if len(keys) != 4 {
		t.Errorf("keys %v: want 4 distinct", keys)
	}
}

// An id of white space alone is no id: such a record is invalid
// (missing_id), never the duplicate of another, and the good records of
// the same body still count.
func TestLaafficBlankIDsAreMissing(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second string // two records with a blank id, posted one after the other
	}{
		{"voice", `{"voiceId":" ","type":1,"callStatus":10,"callDuration":30}`,
			`{"voiceId":" ","type":1,"callStatus":10,"callDuration":45}`},
		{"call centre", `{"callSessionId":"\t","callType":1,"callDuration":30}`,
			`{"callSessionId":"\t","callType":1,"callDuration":45}`},
		{"ringing", `{"callId":" ","type":1,"callinEventTime":"2026-01-01 12:00:00"}`,
			`{"callId":" ","type":2,"callinEventTime":"2026-01-01 12:00:00"}`},
		{"ringing time", `{"callId":"r1","type":1,"callinEventTime":" "}`,
			`{"callId":"r1","type":2,"callinEventTime":" "}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := newPushReceiver(t, config.Webhooks{})
			tr.PostOK(t, pushPath, []byte(tc.first))
			tr.PostOK(t, pushPath, []byte(`[`+tc.second+`,{"voiceId":"good","callStatus":50}]`))
			if v := testkit.Value(t, tr.Reg, "airudder_exporter_webhook_invalid_records_total", "source", pushVendor, "reason", "missing_id"); v != 2 {
				t.Errorf("missing_id = %v, want 2", v)
			}
			c, d, i := tr.Records(t, pushVendor, "counted"), tr.Records(t, pushVendor, "duplicate"), tr.Records(t, pushVendor, "invalid")
			if c != 1 || d != 0 || i != 2 {
				t.Errorf("counted %v duplicate %v invalid %v, want 1 (the good one), 0 and 2", c, d, i)
			}
		})
	}
}

// Ids are compared without the white space around them, as AiRudder's
// are: " v1 " is the call "v1", and its re-delivery a duplicate.
func TestLaafficIDsTrimmed(t *testing.T) {
	for _, tc := range []struct {
		name, padded, plain, key string
	}{
		{"voice", `{"voiceId":" v1 ","callStatus":50}`, `{"voiceId":"v1","callStatus":50}`, "v1"},
		{"call centre", `{"callSessionId":"\ts1\n","callType":1}`, `{"callSessionId":"s1","callType":1}`, "\x01c:s1"},
		{"ringing", `{"callId":" r1 ","type":1,"callinEventTime":"2026-01-01 12:00:00"}`,
			`{"callId":"r1","type":1,"callinEventTime":" 2026-01-01 12:00:00 "}`, "\x01r:r1\x002026-01-01 12:00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, rec := range []string{tc.padded, tc.plain} {
				var got []string
				b := mustLA(t, rec)
				got = b.Keys(got)
				if len(got) != 1 || got[0] != tc.key {
					t.Errorf("%s: keys %q, want %q", rec, got, tc.key)
				}
				for _, c := range b.Calls {
					if c.Exemplar != "v1" {
						t.Errorf("%s: exemplar %q", rec, c.Exemplar)
					}
				}
			}
			tr, _ := newPushReceiver(t, config.Webhooks{})
			tr.PostOK(t, pushPath, []byte(tc.padded))
			tr.PostOK(t, pushPath, []byte(tc.plain))
			if c, d := tr.Records(t, pushVendor, "counted"), tr.Records(t, pushVendor, "duplicate"); c != 1 || d != 1 {
				t.Errorf("counted %v duplicate %v, want 1 and 1", c, d)
			}
		})
	}
}

// histSum is the sample sum of a histogram series; NaN if absent.
func histSum(t *testing.T, g prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	if m := testkit.Series(t, g, name, labels...); m != nil {
		return m.GetHistogram().GetSampleSum()
	}
	return math.NaN()
}

// Recording: every kind counted once across the vendor's retries, in the
// right currency, labelled with the account of the path and the script.
// Amounts are counted in their own currency only: a currency that is no
// ISO 4217 code, or a code over the cap, loses its amounts (counted as a
// skipped field), never sums them with other currencies', and the calls
// still count.
func TestLaafficAmountsStayInTheirCurrency(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{})
	body := `[`
	// Nine codes beyond USD and EUR: the cap admits eight.
	codes := []string{"GBP", "JPY", "INR", "PHP", "IDR", "MXN", "BRL", "THB", "ZAR"}
	for i, c := range codes {
		body += fmt.Sprintf(`{"voiceId":"c%d","callStatus":10,"cost":"1.5","currency":%q},`, i, strings.ToLower(c))
	}
	for i, c := range []string{"euro", "RS", "XXX", "us$"} {
		body += fmt.Sprintf(`{"voiceId":"x%d","callStatus":10,"cost":"100","aiAgentQuoteFee":"7","currency":%q},`, i, c)
	}
	body += `{"voiceId":"u","callStatus":10,"cost":"2"}]`
	tr.PostOK(t, pushPath, []byte(body))

	if v := testkit.Value(t, tr.Reg, "laaffic_calls_total", "account", "default", "product", "ivr", "type", "other", "call_status", "busy"); v != 10 {
		t.Errorf("ivr calls = %v, want 10", v)
	}
	if v := testkit.Value(t, tr.Reg, "laaffic_calls_total", "account", "default", "product", "ai_agent", "type", "other", "call_status", "busy"); v != 4 {
		t.Errorf("ai-agent calls = %v, want 4", v)
	}
	for _, c := range codes[:8] {
		if v := testkit.Value(t, tr.Reg, "laaffic_cost_total", "account", "default", "product", "ivr", "currency", c); v != 1.5 {
			t.Errorf("cost in %s = %v, want 1.5", c, v)
		}
	}
	if v := testkit.Value(t, tr.Reg, "laaffic_cost_total", "account", "default", "product", "ivr", "currency", "USD"); v != 2 {
		t.Errorf("cost in USD = %v, want 2", v)
	}
	if v := testkit.Value(t, tr.Reg, "laaffic_invalid_fields_total", "account", "default", "field", "currency"); v != 5 {
		t.Errorf("records with amounts in no currency = %v, want 5 (4 that are no code, 1 over the cap)", v)
	}
	admitted := map[string]bool{"USD": true, "EUR": true}
	for _, c := range codes[:8] {
		admitted[c] = true
	}
	for _, mf := range tr.Gather(t) {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "currency" && !admitted[l.GetValue()] {
					t.Errorf("%s has a series in currency %q", mf.GetName(), l.GetValue())
				}
			}
		}
	}
}

func TestRecordLaafficKinds(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{
		LaafficAccounts: map[string]config.Secret{"default": "", "ivr-eu": ""},
		LaafficScripts:  map[string]string{"123": "collections-v2"},
	})
	ok := func(path string, body []byte) {
		t.Helper()
		tr.PostOK(t, path, body)
	}
	agent, center, ringing := testkit.ReadFile(t, "testdata", "laaffic-ai-agent-push.json"), testkit.ReadFile(t, "testdata", "laaffic-call-center-push.json"),
		testkit.ReadFile(t, "testdata", "laaffic-ringing-push.json")
	// The call centre retries up to 3 times; the ringing push at once.
	for i := 0; i < 3; i++ {
		ok(pushPath+"/ivr-eu", agent)
		ok(pushPath+"/ivr-eu", center)
		ok(pushPath+"/ivr-eu", ringing)
	}
	if c, d := tr.Records(t, pushVendor, "counted"), tr.Records(t, pushVendor, "duplicate"); c != 5 || d != 10 {
		t.Errorf("counted %v duplicate %v, want 5 and 10", c, d)
	}
	acct := []string{"account", "ivr-eu"}
	check := func(want float64, name string, labels ...string) {
		t.Helper()
		if v := testkit.Value(t, tr.Reg, name, append(append([]string{}, acct...), labels...)...); math.Abs(v-want) > 1e-9 {
			t.Errorf("%s%v = %v, want %v", name, labels, v, want)
		}
	}
	// AI agent: product, fees in the quote currency, charged time.
	check(2, "laaffic_calls_total", "product", "ai_agent", "type", "group_call", "call_status", "unknown")
	check(0.092, "laaffic_ai_agent_cost_total", "currency", "EUR")
	check(0.05, "laaffic_ai_agent_cost_total", "currency", "USD")
	check(180, "laaffic_ai_agent_charged_duration_seconds_total")
	check(0.1104, "laaffic_cost_total", "product", "ai_agent", "currency", "EUR")
	check(0.06, "laaffic_cost_total", "product", "ai_agent", "currency", "USD")
	check(0.12, "laaffic_settle_pay_total", "product", "ai_agent", "currency", "USD")
	check(1, "laaffic_ai_agent_intent_codes_total", "intent_code", "A")
	if s := histSum(t, tr.Reg, "laaffic_call_duration_seconds", "account", "ivr-eu", "product", "ai_agent"); s != 135 {
		t.Errorf("AI-agent talk time sum = %v, want 105+30", s)
	}
	// Scripts: a mapped one by name, an unmapped one by id.
	check(1, "laaffic_script_calls_total", "script", "collections-v2", "product", "ai_agent", "result", "success")
	check(1, "laaffic_script_calls_total", "script", "456", "product", "ai_agent", "result", "success")
	check(0.1104+0.092, "laaffic_script_cost_total", "script", "collections-v2", "currency", "EUR")
	check(105, "laaffic_script_talk_seconds_total", "script", "collections-v2")
	// Call centre: once, cost in USD.
	check(1, "laaffic_call_center_calls_total", "call_type", "group_transfer", "hangup_reason", "transfer_answered_hung_up", "hanging_direction", "customer")
	check(1, "laaffic_call_center_agent_group_calls_total", "agent_group", "Collections Tier 1", "outcome", "answered")
	check(0.0736, "laaffic_cost_total", "product", "call_center", "currency", "USD")
	check(0.05, "laaffic_base_cost_usd_total", "product", "call_center")
	if s := histSum(t, tr.Reg, "laaffic_call_center_talk_duration_seconds", "account", "ivr-eu", "call_type", "group_transfer"); s != 184 {
		t.Errorf("call-centre talk sum = %v", s)
	}
	// Ringing: notifications and unanswered legs.
	check(1, "laaffic_agent_ringing_total", "type", "group_transfer")
	check(1, "laaffic_agent_ringing_total", "type", "call_center_transfer")
	check(2, "laaffic_agent_ringing_unanswered_legs_total", "type", "group_transfer")

	// Nothing went to the default account.
	if v := testkit.Value(t, tr.Reg, "laaffic_cost_total", "account", "default", "product", "call_center", "currency", "USD"); v != 0 {
		t.Errorf("default account cost = %v", v)
	}
	// The IVR fixture on the plain path: account default, settlePay as USD
	// (the settlement currency), not as the quote currency EUR.
	ok(pushPath, testkit.ReadFile(t, "testdata", "laaffic-ivr-push.json"))
	if v := testkit.Value(t, tr.Reg, "laaffic_settle_pay_total", "account", "default", "product", "ivr", "currency", "USD"); v != 1.2793 {
		t.Errorf("settle pay USD = %v, want 1.2793", v)
	}
	if v := testkit.Value(t, tr.Reg, "laaffic_settle_pay_total", "account", "default", "product", "ivr", "currency", "EUR"); v != 0 {
		t.Errorf("settle pay labelled with the quote currency: %v", v)
	}
	// A JPY amount above 1000 is a normal call.
	ok(pushPath, []byte(`{"voiceId":"jp1","cost":"1500","currency":"JPY"}`))
	if v := testkit.Value(t, tr.Reg, "laaffic_cost_total", "account", "default", "product", "ivr", "currency", "JPY"); v != 1500 {
		t.Errorf("JPY cost = %v, want 1500", v)
	}
	// No id, phone number or free text became a label value.
	mfs := tr.Gather(t)
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				for _, bad := range []string{"6281234567890", "cc-7788", "5f0c2b7e", "invoice", "Siti", "8001", "2601011200"} {
					if strings.Contains(lp.GetValue(), bad) {
						t.Errorf("%s has label %s=%q", mf.GetName(), lp.GetName(), lp.GetValue())
					}
				}
			}
		}
	}
}

// The body shape alone decides: an unknown object is counted invalid with
// reason unknown_kind and answered 200 (the rest of a batch counts).
func TestLaafficUnknownKindCounted(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{})
	tr.PostOK(t, pushPath, []byte(`{"hello":"world"}`))
	if v := testkit.Value(t, tr.Reg, "airudder_exporter_webhook_invalid_records_total", "source", "laaffic", "reason", "unknown_kind"); v != 1 {
		t.Errorf("unknown_kind = %v", v)
	}
}

// webhooks.laaffic_scripts is applied on reload; ids over the cap fold.
func TestLaafficScriptsReloadAndCap(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{MaxLabelValues: 2})
	post := func(id, script string) {
		t.Helper()
		tr.PostOK(t, pushPath, []byte(`{"voiceId":"`+id+`","scriptId":`+script+`}`))
	}
	calls := func(script string) float64 {
		return testkit.Value(t, tr.Reg, "laaffic_script_calls_total", "account", "default", "script", script,
			"product", "ivr", "result", "unknown")
	}
	post("a", "7")
	tr.ApplyConfig(config.Webhooks{MaxLabelValues: 2, LaafficScripts: map[string]string{"7": "seven", "8": "eight"}})
	post("b", "7")
	post("c", "8")
	post("d", "9")
	post("e", "10") // "7" (before it was named) and "9" took the 2 slots
	post("f", "11")
	post("g", `""`)
	for script, want := range map[string]float64{"7": 1, "seven": 1, "eight": 1, "9": 1, "10": 0, "other": 2, "none": 1} {
		if got := calls(script); got != want {
			t.Errorf("script %q: %v calls, want %v", script, got, want)
		}
	}
}

// A record naming its intent only by intentCode counts under that code in
// laaffic_intents_total; one with both counts its intent.
func TestPushIntentFromIntentCode(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{})
	tr.Post(pushPath, []byte(`{"array":[{"voiceId":"a1","type":1,"intentCode":"A"},`+
		`{"voiceId":"a2","type":1,"aiAgentQuoteFee":"0.1","intent":"YES","intentCode":"B"},{"voiceId":"a3","type":1}]}`))
	for _, c := range []struct {
		name, label, value string
		want               float64
	}{
		{"laaffic_intents_total", "intent", "A", 1},
		{"laaffic_intents_total", "intent", "YES", 1},
		{"laaffic_intents_total", "intent", "B", 0},
		{"laaffic_intents_total", "intent", "none", 1},
		{"laaffic_ai_agent_intent_codes_total", "intent_code", "A", 1},
		{"laaffic_ai_agent_intent_codes_total", "intent_code", "B", 1},
	} {
		if v := testkit.Value(t, tr.Reg, c.name, "account", "default", c.label, c.value); v != c.want {
			t.Errorf("%s{%s=%q} = %v, want %v", c.name, c.label, c.value, v, c.want)
		}
	}
}

// Phone numbers and IP addresses in fields that become label values (bill
// period, intent, destination, script, agent group) never become label
// values; the records still count.
func TestLaafficPersonalValuesFoldOutOfLabels(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{})
	tr.PostOK(t, pushPath, []byte(`[{"voiceId":"ph2","type":1,"billPeriod":"+6281234567890","intent":"+6281234567890",
		"code":"+62 81234567890","scriptId":"6281234567890"},
		{"callSessionId":"cc1","callType":1,"agentGroupName":"+628123456789"},
		{"voiceId":"ph3","intent":"10.1.2.3","code":"192.168.7.7"}]`))
	if c := tr.Records(t, pushVendor, "counted"); c != 3 {
		t.Errorf("counted %v records, want 3", c)
	}
	if folded := tr.CheckNoPersonalLabels(t); folded < 7 {
		t.Errorf("%v label values folded, want at least 7", folded)
	}
}
