package airudder

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/go-kit/log"

	"airudder_exporter/airudder/airuddertest"
	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
)

// The AiRudder part of --demo: a simulated AiRudder API (live numbers that
// move with time) scraped as account "demo" by the real statistics poller,
// and webhook traffic: several webhook accounts, robots (one mapped to a
// name), SIP lines (one of which degrades now and then) and daily tasks of
// a few campaigns, so every per-account, per-robot, per-line and
// per-campaign panel and alert has data.

const pathAiRudder = "/webhooks/airudder"

// demoAccount is the `account` label value of the simulated account.
const demoAccount = "demo"

// Demo AiRudder webhook accounts: the plain path ("default"), the scraped
// demo account and one account that only posts webhooks.
var demoAccounts = []string{config.DefaultWebhookAccount, demoAccount, "collections-b"}

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

// Demo is the running simulated AiRudder API of --demo.
type Demo struct {
	*demogen.API // the simulated API, serving
	appKey       string
	appSecret    string

	// zones: the AiRudder accounts' time zones, set by Augment, read by the
	// traffic generator.
	zones atomic.Pointer[map[string]*time.Location]
	// aesKeys: the AiRudder accounts' callback keys, set by Augment; the
	// traffic of an account with a key is encrypted (demo_crypto.go).
	aesKeys atomic.Pointer[map[string]config.Secret]
	aesKey  string // the demo's own key, for demoEncryptedAccount
}

// StartDemo starts the simulated AiRudder API on a random loopback port.
func StartDemo(logger log.Logger) (*Demo, error) {
	d := &Demo{appKey: "demo-app-key", appSecret: demogen.RandomSecret(), aesKey: demogen.RandomSecret()}
	api := airuddertest.New(d.appKey, d.appSecret)
	api.SetLive(time.Now)
	var err error
	if d.API, err = demogen.Serve(logger, api, "AiRudder", demoAccount); err != nil {
		return nil, err
	}
	return d, nil
}

// Augment returns cfg with the demo account added (unless the file already
// has an account named "demo"), and the demo's webhook accounts, robot name
// and campaign rules (keeping whatever the file configures). Called on
// start and after every reload.
func (d *Demo) Augment(cfg *config.Config) *config.Config {
	out := *cfg
	out.AiRudder.Accounts = append([]config.Account(nil), cfg.AiRudder.Accounts...)
	found, foundWebhookOnly := false, false
	for _, a := range cfg.AiRudder.Accounts {
		found = found || a.Name == demoAccount
		foundWebhookOnly = foundWebhookOnly || a.Name == "collections-b"
	}
	if !found {
		out.AiRudder.Accounts = append(out.AiRudder.Accounts, config.Account{
			Name:        demoAccount,
			BaseURL:     d.URL(),
			AppKey:      d.appKey,
			AppSecret:   config.Secret(d.appSecret),
			Timezone:    "Asia/Jakarta",
			Location:    jakarta(),
			MinInterval: config.Duration(5 * time.Second),
			Timeout:     config.Duration(5 * time.Second),
		}.WithDefaults())
	}
	if !foundWebhookOnly {
		// No credentials: a webhook-only account (not scraped).
		out.AiRudder.Accounts = append(out.AiRudder.Accounts,
			config.Account{Name: "collections-b", Timezone: "Asia/Jakarta", Location: jakarta()}.WithDefaults())
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
	w.AiRudderAESKeys = d.augmentAESKeys(w.AiRudderAESKeys)
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
	return &out
}

func jakarta() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*3600)
}

// compileRule compiles a demo campaign rule as config.Load would.
func compileRule(r config.CampaignRule) (config.CampaignRule, error) {
	re, err := regexp.Compile(r.Match)
	r.Re = re
	return r, err
}

// demoTraffic generates the AiRudder webhooks of one run.
type demoTraffic struct {
	*demogen.Gen
	// zones returns each AiRudder account's time zone (nil: Jakarta for
	// all); AiRudder sends local times.
	zones func() *map[string]*time.Location
	// aesKeys returns the accounts' callback keys (nil: none).
	aesKeys func() *map[string]config.Secret
}

// Traffic returns the AiRudder webhooks of a run drawn from g.
func (d *Demo) Traffic(g *demogen.Gen) demogen.Traffic {
	return &demoTraffic{Gen: g, zones: d.zones.Load, aesKeys: d.aesKeys.Load}
}

