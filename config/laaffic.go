package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"airudder_exporter/internal/labelcap"
)

// Laaffic holds the LAAFFIC accounts. An account's name is the `account`
// label of everything counted from /webhooks/laaffic/<name> (and, with API
// credentials, of the balance collector's gauges).
type Laaffic struct {
	Accounts []LaafficAccount `yaml:"accounts"`
}

// LaafficAccount is one LAAFFIC account.
type LaafficAccount struct {
	// Name is the value of the `account` label and the last path segment of
	// its webhook URL.
	Name string `yaml:"name"`
	// WebhookToken, when set, is the token for /webhooks/laaffic/<name>
	// instead of webhooks.token, so tenants cannot post into each other's
	// series.
	WebhookToken     Secret `yaml:"webhook_token"`
	WebhookTokenFile string `yaml:"webhook_token_file"`

	// Balance collector (GET <base_url>/v3/getBalance), active when APIKey
	// is set. Both credentials are secrets: the key signs the requests.
	BaseURL       string `yaml:"base_url"`
	APIKey        Secret `yaml:"api_key"`
	APIKeyFile    string `yaml:"api_key_file"`
	APISecret     Secret `yaml:"api_secret"`
	APISecretFile string `yaml:"api_secret_file"`
	// MinInterval: at most one balance request per account per interval;
	// scrapes in between share the cached answer.
	MinInterval Duration `yaml:"min_interval"`
	// Timeout bounds one balance request (the scrape's deadline may cut it
	// shorter for that scrape; the request goes on for the next).
	Timeout Duration `yaml:"timeout"`

	// Collect names the endpoints read with the API credentials (see
	// LaafficEndpoints); empty reads all of them.
	Collect []string `yaml:"collect"`
	// Timezone is the IANA zone of the account's dates (a number's dueDate,
	// "today" of the agents' call counts); empty is UTC+8, the zone
	// LAAFFIC's pushes document.
	Timezone string `yaml:"timezone"`
	// Location is Timezone resolved at load time (by WithDefaults).
	Location *time.Location `yaml:"-"`
	// TasksWindow: tasks created this long ago or later are counted.
	TasksWindow Duration `yaml:"tasks_window"`
}

// The endpoints an account's collect list may name.
const (
	LaafficBalance   = "balance"
	LaafficSIPTrunks = "sip_trunks"
	LaafficAgents    = "agents"
	LaafficNumbers   = "numbers"
	LaafficTasks     = "tasks"
)

// LaafficEndpoints are the values of laaffic.accounts[].collect, all read
// by default.
var LaafficEndpoints = []string{LaafficBalance, LaafficSIPTrunks, LaafficAgents, LaafficNumbers, LaafficTasks}

// Defaults of the LAAFFIC operations pollers.
const (
	// DefaultLaafficNumbersMinInterval: numbers change by purchase and
	// expiry, a matter of days.
	DefaultLaafficNumbersMinInterval = time.Hour
	DefaultLaafficTasksWindow        = 7 * 24 * time.Hour
	// MaxLaafficTasksWindow is the longest window the task lists accept.
	MaxLaafficTasksWindow = 31 * 24 * time.Hour
)

// DefaultLaafficLocation is the zone of an account without timezone:
// UTC+8, the zone LAAFFIC's ringing push documents for its times.
var DefaultLaafficLocation = time.FixedZone("UTC+8", 8*3600)

// Collects reports whether the account's API credentials read endpoint
// (one of LaafficEndpoints).
func (a *LaafficAccount) Collects(endpoint string) bool {
	if !a.HasBalanceCredentials() {
		return false
	}
	return len(a.Collect) == 0 || slices.Contains(a.Collect, endpoint)
}

// NumbersMinInterval is how long one numbers answer serves: the account's
// min_interval when longer than the numbers default.
func (a *LaafficAccount) NumbersMinInterval() time.Duration {
	return max(a.MinInterval.D(), DefaultLaafficNumbersMinInterval)
}

// Defaults of the LAAFFIC balance collector.
const (
	DefaultLaafficBaseURL     = "https://api.laaffic.com"
	DefaultLaafficMinInterval = 60 * time.Second
)

// HasBalanceCredentials reports whether the balance collector reads this
// account.
func (a *LaafficAccount) HasBalanceCredentials() bool { return a.APIKey != "" }

// DefaultWebhookAccount is the account of the vendors' plain webhook paths
// (/webhooks/airudder, /webhooks/laaffic), which name no account.
const DefaultWebhookAccount = "default"

// finishLaaffic validates laaffic.accounts: names like AiRudder's (a label
// value and a URL path segment), unique.
func (c *Config) finishLaaffic() error {
	seen := map[string]bool{}
	for i := range c.Laaffic.Accounts {
		a := &c.Laaffic.Accounts[i]
		where := fmt.Sprintf("laaffic.accounts[%d]", i)
		if err := claimAccountName(seen, &a.Name, where, "LAAFFIC account"); err != nil {
			return err
		}
		if err := resolveSecret(where, "webhook_token", &a.WebhookToken, a.WebhookTokenFile); err != nil {
			return err
		}
		if err := a.finishBalance(where); err != nil {
			return err
		}
	}
	return nil
}

