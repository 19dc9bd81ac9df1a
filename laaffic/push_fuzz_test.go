package laaffic

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"airudder_exporter/internal/testkit"
	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"

	"golang.org/x/text/currency"
)

// FuzzDecodeLaaffic checks, for any body: no panic; a rejected body yields no
// records; an accepted body yields exactly as many records (counted +
// invalid) as encoding/json sees in it; every closed label value is in its
// set; every id in a dedup key is trimmed and not empty; and, through a shared receiver, that no label grows past its bound.

var laSeeds = []string{
	`{"array":[{"voiceId":"a"},{"voiceId":"b","cost":"1"},1,null]}`,
	`[{"voiceId":"a","callStatus":null},{"voiceId":2,"type":"3"}]`,
	`{"voiceId":"v","costEur":"0.1","currency":""}`,
	`{"array":[]}`, `{"array":null,"voiceId":"v"}`, `{"array":"x"}`, `{"array":[{"voiceId":"a"}],"array":[]}`,
	`{"voiceId":"v","callTime":2,"ringingTime":1}`, `{"voiceId":"v","cost":"-1","settlePay":"1e9"}`,
	`[]`, `5`, ``, `[`,
}

// pushFuzz is shared by all iterations of a fuzz worker.
var pushFuzz webhookgolden.FuzzReceiver

// trimmedID reports whether id is an id as dedup keys hold it: not empty,
// no white space around it.
func trimmedID(id string) bool { return id != "" && strings.TrimSpace(id) == id }

// pushIn reports whether v is in set or extra.
func pushIn(v string, set []string, extra ...string) bool {
	return slices.Contains(set, v) || slices.Contains(extra, v)
}

func FuzzDecodeLaaffic(f *testing.F) {
	for _, fx := range []string{"laaffic-ivr-push.json", "laaffic-ai-agent-push.json",
		"laaffic-call-center-push.json", "laaffic-ringing-push.json"} {
		f.Add(testkit.ReadFile(f, "testdata", fx))
	}
	for _, s := range laSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v := pushFuzz.Vendor(t, NewPushes).(*pushRecorder)
		b := &pushBatch{strs: v.strs}
		pb := v.newBody(b)
		defer pb.Release()
		err := pb.Decode(body)
		// Read again by the same decoder, which now expects this body's
		// keys (laDecoder.shape): the same answer.
		calls, center, ringing, invalid := slices.Clone(b.Calls), slices.Clone(b.Center), slices.Clone(b.Ringing), slices.Clone(b.Invalid)
		if err2 := pb.Decode(body); !errors.Is(err2, err) || !reflect.DeepEqual(calls, b.Calls) ||
			!reflect.DeepEqual(center, b.Center) || !reflect.DeepEqual(ringing, b.Ringing) || !slices.Equal(invalid, b.Invalid) {
			t.Fatalf("%q: read again: %v %+v, first %v %+v", body, err2, b, err, calls)
		}
		if webhookgolden.Refused(t, body, err, pushRecords(b)) || webhookgolden.BeyondEncodingJSON(body) {
			return
		}
		if want, ok := webhookgolden.JSONRecords(body, "array", true); !ok || want != pushRecords(b) {
			t.Fatalf("%q: %d records (%d calls, %d call-centre, %d ringing, %d invalid), encoding/json sees %d (%v)",
				body, pushRecords(b), len(b.Calls), len(b.Center), len(b.Ringing), len(b.Invalid), want, ok)
		}
		for _, c := range b.Calls {
			ok := trimmedID(strings.TrimPrefix(c.Key, "\x01v:")) &&
				int(c.Type) < len(voiceTypeNames) && int(c.CallStatus) < len(callStatusNames) &&
				pushIn(c.Product, []string{productIVR, productAIAgent}) &&
				(!c.Cost.OK || laafficCurrencyCode(c.CostCurrency)) &&
				(laafficCurrencyCode(c.Currency) || c.Currency == "" && c.BadFields&badCurrency != 0 && !c.AIQuoteFee.OK) &&
				int(c.Keypress) < len(keypressNames) && int(c.SIPClass) < len(sipClassNames) &&
				int(c.Termination) < len(terminationNames)
			for _, v := range []receiver.OptFloat{c.Duration, c.RingDuration, c.Charged, c.TimeToAnswer, c.QueueDelay,
				c.PostDialDelay, c.AICharged} {
				if v.OK && (v.V < 0 || v.V > 7*24*3600) {
					ok = false
				}
			}
			for _, v := range []receiver.OptFloat{c.Cost, c.BaseCostUSD, c.SettlePay, c.AIQuoteFee} {
				if v.OK && (v.V < 0 || v.V > laafficMaxAmountUnknown) {
					ok = false
				}
			}
			if !ok {
				t.Fatalf("call %+v", c)
			}
		}
		for _, c := range b.Center {
			if !strings.HasPrefix(c.Key, "\x01c:") || !trimmedID(c.Key[3:]) ||
				!pushIn(c.CallType, []string{"group_transfer", "inbound", "outbound", "other"}) ||
				!pushIn(c.HangupReason, laafficHangupReasons[:], "other") ||
				!pushIn(c.HangingDirection, []string{"customer", "agent", "system", "other", "unknown"}) ||
				!pushIn(c.Outcome, []string{"answered", "not_answered", "failed", "other"}) ||
				(c.CostUSD.OK && (c.CostUSD.V < 0 || c.CostUSD.V > laafficMaxAmount("USD"))) {
				t.Fatalf("call-centre record %+v", c)
			}
		}
		for _, g := range b.Ringing {
			// callId and callinEventTime, split by a NUL (ids may hold one too).
			if !strings.HasPrefix(g.Key, "\x01r:") || !trimmedID(g.Key[3:]) || g.UnansweredLegs < 0 ||
				!pushIn(g.Type, []string{"group_transfer", "call_center_transfer", "api_call", "other"}) {
				t.Fatalf("ringing %+v", g)
			}
		}
		webhookgolden.RecordAll(pb)
		pushFuzz.CheckLabels(t, func() webhookgolden.Bounds {
			return laafficLabelBounds(webhookgolden.FuzzCap, 1, 0)
		})
	})
}

// laafficCurrencyCode: a currency the decoder may hand out with an amount:
// an ISO 4217 code, in capitals, that stands for money.
func laafficCurrencyCode(c string) bool {
	u, err := currency.ParseISO(c)
	return err == nil && u.String() == c && u != currency.XTS && u != (currency.Unit{})
}
