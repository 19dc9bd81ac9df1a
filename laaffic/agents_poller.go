package laaffic

import (
	"net/http"
	"time"

	"airudder_exporter/collector"
)

// Agents (POST /v3/cc/seat/query) by group and status, and the seats of
// each group (POST /v3/cc/seatGroup/query). When every agent of a group is
// offline or on break, transfers to it ring out.

var (
	apiAgentsPath      = &apiPath{what: "agents", method: http.MethodPost, documented: "/v3/cc/seat/query", other: "/cc/seat/query"}
	apiAgentGroupsPath = &apiPath{what: "agent groups", method: http.MethodPost, documented: "/v3/cc/seatGroup/query", other: "/cc/seatGroup/query"}
)

var (
	agentsDesc          = pollDesc("agents", "Agents (not deleted) per group and status; every status of every group is sent, 0 when none.", "group", "status")
	agentGroupSeatsDesc = pollDesc("agent_group_seats", "Seats of the agent group (countSeat); no sample when LAAFFIC sends none for a group of the label, or one outside 0..1e9.", "group")
	// The seat list's call statistics cover the window asked for: today.
	agentGroupCallsDesc     = pollDesc("agent_group_calls_today", "Calls of the group's agents (not deleted) today in the account's timezone (sum of num); no sample when an agent's num is missing or outside 0..1e9.", "group")
	agentGroupConnectedDesc = pollDesc("agent_group_connected_calls_today", "Connected calls of the group's agents (not deleted) today in the account's timezone (sum of connectNum); no sample when an agent's connectNum is missing or outside 0..1e9.", "group")
)

// The `status` values of laaffic_agents, in the API's order (1..5).
var agentStatuses = map[int64]string{1: "offline", 2: "idle", 3: "busy", 4: "wrap_up", 5: "break"}

var agentStatusOrder = []string{"offline", "idle", "busy", "wrap_up", "break", "unknown"}

// agentRecord is what is kept of an agent: no account, password or number.
type agentRecord struct {
	Group     string   `json:"groupName"`
	Status    apiInt   `json:"status"`
	Deleted   apiInt   `json:"deleteFlag"`
	Calls     apiCount `json:"num"`
	Connected apiCount `json:"connectNum"`
}

// agentGroupRecord is what is kept of an agent group.
type agentGroupRecord struct {
	Name  string   `json:"groupName"`
	Seats apiCount `json:"countSeat"`
}

func fetchAgents(run *pollRun) *collector.FetchError {
	groups, ferr := pollList[agentGroupRecord](run, apiAgentGroupsPath, map[string]any{})
	if ferr != nil {
		return ferr
	}
	// The seat list requires a window for its call statistics: today.
	now := run.start.In(run.a.Location)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, run.a.Location)
	agents, ferr := pollList[agentRecord](run, apiAgentsPath, map[string]any{
		"strTime": day.Format(pollLayout), "endTime": now.Format(pollLayout),
	})
	if ferr != nil {
		return ferr
	}
	seats, calls, connected := map[string]pollSum{}, map[string]pollSum{}, map[string]pollSum{}
	counts := map[string]map[string]float64{}
	var order []string
	addGroup := func(name string) string {
		g := run.f.nameLabel(name)
		if counts[g] == nil {
			counts[g] = map[string]float64{}
			order = append(order, g)
		}
		return g
	}
	for _, r := range groups {
		pollAdd(run, seats, addGroup(r.Name), r.Seats, "countSeat")
	}
	for _, r := range agents {
		if r.Deleted.V == 1 {
			continue
		}
		g := addGroup(r.Group)
		counts[g][pollLabel(agentStatuses, r.Status)]++
		pollAdd(run, calls, g, r.Calls, "num")
		pollAdd(run, connected, g, r.Connected, "connectNum")
	}
	for _, g := range order {
		for _, s := range agentStatusOrder {
			run.gauge(agentsDesc, counts[g][s], g, s)
		}
		// A group only the seat list names has no seats sample.
		if v, ok := seats[g]; ok {
			run.gaugeSum(agentGroupSeatsDesc, v, g)
		}
		run.gaugeSum(agentGroupCallsDesc, calls[g], g)
		run.gaugeSum(agentGroupConnectedDesc, connected[g], g)
	}
	return nil
}
