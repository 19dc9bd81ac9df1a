package laaffic

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"

	"airudder_exporter/internal/testkit"
	"airudder_exporter/laaffic/laaffictest"
)

// demoTask is the first task of kind in status in o.
func demoTask(t *testing.T, o laaffictest.Operations, kind string, status int) laaffictest.Task {
	t.Helper()
	for _, x := range o.Tasks {
		if x.Kind == kind && x.Status == status {
			return x
		}
	}
	t.Fatalf("no %s task in status %d", kind, status)
	return laaffictest.Task{}
}

// The demo's operations move with the clock: carrier-b is down one minute
// in four, agent counts change, one group is all away while understaffed
// and every other group keeps someone idle or busy, the calling tasks keep
// dialling, the failed submit and the expiring number stay.
func TestDemoOperationsMoveWithTheClock(t *testing.T) {
	start := time.Date(2025, 11, 12, 14, 0, 0, 0, time.UTC)
	counts := map[[5]int]bool{}
	prev := demoOperations(start, start)
	for s := 5; s <= 40*60; s += 5 {
		now := start.Add(time.Duration(s) * time.Second)
		o := demoOperations(start, now)
		if down := !*o.Trunks[1].Up; down != (now.Minute()%4 == 3) {
			t.Fatalf("%s: carrier-b down = %v", now.Format(time.TimeOnly), down)
		}
		for g, name := range demoAgentGroups {
			var c [5]int
			for _, a := range o.Agents {
				if a.Group == name {
					c[a.Status-1]++
				}
			}
			counts[c] = true
			working := c[1] + c[2]
			if understaffed := g == 1 && now.Minute()%20 < 3; understaffed != (working == 0) {
				t.Fatalf("%s %s: %v agents by status (understaffed %v)", now.Format(time.TimeOnly), name, c, understaffed)
			}
		}
		for _, kind := range []string{"ivr", "ai", "ai_agent"} {
			was, is := demoTask(t, prev, kind, 1), demoTask(t, o, kind, 1)
			if is.Dialled <= was.Dialled || is.Succeeded < was.Succeeded || is.Failed < was.Failed || is.Total-is.Dialled >= was.Total-was.Dialled {
				t.Fatalf("%s after %ds: calling task %+v, 5 s before %+v", kind, s, is, was)
			}
		}
		if was, is := demoTask(t, prev, "preview", 11), demoTask(t, o, "preview", 11); is.Dialled < was.Dialled {
			t.Fatalf("preview after %ds: %+v, before %+v", s, is, was)
		}
		demoTask(t, o, "ai", 3)
		expiring := o.Numbers[0]
		if want := now.In(time.FixedZone("", 8*3600)).AddDate(0, 0, 5).Format(time.DateOnly); expiring.State != 3 || expiring.AutoRenew || expiring.DueDate != want {
			t.Fatalf("expiring number %+v, want in use, due %s, no auto-renewal", expiring, want)
		}
		prev = o
	}
	callsToday := func(o laaffictest.Operations) (calls, connected int) {
		for _, a := range o.Agents {
			calls, connected = calls+a.Calls, connected+a.Connected
		}
		return calls, connected
	}
	c0, n0 := callsToday(demoOperations(start, start))
	if c1, n1 := callsToday(prev); c1 <= c0 || n1 <= n0 || n1 > c1 {
		t.Errorf("agents' calls today: %d (%d connected) at the start, %d (%d) 40 minutes later", c0, n0, c1, n1)
	}
	if len(counts) < 10 {
		t.Errorf("agent counts by status took only %d values in 40 minutes", len(counts))
	}
	if p0, p1 := demoTask(t, demoOperations(start, start), "preview", 11), demoTask(t, prev, "preview", 11); p1.Dialled <= p0.Dialled {
		t.Errorf("the calling preview task did not dial in 40 minutes: %+v", p1)
	}
}

