package laaffic

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// laafficLabelBounds gives, per LAAFFIC family and label, how many distinct
// values the label may take with cap capN, the given number of webhook
// accounts and of names in webhooks.laaffic_scripts.
func laafficLabelBounds(capN, accounts, mappedScripts int) webhookgolden.Bounds {
	capped := capN + 2                                          // admitted + "other" + "none"
	currencies := len(laafficCurrencies) + laafficMaxCurrencies // listed + capped codes (never "other")
	scripts := mappedScripts + capped
	a := func(labels map[string]int) map[string]int {
		labels["account"] = accounts
		return labels
	}
	return webhookgolden.Bounds{
		"laaffic_calls_total":                    a(map[string]int{"product": 2, "type": 5, "call_status": 7}),
		"laaffic_call_duration_seconds":          a(map[string]int{"product": 2}),
		"laaffic_ring_duration_seconds":          a(map[string]int{}),
		"laaffic_time_to_answer_seconds":         a(map[string]int{}),
		"laaffic_queue_delay_seconds":            a(map[string]int{}),
		"laaffic_post_dial_delay_seconds":        a(map[string]int{}),
		"laaffic_charged_duration_seconds_total": a(map[string]int{"product": 2}),
		// call_center is USD only, but the bound is kept simple.
		"laaffic_cost_total":                              a(map[string]int{"product": 3, "currency": currencies}),
		"laaffic_base_cost_usd_total":                     a(map[string]int{"product": 3}),
		"laaffic_settle_pay_total":                        a(map[string]int{"product": 2, "currency": 1}),
		"laaffic_keypresses_total":                        a(map[string]int{"key": 14}),
		"laaffic_sip_responses_total":                     a(map[string]int{"class": 8}),
		"laaffic_terminations_total":                      a(map[string]int{"result": 3}),
		"laaffic_bill_periods_total":                      a(map[string]int{"bill_period": capN + 1}),
		"laaffic_intents_total":                           a(map[string]int{"intent": capped}),
		"laaffic_destination_calls_total":                 a(map[string]int{"country": capN + 1}),
		"laaffic_recalls_total":                           a(map[string]int{}),
		"laaffic_invalid_fields_total":                    a(map[string]int{"field": len(laafficBadFields)}),
		"laaffic_ai_agent_cost_total":                     a(map[string]int{"currency": currencies}),
		"laaffic_ai_agent_charged_duration_seconds_total": a(map[string]int{}),
		"laaffic_ai_agent_intent_codes_total":             a(map[string]int{"intent_code": capped}),
		"laaffic_script_calls_total":                      a(map[string]int{"script": scripts, "product": 2, "result": 3}),
		"laaffic_script_cost_total":                       a(map[string]int{"script": scripts, "currency": currencies}),
		"laaffic_script_talk_seconds_total":               a(map[string]int{"script": scripts}),
		"laaffic_call_center_calls_total": a(map[string]int{
			"call_type": 4, "hangup_reason": len(laafficHangupReasons) + 1, "hanging_direction": 5}),
		"laaffic_call_center_agent_group_calls_total": a(map[string]int{"agent_group": capped, "outcome": 4}),
		"laaffic_call_center_talk_duration_seconds":   a(map[string]int{"call_type": 4}),
		"laaffic_agent_ringing_total":                 a(map[string]int{"type": 4}),
		"laaffic_agent_ringing_unanswered_legs_total": a(map[string]int{"type": 4}),
	}
}

// laafficSeriesPerChild is how many exposed series one label set of a
// family makes: 1, or for a histogram its classic buckets + le="+Inf" +
// _sum + _count.
var laafficSeriesPerChild = map[string]int{
	"laaffic_call_duration_seconds":             len(receiver.CallDurationBuckets) + 3,
	"laaffic_ring_duration_seconds":             len(receiver.RingBuckets) + 3,
	"laaffic_time_to_answer_seconds":            len(receiver.RingBuckets) + 3,
	"laaffic_queue_delay_seconds":               len(queueDelayBuckets) + 3,
	"laaffic_post_dial_delay_seconds":           len(postDialBuckets) + 3,
	"laaffic_call_center_talk_duration_seconds": len(centerTalkBuckets) + 3,
}

