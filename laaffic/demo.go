package laaffic

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-kit/log"

	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
	"airudder_exporter/laaffic/laaffictest"
)

// LAAFFIC in the demo: a simulated LAAFFIC API (the balance, paid for by
// the simulated calls and topped up now and then) scraped as account
// "demo", and every push kind posted to /webhooks/laaffic and
// /webhooks/laaffic/demo: IVR records in the three body shapes, AI-agent
// batches, call-centre records and ringing notifications.

const (
	pathLaaffic = "/webhooks/laaffic"
	// demoAccount is the `account` label value of the simulated account.
	demoAccount = "demo"
	// Demo LAAFFIC scripts: 123 is named in webhooks.laaffic_scripts, 456
	// is not (it shows as its id).
	demoScriptID   = 123
	demoScriptName = "collections-v2"
)

// Demo is the running simulated LAAFFIC API of --demo.
type Demo struct {
	api          *laaffictest.Server
	*demogen.API // the simulated API, serving
	key, secret  string
	ops          *demoOpsTicker
}

// StartDemo starts the simulated LAAFFIC API on a loopback port. The
// balance starts at 80 and is topped up by 100 whenever it falls below 20;
// the operations state (trunks, agents, numbers, tasks) moves with the
// clock until Close.
func StartDemo(logger log.Logger) (*Demo, error) {
	return startDemo(logger, time.Now, demoOpsEvery)
}

// startDemo is StartDemo with the operations' clock and update period.
func startDemo(logger log.Logger, now func() time.Time, every time.Duration) (*Demo, error) {
	d := &Demo{key: "demo-laaffic-key", secret: demogen.RandomSecret()}
	d.api = laaffictest.New(d.key, d.secret)
	d.api.SetBalance(80, 10, 0)
	d.api.SetRefill(20, 100)
	var err error
	if d.API, err = demogen.Serve(logger, d.api, "LAAFFIC", demoAccount); err != nil {
		return nil, err
	}
	d.ops = startDemoOps(d.api, now, every)
	return d, nil
}

// Close stops moving the operations state, then the simulated API.
func (d *Demo) Close(ctx context.Context) {
	d.ops.stop()
	d.API.Close(ctx)
}

// Augment adds the demo LAAFFIC account (balance and webhook path
// /webhooks/laaffic/demo) and the demo script name, unless the file has
// its own account "demo". Called on start and after every reload.
func (d *Demo) Augment(cfg *config.Config) *config.Config {
	out := *cfg
	for _, a := range cfg.Laaffic.Accounts {
		if a.Name == demoAccount {
			return cfg
		}
	}
	out.Laaffic.Accounts = append(append([]config.LaafficAccount(nil), cfg.Laaffic.Accounts...), config.LaafficAccount{
		Name:        demoAccount,
		BaseURL:     d.URL(),
		APIKey:      config.Secret(d.key),
		APISecret:   config.Secret(d.secret),
		MinInterval: config.Duration(5 * time.Second),
		Timeout:     config.Duration(5 * time.Second),
	})
	accounts := make(map[string]config.Secret, len(cfg.Webhooks.LaafficAccounts)+1)
	for k, v := range cfg.Webhooks.LaafficAccounts {
		accounts[k] = v
	}
	accounts[config.DefaultWebhookAccount] = accounts[config.DefaultWebhookAccount]
	accounts[demoAccount] = ""
	out.Webhooks.LaafficAccounts = accounts
	scripts := map[string]string{strconv.Itoa(demoScriptID): demoScriptName}
	for k, v := range cfg.Webhooks.LaafficScripts {
		scripts[k] = v
	}
	out.Webhooks.LaafficScripts = scripts
	return &out
}

// demoTraffic generates the LAAFFIC pushes of one run.
type demoTraffic struct {
	*demogen.Gen
	spend func(amount float64) // takes a posted call's cost off the balance
}

// Traffic returns the LAAFFIC pushes of a run drawn from g; the simulated
// balance pays for the posted calls.
func (d *Demo) Traffic(g *demogen.Gen) demogen.Traffic {
	return &demoTraffic{Gen: g, spend: d.api.Spend}
}

// laafficPath posts to the default account or to account "demo".
func (g *demoTraffic) laafficPath() string {
	if g.Rand.IntN(2) == 0 {
		return pathLaaffic
	}
	return pathLaaffic + "/" + demoAccount
}

