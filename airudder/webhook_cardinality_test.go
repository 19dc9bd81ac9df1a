package airudder

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/internal/webhookgolden"
	"airudder_exporter/receiver"
)

// webhookLabelBounds gives, per AiRudder family and label, how many
// distinct values the label may take: the closed set (with
// other/none/unknown) or cap+extras. accounts is the number of webhook
// accounts (configured + "default"); outcomes is the number of request
// outcomes of the receiver (webhookgolden.RequestOutcomes).
func webhookLabelBounds(capN, accounts, outcomes int) webhookgolden.Bounds {
	capped := capN + 2 // admitted values + "other" + "none"
	results, hangups, rings := len(airudderResults)+1, len(airudderHangupTypes)+2, len(airudderRingTypes)+1
	robots, lines, campaigns := capped, capped, capN+1 // campaign: rule outputs + "other"
	return webhookgolden.Bounds{
		"airudder_calls_total": {
			"account": accounts, "result": results, "result_label": capped, "hangup_type": hangups, "ring_type": rings,
		},
		"airudder_call_redials_total": {"account": accounts, "ring_type": rings, "hangup_type": hangups},
		"airudder_infocheck_answers_total": {
			"account": accounts, "question": capped, "verification_result": capN + len(airudderVerification) + 1,
			"answered": len(airudderAnswered) + 1,
		},
		"airudder_call_event_labels_total":             {"account": accounts, "label": capped},
		"airudder_task_status_changes_total":           {"account": accounts, "status": len(airudderTaskStatus) + 1},
		"airudder_workflow_notifications_total":        {"account": accounts},
		"airudder_sip_line_calls_total":                {"account": accounts, "sip_line": lines, "ring_type": rings},
		"airudder_robot_calls_total":                   {"account": accounts, "robot": robots, "result": results},
		"airudder_robot_transfers_total":               {"account": accounts, "robot": robots},
		"airudder_campaign_calls_total":                {"account": accounts, "campaign": campaigns, "result": results},
		"airudder_campaign_connected_calls_total":      {"account": accounts, "campaign": campaigns},
		"airudder_campaign_talk_seconds_total":         {"account": accounts, "campaign": campaigns},
		"airudder_webhook_delivery_lag_rejected_total": {"account": accounts, "reason": len(lagReasons)},
		// Self-metrics with more than 16 series, from closed sets; the
		// exporter serves two sources, and counts paths naming neither
		// under "other".
		"airudder_exporter_webhook_requests_total": {"source": 3, "outcome": outcomes},
	}
}

// webhookHistogramBounds: per-account (and per-robot) AiRudder histograms; their
// series are buckets + 1 (+Inf) + sum + count.
var webhookHistogramBounds = map[string]struct {
	buckets []float64
	labels  []string
}{
	"airudder_call_duration_seconds":        {receiver.CallDurationBuckets, []string{"account"}},
	"airudder_call_ring_duration_seconds":   {receiver.RingBuckets, []string{"account"}},
	"airudder_call_talk_rounds":             {talkRoundBuckets, []string{"account"}},
	"airudder_call_dial_attempts":           {dialAttemptBuckets, []string{"account"}},
	"airudder_webhook_delivery_lag_seconds": {deliveryLagBuckets, []string{"account"}},
	"airudder_robot_call_duration_seconds":  {robotTalkBuckets, []string{"account", "robot"}},
}

// airudderSeriesBound is the worst-case number of series of every family
// counted from AiRudder webhooks, for accounts webhook accounts, cap capN
// (webhooks.max_label_values) and mapped robot names: the product of the
// label bounds of each family (histograms: per label set, buckets + 3).
// README "Cardinality" quotes it for the defaults.
func airudderSeriesBound(capN, accounts, mappedRobots, outcomes int) int {
	total := 0
	for name, labels := range webhookLabelBounds(capN, accounts, outcomes) {
		if !strings.HasPrefix(name, "airudder_") {
			continue
		}
		n := 1
		for label, k := range labels {
			if label == "robot" {
				k += mappedRobots // configured names bypass the cap
			}
			n *= k
		}
		total += n
	}
	for _, h := range webhookHistogramBounds {
		n := len(h.buckets) + 3
		for _, l := range h.labels {
			switch l {
			case "account":
				n *= accounts
			case "robot":
				n *= capN + 2 + mappedRobots
			}
		}
		total += n
	}
	return total
}

