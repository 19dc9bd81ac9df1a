package airudder

import (
	"net/http"
	"testing"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
)

// TestDemoEncryptedTraffic: the demo's warmup, encrypted for the account
// with a key, is accepted whole by a receiver configured as Augment says.
func TestDemoEncryptedTraffic(t *testing.T) {
	cfg, err := config.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	d := &Demo{API: &demogen.API{}, appKey: "k", appSecret: "s", aesKey: demogen.RandomSecret()}
	out := d.Augment(cfg)
	if string(out.Webhooks.AiRudderAESKeys[demoEncryptedAccount]) != d.aesKey {
		t.Fatalf("Augment did not configure the key of %s", demoEncryptedAccount)
	}
	rr, _ := newWebhookReceiver(t, out.Webhooks)
	g := d.Traffic(demogen.New(time.Now))
	encrypted := 0
	for _, p := range append(g.Warmup(), g.Next(), g.Next(), g.Next()) {
		var hdr []string
		for k, v := range p.Header {
			hdr = append(hdr, k, v[0])
		}
		if p.Path == webhookAccountPath(demoEncryptedAccount) {
			if p.Header.Get(webhookHeaderEncrypted) != "1" || p.Header.Get(webhookHeaderSigned) == "" {
				t.Errorf("a post of %s is not encrypted and signed", demoEncryptedAccount)
			}
			encrypted++
		} else if p.Header != nil {
			t.Errorf("%s: a post of an account without a key has headers %v", p.Path, p.Header)
		}
		if rec := rr.Post(p.Path, p.Body, hdr...); rec.Code != http.StatusOK {
			t.Errorf("%s: status %d %s", p.Path, rec.Code, rec.Body)
		}
	}
	if encrypted == 0 {
		t.Error("the warmup sent no encrypted webhook")
	}
}
