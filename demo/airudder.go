package demo

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"airudder_exporter/config"
)

// AiRudder demo traffic: several webhook accounts, robots (one mapped to a
// name), SIP lines (one of which degrades now and then) and daily tasks of
// a few campaigns, so every per-account, per-robot, per-line and
// per-campaign panel and alert has data.

const pathAiRudder = "/webhooks/airudder"

// Demo AiRudder webhook accounts: the plain path ("default"), the scraped
// demo account and one account that only posts webhooks.
var demoAccounts = []string{config.DefaultWebhookAccount, AccountName, "collections-b"}

// Robots: the first is mapped to a name (webhooks.robots), the second keeps
// its hash.
const (
	robotMapped   = "f3298554be9demo88aa595674"
	robotUnmapped = "b7d1e0c4remind42"
	// RobotName is the label value of the mapped demo robot.
	RobotName = "collections-bot"
)

// SIP lines; degradingLine fails most calls during one minute in four.
var demoLines = []string{"DEMO_LINE_A", "DEMO_LINE_B", "DEMO_LINE_C"}

const degradingLine = "DEMO_LINE_C"

// Campaign rules of the demo and the task name patterns it dials (the date
// makes a task name per day, which is why raw names never become labels).
var demoCampaigns = []config.CampaignRule{
	{Match: `^loan_collect_\d{8}$`, Name: "loan-collect"},
	{Match: `^reminder_([a-z]{2})_\d{8}$`, Name: "reminder-$1"},
}

var demoTaskNames = []string{"loan_collect_%s", "reminder_en_%s", "reminder_id_%s", "adhoc_list_%s"}

// augmentAiRudder adds the demo's webhook-only account, robot name and
// campaign rules to cfg (keeping whatever the file configures).
func (d *Demo) augmentAiRudder(out *config.Config) {
	found := false
	for _, a := range out.AiRudder.Accounts {
		found = found || a.Name == "collections-b"
	}
	if !found {
		// No credentials: a webhook-only account (not scraped).
		out.AiRudder.Accounts = append(out.AiRudder.Accounts, config.Account{
			Name: "collections-b", Timezone: "Asia/Jakarta", Location: jakarta(),
			BaseURL: config.DefaultBaseURL, MinInterval: config.Duration(config.DefaultMinInterval),
			Timeout: config.Duration(config.DefaultRequestTimeout), WindowDays: 1, MaxLabelValues: config.DefaultMaxLabelValues,
		})
	}
	w := &out.Webhooks
	accounts := map[string]config.Secret{}
	for k, v := range w.AiRudderAccounts {
		accounts[k] = v
	}
	zones := map[string]*time.Location{config.DefaultWebhookAccount: time.UTC}
	for k, v := range w.AiRudderLocations {
		zones[k] = v
	}
	for _, a := range out.AiRudder.Accounts {
		if _, ok := accounts[a.Name]; !ok {
			accounts[a.Name] = a.WebhookToken
		}
		if a.Location != nil {
			zones[a.Name] = a.Location
		}
	}
	w.AiRudderAccounts, w.AiRudderLocations = accounts, zones
	robots := map[string]string{robotMapped: RobotName}
	for k, v := range w.Robots {
		robots[k] = v
	}
	w.Robots = robots
	rules := append([]config.CampaignRule(nil), w.Campaigns...)
	for _, r := range demoCampaigns {
		cr, err := compileRule(r)
		if err == nil {
			rules = append(rules, cr)
		}
	}
	w.Campaigns = rules
	d.zones.Store(&zones)
}

