package laaffic

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/testkit"
	"airudder_exporter/laaffic/laaffictest"
)

// pollOpsState is the fake's state: 150 agents in 3 groups (two pages),
// 4 trunks (one down, one disabled), numbers in every state, tasks of every
// kind and status.
func pollOpsState() laaffictest.Operations {
	up, down := true, false
	o := laaffictest.Operations{
		Trunks: []laaffictest.Trunk{
			{Name: "carrier-a", Outbound: true, Enabled: true, Up: &up},
			{Name: "carrier-b", Outbound: true, Enabled: true, Up: &down},
			{Name: "carrier-c", Outbound: false, Enabled: false, Up: &up},
			{Name: "inbound-d", Outbound: false, Enabled: true},
		},
		Groups: []laaffictest.Group{{Name: "sales", Seats: 60}, {Name: "support", Seats: 50}, {Name: "collections", Seats: 40}},
		Numbers: []laaffictest.Number{
			{State: 3, Type: "MOBILE", DueDate: "2025-11-17", AutoRenew: false},
			{State: 3, Type: "MOBILE", DueDate: "2025-12-01", AutoRenew: false},
			{State: 3, Type: "FIXED", DueDate: "2026-01-10", AutoRenew: true},
			{State: 4, Type: "FIXED", DueDate: "2025-10-01"},
			{State: 5, Type: "MOBILE", DueDate: "2025-09-01"},
			{State: 9, Type: "VOIP"},
		},
	}
	groups := []string{"sales", "support", "collections"}
	for i := 0; i < 150; i++ {
		o.Agents = append(o.Agents, laaffictest.Agent{Group: groups[i%3], Status: 1 + i%5, Calls: 3, Connected: 2})
	}
	o.Agents = append(o.Agents, laaffictest.Agent{Group: "sales", Status: 2, Deleted: true, Calls: 100, Connected: 100},
		laaffictest.Agent{Group: "sales", Status: 7, Calls: 1})
	for _, kind := range []string{"ivr", "ai", "ai_agent"} {
		for status := 0; status <= 6; status++ {
			o.Tasks = append(o.Tasks, laaffictest.Task{Kind: kind, Status: status, Total: 100, Dialled: 40, Succeeded: 30, Failed: 10})
		}
	}
	for _, status := range []int{1, 2, 11, 12, 13, 14, 15, 16} {
		o.Tasks = append(o.Tasks, laaffictest.Task{Kind: "preview", Status: status, Total: 10, Dialled: 4, Succeeded: 3, Failed: 1})
	}
	return o
}

