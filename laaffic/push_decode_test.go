package laaffic

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"airudder_exporter/internal/testkit"
	"airudder_exporter/receiver"
)

func decodeLA(t *testing.T, body string) (*pushBatch, error) {
	t.Helper()
	var d laDecoder
	b := pushBatch{strs: receiver.NewInterner(64)}
	err := d.decode([]byte(body), &b)
	return &b, err
}

func mustLA(t *testing.T, body string) *pushBatch {
	t.Helper()
	b, err := decodeLA(t, body)
	if err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return b
}

func oneLA(t *testing.T, rec string) pushCall {
	t.Helper()
	b := mustLA(t, rec)
	if len(b.Calls) != 1 {
		t.Fatalf("%s: invalid %v", rec, b.Invalid)
	}
	return b.Calls[0]
}

// label is the index of name in names, for an expected event's closed
// label.
func label[T ~uint8](names []string, name string) T {
	i := slices.Index(names, name)
	if i < 0 {
		panic("no label " + name)
	}
	return T(i)
}

func approx(a receiver.OptFloat, v float64) bool { return a.OK && math.Abs(a.V-v) < 1e-9 }

func TestDecodeLaafficFixture(t *testing.T) {
	c := oneLA(t, string(testkit.ReadFile(t, "testdata", "laaffic-ivr-push.json")))
	want := pushCall{
		Key: "22121121451211349002", Exemplar: "22121121451211349002",
		Product: "ivr", Type: label[voiceType](voiceTypeNames[:], "group_call"), CallStatus: label[callStatus](callStatusNames[:], "busy"), Currency: "EUR",
		Duration: receiver.OptFloat{V: 13, OK: true}, RingDuration: receiver.OptFloat{V: 1, OK: true}, Charged: receiver.OptFloat{V: 20, OK: true},
		TimeToAnswer:  receiver.OptFloat{V: 12, OK: true},
		QueueDelay:    receiver.OptFloat{V: (1670939568000 - 1670939112097) / 1000.0, OK: true},
		PostDialDelay: receiver.OptFloat{V: 2, OK: true},
		Cost:          receiver.OptFloat{V: 0.007875, OK: true}, CostCurrency: "EUR",
		BaseCostUSD: receiver.OptFloat{V: 0, OK: true},
		SettlePay:   receiver.OptFloat{V: 1.2793, OK: true},
		Keypress:    label[keypress](keypressNames[:], "0"), SIPClass: label[sipClass](sipClassNames[:], "2xx"), Termination: label[termination](terminationNames[:], "success"),
		BillPeriod: "20+20", Intent: "YES", Country: "India", Script: "123",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("\n got %+v\nwant %+v", c, want)
	}
}

func TestDecodeLaafficShapes(t *testing.T) {
	rec := func(id string) string { return `{"voiceId":"` + id + `","type":2,"callStatus":50}` }
	for name, body := range map[string]string{
		"array key":                   `{"array":[` + rec("a") + `,` + rec("b") + `]}`,
		"bare array":                  `[` + rec("a") + `,` + rec("b") + `]`,
		"array key with other fields": `{"total":2,"array":[` + rec("a") + `,` + rec("b") + `]}`,
	} {
		t.Run(name, func(t *testing.T) {
			b := mustLA(t, body)
			if len(b.Calls) != 2 || b.Calls[0].Key != "a" || b.Calls[1].Key != "b" || len(b.Invalid) != 0 {
				t.Fatalf("%+v", b)
			}
			if b.Calls[0].Type.String() != "verification_code" || b.Calls[0].CallStatus.String() != "connected" {
				t.Errorf("%+v", b.Calls[0])
			}
		})
	}
	for _, body := range []string{`{"array":[]}`, `[]`, ` [ ] `} {
		if b := mustLA(t, body); pushRecords(b) != 0 {
			t.Errorf("%s: %+v", body, b)
		}
	}
	if c := oneLA(t, `{"voiceId":"v","array":null}`); c.Key != "v" {
		t.Errorf("array null: %+v", c)
	}
}

