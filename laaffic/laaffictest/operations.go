package laaffictest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// The operations endpoints of the fake (vendor README §2.4): SIP trunks,
// agents and agent groups, numbers, group-call / AI-agent and preview tasks.
// Lists are paged like the real API (current, size ≤ 100, pages), and the
// answers carry what the real one does and the exporter must never show:
// passwords, SIP accounts, phone numbers, IPs and URLs (each starting with
// a marker a test can grep for).

// Markers of what must never leave the exporter.
const (
	SecretPassword = "pw-fake-"
	SecretPhone    = "+6281999"
	SecretIP       = "203.0.113."
)

// Trunk is one SIP trunk.
type Trunk struct {
	Name     string
	Outbound bool
	Enabled  bool
	Up       *bool // nil: no sipTrunkState sent
}

// Agent is one agent (status 1 offline .. 5 break) and its calls today.
type Agent struct {
	Group            string
	Status           int
	Deleted          bool
	Calls, Connected int
}

// Group is one agent group.
type Group struct {
	Name  string
	Seats int
}

// Number is one DID (state 3 in use, 4 expired, 5 disabled; type MOBILE
// or FIXED).
type Number struct {
	State     int
	Type      string
	DueDate   string // yyyy-MM-dd
	AutoRenew bool
}

// Task is one task. Kind is "ivr", "ai", "ai_agent" or "preview"; Status
// is the API's code for that kind.
type Task struct {
	Kind                              string
	Status                            int
	Total, Dialled, Succeeded, Failed int
}

// Operations is the account's operations state.
type Operations struct {
	Trunks  []Trunk
	Agents  []Agent
	Groups  []Group
	Numbers []Number
	Tasks   []Task
}

// Paths of the operations endpoints. The AI-agent tasks are served only
// under the /v3 group-call path, so a client trying the documented
// path without /v3 first must fall back.
const (
	SIPTrunksPath   = "/v3/cc/sipTrunk/query"
	AgentsPath      = "/v3/cc/seat/query"
	AgentGroupsPath = "/v3/cc/seatGroup/query"
	NumbersPath     = "/v3/number/queryPage"
	GroupCallPath   = "/v3/voice/group/call/query"
	PreviewPath     = "/v3/cc/preview/query"
)

// SetOperations replaces the operations state.
func (s *Server) SetOperations(o Operations) { s.mu.Lock(); s.ops = o; s.mu.Unlock() }

// BreakEndpoint makes path answer junk (body) or an HTTP status (code);
// "" and 0 restore it.
func (s *Server) BreakEndpoint(path, body string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken == nil {
		s.broken = map[string]brokenAnswer{}
	}
	if body == "" && code == 0 {
		delete(s.broken, path)
		return
	}
	s.broken[path] = brokenAnswer{body, code}
}

type brokenAnswer struct {
	body string
	code int
}

// RequestsTo is the number of requests received on path.
func (s *Server) RequestsTo(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perPath[path]
}

// LastParams is the params of the last list request on path (nil when
// none).
func (s *Server) LastParams(path string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastParams[path]
}

// serveOperations answers an operations list request (after the signature
// was checked); false when path is not one.
func (s *Server) serveOperations(w http.ResponseWriter, r *http.Request, path string) bool {
	var req struct {
		Current int            `json:"current"`
		Size    int            `json:"size"`
		Params  map[string]any `json:"params"`
	}
	s.mu.Lock()
	ops := s.ops
	s.mu.Unlock()
	var records []map[string]any
	codeEnvelope := false
	switch path {
	case SIPTrunksPath:
		records = trunkRecords(ops.Trunks)
	case AgentsPath:
		records = agentRecords(ops.Agents)
	case AgentGroupsPath:
		records = groupRecords(ops.Groups)
	case NumbersPath:
		records = numberRecords(ops.Numbers)
	case GroupCallPath:
		codeEnvelope = true
	case PreviewPath:
	default:
		return false
	}
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil || req.Current < 1 || req.Size < 1 || req.Size > 100 {
		writeEnvelope(w, codeEnvelope, "-22", nil)
		return true
	}
	s.mu.Lock()
	if s.lastParams == nil {
		s.lastParams = map[string]map[string]any{}
	}
	s.lastParams[path] = req.Params
	s.mu.Unlock()
	switch path {
	case GroupCallPath:
		records = groupCallRecords(ops.Tasks, fmt.Sprint(req.Params["taskType"]) == "3")
	case PreviewPath:
		records = previewRecords(ops.Tasks)
	}
	pages := (len(records) + req.Size - 1) / req.Size
	from := min((req.Current-1)*req.Size, len(records))
	to := min(from+req.Size, len(records))
	writeEnvelope(w, codeEnvelope, "0", map[string]any{
		"total": strconv.Itoa(len(records)), "size": req.Size, "current": req.Current, "pages": pages,
		"records": records[from:to],
	})
	return true
}

