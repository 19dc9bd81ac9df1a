package airudder

import (
	"airudder_exporter/internal/jsonscan"
)

// Workflow call-completion notifications (vendor README §1.3): the call's
// fields at the top level next to workflow_id / workflow_name / nodetask_id /
// case_id. They are decoded by arDecoder.decode (airudder_call.go) like a
// details[] element.

func isWorkflow(b *arBodyRaw) bool {
	return b.WorkflowID.St == jsonscan.OK || b.WorkflowName.St == jsonscan.OK ||
		b.NodetaskID.St == jsonscan.OK || b.CaseID.St == jsonscan.OK
}

// isTopLevelCall: a body without details is a call (workflow notification)
// when it names one: call_id or result, or, in a workflow body, id (a
// details[] call's required id). Otherwise it is a task status change,
// workflow fields or not: the workflow variant carries its node task's
// fields too, and a body of them alone, taken as a call, could only be
// refused as missing_id while its task status went uncounted. A bare id
// outside a workflow body stays a task's (its fields have no id).
func isTopLevelCall(b *arBodyRaw) bool {
	return b.CallID.St == jsonscan.OK || b.Result.St == jsonscan.OK || isWorkflow(b) && b.ID.St == jsonscan.OK
}