func TestDecodeLaafficFields(t *testing.T) {
	t.Run("missing optional fields", func(t *testing.T) {
		c := oneLA(t, `{"voiceId":"v"}`)
		want := pushCall{Key: "v", Exemplar: "v", Product: "ivr", Type: label[voiceType](voiceTypeNames[:], "other"), CallStatus: label[callStatus](callStatusNames[:], "unknown"),
			Keypress: label[keypress](keypressNames[:], "none"), SIPClass: label[sipClass](sipClassNames[:], "none"), Termination: label[termination](terminationNames[:], "unknown"), Currency: "USD"}
		if !reflect.DeepEqual(c, want) {
			t.Errorf("\n got %+v\nwant %+v", c, want)
		}
	})
	t.Run("numeric voiceId", func(t *testing.T) {
		if c := oneLA(t, `{"voiceId":123}`); c.Key != "123" {
			t.Errorf("%q", c.Key)
		}
	})
	t.Run("string numbers", func(t *testing.T) {
		c := oneLA(t, `{"voiceId":"v","type":"3","callStatus":"40","callDuration":"61","ringDuration":"4",
			"chargedDuration":"120","cost":"0.5","baseCost":"0.25","settlePay":"2"}`)
		if c.Type.String() != "handset_call" || c.CallStatus.String() != "voicemail" || !approx(c.Duration, 61) ||
			!approx(c.RingDuration, 4) || !approx(c.Charged, 120) || !approx(c.Cost, 0.5) ||
			!approx(c.BaseCostUSD, 0.25) || !approx(c.SettlePay, 2) {
			t.Errorf("%+v", c)
		}
	})
	t.Run("cost and currency", func(t *testing.T) {
		for _, tc := range []struct {
			rec      string
			cost     float64
			currency string
		}{
			{`"cost":"1.5"`, 1.5, "USD"},
			{`"cost":"1.5","currency":""`, 1.5, "USD"},
			{`"cost":"1.5","currency":"eur"`, 1.5, "EUR"},
			{`"cost":"1.5","currency":"GBP"`, 1.5, "GBP"},
			{`"cost":"1.5","currency":"jpy"`, 1.5, "JPY"},
			{`"cost":"1500","currency":"JPY"`, 1500, "JPY"},
			{`"cost":"1.5","currency":" chf "`, 1.5, "CHF"},
			{`"cost":"1.5","currency":"XOF"`, 1.5, "XOF"},
			{`"cost":"1.5","costEur":"9","currency":"USD"`, 1.5, "USD"},
			{`"costEur":"0.007875","currency":"USD"`, 0.007875, "EUR"},
			{`"costEur":"0.2"`, 0.2, "EUR"},
			{`"cost":null,"costEur":"0.2"`, 0.2, "EUR"},
		} {
			c := oneLA(t, `{"voiceId":"v",`+tc.rec+`}`)
			if !approx(c.Cost, tc.cost) || c.CostCurrency != tc.currency {
				t.Errorf("%s: cost %+v %q", tc.rec, c.Cost, c.CostCurrency)
			}
		}
		if c := oneLA(t, `{"voiceId":"v","currency":"EUR"}`); c.Cost.OK {
			t.Errorf("no cost field: %+v", c.Cost)
		}
		// No currency code: the record counts, its amounts in it do not
		// (they could only be summed with other currencies').
		for _, cur := range []string{"euro", "XYZ", "XXX", "XTS", "us$", "€", "RS", "E U"} {
			rec := `{"voiceId":"v","cost":"1.5","aiAgentQuoteFee":"2","aiAgentChargedDuration":60,"currency":"` + cur + `"}`
			c := oneLA(t, rec)
			if c.Cost.OK || c.AIQuoteFee.OK || c.Currency != "" || c.BadFields != badCurrency || !approx(c.AICharged, 60) {
				t.Errorf("%s: cost %+v fee %+v currency %q bad %b", rec, c.Cost, c.AIQuoteFee, c.Currency, c.BadFields)
			}
		}
		// costEur is EUR whatever currency says.
		if c := oneLA(t, `{"voiceId":"v","costEur":"0.2","currency":"euro"}`); !approx(c.Cost, 0.2) || c.CostCurrency != "EUR" || c.BadFields != badCurrency {
			t.Errorf("costEur with a bad currency: %+v %q %b", c.Cost, c.CostCurrency, c.BadFields)
		}
	})
	t.Run("enums", func(t *testing.T) {
		for _, tc := range []struct {
			key  string                // the JSON key
			get  func(pushCall) string // the label it sets
			want map[string]string     // JSON value → label value
		}{
			{"callStatus", func(c pushCall) string { return c.CallStatus.String() }, map[string]string{
				`null`: "unknown", `10`: "busy", `20`: "no_answer", `30`: "not_connected", `60`: "other", `99`: "other",
			}},
			{"type", func(c pushCall) string { return c.Type.String() }, map[string]string{
				`1`: "group_call", `4`: "handset_direct_dial", `7`: "other", `1.5`: "other",
			}},
			{"sipCode", func(c pushCall) string { return c.SIPClass.String() }, map[string]string{
				`"486"`: "4xx", `603`: "6xx", `"99"`: "other", `"700"`: "other", `""`: "none",
			}},
			{"terminationCode", func(c pushCall) string { return c.Termination.String() }, map[string]string{
				`"200"`: "success", `0`: "success", `"486"`: "failure", `""`: "unknown",
			}},
			{"feedbackValue", func(c pushCall) string { return c.Keypress.String() }, map[string]string{
				`"-1"`: "none", `""`: "none", `"#"`: "#", `"*"`: "*", `7`: "7", `"12"`: "other",
			}},
			{"code", func(c pushCall) string { return c.Country }, map[string]string{
				`"Philippines"`: "Philippines", `" India (Karnataka)"`: "India", `"(x)"`: "",
			}},
			{"intent", func(c pushCall) string { return c.Intent }, map[string]string{
				`" YES "`: "YES",
			}},
		} {
			for val, want := range tc.want {
				rec := `"` + tc.key + `":` + val
				if got := tc.get(oneLA(t, `{"voiceId":"v",`+rec+`}`)); got != want {
					t.Errorf("%s → %q, want %q", rec, got, want)
				}
			}
		}
	})
	t.Run("unanswered call has no time to answer", func(t *testing.T) {
		c := oneLA(t, `{"voiceId":"v","callTime":1000,"ringingTime":3000,"answerTime":0}`)
		if c.TimeToAnswer.OK || !approx(c.PostDialDelay, 2) || c.QueueDelay.OK {
			t.Errorf("%+v", c)
		}
		if c := oneLA(t, `{"voiceId":"v","ringingTime":3000,"answerTime":null}`); c.TimeToAnswer.OK {
			t.Errorf("%+v", c)
		}
	})
	t.Run("recall", func(t *testing.T) {
		if c := oneLA(t, `{"voiceId":"v","recallByVoiceId":"u"}`); !c.Recall {
			t.Error("recallByVoiceId set but not a recall")
		}
		if c := oneLA(t, `{"voiceId":"v","recallByVoiceId":""}`); c.Recall {
			t.Error("empty recallByVoiceId is not a recall")
		}
	})
}