// laafficWorstCaseSeries is the most series the LAAFFIC families can
// expose: the product of every label's bound, per family.
func laafficWorstCaseSeries(capN, accounts, mappedScripts int) int {
	total := 0
	for name, labels := range laafficLabelBounds(capN, accounts, mappedScripts) {
		n := 1
		for _, v := range labels {
			n *= v
		}
		if k, ok := laafficSeriesPerChild[name]; ok {
			n *= k
		}
		total += n
	}
	return total
}

// The figure README states ("LAAFFIC" under "Cardinality"): per webhook
// account, with the default max_label_values and no named scripts.
func TestLaafficWorstCaseFigure(t *testing.T) {
	const documented = 1842
	if got := laafficWorstCaseSeries(config.DefaultMaxLabelValues, 1, 0); got != documented {
		t.Errorf("LAAFFIC worst case per account = %d series; README says %d: update both", got, documented)
	}
	if laafficWorstCaseSeries(config.DefaultMaxLabelValues, 3, 0) != 3*documented {
		t.Error("the worst case must grow linearly with the accounts")
	}
}

// TestLaafficCardinalityRandom posts 100 000 records of every kind to two
// accounts, every label-reaching field random, and checks every LAAFFIC
// family against its bounds and the whole against the worst case.
func TestLaafficCardinalityRandom(t *testing.T) {
	if testing.Short() {
		t.Skip("100 000 records")
	}
	const capN = 10
	tr, _ := newPushReceiver(t, config.Webhooks{
		MaxLabelValues:  capN,
		LaafficAccounts: map[string]config.Secret{"default": "", "b": ""},
		LaafficScripts:  map[string]string{"1": "one"},
	})
	rnd := rand.New(rand.NewPCG(1, 2))
	word := func(p string) string { return fmt.Sprintf("%s%d", p, rnd.IntN(1_000_000)) }
	const bodies, perBody = 500, 200
	for b := 0; b < bodies; b++ {
		recs := make([]string, 0, perBody)
		for i := 0; i < perBody; i++ {
			id := fmt.Sprintf("%d-%d", b, i)
			switch rnd.IntN(4) {
			case 0, 1:
				agent := ""
				if rnd.IntN(2) == 0 {
					agent = `,"aiAgentQuoteFee":"0.01","aiAgentChargedDuration":60,"intentCode":"` + word("K") + `"`
				}
				cur := []string{"USD", "EUR", "", word("X")[:3], "ABC", "zzz", "J" + fmt.Sprint(rnd.IntN(10)) + "Y"}[rnd.IntN(7)]
				recs = append(recs, `{"voiceId":"v`+id+`","type":`+fmt.Sprint(rnd.IntN(9))+`,"callStatus":`+
					fmt.Sprint(rnd.IntN(80))+`,"currency":"`+cur+`","cost":"0.1","settlePay":"0.1","feedbackValue":"`+
					word("f")+`","sipCode":"`+word("")+`","terminationCode":"`+word("t")+`","billPeriod":"`+word("B")+
					`","intent":"`+word("I")+`","code":"`+word("K")+`(x)","scriptId":`+fmt.Sprint(rnd.IntN(1000))+
					`,"callTime":1000,"ringingTime":`+fmt.Sprint(rnd.IntN(3000))+`,"callDuration":5`+agent+`}`)
			case 2:
				recs = append(recs, `{"callSessionId":"s`+id+`","callType":`+fmt.Sprint(rnd.IntN(6))+
					`,"hangupReason":`+fmt.Sprint(rnd.IntN(14))+`,"hangingDirection":`+fmt.Sprint(rnd.IntN(6))+
					`,"agentGroupName":"`+word("G")+`","callDuration":`+fmt.Sprint(rnd.IntN(300))+`,"cost":"0.1","baseCost":"0.05"}`)
			default:
				recs = append(recs, `{"callId":"r`+id+`","callinEventTime":"2026-01-01 12:00:00","type":`+
					fmt.Sprint(rnd.IntN(6))+`,"seatGroupName":"`+word("S")+`","noAnswerSipList":["1","2"]}`)
			}
		}
		path := pushPath
		if b%2 == 1 {
			path += "/b"
		}
		tr.PostOK(t, path, []byte(`[`+strings.Join(recs, ",")+`]`))
	}
	if v := tr.Records(t, pushVendor, "counted"); v != bodies*perBody {
		t.Fatalf("counted %v of %d records", v, bodies*perBody)
	}
	mfs := tr.Gather(t)
	bounds := laafficLabelBounds(capN, 2, 1)
	total := 0
	for _, mf := range mfs {
		name := mf.GetName()
		if !strings.HasPrefix(name, "laaffic_") {
			continue
		}
		b, ok := bounds[name]
		if !ok {
			t.Errorf("%s: no bound known; add it to laafficLabelBounds and README", name)
			continue
		}
		for label, vals := range webhookgolden.LabelValues(mf) {
			if _, ok := b[label]; !ok {
				t.Errorf("%s: unexpected label %s", name, label)
			}
			if len(vals) > b[label] {
				t.Errorf("%s{%s}: %d distinct values, bound %d", name, label, len(vals), b[label])
			}
		}
		n := len(mf.GetMetric())
		if k, ok := laafficSeriesPerChild[name]; ok {
			n *= k
		}
		total += n
	}
	worst := laafficWorstCaseSeries(capN, 2, 1)
	if total > worst {
		t.Errorf("LAAFFIC families expose %d series, worst case %d", total, worst)
	}
	t.Logf("100 000 random records, 2 accounts, cap %d: %d LAAFFIC series (worst case %d)", capN, total, worst)
}

