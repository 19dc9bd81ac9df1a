package airudder

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
)

// dimsConfig: accounts default + acme (Jakarta) + beta, one robot mapped,
// two campaign rules.
func dimsConfig(t testing.TB) config.Webhooks {
	t.Helper()
	jkt, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	return config.Webhooks{
		AiRudderAccounts:  map[string]config.Secret{"acme": "", "beta": ""},
		AiRudderLocations: map[string]*time.Location{"default": time.UTC, "acme": jkt, "beta": time.UTC},
		Robots:            map[string]string{"hash-collect-01": "collections"},
		Campaigns: []config.CampaignRule{
			{Match: `^loan_([a-z]+)_\d{8}$`, Name: "loan-$1"},
			{Match: `^survey_`, Name: "survey"},
		},
	}
}

type postedCall struct {
	account, robot, line, task, result, ring string
	transfer                                 bool
	duration                                 int
}

func (p postedCall) body(id string) []byte {
	ev := `{}`
	if p.transfer {
		ev = `{"RequestAgent":"RequestAgent"}`
	}
	return []byte(fmt.Sprintf(`{"task_id":"T-%s","task_name":%q,"status":"calling","robot_hash":%q,"sip_line":%q,`+
		`"details":[{"id":931888898,"call_id":%q,"callee":"+628123456789","caller_number":"+62777888888","result":%q,`+
		`"ring_type":%q,"duration":%d,"EventLabel":%s}]}`,
		id, p.task, p.robot, p.line, id, p.result, p.ring, p.duration, ev))
}