func TestOperationsPollersMatchTheFake(t *testing.T) {
	fake := laaffictest.New(balanceKey, balanceSecret)
	fake.SetOperations(pollOpsState())
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newPollOpsEnv(t, &http.Client{}, srv.URL, fake)
	s := e.scrape()
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"laaffic_sip_trunk_up", []string{"trunk", "carrier-a", "direction", "outbound"}, 1},
		{"laaffic_sip_trunk_up", []string{"trunk", "carrier-b", "direction", "outbound"}, 0},
		{"laaffic_sip_trunk_enabled", []string{"trunk", "carrier-b", "direction", "outbound"}, 1},
		{"laaffic_sip_trunk_enabled", []string{"trunk", "carrier-c", "direction", "inbound"}, 0},
		{"laaffic_sip_trunk_enabled", []string{"trunk", "inbound-d", "direction", "inbound"}, 1},
		{"laaffic_agents", []string{"group", "sales", "status", "offline"}, 10},
		{"laaffic_agents", []string{"group", "sales", "status", "idle"}, 10},
		{"laaffic_agents", []string{"group", "collections", "status", "break"}, 10},
		{"laaffic_agents", []string{"group", "sales", "status", "unknown"}, 1},
		{"laaffic_agents", []string{"group", "support", "status", "unknown"}, 0},
		{"laaffic_agent_group_seats", []string{"group", "support"}, 50},
		{"laaffic_agent_group_calls_today", []string{"group", "sales"}, 151},
		{"laaffic_agent_group_connected_calls_today", []string{"group", "sales"}, 100},
		{"laaffic_agent_group_calls_today", []string{"group", "collections"}, 150},
		{"laaffic_numbers", []string{"state", "in_use", "type", "mobile"}, 2},
		{"laaffic_numbers", []string{"state", "in_use", "type", "fixed"}, 1},
		{"laaffic_numbers", []string{"state", "expired", "type", "fixed"}, 1},
		{"laaffic_numbers", []string{"state", "disabled", "type", "mobile"}, 1},
		{"laaffic_numbers", []string{"state", "unknown", "type", "unknown"}, 1},
		{"laaffic_numbers", []string{"state", "expired", "type", "mobile"}, 0},
		{"laaffic_number_next_expiry_timestamp_seconds", []string{"auto_renew", "false"}, float64(time.Date(2025, 11, 18, 0, 0, 0, 0, config.DefaultLaafficLocation).Unix())},
		{"laaffic_number_next_expiry_timestamp_seconds", []string{"auto_renew", "true"}, float64(time.Date(2026, 1, 11, 0, 0, 0, 0, config.DefaultLaafficLocation).Unix())},
		{"laaffic_tasks", []string{"kind", "ivr", "status", "calling"}, 1},
		{"laaffic_tasks", []string{"kind", "ai", "status", "submit_failed"}, 1},
		{"laaffic_tasks", []string{"kind", "ai_agent", "status", "paused"}, 1},
		{"laaffic_tasks", []string{"kind", "preview", "status", "enabled"}, 1},
		{"laaffic_tasks", []string{"kind", "preview", "status", "unknown"}, 0},
		{"laaffic_task_numbers", []string{"kind", "ivr", "stage", "dialled"}, 120},
		{"laaffic_task_numbers", []string{"kind", "ai_agent", "stage", "remaining"}, 180},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "total"}, 30},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "dialled"}, 12},
		{"laaffic_operations_records_cut", []string{"endpoint", "agents"}, 0},
	} {
		if got := s.value(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if n := s.series("laaffic_sip_trunk_up"); n != 3 {
		t.Errorf("laaffic_sip_trunk_up: %d series, want 3 (no sample without sipTrunkState)", n)
	}
	if n := s.series("laaffic_agents"); n != 18 {
		t.Errorf("laaffic_agents: %d series, want 3 groups × 6 statuses", n)
	}
	for _, ep := range []string{"sip_trunks", "agents", "numbers", "tasks"} {
		if got := s.value("laaffic_operations_scrape_collector_success", "endpoint", ep); got != 1 {
			t.Errorf("success{endpoint=%s} = %v", ep, got)
		}
	}
	if r := fake.RequestsTo(laaffictest.AgentsPath); r != 2 {
		t.Errorf("agents: %d pages asked, want 2", r)
	}
	// The AI-agent list's documented path (without /v3) is not served by
	// the fake: tried once, then the other form is remembered.
	if r := fake.RequestsTo("/voice/group/call/query"); r != 1 {
		t.Errorf("documented AI-agent path asked %d times, want 1", r)
	}
	e.clock.Advance(2 * time.Minute)
	e.scrape()
	if r := fake.RequestsTo("/voice/group/call/query"); r != 1 {
		t.Errorf("documented AI-agent path asked again (%d): the path that answered was not remembered", r)
	}
	// The agents' calls are today's: the seat list is asked from midnight
	// in the account's timezone (UTC+8 by default) to now (14:32 UTC).
	if p := fake.LastParams(laaffictest.AgentsPath); p["strTime"] != "2025-11-12 00:00:00" || p["endTime"] != "2025-11-12 22:32:00" {
		t.Errorf("seat list window %v – %v, want today in UTC+8", p["strTime"], p["endTime"])
	}
	testkit.MustNotContain(t, s.text+e.logs.String(), laaffictest.SecretPassword, laaffictest.SecretPhone, laaffictest.SecretIP, "sip-acct-", "agent-login-", balanceKey, balanceSecret)
}

// A junk or failing endpoint turns only its own success gauge to 0.
func TestOperationsPollersFailAlone(t *testing.T) {
	fake := laaffictest.New(balanceKey, balanceSecret)
	fake.SetOperations(pollOpsState())
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newPollOpsEnv(t, &http.Client{}, srv.URL, fake)
	fake.BreakEndpoint(laaffictest.NumbersPath, `{"status":"0","data":{"records":"junk"}}`, 0)
	fake.BreakEndpoint(laaffictest.SIPTrunksPath, "", http.StatusBadGateway)
	s := e.scrape()
	for ep, want := range map[string]float64{"sip_trunks": 0, "agents": 1, "numbers": 0, "tasks": 1} {
		if got := s.value("laaffic_operations_scrape_collector_success", "endpoint", ep); got != want {
			t.Errorf("success{endpoint=%s} = %v, want %v", ep, got, want)
		}
	}
	if got := s.value("laaffic_operations_scrape_errors_total", "endpoint", "numbers", "reason", "decode"); got != 1 {
		t.Errorf("numbers decode errors = %v", got)
	}
	if got := s.value("laaffic_operations_scrape_errors_total", "endpoint", "sip_trunks", "reason", "http_status"); got != 1 {
		t.Errorf("sip_trunks http_status errors = %v", got)
	}
	if n := s.series("laaffic_numbers"); n != 0 {
		t.Errorf("laaffic_numbers sent %d series from a junk answer", n)
	}
}

// A redirect to another host is refused and counted: the other host never
// sees the key or the signature.
func TestOperationsPollersRefuseCrossHostRedirects(t *testing.T) {
	var leaked int
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { leaked++ }))
	defer other.Close()
	fake := laaffictest.New(balanceKey, balanceSecret)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	e := newPollOpsEnv(t, &http.Client{}, redirector.URL, fake)
	s := e.scrape()
	if got := s.value("laaffic_operations_scrape_errors_total", "endpoint", "agents", "reason", "redirect"); got != 1 {
		t.Errorf("agents redirect errors = %v", got)
	}
	if leaked != 0 {
		t.Errorf("the other host received %d requests", leaked)
	}
}