// script is a record's scriptId: the named demo script, an unnamed one, or
// none (a plain IVR campaign).
func (g *demoTraffic) script() any {
	switch g.Rand.IntN(5) {
	case 0, 1:
		return demoScriptID
	case 2:
		return 456
	}
	return nil
}

type recordOpts struct {
	callStatus any // int code, or nil for records before callStatus existed
	typ        int
	currency   string // "USD", "EUR" or "" (= USD)
	costEur    bool   // name the cost "costEur", as the vendor's example body does
	recall     bool
	stringy    bool // numbers as strings, as some pushes send them
}

func (g *demoTraffic) randomRecordOpts() recordOpts {
	cs := g.Weighted([]string{"50", "20", "10", "30", "40", "60", "null"}, []int{55, 20, 10, 6, 4, 2, 3})
	o := recordOpts{typ: int(g.Weighted([]string{"1", "2", "3", "4"}, []int{60, 25, 10, 5})[0] - '0')}
	if cs != "null" {
		o.callStatus, _ = strconv.Atoi(cs)
	}
	o.currency = g.Weighted([]string{"USD", "EUR", ""}, []int{50, 35, 15})
	o.costEur = o.currency == "EUR" && g.Rand.IntN(2) == 0
	o.recall = g.Rand.IntN(10) == 0
	o.stringy = g.Rand.IntN(5) == 0
	return o
}

func (g *demoTraffic) laafficRecord(o recordOpts) map[string]any {
	submit := g.Now().Add(-time.Duration(60+g.Rand.IntN(120)) * time.Second)
	call := submit.Add(time.Duration(500+g.Rand.IntN(20000)) * time.Millisecond)
	ringing := call.Add(time.Duration(800+g.Rand.IntN(2500)) * time.Millisecond)
	ringDur := 1 + g.Rand.IntN(25)
	connected := o.callStatus == 50 || (o.callStatus == nil && g.Rand.IntN(2) == 0)
	talk := 0
	var answer any = 0
	hangup := ringing.Add(time.Duration(ringDur) * time.Second)
	if connected {
		talk = 3 + g.Rand.IntN(90)
		a := ringing.Add(time.Duration(ringDur) * time.Second)
		answer = a.UnixMilli()
		hangup = a.Add(time.Duration(talk) * time.Second)
	}
	period := g.Weighted([]string{"20+20", "60+60", "1+1", "30+6"}, []int{40, 40, 15, 5})
	charged := 0
	if talk > 0 {
		first, _ := strconv.Atoi(period[:len(period)/2])
		charged = ((talk + first - 1) / first) * first
	}
	rate := 0.0125 + float64(g.Rand.IntN(30))/1000
	cost := rate * float64(charged) / 60
	sip, term := "200", "0"
	if !connected {
		sip = g.Pick("486", "480", "404", "503", "603")
		term = g.Pick("486", "480", "1")
	} else if g.Rand.IntN(2) == 0 {
		term = "200"
	}
	key := g.Weighted([]string{"-1", "1", "2", "0", "*"}, []int{50, 25, 15, 7, 3})
	r := map[string]any{
		"voiceId":           g.ID("22121"),
		"type":              o.typ,
		"callee":            fmt.Sprintf("63%09d", g.Rand.IntN(1e9)),
		"displayNum":        "6311012125",
		"submitTime":        submit.UnixMilli(),
		"callTime":          call.UnixMilli(),
		"ringingTime":       ringing.UnixMilli(),
		"answerTime":        answer,
		"hangupTime":        hangup.UnixMilli(),
		"chargedDuration":   charged,
		"callDuration":      talk,
		"billPeriod":        period,
		"code":              g.Pick("India(Karnataka)", "India(Maharashtra)", "Philippines(Globe)", "Indonesia(Telkomsel)", "Mexico(Telcel)", "Nigeria(MTN)"),
		"voiceFileId":       "12043042052c5b61378df42324286fe4a4ace40ve.mp3",
		"recordingFileId":   g.ID("rec-") + ".wav",
		"rate":              strconv.FormatFloat(rate, 'f', 6, 64),
		"baseCost":          strconv.FormatFloat(cost*0.6, 'f', 6, 64),
		"terminationCode":   term,
		"terminationReason": map[bool]string{true: "Called hang up", false: "No answer"}[connected],
		"sipCode":           sip,
		"feedbackValue":     key,
		"calledInfo":        "order 1234 for Juan",
		"ringDuration":      ringDur,
		"currency":          o.currency,
		"outRecallCount":    0,
		"taskId":            11,
		"sourceTaskId":      12,
		"scriptId":          g.script(),
		"intent":            g.Weighted([]string{"YES", "NO", "", "CALLBACK"}, []int{40, 30, 20, 10}),
		"dimensionId":       123124,
		"callStatus":        o.callStatus,
	}
	costKey := "cost"
	if o.costEur {
		costKey = "costEur"
	}
	r[costKey] = strconv.FormatFloat(cost, 'f', 6, 64)
	g.spend(cost)
	if o.currency == "EUR" {
		r["settleRate"] = "1.2793"
		r["quoteExchange"] = "0.938"
		r["settlePay"] = strconv.FormatFloat(cost*1.07, 'f', 6, 64)
	}
	if o.recall {
		r["recallByVoiceId"] = g.ID("22120")
		r["outRecallCount"] = 1
	}
	if o.stringy {
		r["ringDuration"] = strconv.Itoa(ringDur)
		r["callDuration"] = strconv.Itoa(talk)
	}
	return r
}