// Posting calls for two accounts, two robots (one mapped), two lines and
// two campaigns: each breakdown sums exactly to what was posted, and no id,
// phone number or task name appears as a label value.
func TestAiRudderBreakdownsSumToPosted(t *testing.T) {
	tr, _ := newWebhookReceiver(t, dimsConfig(t))
	rnd := rand.New(rand.NewPCG(1, 2))
	type key struct{ a, b, c string }
	want := map[string]map[key]float64{}
	add := func(fam string, k key, v float64) {
		if want[fam] == nil {
			want[fam] = map[key]float64{}
		}
		want[fam][k] += v
	}
	robotName := map[string]string{"hash-collect-01": "collections", "hash-remind-02": "hash-remind-02"}
	campaignOf := map[string]string{"loan_gold_20251211": "loan-gold", "survey_nps_dec": "survey", "adhoc_list": "other"}
	var tasks []string
	for k := range campaignOf {
		tasks = append(tasks, k)
	}
	var posted []postedCall
	for i := range 400 {
		p := postedCall{
			account:  []string{"default", "acme"}[rnd.IntN(2)],
			robot:    []string{"hash-collect-01", "hash-remind-02"}[rnd.IntN(2)],
			line:     []string{"LINE_A", "LINE_B"}[rnd.IntN(2)],
			task:     tasks[rnd.IntN(len(tasks))],
			result:   []string{"finished", "failed", "cancelled"}[rnd.IntN(3)],
			transfer: rnd.IntN(4) == 0,
			duration: rnd.IntN(200),
		}
		p.ring = map[string]string{"finished": "normal", "failed": "busy", "cancelled": "null"}[p.result]
		id := fmt.Sprintf("call-%04d", i)
		tr.PostOK(t, webhookAccountPath(p.account), p.body(id))
		if i%10 == 0 { // a vendor retry: must not count
			tr.Post(webhookAccountPath(p.account), p.body(id))
		}
		posted = append(posted, p)
		robot, camp := robotName[p.robot], campaignOf[p.task]
		add("airudder_sip_line_calls_total", key{p.account, p.line, p.ring}, 1)
		add("airudder_robot_calls_total", key{p.account, robot, p.result}, 1)
		add("airudder_campaign_calls_total", key{p.account, camp, p.result}, 1)
		add("airudder_robot_call_duration_seconds", key{p.account, robot, ""}, 1)
		add("airudder_campaign_talk_seconds_total", key{p.account, camp, ""}, float64(p.duration))
		if p.ring == "normal" {
			add("airudder_campaign_connected_calls_total", key{p.account, camp, ""}, 1)
		}
		if p.transfer {
			add("airudder_robot_transfers_total", key{p.account, robot, ""}, 1)
		}
	}
	labelsOf := map[string][3]string{
		"airudder_sip_line_calls_total":           {"account", "sip_line", "ring_type"},
		"airudder_robot_calls_total":              {"account", "robot", "result"},
		"airudder_campaign_calls_total":           {"account", "campaign", "result"},
		"airudder_robot_call_duration_seconds":    {"account", "robot"},
		"airudder_campaign_talk_seconds_total":    {"account", "campaign"},
		"airudder_campaign_connected_calls_total": {"account", "campaign"},
		"airudder_robot_transfers_total":          {"account", "robot"},
	}
	mfs := tr.Gather(t)
	got := map[string]map[key]float64{}
	for _, mf := range mfs {
		ls, ok := labelsOf[mf.GetName()]
		if !ok {
			continue
		}
		got[mf.GetName()] = map[key]float64{}
		for _, m := range mf.GetMetric() {
			lv := map[string]string{}
			for _, lp := range m.GetLabel() {
				lv[lp.GetName()] = lp.GetValue()
			}
			v := m.GetCounter().GetValue()
			if m.Histogram != nil {
				v = float64(m.GetHistogram().GetSampleCount())
			}
			if v != 0 {
				got[mf.GetName()][key{lv[ls[0]], lv[ls[1]], lv[ls[2]]}] += v
			}
		}
	}
	for fam, w := range want {
		if fmt.Sprint(got[fam]) != fmt.Sprint(w) {
			t.Errorf("%s:\n got %v\nwant %v", fam, got[fam], w)
		}
	}
	// The per-account breakdown sums to the calls posted to each account.
	for _, acct := range []string{"default", "acme"} {
		n := 0
		for _, p := range posted {
			if p.account == acct {
				n++
			}
		}
		if v := sumFamily(t, tr.Reg, "airudder_calls_total", "account", acct); v != float64(n) {
			t.Errorf("airudder_calls_total{account=%q} = %v, posted %d", acct, v, n)
		}
	}

	// No id, phone number or task name anywhere in a label value.
	var buf bytes.Buffer
	for _, mf := range mfs {
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	labelValue := regexp.MustCompile(`="([^"]*)"`)
	for _, m := range labelValue.FindAllStringSubmatch(buf.String(), -1) {
		v := m[1]
		if strings.Contains(v, "call-") || strings.Contains(v, "T-call") || strings.Contains(v, "931888898") ||
			strings.Contains(v, "+62") || strings.Contains(v, "62812") || campaignOf[v] != "" {
			t.Errorf("label value %q leaks an id, a phone number or a task name", v)
		}
	}
}

func sumFamily(t *testing.T, g prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return total
}

// call_id "5" and a call with only id 5 are different calls; 7, "7" and
// "7.0" are one call. (The old key was the raw text of either field: the
// first pair collided, the second counted twice.)
func TestAiRudderDedupIDSpaces(t *testing.T) {
	tr, _ := newWebhookReceiver(t, config.Webhooks{})
	for _, body := range []string{
		`{"details":[{"call_id":"5","result":"finished"}]}`,
		`{"details":[{"id":5,"result":"finished"}]}`,
		`{"details":[{"call_id":7,"result":"failed"}]}`,
		`{"details":[{"call_id":"7.0","result":"failed"}]}`,
		`{"details":[{"call_id":"7","result":"failed"}]}`,
		`{"details":[{"id":"5.00","result":"finished"}]}`,
		`{"details":[{"call_id":"abc","result":"failed"}]}`,
		`{"details":[{"call_id":" abc ","result":"failed"}]}`,
	} {
		tr.PostOK(t, webhookPath, []byte(body))
	}
	if v := tr.Records(t, webhookVendor, "counted"); v != 4 {
		t.Errorf("counted %v, want 4 (call_id 5, id 5, call 7, call abc)", v)
	}
	if v := tr.Records(t, webhookVendor, "duplicate"); v != 4 {
		t.Errorf("duplicates %v, want 4", v)
	}
}

// A workflow body without details that names no call (no call_id, id or
// result) is its node task's status change, as any body without details
// (vendor README §1.3: the workflow variant carries the task's fields plus
// workflow_id ...); a workflow body naming its call by id alone stays a call.
func TestAiRudderWorkflowBodyWithoutCallIsTaskStatusChange(t *testing.T) {
	tr, _ := newWebhookReceiver(t, config.Webhooks{})
	tr.PostOK(t, webhookPath, []byte(`{"workflow_id":"w1","workflow_name":"collect","nodetask_id":"n1",
		"nodetask_name":"first call","case_id":"k1","task_id":"t-9","task_name":"collect_n1","status":"paused"}`))
	tr.PostOK(t, webhookPath, []byte(`{"workflow_id":"w1","nodetask_id":"n1","case_id":"k2","task_id":"t-9",
		"id":77,"result":"finished","duration":30}`))
	tr.PostOK(t, webhookPath, []byte(`{"workflow_id":"w1","case_id":"k3","id":78,"duration":12}`))
	if v := testkit.Value(t, tr.Reg, "airudder_task_status_changes_total", "account", "default", "status", "paused"); v != 1 {
		t.Errorf("paused = %v, want 1", v)
	}
	if v := testkit.Value(t, tr.Reg, "airudder_workflow_notifications_total", "account", "default"); v != 2 {
		t.Errorf("workflow notifications = %v, want 2 (the calls named by id)", v)
	}
	if v := tr.Records(t, webhookVendor, "invalid"); v != 0 {
		t.Errorf("invalid records = %v, want 0", v)
	}
	if v := tr.Records(t, webhookVendor, "counted"); v != 3 {
		t.Errorf("counted records = %v, want 3", v)
	}
}

// calling → paused → calling → paused are four changes; a re-delivery of
// the current status is not a change. (The old task id + status key
// dropped the second calling and the second paused.)
func TestAiRudderTaskTransitions(t *testing.T) {
	tr, _ := newWebhookReceiver(t, dimsConfig(t))
	post := func(account, status string) {
		t.Helper()
		tr.PostOK(t, webhookAccountPath(account), []byte(`{"task_id":"t-1","task_name":"loan_gold_20251211","status":"`+status+`"}`))
	}
	for _, s := range []string{"calling", "paused", "paused", "calling", "paused", "paused", "finished"} {
		post("default", s)
		tr.Clock.Advance(time.Minute)
	}
	post("acme", "calling") // same task id, other account: its own task
	for status, want := range map[string]float64{"calling": 2, "paused": 2, "finished": 1} {
		if v := testkit.Value(t, tr.Reg, "airudder_task_status_changes_total", "account", "default", "status", status); v != want {
			t.Errorf("default %s = %v, want %v", status, v, want)
		}
	}
	if v := testkit.Value(t, tr.Reg, "airudder_task_status_changes_total", "account", "acme", "status", "calling"); v != 1 {
		t.Errorf("acme calling = %v", v)
	}
	if v := tr.Records(t, webhookVendor, "duplicate"); v != 2 {
		t.Errorf("duplicates = %v, want 2 (the repeated paused)", v)
	}
	// After dedup_window a task is forgotten: bounded memory.
	tr.Clock.Advance(4 * time.Hour)
	post("default", "finished")
	if v := testkit.Value(t, tr.Reg, "airudder_task_status_changes_total", "account", "default", "status", "finished"); v != 2 {
		t.Errorf("finished after the window = %v, want 2", v)
	}
}

// A change is a change of the status the vendor sent, while the label is
// the bounded one: two different statuses outside the documented set are
// two changes, both counted as "other". Spellings of one status (case,
// space, cancelled for canceled) are one status, so their re-delivery is
// still a duplicate.
func TestAiRudderTaskStatusChangesOfRawStatus(t *testing.T) {
	for _, tc := range []struct {
		name       string
		statuses   []string // "-" sends no status field
		changes    map[string]float64
		duplicates float64
	}{
		{"two unknown statuses", []string{"xx1", "xx2"}, map[string]float64{"other": 2}, 0},
		{"an unknown status back and forth", []string{"xx1", "xx2", "xx1"}, map[string]float64{"other": 3}, 0},
		{"an unknown status re-delivered", []string{"xx1", "xx1"}, map[string]float64{"other": 1}, 1},
		{"an unknown status in another case", []string{"xx1", " XX1 "}, map[string]float64{"other": 1}, 1},
		{"unknown, known, unknown", []string{"xx1", "calling", "xx1"}, map[string]float64{"other": 2, "calling": 1}, 0},
		{"the word other is an unknown status", []string{"xx1", "other"}, map[string]float64{"other": 2}, 0},
		{"no status, then an unknown one", []string{"-", "xx1", "-"}, map[string]float64{"other": 3}, 0},
		{"an empty status is no status", []string{"-", ""}, map[string]float64{"other": 1}, 1},
		{"a known status in another case", []string{"paused", "Paused", " PAUSED "}, map[string]float64{"paused": 1}, 2},
		{"cancelled is canceled", []string{"canceled", "cancelled"}, map[string]float64{"canceled": 1}, 1},
		{"a long unknown status", []string{strings.Repeat("x", 1<<16), strings.Repeat("x", 1<<16-1) + "y"}, map[string]float64{"other": 2}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, _ := newWebhookReceiver(t, config.Webhooks{})
			for _, s := range tc.statuses {
				status := `,"status":"` + s + `"`
				if s == "-" {
					status = ""
				}
				tr.PostOK(t, webhookPath, []byte(`{"task_id":"T1"`+status+`}`))
				tr.Clock.Advance(time.Minute)
			}
			for _, status := range append([]string{"other"}, airudderTaskStatus...) {
				if v := testkit.Value(t, tr.Reg, "airudder_task_status_changes_total", "account", "default", "status", status); v != tc.changes[status] {
					t.Errorf("changes to %s = %v, want %v", status, v, tc.changes[status])
				}
			}
			if v := tr.Records(t, webhookVendor, "duplicate"); v != tc.duplicates {
				t.Errorf("duplicates = %v, want %v", v, tc.duplicates)
			}
		})
	}
}

