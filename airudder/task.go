package airudder

import (
	"bytes"

	"github.com/cespare/xxhash/v2"

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
	status := normTaskStatus(string(b.Status.B))
	out.Tasks = append(out.Tasks, taskStatusEvent{
		TaskID:   string(normCallID(b.TaskID.B)),
		Status:   status,
		StatusID: taskStatusID(status, b.Status.B),
	})
}

// taskStatusID identifies a task status as sent, for telling a change from
// a re-delivery: a documented status by its label (so "Paused" and
// "cancelled" are "paused" and "canceled"), any other by its text, trimmed
// and in lower case. Two undocumented statuses share the label "other" but
// are different statuses, and going from one to the other is a change. A
// 64-bit hash rather than the text: the task memory then holds 8 bytes per
// task whatever the vendor sends (two statuses of one task colliding is a
// 2^-64 chance).
func taskStatusID(label string, raw []byte) uint64 {
	if label != receiver.ValueOther {
		return xxhash.Sum64String(label)
	}
	d := xxhash.New()
	// The NUL keeps these apart from the labels, which hold none.
	_, _ = d.WriteString(receiver.ValueOther + "\x00")
	_, _ = d.Write(bytes.ToLower(bytes.TrimSpace(raw)))
	return d.Sum64()
}