func (g *demoTraffic) laafficShape(shape string, recs ...map[string]any) demogen.Post {
	path := g.laafficPath()
	switch shape {
	case "array":
		return demogen.Post{Path: path, Body: demogen.JSON(map[string]any{"array": recs})}
	case "bare":
		return demogen.Post{Path: path, Body: demogen.JSON(recs)}
	default:
		return demogen.Post{Path: path, Body: demogen.JSON(recs[0])}
	}
}

// aiAgentRecord is one AI-agent batch record; its times are
// "yyyyMMddHHmmss" (UTC+8) or millisecond strings, as the docs allow both.
func (g *demoTraffic) aiAgentRecord() map[string]any {
	cst := time.FixedZone("UTC+8", 8*3600)
	submit := g.Now().Add(-time.Duration(60+g.Rand.IntN(120)) * time.Second)
	call := submit.Add(time.Duration(1+g.Rand.IntN(20)) * time.Second)
	ringing := call.Add(time.Duration(1+g.Rand.IntN(3)) * time.Second)
	ringDur := 2 + g.Rand.IntN(15)
	answered := g.Rand.IntN(100) < 65
	answer, hangup := time.Time{}, ringing.Add(time.Duration(ringDur)*time.Second)
	talk := 0
	if answered {
		talk = 10 + g.Rand.IntN(150)
		answer = hangup
		hangup = answer.Add(time.Duration(talk) * time.Second)
	}
	ms := g.Rand.IntN(2) == 0
	ts := func(t time.Time) string {
		switch {
		case t.IsZero():
			return "0"
		case ms:
			return strconv.FormatInt(t.UnixMilli(), 10)
		}
		return t.In(cst).Format("20060102150405")
	}
	charged := 0
	if talk > 0 {
		charged = (talk + 59) / 60 * 60
	}
	currency := g.Weighted([]string{"", "EUR"}, []int{70, 30})
	rate := 0.04 + float64(g.Rand.IntN(20))/1000
	cost := rate * float64(charged) / 60
	aiRate := 0.05
	if g.Rand.IntN(60) == 0 {
		aiRate = 0.5 // now and then an expensive script version
	}
	aiFee := aiRate * float64(charged) / 60
	g.spend(cost + aiFee)
	sip, term := "200", "0"
	if !answered {
		sip, term = g.Pick("486", "480", "404"), "1"
	}
	r := map[string]any{
		"voiceId":                g.ID("26010"),
		"type":                   1,
		"callee":                 fmt.Sprintf("628%09d", g.Rand.IntN(1e9)),
		"displayNum":             "628111000222",
		"submitTime":             ts(submit),
		"callTime":               ts(call),
		"ringingTime":            ts(ringing),
		"answerTime":             ts(answer),
		"hangupTime":             ts(hangup),
		"billPeriod":             "60+60",
		"code":                   g.Pick("Indonesia(Telkomsel)", "Indonesia(XL)", "Philippines(Globe)"),
		"recordingFileId":        g.ID("rec-") + ".wav",
		"ringDuration":           ringDur,
		"currency":               currency,
		"chargedDuration":        charged,
		"rate":                   strconv.FormatFloat(rate, 'f', 6, 64),
		"cost":                   strconv.FormatFloat(cost, 'f', 6, 64),
		"aiAgentChargedDuration": charged,
		"aiAgentBillPeriod":      "60+60",
		"aiAgentRate":            strconv.FormatFloat(aiRate, 'f', 6, 64),
		"aiAgentQuoteRate":       strconv.FormatFloat(aiRate, 'f', 6, 64),
		"aiAgentQuoteFee":        strconv.FormatFloat(aiFee, 'f', 6, 64),
		"terminationCode":        term,
		"terminationReason":      map[bool]string{true: "Called hang up", false: "No answer"}[answered],
		"sipCode":                sip,
		"calledInfo":             "invoice 5512",
		"scriptId":               g.Pick("123", "123", "456"),
		"intent":                 g.Weighted([]string{"PROMISE_TO_PAY", "REFUSED", "CALLBACK", ""}, []int{40, 25, 15, 20}),
		"intentCode":             g.Weighted([]string{"A", "B", "C", ""}, []int{40, 25, 15, 20}),
	}
	if currency == "EUR" {
		r["quoteExchange"] = "0.92"
		r["settleRate"] = strconv.FormatFloat(rate/0.92, 'f', 6, 64)
		r["settlePay"] = strconv.FormatFloat(cost/0.92, 'f', 6, 64)
		r["aiAgentFee"] = strconv.FormatFloat(aiFee/0.92, 'f', 6, 64)
	}
	return r
}