// Trunk and group names beyond max_label_values fold into "other" and are
// counted once per name and fetch, by endpoint and family.
func TestOperationsPollersCountFoldedNames(t *testing.T) {
	fake := laaffictest.New(balanceKey, balanceSecret)
	up := true
	var o laaffictest.Operations
	for i := 0; i < config.DefaultMaxLabelValues+5; i++ {
		o.Trunks = append(o.Trunks, laaffictest.Trunk{Name: fmt.Sprintf("trunk-%02d", i), Outbound: true, Enabled: true, Up: &up})
	}
	for i := 0; i < config.DefaultMaxLabelValues+2; i++ {
		g := fmt.Sprintf("group-%02d", i)
		o.Groups = append(o.Groups, laaffictest.Group{Name: g, Seats: 3})
		for k := 0; k < 3; k++ {
			o.Agents = append(o.Agents, laaffictest.Agent{Group: g, Status: 2})
		}
	}
	fake.SetOperations(o)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newPollOpsEnv(t, &http.Client{}, srv.URL, fake)
	folded := func(s pollOpsScrape, endpoint, metric string) float64 {
		return s.value("laaffic_operations_label_values_folded_total", "endpoint", endpoint, "metric", metric)
	}
	s := e.scrape()
	if got := folded(s, "sip_trunks", "laaffic_sip_trunk_enabled"); got != 5 {
		t.Errorf("trunk names folded = %v, want 5", got)
	}
	if got := folded(s, "agents", "laaffic_agents"); got != 2 {
		t.Errorf("group names folded = %v, want 2 (once per name, not per agent)", got)
	}
	if got := s.value("laaffic_agents", "group", "other", "status", "idle"); got != 6 {
		t.Errorf("agents of the folded groups = %v, want 6", got)
	}
	if got := s.value("laaffic_sip_trunk_up", "trunk", "other", "direction", "outbound"); got != 1 {
		t.Errorf("folded trunks up = %v", got)
	}
	if n := s.series("laaffic_operations_label_values_folded_total"); n != 2 {
		t.Errorf("folded-values counter: %d series, want one per endpoint with names", n)
	}
	e.clock.Advance(2 * time.Minute)
	s = e.scrape()
	if got := folded(s, "sip_trunks", "laaffic_sip_trunk_enabled"); got != 10 {
		t.Errorf("trunk names folded after two fetches = %v, want 10", got)
	}
	for _, p := range e.ps {
		p.ApplyConfig(&config.Config{})
	}
	s = e.scrape()
	if n := s.series("laaffic_operations_label_values_folded_total"); n != 0 {
		t.Errorf("folded-values counter: %d series left after the account was dropped", n)
	}
}