// finishBalance applies the balance collector's defaults and reads its
// secret files.
func (a *LaafficAccount) finishBalance(where string) error {
	*a = a.WithDefaults()
	u, err := url.Parse(a.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s.base_url: must be an absolute http(s) URL", where)
	}
	if err := resolveSecret(where, "api_key", &a.APIKey, a.APIKeyFile); err != nil {
		return err
	}
	if err := resolveSecret(where, "api_secret", &a.APISecret, a.APISecretFile); err != nil {
		return err
	}
	if (a.APIKey == "") != (a.APISecret == "") {
		return fmt.Errorf("%s: api_key and api_secret (or their _file forms) must be given together", where)
	}
	if a.MinInterval < 0 || a.Timeout < 0 {
		return fmt.Errorf("%s: min_interval and timeout must not be negative", where)
	}
	return a.finishOperations(where)
}

// finishOperations validates the settings of the operations pollers.
func (a *LaafficAccount) finishOperations(where string) error {
	seen := map[string]bool{}
	for i, e := range a.Collect {
		if !slices.Contains(LaafficEndpoints, e) {
			return fmt.Errorf("%s.collect[%d]: unknown endpoint (want one of %s)", where, i, strings.Join(LaafficEndpoints, ", "))
		}
		if seen[e] {
			return fmt.Errorf("%s.collect[%d]: endpoint %s listed twice", where, i, e)
		}
		seen[e] = true
	}
	if a.Timezone != "" {
		if _, err := time.LoadLocation(a.Timezone); err != nil {
			return fmt.Errorf("%s.timezone: unknown IANA time zone", where)
		}
	}
	if a.TasksWindow < Duration(time.Hour) || a.TasksWindow > Duration(MaxLaafficTasksWindow) {
		return fmt.Errorf("%s.tasks_window: must be between 1h and 31 days", where)
	}
	return nil
}

// WithDefaults returns a with every unset balance setting at its default,
// as Load leaves it (the poller calls it for accounts built without Load
// too).
func (a LaafficAccount) WithDefaults() LaafficAccount {
	if a.BaseURL == "" {
		a.BaseURL = DefaultLaafficBaseURL
	}
	a.BaseURL = strings.TrimRight(a.BaseURL, "/")
	if a.MinInterval == 0 {
		a.MinInterval = Duration(DefaultLaafficMinInterval)
	}
	if a.Timeout == 0 {
		a.Timeout = Duration(DefaultRequestTimeout)
	}
	if a.TasksWindow == 0 {
		a.TasksWindow = Duration(DefaultLaafficTasksWindow)
	}
	if a.Location == nil {
		a.Location = DefaultLaafficLocation
		if a.Timezone != "" {
			if loc, err := time.LoadLocation(a.Timezone); err == nil {
				a.Location = loc
			}
		}
	}
	return a
}

// BalanceAccounts returns the LAAFFIC accounts whose balance is read.
func (c *Config) BalanceAccounts() []LaafficAccount {
	return c.LaafficAccountsCollecting(LaafficBalance)
}

// LaafficAccountsCollecting returns the LAAFFIC accounts whose API
// credentials read endpoint (one of LaafficEndpoints).
func (c *Config) LaafficAccountsCollecting(endpoint string) []LaafficAccount {
	var out []LaafficAccount
	for _, a := range c.Laaffic.Accounts {
		if a.Collects(endpoint) {
			out = append(out, a)
		}
	}
	return out
}

// WebhookAccounts returns, per vendor, the account names a webhook path may
// name, with each account's own token ("" = use webhooks.token). The
// default account is always there. An AiRudder account without credentials
// or disabled still receives webhooks: disabled stops only the scraping.
func (c *Config) WebhookAccounts() (airudder, laaffic map[string]Secret) {
	airudder = map[string]Secret{DefaultWebhookAccount: ""}
	for _, a := range c.AiRudder.Accounts {
		airudder[a.Name] = a.WebhookToken
	}
	laaffic = map[string]Secret{DefaultWebhookAccount: ""}
	for _, a := range c.Laaffic.Accounts {
		laaffic[a.Name] = a.WebhookToken
	}
	return airudder, laaffic
}

// checkLaafficScripts validates webhooks.laaffic_scripts: ids are what
// LAAFFIC sends as scriptId, names become `script` label values (printable,
// at most 64 bytes, like every capped label value).
func (w *Webhooks) checkLaafficScripts() error {
	for id, name := range w.LaafficScripts {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("webhooks.laaffic_scripts: empty script id")
		}
		if !scriptName(name) {
			return fmt.Errorf("webhooks.laaffic_scripts[%q]: name must be 1-64 bytes of printable UTF-8", id)
		}
	}
	return nil
}

// scriptName reports whether v may name a script: a label value
// (labelcap.Printable) written without surrounding spaces. The label shows
// a name trimmed, so one written with them is refused at load rather than
// changed silently.
func scriptName(v string) bool {
	return labelcap.Printable(v) && strings.TrimSpace(v) == v
}
