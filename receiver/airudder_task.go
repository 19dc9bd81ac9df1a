package receiver

// Task status webhooks ("Webhook of Task"): an AiRudder body without
// `details` that names no call.

// emitTaskStatus: task webhooks are retried like call webhooks, so they are
// deduplicated too, on task id + status (a task legitimately passes through
// several statuses). No task_id → missing_id, for the same reason as calls.
func emitTaskStatus(b *arBodyRaw, out *AiRudderBatch) {
	switch {
	case b.TaskID.st == fBadType || b.Status.st == fBadType:
		out.Invalid = append(out.Invalid, ReasonBadType)
		return
	case !b.TaskID.set():
		out.Invalid = append(out.Invalid, ReasonMissingID)
		return
	}
	status := normTaskStatus(string(b.Status.b))
	out.Tasks = append(out.Tasks, AiRudderTaskStatus{
		Key:    "task\x00" + string(b.TaskID.b) + "\x00" + status,
		Status: status,
	})
}
