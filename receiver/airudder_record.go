package receiver

import (
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
)

// arDims is the recorder's AiRudder state beyond the shared caps: the caps
// of the robot, SIP line and campaign labels, the config that maps raw
// values onto them (swapped whole on reload), and the task status memory.
type arDims struct {
	robotCap, lineCap, campaignCap *labelcap.Cap

	dims  atomic.Pointer[arDimConfig]
	tasks *taskStatuses
}

// arDimConfig is the part of webhooks config the AiRudder recorder maps
// labels with.
type arDimConfig struct {
	robots    map[string]string // robot_hash → name
	campaigns []campaignRule
	transfer  map[string]bool // EventLabel keys meaning "transferred to an agent"
	locations map[string]*time.Location

	// campaignOf caches task name → campaign (task names repeat on every
	// call of a task); bounded, dropped whole when full and on reload.
	mu         sync.Mutex
	campaignOf map[string]string
}

type campaignRule struct {
	re   *regexp.Regexp
	tmpl string
}

// maxCampaignCache bounds arDimConfig.campaignOf.
const maxCampaignCache = 4096

// maxDeliveryLag: a call reported more than a week after it ended is taken
// as a wrong call_end_time (or time zone), not as a lag.
const maxDeliveryLag = 7 * 24 * time.Hour

// maxTaskStatuses bounds the task status memory.
const maxTaskStatuses = 100_000

func (r *recorder) initAiRudder(m *metrics, maxLabelValues int) {
	newCap := func(metric string) *labelcap.Cap {
		c := m.folded.WithLabelValues(metric)
		return labelcap.New(maxLabelValues, c.Inc)
	}
	r.robotCap = newCap("airudder_robot_calls_total")
	r.lineCap = newCap("airudder_sip_line_calls_total")
	r.campaignCap = newCap("airudder_campaign_calls_total")
	r.tasks = newTaskStatuses(maxTaskStatuses)
	r.dims.Store(&arDimConfig{campaignOf: map[string]string{}})
}

// applyAiRudder applies a (re)loaded webhooks section: robot names,
// campaign rules, transfer labels, time zones and cap sizes; and creates
// the small closed-set series of every account at zero so rate() and
// absent() work before its first webhook.
func (r *recorder) applyAiRudder(cfg config.Webhooks) {
	for _, c := range []*labelcap.Cap{r.robotCap, r.lineCap, r.campaignCap} {
		c.SetMax(cfg.MaxLabelValues)
	}
	d := &arDimConfig{
		robots:     cfg.Robots,
		transfer:   map[string]bool{},
		locations:  cfg.AiRudderLocations,
		campaignOf: map[string]string{},
	}
	for _, c := range cfg.Campaigns {
		re := c.Re
		if re == nil { // not loaded through config.Load (tests, embedding)
			var err error
			if re, err = regexp.Compile(c.Match); err != nil {
				continue
			}
		}
		d.campaigns = append(d.campaigns, campaignRule{re: re, tmpl: c.Name})
	}
	labels := cfg.TransferEventLabels
	if labels == nil {
		labels = config.DefaultTransferEventLabels
	}
	for _, l := range labels {
		d.transfer[l] = true
	}
	r.dims.Store(d)
	r.tasks.setWindow(cfg.DedupWindow.D())

	accounts := []string{config.DefaultWebhookAccount}
	for a := range cfg.AiRudderAccounts {
		accounts = append(accounts, a)
	}
	for _, a := range accounts {
		for _, s := range airudderTaskStatus {
			r.m.arTaskStatus.WithLabelValues(a, s)
		}
		for _, reason := range lagReasons {
			r.m.arLagRejected.WithLabelValues(a, reason)
		}
		r.m.arWorkflow.WithLabelValues(a)
	}
}

// robot returns the `robot` label of a raw robot_hash: its configured
// name, else the hash under the cap, "none" when the body had none.
func (d *arDimConfig) robot(hash string, c *labelcap.Cap) string {
	if hash == "" {
		return valNone
	}
	if name, ok := d.robots[hash]; ok {
		return name // validated at load; a configured, bounded set
	}
	return c.Value(hash)
}

// campaign maps a task name through the rules: the first match names the
// campaign (capped, since a template can copy parts of the task name); no
// match → "other"; no rules → "" (the label is empty). The raw task name is
// never returned.
func (d *arDimConfig) campaign(task string, c *labelcap.Cap) string {
	if len(d.campaigns) == 0 {
		return ""
	}
	d.mu.Lock()
	v, ok := d.campaignOf[task]
	d.mu.Unlock()
	if ok {
		return v
	}
	v = labelcap.Other
	for _, rule := range d.campaigns {
		m := rule.re.FindStringSubmatchIndex(task)
		if m == nil {
			continue
		}
		if out := string(rule.re.ExpandString(nil, rule.tmpl, task, m)); out != "" {
			v = c.Value(out)
		}
		break
	}
	d.mu.Lock()
	if len(d.campaignOf) >= maxCampaignCache {
		clear(d.campaignOf)
	}
	d.campaignOf[task] = v
	d.mu.Unlock()
	return v
}