// Warmup: a single call, a multi-call aggregate with failures and redials,
// an info-check call, task status changes and a workflow notification, then
// every account × robot × line × campaign, and a vendor retry of a body
// already delivered (counted as a duplicate).
func (g *demoTraffic) Warmup() []demogen.Post {
	out := []demogen.Post{
		g.airudderCalls(callOpts{result: "finished", ringType: "normal", hangup: "ByCallee", infoCheck: true, redials: 1}),
		g.airudderCalls(
			callOpts{result: "failed", ringType: "busy", hangup: "ByCallee", redials: 2},
			callOpts{result: "failed", ringType: "outofarea", hangup: "ByCallee"},
			callOpts{result: "cancelled", ringType: "null", hangup: "Canceled"},
			callOpts{result: "finished", ringType: "normal", hangup: "ByRobot"},
		),
		g.airudderTaskStatus("calling"),
		g.airudderTaskStatus("finished"),
		g.airudderWorkflow(callOpts{result: "finished", ringType: "normal", hangup: "ByRobot", infoCheck: true}),
	}
	out = append(out, g.airudderWarmup()...)
	out = append(out, out[0])
	for i := range out {
		out[i] = g.seal(out[i])
	}
	return out
}

// Next is one AiRudder webhook of the steady mix: mostly single calls,
// some multi-call aggregates, a few task status changes and workflows.
func (g *demoTraffic) Next() demogen.Post { return g.seal(g.next()) }

func (g *demoTraffic) next() demogen.Post {
	switch n := g.Rand.IntN(47); {
	case n < 30:
		return g.airudderCalls(g.randomCallOpts())
	case n < 40:
		k := 2 + g.Rand.IntN(6)
		opts := make([]callOpts, k)
		for i := range opts {
			opts[i] = g.randomCallOpts()
		}
		return g.airudderCalls(opts...)
	case n < 43:
		return g.airudderTaskStatus(g.Pick("created", "pending", "calling", "finished", "canceled", "paused"))
	default:
		return g.airudderWorkflow(g.randomCallOpts())
	}
}

// local formats t as the account's local time, as AiRudder does.
func (g *demoTraffic) local(account string, t time.Time) string {
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
func (g *demoTraffic) degraded() bool { return g.Now().Unix()/60%4 == 3 }

// airudderTask is the task-level context of one webhook.
type airudderTask struct {
	account, robot, line, name string
}

func (g *demoTraffic) randomTask() airudderTask {
	day := g.Now().In(jakarta()).Format("20060102")
	return airudderTask{
		account: g.Weighted(demoAccounts, []int{3, 5, 2}),
		robot:   g.Weighted([]string{robotMapped, robotUnmapped}, []int{6, 4}),
		line:    g.Pick(demoLines...),
		name:    fmt.Sprintf(g.Weighted(demoTaskNames, []int{5, 3, 2, 1}), day),
	}
}

type callOpts struct {
	result, ringType, hangup string
	infoCheck                bool
	redials                  int
}

func (g *demoTraffic) randomCallOpts() callOpts {
	o := callOpts{result: g.Weighted([]string{"finished", "failed", "cancelled", "pending", "created"}, []int{70, 15, 10, 3, 2})}
	switch o.result {
	case "finished":
		o.ringType, o.hangup = "normal", g.Weighted([]string{"ByCallee", "ByRobot"}, []int{60, 40})
	case "failed":
		o.ringType = g.Pick("busy", "cantuse", "hold", "lineswitchoff", "outofarea", "unregister", "wrongnum", "notmatch")
		o.hangup = "ByCallee"
	default:
		o.ringType, o.hangup = "null", "Canceled"
	}
	o.infoCheck = g.Rand.IntN(4) == 0
	if g.Rand.IntN(3) == 0 {
		o.redials = 1 + g.Rand.IntN(2)
	}
	return o
}

// lineOpts: calls on the degrading line fail while it is down.
func (g *demoTraffic) lineOpts(t airudderTask, o callOpts) callOpts {
	if t.line == degradingLine && g.degraded() && g.Rand.IntN(10) < 8 {
		o.result, o.ringType, o.hangup = "failed", g.Pick("cantuse", "unregister", "lineswitchoff"), "ByCallee"
	}
	return o
}

func (g *demoTraffic) callDetail(t airudderTask, o callOpts) map[string]any {
	dur := 0
	if o.result == "finished" {
		// log-normal-ish talk time: most calls short, a long tail
		dur = int(math.Min(1800, math.Exp(2.5+g.Rand.NormFloat64()*0.9)))
	}
	ring := 1 + g.Rand.IntN(35)
	// The call ended a little before the webhook is sent (a vendor queue of
	// seconds to minutes), so the delivery lag panel has data.
	end := g.Now().Add(-time.Duration(2+g.Rand.IntN(90)) * time.Second)
	start := end.Add(-time.Duration(ring+dur) * time.Second)
	d := map[string]any{
		"id":                    100000000 + g.Rand.IntN(900000000),
		"callee":                fmt.Sprintf("+62812%08d", g.Rand.IntN(1e8)),
		"result":                o.result,
		"result_label":          g.Weighted([]string{"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"}, []int{30, 20, 12, 10, 8, 6, 5, 4, 3, 2}),
		"intention_description": "customer promised to pay",
		"duration":              dur,
		"hangup_type":           o.hangup,
		"ring_type":             o.ringType,
		"EventLabel":            map[string]string{},
		"NerSlots":              map[string]string{"PaymentMethod": g.Pick("ATM", "Transfer", "Cash"), "PaymentTime": "Time_" + strconv.Itoa(g.Rand.IntN(5))},
		"variables":             map[string]string{"name": "Budi", "creditnumber": strconv.Itoa(g.Rand.IntN(9999))},
		"robot_hash":            t.robot,
		"call_id":               g.ID("demo-call-"),
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
		d["EventLabel"] = map[string]string{g.Weighted(labels, w): "x"}
	}
	var redials []any
	for i := 0; i < o.redials; i++ {
		redials = append(redials, map[string]any{
			"CallID":        g.ID("demo-redial-"),
			"CallStartTime": g.local(t.account, start.Add(-time.Duration(i+1)*time.Hour)),
			"RingType":      g.Pick("busy", "outofarea", "", "normal"),
			"RingTime":      1 + g.Rand.IntN(40),
			"HangupType":    g.Pick("ByCallee", "Canceled"),
			"ResultLabel":   g.Pick("F", "G", ""),
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
				"verification_results": g.Weighted([]string{"Match", "NotMatch", "-"}, []int{70, 15, 15}),
				"question_type":        g.Pick("open", "whether"),
				"whether_answer":       g.Weighted([]string{"Answered", "NotAnswered"}, []int{85, 15}),
			})
		}
		d["question_answer"] = qa
	}
	return d
}