// A field a gauge is built from that a record lacks (absent or null) gives
// that series no sample, not 0: a trunk's state, a group's seats, an
// agent's calls, a number's due date, a task's numbers or type. The other
// fields and records are still served, the endpoint is up, and the fetch
// counts as missing_data once. A field that picks a label (auto-renewal)
// falls into "unknown".
func TestOperationsPollersMissingFields(t *testing.T) {
	fake := laaffictest.New(balanceKey, balanceSecret)
	list := func(envelope, records string) string {
		return `{` + envelope + `,"data":{"total":9,"pages":1,"records":[` + records + `]}}`
	}
	fake.BreakEndpoint(laaffictest.SIPTrunksPath, list(`"status":"0"`, `
		{"sipTrunkName":"full","type":1,"state":1,"sipTrunkState":true},
		{"sipTrunkName":"no-state","type":1,"sipTrunkState":true},
		{"sipTrunkName":"null-state","type":1,"state":null,"sipTrunkState":false},
		{"sipTrunkName":"no-gateway","type":2,"state":0}`), 0)
	fake.BreakEndpoint(laaffictest.AgentGroupsPath, list(`"status":"0"`, `
		{"groupName":"sales","countSeat":5},{"groupName":"support","countSeat":null}`), 0)
	fake.BreakEndpoint(laaffictest.AgentsPath, list(`"status":"0"`, `
		{"groupName":"sales","status":2,"num":3,"connectNum":2},
		{"groupName":"sales","status":3,"num":4,"connectNum":null},
		{"groupName":"support","status":2,"num":1,"connectNum":1}`), 0)
	fake.BreakEndpoint(laaffictest.NumbersPath, list(`"status":"0"`, `
		{"type":"MOBILE","state":3,"dueDate":"2025-12-01","autoRenew":1},
		{"type":"MOBILE","state":3,"dueDate":"2025-11-20"},
		{"type":"FIXED","state":3,"autoRenew":0},
		{"type":"FIXED","state":3,"dueDate":"2026-01-01","autoRenew":0}`), 0)
	// Both group-call lists (IVR/AI and AI-agent) get these records.
	fake.BreakEndpoint(laaffictest.GroupCallPath, list(`"code":0`, `
		{"status":1,"taskType":1,"numCnt":100,"callNum":40,"success":30,"fail":10},
		{"status":1,"taskType":2,"numCnt":50,"success":5,"fail":1},
		{"status":1,"numCnt":10,"callNum":1,"success":1,"fail":0}`), 0)
	fake.BreakEndpoint(laaffictest.PreviewPath, list(`"status":"0"`, `
		{"taskStatus":11,"totalCount":10,"transfersNum":2,"callFailuresNum":1}`), 0)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newPollOpsEnv(t, &http.Client{}, srv.URL, fake)
	s := e.scrape()
	day := func(y int, m time.Month, d int) float64 {
		return float64(time.Date(y, m, d, 0, 0, 0, 0, config.DefaultLaafficLocation).Unix())
	}
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"laaffic_sip_trunk_enabled", []string{"trunk", "full", "direction", "outbound"}, 1},
		{"laaffic_sip_trunk_enabled", []string{"trunk", "no-state", "direction", "outbound"}, nan},
		{"laaffic_sip_trunk_enabled", []string{"trunk", "null-state", "direction", "outbound"}, nan},
		{"laaffic_sip_trunk_enabled", []string{"trunk", "no-gateway", "direction", "inbound"}, 0},
		{"laaffic_sip_trunk_up", []string{"trunk", "no-state", "direction", "outbound"}, 1},
		{"laaffic_sip_trunk_up", []string{"trunk", "null-state", "direction", "outbound"}, 0},
		{"laaffic_sip_trunk_up", []string{"trunk", "no-gateway", "direction", "inbound"}, nan},
		{"laaffic_agent_group_seats", []string{"group", "sales"}, 5},
		{"laaffic_agent_group_seats", []string{"group", "support"}, nan},
		{"laaffic_agent_group_calls_today", []string{"group", "sales"}, 7},
		{"laaffic_agent_group_connected_calls_today", []string{"group", "sales"}, nan},
		{"laaffic_agent_group_connected_calls_today", []string{"group", "support"}, 1},
		{"laaffic_agents", []string{"group", "sales", "status", "busy"}, 1},
		{"laaffic_numbers", []string{"state", "in_use", "type", "fixed"}, 2},
		{"laaffic_number_next_expiry_timestamp_seconds", []string{"auto_renew", "true"}, day(2025, 12, 2)},
		{"laaffic_number_next_expiry_timestamp_seconds", []string{"auto_renew", "false"}, day(2026, 1, 2)},
		{"laaffic_number_next_expiry_timestamp_seconds", []string{"auto_renew", "unknown"}, day(2025, 11, 21)},
		{"laaffic_tasks", []string{"kind", "ivr", "status", "calling"}, 1},
		{"laaffic_tasks", []string{"kind", "ai", "status", "calling"}, 1},
		{"laaffic_tasks", []string{"kind", "ai_agent", "status", "calling"}, 3},
		{"laaffic_task_numbers", []string{"kind", "ivr", "stage", "remaining"}, 60},
		{"laaffic_task_numbers", []string{"kind", "ai", "stage", "total"}, 50},
		{"laaffic_task_numbers", []string{"kind", "ai", "stage", "dialled"}, nan},
		{"laaffic_task_numbers", []string{"kind", "ai", "stage", "remaining"}, nan},
		{"laaffic_task_numbers", []string{"kind", "ai_agent", "stage", "succeeded"}, 36},
		{"laaffic_task_numbers", []string{"kind", "ai_agent", "stage", "dialled"}, nan},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "total"}, 10},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "failed"}, 1},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "remaining"}, nan},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "dialled"}, nan},
	} {
		if got := s.value(c.name, c.labels...); got != c.want && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("%s%v = %v, want %v (NaN: no sample)", c.name, c.labels, got, c.want)
		}
	}
	for _, ep := range []string{"sip_trunks", "agents", "numbers", "tasks"} {
		if got := s.value("laaffic_operations_scrape_collector_success", "endpoint", ep); got != 1 {
			t.Errorf("success{endpoint=%s} = %v, want 1", ep, got)
		}
		if got := s.value("laaffic_operations_scrape_errors_total", "endpoint", ep, "reason", "missing_data"); got != 1 {
			t.Errorf("missing_data errors{endpoint=%s} = %v, want 1", ep, got)
		}
	}
	for _, field := range []string{"missing_fields=state", "missing_fields=countSeat,connectNum", "missing_fields=dueDate", "missing_fields=callNum,taskType,remainCount"} {
		if !strings.Contains(e.logs.String(), field) {
			t.Errorf("the log does not say %s:\n%s", field, e.logs)
		}
	}
}