func (g *demoTraffic) aiAgentBatch(n int) demogen.Post {
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = g.aiAgentRecord()
	}
	return demogen.Post{Path: g.laafficPath(), Body: demogen.JSON(map[string]any{"array": recs})}
}

// transferRatio is the share of group-call transfers an agent answers in
// the demo; it sags while a group is understaffed (see demoUnderstaffed).
func (g *demoTraffic) transferRatio() float64 {
	if demoUnderstaffed(g.Now()) {
		return 0.3
	}
	return 0.8
}

// callCenterRecord is one cc-http record (USD cost).
func (g *demoTraffic) callCenterRecord(callType int) demogen.Post {
	var reason, dir int
	switch callType {
	case 1:
		reason = 2
		if g.Rand.Float64() < g.transferRatio() {
			reason = 3
		}
	case 2:
		reason = int(g.Weighted([]string{"9", "8"}, []int{85, 15})[0] - '0')
	default:
		reason = int(g.Weighted([]string{"1", "0", "7", "6", "5", "4"}, []int{60, 25, 6, 4, 3, 2})[0] - '0')
	}
	dir = int(g.Weighted([]string{"0", "1", "3"}, []int{60, 30, 10})[0] - '0')
	dur := 0
	if reason == 1 || reason == 3 || reason == 9 {
		dur = 20 + g.Rand.IntN(400)
	}
	cost := 0.02 * float64((dur+59)/60)
	g.spend(cost)
	start := g.Now().Add(-time.Duration(dur+30) * time.Second)
	return demogen.Post{Path: g.laafficPath(), Body: demogen.JSON(map[string]any{
		"callId":           g.ID("cc-"),
		"callSessionId":    g.ID("sess-"),
		"called":           fmt.Sprintf("628%09d", g.Rand.IntN(1e9)),
		"calledInfo":       "invoice 5512",
		"caller":           "628111000222",
		"ccode":            "ID",
		"ccodeName":        "Indonesia",
		"agentName":        g.Pick("Siti", "Budi", "Ayu"),
		"agentGroupName":   g.Pick("Collections Tier 1", "Collections Tier 2", "Inbound"),
		"agentAccount":     g.Pick("siti01", "budi02", "ayu03"),
		"callDuration":     dur,
		"callType":         callType,
		"hangupCode":       "200",
		"hangupReason":     reason,
		"hangingDirection": dir,
		"labels":           []string{"demo"},
		"baseCost":         strconv.FormatFloat(cost*0.7, 'f', 6, 64),
		"cost":             strconv.FormatFloat(cost, 'f', 6, 64),
		"remark":           "",
		"callStartTime":    start.In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateTime),
		"answerTime":       start.Add(5 * time.Second).In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateTime),
		"callEndTime":      g.Now().In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateTime),
		"voiceUrl":         "https://example.invalid/rec.wav",
	})}
}

