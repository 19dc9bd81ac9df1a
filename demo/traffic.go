package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
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
	g.spend = d.laafficSpend // the simulated LAAFFIC balance pays for the posted calls
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

const (
	pathAiRudder = "/webhooks/airudder"
	pathLaaffic  = "/webhooks/laaffic"
)

// generator builds realistic payloads. Ids are unique per run; everything
// that reaches a label comes from small realistic sets.
type generator struct {
	now  func() time.Time
	rnd  *rand.Rand
	seq  uint64
	sent []webhook // recent bodies, re-sent to imitate vendor retries

	spend func(amount float64) // LAAFFIC spend (demo/laaffic.go); nil = none
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

func (g *generator) local(t time.Time) string { return t.In(jakarta()).Format("2006-01-02 15:04:05") }

// ---- AiRudder ----

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

func (g *generator) callDetail(o callOpts) map[string]any {
	start := g.now().Add(-time.Duration(30+g.rnd.IntN(600)) * time.Second)
	dur := 0
	if o.result == "finished" {
		// log-normal-ish talk time: most calls short, a long tail
		dur = int(math.Min(1800, math.Exp(2.5+g.rnd.NormFloat64()*0.9)))
	}
	ring := 1 + g.rnd.IntN(35)
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
		"robot_hash":            "f3298554be9demo88aa595674",
		"call_id":               g.id("demo-call-"),
		"call_times":            1 + o.redials,
		"call_start_time":       g.local(start),
		"call_end_time":         g.local(start.Add(time.Duration(ring+dur) * time.Second)),
		"ring_time":             ring,
		"talk_round":            dur / 12,
		"redail_call":           []any{},
		"caller_number":         "+62777888888",
	}
	if o.result == "finished" {
		d["EventLabel"] = map[string]string{g.pick("VerifyPass", "PromiseToPay", "Complaint", "RequestAgent"): "x"}
	}
	var redials []any
	for i := 0; i < o.redials; i++ {
		redials = append(redials, map[string]any{
			"CallID":        g.id("demo-redial-"),
			"CallStartTime": g.local(start.Add(-time.Duration(i+1) * time.Hour)),
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

func (g *generator) task(status string) map[string]any {
	created := g.now().Add(-2 * time.Hour)
	return map[string]any{
		"task_id":             g.id("demo-task-"),
		"task_name":           "demo_collection_task",
		"status":              status,
		"created_at":          g.local(created),
		"repeat_interval":     0,
		"repeat_number":       1,
		"robot_hash":          "f3298554be9demo88aa595674",
		"robot_method":        "single",
		"sip_line":            "DEMO_LINE",
		"schedule_start_time": g.local(created),
		"schedule_end_time":   g.local(created.Add(8 * time.Hour)),
	}
}

func (g *generator) airudderCalls(opts ...callOpts) webhook {
	t := g.task("finished")
	details := make([]any, 0, len(opts))
	for _, o := range opts {
		details = append(details, g.callDetail(o))
	}
	t["details"] = details
	return webhook{pathAiRudder, mustJSON(t)}
}

func (g *generator) airudderTaskStatus(status string) webhook {
	return webhook{pathAiRudder, mustJSON(g.task(status))}
}

func (g *generator) airudderWorkflow(o callOpts) webhook {
	d := g.callDetail(o)
	for k, v := range map[string]any{
		"workflow_id": g.id("demo-wf-"), "workflow_name": "demo_workflow",
		"nodetask_id": g.id("demo-node-"), "nodetask_name": "call_node", "case_id": g.id("demo-case-"),
		"task_id": g.id("demo-task-"),
	} {
		d[k] = v
	}
	return webhook{pathAiRudder, mustJSON(d)}
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
	// A vendor retry of a body already delivered: must count as duplicates.
	out = append(out, out[0])
	out = append(out, g.laafficWarmup()...)
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
	default:
		w = g.laafficNext()
	}
	g.sent = append(g.sent, w)
	if len(g.sent) > 50 {
		g.sent = g.sent[len(g.sent)-50:]
	}
	return w
}
