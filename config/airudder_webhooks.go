package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"airudder_exporter/internal/labelcap"
)

// CampaignRule turns an AiRudder task_name into a `campaign` label value:
// the first rule whose Match matches names the campaign, Name being a
// regexp.Expand template ($1, ${name} ...). Task names are one per day per
// campaign, so a raw task name never becomes a label.
type CampaignRule struct {
	Match string `yaml:"match"`
	Name  string `yaml:"name"`

	// Re is Match compiled at load time.
	Re *regexp.Regexp `yaml:"-"`
}

// DefaultTransferEventLabels are the EventLabel keys that mark an AiRudder
// call as transferred to an agent when webhooks.transfer_event_labels is not
// given. The call webhook documents no transfer field; robots report a
// hand-over through their own EventLabel keys.
var DefaultTransferEventLabels = []string{"RequestAgent", "TransferToAgent"}

// templateRef finds $1, ${1}, $name and ${name} in a regexp.Expand template
// ($$ is a literal dollar).
var templateRef = regexp.MustCompile(`\$(\$|\{([A-Za-z0-9_]*)\}|([A-Za-z0-9_]+))`)

// finishAiRudderWebhooks validates and compiles the AiRudder webhook
// dimensions: robot names, campaign rules, transfer labels, and the account
// time zones used for the delivery lag.
func (c *Config) finishAiRudderWebhooks() error {
	w := &c.Webhooks
	hashes := make([]string, 0, len(w.Robots))
	for h := range w.Robots {
		hashes = append(hashes, h)
	}
	sort.Strings(hashes) // the first error is the same on every run
	for _, h := range hashes {
		if strings.TrimSpace(h) == "" || strings.TrimSpace(h) != h {
			return fmt.Errorf("webhooks.robots: robot hash %q must be non-empty without surrounding spaces", h)
		}
		if !labelcap.Printable(w.Robots[h]) {
			return fmt.Errorf("webhooks.robots[%q]: robot name must be 1-64 bytes of printable UTF-8", h)
		}
	}
	for i := range w.Campaigns {
		r := &w.Campaigns[i]
		where := fmt.Sprintf("webhooks.campaigns[%d]", i)
		if r.Match == "" {
			return fmt.Errorf("%s: match (an RE2 regular expression) is required", where)
		}
		re, err := regexp.Compile(r.Match)
		if err != nil {
			return fmt.Errorf("%s: match is not a valid RE2 expression: %v", where, err)
		}
		r.Re = re
		literal := templateRef.ReplaceAllString(r.Name, "")
		if r.Name == "" || (literal != "" && !labelcap.Printable(literal)) {
			return fmt.Errorf("%s: campaign name template must be non-empty printable text of at most 64 bytes", where)
		}
		if err := checkTemplateRefs(r.Name, re); err != nil {
			return fmt.Errorf("%s: campaign name refers to a group the match does not have: %v", where, err)
		}
	}
	for i, l := range w.TransferEventLabels {
		if strings.TrimSpace(l) == "" {
			return fmt.Errorf("webhooks.transfer_event_labels[%d]: an event label must not be empty", i)
		}
	}
	// The plain path is account "default": UTC unless an account of that
	// name says otherwise.
	w.AiRudderLocations = map[string]*time.Location{DefaultWebhookAccount: time.UTC}
	for _, a := range c.AiRudder.Accounts {
		w.AiRudderLocations[a.Name] = a.Location
	}
	return nil
}

// checkTemplateRefs fails for $N beyond the groups of re and for ${name}
// naming no group: regexp.Expand would silently expand them to "".
func checkTemplateRefs(tmpl string, re *regexp.Regexp) error {
	for _, m := range templateRef.FindAllStringSubmatch(tmpl, -1) {
		if m[1] == "$" {
			continue
		}
		ref := m[2] + m[3]
		if ref == "" {
			return errors.New("empty ${}")
		}
		if n, err := strconv.Atoi(ref); err == nil {
			if n > re.NumSubexp() {
				return fmt.Errorf("$%s (the match has %d groups)", ref, re.NumSubexp())
			}
			continue
		}
		if re.SubexpIndex(ref) < 0 {
			return fmt.Errorf("$%s (no group of that name)", ref)
		}
	}
	return nil
}
