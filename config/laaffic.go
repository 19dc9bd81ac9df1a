package config

import (
	"fmt"
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
}

// DefaultWebhookAccount is the account of the vendors' plain webhook paths
// (/webhooks/airudder, /webhooks/laaffic), which name no account.
const DefaultWebhookAccount = "default"

// webhookToken resolves an account's webhook_token / webhook_token_file.
func webhookToken(where string, tok *Secret, file string) error {
	if *tok != "" && file != "" {
		return fmt.Errorf("%s: webhook_token and webhook_token_file are mutually exclusive", where)
	}
	if file != "" {
		t, err := readSecretFile(file)
		if err != nil {
			return fmt.Errorf("%s.webhook_token_file: %w", where, err)
		}
		*tok = Secret(t)
	}
	return nil
}

// finishLaaffic validates laaffic.accounts: names like AiRudder's (a label
// value and a URL path segment), unique.
func (c *Config) finishLaaffic() error {
	seen := map[string]bool{}
	for i := range c.Laaffic.Accounts {
		a := &c.Laaffic.Accounts[i]
		where := fmt.Sprintf("laaffic.accounts[%d]", i)
		if a.Name == "" {
			a.Name = DefaultWebhookAccount
		}
		if !validName.MatchString(a.Name) {
			return fmt.Errorf("%s.name: must be 1-64 characters of [A-Za-z0-9_.:-]", where)
		}
		if seen[a.Name] {
			return fmt.Errorf("%s.name: duplicate LAAFFIC account name (an account without a name is \"default\")", where)
		}
		seen[a.Name] = true
		if err := webhookToken(where, &a.WebhookToken, a.WebhookTokenFile); err != nil {
			return err
		}
	}
	return nil
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
