package airudder

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"airudder_exporter/config"
	"airudder_exporter/internal/demogen"
	"airudder_exporter/internal/testkit"
)

// The demo configures what its traffic needs: every account it posts to,
// the robot name, campaign rules that name its task names; its calls end
// before they are sent (in the account's zone), so the lag is observable.
func TestDemoTraffic(t *testing.T) {
	cfg, err := config.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	api, err := demogen.Serve(log.NewNopLogger(), http.NotFoundHandler(), "AiRudder", demoAccount)
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close(context.Background())
	d := &Demo{API: api, appKey: "k", appSecret: "s"}
	out := d.Augment(cfg)
	w := out.Webhooks
	for _, a := range demoAccounts {
		if _, ok := w.AiRudderAccounts[a]; !ok {
			t.Errorf("account %q not configured for webhooks", a)
		}
		if w.AiRudderLocations[a] == nil {
			t.Errorf("account %q has no time zone", a)
		}
	}
	if w.Robots[robotMapped] != RobotName {
		t.Errorf("robots = %v", w.Robots)
	}
	if len(cfg.Webhooks.Robots) != 0 || len(cfg.AiRudder.Accounts) != 0 {
		t.Error("Augment changed the loaded config in place")
	}
	now := time.Date(2025, 12, 11, 10, 3, 30, 0, time.UTC) // minute 3 of 4: the line is degraded
	g := d.Traffic(demogen.New(func() time.Time { return now })).(*demoTraffic)
	campaigns := map[string]bool{}
	lines := map[string]map[string]int{}
	for _, wh := range append(g.airudderWarmup(), g.airudderCalls(g.randomCallOpts())) {
		acct := strings.TrimPrefix(strings.TrimPrefix(wh.Path, pathAiRudder), "/")
		if acct == "" {
			acct = config.DefaultWebhookAccount
		}
		if _, ok := w.AiRudderAccounts[acct]; !ok {
			t.Fatalf("posts to unknown account %q", acct)
		}
		var body struct {
			TaskName string `json:"task_name"`
			SIPLine  string `json:"sip_line"`
			Details  []struct {
				End      string `json:"call_end_time"`
				RingType string `json:"ring_type"`
			} `json:"details"`
		}
		if err := json.Unmarshal(wh.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, r := range w.Campaigns {
			if r.Re.MatchString(body.TaskName) {
				campaigns[r.Name] = true
				break
			}
		}
		for _, c := range body.Details {
			end, err := time.ParseInLocation("2006-01-02 15:04:05", c.End, w.AiRudderLocations[acct])
			if err != nil || end.After(now) || now.Sub(end) > 5*time.Minute {
				t.Errorf("account %s: call_end_time %q is not shortly before %v (%v)", acct, c.End, now, err)
			}
			if lines[body.SIPLine] == nil {
				lines[body.SIPLine] = map[string]int{}
			}
			lines[body.SIPLine][c.RingType]++
		}
	}
	if len(campaigns) < 2 {
		t.Errorf("campaigns matched: %v", campaigns)
	}
	if lines[degradingLine]["normal"] >= lines["DEMO_LINE_A"]["normal"] {
		t.Errorf("degraded line connects as often as a healthy one: %v", lines)
	}
}

// The fake's live mode (used by --demo) must be something the poller
// reads completely: today's entry, the current hour, growing calls,
// ratios in 0..1, and no decode problems.
func TestLiveFakeThroughCollector(t *testing.T) {
	e := newStatEnv(t, withStatYAML("      window_days: 3\n"))
	loc := e.acct.Location
	e.clock.Set(time.Date(2025, 11, 12, 10, 20, 0, 0, loc))
	e.fake.SetLive(e.clock.Now)

	mfs := e.scrape()
	if got := statUpOf(mfs); got != 1 {
		t.Fatalf("up = %v", got)
	}
	if got := statTotalErrors(mfs); got != 0 {
		t.Fatalf("scrape errors = %v, want 0 (logs: %s)", got, e.logs.String())
	}
	day := time.Date(2025, 11, 12, 0, 0, 0, 0, loc)
	if got := testkit.FamilyValue(mfs, "airudder_inbound_today_timestamp_seconds"); got != float64(day.Unix()) {
		t.Fatalf("today = %v, want %v", got, day.Unix())
	}
	hour := time.Date(2025, 11, 12, 10, 0, 0, 0, loc)
	if got := testkit.FamilyValue(mfs, "airudder_inbound_current_hour_timestamp_seconds"); got != float64(hour.Unix()) {
		t.Fatalf("current hour = %v, want %v", got, hour.Unix())
	}
	today1 := testkit.FamilyValue(mfs, "airudder_inbound_today_calls")
	window1 := testkit.FamilyValue(mfs, "airudder_inbound_calls")
	if !(today1 > 0 && window1 > today1) {
		t.Fatalf("today %v, window %v: want 0 < today < window (3 days)", today1, window1)
	}
	for name, mf := range mfs {
		if !strings.HasSuffix(name, "_ratio") {
			continue
		}
		for _, m := range mf.GetMetric() {
			if v := m.GetGauge().GetValue(); v < 0 || v > 1 {
				t.Errorf("%s = %v outside 0..1", name, v)
			}
		}
	}

	e.clock.Advance(5 * time.Hour)
	mfs = e.scrape()
	if today2 := testkit.FamilyValue(mfs, "airudder_inbound_today_calls"); today2 <= today1 {
		t.Fatalf("calls did not grow through the day: %v then %v", today1, today2)
	}
	if got := testkit.FamilyValue(mfs, "airudder_inbound_current_hour_timestamp_seconds"); got != float64(hour.Add(5*time.Hour).Unix()) {
		t.Fatalf("current hour did not move: %v", got)
	}
	if got := e.fake.Logins(); got != 1 {
		t.Fatalf("logins = %d, want 1", got)
	}
}

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