// ringing is a bare array of agent ringing notifications.
func (g *demoTraffic) ringing(n int) demogen.Post {
	recs := make([]map[string]any, n)
	for i := range recs {
		var legs []string
		for k := g.Rand.IntN(3); k > 0; k-- {
			legs = append(legs, strconv.Itoa(8000+g.Rand.IntN(20)))
		}
		recs[i] = map[string]any{
			"callId":          g.ID("cc-"),
			"type":            g.Weighted([]string{"1", "2", "3"}, []int{60, 30, 10})[0] - '0',
			"taskId":          11,
			"called":          fmt.Sprintf("628%09d", g.Rand.IntN(1e9)),
			"calledInfo":      "",
			"seatGroupName":   g.Pick("Collections Tier 1", "Inbound"),
			"noAnswerSipList": legs,
			"sipAccount":      strconv.Itoa(8000 + g.Rand.IntN(20)),
			"callinEventTime": g.Now().In(time.FixedZone("UTC+8", 8*3600)).Format(time.DateTime),
		}
	}
	return demogen.Post{Path: g.laafficPath(), Body: demogen.JSON(recs)}
}

// Warmup touches every LAAFFIC family and body shape for both
// accounts, with re-deliveries and invalid records.
func (g *demoTraffic) Warmup() []demogen.Post {
	var out []demogen.Post
	for _, path := range []string{pathLaaffic, pathLaaffic + "/" + demoAccount} {
		// IVR: all three shapes, every status (and a record without one),
		// both currencies and both names of the cost field, a recall.
		var recs []map[string]any
		for i, cs := range []any{50, 20, 10, 30, 40, 60, nil, 50} {
			recs = append(recs, g.laafficRecord(recordOpts{
				callStatus: cs, typ: 1 + i%4,
				currency: []string{"USD", "EUR", ""}[i%3], costEur: i == 1, recall: i == 2, stringy: i == 3,
			}))
		}
		ivr := []demogen.Post{
			{Path: path, Body: demogen.JSON(recs[0])},
			{Path: path, Body: demogen.JSON(map[string]any{"array": recs[1:5]})},
			{Path: path, Body: demogen.JSON(recs[5:])},
		}
		out = append(out, ivr...)
		agent := g.aiAgentBatch(4)
		agent.Path = path
		out = append(out, agent)
		for _, typ := range []int{1, 1, 1, 2, 3} {
			cc := g.callCenterRecord(typ)
			cc.Path = path
			out = append(out, cc)
		}
		r := g.ringing(3)
		r.Path = path
		out = append(out, r)
		// Vendor retries of bodies already delivered: counted as duplicates.
		out = append(out, ivr[2], out[len(out)-2], r)
	}
	// Invalid records next to good ones: the good ones count, the bad ones
	// are counted as invalid; an answer before ringing only loses its delay.
	bad := g.laafficRecord(recordOpts{callStatus: 50, typ: 1, currency: "USD"})
	bad["callDuration"] = -5
	noID := g.laafficRecord(recordOpts{callStatus: 20, typ: 2, currency: "EUR"})
	delete(noID, "voiceId")
	early := g.laafficRecord(recordOpts{callStatus: 50, typ: 1, currency: "USD"})
	early["answerTime"] = early["ringingTime"].(int64) - 1000
	out = append(out, demogen.Post{Path: pathLaaffic, Body: demogen.JSON(map[string]any{"array": []any{
		g.laafficRecord(g.randomRecordOpts()), bad, noID, early, map[string]any{"unknown": "shape"},
	}})})
	return out
}

// Next is one LAAFFIC push of the steady mix.
func (g *demoTraffic) Next() demogen.Post {
	switch n := g.Rand.IntN(100); {
	case n < 30:
		return g.laafficShape("single", g.laafficRecord(g.randomRecordOpts()))
	case n < 50:
		k := 2 + g.Rand.IntN(10)
		recs := make([]map[string]any, k)
		for i := range recs {
			recs[i] = g.laafficRecord(g.randomRecordOpts())
		}
		if g.Rand.IntN(20) == 0 {
			recs[0]["callDuration"] = -1 // a rare bad record inside a good batch
		}
		return g.laafficShape(g.Pick("array", "bare"), recs...)
	case n < 70:
		return g.aiAgentBatch(1 + g.Rand.IntN(5))
	case n < 90:
		return g.callCenterRecord(int(g.Weighted([]string{"1", "2", "3"}, []int{60, 20, 20})[0] - '0'))
	default:
		return g.ringing(1 + g.Rand.IntN(3))
	}
}
