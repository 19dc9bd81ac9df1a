package laaffic

import (
	"sync"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/laaffic/laaffictest"
)

// The demo account's operations state is a function of the clock, so every
// operations panel and alert has moving data in a demo run and in the
// end-to-end test: a trunk that goes down now and then, agents changing
// state, a number expiring in 5 days without auto-renewal, tasks that
// progress (and one that failed to submit, so its alert can be seen). A
// ticker owned by the demo part sets it on the simulated API.

// demoOpsEvery is how often the operations state is recomputed: the demo
// account's min_interval, so each fetch can see a new state.
const demoOpsEvery = 5 * time.Second

// demoAgentGroups are the demo's agent groups: the names the call-centre
// pushes carry, so agent states and unanswered transfers line up.
var demoAgentGroups = []string{"Collections Tier 1", "Collections Tier 2", "Inbound"}

// demoAgentsPerGroup is the number of agents of each demo group.
const demoAgentsPerGroup = 15

// demoUnderstaffed is true in the minutes when "Collections Tier 2" has
// every agent offline or on break and fewer transfers are answered.
func demoUnderstaffed(now time.Time) bool { return now.Minute()%20 < 3 }

// demoTrunkDown is true in the minute out of four when carrier-b's gateway
// is down.
func demoTrunkDown(now time.Time) bool { return now.Minute()%4 == 3 }

// demoOpsTicker recomputes the operations state until stopped.
type demoOpsTicker struct {
	quit, done chan struct{}
	once       sync.Once
}

// startDemoOps sets api's operations state for now() and again every
// period; start is the origin of the tasks' progress.
func startDemoOps(api *laaffictest.Server, now func() time.Time, every time.Duration) *demoOpsTicker {
	start := now()
	api.SetOperations(demoOperations(start, start))
	t := &demoOpsTicker{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-t.quit:
				return
			case <-tick.C:
				api.SetOperations(demoOperations(start, now()))
			}
		}
	}()
	return t
}

// stop ends the ticker and waits for it; safe to call twice.
func (t *demoOpsTicker) stop() {
	t.once.Do(func() { close(t.quit) })
	<-t.done
}

// demoOperations is the demo account's operations at now, for a run that
// started at start: four trunks (carrier-b down one minute in four,
// carrier-c disabled), agents of three groups whose states change every
// minute and whose calls today grow, numbers in every state (one in use expiring in 5 days without
// auto-renewal), and tasks of every kind whose calling ones keep dialling.
func demoOperations(start, now time.Time) laaffictest.Operations {
	up, down := true, false
	carrierB := &up
	if demoTrunkDown(now) {
		carrierB = &down
	}
	due := func(days int) string {
		return now.In(config.DefaultLaafficLocation).AddDate(0, 0, days).Format(time.DateOnly)
	}
	o := laaffictest.Operations{
		Trunks: []laaffictest.Trunk{
			{Name: "carrier-a", Outbound: true, Enabled: true, Up: &up},
			{Name: "carrier-b", Outbound: true, Enabled: true, Up: carrierB},
			{Name: "carrier-c", Outbound: true, Enabled: false, Up: &up},
			{Name: "inbound", Enabled: true, Up: &up},
		},
		Groups: []laaffictest.Group{{Name: demoAgentGroups[0], Seats: 20}, {Name: demoAgentGroups[1], Seats: 15}, {Name: demoAgentGroups[2], Seats: 10}},
		Numbers: []laaffictest.Number{
			{State: 3, Type: "MOBILE", DueDate: due(5)},
			{State: 3, Type: "FIXED", DueDate: due(40), AutoRenew: true},
			{State: 4, Type: "MOBILE", DueDate: due(-3)},
			{State: 5, Type: "FIXED", DueDate: due(100)},
		},
	}
	minute := now.Unix() / 60
	local := now.In(config.DefaultLaafficLocation)
	today := local.Hour()*60 + local.Minute() // minutes since midnight: the agents' calls today grow with it
	for g, name := range demoAgentGroups {
		away := g == 1 && demoUnderstaffed(now)
		for i := 0; i < demoAgentsPerGroup; i++ {
			k := g*demoAgentsPerGroup + i
			calls := today / (3 + k%4)
			o.Agents = append(o.Agents, laaffictest.Agent{Group: name, Status: demoAgentStatus(k, minute, away),
				Calls: calls, Connected: calls * (5 + k%3) / 10})
		}
	}
	elapsed := int(now.Sub(start) / time.Second)
	for k, kind := range []string{"ivr", "ai", "ai_agent"} {
		o.Tasks = append(o.Tasks, demoTasks(kind, 1, 2, 50000, 100*(k+1)+elapsed*(k+1))...)
	}
	o.Tasks = append(o.Tasks,
		laaffictest.Task{Kind: "ivr", Status: 5, Total: 800, Dialled: 300, Succeeded: 180, Failed: 90},
		laaffictest.Task{Kind: "ai", Status: 3, Total: 200})
	o.Tasks = append(o.Tasks, demoTasks("preview", 11, 12, 5000, 10+elapsed/5)...)
	return o
}

// demoAgentStatus is agent i's status (1 offline .. 5 break) in the given
// minute: a fixed mix (2 offline, 3 idle, 3 busy, 1 wrap-up, 1 break in
// ten) that each agent walks at its own pace; away leaves only offline and
// break.
func demoAgentStatus(i int, minute int64, away bool) int {
	h := (int64(i)*7 + minute*int64(i%4+1)) % 10
	switch {
	case away && h < 6:
		return 1
	case away:
		return 5
	case h < 2:
		return 1
	case h < 5:
		return 2
	case h < 8:
		return 3
	case h == 8:
		return 4
	}
	return 5
}

// demoTasks is a campaign of kind that has dialled numbers so far, in tasks
// of total numbers each: the finished ones (status finished, at least one,
// at most 20 shown) and the one calling (status calling), whose dialled,
// succeeded and failed counts grow while its remaining count shrinks.
func demoTasks(kind string, calling, finished, total, dialled int) []laaffictest.Task {
	done := dialled / total
	dialled %= total
	out := []laaffictest.Task{{Kind: kind, Status: calling, Total: total, Dialled: dialled, Succeeded: dialled * 6 / 10, Failed: dialled * 3 / 10}}
	for i := 0; i < min(done+1, 20); i++ {
		out = append(out, laaffictest.Task{Kind: kind, Status: finished, Total: total, Dialled: total, Succeeded: total * 6 / 10, Failed: total * 3 / 10})
	}
	return out
}
