package receiver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"airudder_exporter/config"
)

// labelBounds gives, per metric and label, how many distinct values the
// label may take: the closed set (with other/none/unknown) or cap+extras.
func labelBounds(capN int) map[string]map[string]int {
	capped := capN + 2 // admitted values + "other" + "none"
	b := map[string]map[string]int{
		"airudder_calls_total": {
			"result": len(airudderResults) + 1, "result_label": capped,
			"hangup_type": len(airudderHangupTypes) + 2, "ring_type": len(airudderRingTypes) + 1,
		},
		"airudder_call_redials_total": {"ring_type": len(airudderRingTypes) + 1, "hangup_type": len(airudderHangupTypes) + 2},
		"airudder_infocheck_answers_total": {
			"question": capped, "verification_result": capN + len(airudderVerification) + 1,
			"answered": len(airudderAnswered) + 1,
		},
		"airudder_call_event_labels_total":   {"label": capped},
		"airudder_task_status_changes_total": {"status": len(airudderTaskStatus) + 1},
	}
	for name, labels := range laafficLabelBounds(capN, 1, 0) {
		b[name] = labels
	}
	return b
}

// TestCardinalityBounded sends 10 000 records whose every label-reaching
// field is distinct and checks that no label exceeds its bound.
func TestCardinalityBounded(t *testing.T) {
	const capN = 10
	tr := newTestReceiver(t, config.Webhooks{MaxLabelValues: capN}, "")
	const bodies, perBody = 50, 100 // 5 000 records per source
	for b := 0; b < bodies; b++ {
		var ar, la []string
		for i := 0; i < perBody; i++ {
			u := fmt.Sprintf("%d-%d", b, i)
			ar = append(ar, `{"call_id":"c`+u+`","result":"r`+u+`","result_label":"L`+u+`","hangup_type":"h`+u+
				`","ring_type":"g`+u+`","duration":1,"EventLabel":{"E`+u+`":"x"},"redail_call":[{"RingType":"rr`+u+
				`","HangupType":"rh`+u+`"}],"question_answer":[{"question_name":"Q`+u+`","verification_results":"V`+u+
				`","whether_answer":"W`+u+`"}]}`)
			la = append(la, `{"voiceId":"v`+u+`","type":`+fmt.Sprint(100+i)+`,"callStatus":`+fmt.Sprint(1000+i)+
				`,"currency":"C`+u+`","cost":"0.1","settlePay":"0.1","feedbackValue":"f`+u+`","sipCode":"s`+u+
				`","terminationCode":"t`+u+`","billPeriod":"B`+u+`","intent":"I`+u+`","code":"K`+u+`(x)"}`)
		}
		if rec := tr.post(PathAiRudder, []byte(`{"details":[`+strings.Join(ar, ",")+`]}`)); rec.Code != http.StatusOK {
			t.Fatal(rec.Code, rec.Body)
		}
		if rec := tr.post(PathLaaffic, []byte(`[`+strings.Join(la, ",")+`]`)); rec.Code != http.StatusOK {
			t.Fatal(rec.Code, rec.Body)
		}
		if rec := tr.post(PathAiRudder, []byte(`{"task_id":"t`+fmt.Sprint(b)+`","status":"s`+fmt.Sprint(b)+`"}`)); rec.Code != http.StatusOK {
			t.Fatal(rec.Code)
		}
	}
	for _, src := range []string{sourceAiRudder, sourceLaaffic} {
		if v := records(t, tr, src, recordCounted); v < bodies*perBody {
			t.Fatalf("%s: only %v records counted", src, v)
		}
	}

	mfs, err := tr.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	bounds := labelBounds(capN)
	for _, mf := range mfs {
		name := mf.GetName()
		b, ok := bounds[name]
		if !ok {
			// Families without open labels: a handful of series at most.
			if n := len(mf.GetMetric()); n > 24 {
				t.Errorf("%s: %d series", name, n)
			}
			continue
		}
		distinct := map[string]map[string]bool{}
		product := 1
		for label, max := range b {
			distinct[label] = map[string]bool{}
			product *= max
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if distinct[lp.GetName()] == nil {
					t.Errorf("%s: unexpected label %s", name, lp.GetName())
					continue
				}
				distinct[lp.GetName()][lp.GetValue()] = true
			}
		}
		for label, vals := range distinct {
			if len(vals) > b[label] {
				t.Errorf("%s{%s}: %d distinct values, bound %d", name, label, len(vals), b[label])
			}
		}
		if n := len(mf.GetMetric()); n > product {
			t.Errorf("%s: %d series, bound %d", name, n, product)
		}
	}
	folded := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "airudder_exporter_label_values_folded_total" {
			for _, m := range mf.GetMetric() {
				folded += m.GetCounter().GetValue()
			}
		}
	}
	if folded < 5*(bodies*perBody-capN) {
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
	tr := newTestReceiver(t, config.Webhooks{
		InfoCheckQuestions: []string{"Q1"},
		EventLabels:        []string{"VerifyPass"},
	}, "")
	tr.post(PathAiRudder, []byte(`{"details":[{"call_id":"a","EventLabel":{"VerifyPass":"","PTP":""},`+
		`"question_answer":[{"question_name":"Q1"},{"question_name":"Q2"}]}]}`))
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"airudder_call_event_labels_total", []string{"label", "VerifyPass"}, 1},
		{"airudder_call_event_labels_total", []string{"label", "other"}, 1},
		{"airudder_infocheck_answers_total", []string{"question", "Q1", "verification_result", "-", "answered", "other"}, 1},
		{"airudder_infocheck_answers_total", []string{"question", "other", "verification_result", "-", "answered", "other"}, 1},
		{"airudder_exporter_label_values_folded_total", []string{"metric", "airudder_call_event_labels_total"}, 1},
		{"airudder_exporter_label_values_folded_total", []string{"metric", "airudder_infocheck_answers_total"}, 1},
	} {
		if v := counterValue(t, tr.reg, tc.name, tc.labels...); v != tc.want {
			t.Errorf("%s%v = %v, want %v", tc.name, tc.labels, v, tc.want)
		}
	}
	// Reloaded without allow-lists: any value under the cap.
	tr.ApplyConfig(config.Webhooks{})
	tr.post(PathAiRudder, []byte(`{"details":[{"call_id":"b","EventLabel":{"PTP":""}}]}`))
	if v := counterValue(t, tr.reg, "airudder_call_event_labels_total", "label", "PTP"); v != 1 {
		t.Errorf("after reload PTP = %v", v)
	}
}

// The dedup memory is bounded: beyond dedup_max_entries the oldest ids go,
// and the evictions are counted.
func TestDedupBoundedAndEvictionsCounted(t *testing.T) {
	tr := newTestReceiver(t, config.Webhooks{DedupMaxEntries: 3}, "")
	for i := range 5 {
		tr.post(PathLaaffic, []byte(fmt.Sprintf(`{"voiceId":"v%d"}`, i)))
	}
	if v := counterValue(t, tr.reg, "airudder_exporter_dedup_entries", "source", sourceLaaffic); v != 3 {
		t.Errorf("entries = %v", v)
	}
	if v := counterValue(t, tr.reg, "airudder_exporter_dedup_evictions_total", "source", sourceLaaffic); v != 2 {
		t.Errorf("evictions = %v", v)
	}
	// The newest ids are still remembered.
	tr.post(PathLaaffic, []byte(`{"voiceId":"v4"}`))
	if v := records(t, tr, sourceLaaffic, recordDuplicate); v != 1 {
		t.Errorf("duplicate = %v", v)
	}
}