func TestDecodeLaafficInvalidRecords(t *testing.T) {
	for _, tc := range []struct {
		rec  string
		want receiver.InvalidReason
	}{
		{`{"type":1}`, receiver.ReasonMissingID},
		{`{"voiceId":""}`, receiver.ReasonMissingID},
		{`{"voiceId":null}`, receiver.ReasonMissingID},
		// White space is no id: every such record would share one dedup key.
		{`{"voiceId":" ","type":1,"callStatus":10,"callDuration":30}`, receiver.ReasonMissingID},
		{`{"voiceId":"\t\r\n "}`, receiver.ReasonMissingID},
		{`{"voiceId":"\u00a0"}`, receiver.ReasonMissingID},
		{`{"callSessionId":"\t","callType":1}`, receiver.ReasonMissingID},
		{`{"callSessionId":"  ","callDuration":5}`, receiver.ReasonMissingID},
		{`{"callId":" ","callinEventTime":"2026-01-01 00:00:00","type":1}`, receiver.ReasonMissingID},
		{`{"callId":"c","callinEventTime":" \t","type":1}`, receiver.ReasonMissingID},
		{`{"voiceId":{}}`, receiver.ReasonBadType},
		{`{"voiceId":"v","code":["x"]}`, receiver.ReasonBadType},
		{`{"voiceId":"v","callDuration":-1}`, receiver.ReasonNegativeValue},
		{`{"voiceId":"v","cost":"-0.1"}`, receiver.ReasonNegativeValue},
		{`{"voiceId":"v","submitTime":-5}`, receiver.ReasonNegativeValue},
		{`{"voiceId":"v","callDuration":90000}`, receiver.ReasonAbsurdValue},
		{`{"voiceId":"v","cost":"5000"}`, receiver.ReasonAbsurdValue},
		{`{"voiceId":"v","settlePay":1e6}`, receiver.ReasonAbsurdValue},
		{`{"voiceId":"v","cost":"1500","currency":"USD"}`, receiver.ReasonAbsurdValue},
		{`{"voiceId":"v","cost":"1500"}`, receiver.ReasonAbsurdValue},
		{`{"voiceId":"v","cost":"400000","currency":"JPY"}`, receiver.ReasonAbsurdValue},
		{`{"voiceId":"v","cost":"2e9","currency":"XYZ"}`, receiver.ReasonAbsurdValue},
		{`{"voiceId":"v","aiAgentQuoteFee":"-1"}`, receiver.ReasonNegativeValue},
		{`{"voiceId":"v","hangupTime":"2026-13-01 00:00:00"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","answerTime":"yesterday"}`, receiver.ReasonBadNumber},
		{`{"callSessionId":"","callType":1}`, receiver.ReasonMissingID},
		{`{"callSessionId":"s","callDuration":-1}`, receiver.ReasonNegativeValue},
		{`{"callSessionId":"s","cost":"5000"}`, receiver.ReasonAbsurdValue},
		{`{"callSessionId":"s","hangupReason":"x"}`, receiver.ReasonBadNumber},
		{`{"callId":"c","callinEventTime":null,"type":1}`, receiver.ReasonMissingID},
		{`{"callinEventTime":"2026-01-01 00:00:00","type":1}`, receiver.ReasonMissingID},
		{`{"callId":"c","callinEventTime":"2026-01-01 00:00:00","noAnswerSipList":"x"}`, receiver.ReasonBadType},
		{`{"foo":1}`, receiver.ReasonUnknownKind},
		{`{}`, receiver.ReasonUnknownKind},
		{`{"voiceId":"v","cost":"abc"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","cost":"0x1p4"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","cost":"1_0"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","cost":"Inf"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","cost":"NaN"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","cost":"+1"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","costEur":"0x10"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","settlePay":"1_000"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","aiAgentQuoteFee":"0x1p4"}`, receiver.ReasonBadNumber},
		{`{"callSessionId":"s","cost":"0x1p4"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","callStatus":"busy"}`, receiver.ReasonBadNumber},
		{`{"voiceId":"v","ringDuration":true}`, receiver.ReasonBadType},
		{`{"voiceId":"v","type":[1]}`, receiver.ReasonBadType},
		{`1`, receiver.ReasonNotObject},
		{`"x"`, receiver.ReasonNotObject},
		{`null`, receiver.ReasonNotObject},
		{`[]`, receiver.ReasonNotObject},
	} {
		for _, body := range []string{`{"array":[` + tc.rec + `,{"voiceId":"good"}]}`, `[` + tc.rec + `,{"voiceId":"good"}]`} {
			b := mustLA(t, body)
			if !reflect.DeepEqual(b.Invalid, []receiver.InvalidReason{tc.want}) || len(b.Calls) != 1 || b.Calls[0].Key != "good" {
				t.Errorf("%s: invalid %v, %d calls; want [%s] and the good one", body, b.Invalid, len(b.Calls), tc.want)
			}
		}
	}
	// A single-record body is one record: its problems are per record too.
	if b := mustLA(t, `{"voiceId":"v","callDuration":-3}`); !reflect.DeepEqual(b.Invalid, []receiver.InvalidReason{receiver.ReasonNegativeValue}) {
		t.Errorf("%+v", b)
	}
	if b := mustLA(t, `{"voiceId":"v","array":"x"}`); !reflect.DeepEqual(b.Invalid, []receiver.InvalidReason{receiver.ReasonBadType}) {
		t.Errorf("array of the wrong type: %+v", b)
	}
}

func TestDecodeLaafficBodyErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		want error
	}{
		{``, receiver.ErrEmptyBody},
		{`"x"`, receiver.ErrNotObjectOrList},
		{`5`, receiver.ErrNotObjectOrList},
		{`null`, receiver.ErrNotObjectOrList},
		{`{`, receiver.ErrNotJSON},
		{`[{"voiceId":"v"}`, receiver.ErrNotJSON},
		{`[{"voiceId":"v"}] x`, receiver.ErrNotJSON},
		{`{"array":[{"voiceId":"v",}]}`, receiver.ErrNotJSON},
		{"{\"voiceId\":\"a\x01b\"}", receiver.ErrNotJSON},
	} {
		b, err := decodeLA(t, tc.body)
		if !errors.Is(err, tc.want) {
			t.Errorf("%q: err %v, want %v", tc.body, err, tc.want)
		}
		if pushRecords(b) != 0 {
			t.Errorf("%q: a rejected body must yield no records", tc.body)
		}
	}
}

// A value the decoder skips may nest to any depth: the body is read and
// its records counted; only a broken nest refuses it.
func TestDecodeLaafficDeepSkippedValues(t *testing.T) {
	arrays := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	objects := func(n int) string { return strings.Repeat(`{"a":[`, n) + strings.Repeat("]}", n) }
	for _, tc := range []struct {
		name, body string
		calls      int
		invalid    []receiver.InvalidReason
	}{
		{"unknown key", `[{"voiceId":"v1","x":` + arrays(130) + `},{"voiceId":"v2"}]`, 2, nil},
		{"ten thousand levels", `[{"voiceId":"v1","x":` + arrays(10000) + `},{"voiceId":"v2"}]`, 2, nil},
		{"known key the exporter does not use", `{"array":[{"voiceId":"v1","callee":` + objects(5000) + `}]}`, 1, nil},
		{"next to array", `{"x":` + objects(200) + `,"array":[{"voiceId":"v1"}],"y":` + arrays(10000) + `}`, 1, nil},
		{"single record", `{"voiceId":"v1","x":` + objects(200) + `}`, 1, nil},
		{"noAnswerSipList entry", `[{"callId":"c","callinEventTime":"2026-01-01 00:00:00","noAnswerSipList":[` + arrays(200) + `]},{"voiceId":"v1"}]`, 1, nil},
		{"a field of the wrong type", `[{"voiceId":"v1","code":` + arrays(200) + `},{"voiceId":"v2"}]`, 1,
			[]receiver.InvalidReason{receiver.ReasonBadType}},
	} {
		b, err := decodeLA(t, tc.body)
		if err != nil || len(b.Calls) != tc.calls || !slices.Equal(b.Invalid, tc.invalid) {
			t.Errorf("%s: %v, %d calls, invalid %v; want %d and %v", tc.name, err, len(b.Calls), b.Invalid, tc.calls, tc.invalid)
		}
	}
	// Broken deep down: the body is not JSON.
	for _, body := range []string{
		`[{"voiceId":"v1","x":` + strings.Repeat("[", 130) + strings.Repeat("}", 130) + `}]`,
		`[{"voiceId":"v1","x":` + arrays(10000)[1:] + `}]`,
		`[{"voiceId":"v1","x":` + strings.Repeat("[1,", 1000) + strings.Repeat("]", 1000) + `}]`,
	} {
		if b, err := decodeLA(t, body); !errors.Is(err, receiver.ErrNotJSON) || pushRecords(b) != 0 {
			t.Errorf("%.80s...: %v, %d records; want %v", body, err, pushRecords(b), receiver.ErrNotJSON)
		}
	}
}

