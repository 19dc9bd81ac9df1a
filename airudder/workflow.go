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
// when it names one; otherwise it is a task status change.
func isTopLevelCall(b *arBodyRaw) bool {
	return isWorkflow(b) || b.CallID.St == jsonscan.OK || b.Result.St == jsonscan.OK
}
