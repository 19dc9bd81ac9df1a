package airudder

import (
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
	"airudder_exporter/receiver"
)

// AiRudder webhooks, plugged into the receiver: call webhooks (call.go),
// task status webhooks (task.go) and workflow call-completion
// notifications (workflow.go) are decoded into a webhookBatch and counted by
// webhookRecorder (call_record.go), the only code touching the families of
// webhook_metrics.go.

// webhookVendor is the `source` label and path segment of AiRudder webhooks.
const webhookVendor = "airudder"

// NewWebhooks returns the AiRudder vendor of the webhook receiver, served
// at /webhooks/airudder[/<account>].
func NewWebhooks() receiver.Vendor { return new(webhookRecorder) }

// webhookRecorder counts AiRudder webhooks: label caps, allow-lists, the
// dimension config and the task status memory.
type webhookRecorder struct {
	m         webhookMetrics
	kids      webhookChildren
	exemplars *receiver.Exemplars
	strs      *receiver.Interner

	// Caps for open-ended labels, one per label (sized by max_label_values).
	resultLabel, question, verification, eventLabel *labelcap.Cap
	robotCap, lineCap, campaignCap                  *labelcap.Cap

	// Allow-lists (webhooks.infocheck_questions / event_labels); nil or
	// empty means "any value, under the cap". Swapped whole on reload.
	questionAllow, eventLabelAllow              atomic.Pointer[map[string]string]
	questionFolds, eventLabelFolds, redialFolds prometheus.Counter

	// dims maps raw values onto the robot and campaign labels (swapped
	// whole on reload); tasks is the task status memory.
	dims  atomic.Pointer[arDimConfig]
	tasks *taskStatuses

	// keys decrypt encrypted callbacks (webhook_crypto.go).
	keys webhookKeyring
}

func (r *webhookRecorder) Name() string { return webhookVendor }

func (r *webhookRecorder) Accounts(cfg config.Webhooks) map[string]config.Secret {
	return cfg.AiRudderAccounts
}

func (r *webhookRecorder) Init(env *receiver.Env) []prometheus.Collector {
	r.m = newWebhookMetrics()
	r.kids = newWebhookChildren(&r.m)
	r.exemplars, r.strs = env.Exemplars, env.Strings
	r.resultLabel = env.LabelCap("airudder_calls_total")
	r.question = env.LabelCap("airudder_infocheck_answers_total")
	r.verification = env.LabelCap("airudder_infocheck_answers_total")
	r.eventLabel = env.LabelCap("airudder_call_event_labels_total")
	r.robotCap = env.LabelCap("airudder_robot_calls_total")
	r.lineCap = env.LabelCap("airudder_sip_line_calls_total")
	r.campaignCap = env.LabelCap("airudder_campaign_calls_total")
	r.questionFolds = env.Folds("airudder_infocheck_answers_total")
	r.redialFolds = env.Folds("airudder_call_redials_total")
	r.eventLabelFolds = env.Folds("airudder_call_event_labels_total")
	r.tasks = newTaskStatuses(maxTaskStatuses)
	r.dims.Store(&arDimConfig{campaignOf: map[string]string{}})
	return r.m.collectors()
}

func (r *webhookRecorder) NewBody() receiver.Body {
	return &webhookCryptBody{Body: r.newBody(&webhookBatch{strs: r.strs}), keys: &r.keys}
}

// newBody is a Body that decodes into batch. Its release drops what refers
// to the request's data: the reader's and the batch's.
func (r *webhookRecorder) newBody(batch *webhookBatch) receiver.Body {
	d := new(arDecoder)
	return receiver.NewBody(batch, d.decode, r.record, func() {
		d.r.Release()
		batch.TaskName = nil
	})
}

// webhookAllowList is the allow-list of vals (trimmed, printable); nil when
// none is configured.
func webhookAllowList(vals []string) *map[string]string {
	if len(vals) == 0 {
		return nil
	}
	m := make(map[string]string, len(vals))
	for _, v := range vals {
		if v = strings.TrimSpace(v); labelcap.Printable(v) {
			m[v] = v
		}
	}
	return &m
}

// Keys are the calls' ids. Task status changes have none: they are told
// apart from repeats by the task's last status (task_state.go), which is
// per process.
func (b *webhookBatch) Keys(dst []string) []string {
	for i := range b.Calls {
		dst = append(dst, b.Calls[i].Key)
	}
	return dst
}

func (b *webhookBatch) InvalidReasons() []receiver.InvalidReason { return b.Invalid }

// webhookChildren are the children of the vectors counted per record,
// resolved once (receiver.Children).
type webhookChildren struct {
	// Per account only; resolved one by one (not all at a call's first
	// sight), so a series still appears only once it has a value.
	arDuration, arRing, arTalkRounds, arDialAttempts, arLag *receiver.Children[string, *receiver.Histogram]
	arWorkflow                                              *receiver.Children[string, prometheus.Counter]

	// Several labels: keyed by the values joined (receiver.JoinedChildren).
	arCalls, arLineCalls, arRobotCalls, arCampaignCalls *receiver.JoinedChildren[prometheus.Counter]
	arCampaignConn, arCampaignTalk                      *receiver.JoinedChildren[prometheus.Counter]
	arEventLabels, arRobotTransfer, arLagRej            *receiver.JoinedChildren[prometheus.Counter]
	arRedials, arAnswers                                *receiver.JoinedChildren[prometheus.Counter]
	arRobotTalk                                         *receiver.JoinedChildren[*receiver.Histogram]
}

func newWebhookChildren(m *webhookMetrics) webhookChildren {
	return webhookChildren{
		arDuration:      receiver.Observers1(m.arDuration),
		arRing:          receiver.Observers1(m.arRing),
		arTalkRounds:    receiver.Observers1(m.arTalkRounds),
		arDialAttempts:  receiver.Observers1(m.arDialAttempts),
		arLag:           receiver.Observers1(m.arLag),
		arWorkflow:      receiver.Counters1(m.arWorkflow),
		arCalls:         receiver.JoinedCounters(m.arCalls),
		arLineCalls:     receiver.JoinedCounters(m.arLineCalls),
		arRobotCalls:    receiver.JoinedCounters(m.arRobotCalls),
		arCampaignCalls: receiver.JoinedCounters(m.arCampaignCalls),
		arCampaignConn:  receiver.JoinedCounters(m.arCampaignConn),
		arCampaignTalk:  receiver.JoinedCounters(m.arCampaignTalk),
		arRobotTalk:     receiver.JoinedObservers(m.arRobotTalk),
		arEventLabels:   receiver.JoinedCounters(m.arEventLabels),
		arRobotTransfer: receiver.JoinedCounters(m.arRobotTransfer),
		arLagRej:        receiver.JoinedCounters(m.arLagRejected),
		arRedials:       receiver.JoinedCounters(m.arRedials),
		arAnswers:       receiver.JoinedCounters(m.arAnswers),
	}
}