// local formats t as the account's local time, as AiRudder does.
func (g *generator) local(account string, t time.Time) string {
	loc := jakarta()
	if g.zones != nil {
		if z := g.zones(); z != nil && (*z)[account] != nil {
			loc = (*z)[account]
		}
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// degraded reports whether the degrading line is down right now: one
// minute in four.
func (g *generator) degraded() bool { return g.now().Unix()/60%4 == 3 }

// airudderTask is the task-level context of one webhook.
type airudderTask struct {
	account, robot, line, name string
}

func (g *generator) randomTask() airudderTask {
	day := g.now().In(jakarta()).Format("20060102")
	return airudderTask{
		account: g.weighted(demoAccounts, []int{3, 5, 2}),
		robot:   g.weighted([]string{robotMapped, robotUnmapped}, []int{6, 4}),
		line:    g.pick(demoLines...),
		name:    fmt.Sprintf(g.weighted(demoTaskNames, []int{5, 3, 2, 1}), day),
	}
}

type callOpts struct {
	result, ringType, hangup string
	infoCheck                bool
	redials                  int
}

func (g *generator) randomCallOpts() callOpts {
	o := callOpts{result: g.weighted([]string{"finished", "failed", "cancelled", "pending", "created"}, []int{70, 15, 10, 3, 2})}
	switch o.result {
	case "finished":
		o.ringType, o.hangup = "normal", g.weighted([]string{"ByCallee", "ByRobot"}, []int{60, 40})
	case "failed":
		o.ringType = g.pick("busy", "cantuse", "hold", "lineswitchoff", "outofarea", "unregister", "wrongnum", "notmatch")
		o.hangup = "ByCallee"
	default:
		o.ringType, o.hangup = "null", "Canceled"
	}
	o.infoCheck = g.rnd.IntN(4) == 0
	if g.rnd.IntN(3) == 0 {
		o.redials = 1 + g.rnd.IntN(2)
	}
	return o
}

// lineOpts: calls on the degrading line fail while it is down.
func (g *generator) lineOpts(t airudderTask, o callOpts) callOpts {
	if t.line == degradingLine && g.degraded() && g.rnd.IntN(10) < 8 {
		o.result, o.ringType, o.hangup = "failed", g.pick("cantuse", "unregister", "lineswitchoff"), "ByCallee"
	}
	return o
}

func (g *generator) callDetail(t airudderTask, o callOpts) map[string]any {
	dur := 0
	if o.result == "finished" {
		// log-normal-ish talk time: most calls short, a long tail
		dur = int(math.Min(1800, math.Exp(2.5+g.rnd.NormFloat64()*0.9)))
	}
	ring := 1 + g.rnd.IntN(35)
	// The call ended a little before the webhook is sent (a vendor queue of
	// seconds to minutes), so the delivery lag panel has data.
	end := g.now().Add(-time.Duration(2+g.rnd.IntN(90)) * time.Second)
	start := end.Add(-time.Duration(ring+dur) * time.Second)
	d := map[string]any{
		"id":                    100000000 + g.rnd.IntN(900000000),
		"callee":                fmt.Sprintf("+62812%08d", g.rnd.IntN(1e8)),
		"result":                o.result,
		"result_label":          g.weighted([]string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"}, []int{30, 20, 12, 10, 8, 6, 5, 4, 3, 2}),
		"intention_description": "customer promised to pay",
		"duration":              dur,
		"hangup_type":           o.hangup,
		"ring_type":             o.ringType,
		"EventLabel":            map[string]string{},
		"NerSlots":              map[string]string{"PaymentMethod": g.pick("ATM", "Transfer", "Cash"), "PaymentTime": "Time_" + strconv.Itoa(g.rnd.IntN(5))},
		"variables":             map[string]string{"name": "Budi", "creditnumber": strconv.Itoa(g.rnd.IntN(9999))},
		"robot_hash":            t.robot,
		"call_id":               g.id("demo-call-"),
		"call_times":            1 + o.redials,
		"call_start_time":       g.local(t.account, start.Add(time.Duration(ring)*time.Second)),
		"call_end_time":         g.local(t.account, end),
		"ring_time":             ring,
		"talk_round":            dur / 12,
		"redail_call":           []any{},
		"caller_number":         "+62777888888",
	}
	if o.result == "finished" {
		// The mapped robot hands more calls to agents (RequestAgent is a
		// default transfer_event_labels key).
		labels := []string{"VerifyPass", "PromiseToPay", "Complaint", "RequestAgent"}
		w := []int{3, 3, 1, 2}
		if t.robot == robotUnmapped {
			w[3] = 1
		}
		d["EventLabel"] = map[string]string{g.weighted(labels, w): "x"}
	}
	var redials []any
	for i := 0; i < o.redials; i++ {
		redials = append(redials, map[string]any{
			"CallID":        g.id("demo-redial-"),
			"CallStartTime": g.local(t.account, start.Add(-time.Duration(i+1)*time.Hour)),
			"RingType":      g.pick("busy", "outofarea", "", "normal"),
			"RingTime":      1 + g.rnd.IntN(40),
			"HangupType":    g.pick("ByCallee", "Canceled"),
			"ResultLabel":   g.pick("F", "G", ""),
			"caller_number": "+62777888888",
			"callee_number": d["callee"],
		})
	}
	if redials != nil {
		d["redail_call"] = redials
	}
	if o.infoCheck {
		qa := []any{}
		for _, q := range []string{"Q1", "Q2", "Q3"} {
			qa = append(qa, map[string]any{
				"question_name":        q,
				"answer":               "yes",
				"answer_text":          "yes it is",
				"status":               "Completed",
				"verification_results": g.weighted([]string{"Match", "NotMatch", "-"}, []int{70, 15, 15}),
				"question_type":        g.pick("open", "whether"),
				"whether_answer":       g.weighted([]string{"Answered", "NotAnswered"}, []int{85, 15}),
			})
		}
		d["question_answer"] = qa
	}
	return d
}

func (g *generator) task(t airudderTask, status string) map[string]any {
	created := g.now().Add(-2 * time.Hour)
	return map[string]any{
		"task_id":             g.id("demo-task-"),
		"task_name":           t.name,
		"status":              status,
		"created_at":          g.local(t.account, created),
		"repeat_interval":     0,
		"repeat_number":       1,
		"robot_hash":          t.robot,
		"robot_method":        "single",
		"sip_line":            t.line,
		"schedule_start_time": g.local(t.account, created),
		"schedule_end_time":   g.local(t.account, created.Add(8*time.Hour)),
	}
}

func accountPath(account string) string {
	if account == config.DefaultWebhookAccount {
		return pathAiRudder
	}
	return pathAiRudder + "/" + account
}

// airudderCalls is one call webhook of a random task (or of t when given).
func (g *generator) airudderCalls(opts ...callOpts) webhook {
	return g.airudderCallsOf(g.randomTask(), opts...)
}

func (g *generator) airudderCallsOf(t airudderTask, opts ...callOpts) webhook {
	body := g.task(t, "finished")
	details := make([]any, 0, len(opts))
	for _, o := range opts {
		details = append(details, g.callDetail(t, g.lineOpts(t, o)))
	}
	body["details"] = details
	return webhook{accountPath(t.account), mustJSON(body)}
}

func (g *generator) airudderTaskStatus(status string) webhook {
	t := g.randomTask()
	return webhook{accountPath(t.account), mustJSON(g.task(t, status))}
}

func (g *generator) airudderWorkflow(o callOpts) webhook {
	return g.airudderWorkflowOf(g.randomTask(), o)
}

func (g *generator) airudderWorkflowOf(t airudderTask, o callOpts) webhook {
	d := g.callDetail(t, g.lineOpts(t, o))
	for k, v := range map[string]any{
		"workflow_id": g.id("demo-wf-"), "workflow_name": "demo_workflow",
		"nodetask_id": g.id("demo-node-"), "nodetask_name": "call_node", "case_id": g.id("demo-case-"),
		"task_id": g.id("demo-task-"), "task_name": t.name, "sip_line": t.line,
	} {
		d[k] = v
	}
	return webhook{accountPath(t.account), mustJSON(d)}
}

// airudderWarmup: every account × robot × line × campaign once, with a
// connected call and a failure, so each breakdown has data at once.
func (g *generator) airudderWarmup() []webhook {
	var out []webhook
	day := g.now().In(jakarta()).Format("20060102")
	i := 0
	for _, acct := range demoAccounts {
		for _, robot := range []string{robotMapped, robotUnmapped} {
			for _, line := range demoLines {
				name := fmt.Sprintf(demoTaskNames[i%len(demoTaskNames)], day)
				i++
				t := airudderTask{account: acct, robot: robot, line: line, name: name}
				out = append(out, g.airudderCallsOf(t,
					callOpts{result: "finished", ringType: "normal", hangup: "ByRobot", infoCheck: line == demoLines[0]},
					callOpts{result: "failed", ringType: "busy", hangup: "ByCallee", redials: 1},
				))
			}
		}
		// Every account also gets a workflow notification and a task status.
		t := g.randomTask()
		t.account = acct
		out = append(out, g.airudderWorkflowOf(t, callOpts{result: "finished", ringType: "normal", hangup: "ByRobot"}),
			webhook{accountPath(acct), mustJSON(g.task(t, "calling"))})
	}
	return out
}
