package laaffic

import (
	"net/http"
	"time"

	"airudder_exporter/collector"
)

// Tasks created in the account's tasks_window: group-call tasks (IVR and
// AI by their taskType, AI-agent tasks asked with taskType 3; POST
// /v3/voice/group/call/query) and preview tasks (POST /v3/cc/preview/query),
// counted by status, and the progress of the active ones, so a stalled or
// paused task shows as `dialled` not moving.

var (
	apiGroupCallTasksPath = &apiPath{what: "group-call tasks", method: http.MethodPost, documented: "/v3/voice/group/call/query", other: "/voice/group/call/query"}
	// The AI-agent task page documents the path without /v3.
	apiAIAgentTasksPath = &apiPath{what: "AI-agent tasks", method: http.MethodPost, documented: "/voice/group/call/query", other: "/v3/voice/group/call/query"}
	apiPreviewTasksPath = &apiPath{what: "preview tasks", method: http.MethodPost, documented: "/v3/cc/preview/query", other: "/cc/preview/query"}
)

var (
	tasksDesc       = pollDesc("tasks", "Tasks created within the account's tasks_window by kind and status; every status of every kind is sent, 0 when none.", "kind", "status")
	taskNumbersDesc = pollDesc("task_numbers", "Numbers of the active tasks (calling, paused, submitting) summed by kind and stage (total, dialled, succeeded, failed, remaining); no sample when an active task lacks a field the stage is built from or sends it outside 0..1e9.", "kind", "stage")
)

var (
	groupCallTaskStatuses = map[int64]string{0: "waiting", 1: "calling", 2: "finished", 3: "submit_failed", 4: "cancelled", 5: "paused", 6: "submitting"}
	previewTaskStatuses   = map[int64]string{1: "enabled", 2: "disabled", 11: "calling", 12: "finished", 13: "submit_failed", 14: "cancelled", 15: "paused", 16: "submitting"}
)

var (
	taskKinds              = []string{"ivr", "ai", "ai_agent", "preview"}
	groupCallTaskStatusSet = []string{"waiting", "calling", "finished", "submit_failed", "cancelled", "paused", "submitting", "unknown"}
	previewTaskStatusSet   = []string{"enabled", "disabled", "calling", "finished", "submit_failed", "cancelled", "paused", "submitting", "unknown"}
	taskStages             = []string{"total", "dialled", "succeeded", "failed", "remaining"}
	taskActive             = map[string]bool{"calling": true, "paused": true, "submitting": true}
)

// groupCallTaskRecord is what is kept of a group-call task: no id, name or
// numbers.
type groupCallTaskRecord struct {
	Status   apiInt   `json:"status"`
	TaskType apiInt   `json:"taskType"`
	Numbers  apiCount `json:"numCnt"`
	Dialled  apiCount `json:"callNum"`
	Success  apiCount `json:"success"`
	Fail     apiCount `json:"fail"`
}

// previewTaskRecord is what is kept of a preview task.
type previewTaskRecord struct {
	Status    apiInt   `json:"taskStatus"`
	Total     apiCount `json:"totalCount"`
	Remaining apiCount `json:"remainCount"`
	Transfers apiCount `json:"transfersNum"`
	Failures  apiCount `json:"callFailuresNum"`
}

// taskTally is the counts of one fetch by kind.
type taskTally struct {
	status map[string]map[string]float64 // kind → status → tasks
	stage  map[string]map[string]pollSum // kind → stage → numbers
}

// taskNumbers are one task's numbers by stage, each with the fields it is
// built from (for the log when one is missing or out of range).
type taskNumbers struct {
	total, dialled, succeeded, failed, remaining apiCount
	fields                                       [5]string
}

// apiSub is a - b, set when both are; else unset, out of range when the
// first of them that is unset is (the one taskFields names). Both are
// within 0..apiMaxCount when set, so the difference cannot overflow.
func apiSub(a, b apiCount) apiCount {
	switch {
	case !a.Set:
		return apiCount{Out: a.Out}
	case !b.Set:
		return apiCount{Out: b.Out}
	}
	return apiCount{V: a.V - b.V, Set: true}
}