// airudder counts one decoded AiRudder body posted for account: invalid
// records by reason, duplicates (the calls' ids are claimed first, claim.go),
// and the rest. When the claim fails it counts nothing and returns the error.
func (r *recorder) airudder(b *AiRudderBatch, account string, now time.Time) error {
	tickExemplarClock(now)
	// Claim the calls' ids first (claim.go): with webhooks.redis a failed
	// claim counts nothing of the body, and the vendor's retry will.
	cl, err := r.claimAiRudder(b, now)
	if err != nil {
		return err
	}
	defer cl.done()
	s := r.ar
	for _, reason := range b.Invalid {
		s.invalid.Inc()
		s.reasons[reason].Inc()
	}
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if !r.tasks.change(account, t.TaskID, t.Status, now) {
			s.duplicate.Inc()
			continue
		}
		r.m.arTaskStatus.WithLabelValues(account, t.Status).Inc()
		s.counted.Inc()
	}
	if len(b.Calls) == 0 {
		return nil
	}
	d := r.dims.Load()
	// Task-level labels: resolved once per body.
	line := valNone
	if b.SIPLine != "" {
		line = r.lineCap.Value(b.SIPLine)
	}
	campaign := d.campaign(b.TaskName, r.campaignCap)
	loc := d.locations[account]
	if loc == nil {
		loc = time.UTC
	}
	for i := range b.Calls {
		c := &b.Calls[i]
		if !cl.next() {
			s.duplicate.Inc()
			continue
		}
		r.arAdds.Add(1)
		r.airudderCall(c, account, d.robot(c.Robot, r.robotCap), line, campaign, d)
		r.deliveryLag(c.End, account, loc, now)
		s.counted.Inc()
	}
	return nil
}

func (r *recorder) airudderCall(c *AiRudderCall, account, robot, line, campaign string, d *arDimConfig) {
	k := &r.kids
	rl := capped(c.ResultLabel, r.resultLabel, nil, nil)
	k.arCalls.get([5]string{account, c.Result, rl, c.HangupType, c.RingType}).Inc()
	k.arLineCalls.get([3]string{account, line, c.RingType}).Inc()
	k.arRobotCalls.get([3]string{account, robot, c.Result}).Inc()
	k.arCampaignCalls.get([3]string{account, campaign, c.Result}).Inc()
	if c.RingType == "normal" {
		k.arCampaignConn.get([2]string{account, campaign}).Inc()
	}
	if c.Duration.OK {
		observeWith(k.arDuration.get(account), c.Duration.V, airudderIDLabel, c.Exemplar)
		k.arRobotTalk.get([2]string{account, robot}).Observe(c.Duration.V)
		k.arCampaignTalk.get([2]string{account, campaign}).Add(c.Duration.V)
	}
	if c.RingTime.OK {
		k.arRing.get(account).Observe(c.RingTime.V)
	}
	if c.TalkRounds.OK {
		k.arTalkRounds.get(account).Observe(c.TalkRounds.V)
	}
	if c.DialAttempts.OK {
		k.arDialAttempts.get(account).Observe(c.DialAttempts.V)
	}
	for _, rd := range c.Redials {
		k.arRedials.get([3]string{account, rd.RingType, rd.HangupType}).Inc()
	}
	if len(c.Answers) > 0 {
		allow := r.questionAllow.Load()
		for _, a := range c.Answers {
			q := capped(a.Question, r.question, allow, r.questionFolds)
			v := oneOf(a.Verification, airudderVerification)
			if v == valOther {
				v = r.verification.Value(a.Verification)
			}
			k.arAnswers.get([4]string{account, q, v, a.Answered}).Inc()
		}
	}
	if len(c.EventLabels) > 0 {
		allow := r.eventLabelAllow.Load()
		transferred := false
		for _, l := range c.EventLabels {
			k.arEventLabels.get([2]string{account, capped(l, r.eventLabel, allow, r.eventLabelFolds)}).Inc()
			transferred = transferred || d.transfer[l]
		}
		if transferred {
			k.arRobotTransfer.get([2]string{account, robot}).Inc()
		}
	}
	if c.Workflow {
		k.arWorkflow.get(account).Inc()
	}
}

// deliveryLag observes call_end_time → receipt. Lags that cannot be true
// (negative: a wrong clock or time zone; over a week) are counted, not
// observed, so one broken field cannot bend the histogram.
func (r *recorder) deliveryLag(end WallTime, account string, loc *time.Location, now time.Time) {
	switch end.State {
	case TimeAbsent:
		return
	case TimeBad:
		r.kids.arLagRej.get([2]string{account, lagUnparsable}).Inc()
		return
	}
	t := end.T
	lag := now.Sub(time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc))
	switch {
	case lag < 0:
		r.kids.arLagRej.get([2]string{account, lagNegative}).Inc()
	case lag > maxDeliveryLag:
		r.kids.arLagRej.get([2]string{account, lagAbsurd}).Inc()
	default:
		r.kids.arLag.get(account).Observe(lag.Seconds())
	}
}