// A count the API cannot mean (negative, or above a billion: a seat count,
// an agent's calls, a task's numbers, a list's total) gives its series no
// sample, like the AiRudder statistics: it is never summed, subtracted
// (numCnt = -2^63 with callNum = 1 would make remaining about 9.2e18) nor
// turned into records cut. The fetch counts out_of_range once, not
// missing_data nor decode, logs the fields, and serves the good records of
// the same answer.
func TestOperationsPollersLeaveOutOfRangeCountsUnexposed(t *testing.T) {
	fake := laaffictest.New(balanceKey, balanceSecret)
	list := func(envelope, records string) string {
		return `{` + envelope + `,"data":{"total":9,"pages":1,"records":[` + records + `]}}`
	}
	// A page that does not follow the one before: what the list's total
	// says is left counts as cut, so an absurd total must not get there.
	fake.BreakEndpoint(laaffictest.SIPTrunksPath, `{"status":"0","data":{"total":-9223372036854775808,"pages":2,"current":1,"records":[
		{"sipTrunkName":"carrier-a","type":1,"state":1,"sipTrunkState":true}]}}`, 0)
	fake.BreakEndpoint(laaffictest.AgentGroupsPath, list(`"status":"0"`, `
		{"groupName":"sales","countSeat":-1},{"groupName":"support","countSeat":1000000000001},
		{"groupName":"ops","countSeat":7}`), 0)
	fake.BreakEndpoint(laaffictest.AgentsPath, list(`"status":"0"`, `
		{"groupName":"sales","status":2,"num":-5,"connectNum":2},
		{"groupName":"sales","status":3,"num":4,"connectNum":1},
		{"groupName":"support","status":2,"num":3,"connectNum":"1e19"},
		{"groupName":"ops","status":2,"num":1000000000,"connectNum":0}`), 0)
	fake.BreakEndpoint(laaffictest.NumbersPath, `{"status":"0","data":{"total":1000000000000,"pages":1,"records":[
		{"type":"MOBILE","state":3,"dueDate":"2025-12-01","autoRenew":1}]}}`, 0)
	// Both group-call lists (IVR/AI and AI-agent) get these records.
	fake.BreakEndpoint(laaffictest.GroupCallPath, list(`"code":0`, `
		{"status":1,"taskType":1,"numCnt":-9223372036854775808,"callNum":1,"success":0,"fail":0},
		{"status":1,"taskType":1,"numCnt":100,"callNum":40,"success":30,"fail":10},
		{"status":1,"taskType":2,"numCnt":50,"callNum":10,"success":1000000000001,"fail":-3}`), 0)
	fake.BreakEndpoint(laaffictest.PreviewPath, list(`"status":"0"`, `
		{"taskStatus":11,"totalCount":10,"remainCount":4,"transfersNum":-1,"callFailuresNum":1}`), 0)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	e := newPollOpsEnv(t, &http.Client{}, srv.URL, fake)
	s := e.scrape()
	nan := math.NaN()
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"laaffic_sip_trunk_enabled", []string{"trunk", "carrier-a", "direction", "outbound"}, 1},
		{"laaffic_operations_records_cut", []string{"endpoint", "sip_trunks"}, 1},
		{"laaffic_operations_records_cut", []string{"endpoint", "numbers"}, 0},
		{"laaffic_numbers", []string{"state", "in_use", "type", "mobile"}, 1},
		{"laaffic_agent_group_seats", []string{"group", "sales"}, nan},
		{"laaffic_agent_group_seats", []string{"group", "support"}, nan},
		{"laaffic_agent_group_seats", []string{"group", "ops"}, 7},
		{"laaffic_agents", []string{"group", "sales", "status", "idle"}, 1},
		{"laaffic_agent_group_calls_today", []string{"group", "sales"}, nan},
		{"laaffic_agent_group_connected_calls_today", []string{"group", "sales"}, 3},
		{"laaffic_agent_group_calls_today", []string{"group", "support"}, 3},
		{"laaffic_agent_group_connected_calls_today", []string{"group", "support"}, nan},
		{"laaffic_agent_group_calls_today", []string{"group", "ops"}, 1e9},
		{"laaffic_tasks", []string{"kind", "ivr", "status", "calling"}, 2},
		{"laaffic_tasks", []string{"kind", "ai", "status", "calling"}, 1},
		{"laaffic_task_numbers", []string{"kind", "ivr", "stage", "total"}, nan},
		{"laaffic_task_numbers", []string{"kind", "ivr", "stage", "remaining"}, nan},
		{"laaffic_task_numbers", []string{"kind", "ivr", "stage", "dialled"}, 41},
		{"laaffic_task_numbers", []string{"kind", "ivr", "stage", "succeeded"}, 30},
		{"laaffic_task_numbers", []string{"kind", "ai", "stage", "remaining"}, 40},
		{"laaffic_task_numbers", []string{"kind", "ai", "stage", "succeeded"}, nan},
		{"laaffic_task_numbers", []string{"kind", "ai", "stage", "failed"}, nan},
		{"laaffic_task_numbers", []string{"kind", "ai_agent", "stage", "total"}, nan},
		{"laaffic_task_numbers", []string{"kind", "ai_agent", "stage", "dialled"}, 51},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "succeeded"}, nan},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "dialled"}, 6},
		{"laaffic_task_numbers", []string{"kind", "preview", "stage", "failed"}, 1},
	} {
		if got := s.value(c.name, c.labels...); got != c.want && !(math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("%s%v = %v, want %v (NaN: no sample)", c.name, c.labels, got, c.want)
		}
	}
	for _, ep := range []string{"sip_trunks", "agents", "numbers", "tasks"} {
		if got := s.value("laaffic_operations_scrape_collector_success", "endpoint", ep); got != 1 {
			t.Errorf("success{endpoint=%s} = %v, want 1", ep, got)
		}
		for reason, want := range map[string]float64{"out_of_range": 1, "missing_data": 0, "decode": 0} {
			if got := s.value("laaffic_operations_scrape_errors_total", "endpoint", ep, "reason", reason); got != want {
				t.Errorf("%s errors{endpoint=%s} = %v, want %v", reason, ep, got, want)
			}
		}
	}
	for _, field := range []string{"out_of_range_fields=total", "out_of_range_fields=countSeat,num,connectNum", "out_of_range_fields=numCnt,success,fail,transfersNum"} {
		if !strings.Contains(e.logs.String(), field) {
			t.Errorf("the log does not say %s:\n%s", field, e.logs)
		}
	}
}