func (t *taskTally) add(run *pollRun, kind, status string, n taskNumbers) {
	t.status[kind][status]++
	if !taskActive[status] {
		return
	}
	// A stage derived by difference (a group-call task's remaining, a
	// preview task's dialled) is never below 0: counts that disagree
	// would otherwise lower the kind's sum by what another task adds.
	n.remaining.V = max(n.remaining.V, 0)
	n.dialled.V = max(n.dialled.V, 0)
	st := t.stage[kind]
	for i, v := range []apiCount{n.total, n.dialled, n.succeeded, n.failed, n.remaining} {
		pollAdd(run, st, taskStages[i], v, n.fields[i])
	}
}

// groupCallNumbers are a group-call task's numbers by stage.
func groupCallNumbers(r *groupCallTaskRecord) taskNumbers {
	return taskNumbers{r.Numbers, r.Dialled, r.Success, r.Fail, apiSub(r.Numbers, r.Dialled),
		[5]string{"numCnt", "callNum", "success", "fail", taskFields(r.Numbers, r.Dialled, "numCnt", "callNum")}}
}

// taskFields names the field of a derived stage that is unusable (missing
// or out of range): the first, else the second.
func taskFields(a, b apiCount, fa, fb string) string {
	if !a.Set {
		return fa
	}
	return fb
}

func fetchTasks(run *pollRun) *collector.FetchError {
	now := run.start.In(run.a.Location)
	from := now.Add(-run.a.TasksWindow.D())
	window := map[string]any{"strTime": from.Format(pollLayout), "endTime": now.Format(pollLayout), "statusList": []int{}}
	t := taskTally{status: map[string]map[string]float64{}, stage: map[string]map[string]pollSum{}}
	for _, k := range taskKinds {
		t.status[k], t.stage[k] = map[string]float64{}, map[string]pollSum{}
	}
	groupCall, ferr := pollList[groupCallTaskRecord](run, apiGroupCallTasksPath, window)
	if ferr != nil {
		return ferr
	}
	for _, r := range groupCall {
		// A task without a type cannot be told IVR from AI: it is left
		// out of both and counted as missing data.
		if !run.need(r.TaskType, "taskType") {
			continue
		}
		kind := "ivr"
		switch r.TaskType.V {
		case 2:
			kind = "ai"
		case 3:
			continue // counted from the AI-agent list
		}
		t.add(run, kind, pollLabel(groupCallTaskStatuses, r.Status), groupCallNumbers(&r))
	}
	aiWindow := map[string]any{"taskType": 3}
	for k, v := range window {
		aiWindow[k] = v
	}
	aiAgent, ferr := pollList[groupCallTaskRecord](run, apiAIAgentTasksPath, aiWindow)
	if ferr != nil {
		return ferr
	}
	for _, r := range aiAgent {
		t.add(run, "ai_agent", pollLabel(groupCallTaskStatuses, r.Status), groupCallNumbers(&r))
	}
	preview, ferr := pollList[previewTaskRecord](run, apiPreviewTasksPath, map[string]any{
		"startTime": from.Format(time.DateOnly), "endTime": now.Format(time.DateOnly),
	})
	if ferr != nil {
		return ferr
	}
	for _, r := range preview {
		t.add(run, "preview", pollLabel(previewTaskStatuses, r.Status), taskNumbers{
			r.Total, apiSub(r.Total, r.Remaining), r.Transfers, r.Failures, r.Remaining,
			[5]string{"totalCount", taskFields(r.Total, r.Remaining, "totalCount", "remainCount"), "transfersNum", "callFailuresNum", "remainCount"}})
	}
	for _, k := range taskKinds {
		statuses := groupCallTaskStatusSet
		if k == "preview" {
			statuses = previewTaskStatusSet
		}
		for _, s := range statuses {
			run.gauge(tasksDesc, t.status[k][s], k, s)
		}
		for _, s := range taskStages {
			run.gaugeSum(taskNumbersDesc, t.stage[k][s], k, s)
		}
	}
	return nil
}