// A calling task that dialled its whole list finishes and the next one
// starts: the finished count grows, bounded.
func TestDemoTasksFinishAndRestart(t *testing.T) {
	finished := func(ts []laaffictest.Task) int {
		n := 0
		for _, x := range ts {
			if x.Status == 2 {
				n++
			}
		}
		return n
	}
	if n := finished(demoTasks("ivr", 1, 2, 100, 99)); n != 1 {
		t.Errorf("before the first wrap: %d finished", n)
	}
	ts := demoTasks("ivr", 1, 2, 100, 230)
	if n := finished(ts); n != 3 || ts[0].Dialled != 30 {
		t.Errorf("after 230 of 100-number tasks: %d finished, calling %+v", n, ts[0])
	}
	if n := finished(demoTasks("ivr", 1, 2, 100, 1e6)); n != 20 {
		t.Errorf("finished tasks shown: %d, want the bound 20", n)
	}
}

// Scraped through the real pollers, the demo's operations give every
// operations family data.
func TestDemoOperationsFeedEveryOperationsFamily(t *testing.T) {
	fake := laaffictest.New(balanceKey, balanceSecret)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newPollOpsEnv(t, &http.Client{}, srv.URL, fake)
	// 14:35 UTC: carrier-b's minute down.
	now := time.Date(2025, 11, 12, 14, 35, 0, 0, time.UTC)
	fake.SetOperations(demoOperations(now.Add(-time.Hour), now))
	s := e.scrape()
	for _, name := range []string{
		"laaffic_sip_trunk_up", "laaffic_sip_trunk_enabled", "laaffic_agents", "laaffic_agent_group_seats",
		"laaffic_agent_group_calls_today", "laaffic_agent_group_connected_calls_today",
		"laaffic_numbers", "laaffic_number_next_expiry_timestamp_seconds", "laaffic_tasks", "laaffic_task_numbers",
	} {
		if s.series(name) == 0 {
			t.Errorf("%s: no series", name)
		}
	}
	if got := s.value("laaffic_sip_trunk_up", "trunk", "carrier-b", "direction", "outbound"); got != 0 {
		t.Errorf("carrier-b up = %v in its minute down", got)
	}
	for _, kind := range []string{"ivr", "ai", "ai_agent", "preview"} {
		if got := s.value("laaffic_tasks", "kind", kind, "status", "calling"); got != 1 {
			t.Errorf("%s calling tasks = %v", kind, got)
		}
		if got := s.value("laaffic_task_numbers", "kind", kind, "stage", "dialled"); got <= 0 {
			t.Errorf("%s dialled = %v", kind, got)
		}
	}
	if got := s.value("laaffic_tasks", "kind", "ai", "status", "submit_failed"); got != 1 {
		t.Errorf("ai submit_failed tasks = %v", got)
	}
	if got := s.value("laaffic_agents", "group", "Collections Tier 2", "status", "unknown"); got != 0 {
		t.Errorf("agents of unknown status: %v", got)
	}
	testkit.MustNotContain(t, s.text, laaffictest.SecretPassword, laaffictest.SecretPhone, laaffictest.SecretIP)
}

// Close stops the operations ticker: no update after it, its goroutine
// ended.
func TestDemoCloseStopsTheOperationsTicker(t *testing.T) {
	var reads atomic.Int64
	now := func() time.Time { reads.Add(1); return time.Now() }
	d, err := startDemo(log.NewNopLogger(), now, time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for reads.Load() < 5 {
		if time.Now().After(deadline) {
			d.Close(context.Background())
			t.Fatalf("the operations state was recomputed %d times in 5 s", reads.Load())
		}
		time.Sleep(time.Millisecond)
	}
	d.Close(context.Background())
	select {
	case <-d.ops.done:
	default:
		t.Fatal("the operations ticker's goroutine still runs after Close")
	}
	n := reads.Load()
	time.Sleep(20 * time.Millisecond)
	if got := reads.Load(); got != n {
		t.Errorf("the operations state was recomputed %d times after Close", got-n)
	}
}
