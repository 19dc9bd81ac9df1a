package webhookgolden

import (
	"bytes"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"airudder_exporter/airudder"
	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/laaffic"
)

// Routes and fixtures of the two vendors.
const (
	pathAiRudder     = "/webhooks/airudder"
	pathLaaffic      = "/webhooks/laaffic"
	airudderFixtures = "../../airudder/testdata"
	laafficFixtures  = "../../laaffic/testdata"
)

// newGoldenReceiver is a receiver serving both vendors, as the exporter does.
func newGoldenReceiver(tb testing.TB, cfg config.Webhooks) *Receiver {
	tb.Helper()
	return NewReceiver(tb, cfg, airudder.NewWebhooks(), laaffic.NewPushes())
}

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// goldenSequence is a known series of webhooks touching every family.
func goldenSequence(t *testing.T, tr *Receiver) {
	t.Helper()
	steps := []struct {
		path, body string
		want       int
	}{
		{pathAiRudder, string(testkit.ReadFile(t, airudderFixtures, "airudder-call-webhook.json")), http.StatusOK},
		{pathAiRudder, `{"task_id":"t2","status":"calling","details":[
			{"call_id":"c2","result":"failed","result_label":"","hangup_type":"","ring_type":"busy","duration":0,
			 "ring_time":25,"call_times":3,"redail_call":[{"RingType":"busy","HangupType":"Canceled"},{"RingType":"outofarea"}]},
			{"call_id":"c3","result":"finished","result_label":"B","hangup_type":"ByRobot","ring_type":"normal",
			 "duration":"95","ring_time":"4","talk_round":"6","call_times":1,"EventLabel":{"PTP":"PTP","VerifyPass":"VerifyPass"},
			 "question_answer":[{"question_name":"Q1","verification_results":"NotMatch","whether_answer":"NotAnswered"}]},
			{"call_id":"c4","duration":-1},
			{"result":"finished"}]}`, http.StatusOK},
		{pathAiRudder, `{"task_id":"t2","status":"finished"}`, http.StatusOK},
		{pathAiRudder, `{"workflow_id":"w1","case_id":"k1","call_id":"wf1","result":"finished","result_label":"A",
			"hangup_type":"ByCallee","ring_type":"normal","duration":30}`, http.StatusOK},
		{pathAiRudder, string(testkit.ReadFile(t, airudderFixtures, "airudder-call-webhook.json")), http.StatusOK}, // re-delivery
		{pathAiRudder, `{"details":[`, http.StatusBadRequest},
		{pathLaaffic, string(testkit.ReadFile(t, laafficFixtures, "laaffic-ivr-push.json")), http.StatusOK},
		{pathLaaffic, `{"array":[
			{"voiceId":"v2","type":3,"callStatus":50,"callTime":1000,"ringingTime":1500,"answerTime":4500,
			 "callDuration":"42","chargedDuration":60,"ringDuration":"3","cost":"0.02","baseCost":"0.015",
			 "terminationCode":"486","sipCode":"486","feedbackValue":"#","code":"Philippines","billPeriod":"60+60",
			 "recallByVoiceId":"22121121451211349002"},
			{"voiceId":"v3","type":2,"callStatus":null,"cost":"0.01","currency":"USD","feedbackValue":"-1"},
			{"voiceId":"v4","cost":"-1"},
			"junk"]}`, http.StatusOK},
		{pathLaaffic, `[{"voiceId":"v3"}]`, http.StatusOK}, // duplicate
		{pathLaaffic, string(testkit.ReadFile(t, laafficFixtures, "laaffic-ai-agent-push.json")), http.StatusOK},
		{pathLaaffic, string(testkit.ReadFile(t, laafficFixtures, "laaffic-call-center-push.json")), http.StatusOK},
		{pathLaaffic, string(testkit.ReadFile(t, laafficFixtures, "laaffic-call-center-push.json")), http.StatusOK}, // retry
		{pathLaaffic, string(testkit.ReadFile(t, laafficFixtures, "laaffic-ringing-push.json")), http.StatusOK},
		{pathLaaffic, `[{"voiceId":"v5","ringingTime":2000,"answerTime":1000},{"unknown":1}]`, http.StatusOK},
	}
	for i, s := range steps {
		if rec := tr.Post(s.path, []byte(s.body)); rec.Code != s.want {
			t.Fatalf("step %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, pathLaaffic, nil)
	tr.Handler.ServeHTTP(discardWriter{}, req)
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}

// goldenFamilies is what golden.prom pins: every family of g but the
// token gauge, whose value depends on the configuration rather than on the
// webhooks posted (hardening_test.go checks it at both values).
func goldenFamilies(g prometheus.Gatherer) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := g.Gather()
		return slices.DeleteFunc(mfs, func(mf *dto.MetricFamily) bool {
			return mf.GetName() == "airudder_exporter_webhook_auth_enabled"
		}), err
	})
}

