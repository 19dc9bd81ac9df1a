package demo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-kit/log/level"

	"airudder_exporter/internal/demogen"
)

// RunTraffic posts generated webhooks to baseURL (e.g. http://127.0.0.1:10133)
// until ctx ends: first a warm-up that touches every metric family (so a
// fresh demo has data within seconds), then a steady random mix with
// batches, re-deliveries and a few invalid records.
func (d *Demo) RunTraffic(ctx context.Context, baseURL, token string) {
	if len(d.vendors) == 0 {
		return // nothing to send
	}
	g := d.newGenerator(demogen.New(time.Now))
	p := &poster{client: &http.Client{Timeout: 5 * time.Second}, base: baseURL, token: token}
	// Give the listener a moment; posting before it accepts would only log errors.
	select {
	case <-ctx.Done():
		return
	case <-time.After(200 * time.Millisecond):
	}
	for _, w := range g.warmup() {
		if err := p.post(ctx, w); err != nil && ctx.Err() == nil {
			level.Warn(d.logger).Log("msg", "Demo webhook post failed", "path", w.Path, "err", err)
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

type poster struct {
	client *http.Client
	base   string
	token  string
}

func (p *poster) post(ctx context.Context, w demogen.Post) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.base+w.Path, bytes.NewReader(w.Body))
	if err != nil {
		return err
	}
	if p.token != "" {
		// A header, not ?token=: the *url.Error of a failed post quotes
		// the whole URL, and it is logged.
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "airudder_exporter-demo")
	for k, v := range w.Header {
		req.Header[k] = v
	}
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

// generator mixes the vendors' traffic and re-sends recent bodies, as
// vendors retry.
type generator struct {
	*demogen.Gen
	vendors []vendorTraffic
	sent    []demogen.Post // recent bodies, re-sent to imitate vendor retries
}

type vendorTraffic struct {
	t       demogen.Traffic
	percent int
}

func (d *Demo) newGenerator(g *demogen.Gen) *generator {
	gen := &generator{Gen: g}
	for _, s := range d.vendors {
		gen.vendors = append(gen.vendors, vendorTraffic{s.v.Traffic(g), s.percent})
	}
	return gen
}

// warmup returns each vendor's fixed sequence, which touches every metric
// family and every body shape, including re-deliveries and invalid records.
func (g *generator) warmup() []demogen.Post {
	var out []demogen.Post
	for _, v := range g.vendors {
		out = append(out, v.t.Warmup()...)
	}
	g.sent = append(g.sent, out...)
	return out
}

// next returns one webhook of the steady mix: a vendor retry of a recent
// body now and then, otherwise a vendor's next webhook by its share.
func (g *generator) next() demogen.Post {
	n := g.Rand.IntN(100)
	if n < 5 && len(g.sent) > 0 {
		return g.sent[g.Rand.IntN(len(g.sent))]
	}
	n -= 5
	pick := g.vendors[len(g.vendors)-1].t
	for _, v := range g.vendors {
		if n < v.percent {
			pick = v.t
			break
		}
		n -= v.percent
	}
	w := pick.Next()
	g.sent = append(g.sent, w)
	if len(g.sent) > 50 {
		g.sent = g.sent[len(g.sent)-50:]
	}
	return w
}
