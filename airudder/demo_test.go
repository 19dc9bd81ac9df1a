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
