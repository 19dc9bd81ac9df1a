package demo

import (
	"context"
	"testing"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
)

// fakeVendor is a vendor part that counts what the demo asks of it.
type fakeVendor struct {
	name          string
	next          int
	closed        bool
	webhookPrefix string
}

func (f *fakeVendor) Augment(cfg *config.Config) *config.Config {
	out := *cfg
	out.Laaffic.Accounts = append(append([]config.LaafficAccount(nil), cfg.Laaffic.Accounts...), config.LaafficAccount{Name: f.name})
	return &out
}

func (f *fakeVendor) Traffic(*demogen.Gen) demogen.Traffic { return f }
func (f *fakeVendor) Close(context.Context)                { f.closed = true }

func (f *fakeVendor) Warmup() []demogen.Post {
	return []demogen.Post{{Path: f.webhookPrefix + "/warm"}}
}

func (f *fakeVendor) Next() demogen.Post {
	f.next++
	return demogen.Post{Path: f.webhookPrefix + "/next"}
}

// The demo augments the config through every vendor without changing the
// loaded one, warms every vendor up, mixes their steady traffic by share
// with a few re-sent bodies, and closes them all.
func TestDemoMixesVendors(t *testing.T) {
	a, b := &fakeVendor{name: "a", webhookPrefix: "/a"}, &fakeVendor{name: "b", webhookPrefix: "/b"}
	d := &Demo{vendors: []share{{a, 20}, {b, 75}}}
	cfg := &config.Config{}
	out := d.Augment(cfg)
	if len(out.Laaffic.Accounts) != 2 || len(cfg.Laaffic.Accounts) != 0 {
		t.Errorf("augmented accounts %v, loaded %v", out.Laaffic.Accounts, cfg.Laaffic.Accounts)
	}
	g := d.newGenerator(demogen.New(func() time.Time { return time.Unix(1e9, 0) }))
	if w := g.warmup(); len(w) != 2 || w[0].Path != "/a/warm" || w[1].Path != "/b/warm" {
		t.Errorf("warm-up = %v", w)
	}
	for i := 0; i < 2000; i++ {
		g.next()
	}
	if a.next == 0 || b.next < 2*a.next {
		t.Errorf("steady mix: a %d, b %d posts; want b about 75/20 of a", a.next, b.next)
	}
	if a.next+b.next >= 2000 {
		t.Errorf("no re-deliveries in the steady mix (%d fresh posts of 2000)", a.next+b.next)
	}
	d.Close()
	if !a.closed || !b.closed {
		t.Error("Close did not stop every vendor")
	}
}

// A demo without parts has no traffic to send: RunTraffic returns at once.
func TestRunTrafficWithoutParts(t *testing.T) {
	d, err := StartAPI(nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		d.RunTraffic(context.Background(), "http://127.0.0.1:1", "")
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunTraffic without parts did not return")
	}
}