func TestGoldenExposition(t *testing.T) {
	tr := newGoldenReceiver(t, config.Webhooks{})
	goldenSequence(t, tr)
	golden := filepath.Join("testdata", "golden.prom")
	if *update {
		mfs, err := goldenFamilies(tr.Reg).Gather()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		for _, mf := range mfs {
			if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := testutil.GatherAndCompare(goldenFamilies(tr.Reg), f); err != nil {
		t.Error(err)
	}
}

// Every family the contract names for the receiver is registered.
func TestAllContractFamiliesPresent(t *testing.T) {
	tr := newGoldenReceiver(t, config.Webhooks{})
	goldenSequence(t, tr)
	mfs := tr.Gather(t)
	have := map[string]bool{}
	for _, mf := range mfs {
		have[mf.GetName()] = true
	}
	for _, name := range []string{
		"airudder_calls_total", "airudder_call_duration_seconds", "airudder_call_ring_duration_seconds",
		"airudder_call_talk_rounds", "airudder_call_dial_attempts", "airudder_call_redials_total",
		"airudder_infocheck_answers_total", "airudder_call_event_labels_total",
		"airudder_task_status_changes_total", "airudder_workflow_notifications_total",
		"laaffic_calls_total", "laaffic_call_duration_seconds", "laaffic_ring_duration_seconds",
		"laaffic_time_to_answer_seconds", "laaffic_queue_delay_seconds", "laaffic_post_dial_delay_seconds",
		"laaffic_charged_duration_seconds_total", "laaffic_cost_total", "laaffic_base_cost_usd_total",
		"laaffic_settle_pay_total", "laaffic_keypresses_total", "laaffic_sip_responses_total",
		"laaffic_terminations_total", "laaffic_bill_periods_total", "laaffic_intents_total",
		"laaffic_destination_calls_total", "laaffic_recalls_total", "laaffic_invalid_fields_total",
		"laaffic_ai_agent_cost_total", "laaffic_ai_agent_charged_duration_seconds_total",
		"laaffic_ai_agent_intent_codes_total", "laaffic_script_calls_total", "laaffic_script_cost_total",
		"laaffic_script_talk_seconds_total", "laaffic_call_center_calls_total",
		"laaffic_call_center_agent_group_calls_total", "laaffic_call_center_talk_duration_seconds",
		"laaffic_agent_ringing_total", "laaffic_agent_ringing_unanswered_legs_total",
		"airudder_exporter_webhook_requests_total", "airudder_exporter_webhook_records_total",
		"airudder_exporter_webhook_invalid_records_total", "airudder_exporter_webhook_last_received_timestamp_seconds",
		"airudder_exporter_webhook_request_duration_seconds", "airudder_exporter_dedup_entries",
		"airudder_exporter_dedup_evictions_total", "airudder_exporter_label_values_folded_total",
		"airudder_exporter_dedup_errors_total",
	} {
		if !have[name] {
			t.Errorf("family %s missing", name)
		}
	}
}
