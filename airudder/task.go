package airudder

import (
	"airudder_exporter/internal/jsonscan"
	"airudder_exporter/receiver"
)

// Task status webhooks ("Webhook of Task"): an AiRudder body without
// `details` that names no call.

// emitTaskStatus: task webhooks are retried like call webhooks, so the
// recorder counts a status only when it differs from the task's last one
// (see taskStatuses). No task_id → missing_id, for the same reason as calls.
func emitTaskStatus(b *arBodyRaw, out *webhookBatch) {
	switch {
	case b.TaskID.St == jsonscan.BadType || b.Status.St == jsonscan.BadType:
		out.Invalid = append(out.Invalid, receiver.ReasonBadType)
		return
	case !b.TaskID.Set():
		out.Invalid = append(out.Invalid, receiver.ReasonMissingID)
		return
	}
	out.Tasks = append(out.Tasks, taskStatusEvent{
		TaskID: string(normCallID(b.TaskID.B)),
		Status: normTaskStatus(string(b.Status.B)),
	})
}
