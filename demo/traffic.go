package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
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
