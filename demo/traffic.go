package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kit/log/level"
)

// RunTraffic posts generated webhooks to baseURL (e.g. http://127.0.0.1:10133)
// until ctx ends: first a warm-up that touches every metric family (so a
// fresh demo has data within seconds), then a steady random mix with
// batches, re-deliveries and a few invalid records.
func (d *Demo) RunTraffic(ctx context.Context, baseURL, token string) {
	g := newGenerator(time.Now)
	g.zones = d.zones.Load
	p := &poster{client: &http.Client{Timeout: 5 * time.Second}, base: baseURL, token: token}
	// Give the listener a moment; posting before it accepts would only log errors.
	select {
	case <-ctx.Done():
		return
	case <-time.After(200 * time.Millisecond):
	}
	for _, w := range g.warmup() {
		if err := p.post(ctx, w); err != nil && ctx.Err() == nil {
			level.Warn(d.logger).Log("msg", "Demo webhook post failed", "path", w.path, "err", err)
		}
	}
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := p.post(ctx, g.next()); err != nil && ctx.Err() == nil {
				level.Debug(d.logger).Log("msg", "Demo webhook post failed", "err", err)
			}
		}
	}
}

// webhook is one POST: a path and a body.
type webhook struct {
	path string
	body []byte
}

type poster struct {
	client *http.Client
	base   string
	token  string
}

func (p *poster) post(ctx context.Context, w webhook) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+w.path, bytes.NewReader(w.body))
	if err != nil {
		return err
	}
	if p.token != "" {
		// A header, not ?token=: the *url.Error of a failed post quotes
		// the whole URL, and it is logged.
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Airudder")
	resp, err := p.client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

const pathLaaffic = "/webhooks/laaffic"

// generator builds realistic payloads. Ids are unique per run; everything
// that reaches a label comes from small realistic sets.
type generator struct {
	now  func() time.Time
	rnd  *rand.Rand
	seq  uint64
	sent []webhook // recent bodies, re-sent to imitate vendor retries

	// zones returns each AiRudder account's time zone (nil: Jakarta for
	// all); AiRudder sends local times.
	zones func() *map[string]*time.Location
}

func newGenerator(now func() time.Time) *generator {
	return &generator{now: now, rnd: rand.New(rand.NewPCG(uint64(now().UnixNano()), 42))}
}

func (g *generator) id(prefix string) string {
	g.seq++
	return fmt.Sprintf("%s%d%06d", prefix, g.now().Unix(), g.seq)
}

func (g *generator) pick(xs ...string) string { return xs[g.rnd.IntN(len(xs))] }

// weighted picks keys[i] with probability w[i]/sum(w).
func (g *generator) weighted(keys []string, w []int) string {
	total := 0
	for _, x := range w {
		total += x
	}
	n := g.rnd.IntN(total)
	for i, x := range w {
		if n < x {
			return keys[i]
		}
		n -= x
	}
	return keys[len(keys)-1]
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own maps are marshalled: a failure is a programming error
	}
	return b
}

// ---- LAAFFIC ----

type recordOpts struct {
	callStatus any // int code, or nil for records before callStatus existed
	typ        int
	currency   string // "USD", "EUR" or "" (= USD)
	costEur    bool   // name the cost "costEur", as the vendor's example body does
	recall     bool
	stringy    bool // numbers as strings, as some pushes send them
}

func (g *generator) randomRecordOpts() recordOpts {
	cs := g.weighted([]string{"50", "20", "10", "30", "40", "60", "null"}, []int{55, 20, 10, 6, 4, 2, 3})
	o := recordOpts{typ: int(g.weighted([]string{"1", "2", "3", "4"}, []int{60, 25, 10, 5})[0] - '0')}
	if cs != "null" {
		o.callStatus, _ = strconv.Atoi(cs)
	}
	o.currency = g.weighted([]string{"USD", "EUR", ""}, []int{50, 35, 15})
	o.costEur = o.currency == "EUR" && g.rnd.IntN(2) == 0
	o.recall = g.rnd.IntN(10) == 0
	o.stringy = g.rnd.IntN(5) == 0
	return o
}

