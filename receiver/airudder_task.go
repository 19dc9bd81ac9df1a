package receiver

// Task status webhooks ("Webhook of Task"): an AiRudder body without
// `details` that names no call.

// emitTaskStatus: task webhooks are retried like call webhooks, so the
// recorder counts a status only when it differs from the task's last one
// (see taskStatuses). No task_id → missing_id, for the same reason as calls.
func emitTaskStatus(b *arBodyRaw, out *AiRudderBatch) {
	switch {
	case b.TaskID.st == fBadType || b.Status.st == fBadType:
		out.Invalid = append(out.Invalid, ReasonBadType)
		return
	case !b.TaskID.set():
		out.Invalid = append(out.Invalid, ReasonMissingID)
		return
	}
	out.Tasks = append(out.Tasks, AiRudderTaskStatus{
		TaskID: string(normID(b.TaskID.b)),
		Status: normTaskStatus(string(b.Status.b)),
	})
}
