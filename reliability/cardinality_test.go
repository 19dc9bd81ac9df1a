package reliability

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// labelRule bounds one label: either a closed set of values, or a cap of
// max_label_values admitted values plus a few fixed extras.
type labelRule struct {
	closed []string // allowed values; nil for a capped label
	extras []string // values a capped label may hold beyond the cap
}

func closedSet(vs ...string) labelRule   { return labelRule{closed: vs} }
func cappedSet(ex ...string) labelRule   { return labelRule{extras: ex} }
func (r labelRule) capped() bool         { return r.closed == nil }
func (r labelRule) limit(capN int) int   { return capN + len(r.extras) }
func (r labelRule) allows(v string) bool { return contains(r.closed, v) }

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

var (
	ringTypes   = closedSet("busy", "cantuse", "hold", "lineswitchoff", "outofarea", "unregister", "wrongnum", "notmatch", "normal", "null", "other")
	hangupTypes = closedSet("ByCallee", "ByRobot", "Canceled", "none", "other")
	currencies  = closedSet("USD", "EUR", "other")
)

// webhookLabelRules: every labelled receiver family of docs/METRICS.md and
// what its labels may hold.
var webhookLabelRules = map[string]map[string]labelRule{
	"airudder_calls_total": {
		"result":       closedSet("created", "pending", "finished", "cancelled", "failed", "other"),
		"result_label": cappedSet("none", "other"),
		"hangup_type":  hangupTypes,
		"ring_type":    ringTypes,
	},
	"airudder_call_redials_total": {"ring_type": ringTypes, "hangup_type": hangupTypes},
	"airudder_infocheck_answers_total": {
		"question":            cappedSet("none", "other"),
		"verification_result": cappedSet("Match", "NotMatch", "-", "none", "other"),
		"answered":            closedSet("Answered", "NotAnswered", "other"),
	},
	"airudder_call_event_labels_total":   {"label": cappedSet("none", "other")},
	"airudder_task_status_changes_total": {"status": closedSet("created", "pending", "finished", "calling", "canceled", "paused", "other")},
	"laaffic_calls_total": {
		"type":        closedSet("group_call", "verification_code", "handset_call", "handset_direct_dial", "other"),
		"call_status": closedSet("busy", "no_answer", "not_connected", "voicemail", "connected", "other", "unknown"),
	},
	"laaffic_cost_total":              {"currency": currencies},
	"laaffic_settle_pay_total":        {"currency": currencies},
	"laaffic_keypresses_total":        {"key": closedSet("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "none", "other")},
	"laaffic_sip_responses_total":     {"class": closedSet("1xx", "2xx", "3xx", "4xx", "5xx", "6xx", "none", "other")},
	"laaffic_terminations_total":      {"result": closedSet("success", "failure", "unknown")},
	"laaffic_bill_periods_total":      {"bill_period": cappedSet("none", "other")},
	"laaffic_intents_total":           {"intent": cappedSet("none", "other")},
	"laaffic_destination_calls_total": {"country": cappedSet("none", "other")},
}

// The attack bodies are written with append rather than built as maps and
// marshalled: 100 000 records through encoding/json under -race would
// dominate the test's time. The shape is the fixtures' (label-bound
// fields, ids, numbers), minus free text that never reaches a label.

// appendAttackCall appends an AiRudder details[] entry whose every
// label-bound field is new.
func (g *gen) appendAttackCall(b []byte) []byte {
	n := g.seq.Add(1)
	b = fmt.Appendf(b, `{"id":%d,"callee":"+62%09d","result":"res-%d","result_label":"rl-%d","duration":%d,`,
		1_000_000_000+n, n, n, n, n%300)
	b = fmt.Appendf(b, `"hangup_type":"hang-%d","ring_type":"ring-%d","question_answer":[`, n, n)
	for i := 0; i < 3; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, `{"question_name":"q-%d-%d","answer":"a","status":"Completed","verification_results":"vr-%d-%d","question_type":"open","whether_answer":"wa-%d-%d"}`,
			n, i, n, i, n, i)
	}
	b = fmt.Appendf(b, `],"EventLabel":{"ev-%d":"ev-%d"},"NerSlots":{"slot":"v%d"},"variables":{"var":"%d"},`, n, n, n, n)
	b = fmt.Appendf(b, `"call_id":"%s-call-%d","call_times":1,"ring_time":%d,"talk_round":%d,`, g.prefix, n, n%30, n%10)
	b = fmt.Appendf(b, `"redail_call":[{"CallID":"r%d","RingType":"rring-%d","RingTime":5,"HangupType":"rhang-%d","ResultLabel":"rrl-%d"}],"caller_number":"+62777888888"}`,
		n, n, n, n)
	return b
}