func (g *demoTraffic) task(t airudderTask, status string) map[string]any {
	created := g.Now().Add(-2 * time.Hour)
	return map[string]any{
		"task_id":             g.ID("demo-task-"),
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
func (g *demoTraffic) airudderCalls(opts ...callOpts) demogen.Post {
	return g.airudderCallsOf(g.randomTask(), opts...)
}

func (g *demoTraffic) airudderCallsOf(t airudderTask, opts ...callOpts) demogen.Post {
	body := g.task(t, "finished")
	details := make([]any, 0, len(opts))
	for _, o := range opts {
		details = append(details, g.callDetail(t, g.lineOpts(t, o)))
	}
	body["details"] = details
	return demogen.Post{Path: accountPath(t.account), Body: demogen.JSON(body)}
}

func (g *demoTraffic) airudderTaskStatus(status string) demogen.Post {
	t := g.randomTask()
	return demogen.Post{Path: accountPath(t.account), Body: demogen.JSON(g.task(t, status))}
}

func (g *demoTraffic) airudderWorkflow(o callOpts) demogen.Post {
	return g.airudderWorkflowOf(g.randomTask(), o)
}

func (g *demoTraffic) airudderWorkflowOf(t airudderTask, o callOpts) demogen.Post {
	d := g.callDetail(t, g.lineOpts(t, o))
	for k, v := range map[string]any{
		"workflow_id": g.ID("demo-wf-"), "workflow_name": "demo_workflow",
		"nodetask_id": g.ID("demo-node-"), "nodetask_name": "call_node", "case_id": g.ID("demo-case-"),
		"task_id": g.ID("demo-task-"), "task_name": t.name, "sip_line": t.line,
	} {
		d[k] = v
	}
	return demogen.Post{Path: accountPath(t.account), Body: demogen.JSON(d)}
}

// airudderWarmup: every account × robot × line × campaign once, with a
// connected call and a failure, so each breakdown has data at once.
func (g *demoTraffic) airudderWarmup() []demogen.Post {
	var out []demogen.Post
	day := g.Now().In(jakarta()).Format("20060102")
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
			demogen.Post{Path: accountPath(acct), Body: demogen.JSON(g.task(t, "calling"))})
	}
	return out
}