// TestAiRudderCardinalityBounded sends 5 000 calls whose every
// label-reaching field is distinct and checks that no label exceeds its
// bound and that every value over the cap is counted as folded.
func TestAiRudderCardinalityBounded(t *testing.T) {
	const capN = 10
	tr, _ := newWebhookReceiver(t, config.Webhooks{MaxLabelValues: capN})
	const bodies, perBody = 50, 100
	for b := 0; b < bodies; b++ {
		var ar []string
		for i := 0; i < perBody; i++ {
			u := fmt.Sprintf("%d-%d", b, i)
			ar = append(ar, `{"call_id":"c`+u+`","result":"r`+u+`","result_label":"L`+u+`","hangup_type":"h`+u+
				`","ring_type":"g`+u+`","duration":1,"EventLabel":{"E`+u+`":"x"},"redail_call":[{"RingType":"rr`+u+
				`","HangupType":"rh`+u+`"}],"question_answer":[{"question_name":"Q`+u+`","verification_results":"V`+u+
				`","whether_answer":"W`+u+`"}]}`)
		}
		tr.PostOK(t, webhookPath, []byte(`{"details":[`+strings.Join(ar, ",")+`]}`))
		tr.PostOK(t, webhookPath, []byte(`{"task_id":"t`+fmt.Sprint(b)+`","status":"s`+fmt.Sprint(b)+`"}`))
	}
	if v := tr.Records(t, webhookVendor, "counted"); v < bodies*perBody {
		t.Fatalf("only %v records counted", v)
	}

	mfs := tr.Gather(t)
	webhookgolden.CheckBounded(t, mfs, webhookLabelBounds(capN, 1, webhookgolden.RequestOutcomes(t, NewWebhooks())), func(name string) bool {
		return webhookHistogramBounds[name].buckets != nil
	})
	// result_label, event label, question and verification result: every
	// value past the cap.
	if folded := webhookgolden.Folded(mfs); folded < 4*(bodies*perBody-capN) {
		t.Errorf("folded_total = %v, expected every over-the-cap value to be counted", folded)
	}
	assertSeriesUsesOther(t, mfs, "airudder_calls_total", "result_label")
}

func assertSeriesUsesOther(t *testing.T, mfs []*dto.MetricFamily, family, label string) {
	t.Helper()
	for _, mf := range mfs {
		if mf.GetName() != family {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == "other" {
					return
				}
			}
		}
	}
	t.Errorf("%s: no %s=\"other\" series after the cap was exceeded", family, label)
}

// Allow-lists replace the cap: only listed questions and event labels
// become values; the rest fold into "other" and are counted as folded.
func TestAllowLists(t *testing.T) {
	tr, _ := newWebhookReceiver(t, config.Webhooks{
		InfoCheckQuestions: []string{"Q1"},
		EventLabels:        []string{"VerifyPass"},
	})
	tr.Post(webhookPath, []byte(`{"details":[{"call_id":"a","EventLabel":{"VerifyPass":"","PTP":""},`+
		`"question_answer":[{"question_name":"Q1"},{"question_name":"Q2"}]}]}`))
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"airudder_call_event_labels_total", []string{"account", "default", "label", "VerifyPass"}, 1},
		{"airudder_call_event_labels_total", []string{"account", "default", "label", "other"}, 1},
		{"airudder_infocheck_answers_total", []string{"account", "default", "question", "Q1", "verification_result", "-", "answered", "other"}, 1},
		{"airudder_infocheck_answers_total", []string{"account", "default", "question", "other", "verification_result", "-", "answered", "other"}, 1},
		{"airudder_exporter_label_values_folded_total", []string{"metric", "airudder_call_event_labels_total"}, 1},
		{"airudder_exporter_label_values_folded_total", []string{"metric", "airudder_infocheck_answers_total"}, 1},
	} {
		if v := testkit.Value(t, tr.Reg, tc.name, tc.labels...); v != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, v, tc.want)
		}
	}
	// Reloaded without allow-lists: any value under the cap.
	tr.ApplyConfig(config.Webhooks{})
	tr.Post(webhookPath, []byte(`{"details":[{"call_id":"b","EventLabel":{"PTP":""}}]}`))
	if v := testkit.Value(t, tr.Reg, "airudder_call_event_labels_total", "account", "default", "label", "PTP"); v != 1 {
		t.Errorf("after reload PTP = %v", v)
	}
}