// A stage built as a difference of two counts that disagree is 0 for that
// task, not negative: a group-call task that dialled more than its numbers
// has nothing remaining, a preview task with more remaining than its total
// has dialled nothing. Either would otherwise lower the kind's sum.
func TestOperationsPollersDerivedStagesNeverGoBelowZero(t *testing.T) {
	fake := laaffictest.New(balanceKey, balanceSecret)
	list := func(envelope, records string) string {
		return `{` + envelope + `,"data":{"total":2,"pages":1,"records":[` + records + `]}}`
	}
	fake.BreakEndpoint(laaffictest.GroupCallPath, list(`"code":0`, `
		{"status":1,"taskType":1,"numCnt":10,"callNum":12,"success":5,"fail":7},
		{"status":1,"taskType":1,"numCnt":100,"callNum":40,"success":30,"fail":10}`), 0)
	fake.BreakEndpoint(laaffictest.PreviewPath, list(`"status":"0"`, `
		{"taskStatus":11,"totalCount":5,"remainCount":8,"transfersNum":0,"callFailuresNum":0},
		{"taskStatus":11,"totalCount":10,"remainCount":4,"transfersNum":3,"callFailuresNum":1}`), 0)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := newPollOpsEnv(t, &http.Client{}, srv.URL, fake).scrape()
	for _, c := range []struct {
		kind, stage string
		want        float64
	}{
		{"ivr", "remaining", 60},
		{"preview", "dialled", 6},
		{"preview", "remaining", 12},
	} {
		if got := s.value("laaffic_task_numbers", "kind", c.kind, "stage", c.stage); got != c.want {
			t.Errorf("laaffic_task_numbers{kind=%s,stage=%s} = %v, want %v", c.kind, c.stage, got, c.want)
		}
	}
}