// A decoder expects the keys of the records it read before (laDecoder.shape);
// whatever the order, optional, unknown, escaped or repeated keys, every
// record reads as a fresh decoder reads it alone.
func TestDecodeLaafficKeysInAnyOrder(t *testing.T) {
	records := []string{
		`{"voiceId":"a","type":1,"callStatus":50,"cost":"0.1","currency":"EUR","intent":"YES"}`,
		`{"voiceId":"b","type":2,"callStatus":50,"costEur":"0.2","currency":"EUR","intent":"NO"}`,
		`{"voiceId":"c","type":3,"recallByVoiceId":"a","callStatus":40,"cost":"0.3","intent":"YES"}`,
		`{"callStatus":20,"type":4,"voiceId":"d","intent":"MAYBE"}`,
		`{"voiceId":"e","x-extra":1,"type":1,"callStatus":50,"other\"key":2,"intent":"YES"}`,
		`{"voice\u0049d":"f","type":1,"callStatus":50,"intent":"YES","type":2}`,
		`{"voiceId":"g","":0,"type":1}`,
		`{"callSessionId":"s","callType":2,"hangupReason":1,"cost":"0.5"}`,
		`{"voiceId":"h","type":1,"callStatus":50,"cost":"0.1","currency":"EUR","intent":"YES"}`,
	}
	var warm laDecoder
	strs := receiver.NewInterner(64)
	for round := range 2 {
		for _, rec := range records {
			var fresh laDecoder
			want, got := pushBatch{strs: strs}, pushBatch{strs: strs}
			if err := fresh.decode([]byte(`[`+rec+`]`), &want); err != nil {
				t.Fatal(rec, err)
			}
			if err := warm.decode([]byte(`[`+rec+`]`), &got); err != nil {
				t.Fatal(rec, err)
			}
			if !reflect.DeepEqual(got.Calls, want.Calls) || !reflect.DeepEqual(got.Center, want.Center) ||
				!slices.Equal(got.Invalid, want.Invalid) {
				t.Errorf("round %d, %s:\n got %+v\nwant %+v", round, rec, got, want)
			}
		}
	}
}