// TestCardinalityAiRudderDimensions: 100 000 calls with random robots,
// lines, task names and accounts (the configured ones), default caps, stay
// within the worst case README "Cardinality" documents, label by label and
// in total.
func TestCardinalityAiRudderDimensions(t *testing.T) {
	cfg := dimsConfig(t)
	capN := config.DefaultMaxLabelValues
	tr, _ := newWebhookReceiver(t, cfg)
	rnd := rand.New(rand.NewPCG(3, 4))
	accounts := []string{"default", "acme", "beta"}
	const bodies, perBody = 400, 250 // 100 000 calls
	var sb strings.Builder
	for b := range bodies {
		sb.Reset()
		fmt.Fprintf(&sb, `{"task_id":"t%d","task_name":"%s","robot_hash":"r%d","sip_line":"L%d","details":[`,
			b, []string{"loan_%d_20251211", "survey_%d", "free text %d"}[rnd.IntN(3)], rnd.IntN(500), rnd.IntN(500))
		for i := range perBody {
			if i > 0 {
				sb.WriteByte(',')
			}
			robot := ""
			if rnd.IntN(2) == 0 {
				robot = fmt.Sprintf(`"robot_hash":"h%d",`, rnd.IntN(1000))
			}
			fmt.Fprintf(&sb, `{%s"call_id":"c%d-%d","result":"%s","ring_type":"%s","result_label":"R%d","duration":%d,"EventLabel":{"E%d":"","RequestAgent":""},"call_end_time":"2025-12-11 09:59:%02d"}`,
				robot, b, i, airudderResults[rnd.IntN(5)], airudderRingTypes[rnd.IntN(10)], rnd.IntN(100), rnd.IntN(600), rnd.IntN(100), rnd.IntN(60))
		}
		sb.WriteString(`]}`)
		body := strings.Replace(sb.String(), "%d", fmt.Sprint(rnd.IntN(100000)), 1)
		tr.PostOK(t, webhookAccountPath(accounts[rnd.IntN(len(accounts))]), []byte(body))
	}
	if v := tr.Records(t, webhookVendor, "counted"); v != bodies*perBody {
		t.Fatalf("counted %v of %d", v, bodies*perBody)
	}
	mfs := tr.Gather(t)
	outcomes := webhookgolden.RequestOutcomes(t, NewWebhooks())
	bounds := webhookLabelBounds(capN, len(accounts), outcomes)
	total := 0
	for _, mf := range mfs {
		name := mf.GetName()
		if !strings.HasPrefix(name, "airudder_") || strings.HasPrefix(name, "airudder_exporter_") {
			continue
		}
		n := len(mf.GetMetric())
		if h, ok := webhookHistogramBounds[name]; ok {
			n *= len(h.buckets) + 3
		} else if _, ok := bounds[name]; !ok {
			t.Errorf("%s: no bound known; add it to labelBounds and README", name)
		}
		total += n
		for label, vals := range webhookgolden.LabelValues(mf) {
			max, ok := bounds[name][label]
			if !ok && label == "robot" {
				max, ok = capN+2+len(cfg.Robots), true
			}
			if !ok && label == "account" {
				max, ok = len(accounts), true
			}
			if !ok {
				t.Errorf("%s: label %s has no bound", name, label)
			} else if len(vals) > max {
				t.Errorf("%s{%s}: %d values, bound %d", name, label, len(vals), max)
			}
		}
	}
	bound := airudderSeriesBound(capN, len(accounts), len(cfg.Robots), outcomes)
	t.Logf("AiRudder series after 100 000 random calls over %d accounts: %d (worst case %d)", len(accounts), total, bound)
	if total > bound {
		t.Errorf("%d AiRudder series, documented worst case %d", total, bound)
	}
}