func TestTaskStatusesBounded(t *testing.T) {
	ts := newTaskStatuses(3)
	now := time.Unix(1e9, 0)
	for i := range 10 {
		if !ts.change("a", fmt.Sprint(i), taskStatusID("calling", nil), now) {
			t.Fatal("new task not a change")
		}
	}
	if len(ts.last) != 3 {
		t.Errorf("remembered %d tasks, max 3", len(ts.last))
	}
	if ts.change("a", "9", taskStatusID("calling", nil), now) {
		t.Error("newest task forgotten")
	}
}

// The task memory keeps a fixed size per task, not the task_id as sent:
// an id may be as long as the body, and the memory holds up to
// maxTaskStatuses tasks. Long ids are still told apart and re-deliveries
// of them still recognised.
func TestTaskStatusesHoldNoTaskID(t *testing.T) {
	const tasks, idLen = 200, 1 << 16
	ts := newTaskStatuses(tasks)
	now := time.Unix(1e9, 0)
	calling, paused := taskStatusID("calling", nil), taskStatusID("paused", nil)
	id := func(i int) string { return fmt.Sprintf("%0*d", idLen, i) }
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range tasks {
		if !ts.change("a", id(i), calling, now) {
			t.Fatalf("task %d: first status not a change", i)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	// The ids are 12.5 MiB; what is kept for 200 tasks is a few KiB.
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > tasks*idLen/8 {
		t.Errorf("the task memory grew by %d bytes for %d tasks: it keeps the ids", grown, tasks)
	}
	for i := range tasks {
		if ts.change("a", id(i), calling, now) {
			t.Fatalf("task %d: re-delivery is a change", i)
		}
	}
	if !ts.change("a", id(7), paused, now) || !ts.change("b", id(7), calling, now) {
		t.Error("a new status, or the same id of another account, is not a change")
	}
}

// Delivery lag: call_end_time is the account's local time.
func TestAiRudderDeliveryLag(t *testing.T) {
	tr, _ := newWebhookReceiver(t, dimsConfig(t))
	now := tr.Clock.Now()
	jkt := now.In(time.FixedZone("WIB", 7*3600))
	call := func(id, end string) []byte {
		return []byte(`{"details":[{"call_id":"` + id + `","result":"finished","call_end_time":"` + end + `"}]}`)
	}
	tr.Post(webhookAccountPath("acme"), call("a", jkt.Add(-90*time.Second).Format(callTimeLayout)))    // 90 s in Jakarta time
	tr.Post(webhookAccountPath("default"), call("b", now.Add(-30*time.Second).Format(callTimeLayout))) // 30 s in UTC
	tr.Post(webhookAccountPath("acme"), call("c", jkt.Add(time.Hour).Format(callTimeLayout)))          // in the future
	tr.Post(webhookAccountPath("acme"), call("d", "2020-01-01 00:00:00"))                              // years ago
	tr.Post(webhookAccountPath("acme"), call("e", "yesterday"))
	tr.Post(webhookAccountPath("acme"), []byte(`{"details":[{"call_id":"f"}]}`)) // none: nothing to observe or reject
	for _, tc := range []struct {
		labels []string
		want   float64
	}{
		{[]string{"account", "acme", "reason", "negative"}, 1},
		{[]string{"account", "acme", "reason", "absurd"}, 1},
		{[]string{"account", "acme", "reason", "unparsable"}, 1},
	} {
		if v := testkit.Value(t, tr.Reg, "airudder_webhook_delivery_lag_rejected_total", tc.labels...); v != tc.want {
			t.Errorf("%v = %v, want %v", tc.labels, v, tc.want)
		}
	}
	mfs, _ := tr.Reg.Gather()
	sums := map[string]float64{}
	counts := map[string]uint64{}
	for _, mf := range mfs {
		if mf.GetName() != "airudder_webhook_delivery_lag_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			sums[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleSum()
			counts[m.GetLabel()[0].GetValue()] = m.GetHistogram().GetSampleCount()
		}
	}
	if sums["acme"] != 90 || counts["acme"] != 1 || sums["default"] != 30 || counts["default"] != 1 {
		t.Errorf("lag sums %v counts %v, want acme 90 s and default 30 s, one each", sums, counts)
	}
}

// Campaign rules: first match wins, templates expand, output is capped and
// must be printable; no rules → empty; no match → other.
func TestAiRudderCampaignRules(t *testing.T) {
	cfg := dimsConfig(t)
	cfg.MaxLabelValues = 2
	cfg.Campaigns = append([]config.CampaignRule{{Match: `^x_(.*)$`, Name: "x-$1"}}, cfg.Campaigns...)
	tr, rec := newWebhookReceiver(t, cfg)
	d := rec.dims.Load()
	for _, tc := range []struct{ task, want string }{
		{"loan_gold_20251211", "loan-gold"},
		{"loan_gold_20251212", "loan-gold"},
		{"survey_loan_gold_20251211", "survey"},
		{"loan_silver_20251211", "other"}, // over the cap of 2
		{"x_" + strings.Repeat("y", 80), "other"},
		{"x_bad\x01", "other"},
		{"nothing", "other"},
		{"", "other"},
	} {
		if got := d.campaign([]byte(tc.task), rec.campaignCap); got != tc.want {
			t.Errorf("campaign(%q) = %q, want %q", tc.task, got, tc.want)
		}
	}
	tr.ApplyConfig(config.Webhooks{})
	if got := rec.dims.Load().campaign([]byte("loan_gold_20251211"), rec.campaignCap); got != "" {
		t.Errorf("no rules: campaign = %q, want empty", got)
	}
}

// Phone numbers and IP addresses sent where a label value is read (a robot,
// a SIP line, a result label, a question) never become label values: they
// fold into "other", counted, and the calls still count.
func TestPersonalValuesFoldOutOfLabels(t *testing.T) {
	tr, _ := newWebhookReceiver(t, config.Webhooks{})
	tr.PostOK(t, "/webhooks/airudder", []byte(`{"robot_hash":"+6281234567890","sip_line":"10.1.2.3","details":[
		{"call_id":"ph1","result_label":"+6281234567890","EventLabel":{"6281234567890":"x"},
		 "question_answer":[{"question_name":"192.168.1.1","verification_results":"+62 812 3456 7890"}]},
		{"call_id":"ph2","result_label":"sip:user@10.9.8.7:5060"}]}`))
	if c := tr.Records(t, "airudder", "counted"); c != 2 {
		t.Errorf("counted %v calls, want 2", c)
	}
	if folded := tr.CheckNoPersonalLabels(t); folded < 5 {
		t.Errorf("%v label values folded, want at least 5 (robot, sip line, result labels, question)", folded)
	}
}
