package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

const leak = "s3cr3t-value-must-not-leak"

func TestSecretString(t *testing.T) {
	if got := Secret(leak).String(); got != "<secret>" {
		t.Errorf("String() = %q, want <secret>", got)
	}
	// Empty stays empty so "not configured" is visible in a dump.
	if got := Secret("").String(); got != "" {
		t.Errorf("empty String() = %q, want empty", got)
	}
	// string() is the one deliberate way to the value.
	if string(Secret(leak)) != leak {
		t.Error("string(Secret) lost the value")
	}
}

// configWithSecrets holds the secret in every Secret field.
func configWithSecrets(t *testing.T) *Config {
	return mustParse(t, "airudder:\n  accounts:\n    - {app_key: k, app_secret: "+leak+"}\nwebhooks: {token: "+leak+"}\n")
}

func TestSecretNeverPrinted(t *testing.T) {
	c := configWithSecrets(t)
	a := c.AiRudder.Accounts[0]
	for _, f := range []string{"%v", "%+v", "%s", "%q", "%x", "%d", "%#v"} {
		for name, v := range map[string]any{"config": c, "account": a, "secret": a.AppSecret, "webhooks": c.Webhooks} {
			if out := fmt.Sprintf(f, v); strings.Contains(out, leak) || strings.Contains(out, fmt.Sprintf("%x", leak)) {
				t.Errorf("fmt %s of %s reveals the secret: %s", f, name, out)
			}
		}
	}
}

func TestSecretYAMLMarshalHides(t *testing.T) {
	c := configWithSecrets(t)
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), leak) {
		t.Errorf("yaml dump reveals the secret:\n%s", out)
	}
	if !strings.Contains(string(out), "app_secret: <secret>") || !strings.Contains(string(out), "token: <secret>") {
		t.Errorf("yaml dump should show <secret> placeholders:\n%s", out)
	}
	// An unset secret marshals as empty, not as a placeholder.
	out, err = yaml.Marshal(mustParse(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "<secret>") {
		t.Errorf("unset token dumped as <secret>:\n%s", out)
	}
}

// A /config-style JSON dump (or a JSON log handler) must not leak either.
func TestSecretJSONMarshalHides(t *testing.T) {
	out, err := json.Marshal(configWithSecrets(t))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), leak) {
		t.Errorf("json dump reveals the secret: %s", out)
	}
}