// README "Cardinality" quotes the per-account worst case for the default
// caps; it must be the figure the code bounds.
func TestReadmeCardinalityFigure(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	per := airudderSeriesBound(config.DefaultMaxLabelValues, 1, 0, webhookgolden.RequestOutcomes(t, NewWebhooks()))
	fig := fmt.Sprintf("**%s series per AiRudder account**", thousands(per))
	if !strings.Contains(string(readme), fig) {
		t.Errorf("README.md does not say %q", fig)
	}
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}

// One call adds at most callMaxEventLabels to
// airudder_call_event_labels_total, however many EventLabel keys it
// carries; the keys past it are counted as folded.
func TestCallEventLabelsPerCallCap(t *testing.T) {
	tr, _ := newWebhookReceiver(t, config.Webhooks{EventLabels: []string{"VerifyPass"}})
	const keys = 10000
	var sb strings.Builder
	sb.WriteString(`{"details":[{"call_id":"a","EventLabel":{"VerifyPass":""`)
	for i := range keys - 1 {
		fmt.Fprintf(&sb, `,"E%d":""`, i)
	}
	sb.WriteString(`}}]}`)
	tr.Post(webhookPath, []byte(sb.String()))
	pass := testkit.Value(t, tr.Reg, "airudder_call_event_labels_total", "account", "default", "label", "VerifyPass")
	other := testkit.Value(t, tr.Reg, "airudder_call_event_labels_total", "account", "default", "label", "other")
	if pass != 1 || pass+other != callMaxEventLabels {
		t.Errorf("event labels: VerifyPass %v, other %v; want 1 and %d in all", pass, other, callMaxEventLabels)
	}
	folded := testkit.Value(t, tr.Reg, "airudder_exporter_label_values_folded_total", "metric", "airudder_call_event_labels_total")
	if want := float64(keys - 1); folded != want { // every key but VerifyPass: refused by the allow-list or past the cap
		t.Errorf("folded = %v, want %v", folded, want)
	}
}

// One call counts at most callMaxNested question_answer and redail_call
// entries, however many it carries (a body of empty objects must not grow
// the decoder with every byte); the entries past it are counted as folded.
func TestCallNestedEntriesPerCallCap(t *testing.T) {
	tr, _ := newWebhookReceiver(t, config.Webhooks{})
	const answers, redials = 5000, 3000
	var sb strings.Builder
	sb.WriteString(`{"details":[{"call_id":"nested","question_answer":[`)
	for i := range answers {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"question_name":"Q","verification_results":"Match","whether_answer":"Answered"}`)
	}
	sb.WriteString(`],"redail_call":[`)
	for i := range redials {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"RingType":"normal","HangupType":"robot"}`)
	}
	sb.WriteString(`]}]}`)
	tr.Post(webhookPath, []byte(sb.String()))
	sum := func(name string) float64 {
		mfs, err := tr.Reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var n float64
		for _, mf := range mfs {
			if mf.GetName() == name {
				for _, m := range mf.GetMetric() {
					n += m.GetCounter().GetValue()
				}
			}
		}
		return n
	}
	if got := sum("airudder_infocheck_answers_total"); got != callMaxNested {
		t.Errorf("answers counted %v, want %d", got, callMaxNested)
	}
	if got := sum("airudder_call_redials_total"); got != callMaxNested {
		t.Errorf("redials counted %v, want %d", got, callMaxNested)
	}
	for metric, want := range map[string]float64{"airudder_infocheck_answers_total": answers - callMaxNested, "airudder_call_redials_total": redials - callMaxNested} {
		if got := testkit.Value(t, tr.Reg, "airudder_exporter_label_values_folded_total", "metric", metric); got != want {
			t.Errorf("folded for %s = %v, want %v", metric, got, want)
		}
	}
}