// attackARBody is a task envelope holding perBatch attack calls.
func (g *gen) attackARBody(perBatch int) []byte {
	b := make([]byte, 0, 700*perBatch)
	b = fmt.Appendf(b, `{"task_id":"%s-t","task_name":"attack","status":"finished","details":[`, g.prefix)
	for i := 0; i < perBatch; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.appendAttackCall(b)
	}
	return append(b, "]}"...)
}

// appendAttackRec appends a LAAFFIC record whose every label-bound field
// is new.
func (g *gen) appendAttackRec(b []byte) []byte {
	n := g.seq.Add(1)
	b = fmt.Appendf(b, `{"voiceId":"%s-voice-%d","type":%d,"callee":"63%09d","submitTime":1670939112097,"callTime":1670939568000,`,
		g.prefix, n, 1000+n, n)
	b = fmt.Appendf(b, `"ringingTime":1670939570000,"answerTime":1670939582000,"hangupTime":1670939595000,"chargedDuration":20,"callDuration":%d,`, n%300)
	b = fmt.Appendf(b, `"billPeriod":"%d+%d","code":"Country%d(Region%d)","baseCost":"0.0","cost":"0.007875","terminationCode":"tc%d",`, n, n, n, n, n)
	b = fmt.Appendf(b, `"terminationReason":"free text %d","sipCode":"%d","feedbackValue":"fv%d","ringDuration":1,"currency":"C%d",`, n, 700+n, n, n)
	b = fmt.Appendf(b, `"settlePay":"1.2793","intent":"intent-%d","callStatus":%d}`, n, 1000+n)
	return b
}

// attackLABody is a {"array":[...]} or bare-array batch of attack records.
func (g *gen) attackLABody(shape, perBatch int) []byte {
	b := make([]byte, 0, 600*perBatch+16)
	if shape == shapeArray {
		b = append(b, `{"array":`...)
	}
	b = append(b, '[')
	for i := 0; i < perBatch; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.appendAttackRec(b)
	}
	b = append(b, ']')
	if shape == shapeArray {
		b = append(b, '}')
	}
	return b
}