func (g *generator) laafficRecord(o recordOpts) map[string]any {
	submit := g.now().Add(-time.Duration(60+g.rnd.IntN(120)) * time.Second)
	call := submit.Add(time.Duration(500+g.rnd.IntN(20000)) * time.Millisecond)
	ringing := call.Add(time.Duration(800+g.rnd.IntN(2500)) * time.Millisecond)
	ringDur := 1 + g.rnd.IntN(25)
	connected := o.callStatus == 50 || (o.callStatus == nil && g.rnd.IntN(2) == 0)
	talk := 0
	var answer any = 0
	hangup := ringing.Add(time.Duration(ringDur) * time.Second)
	if connected {
		talk = 3 + g.rnd.IntN(90)
		a := ringing.Add(time.Duration(ringDur) * time.Second)
		answer = a.UnixMilli()
		hangup = a.Add(time.Duration(talk) * time.Second)
	}
	period := g.weighted([]string{"20+20", "60+60", "1+1", "30+6"}, []int{40, 40, 15, 5})
	charged := 0
	if talk > 0 {
		first, _ := strconv.Atoi(period[:len(period)/2])
		charged = ((talk + first - 1) / first) * first
	}
	rate := 0.0125 + float64(g.rnd.IntN(30))/1000
	cost := rate * float64(charged) / 60
	sip, term := "200", "0"
	if !connected {
		sip = g.pick("486", "480", "404", "503", "603")
		term = g.pick("486", "480", "1")
	} else if g.rnd.IntN(2) == 0 {
		term = "200"
	}
	key := g.weighted([]string{"-1", "1", "2", "0", "*"}, []int{50, 25, 15, 7, 3})
	r := map[string]any{
		"voiceId":           g.id("22121"),
		"type":              o.typ,
		"callee":            fmt.Sprintf("63%09d", g.rnd.IntN(1e9)),
		"displayNum":        "6311012125",
		"submitTime":        submit.UnixMilli(),
		"callTime":          call.UnixMilli(),
		"ringingTime":       ringing.UnixMilli(),
		"answerTime":        answer,
		"hangupTime":        hangup.UnixMilli(),
		"chargedDuration":   charged,
		"callDuration":      talk,
		"billPeriod":        period,
		"code":              g.pick("India(Karnataka)", "India(Maharashtra)", "Philippines(Globe)", "Indonesia(Telkomsel)", "Mexico(Telcel)", "Nigeria(MTN)"),
		"voiceFileId":       "12043042052c5b61378df42324286fe4a4ace40ve.mp3",
		"recordingFileId":   g.id("rec-") + ".wav",
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
		"scriptId":          123,
		"intent":            g.weighted([]string{"YES", "NO", "", "CALLBACK"}, []int{40, 30, 20, 10}),
		"dimensionId":       123124,
		"callStatus":        o.callStatus,
	}
	costKey := "cost"
	if o.costEur {
		costKey = "costEur"
	}
	r[costKey] = strconv.FormatFloat(cost, 'f', 6, 64)
	if o.currency == "EUR" {
		r["settleRate"] = "1.2793"
		r["quoteExchange"] = "0.938"
		r["settlePay"] = strconv.FormatFloat(cost*1.07, 'f', 6, 64)
	}
	if o.recall {
		r["recallByVoiceId"] = g.id("22120")
		r["outRecallCount"] = 1
	}
	if o.stringy {
		r["ringDuration"] = strconv.Itoa(ringDur)
		r["callDuration"] = strconv.Itoa(talk)
	}
	return r
}

func (g *generator) laafficShape(shape string, recs ...map[string]any) webhook {
	switch shape {
	case "array":
		return webhook{pathLaaffic, mustJSON(map[string]any{"array": recs})}
	case "bare":
		return webhook{pathLaaffic, mustJSON(recs)}
	default:
		return webhook{pathLaaffic, mustJSON(recs[0])}
	}
}

// warmup returns a fixed sequence that touches every metric family and every
// body shape, including a re-delivery and invalid records.
func (g *generator) warmup() []webhook {
	var out []webhook
	// AiRudder: single call, a multi-call aggregate with failures and redials,
	// an info-check call, task status changes and a workflow notification.
	out = append(out,
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
	)
	out = append(out, g.airudderWarmup()...)
	// LAAFFIC: all three shapes, every status (and a record without one),
	// both currencies and both names of the cost field, a recall.
	var recs []map[string]any
	for i, cs := range []any{50, 20, 10, 30, 40, 60, nil, 50} {
		recs = append(recs, g.laafficRecord(recordOpts{
			callStatus: cs, typ: 1 + i%4,
			currency: []string{"USD", "EUR", ""}[i%3], costEur: i == 1, recall: i == 2, stringy: i == 3,
		}))
	}
	out = append(out,
		g.laafficShape("single", recs[0]),
		g.laafficShape("array", recs[1:5]...),
		g.laafficShape("bare", recs[5:]...),
	)
	// A vendor retry of a body already delivered: must count as duplicates.
	out = append(out, out[0], out[len(out)-1])
	// Invalid records next to good ones: the good ones count, the bad ones
	// are counted as invalid.
	bad := g.laafficRecord(recordOpts{callStatus: 50, typ: 1, currency: "USD"})
	bad["callDuration"] = -5
	noID := g.laafficRecord(recordOpts{callStatus: 20, typ: 2, currency: "EUR"})
	delete(noID, "voiceId")
	out = append(out, g.laafficShape("array", g.laafficRecord(g.randomRecordOpts()), bad, noID))
	g.sent = append(g.sent, out...)
	return out
}

// next returns one webhook of the steady mix.
func (g *generator) next() webhook {
	var w webhook
	switch n := g.rnd.IntN(100); {
	case n < 5 && len(g.sent) > 0: // vendor retry
		return g.sent[g.rnd.IntN(len(g.sent))]
	case n < 35:
		w = g.airudderCalls(g.randomCallOpts())
	case n < 45:
		k := 2 + g.rnd.IntN(6)
		opts := make([]callOpts, k)
		for i := range opts {
			opts[i] = g.randomCallOpts()
		}
		w = g.airudderCalls(opts...)
	case n < 48:
		w = g.airudderTaskStatus(g.pick("created", "pending", "calling", "finished", "canceled", "paused"))
	case n < 52:
		w = g.airudderWorkflow(g.randomCallOpts())
	case n < 75:
		w = g.laafficShape("single", g.laafficRecord(g.randomRecordOpts()))
	default:
		k := 2 + g.rnd.IntN(10)
		recs := make([]map[string]any, k)
		for i := range recs {
			recs[i] = g.laafficRecord(g.randomRecordOpts())
		}
		if g.rnd.IntN(20) == 0 {
			recs[0]["callDuration"] = -1 // a rare bad record inside a good batch
		}
		w = g.laafficShape(g.pick("array", "bare"), recs...)
	}
	g.sent = append(g.sent, w)
	if len(g.sent) > 50 {
		g.sent = g.sent[len(g.sent)-50:]
	}
	return w
}