// TestLaafficCardinalityBounded sends 5 000 records whose every
// label-reaching field is distinct and checks that no label exceeds its
// bound and that every value over the cap is counted as folded.
func TestLaafficCardinalityBounded(t *testing.T) {
	const capN = 10
	tr, _ := newPushReceiver(t, config.Webhooks{MaxLabelValues: capN})
	const bodies, perBody = 50, 100
	for b := 0; b < bodies; b++ {
		var la []string
		for i := 0; i < perBody; i++ {
			u := fmt.Sprintf("%d-%d", b, i)
			la = append(la, `{"voiceId":"v`+u+`","type":`+fmt.Sprint(100+i)+`,"callStatus":`+fmt.Sprint(1000+i)+
				`,"currency":"C`+u+`","cost":"0.1","settlePay":"0.1","feedbackValue":"f`+u+`","sipCode":"s`+u+
				`","terminationCode":"t`+u+`","billPeriod":"B`+u+`","intent":"I`+u+`","code":"K`+u+`(x)"}`)
		}
		tr.PostOK(t, pushPath, []byte(`[`+strings.Join(la, ",")+`]`))
	}
	if v := tr.Records(t, pushVendor, "counted"); v < bodies*perBody {
		t.Fatalf("only %v records counted", v)
	}

	mfs := tr.Gather(t)
	webhookgolden.CheckBounded(t, mfs, laafficLabelBounds(capN, 1, 0), func(string) bool { return false })
	// bill period, intent and country: every value past the cap.
	if folded := webhookgolden.Folded(mfs); folded < 3*(bodies*perBody-capN) {
		t.Errorf("folded_total = %v, expected every over-the-cap value to be counted", folded)
	}
}

// The dedup memory is bounded: beyond dedup_max_entries the oldest ids go,
// and the evictions are counted.
func TestDedupBoundedAndEvictionsCounted(t *testing.T) {
	tr, _ := newPushReceiver(t, config.Webhooks{DedupMaxEntries: 3})
	for i := range 5 {
		tr.Post(pushPath, []byte(fmt.Sprintf(`{"voiceId":"v%d"}`, i)))
	}
	if v := testkit.Value(t, tr.Reg, "airudder_exporter_dedup_entries", "source", pushVendor); v != 3 {
		t.Errorf("entries = %v", v)
	}
	if v := testkit.Value(t, tr.Reg, "airudder_exporter_dedup_evictions_total", "source", pushVendor); v != 2 {
		t.Errorf("evictions = %v", v)
	}
	// The newest ids are still remembered.
	tr.Post(pushPath, []byte(`{"voiceId":"v4"}`))
	if v := tr.Records(t, pushVendor, "duplicate"); v != 1 {
		t.Errorf("duplicate = %v", v)
	}
}