// TestCardinalityAttack: 100 000 webhook records (50 000 per vendor, in
// batches of 100) plus task-status bodies, with a distinct value in every
// field that can reach a label. With max_label_values 20, every family
// must stay within its closed set or cap, the total number of series must
// stay small, and RSS must not grow by 100 MiB.
func TestCardinalityAttack(t *testing.T) {
	skipShort(t)
	const token = "ca-token"
	const capN = 20
	const batches, perBatch, taskBodies = 500, 100, 100
	p := start(t, opts{config: fmt.Sprintf("webhooks:\n  token: %s\n  max_label_values: %d\n", token, capN)})
	g := newGen(t, "ca")

	_, before, _ := p.get("/metrics")
	rssBefore := p.rssKiB()
	seriesBefore := mustParse(t, before)

	type job struct {
		path string
		make func() []byte
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	t0 := time.Now()
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 30 * time.Second}
			for j := range jobs {
				if err := postUntilOK(client, p.hookURL(j.path, token), j.make()); err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < batches; i++ {
		jobs <- job{pathAR, func() []byte { return g.attackARBody(perBatch) }}
		jobs <- job{pathLA, func() []byte { return g.attackLABody(shapeArray+i%2, perBatch) }}
	}
	for i := 0; i < taskBodies; i++ {
		jobs <- job{pathAR, func() []byte {
			task := clone(arFixture).(map[string]any)
			delete(task, "details")
			task["task_id"] = fmt.Sprintf("%s-task-%d", g.prefix, i)
			task["status"] = fmt.Sprintf("status-%d", i)
			return mustJSON(task)
		}}
	}
	close(jobs)
	wg.Wait()
	took := time.Since(t0)
	if len(failures) > 0 {
		t.Fatalf("%d bodies not accepted, e.g. %s", len(failures), failures[0])
	}

	_, after, _ := p.get("/metrics")
	rssAfter := p.rssKiB()
	s := mustParse(t, after)

	// The attack must have been counted, not merely rejected: a test that
	// passes because every record was invalid proves nothing.
	for src, want := range map[string]float64{"airudder": batches*perBatch + taskBodies, "laaffic": batches * perBatch} {
		if got := s.records(src, "counted"); got != want {
			t.Errorf("records counted for %s = %v, want %v (invalid: %v)", src, got, want, s.records(src, "invalid"))
		}
	}

	var lines []string
	total := 0
	for fam, labels := range webhookLabelRules {
		if len(s[fam]) == 0 {
			t.Errorf("%s: no series at all after the attack", fam)
		}
		total += len(s[fam])
		desc := []string{}
		for label, rule := range labels {
			vals := s.values(fam, label)
			desc = append(desc, fmt.Sprintf("%s=%d", label, len(vals)))
			if rule.capped() {
				if len(vals) > rule.limit(capN) {
					t.Errorf("%s{%s}: %d values, cap %d + %v", fam, label, len(vals), capN, rule.extras)
				}
				if !contains(vals, "other") {
					t.Errorf("%s{%s}: no \"other\" although %d+ distinct values were sent", fam, label, capN)
				}
				continue
			}
			for _, v := range vals {
				if !rule.allows(v) {
					t.Errorf("%s{%s=%q}: not in the closed set %v", fam, label, v, rule.closed)
				}
			}
		}
		sort.Strings(desc)
		lines = append(lines, fmt.Sprintf("  %-36s %4d series (%s)", fam, len(s[fam]), strings.Join(desc, ", ")))
	}
	sort.Strings(lines)
	folded := s.sum("airudder_exporter_label_values_folded_total", nil)
	selfSets := s.labelSets("airudder_exporter_")
	t.Logf("cardinality attack: %d records + %d task bodies in %v; max_label_values %d\n%s\n  labelled webhook families: %d series in total; airudder_exporter_* self-metrics: %d series; folded into other: %v\n  whole /metrics: %d -> %d sample lines, %d -> %d bytes\n  RSS %d KiB -> %d KiB (%+.1f MiB)",
		2*batches*perBatch, taskBodies, took.Round(time.Millisecond), capN, strings.Join(lines, "\n"),
		total, selfSets, folded,
		seriesBefore.samples(""), s.samples(""), len(before), len(after),
		rssBefore, rssAfter, float64(rssAfter-rssBefore)/1024)
	if total > 600 {
		t.Errorf("labelled webhook families hold %d series; with a cap of %d the attack should leave a few hundred at most", total, capN)
	}
	if selfSets > 200 {
		t.Errorf("airudder_exporter_* self-metrics hold %d series", selfSets)
	}
	if folded == 0 {
		t.Error("airudder_exporter_label_values_folded_total is 0 after the attack")
	}
	if growth := rssAfter - rssBefore; growth > 100*1024 {
		t.Errorf("RSS grew by %d KiB (%d -> %d), limit 100 MiB", growth, rssBefore, rssAfter)
	}
}

func mustParse(t *testing.T, body string) scrape {
	t.Helper()
	s, err := parseScrape(body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return s
}
