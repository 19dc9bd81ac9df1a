package airudder

import (
	"regexp"
	"sync"
	"time"

	"airudder_exporter/config"
	"airudder_exporter/internal/labelcap"
	"airudder_exporter/receiver"
)

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

// ApplyConfig applies a (re)loaded webhooks section: robot names,
// campaign rules, transfer labels, time zones, allow-lists and cap sizes;
// and creates the small closed-set series of every account at zero so
// rate() and absent() work before its first webhook.
func (r *webhookRecorder) ApplyConfig(cfg config.Webhooks) {
	for _, c := range []*labelcap.Cap{r.resultLabel, r.question, r.verification, r.eventLabel, r.robotCap, r.lineCap, r.campaignCap} {
		c.SetMax(cfg.MaxLabelValues)
	}
	r.questionAllow.Store(webhookAllowList(cfg.InfoCheckQuestions))
	r.eventLabelAllow.Store(webhookAllowList(cfg.EventLabels))
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
	r.keys.apply(cfg.AiRudderAESKeys)
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
		return receiver.ValueNone
	}
	if name, ok := d.robots[hash]; ok {
		return name // validated at load; a configured, bounded set
	}
	return c.Value(hash)
}

// campaign maps a task name through the rules: the first match names the
// campaign (capped, since a template can copy parts of the task name); no
// match → "other"; no rules → "" (the label is empty). The raw task name is
// never returned. taskName is a slice of the body: copied only when cached.
func (d *arDimConfig) campaign(taskName []byte, c *labelcap.Cap) string {
	if len(d.campaigns) == 0 {
		return ""
	}
	d.mu.Lock()
	v, ok := d.campaignOf[string(taskName)]
	d.mu.Unlock()
	if ok {
		return v
	}
	task := string(taskName)
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

// record counts the decoded body b posted for account: task status
// changes (told apart from re-deliveries by the task's last status), then
// the calls, fresh[i] telling whether the i-th call's id was claimed fresh.
func (r *webhookRecorder) record(b *webhookBatch, account string, now time.Time, fresh []bool) (counted, duplicates int) {
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if !r.tasks.change(account, t.TaskID, t.StatusID, now) {
			duplicates++
			continue
		}
		r.m.arTaskStatus.WithLabelValues(account, t.Status).Inc()
		counted++
	}
	if len(b.Calls) == 0 {
		return counted, duplicates
	}
	d := r.dims.Load()
	// Task-level labels: resolved once per body.
	line := receiver.ValueNone
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
		if !fresh[i] {
			duplicates++
			continue
		}
		r.call(c, account, d.robot(c.Robot, r.robotCap), line, campaign, d)
		r.deliveryLag(c.End, account, loc, now)
		counted++
	}
	return counted, duplicates
}

func (r *webhookRecorder) call(c *webhookCall, account, robot, line, campaign string, d *arDimConfig) {
	k := &r.kids
	rl := receiver.Capped(c.ResultLabel, r.resultLabel, nil, nil)
	k.arCalls.Get(account, c.Result, rl, c.HangupType, c.RingType).Inc()
	k.arLineCalls.Get(account, line, c.RingType).Inc()
	k.arRobotCalls.Get(account, robot, c.Result).Inc()
	k.arCampaignCalls.Get(account, campaign, c.Result).Inc()
	if c.RingType == "normal" {
		k.arCampaignConn.Get(account, campaign).Inc()
	}
	if c.Duration.OK {
		r.exemplars.Observe(k.arDuration.Get(account), c.Duration.V, airudderIDLabel, c.Exemplar)
		k.arRobotTalk.Get(account, robot).Observe(c.Duration.V)
		k.arCampaignTalk.Get(account, campaign).Add(c.Duration.V)
	}
	receiver.ObserveSet(k.arRing, account, c.RingTime)
	receiver.ObserveSet(k.arTalkRounds, account, c.TalkRounds)
	receiver.ObserveSet(k.arDialAttempts, account, c.DialAttempts)
	for _, rd := range c.Redials {
		k.arRedials.Get(account, rd.RingType, rd.HangupType).Inc()
	}
	if len(c.Answers) > 0 {
		allow := r.questionAllow.Load()
		for _, a := range c.Answers {
			q := receiver.Capped(a.Question, r.question, allow, r.questionFolds)
			v := receiver.OneOf(a.Verification, airudderVerification)
			if v == receiver.ValueOther {
				v = r.verification.Value(a.Verification)
			}
			k.arAnswers.Get(account, q, v, a.Answered).Inc()
		}
	}
	if len(c.EventLabels) > 0 {
		allow := r.eventLabelAllow.Load()
		transferred := false
		for _, l := range c.EventLabels {
			k.arEventLabels.Get(account, receiver.Capped(l, r.eventLabel, allow, r.eventLabelFolds)).Inc()
			transferred = transferred || d.transfer[l]
		}
		if transferred {
			k.arRobotTransfer.Get(account, robot).Inc()
		}
	}
	if c.EventLabelsDropped > 0 {
		r.eventLabelFolds.Add(float64(c.EventLabelsDropped))
	}
	if c.AnswersDropped > 0 {
		r.questionFolds.Add(float64(c.AnswersDropped))
	}
	if c.RedialsDropped > 0 {
		r.redialFolds.Add(float64(c.RedialsDropped))
	}
	if c.Workflow {
		k.arWorkflow.Get(account).Inc()
	}
}

// deliveryLag observes call_end_time → receipt. Lags that cannot be true
// (negative: a wrong clock or time zone; over a week) are counted, not
// observed, so one broken field cannot bend the histogram.
func (r *webhookRecorder) deliveryLag(end wallTime, account string, loc *time.Location, now time.Time) {
	switch end.State {
	case timeAbsent:
		return
	case timeBad:
		r.kids.arLagRej.Get(account, lagUnparsable).Inc()
		return
	}
	year, month, day := end.T.Date()
	hour, minute, sec := end.T.Clock()
	lag := now.Sub(time.Date(year, month, day, hour, minute, sec, 0, loc))
	switch {
	case lag < 0:
		r.kids.arLagRej.Get(account, lagNegative).Inc()
	case lag > maxDeliveryLag:
		r.kids.arLagRej.Get(account, lagAbsurd).Inc()
	default:
		r.kids.arLag.Get(account).Observe(lag.Seconds())
	}
}