func writeEnvelope(w http.ResponseWriter, code bool, status string, data any) {
	m := map[string]any{"status": status, "reason": "success", "data": data}
	if code {
		n, _ := strconv.Atoi(status)
		m = map[string]any{"code": n, "msg": "success", "data": data}
	}
	_ = json.NewEncoder(w).Encode(m)
}

func trunkRecords(ts []Trunk) []map[string]any {
	var out []map[string]any
	for i, t := range ts {
		typ, state := 2, 0
		if t.Outbound {
			typ = 1
		}
		if t.Enabled {
			state = 1
		}
		rec := map[string]any{
			"keyId": i + 1, "sipTrunkName": t.Name, "type": strconv.Itoa(typ), "state": state,
			"sipGatewayIp": SecretIP + strconv.Itoa(i+1), "sipWhiteIp": SecretIP + "200", "ccIp": SecretIP + "201",
			"sipAccount": "sip-acct-" + strconv.Itoa(i), "sipPassword": SecretPassword + "trunk-" + strconv.Itoa(i),
			"groupList": []map[string]any{{"voiceGroupId": 1, "groupName": "g", "number": SecretPhone + "0001"}},
		}
		if t.Up != nil {
			rec["sipTrunkState"] = *t.Up
		}
		out = append(out, rec)
	}
	return out
}

func agentRecords(as []Agent) []map[string]any {
	var out []map[string]any
	for i, a := range as {
		del := 0
		if a.Deleted {
			del = 1
		}
		out = append(out, map[string]any{
			"keyId": i + 1, "groupName": a.Group, "status": a.Status, "deleteFlag": strconv.Itoa(del), "enable": 0,
			"num": a.Calls, "connectNum": strconv.Itoa(a.Connected), "displayNum": SecretPhone + fmt.Sprintf("%04d", i),
			"account": "agent-login-" + strconv.Itoa(i), "password": SecretPassword + "agent-" + strconv.Itoa(i),
		})
	}
	return out
}

func groupRecords(gs []Group) []map[string]any {
	var out []map[string]any
	for i, g := range gs {
		out = append(out, map[string]any{"voiceGroupId": i + 1, "groupName": g.Name, "countSeat": strconv.Itoa(g.Seats), "callinStrategy": 1})
	}
	return out
}

func numberRecords(ns []Number) []map[string]any {
	var out []map[string]any
	for i, n := range ns {
		renew := 0
		if n.AutoRenew {
			renew = 1
		}
		out = append(out, map[string]any{
			"number": SecretPhone + fmt.Sprintf("%04d", 5000+i), "type": n.Type, "state": strconv.Itoa(n.State),
			"dueDate": n.DueDate, "autoRenew": renew, "outIp": SecretIP + "50", "inIp": SecretIP + "51",
		})
	}
	return out
}

func groupCallRecords(ts []Task, aiAgent bool) []map[string]any {
	var out []map[string]any
	for i, t := range ts {
		if t.Kind == "preview" || (t.Kind == "ai_agent") != aiAgent {
			continue
		}
		typ := 1
		switch t.Kind {
		case "ai":
			typ = 2
		case "ai_agent":
			typ = 3
		}
		rec := map[string]any{
			"taskName": "task " + strconv.Itoa(i), "status": t.Status, "taskType": typ,
			"numCnt": strconv.Itoa(t.Total), "callNum": t.Dialled, "success": t.Succeeded, "fail": strconv.Itoa(t.Failed),
		}
		// Older pages name the id jobId.
		if i%2 == 0 {
			rec["taskId"] = i + 1
		} else {
			rec["jobId"] = strconv.Itoa(i + 1)
		}
		out = append(out, rec)
	}
	return out
}

func previewRecords(ts []Task) []map[string]any {
	var out []map[string]any
	for i, t := range ts {
		if t.Kind != "preview" {
			continue
		}
		out = append(out, map[string]any{
			"taskId": i + 1, "taskStatus": t.Status, "totalCount": t.Total, "remainCount": strconv.Itoa(t.Total - t.Dialled),
			"transfersNum": t.Succeeded, "callFailuresNum": t.Failed, "completedRate": "50%",
		})
	}
	return out
}
